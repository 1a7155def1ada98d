// Reversible Heun and the Brownian path it draws from, against closed-form truth: second order
// on the probability-flow ODE of Gaussian data (exact flow map in tst_ode_orders.cpp), the
// algebraic inverse recovering x_T, the SDE's samples matching the data distribution, and a
// Brownian path that answers the same at any time in any order with the right variances.

#include "analytic.h"
#include "sdes.h"

#include "engine/solvers/brownian.h"
#include "engine/solvers/revheun.h"

#include "fixtures.h"

#include <QTest>

#include <cstdio>

using namespace reverie;
using namespace reverie::solvers;
using namespace reverie::testing;

namespace {

constexpr double kMean = 0.5, kStd = 0.5;

struct Problem {
    std::unique_ptr<sde::Sde> sde;
    at::Tensor mu, xT;
    double tStart = 0, tEnd = 0;
};

Problem makeProblem(SdeId id, int64_t n = 8) {
    Problem p;
    p.sde = makeSde(id);
    p.tStart = p.sde->tMax();
    p.tEnd = id == SdeId::IrContinuous ? 2.0 : (id == SdeId::OUVE ? 0.03 : 1e-3);
    if (p.sde->meanReverting()) p.mu = at::full({n, 1}, -0.3, at::kDouble);
    p.xT = at::linspace(-2.0, 2.0, n, at::kDouble).view({n, 1});
    if (p.mu.defined()) p.xT = p.xT + p.mu;
    return p;
}

at::Tensor exactFlow(const Problem& p, double t) {
    const auto& s = *p.sde;
    auto mean = [&](double tt) {
        at::Tensor r = at::full_like(p.xT, s.alpha(tt) * kMean);
        if (p.mu.defined()) r = r + p.mu * (1 - s.alpha(tt));
        return r;
    };
    auto var = [&](double tt) { return s.alpha(tt) * s.alpha(tt) * kStd * kStd + s.sigma(tt) * s.sigma(tt); };
    return mean(t) + (p.xT - mean(p.tStart)) * std::sqrt(var(t) / var(p.tStart));
}

sde::Denoiser gaussian(const sde::Sde& s) {
    return sde::denoiserFromSigma(s, Mixture::gaussian(1, kMean, kStd).sigmaDenoiser());
}

RevHeunOptions options(const Problem& p, int n, bool stochastic, std::uint64_t seed = 3) {
    RevHeunOptions o;
    o.common.steps = n;
    o.common.tStart = p.tStart;
    o.common.tEnd = p.tEnd;
    o.common.seed = seed;
    o.stochastic = stochastic;
    return o;
}

} // namespace

class TestRevHeun : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void secondOrderOnTheOde_data();
    void secondOrderOnTheOde();
    void inverseRecoversTheStart_data();
    void inverseRecoversTheStart();
    void sdeSamplesTheData();
    void brownianPathIsReproducibleAndBrownian();
    void brownianPerItemPathsIgnoreTheBatch();
    void refusesReplayedNoiseAndCountsNfe();
};

void TestRevHeun::secondOrderOnTheOde_data() {
    QTest::addColumn<SdeId>("id");
    // Not on the discrete IR-SDE or SD schedules: their t-axis is piecewise (see tst_ode_orders).
    for (SdeId id : {SdeId::VE, SdeId::VP, SdeId::SubVP, SdeId::IrContinuous, SdeId::OUVE})
        QTest::newRow(sdeName(id)) << id;
}

void TestRevHeun::secondOrderOnTheOde() {
    QFETCH(SdeId, id);
    const Problem p = makeProblem(id);
    const auto d = gaussian(*p.sde);
    std::vector<double> ns, errs;
    for (int k = 0; k < 4; ++k) {
        const int n = 32 << k;
        const auto r = sampleReversibleHeun(*p.sde, d, p.xT, p.mu, options(p, n, false), JobContext{});
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(r.value().nfe, static_cast<std::int64_t>(n + 1));
        ns.push_back(n);
        errs.push_back((r.value().x - exactFlow(p, p.tEnd)).abs().max().item<double>());
    }
    const double slope = -logSlope(ns, errs);
    std::printf("ORDER reversible-heun %s slope=%.3f errors=%.3g..%.3g\n", sdeName(id), slope, errs.front(),
                errs.back());
    QVERIFY2(std::abs(slope - 2.0) <= 0.3,
             qPrintable(QString("slope %1 (errors %2 .. %3)").arg(slope).arg(errs.front()).arg(errs.back())));
}

void TestRevHeun::inverseRecoversTheStart_data() {
    QTest::addColumn<SdeId>("id");
    QTest::addColumn<bool>("stochastic");
    for (SdeId id : {SdeId::VE, SdeId::VP, SdeId::OUVE})
        for (bool st : {false, true})
            QTest::newRow(qPrintable(QString("%1/%2").arg(sdeName(id), st ? "sde" : "ode"))) << id << st;
}

