#include "generate/generate.h"
#include "generate/internal.h"

#include "base/telemetry.h"
#include "data/fashion_mnist.h"
#include "engine/grad/samplergrad.h"
#include "engine/sde/param.h"
#include "engine/sde/sde.h"
#include "engine/solvers/common.h"
#include "engine/solvers/dlg.h"
#include "engine/solvers/edm.h"
#include "engine/solvers/exp.h"
#include "engine/solvers/likelihood.h"
#include "engine/solvers/ode.h"
#include "engine/solvers/pc.h"
#include "engine/solvers/revheun.h"
#include "metrics/metrics.h"
#include "models/classifier.h"
#include "models/store.h"
#include "models/unet.h"
#include "models/zoo.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>

namespace reverie::generate {
namespace fs = std::filesystem;

namespace detail {

// ---- model loading -------------------------------------------------------------------------

Result<models::EdmDenoiser> loadGenerator(const std::string& dir) { return models::loadGeneratorFolder(dir); }

Result<models::Classifier> loadClassifierDir(const std::string& dir, const std::string& kind) {
    return models::loadClassifierFolder(dir, kind);
}

std::unique_ptr<sde::Sde> makeSde(const std::string& id) {
    if (id == "ve") return sde::makeVe();
    if (id == "vp") return sde::makeVp();
    if (id == "subvp") return sde::makeSubVp();
    return nullptr;
}

/// The class-conditional σ-denoiser with classifier-free guidance. labels: int64 [B] with
/// numClasses for the null (unconditional) class.
sde::SigmaDenoiser guided(models::EdmDenoiser model, at::Tensor labels, int nullClass, double w) {
    return [model, labels, nullClass, w](const at::Tensor& xt, const at::Tensor& st, const at::Tensor&) mutable {
        const auto B = xt.size(0);
        auto lab = labels.size(0) == B ? labels : labels.index_select(0, at::arange(B, at::kLong) % labels.size(0));
        const auto x = xt.to(at::kFloat);
        const auto s = st.to(at::kFloat);
        at::Tensor out;
        if (w == 1.0) {
            out = model->forward(x, s, {}, lab);
        } else if (w == 0.0) {
            out = model->forward(x, s, {}, at::full_like(lab, nullClass));
        } else {
            const auto s2 = s.numel() == 1 ? s : at::cat({s.reshape({-1}), s.reshape({-1})});
            const auto both = model->forward(at::cat({x, x}), s2, {}, at::cat({lab, at::full_like(lab, nullClass)}));
            const auto c = both.slice(0, 0, B), u = both.slice(0, B, 2 * B);
            out = u + w * (c - u);
        }
        return out.to(xt.scalar_type());
    };
}

ImageU8 toImage(const at::Tensor& img /* [1,H,W] in [−1,1] */) {
    const auto b = data::toBytes(img.detach().to(at::kFloat).cpu().unsqueeze(0)).contiguous();
    ImageU8 out;
    out.height = int(b.size(2));
    out.width = int(b.size(3));
    out.channels = 1;
    out.pixels.assign(b.data_ptr<std::uint8_t>(), b.data_ptr<std::uint8_t>() + b.numel());
    return out;
}

std::vector<ImageU8> toImages(const at::Tensor& x) {
    std::vector<ImageU8> out;
    out.reserve(std::size_t(x.size(0)));
    for (int64_t i = 0; i < x.size(0); ++i) out.push_back(toImage(x[i]));
    return out;
}

int gridColumns(int n) { return std::max(1, int(std::ceil(std::sqrt(double(n))))); }

/// x_t | x̂_0 side by side (x_t scaled by 1/√(α² + σ²) so that every SDE shows comparably).
ImageU8 previewImage(const sde::Sde& s, double t, const at::Tensor& x, const at::Tensor* x0, int maxItems) {
    const int n = int(std::min<int64_t>(x.size(0), maxItems));
    const double a = s.alpha(t), sg = s.sigma(t);
    const auto xs = x.slice(0, 0, n) / std::sqrt(a * a + sg * sg);
    const int cols = gridColumns(n);
    ImageU8 left = tile(toImages(xs), cols);
    if (!x0 || !x0->defined()) return left;
    ImageU8 right = tile(toImages(x0->slice(0, 0, n)), cols);
    ImageU8 out;
    const int gap = 6;
    out.width = left.width + gap + right.width;
    out.height = std::max(left.height, right.height);
    out.channels = 1;
    out.pixels.assign(std::size_t(out.width) * std::size_t(out.height), 255);
    for (int y = 0; y < left.height; ++y)
        std::copy_n(&left.pixels[std::size_t(y) * std::size_t(left.width)], left.width,
                    &out.pixels[std::size_t(y) * std::size_t(out.width)]);
    for (int y = 0; y < right.height; ++y)
        std::copy_n(&right.pixels[std::size_t(y) * std::size_t(right.width)], right.width,
                    &out.pixels[std::size_t(y) * std::size_t(out.width) + std::size_t(left.width + gap)]);
    return out;
}

/// The finest diagonal Haar coefficients (a − b − c + d)/2 per item, [B, H/2·W/2]: for i.i.d.
/// noise of std σ they have std σ.
at::Tensor haarHH(const at::Tensor& xt) {
    const auto x = xt.to(at::kDouble);
    const int64_t H = x.size(-2) / 2 * 2, W = x.size(-1) / 2 * 2;
    const auto v = x.slice(-2, 0, H).slice(-1, 0, W);
    const auto a = v.slice(-2, 0, H, 2).slice(-1, 0, W, 2), b = v.slice(-2, 0, H, 2).slice(-1, 1, W, 2);
    const auto c = v.slice(-2, 1, H, 2).slice(-1, 0, W, 2), d = v.slice(-2, 1, H, 2).slice(-1, 1, W, 2);
    return ((a - b - c + d) / 2).reshape({x.size(0), -1});
}

/// Mean HH energy of clean Fashion-MNIST training images (in [−1, 1]); 0 when the data is missing.
double cleanHHEnergy() {
    static const double e = [] {
        auto train = data::loadFashionMnist(data::Split::Train, data::defaultFashionMnistDir(), 2000);
        if (!train) return 0.0;
        return haarHH(data::toSigned(train.value().images)).pow(2).mean().item<double>();
    }();
    return e;
}

/// The shipped noise-level estimator (models::zoo::kNoiseLevel), loaded once per folder; the network
/// is only read after loading, so sharing it between calls on the engine thread is safe.
Result<solvers::NoiseLevelEstimator> netEstimator(double sigmaMin, double sigmaMax) {
    const std::string dir = models::zoo::find(models::zoo::kNoiseLevel);
    if (dir.empty()) {
        std::string where;
        for (const auto& d : models::zoo::searchPath(models::zoo::kNoiseLevel)) where += (where.empty() ? "" : ", ") + d;
        return Result<solvers::NoiseLevelEstimator>::invalid(
            std::string("DLG needs the noise-level estimator '") + models::zoo::kNoiseLevel + "' (searched " + where +
            "); or choose the classical estimator (haar)");
    }
    // Never destroyed: LibTorch modules must not be torn down by static destructors at exit.
    static std::mutex mutex;
    static auto* cache = new std::map<std::string, models::Classifier>();
    std::lock_guard lock(mutex);
    auto it = cache->find(dir);
    if (it == cache->end()) {
        auto m = loadClassifierDir(dir, "noise-level");
        if (!m) return m.error();
        it = cache->emplace(dir, m.value()).first;
    }
    models::Classifier net = it->second;
    return solvers::NoiseLevelEstimator([net, sigmaMin, sigmaMax](const at::Tensor& xt) mutable {
        at::NoGradGuard g;
        std::vector<at::Tensor> parts;
        for (std::int64_t i = 0; i < xt.size(0); i += 256)
            parts.push_back(models::estimateNoiseLevel(net, xt.slice(0, i, std::min(xt.size(0), i + 256))));
        return at::cat(parts).clamp(sigmaMin, sigmaMax).cpu();
    });
}

/// The noise-level estimator of DLG's Gibbs step on σ: a classical one, fitted to the data by a
/// single constant. Noise adds its variance to the finest diagonal Haar band, so
/// σ̂² = mean(HH²) − E_clean[HH²] (the clean images' own HH energy, measured on 2000 training
/// images), clamped to [σmin, σmax].
solvers::NoiseLevelEstimator hhEstimator(double sigmaMin, double sigmaMax) {
    const double clean = cleanHHEnergy();
    return [sigmaMin, sigmaMax, clean](const at::Tensor& xt) {
        const auto e = haarHH(xt).pow(2).mean(1) - clean;
        return e.clamp_min(sigmaMin * sigmaMin).sqrt().clamp(sigmaMin, sigmaMax).cpu();
    };
}

at::Tensor labelTensor(const std::vector<int>& labels, int nullClass) {
    std::vector<int64_t> v;
    v.reserve(labels.size());
    for (int l : labels) v.push_back(l < 0 ? nullClass : l);
    return at::tensor(v, at::kLong);
}

/// Runs one sampler on items [first, first + count) of a request; onPreview gets per-step images.
Result<solvers::SampleOutput> runSampler(const SamplerSettings& ss, const sde::Sde& s, const sde::Denoiser& den,
                                         const at::Tensor& xT, const solvers::CommonOptions& common,
                                         const JobContext& ctx) {
    const std::string& id = ss.id;
    const at::Tensor mu; // VE/VP/sub-VP: no mean reversion
    if (id == "em") return solvers::sampleEulerMaruyama(s, den, xT, mu, common, ctx);
    if (id == "pc") {
        solvers::PcOptions o;
        o.common = common;
        o.predictor = solvers::Predictor::ReverseDiffusion;
        o.corrector = solvers::Corrector::Langevin;
        o.snr = 0.16;
        o.langevinNorm = solvers::LangevinNorm::PerItem;
        return solvers::samplePc(s, den, xT, mu, o, ctx);
    }
    if (id == "ode-euler" || id == "ode-heun" || id == "ode-rk45") {
        solvers::OdeOptions o;
        o.common = common;
        o.method = id == "ode-euler" ? solvers::OdeMethod::Euler
                   : id == "ode-heun" ? solvers::OdeMethod::Heun
                                      : solvers::OdeMethod::DoPri5;
        o.rtol = o.atol = ss.rk45Tolerance;
        if (id == "ode-rk45") o.common.maxNfe = 5000;
        return solvers::sampleOde(s, den, xT, mu, o, ctx);
    }
    if (id == "rev-heun" || id == "rev-heun-sde") {
        solvers::RevHeunOptions o;
        o.common = common;
        o.stochastic = id == "rev-heun-sde";
        return solvers::sampleReversibleHeun(s, den, xT, mu, o, ctx);
    }
    if (id == "ddim") {
        solvers::DdimOptions o;
        o.common = common;
        o.eta = ss.eta;
        o.spacing = ss.spacing;
        return solvers::sampleDdim(s, den, xT, mu, o, ctx);
    }
    if (id == "dpmpp-2m" || id == "dpmpp-2m-sde") {
        solvers::MrsOptions o;
        o.common = common;
        o.sde = id == "dpmpp-2m-sde";
        o.order = common.steps == 1 ? 1 : 2; // one step: the multistep method's own first-order start
        o.form = solvers::SolverForm::Data;
        o.spacing = ss.spacing;
        return solvers::sampleMrs(s, den, xT, mu, o, ctx);
    }
    if (id == "edm-heun" || id == "edm-sde") {
        solvers::EdmOptions o;
        o.common = common;
        if (id == "edm-sde") o.sChurn = ss.churn;
        return solvers::sampleEdm(s, den, xT, mu, o, ctx);
    }
    return Result<solvers::SampleOutput>::invalid("unknown sampler '" + id + "'");
}

Result<GenerateResult> sampleBatch(const GenerateParams& p, const models::EdmDenoiser& model, const sde::Sde& s,
                                   int first, int count, const JobContext& ctx, bool previews, int totalItems) {
    const int nullClass = model->net()->config().numClasses;
    std::vector<int> labels(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        const int item = first + i;
        labels[std::size_t(i)] = p.guidance == 0.0 ? -1 : (p.label >= 0 ? p.label : item % kClasses);
    }
    at::Tensor lab;
    {
        c10::InferenceMode normal(false); // a normal tensor: guidance saves it for backward
        lab = labelTensor(labels, nullClass);
    }
    const double w = p.guidance;
    const auto sig = guided(model, lab, nullClass, w);
    const auto den = sde::denoiserFromSigma(s, sig);
    const auto like = at::zeros({count, 1, 28, 28}, at::kFloat);
    solvers::NoiseSource noise(p.seed + std::uint64_t(first), solvers::NoiseMode::PerItem);

    solvers::CommonOptions common;
    common.seed = p.seed + std::uint64_t(first) + 0x9E3779B97F4A7C15ULL; // sampler noise apart from the prior draw
    const double t0 = nowSeconds();
    common.onStep = [&](const solvers::StepInfo& st) {
        Progress pr = solvers::stepProgress(st, p.sampler);
        if (previews && st.x) pr.preview = previewImage(s, st.t, *st.x, st.x0, std::min(totalItems, 64));
        ctx.report(pr);
    };
    if (!previews) common.onStep = {};
    const std::string& id = p.sampler;
    const int steps = stepsForNfe(id, p.nfe);
    common.steps = steps;
    if (id == "dlg") return Result<GenerateResult>::invalid("DLG samples whole chains (sampleDlgChains), not batches");
    const at::Tensor mu; // VE/VP/sub-VP: no mean reversion
    const auto xT = solvers::priorSample(s, like, mu, noise);
    SamplerSettings ss;
    ss.id = id;
    ss.eta = p.eta;
    ss.churn = p.churn;
    ss.rk45Tolerance = p.rk45Tolerance;
    GenerateResult r;
    at::Tensor start = xT;
    std::optional<NoiseGuide> guide;
    if (p.guideClass >= 0) {
        auto g = makeNoiseGuide(p);
        if (!g) return g.error();
        guide = g.value();
        auto x = guideNoise(*guide, p, s, den, xT, steps, common.seed, r, ctx);
        if (!x) return x.error();
        start = x.value();
    }
    const auto out = runSampler(ss, s, den, start, common, ctx);
    if (!out) return out.error();
    if (guide) {
        r.guideProbability.push_back(guide->meanProbability(out.value().x));
        std::fill(labels.begin(), labels.end(), p.guideClass); // the class asked for, for the scores
    }
    const auto x = out.value().x.clamp(-1.0, 1.0);
    r.items = toImages(x);
    r.labels = labels;
    r.nfe = out.value().nfe;
    r.steps = out.value().steps;
    r.seconds = nowSeconds() - t0;
    return r;
}

/// DLG's plan for `samples` items at a per-sample budget of `nfe` evaluations (docs/methods.md,
/// "Denoising MCMC (DLG)"): C persistent chains, R = ⌈samples / C⌉ rounds, a burn-in paid once
/// per chain, and P evaluations per round (nSkip + 2K + 1). C is the largest count ≤ dlgChains
/// whose per-chain share, nfe·samples/C, covers the burn-in and R rounds of at least 4.
struct DlgPlan {
    int chains = 0, rounds = 0, perRound = 0, nSkip = 0, integratorSteps = 0;
};
constexpr int kDlgBurnEdmSteps = 10;  ///< stochastic EDM from σ̃(T): 2·10 − 1 = 19 NFE
constexpr int kDlgWarmUpSteps = 10;   ///< Langevin–Gibbs warm-up steps
constexpr int kDlgBurnInNfe = 2 * kDlgBurnEdmSteps - 1 + kDlgWarmUpSteps;

Result<DlgPlan> dlgPlan(int samples, int nfe, int maxChains) {
    for (int c = std::min(samples, std::max(1, maxChains)); c >= 1; --c) {
        DlgPlan pl;
        pl.chains = c;
        pl.rounds = (samples + c - 1) / c;
        const std::int64_t share = std::int64_t(nfe) * samples / c;
        pl.perRound = int((share - kDlgBurnInNfe) / pl.rounds);
        if (pl.perRound < 4) continue;
        pl.integratorSteps = std::max(1, (pl.perRound - 1 - std::max(1, pl.perRound / 4)) / 2);
        pl.nSkip = pl.perRound - 1 - 2 * pl.integratorSteps;
        return pl;
    }
    return Result<DlgPlan>::invalid("DLG cannot pay its burn-in (" + std::to_string(kDlgBurnInNfe) +
                                    " NFE per chain) and rounds of at least 4 NFE with " + std::to_string(samples) +
                                    " samples at " + std::to_string(nfe) +
                                    " NFE per sample: raise the NFE or the number of samples");
}

/// DLG as the paper runs it: persistent chains (one per batch slot) burned in once with the
/// stochastic EDM sampler from σ̃(T) plus 1.0 z and a Langevin–Gibbs warm-up, then R rounds, each
/// yielding one sample per chain. The Langevin step is absolute, p.dlgEta (the paper's 0.8 for
/// data in [0, 1], i.e. 3.2 for [−1, 1]), with the warm-up's stability check (η halved on divergence).
Result<GenerateResult> sampleDlgChains(const GenerateParams& p, const models::EdmDenoiser& model, const sde::Sde& s,
                                       int samples, const JobContext& ctx, bool previews) {
    auto plan = dlgPlan(samples, p.nfe, p.dlgChains);
    if (!plan) return plan.error();
    const DlgPlan pl = plan.value();
    const int C = pl.chains;
    const int nullClass = model->net()->config().numClasses;
    std::vector<int> chainLabels(static_cast<std::size_t>(C));
    for (int j = 0; j < C; ++j)
        chainLabels[std::size_t(j)] = p.guidance == 0.0 ? -1 : (p.label >= 0 ? p.label : j % kClasses);
    const auto den = sde::denoiserFromSigma(s, guided(model, labelTensor(chainLabels, nullClass), nullClass, p.guidance));
    const at::Tensor mu;
    const double t0 = nowSeconds();

    // Burn-in: the stochastic EDM sampler (the paper's settings, S_churn 80, S_noise 1.007, churn
    // on σ ∈ [0.05, 1] for data in [0, 1], here [0.1, 2]) to σ = 0, then x̃ + 1.0 z.
    solvers::NoiseSource noise(p.seed, solvers::NoiseMode::PerItem);
    const auto xT = solvers::priorSample(s, at::zeros({C, 1, 28, 28}, at::kFloat), mu, noise);
    solvers::EdmOptions eo;
    eo.common.steps = kDlgBurnEdmSteps;
    eo.common.seed = p.seed + 0x9E3779B97F4A7C15ULL;
    eo.sChurn = 80.0;
    eo.sTmin = 0.1;
    eo.sTmax = 2.0;
    eo.sNoise = 1.007;
    auto burn = solvers::sampleEdm(s, den, xT, mu, eo, ctx);
    if (!burn) return burn.error();
    const auto xInit = burn.value().x + noise.randnLike(burn.value().x);

    solvers::DlgOptions o;
    o.rounds = pl.rounds;
    o.nSkip = pl.nSkip;
    o.integratorSteps = pl.integratorSteps;
    o.absoluteStep = true;
    o.eta = p.dlgEta;
    o.burnInSteps = kDlgWarmUpSteps;
    o.maxHalvings = 4;
    o.seed = p.seed + 17;
    const double top = s.sigmaTilde(s.tMax());
    if (p.noiseEstimator == "haar") {
        o.estimator = hhEstimator(1e-3, top);
    } else {
        auto est = netEstimator(1e-3, top);
        if (!est) return est.error();
        o.estimator = est.value();
    }
    if (previews)
        o.onRound = [&](const solvers::StepInfo& st) {
            Progress pr = solvers::stepProgress(st, p.sampler);
            if (st.x) pr.preview = previewImage(s, st.t, *st.x, st.x0, std::min(C, 64));
            ctx.report(pr);
        };
    auto r = solvers::sampleDlg(s, den, xInit, mu, o, ctx);
    if (!r) return r.error();
    const auto& out = r.value();
    GenerateResult res;
    const auto x = out.samples.slice(0, 0, samples).clamp(-1.0, 1.0);
    res.items = toImages(x);
    for (int i = 0; i < samples; ++i) res.labels.push_back(chainLabels[std::size_t(i % C)]);
    const std::int64_t chainNfe = burn.value().nfe + out.nfe;
    res.nfe = chainNfe;
    res.nfePerSample = double(chainNfe) * C / samples;
    res.steps = pl.rounds;
    res.seconds = nowSeconds() - t0;
    const auto& tr = out.sigmaTrace;
    const std::size_t warm = std::size_t(out.burnInNfe); // one trace entry per warm-up step, restarts included
    double roundsMedian = 0;
    if (tr.size() > warm) {
        std::vector<double> v(tr.begin() + std::ptrdiff_t(warm), tr.end());
        std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(v.size() / 2), v.end());
        roundsMedian = v[v.size() / 2];
    }
    res.detail = std::to_string(C) + " chains × " + std::to_string(pl.rounds) + " rounds; burn-in " +
                 std::to_string(burn.value().nfe + out.burnInNfe) + " NFE per chain; round " +
                 std::to_string(pl.nSkip) + " Langevin + " + std::to_string(pl.integratorSteps) +
                 " Heun + 1 Tweedie; η " + fmt(out.eta, 3) + " (" + std::to_string(out.halvings) +
                 " halvings); chains' median σ̃ " + fmt(roundsMedian, 3);
    return res;
}

std::string fmt(double v, int prec) {
    std::ostringstream os;
    os.setf(std::ios::fixed);
    os.precision(prec);
    os << v;
    return os.str();
}

/// `samples` images of one setting in chunks of up to 128 (memory stays bounded). Previews (when
/// asked) come from the first chunk; reportChunks adds one progress report per further chunk.
Result<GenerateResult> sampleMany(const GenerateParams& base, const models::EdmDenoiser& model, const sde::Sde& s,
                                  int samples, const JobContext& ctx, bool previews, bool reportChunks) {
    if (base.sampler == "dlg") return sampleDlgChains(base, model, s, samples, ctx, previews);
    GenerateResult all;
    const double t0 = nowSeconds();
    const int chunk = 128;
    for (int first = 0; first < samples; first += chunk) {
        const int n = std::min(chunk, samples - first);
        auto r = sampleBatch(base, model, s, first, n, ctx, previews && first == 0, samples);
        if (!r) return r.error();
        all.items.insert(all.items.end(), r.value().items.begin(), r.value().items.end());
        all.labels.insert(all.labels.end(), r.value().labels.begin(), r.value().labels.end());
        all.nfe = std::max(all.nfe, r.value().nfe);
        all.steps = r.value().steps;
        // Guidance: the mean probability per iteration over all items (chunks weighted by size).
        const auto& gp = r.value().guideProbability;
        if (all.guideProbability.empty()) all.guideProbability.assign(gp.size(), 0.0);
        for (std::size_t i = 0; i < gp.size() && i < all.guideProbability.size(); ++i)
            all.guideProbability[i] += gp[i] * n / samples;
        all.guideNfe += r.value().guideNfe;
        if (reportChunks && first > 0) {
            Progress pr;
            pr.step = first + n;
            pr.total = samples;
            pr.nfe = all.nfe;
            pr.message = "samples";
            ctx.report(pr);
        }
    }
    all.seconds = nowSeconds() - t0;
    all.nfePerSample = double(all.nfe);
    return all;
}

} // namespace detail

