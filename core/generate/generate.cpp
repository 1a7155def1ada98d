#include "generate/generate.h"
#include "generate/classifier_folder.h"

#include "data/fashion_mnist.h"
#include "generate/zoo.h"
#include "metrics/metrics.h"
#include "models/classifier.h"
#include "models/unet.h"
#include "sde/param.h"
#include "sde/sde.h"
#include "solvers/common.h"
#include "solvers/dlg.h"
#include "solvers/edm.h"
#include "solvers/exp.h"
#include "solvers/likelihood.h"
#include "solvers/ode.h"
#include "solvers/pc.h"
#include "telemetry/telemetry.h"
#include "train/trainer.h"

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

namespace {

constexpr int kClasses = 10;

// ---- model loading -------------------------------------------------------------------------

using zoo::readCard;

Result<models::EdmDenoiser> loadGenerator(const std::string& dir) {
    auto card = readCard(dir);
    if (!card) return card.error();
    const auto& j = card.value();
    if (j.value("kind", std::string()) != "denoiser" || !j.contains("architecture"))
        return Result<models::EdmDenoiser>::invalid("model folder " + dir + " does not hold a generator (card kind '" +
                                                    j.value("kind", std::string("?")) + "')");
    models::UNetConfig cfg;
    if (auto err = models::UNetConfig::fromJson(j["architecture"], &cfg); !err.empty())
        return Result<models::EdmDenoiser>::invalid(dir + "/card.json: " + err);
    if (cfg.inChannels != 1 || cfg.imageSize != 28)
        return Result<models::EdmDenoiser>::invalid("model folder " + dir + " is not a 28×28 grey generator");
    auto m = train::loadDenoiser((fs::path(dir) / "weights.pt").string(), cfg);
    if (!m) return Result<models::EdmDenoiser>::invalid("cannot load " + dir + "/weights.pt: " + m.error().message);
    m.value()->eval();
    return m;
}

// A classifier-shaped model folder: the classifier itself, or the noise-level estimator.
Result<models::Classifier> loadClassifierDir(const std::string& dir, const std::string& kind = "classifier") {
    auto card = readCard(dir);
    if (!card) return card.error();
    if (card.value().value("kind", std::string()) != kind)
        return Result<models::Classifier>::invalid("model folder " + dir + " does not hold a " + kind + " (card kind '" +
                                                   card.value().value("kind", std::string("?")) + "')");
    models::ClassifierConfig cfg;
    if (!card.value().contains("architecture"))
        return Result<models::Classifier>::invalid(dir + "/card.json has no architecture");
    if (auto err = models::ClassifierConfig::fromJson(card.value()["architecture"], &cfg); !err.empty())
        return Result<models::Classifier>::invalid(dir + "/card.json: " + err);
    const std::string weights = (fs::path(dir) / "weights.pt").string();
    auto m = kind == "noise-level" ? train::loadNoiseLevel(weights, cfg) : train::loadClassifier(weights, cfg);
    if (!m) return Result<models::Classifier>::invalid("cannot load " + weights + ": " + m.error().message);
    m.value()->eval();
    return m;
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

/// The shipped noise-level estimator (zoo::kNoiseLevel), loaded once per folder; the network
/// is only read after loading, so sharing it between calls on the engine thread is safe.
Result<solvers::NoiseLevelEstimator> netEstimator(double sigmaMin, double sigmaMax) {
    const std::string dir = zoo::find(zoo::kNoiseLevel);
    if (dir.empty()) {
        std::string where;
        for (const auto& d : zoo::searchPath(zoo::kNoiseLevel)) where += (where.empty() ? "" : ", ") + d;
        return Result<solvers::NoiseLevelEstimator>::invalid(
            std::string("DLG needs the noise-level estimator '") + zoo::kNoiseLevel + "' (searched " + where +
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
Result<GenerateResult> sampleBatch(const GenerateParams& p, const models::EdmDenoiser& model, const sde::Sde& s,
                                   int first, int count, const JobContext& ctx, bool previews, int totalItems) {
    const int nullClass = model->net()->config().numClasses;
    std::vector<int> labels(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        const int item = first + i;
        labels[std::size_t(i)] = p.guidance == 0.0 ? -1 : (p.label >= 0 ? p.label : item % kClasses);
    }
    const auto lab = labelTensor(labels, nullClass);
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
    Result<solvers::SampleOutput> out = Result<solvers::SampleOutput>::failed("no sampler ran");
    const at::Tensor mu; // VE/VP/sub-VP: no mean reversion
    if (id == "dlg") {
        // Burn-in: a short stochastic EDM run to σ̃ ≈ 1, then DLG rounds; the chain's NFE is counted.
        solvers::EdmOptions eo;
        eo.common = common;
        eo.common.onStep = {};
        eo.common.steps = 2;
        eo.sChurn = 10.0;
        eo.toZero = false;
        eo.sigmaMin = 1.0;
        const auto xT = solvers::priorSample(s, like, mu, noise);
        auto burn = solvers::sampleEdm(s, den, xT, mu, eo, ctx);
        if (!burn) return burn.error();
        // In x̃ space: the EDM output was mapped back to x at t(σmin); x̃ = x/α.
        const double tb = s.tFromSigmaTilde(1.0);
        const auto xInit = burn.value().x / s.alpha(tb);
        solvers::DlgOptions dopt;
        const int budget = std::max(4, p.nfe);
        dopt.nSkip = std::max(1, budget / 5);
        dopt.integratorSteps = std::max(1, (budget - 4 - dopt.nSkip - 1) / 2);
        dopt.eta = 0.2;
        dopt.rounds = 1;
        dopt.seed = common.seed + 17;
        if (p.noiseEstimator == "haar") {
            dopt.estimator = hhEstimator(1e-3, s.sigmaTilde(s.tMax()));
        } else {
            auto est = netEstimator(1e-3, s.sigmaTilde(s.tMax()));
            if (!est) return est.error();
            dopt.estimator = est.value();
        }
        dopt.onRound = common.onStep;
        auto r = solvers::sampleDlg(s, den, xInit, mu, dopt, ctx);
        if (!r) return r.error();
        solvers::SampleOutput so;
        so.x = r.value().samples;
        so.nfe = r.value().nfe + burn.value().nfe;
        so.steps = dopt.rounds;
        out = so;
    } else {
        const auto xT = solvers::priorSample(s, like, mu, noise);
        if (id == "em") {
            out = solvers::sampleEulerMaruyama(s, den, xT, mu, common, ctx);
        } else if (id == "pc") {
            solvers::PcOptions o;
            o.common = common;
            o.predictor = solvers::Predictor::ReverseDiffusion;
            o.corrector = solvers::Corrector::Langevin;
            o.snr = 0.16;
            o.langevinNorm = solvers::LangevinNorm::PerItem;
            out = solvers::samplePc(s, den, xT, mu, o, ctx);
        } else if (id == "ode-euler" || id == "ode-heun" || id == "ode-rk45") {
            solvers::OdeOptions o;
            o.common = common;
            o.method = id == "ode-euler" ? solvers::OdeMethod::Euler
                       : id == "ode-heun" ? solvers::OdeMethod::Heun
                                          : solvers::OdeMethod::DoPri5;
            o.rtol = o.atol = p.rk45Tolerance;
            if (id == "ode-rk45") o.common.maxNfe = 5000;
            out = solvers::sampleOde(s, den, xT, mu, o, ctx);
        } else if (id == "ddim") {
            solvers::DdimOptions o;
            o.common = common;
            o.eta = p.eta;
            o.spacing = solvers::Spacing::LogSnr;
            out = solvers::sampleDdim(s, den, xT, mu, o, ctx);
        } else if (id == "dpmpp-2m" || id == "dpmpp-2m-sde") {
            solvers::MrsOptions o;
            o.common = common;
            o.sde = id == "dpmpp-2m-sde";
            o.order = 2;
            o.form = solvers::SolverForm::Data;
            o.spacing = solvers::Spacing::LogSnr;
            out = solvers::sampleMrs(s, den, xT, mu, o, ctx);
        } else if (id == "edm-heun" || id == "edm-sde") {
            solvers::EdmOptions o;
            o.common = common;
            if (id == "edm-sde") o.sChurn = p.churn;
            out = solvers::sampleEdm(s, den, xT, mu, o, ctx);
        } else {
            return Result<GenerateResult>::invalid("unknown sampler '" + id + "'");
        }
    }
    if (!out) return out.error();
    GenerateResult r;
    const auto x = out.value().x.clamp(-1.0, 1.0);
    r.items = toImages(x);
    r.labels = labels;
    r.nfe = out.value().nfe;
    r.steps = out.value().steps;
    r.seconds = nowSeconds() - t0;
    return r;
}

std::string fmt(double v, int prec = 2) {
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
    return all;
}

} // namespace

Result<models::Classifier> loadClassifierFolder(const std::string& dir, const std::string& kind) {
    return loadClassifierDir(dir, kind);
}

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
         "NFE = 4 (burn-in) + nSkip + 2K + 1, nSkip ≈ NFE/5"},
    };
    return list;
}

int stepsForNfe(const std::string& s, int nfe) {
    nfe = std::max(1, nfe);
    if (s == "pc" || s == "ode-heun") return std::max(1, nfe / 2);
    if (s == "edm-heun" || s == "edm-sde") return std::max(1, (nfe + 1) / 2);
    if (s == "ode-rk45") return 0;
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
    if (p.sampler == "dlg" && p.nfe < 8) return Result<bool>::invalid("DLG needs at least 8 NFE (4 for its burn-in)");
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
        c10::InferenceMode inference;
        auto model = loadGenerator(p.modelDir);
        if (!model) return model.error();
        const auto s = makeSde(p.sde);
        auto r = sampleMany(p, model.value(), *s, p.batch, ctx, p.previews, true);
        if (!r) return r.error();
        r.value().grid = tile(r.value().items, gridColumns(p.batch));
        return r;
    });
}

