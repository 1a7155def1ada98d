#include "speech/enhance.h"

#include "models/zoo.h"
#include "models/unet.h"
#include "base/runtime.h"
#include "engine/sde/param.h"
#include "engine/sde/sde.h"
#include "engine/solvers/common.h"
#include "engine/solvers/exp.h"
#include "engine/solvers/ode.h"
#include "engine/solvers/pc.h"
#include "speech/pairs.h"
#include "speech/stft.h"
#include "models/conditioned.h"
#include "models/published/load.h"
#include "models/store.h"
#include "speech/enhance_detail.h"
#include "speech/predictive.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <malloc.h>
#include <mutex>
#include <optional>

namespace fs = std::filesystem;

namespace reverie::speech {

namespace {

constexpr double kPi = 3.14159265358979323846;

// A loaded enhancer: the built-in residual denoiser (model) or a published SGMSE+ NCSN++
// (ncsnpp), with the representation and the SDE it was trained with.
struct Loaded {
    models::EdmDenoiser model{nullptr};
    models::published::NCSNpp ncsnpp{nullptr};
    EnhancerInfo info;
    SpecParams spec;
    sde::OuveParams ouve;
    double maskBound = kDefaultMaskBound; ///< predictive models
};

// A card marks a predictive (mask) model with "predictive": true; absent, a score model. (A card's
// "objective" is prose for people.)
bool cardSaysPredictive(const nlohmann::json& card) {
    return card.is_object() && card.contains("predictive") && card["predictive"].is_boolean() &&
           card["predictive"].get<bool>();
}

bool isCheckpointFile(const std::string& path) {
    std::error_code ec;
    return fs::is_regular_file(path, ec);
}

// Upstream's OUVE in the studio's real channels: SGMSE+'s complex noise has variance ½ per real
// channel, so σ_min and σ_max are divided by √2 (docs/methods.md, "SGMSE+ and the OUVE SDE").
sde::OuveParams realChannelOuve(double theta, double sigmaMin, double sigmaMax, double tEps, int N) {
    sde::OuveParams op;
    op.gamma = theta;
    op.sigmaMin = sigmaMin / std::sqrt(2.0);
    op.sigmaMax = sigmaMax / std::sqrt(2.0);
    op.tEps = tEps;
    op.steps = N;
    return op;
}

// A chunk length the enhancer accepts: a multiple of 64 frames, 64..4096.
bool chunkFramesValid(int frames) { return frames >= 64 && frames <= 4096 && frames % 64 == 0; }

Result<Loaded> loadFolder(const std::string& dir) {
    auto m = models::loadConditionedFolder(dir, "enhancer", "a speech-enhancement model", 0.1);
    if (!m) return m.error();
    const auto& c = m.value();
    if (c.config.inChannels != 2 || c.config.outChannels != 2)
        return Result<Loaded>::invalid(dir + " is not a spectrogram model conditioned on the noisy input (channels 2/2/2)");
    Loaded l;
    l.model = c.model;
    l.info.name = c.card.value("name", fs::path(dir).filename().string());
    l.info.parameters = c.parameters;
    l.info.cropFrames = c.card.value("crop_frames", 64);
    if (l.info.cropFrames < 64 || l.info.cropFrames % 64 != 0) l.info.cropFrames = 64;
    if (c.card.contains("chunk_frames") && !c.card["chunk_frames"].is_number_integer())
        return Result<Loaded>::invalid(dir + ": the card's \"chunk_frames\" must be a whole number");
    l.info.chunkFrames = c.card.value("chunk_frames", l.info.cropFrames);
    if (!chunkFramesValid(l.info.chunkFrames))
        return Result<Loaded>::invalid(
            dir + ": the card's \"chunk_frames\" must be a multiple of 64 between 64 and 4096");
    l.info.dereverberates = c.config.numClasses == 2;
    if (c.card.contains("predictive") && !c.card["predictive"].is_boolean())
        return Result<Loaded>::invalid(dir + ": the card's \"predictive\" must be true or false");
    l.info.predictive = cardSaysPredictive(c.card);
    l.maskBound = c.card.value("mask_bound", kDefaultMaskBound);
    if (c.card.contains("strength") && !c.card["strength"].is_number())
        return Result<Loaded>::invalid(dir + ": the card's \"strength\" must be a number between 0 and 1");
    l.info.strength = c.card.value("strength", 1.0);
    if (!(l.info.strength >= 0 && l.info.strength <= 1))
        return Result<Loaded>::invalid(dir + ": the card's \"strength\" must be between 0 and 1");
    if (c.card.contains("strength_by_coherence")) {
        // [[coherence, strength], ...] (EnhanceParams::strengthCurve)
        const auto& a = c.card["strength_by_coherence"];
        const std::string bad =
            dir + ": the card's \"strength_by_coherence\" must be a list of [coherence, strength] pairs";
        if (!a.is_array()) return Result<Loaded>::invalid(bad);
        for (const auto& pt : a) {
            if (!pt.is_array() || pt.size() != 2 || !pt[0].is_number() || !pt[1].is_number())
                return Result<Loaded>::invalid(bad);
            l.info.strengthCurve.emplace_back(pt[0].get<double>(), pt[1].get<double>());
        }
        if (const auto why = checkStrengthCurve(l.info.strengthCurve); !why.empty())
            return Result<Loaded>::invalid(dir + ": the card's \"strength_by_coherence\": " + why);
    }
    if (!(l.maskBound >= 1 && l.maskBound <= 10))
        return Result<Loaded>::invalid(dir + ": the card's mask_bound must be between 1 and 10");
    l.info.summary = l.info.name + " (" + std::to_string(l.info.parameters) + " parameters, built-in format)";
    l.ouve = realChannelOuve(1.5, 0.05, 0.5, 0.03, 30);
    return l;
}

// A published SGMSE+ checkpoint: its STFT, SDE and rate from hyper_parameters. What the studio's
// pipeline cannot reproduce is refused here with the reason.
Result<Loaded> loadCheckpoint(const std::string& path) {
    using R = Result<Loaded>;
    namespace pub = models::published;
    pub::LoadOptions lo;
    lo.expect = pub::Architecture::SgmseNcsnpp;
    auto m = pub::loadPublished(path, lo);
    if (!m) return m.error();
    const auto& card = m.value().card;
    if (!card.sgmse) return R::invalid(path + ": no SGMSE+ settings were found in the checkpoint");
    const auto& st = *card.sgmse;
    if (st.sde != "ouve")
        return R::invalid(path + " was trained with the " + st.sde +
                          " SDE (Schrödinger bridge); the studio serves SGMSE+ checkpoints with the OUVE SDE only");
    if (st.transformType != "exponent")
        return R::invalid(path + " uses the spectral transform '" + st.transformType + "'; only 'exponent' is supported");
    if (st.window != "hann" && st.window != "sqrthann")
        return R::invalid(path + " uses the STFT window '" + st.window + "' (known: hann, sqrthann)");
    if (st.nFft < 16 || st.nFft % 2 != 0 || st.hopLength < 1 || st.hopLength > st.nFft)
        return R::invalid(path + " has STFT settings the studio cannot use (n_fft " + std::to_string(st.nFft) +
                          ", hop " + std::to_string(st.hopLength) + ")");
    if (st.sampleRate < 8000 || st.sampleRate > 192000)
        return R::invalid(path + " declares a sample rate of " + std::to_string(st.sampleRate) + " Hz");
    if (!(st.specAbsExponent > 0) || !(st.specFactor > 0) || !(st.sigmaMin > 0) || !(st.sigmaMax > st.sigmaMin) ||
        !(st.theta > 0) || st.N < 1)
        return R::invalid(path + " has SDE or spectral settings out of range (see its hyper_parameters)");
    Loaded l;
    l.ncsnpp = m.value().ncsnpp;
    l.info.name = fs::path(path).filename().string();
    l.info.parameters = card.parameters;
    l.info.published = true;
    l.info.sampleRate = st.sampleRate;
    l.info.cropFrames = std::max(64, (st.numFrames + 63) / 64 * 64);
    l.info.chunkFrames = l.info.cropFrames;
    l.info.summary = card.summary();
    l.spec.nFft = st.nFft;
    l.spec.hop = st.hopLength;
    l.spec.alpha = st.specAbsExponent;
    l.spec.beta = st.specFactor;
    l.spec.sqrtHann = st.window == "sqrthann";
    l.spec.istftPaddedFrames = true; // as upstream's to_audio
    l.ouve = realChannelOuve(st.theta, st.sigmaMin, st.sigmaMax, st.tEps, st.N);
    return l;
}

// The last checkpoint loaded, keyed by path, size and modification time (a full-size NCSN++ takes
// seconds to read); folders are cached by loadConditionedFolder.
Result<Loaded> loadEnhancer(const std::string& path) {
    if (!isCheckpointFile(path)) return loadFolder(path);
    static std::mutex mutex;
    static std::string cachedKey;
    static std::optional<Loaded> cached;
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    const auto mtime = fs::last_write_time(path, ec).time_since_epoch().count();
    const std::string key = fs::absolute(path, ec).string() + "|" + std::to_string(size) + "|" + std::to_string(mtime);
    std::lock_guard<std::mutex> lock(mutex);
    if (cached && cachedKey == key) return *cached;
    auto l = loadCheckpoint(path);
    if (!l) return l.error();
    cached = l.value();
    cachedKey = key;
    return l;
}

// SGMSE+'s score, −dnn(cat[x_t, y], t), as a score model on the studio's real channels: the
// complex score of CN noise is half the score of the real and imaginary parts (variance ½ each),
// so the real-channel score is twice upstream's (docs/methods.md, "Published checkpoints in the
// samplers").
sde::Denoiser publishedScore(models::published::NCSNpp net) {
    sde::Denoiser d;
    d.param = sde::Param::Score;
    d.fn = [net](const at::Tensor& x, const at::Tensor& t, const at::Tensor& mu) mutable {
        const auto B = x.size(0);
        const auto xc = fromChannels(x).unsqueeze(1);
        const auto yc = fromChannels(mu.expand_as(x)).unsqueeze(1);
        const auto tv = (t.dim() == 0 ? t.reshape({1}).expand({B}) : t).to(at::kFloat).to(x.device()).contiguous();
        const auto s = net->score(xc, yc, tv).squeeze(1);
        return (toChannels(s) * 2.0).to(x.scalar_type());
    };
    return d;
}

using models::residualDenoiser;

struct MrsId {
    bool sde = true;
    int order = 2;
};

bool parseMrs(const std::string& id, MrsId* out) {
    // mrs-{ode|sde}-{1|2}-data
    if (id.size() != 14 || id.rfind("mrs-", 0) != 0 || id.compare(9, 5, "-data") != 0 || id[7] != '-') return false;
    const std::string kind = id.substr(4, 3);
    if ((kind != "ode" && kind != "sde") || (id[8] != '1' && id[8] != '2')) return false;
    out->sde = kind == "sde";
    out->order = id[8] - '0';
    return true;
}

int resolvedNfe(const EnhanceParams& p) {
    if (p.nfe > 0) return p.nfe;
    for (const auto& s : enhanceSamplers())
        if (s.id == p.sampler) return s.defaultNfe;
    return 0;
}

} // namespace

const std::vector<EnhanceSamplerInfo>& enhanceSamplers() {
    static const std::vector<EnhanceSamplerInfo> list = {
        {"mrs-sde-1-data", "MR Sampler SDE, order 1, data prediction", kDefaultEnhanceNfe},
        {"mrs-sde-2-data", "MR Sampler SDE, order 2, data prediction", kDefaultEnhanceNfe},
        {"mrs-ode-2-data", "MR Sampler ODE, order 2, data prediction", kDefaultEnhanceNfe},
        {"mrs-ode-1-data", "MR Sampler ODE, order 1, data prediction", kDefaultEnhanceNfe},
        {"pc", "Predictor-corrector, exact discretisation (reverse diffusion + annealed Langevin)", 60},
        {"sgmse-pc", "SGMSE+ predictor-corrector, as its own code (Euler + annealed Langevin)", 60},
        {"ode-rk45", "PF-ODE, adaptive RK45", 0},
        {kPredictiveSampler, "Predictive: one pass of a mask model (StoRM's first stage)", 1}};
    return list;
}

Result<bool> validateEnhance(const EnhanceParams& p) {
    const auto& list = enhanceSamplers();
    if (std::none_of(list.begin(), list.end(), [&](const EnhanceSamplerInfo& s) { return s.id == p.sampler; })) {
        std::string known;
        for (const auto& s : list) known += (known.empty() ? "" : ", ") + s.id;
        return Result<bool>::invalid("unknown enhancement sampler '" + p.sampler + "' (known: " + known + ")");
    }
    if (p.sampler == kPredictiveSampler && p.nfe > 1)
        return Result<bool>::invalid("the predictive sampler makes one pass (NFE 1)");
    if (p.nfe < 0 || p.nfe > 1000) return Result<bool>::invalid("NFE must be between 1 and 1000 (0: the sampler's default)");
    const bool pc = p.sampler == "pc" || p.sampler == "sgmse-pc";
    if (p.correctorSteps < 0 || p.correctorSteps > 10)
        return Result<bool>::invalid("the corrector steps per predictor step must be between 0 and 10");
    if (pc && p.nfe != 0 && p.nfe % (p.correctorSteps + 1) != 0)
        return Result<bool>::invalid("the predictor-corrector sampler takes an NFE that is a multiple of " +
                                     std::to_string(p.correctorSteps + 1) + " (" +
                                     std::to_string(p.correctorSteps + 1) + " per step)");
    if (p.finalDenoise && p.sampler != "pc")
        return Result<bool>::invalid("the final denoising step is an option of the sampler 'pc' only");
    if (p.chunkFrames != 0 && !chunkFramesValid(p.chunkFrames))
        return Result<bool>::invalid("chunk frames must be a multiple of 64 between 64 and 4096 (0: the model's)");
    if (p.overlapFrames < -1 || (p.chunkFrames > 0 && 2 * p.overlapFrames >= p.chunkFrames))
        return Result<bool>::invalid("the chunk overlap must be at least 0 and less than half a chunk");
    if (p.batch < 1 || p.batch > 256) return Result<bool>::invalid("batch must be between 1 and 256 chunks");
    if (!(p.snr > 0) || !std::isfinite(p.snr)) return Result<bool>::invalid("the corrector's snr must be positive");
    if (!(p.rtol > 0) || !(p.atol > 0)) return Result<bool>::invalid("the ODE tolerances must be positive");
    if (!(p.strength == -1 || (p.strength >= 0 && p.strength <= 1)))
        return Result<bool>::invalid("the strength must be between 0 and 1 (or -1: the model's)");
    if (!p.strengthCurve.empty())
        if (const auto why = checkStrengthCurve(p.strengthCurve); !why.empty())
            return Result<bool>::invalid(why);
    if (p.task != "auto" && p.task != "denoise" && p.task != "dereverberate")
        return Result<bool>::invalid("unknown task '" + p.task + "' (auto, denoise, dereverberate)");
    return true;
}

std::string defaultEnhanceSampler(const std::string& modelDir) {
    if (isCheckpointFile(modelDir)) return kDefaultEnhanceSampler;
    const auto card = models::readCard(modelDir);
    return card && cardSaysPredictive(card.value()) ? kPredictiveSampler : kDefaultEnhanceSampler;
}

Result<EnhancerInfo> enhancerInfo(const std::string& modelDir) {
    auto l = loadEnhancer(modelDir);
    if (!l) return l.error();
    return l.value().info;
}

Result<EnhanceResult> enhance(const EnhanceParams& p, const Audio& noisy, const JobContext& ctx) {
    return detail::enhanceWithNoise(p, noisy, ctx, nullptr);
}

Result<EnhanceResult> detail::enhanceWithNoise(const EnhanceParams& p, const Audio& noisy, const JobContext& ctx,
                                               solvers::NoiseSource* replay) {
    using R = Result<EnhanceResult>;
    if (auto v = validateEnhance(p); !v) return v.error();
    if (noisy.samples.empty()) return R::invalid("there is no audio to enhance (0 samples)");
    const auto bad = std::count_if(noisy.samples.begin(), noisy.samples.end(), [](float v) { return !std::isfinite(v); });
    if (bad > 0) return R::invalid("the audio has " + std::to_string(bad) + " NaN/Inf samples");
    auto loaded = loadEnhancer(p.modelDir);
    if (!loaded) return loaded.error();
    const Loaded& L = loaded.value();
    if (noisy.sampleRate != L.info.sampleRate)
        return R::invalid(L.info.name + " works at " + std::to_string(L.info.sampleRate) + " Hz, the audio is at " +
                          std::to_string(noisy.sampleRate) + " Hz (load it with loadAudio(path, " +
                          std::to_string(L.info.sampleRate) + "))");
    // Task labels as trained (speech/task.h): 0 denoise (keep the room), 1 dereverberate, −1 the null label.
    // A published checkpoint has no labels: it does what it was trained for, whatever the task.
    std::int64_t label = -1;
    if (L.info.dereverberates)
        label = p.task == "denoise" ? 0 : p.task == "dereverberate" ? 1 : -1;
    else if (p.task == "dereverberate" && !L.info.published)
        return R::invalid(L.info.name + " was not trained to dereverberate (it removes noise only)");

    if (L.info.predictive && p.sampler != kPredictiveSampler)
        return R::invalid(L.info.name + " is a predictive model (one pass, no SDE): choose the sampler '" +
                          std::string(kPredictiveSampler) + "'");
    if (!L.info.predictive && p.sampler == kPredictiveSampler)
        return R::invalid(L.info.name + " is a score model: the sampler '" + std::string(kPredictiveSampler) +
                          "' needs a predictive model (its card says \"predictive\": true)");

    runtime::keepFreedMemory();
    return guarded<EnhanceResult>("enhance", [&]() -> R {
        c10::InferenceMode inference;
        const SpecParams& sp = L.spec;
        const auto s = sde::makeOuve(L.ouve);
        const auto den = L.info.published ? publishedScore(L.ncsnpp)
                                          : sde::denoiserFromSigma(*s, residualDenoiser(L.model, label));
        const double t0 = nowSeconds();
        const int nfe = resolvedNfe(p);
        MrsId mrs;
        const bool isMrs = parseMrs(p.sampler, &mrs);

        // Chunk layout: full chunks of S samples (chunkFrames frames) every S − O samples; the
        // last one is moved back to end at the input's end. Inputs shorter than a chunk: one chunk.
        const std::int64_t n = std::int64_t(noisy.samples.size());
        const int chunkFrames = p.chunkFrames > 0 ? p.chunkFrames : L.info.chunkFrames;
        const int overlapFrames = p.overlapFrames >= 0 ? std::min(p.overlapFrames, chunkFrames / 2 - 1) : chunkFrames / 8;
        const std::int64_t S = std::int64_t(chunkFrames - 1) * sp.hop;
        const std::int64_t O = std::int64_t(overlapFrames) * sp.hop;
        std::vector<std::int64_t> starts;
        if (n <= S) {
            starts.push_back(0);
        } else {
            for (std::int64_t st = 0;; st += S - O) {
                if (st + S >= n) {
                    starts.push_back(n - S);
                    break;
                }
                starts.push_back(st);
            }
        }
        const std::int64_t len = std::min(n, S);
        std::vector<float> out(std::size_t(n), 0.0f), weight(std::size_t(n), 0.0f);
        // Cross-fade weights: sin² ramps over the overlap, except at the input's two ends.
        auto rampAt = [&](std::int64_t i) { return float(std::pow(std::sin(kPi / 2 * (double(i) + 0.5) / double(O)), 2)); };

        EnhanceResult res;
        res.chunks = int(starts.size());
        for (std::size_t first = 0; first < starts.size(); first += std::size_t(p.batch)) {
            if (ctx.cancelled()) return R::cancelled("enhance: cancelled");
            const std::size_t count = std::min(std::size_t(p.batch), starts.size() - first);
            std::vector<Spec> specs;
            std::vector<at::Tensor> mus;
            for (std::size_t k = 0; k < count; ++k) {
                const auto b = noisy.samples.begin() + std::ptrdiff_t(starts[first + k]);
                auto spec = toSpec(std::vector<float>(b, b + std::ptrdiff_t(len)), sp);
                if (!spec) return spec.error();
                mus.push_back(toChannels(spec.value().spec));
                specs.push_back(spec.value());
            }
            const auto mu = at::stack(mus);
            at::Tensor enhancedSpec;
            if (L.info.predictive) {
                auto model = L.model;
                const auto labels = label >= 0 ? at::full({mu.size(0)}, label, at::kLong) : at::Tensor();
                enhancedSpec = predictiveEstimate(model, mu, labels, L.maskBound);
                res.nfe = 1;
            } else {
                solvers::NoiseSource ownNoise(p.seed + first, solvers::NoiseMode::PerItem);
                solvers::NoiseSource& noise = replay ? *replay : ownNoise;
                solvers::CommonOptions common;
                common.seed = p.seed + first + 0x9E3779B97F4A7C15ULL;
                common.source = replay;
                const auto xT = solvers::priorSample(*s, mu, mu, noise);
                Result<solvers::SampleOutput> r = Result<solvers::SampleOutput>::failed("no sampler ran");
                if (p.sampler == "pc" || p.sampler == "sgmse-pc") {
                    solvers::PcOptions o;
                    o.common = common;
                    o.common.steps = nfe / (p.correctorSteps + 1);
                    // Both end at the SDE's t_eps (a checkpoint's t_eps, as ScoreModel.get_pc_sampler).
                    if (p.sampler == "sgmse-pc") o.discretisation = solvers::PcDiscretisation::SgmseCode;
                    o.predictor = solvers::Predictor::ReverseDiffusion;
                    o.corrector = p.correctorSteps > 0 ? solvers::Corrector::AnnealedLangevin : solvers::Corrector::None;
                    o.correctorSteps = p.correctorSteps;
                    o.snr = p.snr;
                    o.finalDenoise = p.finalDenoise;
                    r = solvers::samplePc(*s, den, xT, mu, o, ctx);
                } else if (p.sampler == "ode-rk45") {
                    solvers::OdeOptions o;
                    o.common = common;
                    o.common.maxNfe = 2000;
                    o.method = solvers::OdeMethod::DoPri5;
                    o.rtol = p.rtol;
                    o.atol = p.atol;
                    r = solvers::sampleOde(*s, den, xT, mu, o, ctx);
                } else if (isMrs) {
                    solvers::MrsOptions o;
                    o.common = common;
                    o.common.steps = nfe;
                    o.sde = mrs.sde;
                    o.order = mrs.order;
                    o.form = solvers::SolverForm::Data;
                    o.spacing = solvers::Spacing::LogSnr;
                    r = solvers::sampleMrs(*s, den, xT, mu, o, ctx);
                }
                if (!r) return r.error();
                res.nfe = std::max(res.nfe, r.value().nfe);
                enhancedSpec = r.value().x;
            }
            const auto x = fromChannels(enhancedSpec.to(at::kCPU));
            for (std::size_t k = 0; k < count; ++k) {
                Spec sk = specs[k];
                sk.spec = x[std::int64_t(k)];
                auto wave = fromSpec(sk, sp);
                if (!wave) return wave.error();
                const std::int64_t st = starts[first + k];
                const bool isFirst = first + k == 0, isLast = first + k + 1 == starts.size();
                for (std::int64_t i = 0; i < len; ++i) {
                    float w = 1.0f;
                    if (O > 0 && !isFirst && i < O) w = rampAt(i);
                    if (O > 0 && !isLast && i >= len - O) w = std::min(w, rampAt(len - 1 - i));
                    out[std::size_t(st + i)] += w * wave.value()[std::size_t(i)];
                    weight[std::size_t(st + i)] += w;
                }
            }
            Progress pr;
            pr.step = std::int64_t(first + count);
            pr.total = std::int64_t(starts.size());
            pr.nfe = res.nfe;
            pr.message = "chunks";
            ctx.report(pr);
        }
        // Strength: keep the share s of the change, y + s·(x̂ − y), in the waveform (linear, so the
        // same as mixing the spectrograms).
        // The card's default serves denoising; dereverberation removes what the input holds (the
        // room), so mixing the input back would undo it: 1 unless asked for.
        // With a strength curve (the caller's, else the card's) the strength follows how closely
        // what the model removed follows what it kept.
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = weight[i] > 0 ? out[i] / weight[i] : 0.0f;
        res.coherence = removedCoherence(noisy.samples, out, L.info.sampleRate);
        res.removedSnr = removedSnrDb(noisy.samples, out);
        const StrengthCurve& curve = p.strengthCurve.empty() ? L.info.strengthCurve : p.strengthCurve;
        const double strength = p.strength >= 0  ? p.strength
                                : label == 1     ? 1.0
                                : !curve.empty() ? strengthAt(curve, res.coherence)
                                                 : L.info.strength;
        if (strength != 1)
            for (std::size_t i = 0; i < out.size(); ++i)
                out[i] = float(noisy.samples[i] + strength * (double(out[i]) - noisy.samples[i]));
        res.strength = strength;
        res.enhanced.samples = std::move(out);
        res.enhanced.sampleRate = L.info.sampleRate;
        res.seconds = nowSeconds() - t0;
        res.realTimeFactor = res.seconds / noisy.seconds();
        return res;
    });
}

double noiseFloorSnrDb(const std::vector<float>& noisy, int sampleRate) {
    const std::int64_t frame = std::max(16, sampleRate / 1000 * 32), hop = frame / 2;
    if (std::int64_t(noisy.size()) < frame * 4) return 50.0;
    c10::InferenceMode guard;
    const auto x = at::from_blob(const_cast<float*>(noisy.data()), {std::int64_t(noisy.size())}, at::kFloat)
                       .to(at::kDouble);
    const auto w = at::hann_window(frame, /*periodic=*/true, at::TensorOptions().dtype(at::kDouble));
    const auto P =
        at::stft(x, frame, hop, frame, w, /*center=*/false, "reflect", false, true, true).abs().pow(2);
    const std::int64_t T = P.size(1), q = std::max<std::int64_t>(1, T / 5);
    const auto sorted = std::get<0>(P.sort(1));
    // E[X | X below its 20 % quantile] = 0.1074·E[X] for an exponential X (a noise bin's power).
    const double noise = (sorted.narrow(1, 0, q).mean(1) * (1.0 / 0.10739)).sum().item<double>() * double(T);
    const double total = P.sum().item<double>();
    if (!(noise > 0)) return 50.0;
    return std::clamp(10.0 * std::log10(std::max(total - noise, noise * 1e-1) / noise), -10.0, 50.0);
}

Result<std::vector<DenoiserErrorRow>> denoiserErrorBySigma(
    const std::string& modelDir, const std::vector<std::pair<std::vector<float>, std::vector<float>>>& cleanNoisy,
    const std::vector<double>& times, std::uint64_t seed, const JobContext& ctx) {
    using R = Result<std::vector<DenoiserErrorRow>>;
    if (cleanNoisy.empty() || times.empty()) return R::invalid("the error-by-noise-level diagnostic needs pairs and times");
    auto loaded = loadEnhancer(modelDir);
    if (!loaded) return loaded.error();
    const Loaded& L = loaded.value();
    if (L.info.predictive) return R::invalid(L.info.name + " is a predictive model: it has no noise level");
    return guarded<std::vector<DenoiserErrorRow>>("denoiser error by noise level", [&]() -> R {
        c10::InferenceMode inference;
        const auto s = sde::makeOuve(L.ouve);
        const auto den = L.info.published ? publishedScore(L.ncsnpp)
                                          : sde::denoiserFromSigma(*s, residualDenoiser(L.model, -1));
        const std::int64_t S = std::int64_t(L.info.cropFrames - 1) * L.spec.hop;
        std::vector<at::Tensor> x0s, ys;
        for (const auto& [clean, noisy] : cleanNoisy) {
            if (std::int64_t(clean.size()) < S || clean.size() != noisy.size())
                return R::invalid("every pair must be at least one crop long (" + std::to_string(S) + " samples)");
            auto pair = trainingPair(std::vector<float>(clean.begin(), clean.begin() + S),
                                     std::vector<float>(noisy.begin(), noisy.begin() + S), L.spec);
            if (!pair) return pair.error();
            x0s.push_back(pair.value().first);
            ys.push_back(pair.value().second);
        }
        const auto x0 = at::stack(x0s), y = at::stack(ys);
        solvers::Model m(*s, den, y, ctx);
        solvers::NoiseSource noise(seed, solvers::NoiseMode::PerItem);
        std::vector<DenoiserErrorRow> rows;
        for (double t : times) {
            if (ctx.cancelled()) return R::cancelled("denoiser error by noise level: cancelled");
            DenoiserErrorRow row;
            row.t = t;
            row.alpha = s->alpha(t);
            row.sigma = s->sigma(t);
            const auto xt = x0 * row.alpha + y * (1.0 - row.alpha) + noise.randnLike(x0) * row.sigma;
            const auto d = m.data(xt, t);
            row.mseModel = (d - x0).pow(2).mean().item<double>();
            row.mseIdentity = (xt - x0).pow(2).mean().item<double>();
            row.mseNoisy = (y - x0).pow(2).mean().item<double>();
            rows.push_back(row);
        }
        return rows;
    });
}

Result<EnhanceFileResult> enhanceFile(const EnhanceParams& p, const std::string& in, const std::string& out,
                                      const JobContext& ctx, double segmentSeconds, double overlapSeconds) {
    using R = Result<EnhanceFileResult>;
    if (auto v = validateEnhance(p); !v) return v.error();
    if (!(segmentSeconds >= 1.0) || !(overlapSeconds >= 0.0) || !(2 * overlapSeconds < segmentSeconds))
        return R::invalid("segments must be at least 1 s long and overlap by less than half a segment");
    auto model = loadEnhancer(p.modelDir);
    if (!model) return model.error();
    const int rate = model.value().info.sampleRate;
    auto reader = AudioReader::open(in, rate);
    if (!reader) return reader.error();
    SaveWavOptions so;
    so.protectedPath = in;
    auto writer = WavWriter::open(out, rate, so);
    if (!writer) return writer.error();
    auto& rd = reader.value();
    auto& wr = writer.value();

    const double t0 = nowSeconds();
    const std::int64_t L = std::int64_t(std::llround(segmentSeconds * rate));
    const std::int64_t V = std::int64_t(std::llround(overlapSeconds * rate));
    const double totalSeconds = double(rd.expectedFrames()) / double(rate);
    EnhanceFileResult res;
    std::vector<float> buffer; // input samples from the current segment's start on
    std::vector<float> tail;   // the previous segment's enhanced last V samples
    bool eof = false;
    for (int j = 0;; ++j) {
        // Fill one segment plus one sample of look-ahead (to know whether this is the last).
        while (!eof && std::int64_t(buffer.size()) <= L) {
            auto b = rd.read(1 << 16);
            if (!b) return b.error();
            if (b.value().empty()) eof = true;
            buffer.insert(buffer.end(), b.value().begin(), b.value().end());
        }
        if (buffer.empty() && j == 0) return R::invalid(in + " has no audio (0 samples)");
        const bool last = std::int64_t(buffer.size()) <= L;
        const std::int64_t len = std::min<std::int64_t>(L, std::int64_t(buffer.size()));
        Audio seg;
        seg.sampleRate = rate;
        seg.samples.assign(buffer.begin(), buffer.begin() + std::ptrdiff_t(len));
        EnhanceParams ep = p;
        ep.seed = p.seed + 1000003ULL * std::uint64_t(j);
        // The segment's per-batch reports, as seconds of the whole file.
        const double segStart = double(j) * double(L - V) / double(rate), segSeconds = double(len) / double(rate);
        const auto total = std::int64_t(std::ceil(std::max(totalSeconds, segStart + segSeconds)));
        const ProgressFn forward = [&](const Progress& q) {
            if (q.message != "chunks" || q.total <= 0) return;
            Progress pr;
            pr.step = std::int64_t(segStart + segSeconds * double(q.step) / double(q.total));
            pr.total = total;
            pr.nfe = q.nfe;
            pr.message = "seconds";
            ctx.report(pr);
        };
        auto r = enhance(ep, seg, JobContext{forward, ctx.cancel});
        if (!r) return r.error();
        auto& y = r.value().enhanced.samples;
        res.nfe = std::max(res.nfe, r.value().nfe);
        res.chunks += r.value().chunks;
        res.segments = j + 1;
        // Cross-fade the overlap with the previous segment's tail (sin² ramps summing to 1).
        const std::int64_t head = std::int64_t(tail.size());
        for (std::int64_t i = 0; i < head; ++i) {
            const double w = std::pow(std::sin(kPi / 2 * (double(i) + 0.5) / double(head)), 2);
            y[std::size_t(i)] = float(w * y[std::size_t(i)] + (1 - w) * tail[std::size_t(i)]);
        }
        const std::int64_t keep = last ? 0 : V; // held back for the next segment's cross-fade
        if (auto s = wr.write(y.data(), std::size_t(len - keep)); !s) return s.error();
        tail.assign(y.end() - std::ptrdiff_t(keep), y.end());
        if (last) break;
        buffer.erase(buffer.begin(), buffer.begin() + std::ptrdiff_t(L - V));
    }
    if (auto s = wr.commit(); !s) return s.error();
    res.samples = wr.frames();
    res.audioSeconds = double(res.samples) / double(rate);
    res.seconds = nowSeconds() - t0;
    res.realTimeFactor = res.audioSeconds > 0 ? res.seconds / res.audioSeconds : 0;
    res.note = rd.note();
    return res;
}

} // namespace reverie::speech
