// The sampler contract: documented NFE, cancel within one evaluation, step callbacks, clear
// errors before any work, per-item seeds, exact parameterisation conversions, equivalences
// between samplers that are the same mathematics, and conditional sampling by replacement.

#include "analytic.h"
#include "samplers.h"

#include "fixtures.h"

#include <QTest>

#include <atomic>
#include <cmath>
#include <cstdio>

using namespace reverie;
using namespace reverie::solvers;
using namespace reverie::testing;

namespace {

constexpr SamplerId kAll[] = {
    SamplerId::EulerMaruyama, SamplerId::ReverseDiffusion, SamplerId::PcLangevin, SamplerId::PcAnnealed,
    SamplerId::Ddim1, SamplerId::Posterior, SamplerId::MrsSdeData1, SamplerId::MrsSdeData2,
    SamplerId::MrsSdeNoise1, SamplerId::MrsSdeNoise2, SamplerId::EdmChurn, SamplerId::OdeEuler,
    SamplerId::OdeHeun, SamplerId::OdeRk4, SamplerId::Ddim0, SamplerId::MrsOdeData2, SamplerId::MrsOdeNoise2,
    SamplerId::EdmHeun};

/// A Gaussian data denoiser that counts its own calls (independently of the engine's Model).
struct Counting {
    std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
    sde::Denoiser wrap(sde::Denoiser d, std::function<void(int)> hook = {}) const {
        auto c = calls;
        sde::Denoiser out = d;
        out.fn = [c, d, hook](const at::Tensor& x, const at::Tensor& t, const at::Tensor& mu) {
            const int n = ++*c;
            if (hook) hook(n);
            return d.fn(x, t, mu);
        };
        return out;
    }
};

struct Setup {
    std::unique_ptr<sde::Sde> sde;
    at::Tensor mu, xT;
    sde::Denoiser d;
};

Setup setup(SdeId id, int64_t batch = 4, int dim = 3) {
    Setup s;
    s.sde = makeSde(id);
    if (s.sde->meanReverting()) s.mu = at::full({batch, dim}, 0.2, at::kDouble);
    s.xT = at::randn({batch, dim}, gen(5), at::kDouble) * s.sde->priorStd();
    if (s.mu.defined()) s.xT = s.xT + s.mu;
    s.d = sde::denoiserFromSigma(*s.sde, Mixture::gaussian(dim, 0.5, 0.5).sigmaDenoiser());
    return s;
}

void addSamplerRows() {
    QTest::addColumn<SamplerId>("sampler");
    for (SamplerId s : kAll) QTest::newRow(samplerName(s)) << s;
}

} // namespace

class TestContract : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void nfeMatchesDocumentation_data() { addSamplerRows(); }
    void nfeMatchesDocumentation();
    void cancelStopsWithinOneEvaluation_data() { addSamplerRows(); }
    void cancelStopsWithinOneEvaluation();
    void invalidSettingsFailBeforeWork_data();
    void invalidSettingsFailBeforeWork();
    void budgetTooSmallForOrder();
    void perItemSeeds_data();
    void perItemSeeds();
    void parameterisationsAgree_data();
    void parameterisationsAgree();
    void posteriorEqualsDdimEqualsMrs_data();
    void posteriorEqualsDdimEqualsMrs();
    void dynamicThresholding();
    void inpainting();
    void colorization();
    void modelErrorsBecomeErrors();
    void complexSpectrogramsOnOuve();
    void pcStepsByHandOnMeanRevertingSde();
    void timeGrids();
};

void TestContract::nfeMatchesDocumentation() {
    QFETCH(SamplerId, sampler);
    for (SdeId id : {SdeId::VP, SdeId::IrDiscrete}) {
        for (int steps : {2, 5, 12}) {
            Setup s = setup(id);
            Counting counter;
            int callbacks = 0;
            std::int64_t lastNfe = 0;
            CommonOptions c;
            c.steps = steps;
            c.onStep = [&](const StepInfo& info) {
                ++callbacks;
                QVERIFY(info.nfe >= lastNfe);
                QVERIFY(info.x && info.x->sizes() == s.xT.sizes());
                QVERIFY(info.x0 && info.x0->sizes() == s.xT.sizes());
                QCOMPARE(info.step, callbacks);
                lastNfe = info.nfe;
            };
            const auto r = runSampler(sampler, *s.sde, counter.wrap(s.d), s.xT, s.mu, c, JobContext{});
            VERIFY_OK(r);
            QCOMPARE(r.value().nfe, documentedNfe(sampler, steps));
            QCOMPARE(static_cast<std::int64_t>(counter.calls->load()), r.value().nfe);
            QCOMPARE(callbacks, steps);
            QCOMPARE(lastNfe, r.value().nfe);
        }
    }
}