// ---- evaluation -------------------------------------------------------------------------------

namespace {

struct Reference {
    std::string key;
    models::Classifier classifier{nullptr};
    metrics::Gaussian test;        ///< all 10k test images
    at::Tensor testFeatures;       ///< [10000, F]
    at::Tensor testImages;         ///< uint8
};
std::mutex g_refMutex;
// Deliberately never destroyed: tensors freed during static destruction at exit would call into
// LibTorch's allocator (and the telemetry hook) after they are gone.
std::shared_ptr<Reference>& g_ref = *new std::shared_ptr<Reference>();

Result<std::shared_ptr<Reference>> reference(const EvalSet& e) {
    const std::string key = e.classifierDir + "|" + e.dataDir;
    std::lock_guard lock(g_refMutex);
    if (g_ref && g_ref->key == key) return g_ref;
    auto cls = loadClassifierDir(e.classifierDir);
    if (!cls) return cls.error();
    auto test = e.dataDir.empty() ? data::loadFashionMnist(data::Split::Test)
                                  : data::loadFashionMnist(data::Split::Test, e.dataDir);
    if (!test) return test.error();
    auto ref = std::make_shared<Reference>();
    ref->key = key;
    ref->classifier = cls.value();
    ref->testImages = test.value().images;
    std::vector<at::Tensor> feats;
    for (int64_t i = 0; i < ref->testImages.size(0); i += 500)
        feats.push_back(ref->classifier->features(
            data::toSigned(ref->testImages.slice(0, i, std::min<int64_t>(ref->testImages.size(0), i + 500)))));
    ref->testFeatures = at::cat(feats).to(at::kDouble);
    auto g = metrics::fitGaussian(ref->testFeatures);
    if (!g) return g.error();
    ref->test = g.value();
    g_ref = ref;
    return ref;
}

at::Tensor fromImages(const std::vector<ImageU8>& items) {
    auto t = at::empty({int64_t(items.size()), 1, 28, 28}, at::kByte);
    for (std::size_t i = 0; i < items.size(); ++i)
        std::memcpy(t[int64_t(i)].data_ptr<std::uint8_t>(), items[i].pixels.data(), 28 * 28);
    return t;
}

Result<SampleScores> scoreTensor(Reference& ref, const at::Tensor& bytes, const std::vector<int>& labels) {
    SampleScores s;
    if (bytes.size(0) < 2) return Result<SampleScores>::invalid("FD needs at least 2 samples");
    const auto x = data::toSigned(bytes);
    std::vector<at::Tensor> feats, probs;
    for (int64_t i = 0; i < x.size(0); i += 500) {
        const auto xb = x.slice(0, i, std::min<int64_t>(x.size(0), i + 500));
        feats.push_back(ref.classifier->features(xb));
        probs.push_back(at::softmax(ref.classifier->forward(xb), 1));
    }
    const auto f = at::cat(feats).to(at::kDouble);
    const auto pr = at::cat(probs);
    auto g = metrics::fitGaussian(f);
    if (!g) return g.error();
    auto fd = metrics::frechetDistance(g.value(), ref.test);
    if (!fd) return fd.error();
    s.fd = fd.value();
    const auto [conf, arg] = pr.max(1);
    s.confident = conf.gt(0.5).to(at::kDouble).mean().item<double>();
    s.histogram.assign(kClasses, 0);
    const auto argA = arg.contiguous();
    int64_t agree = 0, withLabel = 0;
    for (int64_t i = 0; i < argA.size(0); ++i) {
        const auto c = argA[i].item<int64_t>();
        if (c >= 0 && c < kClasses) ++s.histogram[std::size_t(c)];
        if (std::size_t(i) < labels.size() && labels[std::size_t(i)] >= 0) {
            ++withLabel;
            agree += c == labels[std::size_t(i)];
        }
    }
    s.agreement = withLabel > 0 ? double(agree) / double(withLabel) : 0.0;
    return s;
}

} // namespace

