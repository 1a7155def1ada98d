#pragma once
// The trained erasers on the text-conditional model: ESD-x fine-tuning (Gandikota et al. 2023) and
// rank-1 SPM membranes (Lyu et al. 2024). Both train only the cross-attention K/V projections, so
// every result is one ΔW per K/V matrix: an Artefact the concept library (erase/closed_form.h
// EditSet) saves, loads, toggles and weights; transport makes an SPM artefact's weight γ·m per
// prompt. Losses, anchoring and the deviation from SPM's paper: docs/methods.md, "ESD" and "SPM".
//
// Thread rules: engine thread. The model's K/V weights are the originals again when a function
// returns (success, error or cancel). Failure: errors as values.

#include "erase/closed_form.h"
#include "erase/editset.h"
#include "models/textmodel.h"
#include "base/job.h"

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
    /// SPM: latent-anchoring weight. The paper's 1000 is for CLIP's 768-d contexts and holds a
    /// membrane on Reverie's 64-d contexts from erasing; 30 comes from the sweep in the README
    /// (docs/methods.md, "SPM").
    double anchorWeight = 30;
    int anchors = 4;           ///< SPM: anchor contexts per step
    std::uint64_t seed = 17;
};

/// ESD defaults / SPM defaults (SPM: lr 1e-2).
FinetuneParams esdParams();
FinetuneParams spmParams();

struct FinetuneResult {
    Artefact artefact;          ///< method "esd" or "spm", deltas in kvWeights() order
    std::vector<double> losses; ///< erase loss per step
    std::vector<double> anchorLosses; ///< SPM: the (unweighted) anchoring loss per step
    double anchorWeight = 0;    ///< SPM: the weight it trained with
    double deltaRatio = 0;      ///< ‖ΔW‖/‖W‖ over all K/V matrices at the end (SPM: ‖UDᵀ‖)
    double seconds = 0;
};

/// Trains ESD-x for the concept (its erase prompts: data::text::erasePrompts(cls)). The model must hold
/// the original K/V weights. Progress: every 10 steps (values {loss}).
Result<FinetuneResult> trainEsd(models::TextDenoiser& model, int cls, const FinetuneParams& p, const JobContext& ctx = {});
/// Trains an SPM membrane for the concept.
Result<FinetuneResult> trainSpm(models::TextDenoiser& model, int cls, const FinetuneParams& p, const JobContext& ctx = {});

/// The pooled embedding of a prompt for facilitated transport: the mean of the encoder's token
/// outputs ([dim] float64).
Result<at::Tensor> pooledEmbedding(models::TextDenoiser& model, const std::string& prompt);

/// γ of the membrane for `concept` (its name, e.g. "sneaker") on `prompt`.
Result<double> transportFor(models::TextDenoiser& model, const std::string& prompt, const std::string& conceptName);

} // namespace reverie::erase