// The token is set during the k-th network call; the sampler must not make call k+1.
void TestContract::cancelStopsWithinOneEvaluation() {
    QFETCH(SamplerId, sampler);
    for (int k : {1, 3}) {
        Setup s = setup(SdeId::VE);
        JobContext ctx;
        Counting counter;
        const CancelToken tok = ctx.cancel;
        const sde::Denoiser d = counter.wrap(s.d, [tok, k](int n) {
            if (n == k) tok.cancel();
        });
        CommonOptions c;
        c.steps = 10;
        const auto r = runSampler(sampler, *s.sde, d, s.xT, s.mu, c, ctx);
        QVERIFY(r.isCancelled());
        QCOMPARE(counter.calls->load(), k);
    }
}

void TestContract::invalidSettingsFailBeforeWork_data() {
    QTest::addColumn<SamplerId>("sampler");
    QTest::addColumn<QString>("what");
    for (SamplerId s : kAll)
        for (const char* w : {"negative steps", "tStart out of range", "tEnd out of range", "tEnd above tStart",
                              "NaN input", "missing mu", "empty input"})
            QTest::newRow(qPrintable(QString("%1/%2").arg(samplerName(s), w))) << s << QString(w);
}

void TestContract::invalidSettingsFailBeforeWork() {
    QFETCH(SamplerId, sampler);
    QFETCH(QString, what);
    Setup s = setup(what == "missing mu" ? SdeId::OUVE : SdeId::VP);
    CommonOptions c;
    c.steps = 10;
    at::Tensor x = s.xT, mu = s.mu;
    if (what == "negative steps") c.steps = -3;
    if (what == "tStart out of range") c.tStart = 1.5;
    if (what == "tEnd out of range") c.tEnd = -0.1;
    if (what == "tEnd above tStart") { c.tStart = 0.3; c.tEnd = 0.5; }
    if (what == "NaN input") { x = x.clone(); x[1][2] = std::numeric_limits<double>::quiet_NaN(); }
    if (what == "missing mu") mu = at::Tensor();
    if (what == "empty input") x = at::empty({0, 3}, at::kDouble);
    Counting counter;
    const auto r = runSampler(sampler, *s.sde, counter.wrap(s.d), x, mu, c, JobContext{});
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, ErrorKind::InvalidInput);
    QVERIFY(!r.error().message.empty());
    QCOMPARE(counter.calls->load(), 0);
}

void TestContract::budgetTooSmallForOrder() {
    Setup s = setup(SdeId::VP);
    Counting counter;
    MrsOptions o;
    o.order = 2;
    o.common.steps = 1;
    auto r = sampleMrs(*s.sde, counter.wrap(s.d), s.xT, s.mu, o, JobContext{});
    QVERIFY(!r.ok() && r.error().kind == ErrorKind::InvalidInput);
    QVERIFY(r.error().message.find("order 2") != std::string::npos);
    o.common.steps = 10;
    o.common.maxNfe = 5;
    r = sampleMrs(*s.sde, counter.wrap(s.d), s.xT, s.mu, o, JobContext{});
    QVERIFY(!r.ok() && r.error().kind == ErrorKind::InvalidInput);
    OdeOptions h;
    h.method = OdeMethod::Heun;
    h.common.steps = 10;
    h.common.maxNfe = 19;
    auto r2 = sampleOde(*s.sde, counter.wrap(s.d), s.xT, s.mu, h, JobContext{});
    QVERIFY(!r2.ok() && r2.error().kind == ErrorKind::InvalidInput);
    h.common.maxNfe = 20;
    QVERIFY(sampleOde(*s.sde, s.d, s.xT, s.mu, h, JobContext{}).ok());
    EdmOptions e;
    e.common.steps = 1;
    QVERIFY(!sampleEdm(*s.sde, counter.wrap(s.d), s.xT, s.mu, e, JobContext{}).ok());
    QCOMPARE(counter.calls->load(), 0);
}

