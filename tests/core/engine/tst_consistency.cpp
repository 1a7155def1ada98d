// Multistep consistency sampling (engine/solvers/consistency.h) against its two formulas: the
// boundary-condition output x̂ = c_skip·x + c_out·x̂₀ and the re-noising x ← α(τ')x̂ + σ(τ')z,
// checked exactly with replayed noise; a point mass is reached exactly; bad time lists are refused.

#include <ATen/ATen.h> // before the engine headers, whose inline code uses its operators

#include "engine/solvers/consistency.h"

#include <QTest>

using namespace reverie;
using namespace reverie::solvers;

class TestConsistency : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void pointMassIsReachedExactly() {
        const auto sde = sde::makeVp();
        const at::Tensor c = at::full({3, 2}, 0.7, at::kDouble);
        Denoiser d;
        d.param = Param::Data;
        d.fn = [c](const at::Tensor& x, const at::Tensor&, const at::Tensor&) { return c.expand_as(x).clone(); };
        ConsistencyOptions o;
        o.common.steps = 5;
        o.common.seed = 4;
        NoiseSource prior(1, NoiseMode::PerItem);
        const auto r = sampleConsistency(*sde, d, priorSample(*sde, c, at::Tensor(), prior), at::Tensor(), o, JobContext{});
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(r.value().nfe, std::int64_t(5));
        QCOMPARE(r.value().steps, 5);
        QVERIFY(at::allclose(r.value().x, c, 0, 1e-12));
    }

    void renoiseAndBoundaryFollowTheFormulas() {
        const auto sde = sde::makeVp();
        const at::Tensor c = at::full({2, 3}, -0.4, at::kDouble);
        std::vector<at::Tensor> inputs;
        std::vector<double> times;
        Denoiser d;
        d.param = Param::Data;
        d.fn = [&](const at::Tensor& x, const at::Tensor& t, const at::Tensor&) {
            inputs.push_back(x.clone());
            times.push_back(t.item<double>());
            return c.expand_as(x).clone();
        };
        const at::Tensor xT = at::randn({2, 3}, at::kDouble), z = at::randn({2, 3}, at::kDouble);
        NoiseSource replay = NoiseSource::replay({z});
        ConsistencyOptions o;
        o.times = {1.0, 0.5};
        o.common.source = &replay;
        o.boundary = [](double t) { return std::pair<double, double>{0.3 * t, 1.0 - 0.3 * t}; };
        const auto r = sampleConsistency(*sde, d, xT, at::Tensor(), o, JobContext{});
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(int(inputs.size()), 2);
        QCOMPARE(times[0], 1.0);
        QCOMPARE(times[1], 0.5);
        const at::Tensor xHat0 = xT * 0.3 + c * 0.7;
        QVERIFY(at::allclose(inputs[1], xHat0 * sde->alpha(0.5) + z * sde->sigma(0.5), 0, 1e-12));
        QVERIFY(at::allclose(r.value().x, inputs[1] * 0.15 + c * 0.85, 0, 1e-12));
        QCOMPARE(replay.replayed(), std::size_t(1)); // no noise after the last step
    }

    void badTimesAreRefused() {
        const auto sde = sde::makeVp();
        Denoiser d;
        d.param = Param::Data;
        d.fn = [](const at::Tensor& x, const at::Tensor&, const at::Tensor&) { return x; };
        const at::Tensor xT = at::zeros({1, 2}, at::kDouble);
        ConsistencyOptions o;
        o.times = {0.5, 0.8};
        QCOMPARE(sampleConsistency(*sde, d, xT, at::Tensor(), o, JobContext{}).error().kind, ErrorKind::InvalidInput);
        o.times = {1.5, 0.8};
        QCOMPARE(sampleConsistency(*sde, d, xT, at::Tensor(), o, JobContext{}).error().kind, ErrorKind::InvalidInput);
    }
};

QTEST_GUILESS_MAIN(TestConsistency)
#include "tst_consistency.moc"
