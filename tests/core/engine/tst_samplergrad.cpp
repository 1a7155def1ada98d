// Gradients through a whole sampling run (engine/grad/samplergrad.h) on Gaussian data, where the
// denoiser is closed-form and its data mean m is the "conditioning" parameter: backprop,
// checkpointing and reversible backprop agree to round-off (they differentiate the same discrete
// map), match central finite differences of that map, and the continuous adjoint converges to
// them as the grid refines; for the ODE all of them approach the exact gradient of the exact flow.

#include "analytic.h"
#include "sdes.h"

#include "engine/grad/samplergrad.h"
#include "engine/solvers/revheun.h"

#include "fixtures.h"

#include <QTest>

#include <cstdio>

using namespace reverie;
using namespace reverie::grad;
using namespace reverie::testing;

namespace {

constexpr double kStd = 0.5;

// A Gaussian N(m, s²) denoiser whose mean m is a tensor (the parameter the gradients reach).
sde::Denoiser gaussianWithMean(const sde::Sde& s, const at::Tensor& m) {
    return sde::denoiserFromSigma(s, [m](const at::Tensor& x, const at::Tensor& st, const at::Tensor&) {
        const at::Tensor v = st.dim() == 0 ? st : st.reshape({-1, 1});
        return m + (x - m) * (kStd * kStd / (v * v + kStd * kStd));
    });
}

struct Setup {
    std::unique_ptr<sde::Sde> sde;
    at::Tensor m, xT, w;
    Problem problem;
};

Setup makeSetup(SdeId id, at::ScalarType dtype = at::kDouble) {
    Setup s;
    s.sde = makeSde(id);
    auto g = gen(17);
    s.m = at::full({1, 3}, 0.4, dtype);
    s.xT = (at::randn({4, 3}, g, at::kDouble) * s.sde->priorStd()).to(dtype);
    s.w = at::randn({4, 3}, g, at::kDouble).to(dtype);
    s.problem.sde = s.sde.get();
    s.problem.denoiser = gaussianWithMean(*s.sde, s.m);
    s.problem.params = {s.m};
    const at::Tensor w = s.w;
    s.problem.loss = [w](const at::Tensor& x) { return (w * x).sum() + 0.5 * x.pow(2).sum(); };
    return s;
}

Options opts(int n, bool stochastic, Strategy st) {
    Options o;
    o.common.steps = n;
    o.common.tEnd = 1e-3;
    o.common.seed = 9;
    o.stochastic = stochastic;
    o.strategy = st;
    return o;
}

Output run(const Setup& s, const Options& o) {
    const auto r = sampleGrad(s.problem, s.xT, o, JobContext{});
    if (!r.ok()) qFatal("%s", r.error().message.c_str());
    return r.value();
}

double rel(const at::Tensor& a, const at::Tensor& b) {
    return (a - b).abs().max().item<double>() / std::max(1e-300, b.abs().max().item<double>());
}

// The loss of the discrete map (sampleReversibleHeun) at (x_T, m).
double lossAt(const Setup& s, const at::Tensor& xT, const at::Tensor& m, int n, bool stochastic) {
    solvers::RevHeunOptions o;
    o.common.steps = n;
    o.common.tEnd = 1e-3;
    o.common.seed = 9;
    o.stochastic = stochastic;
    const auto r =
        solvers::sampleReversibleHeun(*s.sde, gaussianWithMean(*s.sde, m), xT, {}, o, JobContext{});
    if (!r.ok()) qFatal("%s", r.error().message.c_str());
    return s.problem.loss(r.value().x).item<double>();
}

} // namespace

class TestSamplerGrad : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void exactStrategiesAgree_data();
    void exactStrategiesAgree();
    void matchesFiniteDifferences_data();
    void matchesFiniteDifferences();
    void adjointConvergesAndOdeGradientIsExact();
    void float32Figures();
    void doubleStateReconstructsFloat32Runs();
    void badInputIsRefused();
};

void TestSamplerGrad::exactStrategiesAgree_data() {
    QTest::addColumn<SdeId>("id");
    QTest::addColumn<bool>("stochastic");
    for (SdeId id : {SdeId::VP, SdeId::VE})
        for (bool st : {false, true})
            QTest::newRow(qPrintable(QString("%1/%2").arg(sdeName(id), st ? "sde" : "ode"))) << id << st;
}

