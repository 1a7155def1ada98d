#pragma once
// The trained erasers on the text-conditional model (REFERENCE §7): ESD fine-tuning and SPM
// membranes. Both train only the cross-attention key/value projections (the matrices UCE/RECE
// edit), so every method's result is the same kind of artefact — one ΔW per K/V matrix — that the
// concept library (erase/closed_form.h EditSet) saves, loads, toggles and weights:
//
//   ESD-x   ΔW_l full matrices; loss ‖D_{θ+Δ}(x_σ, c) − [D_∅ − η (D_c − D_∅)]‖² (λ(σ)-weighted, the
//           EDM weighting), D_∅ and D_c the frozen model's outputs (in data-prediction form the
//           ε-target of ESD is the same affine combination). x_σ = x₀ + σz with x₀ drawn from a pool
//           of the frozen model's own samples of the concept (ESD is data-free).
//   SPM     rank-1 membranes ΔW_l = U_l D_lᵀ (D Kaiming-uniform, U zero, so training starts from the
//           original model), the same erase loss plus latent anchoring: random anchor contexts
//           a = s‖c‖ n/‖n‖ (s ~ U[0.8, 1.2], kept with probability 1 − cos(c, n)) whose outputs must
//           not move, weighted by `anchorWeight`. A linear layer's membrane y = Wx + U(Dᵀx) is the
//           weight W + U Dᵀ, which is how it is applied; facilitated transport scales it per prompt
//           by the permeability γ (erase/transport.h), i.e. the artefact's weight is γ·m for that
//           prompt's samples (the workbench and the bench sample prompt by prompt).
//   Deviation from the paper: SPM wraps every linear layer inside the transformer blocks; here the
//   membranes sit on the cross-attention K/V projections only (the linear layers that read text).
//
// Thread rules: engine thread. The model's K/V weights are the originals again when a function
// returns (success, error or cancel). Failure: errors as values.

#include "erase/closed_form.h"
#include "erase/textmodel.h"
#include "jobs/job.h"

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::erase {

struct FinetuneParams {
    double eta = 1.0;          ///< negative-guidance strength of the target
    int steps = 200;
    int batch = 8;
    double lr = 1e-3;          ///< ESD (full ΔW); SPM uses lr × 10 by default in spmParams()
    int poolImages = 32;       ///< the frozen model's samples of the concept (x₀ pool)
    int poolSteps = 10;        ///< sampler steps for the pool
    double guidance = 3.0;     ///< CFG of the pool's samples
    double anchorWeight = 1000; ///< SPM: latent anchoring weight
    int anchors = 4;           ///< SPM: anchor contexts per step
    std::uint64_t seed = 17;
};

/// ESD defaults / SPM defaults (SPM: lr 1e-2).
FinetuneParams esdParams();
FinetuneParams spmParams();

struct FinetuneResult {
    Artefact artefact;          ///< method "esd" or "spm", deltas in kvWeights() order
    std::vector<double> losses; ///< erase loss per step
    double seconds = 0;
};

/// Trains ESD-x for the concept (its erase prompts: text::erasePrompts(cls)). The model must hold
/// the original K/V weights. Progress: every 10 steps (values {loss}).
Result<FinetuneResult> trainEsd(TextDenoiser& model, int cls, const FinetuneParams& p, const JobContext& ctx = {});
/// Trains an SPM membrane for the concept.
Result<FinetuneResult> trainSpm(TextDenoiser& model, int cls, const FinetuneParams& p, const JobContext& ctx = {});

/// The pooled embedding of a prompt for facilitated transport: the mean of the encoder's token
/// outputs ([dim] float64).
Result<at::Tensor> pooledEmbedding(TextDenoiser& model, const std::string& prompt);

/// γ of the membrane for `concept` (its name, e.g. "sneaker") on `prompt`.
Result<double> transportFor(TextDenoiser& model, const std::string& prompt, const std::string& conceptName);

} // namespace reverie::erase