using namespace detail;

Result<std::vector<NoiseLevelPoint>> evaluateNoiseLevel(const std::vector<double>& sigmas, int images,
                                                        std::uint64_t seed, const std::string& dataDir) {
    return guarded<std::vector<NoiseLevelPoint>>("noise-level evaluation", [&]() -> Result<std::vector<NoiseLevelPoint>> {
        c10::InferenceMode inference;
        auto net = netEstimator(1e-4, 1e4);
        if (!net) return net.error();
        const auto haar = hhEstimator(1e-4, 1e4);
        auto test = data::loadFashionMnist(data::Split::Test, dataDir.empty() ? data::defaultFashionMnistDir() : dataDir,
                                           images);
        if (!test) return test.error();
        const auto x0 = data::toSigned(test.value().images);
        std::vector<NoiseLevelPoint> out;
        for (std::size_t i = 0; i < sigmas.size(); ++i) {
            auto g = at::make_generator<at::CPUGeneratorImpl>(seed + 1000 * i);
            const auto xt = x0 + sigmas[i] * at::randn(x0.sizes(), g);
            const double ls = std::log(sigmas[i]);
            NoiseLevelPoint pt;
            pt.sigma = sigmas[i];
            pt.netError = (net.value()(xt).log() - ls).abs().median().item<double>();
            pt.haarError = (haar(xt).log() - ls).abs().median().item<double>();
            out.push_back(pt);
        }
        return out;
    });
}