void TestSamplerGrad::exactStrategiesAgree() {
    QFETCH(SdeId, id);
    QFETCH(bool, stochastic);
    const Setup s = makeSetup(id);
    const int N = 40;
    const Output b = run(s, opts(N, stochastic, Strategy::Backprop));
    QCOMPARE(b.forwardNfe, static_cast<std::int64_t>(N + 1));
    QVERIFY(b.gradX.abs().max().item<double>() > 1e-3);
    QVERIFY(b.gradParams.at(0).abs().max().item<double>() > 1e-3);
    QVERIFY(!s.m.requires_grad()); // restored
    for (Strategy st : {Strategy::Checkpoint, Strategy::Reversible}) {
        const Output o = run(s, opts(N, stochastic, st));
        const double ex = rel(o.gradX, b.gradX), ep = rel(o.gradParams.at(0), b.gradParams.at(0));
        std::printf("AGREE %s %s %s x %.3g m %.3g recon %.3g nfe %lld+%lld\n", sdeName(id),
                    stochastic ? "sde" : "ode", toString(st).c_str(), ex, ep, o.reconstructionError,
                    static_cast<long long>(o.forwardNfe), static_cast<long long>(o.backwardNfe));
        QCOMPARE(o.loss, b.loss);
        QVERIFY2(ex < 1e-10 && ep < 1e-10, qPrintable(QString("%1 %2").arg(ex).arg(ep)));
    }
    // Segment counts other than √N give the same gradient.
    Options o = opts(N, stochastic, Strategy::Checkpoint);
    o.segments = 3;
    QVERIFY(rel(run(s, o).gradX, b.gradX) < 1e-10);
}

void TestSamplerGrad::matchesFiniteDifferences_data() {
    QTest::addColumn<bool>("stochastic");
    QTest::newRow("ode") << false;
    QTest::newRow("sde") << true;
}

// Central differences of the discrete map in a random direction of x_T and along m.
void TestSamplerGrad::matchesFiniteDifferences() {
    QFETCH(bool, stochastic);
    const Setup s = makeSetup(SdeId::VP);
    const int N = 25;
    const Output r = run(s, opts(N, stochastic, Strategy::Reversible));
    const at::Tensor dir = at::randn(s.xT.sizes(), gen(4), at::kDouble);
    const double h = 1e-5;
    const double fdX =
        (lossAt(s, s.xT + h * dir, s.m, N, stochastic) - lossAt(s, s.xT - h * dir, s.m, N, stochastic)) /
        (2 * h);
    const double anX = (r.gradX * dir).sum().item<double>();
    const double fdM =
        (lossAt(s, s.xT, s.m + h, N, stochastic) - lossAt(s, s.xT, s.m - h, N, stochastic)) / (2 * h);
    const double anM = r.gradParams.at(0).sum().item<double>();
    std::printf("FD %s x: %.10g vs %.10g  m: %.10g vs %.10g\n", stochastic ? "sde" : "ode", anX, fdX, anM,
                fdM);
    QVERIFY(std::abs(anX - fdX) <= 1e-6 * std::max(1.0, std::abs(fdX)));
    QVERIFY(std::abs(anM - fdM) <= 1e-6 * std::max(1.0, std::abs(fdM)));
}