Result<SampleScores> scoreSamples(const EvalSet& e, const std::vector<ImageU8>& items, const std::vector<int>& labels,
                                  const JobContext&) {
    return guarded<SampleScores>("score", [&]() -> Result<SampleScores> {
        c10::InferenceMode inference;
        for (const auto& i : items)
            if (i.width != 28 || i.height != 28 || i.channels != 1 || i.pixels.size() != 28 * 28)
                return Result<SampleScores>::invalid("samples must be 28×28 grey images");
        auto ref = reference(e);
        if (!ref) return ref.error();
        return scoreTensor(*ref.value(), fromImages(items), labels);
    });
}

namespace {

double rk45ToleranceFor(int nfe) { return std::pow(10.0, -(0.5 + nfe / 20.0)); }

} // namespace

Result<std::vector<SweepPoint>> runSweep(const SweepParams& p, const JobContext& ctx) {
    return guarded<std::vector<SweepPoint>>("sweep", [&]() -> Result<std::vector<SweepPoint>> {
        if (p.samplerIds.empty() || p.nfes.empty())
            return Result<std::vector<SweepPoint>>::invalid("choose at least one sampler and one NFE value");
        if (p.samples < 2) return Result<std::vector<SweepPoint>>::invalid("a sweep point needs at least 2 samples");
        for (const auto& id : p.samplerIds)
            for (int n : p.nfes) {
                GenerateParams q = p.base;
                q.sampler = id;
                q.nfe = n;
                if (auto v = validate(q); !v) return v.error();
            }
        c10::InferenceMode inference;
        auto model = loadGenerator(p.base.modelDir);
        if (!model) return model.error();
        auto ref = reference(p.eval);
        if (!ref) return ref.error();
        const auto s = makeSde(p.base.sde);
        std::vector<SweepPoint> points;
        const int64_t total = int64_t(p.samplerIds.size() * p.nfes.size());
        for (const auto& id : p.samplerIds)
            for (int n : p.nfes) {
                if (ctx.cancelled()) return Result<std::vector<SweepPoint>>::cancelled("sweep: cancelled");
                GenerateParams q = p.base;
                q.sampler = id;
                q.nfe = n;
                if (id == "ode-rk45") q.rk45Tolerance = rk45ToleranceFor(n);
                telemetry::resetPeak();
                const auto rssBefore = telemetry::residentBytes();
                auto r = sampleMany(q, model.value(), *s, p.samples, ctx, false, false);
                if (!r) return r.error();
                auto sc = scoreTensor(*ref.value(), fromImages(r.value().items), r.value().labels);
                if (!sc) return sc.error();
                SweepPoint pt;
                pt.sampler = id;
                pt.nfeBudget = n;
                pt.nfe = r.value().nfe;
                pt.fd = sc.value().fd;
                pt.confident = sc.value().confident;
                pt.seconds = r.value().seconds;
                const auto peak = telemetry::allocatorPeakBytes();
                pt.peakMiB = double(peak > 0 ? peak : std::max<int64_t>(0, telemetry::residentBytes() - rssBefore)) /
                             (1024.0 * 1024.0);
                points.push_back(pt);
                Progress pr;
                pr.step = int64_t(points.size());
                pr.total = total;
                pr.nfe = pt.nfe;
                pr.message = id;
                pr.values = {{"nfe", double(pt.nfe)}, {"fd", pt.fd}, {"seconds", pt.seconds},
                             {"peak_mib", pt.peakMiB}, {"confident", pt.confident}};
                std::vector<ImageU8> first(r.value().items.begin(),
                                           r.value().items.begin() + std::min<std::size_t>(16, r.value().items.size()));
                pr.preview = tile(first, 4);
                ctx.report(pr);
            }
        return points;
    });
}