void TestContract::perItemSeeds_data() {
    QTest::addColumn<SamplerId>("sampler");
    for (SamplerId s : {SamplerId::EulerMaruyama, SamplerId::ReverseDiffusion, SamplerId::PcAnnealed, SamplerId::Ddim1,
                        SamplerId::Posterior, SamplerId::MrsSdeData2, SamplerId::MrsSdeNoise1, SamplerId::EdmChurn})
        QTest::newRow(samplerName(s)) << s;
}

// Item i draws from its own generator seeded with seed + i: a batch of 4 reproduces itself, and
// item 2 alone (seed + 2) equals item 2 of the batch.
void TestContract::perItemSeeds() {
    QFETCH(SamplerId, sampler);
    Setup s = setup(SdeId::IrContinuous);
    CommonOptions c;
    c.steps = 8;
    c.seed = 1234;
    const auto a = runSampler(sampler, *s.sde, s.d, s.xT, s.mu, c, JobContext{});
    const auto b = runSampler(sampler, *s.sde, s.d, s.xT, s.mu, c, JobContext{});
    QVERIFY(a.ok() && b.ok());
    QVERIFY(at::equal(a.value().x, b.value().x));
    c.seed = 1236;
    const auto one = runSampler(sampler, *s.sde, s.d, s.xT.narrow(0, 2, 1), s.mu.narrow(0, 2, 1), c, JobContext{});
    QVERIFY(one.ok());
    QVERIFY(at::allclose(one.value().x[0], a.value().x[2], 1e-12, 1e-12));
    c.seed = 99;
    const auto other = runSampler(sampler, *s.sde, s.d, s.xT, s.mu, c, JobContext{});
    QVERIFY(!at::allclose(other.value().x, a.value().x));
}

void TestContract::parameterisationsAgree_data() {
    QTest::addColumn<SamplerId>("sampler");
    QTest::addColumn<SdeId>("id");
    for (SamplerId s : {SamplerId::EulerMaruyama, SamplerId::PcAnnealed, SamplerId::OdeHeun, SamplerId::MrsSdeData2,
                        SamplerId::MrsOdeNoise2, SamplerId::EdmHeun, SamplerId::Posterior})
        for (SdeId id : kAllSdes) QTest::newRow(qPrintable(QString("%1/%2").arg(samplerName(s), sdeName(id)))) << s << id;
}

// A model declared as noise, velocity or score (exact conversions of the same data model) gives
// the same samples as the data model, for every SDE including the MR forms with μ.
void TestContract::parameterisationsAgree() {
    QFETCH(SamplerId, sampler);
    QFETCH(SdeId, id);
    Setup s = setup(id);
    CommonOptions c;
    c.steps = 6;
    c.seed = 7;
    const auto ref = runSampler(sampler, *s.sde, s.d, s.xT, s.mu, c, JobContext{});
    QVERIFY(ref.ok());
    for (sde::Param p : {sde::Param::Noise, sde::Param::Velocity, sde::Param::Score}) {
        const sde::Denoiser dp = sde::convertDenoiser(*s.sde, s.d, p);
        const auto r = runSampler(sampler, *s.sde, dp, s.xT, s.mu, c, JobContext{});
        QVERIFY(r.ok());
        const double err = (r.value().x - ref.value().x).abs().max().item<double>();
        QVERIFY2(err < 1e-8, qPrintable(QString("%1: %2").arg(QString::fromStdString(sde::toString(p))).arg(err)));
    }
}

void TestContract::posteriorEqualsDdimEqualsMrs_data() {
    QTest::addColumn<SdeId>("id");
    for (SdeId id : kAllSdes) QTest::newRow(sdeName(id)) << id;
}

