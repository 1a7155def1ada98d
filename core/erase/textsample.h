#pragma once
// Sampling from the text-conditional model (models/textmodel.h) with classifier-free guidance and,
// optionally, Safe Latent Diffusion: what the Erase workbench and the erasure bench regenerate.
//
// Thread rules: call on the engine thread; sample() sets NoGradGuard and eval mode for its own
// duration. Failure: errors come back as values (unknown words, bad seeds, cancel).

#include "base/job.h"
#include "models/textmodel.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::erase {

struct TextSampleOptions {
    double guidance = 3.0;   ///< CFG weight w: D = D_∅ + w (D_c − D_∅); 1 = conditional only, 0 = unconditional
    int steps = 20;          ///< DPM-Solver++(2M) steps on the VP SDE (NFE = steps)
    std::string sde = "vp";  ///< "ve", "vp" or "subvp" (the σ-denoiser is served to each by rescaling)
    /// Safe Latent Diffusion (Schramowski et al. 2023), inference-time guidance away from a
    /// safety concept, one extra network pass per step. Off while safetyPrompt is empty. In ε
    /// form (ε = (x − D)/σ): ε̄ = ε_∅ + w (ε_c − ε_∅ − μ ⊙ (ε_S − ε_∅)), μ = min(s_S |ε_c − ε_S|, 1)
    /// where ε_c − ε_S < λ and 0 elsewhere, applied from step `sldWarmup` on (no momentum).
    std::string safetyPrompt;
    double sldScale = 1000;     ///< s_S
    double sldThreshold = 0.01; ///< λ
    int sldWarmup = 0;          ///< steps without the safety term
};

struct TextSamples {
    std::vector<ImageU8> images; ///< 28×28 grey, one per item
    at::Tensor x;                ///< [B, 1, 28, 28] float in [−1, 1] (e.g. for a classifier)
    std::int64_t nfe = 0;
};

/// Samples one image per prompt; item i starts from noise of seeds[i] alone (the same seed gives
/// the same image whatever else is in the batch). prompts.size() == seeds.size() ≥ 1.
Result<TextSamples> sample(models::TextDenoiser& model, const std::vector<std::string>& prompts,
                           const std::vector<std::uint64_t>& seeds, const TextSampleOptions& options = {},
                           const JobContext& ctx = {});

/// The same from a caller's context [B, L, dim] (and mask [B, L] bool, undefined = all real),
/// e.g. an adversarial embedding; the unconditional half still uses the model's <null> prompt.
Result<TextSamples> sampleContext(models::TextDenoiser& model, const at::Tensor& context, const at::Tensor& mask,
                                  const std::vector<std::uint64_t>& seeds, const TextSampleOptions& options = {},
                                  const JobContext& ctx = {});

} // namespace reverie::erase