Result<LikelihoodResult> runLikelihood(const LikelihoodParams& p, const JobContext& ctx) {
    return guarded<LikelihoodResult>("likelihood", [&]() -> Result<LikelihoodResult> {
        if (p.count < 1 || p.count > 10000) return Result<LikelihoodResult>::invalid("count must be 1..10000");
        if (p.steps < 0 || p.steps > 10000) return Result<LikelihoodResult>::invalid("steps must be 0 (adaptive) to 10000");
        if (!(p.tolerance > 0 && p.tolerance < 1)) return Result<LikelihoodResult>::invalid("tolerance must be in (0, 1)");
        const auto s = makeSde(p.sde);
        if (!s) return Result<LikelihoodResult>::invalid("unknown SDE '" + p.sde + "'");
        auto model = loadGenerator(p.modelDir);
        if (!model) return model.error();
        auto test = p.dataDir.empty() ? data::loadFashionMnist(data::Split::Test, data::defaultFashionMnistDir(), p.count)
                                      : data::loadFashionMnist(data::Split::Test, p.dataDir, p.count);
        if (!test) return test.error();
        const int nullClass = model.value()->net()->config().numClasses;
        const double t0 = nowSeconds();
        std::vector<double> bpd;
        LikelihoodResult out;
        const int B = std::max(1, p.batch);
        for (int first = 0; first < p.count; first += B) {
            const int n = std::min(B, p.count - first);
            // Uniform dequantisation: x = (u + U(0,1))/256 mapped to [−1, 1]; the 8-bit offset is 7 bits.
            auto g = at::make_generator<at::CPUGeneratorImpl>(p.seed + std::uint64_t(first));
            const auto u = test.value().images.slice(0, first, first + n).to(at::kFloat);
            const auto x = (u + at::rand(u.sizes(), g, at::kFloat)) / 256.0 * 2.0 - 1.0;
            // The unconditional model (null class): the likelihood of the data, not of data given a label.
            const auto den = sde::denoiserFromSigma(*s, guided(model.value(), at::full({n}, nullClass, at::kLong),
                                                               nullClass, 1.0));
            solvers::LikelihoodOptions o;
            o.method = p.steps > 0 ? solvers::OdeMethod::Heun : solvers::OdeMethod::DoPri5;
            o.steps = std::max(1, p.steps);
            o.rtol = o.atol = p.tolerance;
            o.maxNfe = 20000;
            o.offsetBits = 7.0;
            o.seed = p.seed + std::uint64_t(first);
            JobContext inner = ctx;
            const int total = p.count;
            inner.progress = [&, first, total](const Progress& pr) {
                Progress q = pr;
                q.message = "likelihood " + std::to_string(first + 1) + "–" + std::to_string(first + n) + " of " +
                            std::to_string(total);
                ctx.report(q);
            };
            auto r = solvers::pfOdeLikelihood(*s, den, x, {}, o, inner);
            if (!r) return r.error();
            out.nfe = r.value().nfe;
            const auto b = r.value().bpd.to(at::kDouble).contiguous();
            for (int64_t i = 0; i < b.size(0); ++i) bpd.push_back(b[i].item<double>());
        }
        double mean = 0, var = 0;
        for (double v : bpd) mean += v;
        mean /= double(bpd.size());
        for (double v : bpd) var += (v - mean) * (v - mean);
        var = bpd.size() > 1 ? var / double(bpd.size() - 1) : 0.0;
        out.bpd = mean;
        out.bpdStdErr = std::sqrt(var / double(bpd.size()));
        out.images = int(bpd.size());
        out.seconds = nowSeconds() - t0;
        return out;
    });
}