// Three derivations of the same Gaussian step (IR-SDE posterior, DDIM η = 1, 1st-order MRS SDE
// in data form) give the same samples from the same seed.
void TestContract::posteriorEqualsDdimEqualsMrs() {
    QFETCH(SdeId, id);
    Setup s = setup(id);
    CommonOptions c;
    c.steps = 10;
    c.seed = 3;
    PosteriorOptions po;
    po.common = c;
    DdimOptions dd;
    dd.common = c;
    dd.eta = 1.0;
    MrsOptions mr;
    mr.common = c;
    mr.order = 1;
    mr.spacing = Spacing::UniformT;
    const auto a = samplePosterior(*s.sde, s.d, s.xT, s.mu, po, JobContext{});
    const auto b = sampleDdim(*s.sde, s.d, s.xT, s.mu, dd, JobContext{});
    const auto m = sampleMrs(*s.sde, s.d, s.xT, s.mu, mr, JobContext{});
    QVERIFY(a.ok() && b.ok() && m.ok());
    QVERIFY((a.value().x - b.value().x).abs().max().item<double>() < 1e-10);
    QVERIFY((a.value().x - m.value().x).abs().max().item<double>() < 1e-10);
}

void TestContract::dynamicThresholding() {
    const auto sde = sde::makeVp();
    sde::Denoiser d;
    d.param = sde::Param::Data;
    d.fn = [](const at::Tensor& x, const at::Tensor&, const at::Tensor&) { return x * 3.0; };
    Model m(*sde, d, at::Tensor(), JobContext{});
    Thresholding th;
    th.enabled = true;
    th.ratio = 0.995;
    th.maxValue = 1.5;
    m.setThresholding(th);
    const at::Tensor x = at::linspace(-1, 1, 200, at::kDouble).view({2, 100});
    const at::Tensor x0 = m.data(x, 0.5);
    QVERIFY(x0.abs().max().item<double>() <= 1.0 + 1e-12); // clamp(·, −s, s)/s with s = 1.5
    QVERIFY(std::abs(x0.max().item<double>() - 1.0) < 1e-12);
    QVERIFY(std::abs(x0[0][50].item<double>() - x[0][50].item<double>() * 3 / 1.5) < 1e-12);
}

// Independent coordinates: coordinate 0 known (mask 1), coordinate 1 free. The free one must
// follow the data marginal, the known one ends at its forward mean.
void TestContract::inpainting() {
    const auto sde = sde::makeVp();
    const Mixture data = Mixture::gaussian(2, 0.5, 0.5);
    const sde::Denoiser d = sde::denoiserFromSigma(*sde, data.sigmaDenoiser());
    const int64_t n = 20000;
    const at::Tensor xT = marginalSample(*sde, data.sample(n, gen(1)), 1.0, at::Tensor(), gen(2));
    const at::Tensor known = at::tensor({0.9, 0.0}, at::kDouble).view({1, 2});
    const at::Tensor mask = at::tensor({1.0, 0.0}, at::kDouble).view({1, 2});
    PcOptions o;
    o.common.steps = 500;
    o.common.noise = NoiseMode::Batch;
    o.corrector = Corrector::None;
    o.replace = makeInpaintReplacement(*sde, known, mask, at::Tensor());
    const auto r = samplePc(*sde, d, xT, at::Tensor(), o, JobContext{});
    QVERIFY(r.ok());
    const double a = sde->alpha(sde->tEps()), s = sde->sigma(sde->tEps());
    QVERIFY((r.value().x.select(1, 0) - 0.9 * a).abs().max().item<double>() < 1e-12);
    const Moments m = moments(r.value().x.select(1, 1));
    QVERIFY(std::abs(m.mean - 0.5 * a) < 4 * m.seMean);
    QVERIFY(std::abs(m.var - (0.25 * a * a + s * s)) < 4 * m.seVar);
}

