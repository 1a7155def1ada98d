#pragma once
// Text-to-image with a Stable Diffusion 1.x checkpoint (one .safetensors or .ckpt holding the
// text encoder, UNet and VAE): prompt and negative prompt → CLIP states → the UNet's ε served to
// the engine as a VP SDE on SD's discrete schedule (engine/sde/sde.h, makeDiscreteVp) with
// classifier-free guidance ε = ε_neg + w(ε_prompt − ε_neg) → the engine's samplers in latent space
// → the VAE decoder. Torch-free API (ImageU8 out). Method: docs/methods.md, "Stable Diffusion's
// schedule" and "Text-to-image with Stable Diffusion".
//
// Thread rules: run on the engine thread; the loaded networks are kept (one checkpoint at a time)
// until releaseSdModels() or another checkpoint is asked for. Checks the cancel token before every
// network evaluation; reports every sampling step (with a cheap latent → RGB preview of item 0
// and the time left) and then each VAE decode.
// Failure: errors as values; a file that is not an SD 1.x checkpoint is refused with what it is.

#include "base/job.h"
#include "generate/generate.h"

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::generate {

/// A concept edit made by erase/sd_erase.h (a .safetensors of ΔW for the cross-attention K/V
/// matrices), applied as W = W₀ + Σ weight·ΔW. Weight 0 turns it off.
struct SdEdit {
    std::string file;
    double weight = 1.0;
};

struct SdParams {
    std::string checkpoint;           ///< .safetensors or .ckpt with text encoder, UNet and VAE
    std::string prompt;
    std::string negativePrompt;       ///< the unconditional half of guidance ("" = the empty prompt)
    int width = 512, height = 512;    ///< multiples of 8·2^(UNet levels − 1) (64 for SD 1.x)
    int steps = 20;
    std::string sampler = "dpmpp-2m"; ///< one of sdSamplers(); "lcm" for LCM-LoRA / LCM weights (guidance 1–2)
    bool karras = true;               ///< Karras σ spacing for "ddim" and "dpmpp-" (EDM always uses it)
    double guidance = 7.5;            ///< w; 1 evaluates only the prompt (half the work)
    std::uint64_t seed = 0;           ///< item i starts from the latent noise of seed + i
    int batch = 1;
    double eta = 0.0;                 ///< DDIM's η
    /// The networks' weights in memory: "fp32", or "bf16" (half the memory: ~2.2 GB instead of
    /// ~4.3 GB for SD 1.x, rounded to 8 mantissa bits; sampling and guidance stay in fp32). "fp16"
    /// needs device "cuda" and is refused on the CPU.
    std::string precision = "fp32";
    /// Where the networks and the sampler run: "cpu", or "cuda" (a CUDA build of LibTorch with a
    /// visible GPU; refused with the reason otherwise, before anything loads). Images come back to
    /// the CPU either way.
    std::string device = "cpu";
    int textHeads = 0;                ///< 0: width/64 (the published encoders)
    int unetHeads = 0;                ///< 0: 8 (SD 1.x)
    bool previews = true;
    /// SPM membranes (edits of method "spm", erase/sd_erase.h): facilitated transport (Lyu et al.
    /// 2024, §3.3) scales each by γ = max(cos(E(prompt), E(concept)), |tokens(prompt) ∩
    /// tokens(concept)| / |tokens(concept)|), E the text encoder's state at the end token, so that a
    /// membrane acts on its own concept and lets others through; false applies it at its weight.
    bool transport = true;
    std::vector<SdEdit> edits;        ///< concept edits to apply (refused when made for another model)
    /// A text-states file (erase/sd_attack.h's attacks write them) used in place of the
    /// prompt's encoded states; "" = encode the prompt. The prompt text is still written into the
    /// parameters.
    /// A file with "negative_states" (an attack on both guidance branches) replaces the negative
    /// prompt's states too.
    std::string promptStates;
    /// LoRA files (kohya/A1111 .safetensors, models/sd/lora.h), each W += weight·(α/r)·up·down;
    /// weight 0 turns one off. Applied before the concept edits.
    std::vector<SdEdit> loras;
    /// img2img: a start image of width × height (RGB, grey or RGBA); empty = text-to-image. Its
    /// latent (the VAE encoder's mean) is noised to t = strength and sampled from there with
    /// ⌈steps · strength⌉ steps.
    ImageU8 initImage;
    double strength = 0.75;           ///< (0, 1]: 1 keeps almost nothing of the start image
};

/// The samplers offered for SD (ids as generate.h's samplers(); the t-space ODE solvers and DLG
/// are not offered, docs/methods.md says why).
const std::vector<SamplerInfo>& sdSamplers();

/// Refuses bad settings before anything is loaded (InvalidInput).
Result<bool> validateSd(const SdParams& p);

struct SdResult {
    std::vector<ImageU8> images;      ///< RGB, width × height
    std::int64_t nfe = 0;             ///< UNet evaluations (a guided evaluation is one batched pass)
    int steps = 0;
    double seconds = 0;               ///< sampling and decoding, without loading
    double loadSeconds = 0;           ///< 0 when the networks were already loaded
    std::int64_t weightBytes = 0;     ///< the three networks' parameters in memory (precision's size)
    std::string parameters;           ///< the A1111 "parameters" text of the run (sdParametersText)
    std::vector<std::string> warnings;///< e.g. a prompt cut at 75 tokens, LoRA modules not applied
    /// Each SPM membrane applied with transport: its file name and γ.
    std::vector<std::pair<std::string, double>> transport;
};
Result<SdResult> runSdTextToImage(const SdParams& p, const JobContext& ctx);

/// LCM's steps on a schedule of trainSteps: the distillation grid k = (i+1)·⌊trainSteps/originSteps⌋ − 1,
/// i = 0…originSteps−1, walked from the top at the indices ⌊j·originSteps/steps⌋, j = 0…steps−1
/// (diffusers' LCMScheduler; 4 steps of 1000: 999, 759, 499, 259). Empty for steps outside
/// 1…originSteps.
constexpr int kLcmOriginSteps = 50;
std::vector<int> lcmTimesteps(int steps, int trainSteps = 1000, int originSteps = kLcmOriginSteps);

/// A run's cost before it starts: UNet passes (a guided step evaluates prompt and negative prompt,
/// two passes; EDM Heun and EDM SDE evaluate twice per step; img2img runs ⌈steps·strength⌉ steps)
/// and the seconds SD 1.5 takes for them and the VAE decodes on the reference 2-core CPU, from the
/// measured 20.3 s per pass at a 64² latent and 2.1 s at 32² (a power law in the latent's area
/// between them) and 7.8 s per 512² decode; with bf16 weights 2.46 s, 0.64 s and 6.36 s (that CPU
/// has AVX-512 BF16; README, "Stable Diffusion 1.x", cost table).
struct SdEstimate {
    double unetPasses = 0;
    double cpuSeconds = 0;
};
SdEstimate estimateSd(const SdParams& p);

/// What an add-on file is: "edit" (a concept edit of erase/sd_erase.h) or "lora" (kohya/A1111
/// LoRA keys); InvalidInput for anything else, with what it is.
Result<std::string> sdAddonKind(const std::string& file);

/// Drops the kept networks (frees their memory).
void releaseSdModels();

/// The settings as AUTOMATIC1111's web UI writes them into a PNG's "parameters" text:
///   prompt
///   Negative prompt: …              (only when there is one)
///   Steps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7.5, Seed: 1, Size: 512x512, Model: name
/// (with ", Denoising strength: 0.75" for img2img).
/// Samplers without an A1111 name are written by id ("Sampler: edm-sde").
std::string sdParametersText(const SdParams& p, const std::string& modelName);
/// The inverse: reads prompt, negative prompt, steps, sampler, CFG scale, seed, size and denoising
/// strength into a copy
/// of `base` (other keys are ignored). InvalidInput when the last line has no "Steps:" or a value
/// does not parse, or the sampler is not one of sdSamplers().
Result<SdParams> parseSdParametersText(const std::string& text, const SdParams& base = {});

} // namespace reverie::generate