// ---- bench ------------------------------------------------------------------------------------

Result<BenchReport> runBench(const BenchParams& bp, const JobContext& ctx) {
    return guarded<BenchReport>("bench generate", [&]() -> Result<BenchReport> {
        std::optional<c10::InferenceMode> inference(std::in_place); // off again for the likelihood (autograd)
        const int N = bp.samples > 0 ? bp.samples : (bp.quick ? 32 : 200);
        auto model = loadGenerator(bp.modelDir);
        if (!model) return model.error();
        EvalSet e{bp.classifierDir, bp.dataDir};
        auto ref = reference(e);
        if (!ref) return ref.error();
        const double tStart = nowSeconds();

        nlohmann::json j;
        j["bench"] = "generate";
        j["quick"] = bp.quick;
        j["samples_per_point"] = N;
        j["sde"] = "vp";
        j["guidance"] = 1.0;
        j["labels"] = "item i → class i mod 10";
        std::ostringstream table;

        // Floors: FD of real images against the test set. Two disjoint test halves (5000 each), and
        // N training images vs the test set: FD is biased upwards at small N, so this is the floor
        // to read the samplers' figures against.
        {
            const auto& tf = ref.value()->testFeatures;
            auto a = metrics::fitGaussian(tf.slice(0, 0, 5000));
            auto b = metrics::fitGaussian(tf.slice(0, 5000, 10000));
            if (!a || !b) return Result<BenchReport>::failed("cannot fit the test features");
            auto fd = metrics::frechetDistance(a.value(), b.value());
            if (!fd) return fd.error();
            j["fd_real_halves_5000"] = fd.value();
            auto train = bp.dataDir.empty() ? data::loadFashionMnist(data::Split::Train)
                                            : data::loadFashionMnist(data::Split::Train, bp.dataDir);
            if (!train) return train.error();
            auto g = at::make_generator<at::CPUGeneratorImpl>(bp.seed + 99);
            const auto idx = at::randperm(train.value().size(), g, at::kLong).slice(0, 0, N);
            auto sc = scoreTensor(*ref.value(), train.value().images.index_select(0, idx), {});
            if (!sc) return sc.error();
            j["fd_real_train_n"] = sc.value().fd;
            j["real_confident"] = sc.value().confident;
            table << "FD floor: test half vs half (5000) " << fmt(j["fd_real_halves_5000"].get<double>())
                  << "; " << N << " training images vs test " << fmt(sc.value().fd) << " (confident "
                  << fmt(100 * sc.value().confident, 1) << "%)\n";
        }

        struct Plan {
            std::string id;
            std::vector<int> nfes;
            std::string estimator = "net"; ///< DLG only
        };
        std::vector<Plan> plans;
        if (bp.quick) {
            plans = {{"em", {10, 20}}, {"dpmpp-2m", {10, 20}}, {"edm-heun", {10, 20}}};
        } else {
            plans = {{"em", {10, 20, 50, 200}}, {"pc", {10, 20, 50}},       {"ode-euler", {10, 20, 50}},
                     {"ode-rk45", {10, 20, 50}}, {"edm-heun", {10, 20, 50}}, {"dpmpp-2m", {10, 20, 50}},
                     {"dlg", {10, 20, 50}},      {"dlg", {10, 20, 50}, "haar"}};
        }
        if (!bp.samplers.empty()) {
            std::vector<Plan> kept;
            for (const auto& pl : plans)
                if (std::find(bp.samplers.begin(), bp.samplers.end(), pl.id) != bp.samplers.end()) kept.push_back(pl);
            if (kept.empty()) return Result<BenchReport>::invalid("none of the requested samplers is in the bench plan");
            plans = kept;
        }
        int64_t totalPoints = 0, done = 0;
        for (const auto& pl : plans) totalPoints += int64_t(pl.nfes.size());
        const auto s = makeSde("vp");
        j["rows"] = nlohmann::json::array();
        table << "sampler        NFE(budget)  NFE   FD       confident  s/sample\n";
        for (const auto& pl : plans)
            for (int n : pl.nfes) {
                if (ctx.cancelled()) return Result<BenchReport>::cancelled("bench generate: cancelled");
                GenerateParams q;
                q.modelDir = bp.modelDir;
                q.sde = "vp";
                q.sampler = pl.id;
                q.nfe = n;
                q.seed = bp.seed;
                q.noiseEstimator = pl.estimator;
                if (pl.id == "ode-rk45") q.rk45Tolerance = rk45ToleranceFor(n);
                auto r = sampleMany(q, model.value(), *s, N, ctx, false, false);
                if (!r) return r.error();
                auto sc = scoreTensor(*ref.value(), fromImages(r.value().items), r.value().labels);
                if (!sc) return sc.error();
                nlohmann::json row;
                row["sampler"] = pl.id;
                row["nfe_budget"] = n;
                row["nfe"] = r.value().nfe;
                row["fd"] = sc.value().fd;
                row["confident"] = sc.value().confident;
                row["label_agreement"] = sc.value().agreement;
                row["histogram"] = sc.value().histogram;
                row["seconds_per_sample"] = r.value().seconds / N;
                if (pl.id == "ode-rk45") row["tolerance"] = q.rk45Tolerance;
                if (pl.id == "dlg") row["noise_estimator"] = pl.estimator;
                j["rows"].push_back(row);
                const std::string label = pl.id == "dlg" ? pl.id + "/" + pl.estimator : pl.id;
                char line[160];
                std::snprintf(line, sizeof line, "%-14s %6d %8lld  %7.2f  %6.1f%%   %.4f\n", label.c_str(), n,
                              static_cast<long long>(r.value().nfe), sc.value().fd, 100 * sc.value().confident,
                              r.value().seconds / N);
                table << line;
                Progress pr;
                pr.step = ++done;
                pr.total = totalPoints;
                pr.nfe = r.value().nfe;
                pr.message = label + " @" + std::to_string(n) + ": FD " + fmt(sc.value().fd);
                ctx.report(pr);
            }

        // DLG's noise-level estimators on noisy test images.
        if (bp.samplers.empty() || std::find(bp.samplers.begin(), bp.samplers.end(), "dlg") != bp.samplers.end()) {
            const std::vector<double> sigmas = {0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0};
            auto nl = evaluateNoiseLevel(sigmas, bp.quick ? 200 : 2000, bp.seed, bp.dataDir);
            if (!nl) return nl.error();
            j["noise_level"] = nlohmann::json::array();
            table << "noise-level estimators, median |log σ̂ − log σ| on " << (bp.quick ? 200 : 2000)
                  << " test images (net | haar):";
            for (const auto& pt : nl.value()) {
                j["noise_level"].push_back({{"sigma", pt.sigma}, {"net", pt.netError}, {"haar", pt.haarError}});
                table << "  σ=" << fmt(pt.sigma, 2) << " " << fmt(pt.netError, 3) << " | " << fmt(pt.haarError, 3);
            }
            table << "\n";
        }

        // Likelihood on the test set through the PF-ODE (needs autograd: leave inference mode).
        inference.reset();
        LikelihoodParams lp;
        lp.modelDir = bp.modelDir;
        lp.dataDir = bp.dataDir;
        lp.count = bp.quick ? 2 : 32;
        lp.tolerance = bp.quick ? 1e-2 : 1e-3;
        lp.batch = bp.quick ? 2 : 32;
        lp.seed = bp.seed;
        auto lk = runLikelihood(lp, ctx);
        if (!lk) return lk.error();
        j["likelihood"] = {{"bpd", lk.value().bpd},
                           {"bpd_stderr", lk.value().bpdStdErr},
                           {"images", lk.value().images},
                           {"method", "PF-ODE (VP), RK45 rtol = atol = " + fmt(lp.tolerance, 5) + ", Rademacher trace, uniform dequantisation"},
                           {"nfe", lk.value().nfe},
                           {"seconds", lk.value().seconds}};
        table << "bits/dim (" << lk.value().images << " test images, PF-ODE RK45 tol " << fmt(lp.tolerance, 5)
              << ", NFE " << lk.value().nfe << "): " << fmt(lk.value().bpd, 3) << " ± " << fmt(lk.value().bpdStdErr, 3) << "\n";
        j["seconds"] = nowSeconds() - tStart;
        BenchReport rep;
        rep.json = j.dump();
        rep.table = table.str();
        return rep;
    });
}

} // namespace reverie::generate