// Colorization: RGB data with independent channels N(0.5, 0.5²); the first decoupled channel
// (√3 · gray) is known. The result keeps gray and the two chroma channels follow the data.
void TestContract::colorization() {
    const auto sde = sde::makeVe();
    const int64_t n = 20000;
    const Mixture data = Mixture::gaussian(3, 0.0, 0.5);
    const sde::SigmaDenoiser sd = data.sigmaDenoiser();
    sde::SigmaDenoiser image = [sd](const at::Tensor& x, const at::Tensor& s, const at::Tensor& mu) {
        return sd(x.view({x.size(0), 3}), s, mu).view(x.sizes());
    };
    const sde::Denoiser d = sde::denoiserFromSigma(*sde, image);
    const at::Tensor gray = at::full({n, 1, 1, 1}, 0.2, at::kDouble);
    const at::Tensor xT = at::randn({n, 3, 1, 1}, gen(3), at::kDouble) * sde->sigma(1.0);
    PcOptions o;
    o.common.steps = 500;
    o.common.noise = NoiseMode::Batch;
    o.corrector = Corrector::None;
    o.replace = makeColorizeReplacement(*sde, gray, at::Tensor());
    const auto r = samplePc(*sde, d, xT, at::Tensor(), o, JobContext{});
    QVERIFY(r.ok());
    const at::Tensor x = r.value().x;
    QVERIFY((x.mean(1) - 0.2).abs().max().item<double>() < 1e-12);
    const at::Tensor u = at::einsum("ij,bj...->bi...", {colorDecoupling(), x});
    const double s = sde->sigma(sde->tEps());
    for (int ch : {1, 2}) {
        const Moments m = moments(u.select(1, ch));
        QVERIFY(std::abs(m.mean) < 4 * m.seMean);
        QVERIFY(std::abs(m.var - (0.25 + s * s)) < 4 * m.seVar);
    }
}

void TestContract::modelErrorsBecomeErrors() {
    Setup s = setup(SdeId::VP);
    sde::Denoiser bad;
    bad.fn = [](const at::Tensor& x, const at::Tensor&, const at::Tensor&) -> at::Tensor {
        return at::zeros({x.size(0) + 1}, x.options());
    };
    const auto r = sampleEulerMaruyama(*s.sde, bad, s.xT, s.mu, CommonOptions{}, JobContext{});
    QVERIFY(!r.ok() && r.error().kind == ErrorKind::Failed);
    QVERIFY(r.error().message.find("wrong shape") != std::string::npos);
    sde::Denoiser thrower;
    thrower.fn = [](const at::Tensor&, const at::Tensor&, const at::Tensor&) -> at::Tensor {
        throw std::runtime_error("model expects 1 channel, image has 3");
    };
    const auto r2 = sampleEulerMaruyama(*s.sde, thrower, s.xT, s.mu, CommonOptions{}, JobContext{});
    QVERIFY(!r2.ok() && r2.error().message.find("1 channel") != std::string::npos);
}

