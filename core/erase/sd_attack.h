#pragma once
// Attacks on a Stable Diffusion concept edit (erase/sd_erase.h): text states that bring the erased
// concept back through the edited model, written as a states file (.safetensors, "states" and,
// for an attack on both guidance branches, "negative_states"; format "reverie-sd-states") that
// generate/sd.h takes in place of the prompt's (SdParams::promptStates). Two attacks: RECE's
// closed form (runSdAttack) and the search through the whole sampling run (runSdSamplerAttack).
//
// Thread rules: run on the engine thread. Failure: errors as values (a file that is not SD 1.x,
// an edit made for another model, bad settings, an unusable device); cancel writes no file.

#include "base/job.h"

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::erase {

/// RECE's closed-form attack on an edit (its regeneration embedding, eq. 6 of Gong et al. 2024):
/// the text states c′ = (λI + Σ W′ᵀW′)⁻¹ (Σ W′ᵀW) c* whose keys and values through the edited
/// matrices W′ come closest to what the concept's own states c* gave through the original W. They
/// are written as a states file (.safetensors, "states" [77, width], format "reverie-sd-states")
/// that generate/sd.h takes in place of a prompt's (SdParams::promptStates): generate with the edit
/// on, and if the concept shows, the edit was bypassed.
struct SdAttackParams {
    std::string checkpoint;
    std::string edit;     ///< the edit file (erase/sd_erase.h) to attack
    std::string prompt;   ///< the erased prompt
    double lambda = 1e-3; ///< ridge (RECE's default for objects and artists)
    /// Also the guidance's other branch: the empty prompt's states get their own regeneration
    /// embedding, written as "negative_states" (generation uses them in place of the negative
    /// prompt's). Where the edit moved the empty prompt's keys and values too, guidance otherwise
    /// keeps that part of the edit.
    bool negative = false;
    int textHeads = 0, unetHeads = 0;
    std::string output; ///< the states file to write
};
struct SdAttackResult {
    /// Relative K/V residual ‖W′c − Wc*‖ / ‖Wc*‖ over the 32 matrices for c = c* (what the edit
    /// changed for the plain prompt) and for c = c′ (what is left after the attack).
    double residualPrompt = 0, residualAttack = 0;
    /// The same for the empty prompt's states (negative: the attack's; else both the edit's).
    double residualNegativePrompt = 0, residualNegativeAttack = 0;
    double normRatio = 0; ///< ‖c′‖ / ‖c*‖
    double seconds = 0;
};
Result<SdAttackResult> runSdAttack(const SdAttackParams& p, const JobContext& ctx);

/// The attack through the whole sampling run on Stable Diffusion (the text-conditional model's
/// samplerAttack, erase/concepts.h, with the unedited model as its judge instead of a classifier,
/// which SD files do not carry): the prompt's text states c are optimised (Adam) so that the
/// *edited* model's guided sample from a seed lands on the latent the *original* model sampled
/// for the concept's prompt from the same seed,
///     min_c  Σ_seeds ‖x₀(edited, c; x_T) − x₀(original, c*; x_T)‖²,
/// the gradient taken through every step of the sampler (reversible Heun on the probability-flow
/// ODE with classifier-free guidance; engine/grad/samplergrad.h, memory flat in the steps). The
/// states are then judged on seeds the search never saw. What comes back is the same kind of
/// states file as runSdAttack's, which Generate takes in place of the prompt's.
struct SdSamplerAttackParams {
    std::string checkpoint;
    std::string edit;     ///< the edit file (erase/sd_erase.h) to attack
    std::string prompt;   ///< the erased prompt
    int iterations = 20;  ///< Adam steps
    int trainSeeds = 4;   ///< seeds the search fits (their original samples are the targets)
    int batch = 2;        ///< of those, seeds per step (cycled)
    int heldOutSeeds = 4; ///< seeds that judge the states afterwards
    int steps = 8;        ///< reversible-Heun steps (NFE per seed: 9 forward, 17 backward, ×2 guided)
    double guidance = 7.5;
    double lr = 0.05;        ///< Adam's rate on the states (chosen on the tiny fixture: 0.02 fits slower)
    int latentSize = 64;     ///< latent side (64: 512² images)
    std::uint64_t seed = 23; ///< the training seeds are seed … seed + trainSeeds − 1, held-out ones follow
    /// Optimise the empty prompt's states (guidance's other branch) too, written as
    /// "negative_states" (generation uses them in place of the negative prompt's).
    bool negative = false;
    /// "cpu" or "cuda" (the UNet, the text encoder and the search on the GPU; refused with the
    /// reason where unusable). On SD 1.x's 64² latents this attack is a GPU job.
    std::string device = "cpu";
    int textHeads = 0, unetHeads = 0;
    std::string output; ///< the states file to write
};
struct SdSamplerAttackResult {
    std::vector<double> losses; ///< per Adam step: mean ‖x₀ − target‖² per latent element
    /// Mean squared latent distance to the original model's sample of the prompt, per element:
    /// the edited model with the prompt's states, and with the attack's, on the training seeds and
    /// on the held-out seeds. The attack undid the edit where `heldOutAttack` ≪ `heldOutEdited`.
    double trainEdited = 0, trainAttack = 0, heldOutEdited = 0, heldOutAttack = 0;
    double normRatio = 0;                         ///< ‖c‖ / ‖c*‖
    std::int64_t forwardNfe = 0, backwardNfe = 0; ///< of the search, all steps together
    double loadSeconds = 0, targetSeconds = 0, searchSeconds = 0;
};
/// Progress: the targets, then each Adam step (message "sampler attack", values {loss}). Cancel:
/// no file is written.
Result<SdSamplerAttackResult> runSdSamplerAttack(const SdSamplerAttackParams& p, const JobContext& ctx);
/// What runSdSamplerAttack will cost, in UNet passes of one latent (a guided evaluation is two):
/// the search's iterations · batch · (3·steps + 2) (reversible Heun: steps + 1 forward, 2·steps + 1
/// backward), and three sampling runs (original, edited, attacked) of steps + 1 on every seed.
std::int64_t samplerAttackUnetPasses(const SdSamplerAttackParams& p);

} // namespace reverie::erase