// The adjoint differentiates the ODE, not the discrete map: its distance from the exact
// strategies shrinks as the grid refines; on the ODE every strategy approaches the gradient of
// the exact flow x_end = m_end + √(V_end / V_T)(x_T − m_T) (VP, m_t = α m, V = α²s² + σ²).
void TestSamplerGrad::adjointConvergesAndOdeGradientIsExact() {
    const Setup s = makeSetup(SdeId::VP);
    const auto& sd = *s.sde;
    const double tEnd = 1e-3, T = sd.tMax();
    auto V = [&](double t) { return sd.alpha(t) * sd.alpha(t) * kStd * kStd + sd.sigma(t) * sd.sigma(t); };
    const double k = std::sqrt(V(tEnd) / V(T));
    const at::Tensor xEnd = s.m * sd.alpha(tEnd) + (s.xT - s.m * sd.alpha(T)) * k;
    const at::Tensor dLdx = s.w + xEnd;
    const at::Tensor exactX = dLdx * k;
    const at::Tensor exactM = (dLdx * (sd.alpha(tEnd) - k * sd.alpha(T))).sum(0, true);
    std::vector<double> adjErr, exactErr;
    for (int n : {25, 50, 100, 200}) {
        const Output b = run(s, opts(n, false, Strategy::Backprop));
        const Output a = run(s, opts(n, false, Strategy::Adjoint));
        adjErr.push_back(rel(a.gradX, b.gradX));
        exactErr.push_back(std::max(rel(b.gradX, exactX), rel(b.gradParams.at(0), exactM)));
        std::printf(
            "ADJOINT N=%d vs backprop %.3g (m %.3g), backprop vs exact flow %.3g, adjoint recon %.3g\n", n,
            adjErr.back(), rel(a.gradParams.at(0), b.gradParams.at(0)), exactErr.back(),
            a.reconstructionError);
    }
    QVERIFY(adjErr.back() < adjErr.front() / 8);
    QVERIFY(adjErr.back() < 1e-3);
    QVERIFY(exactErr.back() < exactErr.front() / 8);
    QVERIFY(exactErr.back() < 1e-3);
    // The stochastic adjoint uses the same Brownian path, so it converges as well.
    // The SDE's pathwise Jacobian here is the scalar J = exp(−∫_{tEnd}^{T} ∂F/∂x dt) with
    // ∂F/∂x = −κ + g²/V (linear drift, additive noise), so ∂L/∂x_T = J (w + x_end).
    double integral = 0;
    const int Q = 200000;
    for (int i = 0; i < Q; ++i) {
        const double t = tEnd + (T - tEnd) * (i + 0.5) / Q;
        integral += (-sd.kappa(t) + sd.diffusion(t) * sd.diffusion(t) / V(t)) * (T - tEnd) / Q;
    }
    const double J = std::exp(-integral);
    // Reversible Heun's stability region is a segment of the imaginary axis, and the reverse
    // SDE contracts at rate ∂F/∂x ≈ β/2 (up to 10 here): the discrete map's parasitic mode
    // dominates its Jacobian at N = 50 and still costs 11 % at N = 200 (docs/methods.md). The
    // adjoint, which differentiates the SDE itself, is accurate sooner.
    std::vector<double> discrete, adjoint;
    for (int n : {50, 200, 800}) {
        const Output bs = run(s, opts(n, true, Strategy::Backprop));
        const Output as = run(s, opts(n, true, Strategy::Adjoint));
        const at::Tensor exactS = (s.w + bs.sample) * J;
        discrete.push_back(rel(bs.gradX, exactS));
        adjoint.push_back(rel(as.gradX, exactS));
        std::printf("ADJOINT sde N=%d vs backprop %.3g; vs pathwise exact: backprop %.3g adjoint %.3g\n", n,
                    rel(as.gradX, bs.gradX), discrete.back(), adjoint.back());
    }
    QVERIFY(discrete[0] > 1.0);  // the parasitic mode, as documented
    QVERIFY(discrete[2] < 2e-3); // gone at N = 800
    QVERIFY(adjoint[1] < 1e-2);
    QVERIFY(adjoint[2] < 1e-3);
}

// float32: the exact strategies still agree closely (figures printed for the docs).
void TestSamplerGrad::float32Figures() {
    const Setup s = makeSetup(SdeId::VP, at::kFloat);
    const Output b = run(s, opts(100, false, Strategy::Backprop));
    QCOMPARE(b.gradX.scalar_type(), at::kFloat);
    for (Strategy st : {Strategy::Checkpoint, Strategy::Reversible, Strategy::Adjoint}) {
        const Output o = run(s, opts(100, false, st));
        std::printf("FLOAT32 %s vs backprop %.3g recon %.3g\n", toString(st).c_str(), rel(o.gradX, b.gradX),
                    o.reconstructionError);
        QVERIFY(rel(o.gradX, b.gradX) < 1e-2);
    }
}