// SGMSE+ works on complex spectrograms: OUVE samplers accept complex tensors (complex noise
// with real and imaginary parts of variance ½) and keep the dtype. Data: complex Gaussian whose
// real and imaginary parts are independent N(0.5, 0.5²) and N(0, 0.5²): the exact denoiser
// acts on each part alike, with each part's own noise level σ̃/√2 (circular CN(0, σ̃²)).
// Started from the exact marginal at T, MRS reproduces the exact marginal at its end time:
// per part, mean α·m + (1 − α)·y and variance α²·0.25 + σ²/2, within 4 standard errors.
void TestContract::complexSpectrogramsOnOuve() {
    const auto sde = sde::makeOuve();
    const Mixture part = Mixture::gaussian(8, 0.0, 0.5);
    sde::SigmaDenoiser sd = [part](const at::Tensor& x, const at::Tensor& s, const at::Tensor&) {
        const at::Tensor re = part.denoise(at::real(x) - 0.5, s / std::sqrt(2.0)) + 0.5;
        const at::Tensor im = part.denoise(at::imag(x), s / std::sqrt(2.0));
        return at::complex(re, im);
    };
    const sde::Denoiser d = sde::denoiserFromSigma(*sde, sd);
    const int64_t n = 20000;
    const at::Tensor y = at::complex(at::full({n, 8}, 0.1, at::kDouble), at::full({n, 8}, -0.2, at::kDouble));
    NoiseSource noise(1, NoiseMode::Batch);
    const at::Tensor z = noise.randnLike(y);
    QVERIFY(z.is_complex());
    QVERIFY(std::abs(at::real(z).var().item<double>() - 0.5) < 0.01);
    const at::Tensor xT = priorSample(*sde, y, y, noise);
    QVERIFY(xT.is_complex());
    MrsOptions o;
    o.common.steps = 30;
    o.common.noise = NoiseMode::Batch;
    const auto r = sampleMrs(*sde, d, xT, y, o, JobContext{});
    VERIFY_OK(r);
    QVERIFY(r.value().x.is_complex());
    QVERIFY(at::isfinite(r.value().x).all().item<bool>());
    // The closed-form moments, from the exact marginal at T (no prior mismatch).
    {
        const at::Tensor x0 = at::complex(0.5 + 0.5 * at::randn({n, 8}, gen(5), at::kDouble),
                                          0.5 * at::randn({n, 8}, gen(6), at::kDouble));
        NoiseSource startNoise(7, NoiseMode::Batch);
        const double T = sde->tMax();
        const at::Tensor xExact = sde->marginalMean(x0, T, y) + sde->sigma(T) * startNoise.randnLike(y);
        const auto e = sampleMrs(*sde, d, xExact, y, o, JobContext{});
        VERIFY_OK(e);
        const double tEnd = sde->tEps(), a = sde->alpha(tEnd), sg = sde->sigma(tEnd);
        const double var = a * a * 0.25 + 0.5 * sg * sg;
        const struct {
            const char* name;
            at::Tensor v;
            double mean;
        } parts[] = {{"real", at::real(e.value().x), a * 0.5 + (1 - a) * 0.1},
                     {"imag", at::imag(e.value().x), a * 0.0 + (1 - a) * -0.2}};
        for (const auto& pt : parts) {
            const Moments m = moments(pt.v);
            const double zm = (m.mean - pt.mean) / m.seMean, zv = (m.var - var) / m.seVar;
            std::printf("OUVE complex %s: mean %.4f (%.4f) var %.4f (%.4f) z=%.2f,%.2f\n", pt.name, m.mean, pt.mean, m.var,
                        var, zm, zv);
            QVERIFY2(std::abs(zm) <= 4, pt.name);
            QVERIFY2(std::abs(zv) <= 4, pt.name);
        }
        // Real and imaginary parts stay independent.
        const double corr = at::corrcoef(at::stack({at::real(e.value().x).reshape({-1}), at::imag(e.value().x).reshape({-1})}))[0][1].item<double>();
        QVERIFY2(std::abs(corr) < 4.0 / std::sqrt(double(n * 8)), qPrintable(QString::number(corr)));
    }
    PcOptions pc;
    pc.common.steps = 30;
    pc.corrector = Corrector::AnnealedLangevin;
    pc.snr = 0.5;
    const auto r2 = samplePc(*sde, d, xT.narrow(0, 0, 4), y.narrow(0, 0, 4), pc, JobContext{});
    QVERIFY(r2.ok() && r2.value().x.is_complex() && r2.value().nfe == 60); // SGMSE+: NFE = 60
    const at::Tensor lp = sde->priorLogProb(xT.narrow(0, 0, 2), y.narrow(0, 0, 2));
    QCOMPARE(lp.size(0), int64_t(2));
}

// Step spacings: uniform in λ (log-SNR), Karras (σ̃^{1/ρ} uniform), λ clipping, σ = 0 ends.
void TestContract::timeGrids() {
    sde::IrSdeParams ip;
    ip.lambda = 50.0 / 255.0;
    ip.discrete = false;
    const auto ir = sde::makeIrSde(ip);
    const auto vp = sde::makeVp();
    const std::vector<double> g = timeGrid(*vp, 10, 1.0, 1e-3, Spacing::LogSnr);
    QCOMPARE(g.size(), size_t(11));
    QCOMPARE(g.front(), 1.0);
    QCOMPARE(g.back(), 1e-3);
    const double h = vp->lambda(g[1]) - vp->lambda(g[0]);
    for (int i = 1; i < 10; ++i) QVERIFY(std::abs(vp->lambda(g[i + 1]) - vp->lambda(g[i]) - h) < 1e-8);
    const std::vector<double> k = timeGrid(*vp, 10, 1.0, 1e-3, Spacing::Karras, 7.0);
    auto r = [&](double t) { return std::pow(vp->sigmaTilde(t), 1.0 / 7.0); };
    const double dk = r(k[1]) - r(k[0]);
    for (int i = 1; i < 10; ++i) QVERIFY(std::abs(r(k[i + 1]) - r(k[i]) - dk) < 1e-9);
    // λ clipping: the noisy end of the spacing starts at λ = −1 instead of λ(T) ≈ −4.3; the first
    // point stays T.
    QVERIFY(vp->lambda(1.0) < -1.0);
    const std::vector<double> c = timeGrid(*vp, 10, 1.0, 1e-3, Spacing::LogSnr, 7.0, -1.0);
    QCOMPARE(c.front(), 1.0);
    const double hc = (vp->lambda(1e-3) - (-1.0)) / 10.0;
    QVERIFY(std::abs(vp->lambda(c[1]) - (-1.0 + hc)) < 1e-8);
    // IR-SDE ending at t = 0 (σ = 0, λ = +∞): finite, decreasing, last point 0.
    const std::vector<double> z = timeGrid(*ir, 8, 100.0, 0.0, Spacing::LogSnr);
    QCOMPARE(z.back(), 0.0);
    for (int i = 0; i < 8; ++i) QVERIFY(z[i] > z[i + 1]);
}

