// SDE coefficients against their own definitions, published defaults, and the exact score of
// Gaussian and mixture data for every SDE.

#include "analytic.h"
#include "sdes.h"

#include "engine/sde/param.h"

#include <QTest>

using namespace reverie;
using namespace reverie::testing;

class TestSde : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void marginalsSolveTheSde_data();
    void marginalsSolveTheSde();
    void inverseTime_data() { marginalsSolveTheSde_data(); }
    void inverseTime();
    void publishedDefaults();
    void exactScore_data() { marginalsSolveTheSde_data(); }
    void exactScore();
    void badParameters();
};

void TestSde::marginalsSolveTheSde_data() {
    QTest::addColumn<SdeId>("id");
    for (SdeId id : kAllSdes) QTest::newRow(sdeName(id)) << id;
}

// α' = −κα and (σ²)' = −2κσ² + g² (central differences, away from the discrete IR knots).
void TestSde::marginalsSolveTheSde() {
    QFETCH(SdeId, id);
    const auto sde = makeSde(id);
    const double T = sde->tMax();
    for (double u : {0.0537, 0.237, 0.5031, 0.713, 0.9517}) {
        const double t = u * T, h = 1e-5 * T;
        const double da = (sde->alpha(t + h) - sde->alpha(t - h)) / (2 * h);
        QVERIFY2(std::abs(da + sde->kappa(t) * sde->alpha(t)) <= 1e-6 * std::max(1.0, std::abs(da)),
                 qPrintable(QString("alpha' at t=%1").arg(t)));
        auto v = [&](double tt) { return sde->sigma(tt) * sde->sigma(tt); };
        const double dv = (v(t + h) - v(t - h)) / (2 * h);
        const double rhs = -2 * sde->kappa(t) * v(t) + sde->diffusion(t) * sde->diffusion(t);
        QVERIFY2(std::abs(dv - rhs) <= 1e-5 * std::max(std::abs(rhs), 1e-8),
                 qPrintable(QString("variance ODE at t=%1: %2 vs %3").arg(t).arg(dv).arg(rhs)));
    }
    QCOMPARE(sde->sigma(0.0), 0.0);
    QCOMPARE(sde->alpha(0.0), 1.0);
}

void TestSde::inverseTime() {
    QFETCH(SdeId, id);
    const auto sde = makeSde(id);
    for (double u : {0.01, 0.3, 0.77, 1.0}) {
        const double t = u * sde->tMax();
        QVERIFY(std::abs(sde->tFromSigmaTilde(sde->sigmaTilde(t)) - t) < 1e-9 * sde->tMax());
        QVERIFY(std::abs(sde->tFromLambda(sde->lambda(t)) - t) < 1e-9 * sde->tMax());
    }
}

void TestSde::publishedDefaults() {
    const auto ouve = sde::makeOuve();
    QVERIFY(std::abs(ouve->sigma(1.0) - 0.389) < 1e-3);            // REFERENCE §6
    QVERIFY(std::abs(ouve->alpha(1.0) - 0.22) < 5e-3);             // prior mismatch 0.22 x0 + 0.78 y
    for (bool discrete : {true, false}) {
        sde::IrSdeParams p;
        p.discrete = discrete;
        const auto ir = sde::makeIrSde(p);
        QVERIFY(std::abs(ir->alpha(100) - 0.005) < 1e-12);         // e^{−θ̄_T} = 0.005
        QCOMPARE(ir->priorStd(), 10.0 / 255.0);
        // σ_t² = 2λ²θ_t: stationary variance λ².
        QVERIFY(std::abs(ir->diffusion(50.5) * ir->diffusion(50.5) - 2 * p.lambda * p.lambda * ir->kappa(50.5)) < 1e-15);
    }
    const auto vp = sde::makeVp();
    QVERIFY(std::abs(vp->alpha(1.0) - std::exp(-0.25 * 19.9 - 0.05)) < 1e-15);
    const auto sub = sde::makeSubVp();
    QVERIFY(std::abs(sub->sigma(0.5) - (1 - vp->alpha(0.5) * vp->alpha(0.5))) < 1e-15);

    // Stable Diffusion's schedule: the published σ range of k-diffusion's discrete wrapper
    // (σ_min 0.0292, σ_max 14.6146), and α² = ᾱ_i exactly on the steps.
    const std::vector<double> abar = sde::scaledLinearAlphasCumprod();
    QCOMPARE(abar.size(), std::size_t(1000));
    QVERIFY(std::abs(abar[0] - (1 - 0.00085)) < 1e-15);
    const auto sd = sde::makeDiscreteVp({abar, 50});
    QVERIFY(sd->kind() == sde::SdeKind::VP);
    QVERIFY2(std::abs(sd->sigmaTilde(1.0) - 14.6146) < 1e-4, qPrintable(QString::number(sd->sigmaTilde(1.0), 'g', 9)));
    QVERIFY2(std::abs(sd->sigmaTilde(sd->tEps()) - 0.0292) < 1e-4, qPrintable(QString::number(sd->sigmaTilde(sd->tEps()), 'g', 9)));
    for (int i : {0, 1, 17, 500, 998, 999}) {
        const double t = (i + 1) / 1000.0;
        QVERIFY2(std::abs(sd->alpha(t) * sd->alpha(t) - abar[i]) < 1e-12, qPrintable(QString("step %1").arg(i)));
        QVERIFY(std::abs(sd->sigma(t) * sd->sigma(t) - (1 - abar[i])) < 1e-12);
        QCOMPARE(sde::discreteTimestep(t, 1000), double(i));
    }
    // Between the steps σ̃ stays between its neighbours (monotone interpolation).
    const double mid = sd->sigmaTilde(0.5005);
    QVERIFY(mid > sd->sigmaTilde(0.500) && mid < sd->sigmaTilde(0.501));
    QCOMPARE(sde::discreteTimestep(0.0, 1000), 0.0);
    QCOMPARE(sde::discreteTimestep(0.5005, 1000), 499.5);
}

