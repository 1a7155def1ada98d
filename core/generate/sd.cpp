#include "generate/sd.h"
#include "base/text.h"
#include "engine/solvers/consistency.h"
#include "generate/internal.h"
#include "generate/sd_images.h"

#include "base/io.h"
#include "base/runtime.h"
#include "engine/sde/param.h"
#include "engine/sde/sde.h"
#include "engine/solvers/common.h"
#include "models/formats/safetensors.h"
#include "models/sd/clip_text.h"
#include "models/sd/edit.h"
#include "models/sd/files.h"
#include "models/sd/lora.h"
#include "models/sd/tokenizer.h"
#include "models/sd/unet.h"
#include "models/sd/vae.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <sstream>

namespace reverie::generate {
namespace fs = std::filesystem;
using detail::fromRgb;
using detail::latentPreview;
using detail::toRgb;
using namespace models::sd;

namespace {

/// The networks of one checkpoint, kept between runs.
struct SdModels {
    std::string key; ///< path, size, mtime and head options
    std::string name;
    ClipTokenizer tokenizer;
    ClipTextModel text{nullptr};
    SdUNet unet{nullptr};
    SdVae vae{nullptr};
    std::unique_ptr<sde::Sde> sde;
    at::ScalarType dtype = at::kFloat; ///< the networks' weights (SdParams::precision)
    at::Device device = at::kCPU;      ///< where they live (SdParams::device)
    int scheduleSteps = 1000;
    std::vector<std::pair<std::string, at::Tensor>> kv; ///< the UNet's cross-attention K/V (live)
    std::pair<double, double> fingerprint;              ///< kvFingerprint of the K/V as loaded
    /// Parameters a LoRA or an edit changed: "u:"/"t:" + name → (the live tensor, its weights as
    /// loaded). Each run starts by copying them back (restoreLoaded).
    std::map<std::string, std::pair<at::Tensor, at::Tensor>> touched;
};

/// Never destroyed at exit: the tensors must not outlive LibTorch's own statics (releaseSdModels()
/// frees them while the process runs).
std::unique_ptr<SdModels>& cache() {
    static auto* c = new std::unique_ptr<SdModels>();
    return *c;
}

std::string cacheKey(const SdParams& p) {
    std::error_code ec;
    const auto size = fs::file_size(p.checkpoint, ec);
    const auto mtime = fs::last_write_time(p.checkpoint, ec).time_since_epoch().count();
    std::ostringstream k;
    k << p.checkpoint << '|' << size << '|' << mtime << '|' << p.textHeads << '|' << p.unetHeads << '|'
      << p.precision << '|' << p.device;
    return k.str();
}

/// ᾱ from the checkpoint's "alphas_cumprod" buffer (ldm checkpoints keep it) or SD's standard one.
std::vector<double> scheduleOf(const std::vector<std::pair<std::string, at::Tensor>>& tensors, std::string* source) {
    for (const auto& [name, t] : tensors) {
        if (name != "alphas_cumprod") continue;
        const at::Tensor a = t.to(at::kDouble).flatten().contiguous();
        std::vector<double> v(a.data_ptr<double>(), a.data_ptr<double>() + a.numel());
        bool ok = v.size() >= 2;
        for (std::size_t i = 0; ok && i < v.size(); ++i) ok = v[i] > 0 && v[i] < 1 && (i == 0 || v[i] < v[i - 1]);
        if (ok) {
            *source = "the checkpoint's alphas_cumprod";
            return v;
        }
    }
    *source = "the standard scaled-linear schedule";
    return sde::scaledLinearAlphasCumprod();
}

Result<SdModels*> loadModels(const SdParams& p, const JobContext& ctx, double* seconds) {
    const std::string key = cacheKey(p);
    if (cache() && cache()->key == key) return cache().get();
    cache().reset(); // free the old networks before reading the new ones
    const double t0 = nowSeconds();
    Progress pr;
    pr.message = "loading " + fs::path(p.checkpoint).filename().string();
    ctx.report(pr);
    auto file = readSdFile(p.checkpoint);
    if (!file) return file.error();
    const auto& tensors = file.value().tensors;
    ClipTextOptions to;
    if (p.textHeads > 0) to.heads = p.textHeads;
    auto text = clipTextEncoderFromTensors(tensors, to);
    if (!text) return text.error();
    SdUNetOptions uo;
    if (p.unetHeads > 0) uo.numHeads = p.unetHeads;
    auto unet = sdUNetFromTensors(tensors, uo);
    if (!unet) return unet.error();
    auto vae = sdVaeFromTensors(tensors);
    if (!vae) return vae.error();
    const auto& uc = unet.value().model->config();
    const std::int64_t width = text.value().model->config().width;
    if (uc.contextDim != width)
        return Result<SdModels*>::invalid("the UNet cross-attends to " + std::to_string(uc.contextDim) +
                                          "-wide states but the text encoder gives " + std::to_string(width) +
                                          ": the parts do not belong together");
    if (vae.value().model->config().embedDim != uc.inChannels)
        return Result<SdModels*>::invalid("the VAE's latent has " + std::to_string(vae.value().model->config().embedDim) +
                                          " channels but the UNet takes " + std::to_string(uc.inChannels));
    auto tok = ClipTokenizer::load();
    if (!tok) return tok.error();
    auto m = std::make_unique<SdModels>();
    m->key = key;
    m->name = fs::path(p.checkpoint).stem().string();
    m->tokenizer = std::move(tok.value());
    m->text = text.value().model;
    m->unet = unet.value().model;
    m->vae = vae.value().model;
    std::string source;
    const auto abar = scheduleOf(tensors, &source);
    m->scheduleSteps = static_cast<int>(abar.size());
    m->sde = sde::makeDiscreteVp({abar, 20});
    m->kv = crossAttentionKv(*m->unet);
    m->fingerprint = kvFingerprint(m->kv); // of the weights as stored, before any rounding below
    // Module::to swaps each parameter's data in place: the K/V handles above follow.
    m->device = p.device == "cuda" ? at::Device(at::kCUDA) : at::Device(at::kCPU);
    m->dtype = p.precision == "bf16" ? at::kBFloat16 : p.precision == "fp16" ? at::kHalf : at::kFloat;
    if (m->dtype != at::kFloat || !m->device.is_cpu()) {
        m->text->to(m->device, m->dtype);
        m->unet->to(m->device, m->dtype);
        m->vae->to(m->device, m->dtype);
    }
    *seconds = nowSeconds() - t0;
    spdlog::info("SD checkpoint {} loaded in {:.1f} s ({}; {} steps from {})", p.checkpoint, *seconds,
                 file.value().container, abar.size(), source);
    cache() = std::move(m);
    return cache().get();
}

/// Every parameter a LoRA or an edit changed, back to its weights as loaded.
void restoreLoaded(SdModels& m) {
    for (auto& [key, live] : m.touched) live.first.copy_(live.second);
}

/// live += delta, keeping live's loaded weights (the first time) for restoreLoaded.
void change(SdModels& m, const std::string& key, at::Tensor live, const at::Tensor& delta) {
    if (!m.touched.count(key)) m.touched[key] = {live, live.detach().clone()};
    live.add_(delta.to(live.device(), live.scalar_type()));
}

/// Applies the enabled LoRAs (W += weight·ΔW); warnings name LoRA modules that were not applied.
Result<bool> applyLoras(SdModels& m, const std::vector<SdEdit>& loras, std::vector<std::string>* warnings) {
    for (const auto& l : loras) {
        if (l.weight == 0.0) continue;
        auto f = loadLora(l.file, *m.unet, *m.text);
        if (!f) return f.error();
        for (const auto& c : f.value().changes)
            change(m, (c.text ? "t:" : "u:") + c.parameter, c.target, c.delta * l.weight);
        if (!f.value().notApplied.empty())
            warnings->push_back(fs::path(l.file).filename().string() + ": " + std::to_string(f.value().notApplied.size()) +
                                " LoRA modules were not applied (no counterpart in this model, or a LyCORIS kind not read; first: " +
                                f.value().notApplied.front() + ")");
    }
    return true;
}

/// The prompt a membrane's γ is measured against: its end-token state E and its token ids.
struct TransportPrompt {
    at::Tensor state;                 ///< [width]
    std::vector<std::int64_t> tokens; ///< without start and end
};

TransportPrompt transportPrompt(SdModels& m, const std::string& text) {
    const auto batch = m.tokenizer.tokenize({text}, m.text->config().context);
    const at::Tensor states = m.text->forward(batch.ids.to(m.device));
    return {states[0][batch.lengths[0] - 1].to(at::kCPU, at::kDouble), m.tokenizer.encode(text)};
}

/// Facilitated transport (SdParams::transport): γ = max(cosine of the end-token states, the share of
/// the concept's tokens that the prompt has), in [0, 1].
double transportGamma(const TransportPrompt& prompt, const TransportPrompt& concept_) {
    const double cosine =
        (prompt.state * concept_.state).sum().item<double>() /
        std::max(1e-12, prompt.state.norm().item<double>() * concept_.state.norm().item<double>());
    double overlap = 0;
    if (!concept_.tokens.empty()) {
        const std::set<std::int64_t> have(prompt.tokens.begin(), prompt.tokens.end());
        const std::set<std::int64_t> want(concept_.tokens.begin(), concept_.tokens.end());
        std::size_t shared = 0;
        for (auto t : want) shared += have.count(t);
        overlap = double(shared) / double(want.size());
    }
    return std::clamp(std::max(cosine, overlap), 0.0, 1.0);
}

/// Adds Σ weight·ΔW of the enabled concept edits to the K/V weights (an SPM membrane's weight times
/// its γ for `prompt` when transport is on).
Result<bool> applyEdits(SdModels& m, const std::vector<SdEdit>& edits, bool transport,
                        const TransportPrompt& prompt, SdResult* res) {
    for (const auto& e : edits) {
        if (e.weight == 0.0) continue;
        std::map<std::string, std::string> meta;
        auto deltas = readKvEdit(e.file, m.kv, m.fingerprint, &meta);
        if (!deltas) return deltas.error();
        double weight = e.weight;
        if (transport && meta["method"] == "spm" && !meta["concepts"].empty()) {
            const double gamma = transportGamma(prompt, transportPrompt(m, meta["concepts"]));
            weight *= gamma;
            res->transport.emplace_back(fs::path(e.file).filename().string(), gamma);
        }
        for (std::size_t i = 0; i < m.kv.size(); ++i)
            change(m, "u:" + m.kv[i].first, m.kv[i].second, deltas.value()[i] * weight);
    }
    return true;
}

/// A states file (erase/sd_attack.h): "states" [L, W] in place of the prompt's, and
/// where the attack took the negative branch too, "negative_states" [L, W] in place of the negative
/// prompt's (returned stacked as [negative; prompt] then, else [prompt]).
Result<at::Tensor> readPromptStates(const std::string& file, std::int64_t L, std::int64_t W) {
    const std::string name = fs::path(file).filename().string();
    auto f = models::formats::readSafetensors(file);
    if (!f) return f.error();
    const auto fmt = f.value().metadata.find("format");
    const at::Tensor* t = f.value().find("states");
    if (fmt == f.value().metadata.end() || fmt->second != "reverie-sd-states" || !t)
        return Result<at::Tensor>::invalid(name + " is not a text-states file (no format \"reverie-sd-states\" with \"states\")");
    if (t->dim() != 2 || t->size(0) != L || t->size(1) != W)
        return Result<at::Tensor>::invalid(name + " holds states for another text encoder (expected " + std::to_string(L) +
                                           " × " + std::to_string(W) + ")");
    const at::Tensor* n = f.value().find("negative_states");
    if (!n) return t->to(at::kFloat).unsqueeze(0);
    if (n->dim() != 2 || n->size(0) != L || n->size(1) != W)
        return Result<at::Tensor>::invalid(name + "'s negative states do not fit its states");
    return at::stack({n->to(at::kFloat), t->to(at::kFloat)});
}

/// The UNet's ε with classifier-free guidance ε_neg + w(ε_prompt − ε_neg), both halves in one
/// batched pass; states: [2, L, W] (row 0 the negative prompt, row 1 the prompt).
sde::Denoiser guidedNoise(const SdModels& m, double w, const at::Tensor& states, std::int64_t batch) {
    const at::Tensor uncond = states[0].unsqueeze(0).expand({batch, -1, -1});
    const at::Tensor cond = states[1].unsqueeze(0).expand({batch, -1, -1});
    const at::Tensor both = at::cat({uncond, cond});
    const int N = m.scheduleSteps;
    SdUNet unet = m.unet;
    const at::ScalarType dtype = m.dtype;
    sde::Denoiser den;
    den.param = sde::Param::Noise;
    den.fn = [unet, N, w, uncond, cond, both, dtype](const at::Tensor& x, const at::Tensor& t, const at::Tensor&) mutable {
        const std::int64_t b = x.size(0);
        at::Tensor steps = sde::discreteTimesteps(t, b, N, x);
        const at::Tensor xf = x.to(dtype);
        at::Tensor eps;
        if (w == 1.0) {
            eps = unet->forward(xf, steps, cond.narrow(0, 0, b)).to(at::kFloat);
        } else if (w == 0.0) {
            eps = unet->forward(xf, steps, uncond.narrow(0, 0, b)).to(at::kFloat);
        } else {
            const at::Tensor ctx2 = b == cond.size(0) ? both : at::cat({uncond.narrow(0, 0, b), cond.narrow(0, 0, b)});
            const auto e = unet->forward(at::cat({xf, xf}), at::cat({steps, steps}), ctx2).to(at::kFloat).chunk(2);
            eps = e[0] + (e[1] - e[0]) * w;
        }
        return eps.to(x.scalar_type());
    };
    return den;
}

/// The latent sampling starts from, and the steps and start time it sets in *common: the prior
/// draw for text-to-image; for img2img the start image's latent noised to t = strength (the exact
/// VP marginal), ⌈steps · strength⌉ steps.
at::Tensor startLatent(SdModels& m, const SdParams& p, const at::Tensor& like, solvers::NoiseSource& noise,
                       solvers::CommonOptions* common) {
    common->steps = p.steps;
    if (p.initImage.empty()) return solvers::priorSample(*m.sde, like, at::Tensor(), noise);
    const double tStart = std::max(p.strength, 2.0 * m.sde->tEps());
    const at::Tensor z0 =
        m.vae->latents(fromRgb(p.initImage).to(m.device, m.dtype)).to(at::kFloat).expand_as(like);
    common->tStart = tStart;
    common->steps = std::max(1, int(std::ceil(p.steps * p.strength - 1e-9)));
    return z0 * m.sde->alpha(tStart) + noise.randnLike(like) * m.sde->sigma(tStart);
}

/// LCM's multistep sampling (Luo et al. 2023, Algorithm 3) on the checkpoint's schedule: the steps
/// of lcmTimesteps, the boundary condition c_skip = σ_d²/((10k)² + σ_d²), c_out = 10k/√((10k)² + σ_d²)
/// with σ_d = 0.5 at discrete step k (docs/methods.md, "LCM").
Result<solvers::SampleOutput> sampleLcm(const SdModels& m, const sde::Denoiser& den, const at::Tensor& xT,
                                        const solvers::CommonOptions& common, const JobContext& ctx) {
    const int N = m.scheduleSteps;
    solvers::ConsistencyOptions o;
    o.common = common;
    for (const int k : lcmTimesteps(common.steps, N)) o.times.push_back(double(k + 1) / N);
    o.boundary = [N](double t) {
        const double k = std::round(t * N - 1.0) * 10.0, sd2 = 0.25;
        return std::pair<double, double>{sd2 / (k * k + sd2), k / std::sqrt(k * k + sd2)};
    };
    return solvers::sampleConsistency(*m.sde, den, xT, at::Tensor(), o, ctx);
}

struct A1111Name {
    const char* id;
    bool karras;
    double eta; ///< NaN: any
    const char* name;
};
// "Euler" and "Euler a" are DDIM with η = 0 and η = 1 on uniform steps: DDIM is the Euler step of
// the σ̃-space probability-flow ODE, and DDIM η = 1's noise in σ̃ space is Euler ancestral's σ_up
// (docs/methods.md, "Text-to-image with Stable Diffusion").
constexpr double kAny = -1.0;
const A1111Name kNames[] = {
    {"dpmpp-2m", true, kAny, "DPM++ 2M Karras"}, {"dpmpp-2m", false, kAny, "DPM++ 2M"},
    {"dpmpp-2m-sde", true, kAny, "DPM++ 2M SDE Karras"}, {"dpmpp-2m-sde", false, kAny, "DPM++ 2M SDE"},
    {"ddim", false, 0.0, "DDIM"}, {"ddim", false, 1.0, "Euler a"}, {"ddim", true, 0.0, "DDIM Karras"},
    {"ddim", true, 1.0, "Euler a Karras"}, {"edm-heun", true, kAny, "Heun Karras"}, {"lcm", false, kAny, "LCM"},
};

} // namespace

const std::vector<SamplerInfo>& sdSamplers() {
    static const std::vector<SamplerInfo> list = [] {
        std::vector<SamplerInfo> out;
        for (const auto& s : samplers())
            if (s.id == "ddim" || s.id == "dpmpp-2m" || s.id == "dpmpp-2m-sde" || s.id == "edm-heun" ||
                s.id == "edm-sde" || s.id == "em")
                out.push_back(s);
        out.push_back({"lcm", "LCM (LCM-LoRA and LCM-distilled weights, 2–8 steps)", true, false, "NFE = N"});
        return out;
    }();
    return list;
}

Result<bool> validateSd(const SdParams& p) {
    const auto& list = sdSamplers();
    if (std::none_of(list.begin(), list.end(), [&](const SamplerInfo& s) { return s.id == p.sampler; }))
        return Result<bool>::invalid("sampler '" + p.sampler + "' is not offered for Stable Diffusion");
    if (p.checkpoint.empty()) return Result<bool>::invalid("no checkpoint given");
    if (p.steps < 1 || p.steps > 1000) return Result<bool>::invalid("steps must lie in 1…1000");
    if (p.width < 8 || p.height < 8 || p.width > 4096 || p.height > 4096)
        return Result<bool>::invalid("width and height must lie in 8…4096");
    if (p.batch < 1 || p.batch > 64) return Result<bool>::invalid("batch must lie in 1…64");
    if (!std::isfinite(p.guidance) || p.guidance < 0 || p.guidance > 50)
        return Result<bool>::invalid("guidance must lie in 0…50");
    if (!(p.eta >= 0 && p.eta <= 1)) return Result<bool>::invalid("η must lie in 0…1");
    std::string why;
    if (!runtime::deviceUsable(p.device, &why))
        return Result<bool>::invalid("device " + p.device + ": " + why);
    if (p.precision == "fp16" && p.device != "cuda")
        return Result<bool>::invalid("fp16 weights need the GPU (device cuda); on the CPU choose bf16");
    if (p.precision != "fp32" && p.precision != "bf16" && p.precision != "fp16")
        return Result<bool>::invalid("precision '" + p.precision + "' is not one of fp32, bf16, fp16");
    if (p.sampler == "lcm" && p.steps > kLcmOriginSteps)
        return Result<bool>::invalid("LCM takes at most " + std::to_string(kLcmOriginSteps) + " steps (its distillation grid)");
    if (p.sampler == "lcm" && !p.initImage.empty()) return Result<bool>::invalid("img2img is not offered with LCM yet");
    if (!p.initImage.empty()) {
        if (!(p.strength > 0 && p.strength <= 1)) return Result<bool>::invalid("the denoising strength must lie in (0, 1]");
        if (p.initImage.width != p.width || p.initImage.height != p.height)
            return Result<bool>::invalid("the start image is " + std::to_string(p.initImage.width) + "×" +
                                         std::to_string(p.initImage.height) + " but the size asked for is " +
                                         std::to_string(p.width) + "×" + std::to_string(p.height));
        const int c = p.initImage.channels;
        if ((c != 1 && c != 3 && c != 4) ||
            p.initImage.pixels.size() != std::size_t(p.initImage.width) * std::size_t(p.initImage.height) * std::size_t(c))
            return Result<bool>::invalid("the start image's pixels do not match its size");
    }
    return true;
}

void releaseSdModels() { cache().reset(); }

Result<std::string> sdAddonKind(const std::string& file) {
    auto f = models::formats::readSafetensors(file);
    if (!f) return f.error();
    const auto fmt = f.value().metadata.find("format");
    if (fmt != f.value().metadata.end() && fmt->second == "reverie-sd-edit") return std::string("edit");
    for (const auto& [name, t] : f.value().tensors)
        if (name.rfind("lora_unet_", 0) == 0 || name.rfind("lora_te", 0) == 0) return std::string("lora");
    return Result<std::string>::invalid(fs::path(file).filename().string() +
                                        " is neither a concept edit nor a LoRA (no lora_unet_/lora_te_ keys)");
}

Result<SdResult> runSdTextToImage(const SdParams& p, const JobContext& ctx) {
    if (auto v = validateSd(p); !v) return v.error();
    try {
        c10::InferenceMode guard;
        SdResult res;
        auto loaded = loadModels(p, ctx, &res.loadSeconds);
        if (!loaded) return loaded.error();
        SdModels& m = *loaded.value();
        restoreLoaded(m);
        if (auto l = applyLoras(m, p.loras, &res.warnings); !l) return l.error();
        const double t0 = nowSeconds();
        const std::int64_t vaeF = m.vae->downsampling();
        const std::int64_t unetF = std::int64_t(1) << (m.unet->config().channelMult.size() - 1);
        if (p.width % (vaeF * unetF) != 0 || p.height % (vaeF * unetF) != 0)
            return Result<SdResult>::invalid("width and height must be multiples of " + std::to_string(vaeF * unetF) +
                                             " for this model");

        // Text: row 0 the negative prompt, row 1 the prompt.
        const auto batch = m.tokenizer.tokenize({p.negativePrompt, p.prompt}, m.text->config().context);
        if (batch.truncated[1]) res.warnings.push_back("the prompt was cut at 75 tokens");
        if (batch.truncated[0]) res.warnings.push_back("the negative prompt was cut at 75 tokens");
        if (ctx.cancelled()) return Result<SdResult>::cancelled("Stable Diffusion: cancelled");
        at::Tensor states = m.text->forward(batch.ids.to(m.device));
        if (!p.promptStates.empty()) {
            auto own = readPromptStates(p.promptStates, states.size(1), states.size(2));
            if (!own) return own.error();
            const at::Tensor o = own.value().to(states.device(), states.scalar_type());
            states = o.size(0) == 2 ? o : at::stack({states[0], o[0]});
        }
        // The edits change the UNet only, so the text states above hold; a membrane's γ is measured on
        // the prompt's end-token state as the UNet sees it.
        {
            TransportPrompt prompt{states[1][batch.lengths[1] - 1].to(at::kCPU, at::kDouble),
                                   m.tokenizer.encode(p.prompt)};
            if (auto e = applyEdits(m, p.edits, p.transport, prompt, &res); !e) return e.error();
        }
        const std::int64_t B = p.batch;

        const sde::Denoiser den = guidedNoise(m, p.guidance, states, p.batch);
        const auto& uc = m.unet->config();
        const at::Tensor like = at::zeros({B, uc.inChannels, p.height / vaeF, p.width / vaeF},
                                          at::TensorOptions().dtype(at::kFloat).device(m.device));
        solvers::NoiseSource noise(p.seed, solvers::NoiseMode::PerItem);
        solvers::CommonOptions common;
        const at::Tensor xT = startLatent(m, p, like, noise, &common);
        common.seed = p.seed + 0x9E3779B97F4A7C15ULL; // sampler noise apart from the latent draw
        const int totalUnits = common.steps + p.batch; // sampling steps, then one decode per image
        common.onStep = [&](const solvers::StepInfo& st) {
            Progress pr = solvers::stepProgress(st, p.sampler);
            pr.total = totalUnits;
            const double elapsed = nowSeconds() - t0;
            const double left = elapsed / st.step * (st.total - st.step);
            pr.message = p.sampler + ", about " + std::to_string(int(std::lround(left))) + " s of sampling left";
            if (p.previews && st.x0) pr.preview = latentPreview(*st.x0);
            ctx.report(pr);
        };
        auto out = p.sampler == "lcm" ? sampleLcm(m, den, xT, common, ctx) : [&] {
            detail::SamplerSettings ss;
            ss.id = p.sampler;
            ss.eta = p.eta;
            ss.spacing = p.karras ? solvers::Spacing::Karras : solvers::Spacing::UniformT;
            return detail::runSampler(ss, *m.sde, den, xT, common, ctx);
        }();
        if (!out) return out.error();
        res.nfe = out.value().nfe;
        res.steps = out.value().steps;
        const at::Tensor latents = out.value().x.to(at::kFloat);
        for (std::int64_t i = 0; i < B; ++i) {
            if (ctx.cancelled()) return Result<SdResult>::cancelled("Stable Diffusion: cancelled while decoding");
            res.images.push_back(toRgb(m.vae->image(latents.narrow(0, i, 1).to(m.dtype)).to(at::kFloat)));
            Progress pr;
            pr.step = common.steps + i + 1;
            pr.total = totalUnits;
            pr.nfe = res.nfe;
            pr.message = "VAE decode " + std::to_string(i + 1) + "/" + std::to_string(B);
            ctx.report(pr);
        }
        res.seconds = nowSeconds() - t0;
        res.parameters = sdParametersText(p, m.name);
        for (const torch::nn::Module* net : {static_cast<const torch::nn::Module*>(m.text.get()),
                                             static_cast<const torch::nn::Module*>(m.unet.get()),
                                             static_cast<const torch::nn::Module*>(m.vae.get())})
            for (const auto& t : net->parameters()) res.weightBytes += t.numel() * std::int64_t(t.element_size());
        return res;
    } catch (const std::exception& e) {
        return Result<SdResult>::failed(std::string("Stable Diffusion: ") + firstLine(e.what()));
    }
}

std::string sdParametersText(const SdParams& p, const std::string& modelName) {
    std::string sampler = p.sampler;
    for (const auto& n : kNames)
        if (p.sampler == n.id && (p.karras == n.karras || p.sampler.rfind("edm", 0) == 0 || p.sampler == "lcm") &&
            (n.eta < 0 || n.eta == p.eta)) {
            sampler = n.name;
            break;
        }
    std::ostringstream o;
    o << p.prompt << '\n';
    if (!p.negativePrompt.empty()) o << "Negative prompt: " << p.negativePrompt << '\n';
    o << "Steps: " << p.steps << ", Sampler: " << sampler << ", CFG scale: " << detail::fmt(p.guidance, 1)
      << ", Seed: " << p.seed << ", Size: " << p.width << 'x' << p.height;
    if (!modelName.empty()) o << ", Model: " << modelName;
    if (!p.initImage.empty()) o << ", Denoising strength: " << detail::fmt(p.strength, 2);
    return o.str();
}

namespace {

/// "Key: value, Key: value, …" (a value may be quoted) → key → value.
std::map<std::string, std::string> settingsOf(const std::string& settings) {
    std::map<std::string, std::string> kv;
    std::size_t i = 0;
    while (i < settings.size()) {
        const auto colon = settings.find(':', i);
        if (colon == std::string::npos) break;
        const std::string key = trim(settings.substr(i, colon - i));
        std::size_t j = colon + 1;
        while (j < settings.size() && settings[j] == ' ') ++j;
        std::string value;
        const bool quoted = j < settings.size() && settings[j] == '"';
        if (quoted) {
            const auto end = settings.find('"', j + 1);
            value = settings.substr(j + 1, (end == std::string::npos ? settings.size() : end) - j - 1);
            j = end == std::string::npos ? settings.size() : end + 1;
        }
        const auto comma = settings.find(',', j);
        if (!quoted) value = settings.substr(j, (comma == std::string::npos ? settings.size() : comma) - j);
        i = comma == std::string::npos ? settings.size() : comma + 1;
        kv[key] = trim(value);
    }
    return kv;
}

/// An A1111 sampler name ("DPM++ 2M Karras", "Euler a", …) or one of sdSamplers()'s ids into p.
bool samplerFromName(const std::string& name, SdParams* p) {
    for (const auto& n : kNames)
        if (name == n.name) {
            p->sampler = n.id;
            p->karras = n.karras;
            if (n.eta >= 0) p->eta = n.eta;
            return true;
        }
    if (name == "Euler") {
        p->sampler = "ddim";
        p->karras = false;
        p->eta = 0.0;
        return true;
    }
    if (name == "Heun") {
        p->sampler = "edm-heun";
        return true;
    }
    const auto& list = sdSamplers();
    if (std::none_of(list.begin(), list.end(), [&](const SamplerInfo& s) { return s.id == name; })) return false;
    p->sampler = name;
    return true;
}

} // namespace

Result<SdParams> parseSdParametersText(const std::string& text, const SdParams& base) {
    SdParams p = base;
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    while (!lines.empty() && trim(lines.back()).empty()) lines.pop_back();
    if (lines.empty() || trim(lines.back()).rfind("Steps:", 0) != 0)
        return Result<SdParams>::invalid("not A1111 parameters: the last line does not start with \"Steps:\"");
    const std::string settings = trim(lines.back());
    lines.pop_back();
    std::string prompt, negative;
    bool inNegative = false;
    for (const auto& l : lines) {
        if (l.rfind("Negative prompt:", 0) == 0) {
            inNegative = true;
            negative = trim(l.substr(16));
            continue;
        }
        std::string& target = inNegative ? negative : prompt;
        target += (target.empty() ? "" : "\n") + l;
    }
    p.prompt = prompt;
    p.negativePrompt = negative;
    const std::map<std::string, std::string> kv = settingsOf(settings);
    auto number = [&](const char* key, double* out) -> bool {
        const auto it = kv.find(key);
        if (it == kv.end()) return true;
        try {
            std::size_t used = 0;
            *out = std::stod(it->second, &used);
            return used == it->second.size();
        } catch (...) {
            return false;
        }
    };
    double steps = p.steps, cfg = p.guidance, seed = double(p.seed);
    // Ranges before conversions: a crafted "Seed: 99999999999999999999" or "Steps: 1e300" once
    // threw out of std::stoull / overflowed int (found by the sdparams fuzz target).
    if (!number("Steps", &steps) || !number("CFG scale", &cfg) || !number("Seed", &seed) || !(steps >= 1 && steps <= 1e6) ||
        !std::isfinite(cfg) || !(seed >= 0 && seed < 18446744073709551616.0))
        return Result<SdParams>::invalid("A1111 parameters: Steps, CFG scale or Seed is not a number in range");
    p.steps = int(steps);
    p.guidance = cfg;
    double strength = p.strength;
    if (!number("Denoising strength", &strength) || !(strength > 0 && strength <= 1))
        return Result<SdParams>::invalid("A1111 parameters: Denoising strength is not a number in (0, 1]");
    p.strength = strength;
    if (const auto it = kv.find("Seed"); it != kv.end()) {
        const std::string& v = it->second;
        const bool digits = !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
        p.seed = static_cast<std::uint64_t>(seed); // "1e5": a number, but not digits
        if (digits) {
            try {
                p.seed = std::stoull(v); // exact above 2^53, where the double is not
            } catch (const std::out_of_range&) {
            }
        }
    }
    if (const auto it = kv.find("Size"); it != kv.end()) {
        const auto x = it->second.find('x');
        try {
            if (x == std::string::npos) throw std::invalid_argument("size");
            p.width = std::stoi(it->second.substr(0, x));
            p.height = std::stoi(it->second.substr(x + 1));
        } catch (...) {
            return Result<SdParams>::invalid("A1111 parameters: Size \"" + it->second + "\" is not W×H");
        }
    }
    if (const auto it = kv.find("Sampler"); it != kv.end()) {
        const auto st = kv.find("Schedule type");
        if (!samplerFromName(it->second + (st != kv.end() && st->second == "Karras" ? " Karras" : ""), &p))
            return Result<SdParams>::invalid("A1111 parameters: sampler \"" + it->second + "\" is not offered here");
    }
    return p;
}

std::vector<int> lcmTimesteps(int steps, int trainSteps, int originSteps) {
    std::vector<int> out;
    if (steps < 1 || originSteps < 1 || trainSteps < originSteps || steps > originSteps) return out;
    const int c = trainSteps / originSteps;
    for (int j = 0; j < steps; ++j) {
        const int index = int(std::floor(double(j) * originSteps / steps)); // into the reversed grid
        out.push_back((originSteps - index) * c - 1);
    }
    return out;
}

SdEstimate estimateSd(const SdParams& p) {
    const int evalsPerStep = p.sampler == "edm-heun" || p.sampler == "edm-sde" ? 2 : 1;
    const int steps = p.initImage.empty() ? p.steps : std::max(1, int(std::ceil(p.steps * p.strength - 1e-9)));
    SdEstimate e;
    e.unetPasses = double(evalsPerStep) * steps * std::max(1, p.batch) * (p.guidance == 1.0 ? 1.0 : 2.0);
    const double area = (p.width / 8.0) * (p.height / 8.0) / (64.0 * 64.0); // latent area / 64²
    // Seconds per pass at 64² and 32² latents and per 512² decode, measured (README's cost table).
    const bool bf16 = p.precision == "bf16";
    const double at64 = bf16 ? 2.46 : 20.3, at32 = bf16 ? 0.64 : 2.1, decode = bf16 ? 6.36 : 7.8;
    const double perPass = at64 * std::pow(area, std::log(at64 / at32) / std::log(4.0));
    e.cpuSeconds = e.unetPasses * perPass + std::max(1, p.batch) * decode * area;
    return e;
}

} // namespace reverie::generate