// Two PC steps on OUVE with a known score, replayed by hand from the same noise stream: the
// annealed-Langevin step is 2 (snr σ(t))² with no α_L (SGMSE+'s corrector), the reverse-diffusion
// noise is G/r (the reverse step's own variance; G alone is ~6 % low on OUVE), the last predictor
// step adds no noise, and the final denoising step returns (y + σ² s)/α + μ at t_end.
void TestContract::pcStepsByHandOnMeanRevertingSde() {
    const auto sde = makeSde(SdeId::OUVE);
    QVERIFY(sde->meanReverting());
    const at::Tensor mu = at::linspace(-0.3, 0.4, 12, at::kDouble).view({3, 4});
    const at::Tensor xT = mu + at::randn({3, 4}, gen(11), at::kDouble) * sde->priorStd();
    const double c = 0.7; // score = −c (x − μ)
    sde::Denoiser d;
    d.param = sde::Param::Score;
    d.fn = [c](const at::Tensor& x, const at::Tensor&, const at::Tensor& m) { return (x - m) * (-c); };
    for (bool final : {false, true}) {
        PcOptions o;
        o.common.steps = 2;
        o.common.seed = 99;
        o.predictor = Predictor::ReverseDiffusion;
        o.corrector = Corrector::AnnealedLangevin;
        o.snr = 0.3;
        o.finalDenoise = final;
        const auto r = samplePc(*sde, d, xT, mu, o, JobContext{});
        VERIFY_OK(r);
        QCOMPARE(r.value().nfe, std::int64_t(4 + (final ? 1 : 0)));
        NoiseSource noise(99, NoiseMode::PerItem);
        const auto grid = sde->uniformGrid(2, sde->tMax(), sde->tEps());
        at::Tensor y = xT - mu;
        for (int i = 1; i <= 2; ++i) {
            const double t0 = grid[i - 1], t1 = grid[i];
            const double s0 = sde->sigma(t0), s1 = sde->sigma(t1), rr = sde->alpha(t0) / sde->alpha(t1);
            const double e = 2.0 * (o.snr * s0) * (o.snr * s0);
            const at::Tensor z = noise.randnLike(xT);
            y = y + y * (-c) * e + z * std::sqrt(2.0 * e);
            const double G2 = s0 * s0 - rr * rr * s1 * s1;
            y = (y + y * (-c) * G2) / rr;
            if (i < 2) y = y + noise.randnLike(xT) * (std::sqrt(G2) / rr);
        }
        if (final) {
            const double a = sde->alpha(grid.back()), s = sde->sigma(grid.back());
            y = (y + y * (-c) * (s * s)) / a;
        }
        const double err = (r.value().x - (y + mu)).abs().max().item<double>();
        qInfo("final denoise %d: max |x - hand| = %.3g", int(final), err);
        QVERIFY(err < 1e-12);
    }
    // SGMSE+'s own grid ends at t = 0: no final denoising step there.
    PcOptions o;
    o.discretisation = PcDiscretisation::SgmseCode;
    o.finalDenoise = true;
    QVERIFY(!samplePc(*sde, d, xT, mu, o, JobContext{}).ok());
}

QTEST_APPLESS_MAIN(TestContract)
#include "tst_contract.moc"