// ---- public ----------------------------------------------------------------------------------

const std::vector<SamplerInfo>& samplers() {
    static const std::vector<SamplerInfo> list = {
        {"em", "Euler–Maruyama (reverse SDE)", true, false, "NFE = N"},
        {"pc", "Predictor–corrector (reverse diffusion + Langevin, snr 0.16)", true, false, "NFE = 2N"},
        {"ode-euler", "Probability-flow ODE, Euler", false, false, "NFE = N"},
        {"ode-heun", "Probability-flow ODE, Heun", false, false, "NFE = 2N"},
        {"ode-rk45", "Probability-flow ODE, adaptive RK45 (Dormand–Prince)", false, true,
         "adaptive: NFE chosen by the tolerance"},
        {"ddim", "DDIM (η, log-SNR steps)", false, false, "NFE = N"},
        {"dpmpp-2m", "DPM-Solver++(2M) (data-prediction, 2nd-order multistep ODE)", false, false, "NFE = N"},
        {"dpmpp-2m-sde", "SDE-DPM-Solver++(2M) (2nd-order multistep SDE)", true, false, "NFE = N"},
        {"edm-heun", "EDM Heun (Karras σ grid, ρ = 7)", false, false, "NFE = 2N − 1"},
        {"edm-sde", "EDM stochastic (S_churn)", true, false, "NFE = 2N − 1"},
        {"dlg", "Denoising MCMC: Langevin–Gibbs + EDM Heun", true, false,
         "NFE per sample = burn-in / rounds + nSkip + 2K + 1"},
        {"rev-heun", "Reversible Heun, probability-flow ODE (gradients in O(1) memory)", false, false,
         "NFE = N + 1"},
        {"rev-heun-sde", "Reversible Heun, reverse SDE (gradients in O(1) memory)", true, false,
         "NFE = N + 1"},
    };
    return list;
}