// A float32 (nonlinear) denoiser on the reverse SDE at N = 200, where reversible Heun's parasitic mode
// amplifies round-off: float64 states (Options::doubleState) reconstruct the run far better and
// bring the reversible gradient to backprop's, while the denoiser and the loss still see float32.
void TestSamplerGrad::doubleStateReconstructsFloat32Runs() {
    Setup s = makeSetup(SdeId::VP, at::kFloat);
    const sde::Denoiser inner = s.problem.denoiser;
    int wrongDtype = 0;
    s.problem.denoiser.fn = [inner, &wrongDtype](const at::Tensor& x, const at::Tensor& t,
                                                 const at::Tensor& mu) {
        if (x.scalar_type() != at::kFloat) ++wrongDtype;
        // A nonlinear term, so that each step's Jacobian depends on the state the backward pass
        // reconstructs (with the linear Gaussian denoiser alone it would not).
        return inner.fn(x, t, mu) + 0.05 * at::sin(3 * x);
    };
    bool float32Out = true;
    auto figures = [&](bool wide) {
        Options b = opts(200, true, Strategy::Backprop), r = opts(200, true, Strategy::Reversible);
        b.doubleState = r.doubleState = wide;
        const Output ob = run(s, b), orv = run(s, r);
        float32Out = float32Out && orv.gradX.scalar_type() == at::kFloat &&
                     orv.sample.scalar_type() == at::kFloat && orv.gradParams[0].scalar_type() == at::kFloat;
        return std::make_pair(rel(orv.gradX, ob.gradX), orv.reconstructionError);
    };
    const auto narrow = figures(false), wide = figures(true);
    QVERIFY(float32Out); // the results come back in x_T's dtype
    std::printf(
        "SDE N=200 float32 denoiser: reversible vs backprop %.3g (start reconstructed %.3g) with float32 "
        "states, %.3g (%.3g) with float64 states\n",
        narrow.first, narrow.second, wide.first, wide.second);
    QCOMPARE(wrongDtype, 0);
    QVERIFY2(wide.second < 1e-9, qPrintable(QString::number(wide.second)));
    QVERIFY2(wide.first < 1e-5 && wide.first < 0.1 * narrow.first,
             qPrintable(QString("%1 vs %2").arg(wide.first).arg(narrow.first)));
}

void TestSamplerGrad::badInputIsRefused() {
    Setup s = makeSetup(SdeId::VP);
    Problem p = s.problem;
    p.loss = nullptr;
    QCOMPARE(sampleGrad(p, s.xT, opts(5, false, Strategy::Reversible), JobContext{}).error().kind,
             ErrorKind::InvalidInput);
    p = s.problem;
    p.params = {s.m.clone().requires_grad_(true) * 2.0}; // not a leaf
    QCOMPARE(sampleGrad(p, s.xT, opts(5, false, Strategy::Reversible), JobContext{}).error().kind,
             ErrorKind::InvalidInput);
    p = s.problem;
    p.loss = [](const at::Tensor& x) { return x; }; // not a scalar
    QCOMPARE(sampleGrad(p, s.xT, opts(5, false, Strategy::Reversible), JobContext{}).error().kind,
             ErrorKind::InvalidInput);
    QCOMPARE(sampleGrad(s.problem, s.xT.to(at::kLong), opts(5, false, Strategy::Backprop), JobContext{})
                 .error()
                 .kind,
             ErrorKind::InvalidInput);
    // Cancelled during the backward pass: a Cancelled error, and the parameter's flag restored.
    JobContext ctx;
    const CancelToken cancel = ctx.cancel;
    int calls = 0;
    p = s.problem;
    const auto inner = p.denoiser.fn;
    p.denoiser.fn = [&](const at::Tensor& x, const at::Tensor& t, const at::Tensor& mu) {
        if (++calls == 15) cancel.cancel();
        return inner(x, t, mu);
    };
    const auto r = sampleGrad(p, s.xT, opts(10, false, Strategy::Reversible), ctx);
    QCOMPARE(r.error().kind, ErrorKind::Cancelled);
    QVERIFY(!s.m.requires_grad());
    QCOMPARE(strategyFromString("adjoint"), std::optional<Strategy>(Strategy::Adjoint));
    QVERIFY(!strategyFromString("nope"));
}

QTEST_GUILESS_MAIN(TestSamplerGrad)
#include "tst_samplergrad.moc"
