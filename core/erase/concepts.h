#pragma once
// Concept erasure on the text-conditional model (models/textmodel.h): the closed-form edits of
// erase/closed_form.h applied to a Fashion-MNIST class as a concept, how erased a concept is
// (samples scored by the shipped classifier) and the embedding attacks that try to bring it back
// (docs/methods.md, "Concept erasure: UCE" and "RECE").
//
// Thread rules: engine thread; nothing here changes the model's weights (an edit is applied with
// EditSet::applyTo() on kvWeights()). Failure: errors as values (a bad class, an empty concept, a
// model without cross-attention).

#include "erase/closed_form.h"
#include "erase/editset.h"
#include "erase/textsample.h"
#include "models/textmodel.h"
#include "base/job.h"
#include "models/classifier.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::erase {

enum class TokenChoice { All, ConceptWords };

/// The K/V weight tensors of the model's cross-attention (crossAttentionKV() order); they share
/// storage with the model.
std::vector<at::Tensor> kvWeights(models::TextDenoiser& model);
std::vector<std::string> kvNames(models::TextDenoiser& model);

/// Stacked token outputs of prompts ([N, dim] float64, duplicate rows dropped). `onlyWords`
/// non-empty: only the tokens whose word is in it.
Result<at::Tensor> promptTokens(models::TextDenoiser& model, const std::vector<std::string>& prompts,
                                const std::vector<std::string>& onlyWords = {});

/// Read from the model's text encoder (its final token outputs, the vectors the K/V projections
/// read): erase = every token output of every prompt in data::text::erasePrompts(cls) (the held-out
/// synonyms are never used), or only the outputs at the synonym's own words
/// (TokenChoice::ConceptWords); duplicate rows dropped (UCE only sees their sums).
/// The erase set of class cls (name = the class name, guide = the <null> output, derive = the
/// outputs at the synonyms' own words, RECE's derivation rows).
Result<ConceptSet> classConcept(models::TextDenoiser& model, int cls, TokenChoice tokens = TokenChoice::All);
/// Preserve rows: the erase prompts of every class not in `erased`.
Result<at::Tensor> preserveFor(models::TextDenoiser& model, const std::vector<int>& erased);

/// An edit set for the model's K/V matrices (model id "fmnist-text@<hash of the originals>").
Result<EditSet> makeEditSet(models::TextDenoiser& model, const std::string& modelName);

/// Classifier predictions of images in [−1, 1] [B, 1, 28, 28] → [B] int64.
at::Tensor classify(models::Classifier& classifier, const at::Tensor& x);

struct Recognition {
    double share = 0;             ///< of the samples, recognised as the class
    std::vector<int> predicted;   ///< per sample
};
/// Samples prompts × seeds and scores them: share of the items the classifier calls `cls`.
Result<Recognition> recognition(models::TextDenoiser& model, models::Classifier& classifier,
                                const std::vector<std::string>& prompts, const std::vector<std::uint64_t>& seeds,
                                int cls, const TextSampleOptions& so, const JobContext& ctx = {});

struct AttackParams {
    double lambda = 1e-3;  ///< closed-form: RECE's ridge (objects: 1e-3)
    int steps = 60;        ///< gradient: Adam steps
    int batch = 16;        ///< gradient: real images per step
    double lr = 0.05;
    std::uint64_t seed = 5;
    /// sampler attack: Adam steps on the context, seeds per step, and the reversible-Heun steps of
    /// the run it differentiates (NFE = N + 1 forward, 2N + 1 backward, ×2 with CFG).
    int samplerIterations = 40;
    int samplerBatch = 8;
    int samplerSteps = 8;
    double samplerLr = 0.1;
};

struct AttackResult {
    at::Tensor context;    ///< [1, L, dim] the embedding found (float)
    at::Tensor mask;       ///< [1, L] bool
    double success = 0;    ///< share of its samples recognised as the class
    double seconds = 0;
    std::vector<ImageU8> samples;
};

/// c′ = (λI + Σ W′ᵀW′)⁻¹ Σ W′ᵀW c* for each token of the prompt, sampled in place of its context.
/// RECE's closed-form attack on an edited model: `originals` are the K/V weights before the
/// edit (kvWeights() order), the model holds the edited ones. prompt: a prompt of the concept.
Result<AttackResult> closedFormAttack(models::TextDenoiser& model, models::Classifier& classifier,
                                      const std::vector<at::Tensor>& originals, const std::string& prompt, int cls,
                                      const std::vector<std::uint64_t>& seeds, const AttackParams& ap,
                                      const TextSampleOptions& so, const JobContext& ctx = {});

/// Gradient search for a context that makes the edited model denoise real images of class cls.
/// The context [L, dim] of the prompt is optimised (Adam) on the edited model's denoising loss (a
/// textual-inversion search in embedding space), then sampled.
/// `images`: uint8 [N, 1, 28, 28] of that class.
Result<AttackResult> gradientAttack(models::TextDenoiser& model, models::Classifier& classifier, const at::Tensor& images,
                                    const std::string& prompt, int cls, const std::vector<std::uint64_t>& seeds,
                                    const AttackParams& ap, const TextSampleOptions& so, const JobContext& ctx = {});

/// The stronger attack: the prompt's context is optimised (Adam) so that the *generated sample*,
/// not a one-step denoising loss, is classified as cls: every step takes the gradient of
/// −Σ log p(cls | x_0) through the whole sampling run (reversible Heun on the probability-flow
/// ODE, CFG as in `so`, ap.samplerBatch seeds apart from `seeds`; engine/grad/samplergrad.h,
/// reversible backward pass, memory flat in the steps). Then sampled on `seeds` like the others.
Result<AttackResult> samplerAttack(models::TextDenoiser& model, models::Classifier& classifier,
                                   const std::string& prompt, int cls,
                                   const std::vector<std::uint64_t>& seeds, const AttackParams& ap,
                                   const TextSampleOptions& so, const JobContext& ctx = {});

} // namespace reverie::erase
