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
    /// Safe Latent Diffusion (Schramowski et al. 2023, eqs. 3–8), inference-time guidance away from
    /// a safety concept, one extra network pass per step. Off while safetyPrompt is empty. In ε
    /// form (ε = (x − D)/σ), with the safety term γ_t and its momentum ν_t (ν_0 = 0):
    ///   μ   = min(s_S |ε_c − ε_S|, 1) where ε_c − ε_S < λ, 0 elsewhere        (eq. 6)
    ///   γ_t = μ ⊙ (ε_S − ε_∅) + s_m ν_t                                       (eqs. 5, 7)
    ///   ν_{t+1} = β_m ν_t + (1 − β_m) γ_t                                     (eq. 8)
    ///   ε̄ = ε_∅ + w (ε_c − ε_∅ − γ_t)  from step δ on; before it γ_t is not applied but the
    ///   momentum still accumulates (warm-up).
    /// The defaults are the paper's "medium" configuration; sldPreset() gives the others.
    std::string safetyPrompt;
    double sldScale = 1000;     ///< s_S
    double sldThreshold = 0.01; ///< λ
    double sldMomentum = 0.3;   ///< s_m (0: no momentum)
    double sldBeta = 0.4;       ///< β_m
    /// δ, steps without the safety term; < 0: the paper's share of the run, 10 of 50 steps for
    /// "medium" (sldWarmupShare × steps, rounded).
    int sldWarmup = -1;
    double sldWarmupShare = 0.2;
};

/// The paper's configurations (Schramowski et al. 2023, Table 1 of the supplement), by name:
/// "weak", "medium" (the default), "strong", "max"; the warm-up as a share of the run (δ of 50
/// steps). Other names: false.
bool sldPreset(const std::string& name, TextSampleOptions* o);

/// The warm-up in steps for a run of `steps` (sldWarmup, or the share rounded).
int sldWarmupSteps(const TextSampleOptions& o, int steps);

/// One SLD step in ε form (eqs. 3–8 above): the guided ε̄ from the conditional, unconditional and
/// safety-concept predictions; `momentum` (ν_t, undefined at the first step) is updated in place;
/// `apply` false during the warm-up (γ_t accumulates into ν but is not subtracted).
at::Tensor sldEpsilon(const at::Tensor& ec, const at::Tensor& eu, const at::Tensor& es, at::Tensor& momentum,
                      const TextSampleOptions& o, bool apply);

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