// Forward N steps, then N inverse steps: x_T comes back to round-off (float64).
void TestRevHeun::inverseRecoversTheStart() {
    QFETCH(SdeId, id);
    QFETCH(bool, stochastic);
    const Problem p = makeProblem(id);
    const int N = 50;
    const sde::Denoiser d = gaussian(*p.sde); // Model keeps a reference
    Model m(*p.sde, d, p.mu, JobContext{});
    BrownianPath path(7, p.tEnd, p.tStart, p.xT.sizes().vec());
    RevHeun rh(m, p.sde->uniformGrid(N, p.tStart, p.tEnd), stochastic, &path);
    RevHeun::State s = rh.start(p.xT);
    for (int n = 0; n < N; ++n) s = rh.step(s, n);
    QVERIFY((s.y - p.xT).abs().max().item<double>() > 0.1); // it went somewhere
    for (int n = N - 1; n >= 0; --n) s = rh.inverse(s, n);
    const double err =
        std::max((s.y - p.xT).abs().max().item<double>(), (s.yHat - p.xT).abs().max().item<double>());
    std::printf("INVERSE %s %s max error %.3g\n", sdeName(id), stochastic ? "sde" : "ode", err);
    QVERIFY2(err < 1e-8, qPrintable(QString::number(err)));
}

// 6000 samples of the reverse SDE (200 steps) on VP with N(0.5, 0.5²) data: mean and variance
// within 5 standard errors plus a small discretisation allowance.
void TestRevHeun::sdeSamplesTheData() {
    const Problem p = makeProblem(SdeId::VP, 6000);
    const auto d = gaussian(*p.sde);
    NoiseSource noise(11, NoiseMode::Batch);
    const at::Tensor xT = priorSample(*p.sde, p.xT, {}, noise);
    RevHeunOptions o = options(p, 200, true, 5);
    o.common.noise = NoiseMode::Batch;
    const auto r = sampleReversibleHeun(*p.sde, d, xT, {}, o, JobContext{});
    QVERIFY(r.ok());
    const Moments mo = moments(r.value().x);
    const double s = p.sde->sigma(p.tEnd), a = p.sde->alpha(p.tEnd);
    const double wantMean = a * kMean, wantVar = a * a * kStd * kStd + s * s;
    std::printf("SDE mean %.4f (want %.4f ± %.4f) var %.4f (want %.4f ± %.4f)\n", mo.mean, wantMean,
                mo.seMean, mo.var, wantVar, mo.seVar);
    QVERIFY(std::abs(mo.mean - wantMean) < 5 * mo.seMean + 0.01);
    QVERIFY(std::abs(mo.var - wantVar) < 5 * mo.seVar + 0.01);
}

void TestRevHeun::brownianPathIsReproducibleAndBrownian() {
    const int64_t B = 4000;
    BrownianPath w(21, 0.0, 1.0, {B, 1}, NoiseMode::Batch);
    const at::Tensor a1 = w.at(0.3), b1 = w.at(0.7), a2 = w.at(0.3);
    QCOMPARE((a1 - a2).abs().max().item<double>(), 0.0); // the same answer in any order
    QCOMPARE(w.at(0.0).abs().max().item<double>(), 0.0);
    // Var W(0.3) = 0.3, Var(W(0.7) − W(0.3)) = 0.4, and the two are uncorrelated.
    const double v1 = a1.var().item<double>(), v2 = (b1 - a1).var().item<double>();
    const double corr =
        ((a1 - a1.mean()) * (b1 - a1 - (b1 - a1).mean())).mean().item<double>() / std::sqrt(v1 * v2);
    std::printf("BROWNIAN var %.4f (0.3) var %.4f (0.4) corr %.4f\n", v1, v2, corr);
    QVERIFY(std::abs(v1 - 0.3) < 0.3 * 5 * std::sqrt(2.0 / B));
    QVERIFY(std::abs(v2 - 0.4) < 0.4 * 5 * std::sqrt(2.0 / B));
    QVERIFY(std::abs(corr) < 5 / std::sqrt(double(B)));
    // Another seed, another path.
    BrownianPath other(22, 0.0, 1.0, {B, 1}, NoiseMode::Batch);
    QVERIFY((other.at(0.3) - a1).abs().max().item<double>() > 0.1);
    // Many small increments add up to the big one exactly.
    at::Tensor sum = at::zeros({B, 1}, at::kDouble);
    for (int i = 0; i < 10; ++i) sum = sum + w.increment(0.3 + 0.04 * i, 0.3 + 0.04 * (i + 1));
    QVERIFY((sum - (b1 - a1)).abs().max().item<double>() < 1e-12);
}

void TestRevHeun::brownianPerItemPathsIgnoreTheBatch() {
    BrownianPath four(5, 0.0, 2.0, {4, 3});
    BrownianPath two(5, 0.0, 2.0, {2, 3});
    QCOMPARE((four.at(1.234).slice(0, 0, 2) - two.at(1.234)).abs().max().item<double>(), 0.0);
    QVERIFY((four.at(1.234)[0] - four.at(1.234)[1]).abs().max().item<double>() > 0);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, BrownianPath(1, 1.0, 1.0, {1}));
}

void TestRevHeun::refusesReplayedNoiseAndCountsNfe() {
    const Problem p = makeProblem(SdeId::VP);
    NoiseSource replay = NoiseSource::replay({});
    RevHeunOptions o = options(p, 10, true);
    o.common.source = &replay;
    const auto r = sampleReversibleHeun(*p.sde, gaussian(*p.sde), p.xT, {}, o, JobContext{});
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, ErrorKind::InvalidInput);
    o.common.source = nullptr;
    o.common.maxNfe = 10; // N + 1 = 11 does not fit
    QCOMPARE(sampleReversibleHeun(*p.sde, gaussian(*p.sde), p.xT, {}, o, JobContext{}).error().kind,
             ErrorKind::InvalidInput);
}

QTEST_GUILESS_MAIN(TestRevHeun)
#include "tst_revheun.moc"