// The score reached through the σ-denoiser and the parameterisation conversions equals the
// closed-form marginal score, for a Gaussian (analytic formula) and a 2-D mixture (finite
// differences of the exact log-density).
void TestSde::exactScore() {
    QFETCH(SdeId, id);
    const auto sde = makeSde(id);
    const at::Tensor mu = sde->meanReverting() ? at::full({5, 2}, 0.4, at::kDouble) : at::Tensor();
    Mixture g = Mixture::gaussian(2, 0.3, 0.7);
    Mixture gmm{2, {0.3, 0.7}, {{-1.0, 0.5}, {1.0, -0.5}}, {0.3, 0.5}};
    for (const Mixture& data : {g, gmm}) {
        const sde::Denoiser d = sde::denoiserFromSigma(*sde, data.sigmaDenoiser());
        for (double u : {0.02, 0.4, 0.9}) {
            const double t = u * sde->tMax();
            const double a = sde->alpha(t), s = sde->sigma(t);
            const at::Tensor x = at::linspace(-2, 2, 10, at::kDouble).view({5, 2});
            const at::Tensor y = mu.defined() ? x - mu : x;
            const at::Tensor out = d.fn(x, at::scalar_tensor(t, at::kDouble), mu);
            const at::Tensor score = sde::scoreFrom(sde::Param::Data, sde::outputToY(sde::Param::Data, out, mu), y, a, s);
            // Truth: p_t(x) = p̃(x̃)/α^d with x̃ = y/α + μ, so ∇_x log p_t = ∇_x̃ log p̃ / α.
            const double h = 1e-5;
            at::Tensor truth = at::empty_like(x);
            for (int k = 0; k < 2; ++k) {
                at::Tensor e = at::zeros_like(x);
                e.select(1, k).fill_(h);
                auto lp = [&](const at::Tensor& xx) {
                    at::Tensor yy = mu.defined() ? xx - mu : xx;
                    at::Tensor xt = yy / a;
                    if (mu.defined()) xt = xt + mu;
                    return data.logDensity(xt, s / a);
                };
                truth.select(1, k).copy_((lp(x + e) - lp(x - e)) / (2 * h));
            }
            const double err = (score - truth).abs().max().item<double>();
            const double scale = truth.abs().max().item<double>();
            QVERIFY2(err <= 1e-6 * std::max(1.0, scale), qPrintable(QString("t=%1 err=%2 scale=%3").arg(t).arg(err).arg(scale)));
        }
    }
}

void TestSde::badParameters() {
    sde::VeParams ve;
    ve.sigmaMax = 0.001;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, sde::makeVe(ve));
    sde::IrSdeParams ir;
    ir.endAlpha = 1.5;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, sde::makeIrSde(ir));
    sde::OuveParams ou;
    ou.gamma = -1;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, sde::makeOuve(ou));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, sde::makeDiscreteVp({{0.9}, 10}));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, sde::makeDiscreteVp({{0.9, 0.95}, 10}));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, sde::makeDiscreteVp({{1.0, 0.5}, 10}));
}

QTEST_APPLESS_MAIN(TestSde)
#include "tst_sde.moc"