int stepsForNfe(const std::string& s, int nfe) {
    nfe = std::max(1, nfe);
    if (s == "pc" || s == "ode-heun") return std::max(1, nfe / 2);
    if (s == "edm-heun" || s == "edm-sde") return std::max(1, (nfe + 1) / 2);
    if (s == "ode-rk45") return 0;
    if (s == "rev-heun" || s == "rev-heun-sde") return std::max(1, nfe - 1);
    return nfe;
}

Result<bool> validate(const GenerateParams& p) {
    const auto& list = samplers();
    if (std::none_of(list.begin(), list.end(), [&](const SamplerInfo& i) { return i.id == p.sampler; }))
        return Result<bool>::invalid("unknown sampler '" + p.sampler + "'");
    if (!makeSde(p.sde)) return Result<bool>::invalid("unknown SDE '" + p.sde + "' (ve, vp or subvp)");
    if (p.nfe < 1 || p.nfe > 100000) return Result<bool>::invalid("NFE must be between 1 and 100000");
    if (p.batch < 1 || p.batch > 4096) return Result<bool>::invalid("batch must be between 1 and 4096");
    if (!(p.guidance >= 0.0 && p.guidance <= 100.0)) return Result<bool>::invalid("guidance must be between 0 and 100");
    if (p.label < -1 || p.label >= kClasses) return Result<bool>::invalid("class must be -1 (all) or 0..9");
    if (!(p.eta >= 0.0 && p.eta <= 1.0)) return Result<bool>::invalid("η must be in [0, 1]");
    if (!(p.rk45Tolerance > 0.0 && p.rk45Tolerance < 1.0)) return Result<bool>::invalid("RK45 tolerance must be in (0, 1)");
    if (p.noiseEstimator != "net" && p.noiseEstimator != "haar")
        return Result<bool>::invalid("unknown noise-level estimator '" + p.noiseEstimator + "' (known: net, haar)");
    if (p.dlgChains < 1 || p.dlgChains > 4096) return Result<bool>::invalid("DLG chains must be between 1 and 4096");
    if (!(p.dlgEta > 0.0 && p.dlgEta <= 100.0)) return Result<bool>::invalid("DLG's step η must be in (0, 100]");
    if (p.sampler == "dlg") {
        if (auto pl = dlgPlan(p.batch, p.nfe, p.dlgChains); !pl) return pl.error();
    }
    // EDM's Heun steps end at σ = 0 with an Euler step, so a run needs two (found by the soak:
    // NFE 1 or 2 used to fail only once sampling had started).
    if ((p.sampler == "rev-heun" || p.sampler == "rev-heun-sde") && p.nfe < 2)
        return Result<bool>::invalid(p.sampler + " needs at least 2 NFE (NFE = N + 1)");
    if (p.guideClass >= 0) {
        if (p.guideClass >= kClasses) return Result<bool>::invalid("the guidance class must be 0..9");
        if (p.sampler != "rev-heun" && p.sampler != "rev-heun-sde")
            return Result<bool>::invalid(
                "guidance by the classifier differentiates the whole run: choose the "
                "reversible Heun sampler (rev-heun or rev-heun-sde)");
        if (p.guideIterations < 0 || p.guideIterations > 1000)
            return Result<bool>::invalid("guidance iterations must be between 0 and 1000");
        if (!(p.guideStep > 0.0 && p.guideStep <= 2.0))
            return Result<bool>::invalid("the guidance step must be in (0, 2]");
        if (!grad::strategyFromString(p.guideStrategy))
            return Result<bool>::invalid("unknown gradient strategy '" + p.guideStrategy +
                                         "' (known: backprop, checkpoint, reversible, adjoint)");
        if (p.classifierDir.empty())
            return Result<bool>::invalid("guidance by the classifier needs the classifier's folder");
    }
    if ((p.sampler == "edm-heun" || p.sampler == "edm-sde") && stepsForNfe(p.sampler, p.nfe) < 2)
        return Result<bool>::invalid(p.sampler + " needs at least 3 NFE (2 steps; NFE = 2N − 1)");
    return true;
}

