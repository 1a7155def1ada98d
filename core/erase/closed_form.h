#pragma once
// Closed-form concept erasure on the cross-attention key/value projections W [out, in]: the UCE
// edit (Gandikota et al. 2024), RECE's regeneration embedding and loop (Gong et al. 2024), and the
// edit set of per-concept artefacts (embeddings, one ΔW per matrix) to save, load, enable, weight
// and re-solve jointly. Embeddings come from the caller; float64 inside, results in W's dtype and
// device. Closed forms: docs/methods.md, "Concept erasure: UCE" and "RECE".
// Thread rules: no function keeps state between calls (the edit set is erase/editset.h; use it from
// one thread). Failure: user mistakes (an empty concept, a concept erased twice, mismatched shapes,
// a singular system, another model's file) are InvalidInput errors naming them; nothing throws.

#include "base/job.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace reverie::erase {

/// The weights of the three terms of the UCE/RECE edit. Defaults are RECE's.
struct UceParams {
    double eta = 1.0;     ///< erase term: how hard c_e is pulled to its guide's output (≥ 0)
    double lambda1 = 0.1; ///< preserve term: how hard c_p keeps its output (≥ 0)
    double lambda2 = 0.1; ///< ridge toward the original W (≥ 0; > 0 keeps the system regular)
    /// The guide for concepts that have none of their own, [in] or [1, in]: normally the empty
    /// prompt's embedding (every erased token is mapped to what "" produces). Undefined: concepts
    /// must bring their own guides.
    at::Tensor defaultGuide;
};

/// One concept to erase.
struct ConceptSet {
    std::string name;  ///< what the user calls it ("sneaker"); unique within a joint solve
    at::Tensor erase;  ///< [Ne, in] token embeddings to erase (Ne ≥ 1)
    at::Tensor guide;  ///< [Ne, in], or [1, in] broadcast to every row; undefined: defaultGuide
    /// Multiplies η for this concept's rows (a weighted joint solve; 0 leaves the concept out).
    double weight = 1.0;
};

/// The result of one edit of several matrices: W' and the stored artefact ΔW = W' − W.
struct Edit {
    std::vector<at::Tensor> weights; ///< W'_l, in the dtype/device of W_l
    std::vector<at::Tensor> deltas;  ///< ΔW_l = W'_l − W_l (computed in float64, then cast)
    at::Tensor transform;            ///< T [in, in] float64 with W'_l = W_l T (for RECE)
    double seconds = 0;
};

/// The edit of one matrix with explicit sets: erase [Ne, in] (Ne may be 0), guide [Ne, in] or
/// [1, in] (may be undefined when Ne = 0 or params.defaultGuide is set), preserve [Np, in]
/// (undefined or Np = 0: none). η = 0 returns W exactly; an empty erase set gives W up to
/// round-off (it goes through the solve).
Result<Edit> solve(const at::Tensor& W, const at::Tensor& erase, const at::Tensor& guide,
                   const at::Tensor& preserve, const UceParams& params = {});

/// Erases several concepts from several matrices in one solve. The closed form is linear in the
/// sums, so this is exactly the single solve over the concatenated erase/guide sets (each
/// concept's rows weighted by its `weight`) — not the sum of independent edits. All matrices
/// must read `in`-dim embeddings; their output sizes may differ.
Result<Edit> solveJoint(const std::vector<at::Tensor>& Ws, const std::vector<ConceptSet>& concepts,
                        const at::Tensor& preserve, const UceParams& params = {});

/// One (original, edited) matrix pair for the regeneration embedding.
struct MatrixPair {
    at::Tensor original; ///< W_l [out_l, in]
    at::Tensor edited;   ///< W'_l [out_l, in]
};

/// RECE's adversarial embedding: c′ = (λI + Σ_l W′_lᵀW′_l)⁻¹ (Σ_l W′_lᵀ W_l) c*, the embedding
/// whose outputs through the edited matrices come closest to what c* produced before the edit
/// (ridge λ > 0 keeps c′ small). cStar: [in] or [N, in] (each row independently); the result
/// has cStar's shape, float64.
Result<at::Tensor> regenerationEmbedding(const std::vector<MatrixPair>& pairs, const at::Tensor& cStar,
                                         double lambda);

/// RECE: UCE, then repeatedly derive the embedding that regenerates the concept and erase it too.
struct ReceParams {
    UceParams uce;
    double lambda = 0.1; ///< ridge of the regeneration embedding (0.1 nudity; 1e-3 objects)
    int epochs = 3;      ///< derivation/erase rounds after the plain UCE edit (epoch 0)
};

/// The validation score of one candidate edit: the edited matrices and the regeneration
/// embedding derived against them ([Ne, in], one row per erase row of the concept). Lower is
/// better (e.g. the share of samples from that embedding still recognised as the concept).
using ReceScoreFn = std::function<double(const std::vector<at::Tensor>& editedWeights,
                                         const at::Tensor& regenerationEmbedding)>;

struct ReceEpoch {
    int epoch = 0;          ///< 0 = the plain UCE edit
    double score = 0;       ///< the callback's score (0 when no callback was given)
    double seconds = 0;     ///< wall time of this epoch (solve + derivation, not the callback)
    at::Tensor derived;     ///< the regeneration embedding against this epoch's edit
};

struct ReceResult {
    Edit edit;                    ///< the best epoch's edit (its seconds: the whole RECE edit)
    ConceptSet conceptSet;           ///< the best epoch's erase set (original rows + derived ones)
    std::vector<ReceEpoch> epochs;
    int bestEpoch = 0;
    double seconds = 0;           ///< the whole edit, without the score callbacks
};

/// Runs RECE from the original matrices (every epoch re-solves from W, never on top of W').
/// Without a score callback the last epoch is kept. Progress: one report per epoch
/// (values {score, seconds}); cancel is checked before every epoch.
Result<ReceResult> runRece(const std::vector<at::Tensor>& Ws, const ConceptSet& conceptSet,
                           const at::Tensor& preserve, const ReceParams& params,
                           const ReceScoreFn& score = {}, const JobContext& ctx = {});

} // namespace reverie::erase
