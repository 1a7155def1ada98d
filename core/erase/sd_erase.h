#pragma once
// Concept erasure on a Stable Diffusion 1.x file: UCE or RECE in closed form (erase/closed_form.h),
// or ESD-x / an SPM membrane by fine-tuning (runSdEsd),
// on the UNet's cross-attention key/value projections (32 matrices in SD 1.x), with the concept,
// guide and preserve embeddings taken from the file's own CLIP text encoder as UCE's official
// procedure takes them (docs/methods.md, "Concept erasure on Stable Diffusion"). The result is an
// edit file: a .safetensors of ΔW per matrix (names as in the checkpoint) that Generate's Stable
// Diffusion tab applies with a weight and toggles (generate/sd.h, SdParams::edits), never a
// modified copy of the 4 GB checkpoint.
//
// Thread rules: run on the engine thread. Failure: errors as values (a file that is not SD 1.x, an
// empty concept, a singular system); the edit file is written atomically.

#include "base/job.h"

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::erase {

struct SdEraseParams {
    std::string checkpoint;
    std::vector<std::string> concepts;  ///< prompts to erase ("van gogh", "nudity", …)
    std::string guide;                  ///< what they should produce instead ("" = the empty prompt)
    std::vector<std::string> preserve;  ///< prompts whose outputs must not move
    std::string method = "uce";         ///< "uce" or "rece"
    double eta = 1.0, lambda1 = 0.1, lambda2 = 0.1; ///< UCE's terms (RECE's defaults)
    int receEpochs = 1;                 ///< RECE rounds after the UCE edit
    double receLambda = 1e-3;           ///< RECE's ridge (0.1 nudity, 1e-3 objects and artists)
    int textHeads = 0, unetHeads = 0;   ///< 0: SD 1.x (width/64, 8)
    std::string output;                 ///< the edit file to write (.safetensors)
};

struct SdEraseResult {
    int matrices = 0;          ///< K/V matrices edited
    int eraseRows = 0;         ///< embedding rows erased (the concepts' token states, RECE's added ones)
    double solveSeconds = 0;   ///< the closed-form edit itself
    double encodeSeconds = 0;  ///< the text encoder on every prompt
    double loadSeconds = 0;
    /// ‖W'c_e − W c_guide‖ / ‖W c_e − W c_guide‖ over the erase rows and matrices: how much of the
    /// gap to the guide the edit closed (0 = all of it).
    double residual = 0;
    /// ‖W'c_p − W c_p‖ / ‖W c_p‖ over the preserve rows (0 without preserve prompts).
    double preserveDrift = 0;
};
Result<SdEraseResult> runSdErase(const SdEraseParams& p, const JobContext& ctx);

/// ESD-x on a Stable Diffusion 1.x file (Gandikota et al. 2023, eq. 4): the cross-attention K/V
/// projections are trained so that the prompt's noise prediction becomes the frozen model's
/// negatively guided one, ε_θ'(x_t, c, t) → ε_θ(x_t, t) − η(ε_θ(x_t, c, t) − ε_θ(x_t, t)). As on the
/// text-conditional model (erase/finetune.h), x_t is drawn by noising latents from a pool of the
/// frozen model's own samples of the prompt (DDIM, guidance 3) at a uniform discrete timestep,
/// instead of sampling the edited model afresh at every step (docs/methods.md, "ESD"). The result
/// is the same kind of edit file as UCE's (ΔW per K/V matrix), toggled and weighted alike.
///
/// method "spm" trains an SPM membrane instead (Lyu et al. 2024): the same erase loss on a rank-1
/// ΔW = U Dᵀ per K/V matrix (U zero-, D Kaiming-initialised), plus latent anchoring: the noise
/// predictions for random anchor contexts (a = s‖c‖ n/‖n‖, s ~ U[0.8, 1.2], n Gaussian, kept with
/// probability 1 − cos(c, n)) and for the empty prompt must not move, weighted by anchorWeight.
/// The paper wraps every linear layer of the transformer blocks; this wraps the K/V projections
/// only, like ESD-x and the closed forms (docs/methods.md, "SPM").
struct SdEsdParams {
    std::string method = "esd"; ///< "esd" or "spm"
    std::string checkpoint;
    std::string concept_; ///< the prompt to erase
    double eta = 1.0;     ///< negative-guidance strength of the target
    int steps = 200;      ///< the paper trains 1000 at lr 1e-5 (batch 1) on a GPU (SPM: 3000 at 1e-4)
    int batch = 1;
    double lr = 0;              ///< Adam's rate; 0: the method's published one (ESD 1e-5, SPM 1e-4)
    double anchorWeight = 1000; ///< SPM: weight of the anchoring loss (the paper's)
    int anchors = 1;            ///< SPM: random anchor contexts per step (the empty prompt is one more)
    int poolImages = 4;        ///< the frozen model's latents of the prompt
    int poolSteps = 20;        ///< DDIM steps for the pool
    double poolGuidance = 3.0; ///< ESD's start guidance
    int latentSize = 64;       ///< latent side (64: 512² images)
    std::uint64_t seed = 17;
    int textHeads = 0, unetHeads = 0;
    std::string output; ///< the edit file to write (.safetensors)
};
struct SdEsdResult {
    int matrices = 0;
    std::vector<double> losses;       ///< per step (the erase loss)
    std::vector<double> anchorLosses; ///< SPM: the unweighted anchoring loss per step
    /// The ESD objective ‖ε_θ'(x_t, c) − target‖² on a held-out batch (fresh noise, timesteps and
    /// pool latents the training never drew), before and after training: what the edit learned.
    double heldOutBefore = 0, heldOutAfter = 0;
    double deltaRatio = 0; ///< ‖ΔW‖/‖W‖ over the K/V matrices
    /// What the edit moved on the held-out batch, mean (ε_θ' − ε_θ)²: for the concept's prompt, and
    /// for held-out anchors (the empty prompt and two random contexts of the prompt's norm). A
    /// selective edit moves the first and not the second.
    double conceptShift = 0, anchorShift = 0;
    double loadSeconds = 0, poolSeconds = 0, trainSeconds = 0;
};
/// The fine-tuning settings for an erase request of method "esd" or "spm" (its method,
/// checkpoint, first concept, heads and output; the rest at SdEsdParams' defaults).
SdEsdParams finetuneParams(const SdEraseParams& p);
/// Progress: the pool, then every training step (message "ESD" or "SPM", values {loss}). Cancel:
/// no file is written.
Result<SdEsdResult> runSdEsd(const SdEsdParams& p, const JobContext& ctx);

/// `reverie-cli bench sd-erase`: the closed-form edit's time on the full SD 1.x shapes (the 32
/// K/V matrices of 320/640/1280 × 768, random weights; one concept of `rows` 768-wide embedding
/// rows, `preserveRows` preserved rows): UCE, and RECE with 1 and 3 rounds. The text encoder's
/// time is not included (bench published --networks clip measures it).
struct SdEraseBenchParams {
    int rows = 68;
    int preserveRows = 365; ///< five preserved prompts of 73 rows
    int repeats = 3;
    std::uint64_t seed = 0;
};
struct SdEraseBenchReport {
    std::string json;  ///< one line
    std::string table; ///< human-readable
};
Result<SdEraseBenchReport> runSdEraseBench(const SdEraseBenchParams& p, const JobContext& ctx);

} // namespace reverie::erase
