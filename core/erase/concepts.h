#pragma once
// Concept erasure on the text-conditional model (erase/textmodel.h): the closed-form edits of
// erase/closed_form.h applied to a Fashion-MNIST class as a concept, how erased a concept is
// (samples scored by the shipped classifier) and the embedding attacks that try to bring it back.
//
// A class concept's sets, all read from the model's text encoder (its final token outputs, the
// vectors the cross-attention K/V projections read):
//   erase    every token output of every prompt in text::erasePrompts(cls) (the synonyms an eraser
//            may use, in every template; the held-out synonyms are never used), or only the
//            outputs at the synonym's own words (TokenChoice::ConceptWords)
//   guide    the <null> token's output (the empty prompt: the concept maps to "nothing")
//   preserve the token outputs of text::erasePrompts(c) for every class c that is not erased
// Duplicate rows are dropped (UCE's normal equations only see their sums).
//
// Attacks (UnUnlearning's point: erased knowledge can come back through the input):
//   closed-form  RECE's derivation c′ = (λI + Σ W′ᵀW′)⁻¹ Σ W′ᵀW c* for each token of a concept
//                prompt, sampled in place of the prompt's context
//   gradient     the context [L, dim] of a concept prompt optimised (Adam) to minimise the edited
//                model's denoising loss on real training images of the class (a textual-inversion
//                search in embedding space), then sampled
// Attack success = the share of the attack's samples the classifier recognises as the class.
//
// Thread rules: engine thread; the model is changed in place only by applyEdit(). Failure:
// errors as values (a bad class, an empty concept, a model without cross-attention).

#include "erase/closed_form.h"
#include "erase/textmodel.h"
#include "jobs/job.h"
#include "models/classifier.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::erase {

enum class TokenChoice { All, ConceptWords };

/// The K/V weight tensors of the model's cross-attention (crossAttentionKV() order); they share
/// storage with the model.
std::vector<at::Tensor> kvWeights(TextDenoiser& model);
std::vector<std::string> kvNames(TextDenoiser& model);

/// Stacked token outputs of prompts ([N, dim] float64, duplicate rows dropped). `onlyWords`
/// non-empty: only the tokens whose word is in it.
Result<at::Tensor> promptTokens(TextDenoiser& model, const std::vector<std::string>& prompts,
                                const std::vector<std::string>& onlyWords = {});

/// The erase set of class cls (name = the class name, guide = the <null> output).
Result<ConceptSet> classConcept(TextDenoiser& model, int cls, TokenChoice tokens = TokenChoice::All);
/// Preserve rows: the erase prompts of every class not in `erased`.
Result<at::Tensor> preserveFor(TextDenoiser& model, const std::vector<int>& erased);

/// An edit set for the model's K/V matrices (model id "fmnist-text@<hash of the originals>").
Result<EditSet> makeEditSet(TextDenoiser& model, const std::string& modelName);

/// Classifier predictions of images in [−1, 1] [B, 1, 28, 28] → [B] int64.
at::Tensor classify(models::Classifier& classifier, const at::Tensor& x);

struct Recognition {
    double share = 0;             ///< of the samples, recognised as the class
    std::vector<int> predicted;   ///< per sample
};
/// Samples prompts × seeds and scores them: share of the items the classifier calls `cls`.
Result<Recognition> recognition(TextDenoiser& model, models::Classifier& classifier,
                                const std::vector<std::string>& prompts, const std::vector<std::uint64_t>& seeds,
                                int cls, const TextSampleOptions& so, const JobContext& ctx = {});

struct AttackParams {
    double lambda = 1e-3;  ///< closed-form: RECE's ridge (objects: 1e-3)
    int steps = 60;        ///< gradient: Adam steps
    int batch = 16;        ///< gradient: real images per step
    double lr = 0.05;
    std::uint64_t seed = 5;
};

struct AttackResult {
    at::Tensor context;    ///< [1, L, dim] the embedding found (float)
    at::Tensor mask;       ///< [1, L] bool
    double success = 0;    ///< share of its samples recognised as the class
    double seconds = 0;
    std::vector<ImageU8> samples;
};

/// RECE's closed-form attack on an edited model: `originals` are the K/V weights before the
/// edit (kvWeights() order), the model holds the edited ones. prompt: a prompt of the concept.
Result<AttackResult> closedFormAttack(TextDenoiser& model, models::Classifier& classifier,
                                      const std::vector<at::Tensor>& originals, const std::string& prompt, int cls,
                                      const std::vector<std::uint64_t>& seeds, const AttackParams& ap,
                                      const TextSampleOptions& so, const JobContext& ctx = {});

/// Gradient search for a context that makes the edited model denoise real images of class cls.
/// `images`: uint8 [N, 1, 28, 28] of that class.
Result<AttackResult> gradientAttack(TextDenoiser& model, models::Classifier& classifier, const at::Tensor& images,
                                    const std::string& prompt, int cls, const std::vector<std::uint64_t>& seeds,
                                    const AttackParams& ap, const TextSampleOptions& so, const JobContext& ctx = {});

} // namespace reverie::erase