ImageU8 tile(const std::vector<ImageU8>& items, int columns) {
    ImageU8 out;
    if (items.empty()) return out;
    const int gap = 2, w = items[0].width, h = items[0].height;
    columns = std::max(1, std::min<int>(columns, int(items.size())));
    const int rows = (int(items.size()) + columns - 1) / columns;
    out.width = columns * w + (columns - 1) * gap;
    out.height = rows * h + (rows - 1) * gap;
    out.channels = 1;
    out.pixels.assign(std::size_t(out.width) * std::size_t(out.height), 32);
    for (std::size_t k = 0; k < items.size(); ++k) {
        const int ox = int(k) % columns * (w + gap), oy = int(k) / columns * (h + gap);
        for (int y = 0; y < h; ++y)
            std::copy_n(&items[k].pixels[std::size_t(y) * std::size_t(w)], w,
                        &out.pixels[std::size_t(oy + y) * std::size_t(out.width) + std::size_t(ox)]);
    }
    return out;
}

Result<GenerateResult> runGenerate(const GenerateParams& p, const JobContext& ctx) {
    return guarded<GenerateResult>("generate", [&]() -> Result<GenerateResult> {
        if (auto v = validate(p); !v) return v.error();
        // Guidance differentiates through the network, whose weights must then be normal tensors:
        // no-grad mode instead of inference mode (the gradient strategies turn autograd on).
        std::optional<c10::InferenceMode> inference;
        std::optional<at::NoGradGuard> noGrad;
        if (p.guideClass >= 0)
            noGrad.emplace();
        else
            inference.emplace();
        auto model = loadGenerator(p.modelDir);
        if (!model) return model.error();
        const auto s = makeSde(p.sde);
        auto r = sampleMany(p, model.value(), *s, p.batch, ctx, p.previews, true);
        if (!r) return r.error();
        r.value().grid = tile(r.value().items, gridColumns(p.batch));
        return r;
    });
}

} // namespace reverie::generate
