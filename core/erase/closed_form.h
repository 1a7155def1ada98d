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
#include <limits>
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
    /// RECE: [Nd, in] the rows it derives regeneration embeddings for, the concept's own words
    /// (its reference derives them for the concept, not for template words such as "a photo
    /// of"); undefined → the erase rows. Derived rows take the guide's first row when the guide
    /// is one row, otherwise Nd must equal Ne and row i takes guide row i.
    at::Tensor derive;
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
    /// The acceptance rule's tolerance: an epoch is kept only if the other concepts' score stays
    /// within this of UCE's (epoch 0's).
    double othersTolerance = 0.1;
};

/// A candidate edit's validation: `target`, lower is better (e.g. the share of samples still
/// recognised as the erased concept); `others`, higher is better (e.g. the other classes'
/// accuracy), NaN when not measured. Converts from a plain target score.
struct ReceScore {
    double target = 0;
    double others = std::numeric_limits<double>::quiet_NaN();
    ReceScore(double t = 0, double o = std::numeric_limits<double>::quiet_NaN()) : target(t), others(o) {}
};

/// The validation of one candidate edit: the edited matrices and the regeneration embeddings
/// derived against them ([ΣNd, in], every concept's derivation rows in order).
using ReceScoreFn = std::function<ReceScore(const std::vector<at::Tensor>& editedWeights,
                                            const at::Tensor& regenerationEmbedding)>;

struct ReceEpoch {
    int epoch = 0;          ///< 0 = the plain UCE edit
    double score = 0;       ///< the callback's target score (0 when no callback was given)
    double others = std::numeric_limits<double>::quiet_NaN(); ///< the callback's others score
    bool accepted = false;  ///< kept by the acceptance rule (epoch 0 always)
    double seconds = 0;     ///< wall time of this epoch (solve + derivation, not the callback)
    at::Tensor derived;     ///< the regeneration embeddings against this epoch's edit
};

struct ReceResult {
    Edit edit;                    ///< the kept epoch's edit (its seconds: the whole RECE edit)
    ConceptSet conceptSet;        ///< the kept epoch's erase set of the first concept (original rows + derived ones)
    std::vector<ConceptSet> conceptSets; ///< the same for every concept of a joint run, in order
    std::vector<ReceEpoch> epochs;
    int bestEpoch = 0;
    double seconds = 0;           ///< the whole edit, without the score callbacks
};

/// Runs RECE from the original matrices (every epoch re-solves from W, never on top of W').
/// Several concepts are erased jointly, as the reference does: each epoch solves one joint edit
/// over every concept's rows, derives every concept's regeneration embeddings against that joint
/// edit (from ConceptSet::derive) and adds each concept's to its own rows.
/// Acceptance rule (with a score callback): epoch 0 (UCE) is kept first; a later epoch replaces
/// the kept one only if its target score is below the kept one's and its others score (when
/// measured) is at least UCE's − othersTolerance; the loop stops once a kept epoch's target is 0
/// (the concept is gone). Without a callback the last epoch is kept.
/// Progress: one report per epoch (values {score, others, accepted, seconds}); cancel is checked
/// before every epoch.
Result<ReceResult> runRece(const std::vector<at::Tensor>& Ws, const ConceptSet& conceptSet,
                           const at::Tensor& preserve, const ReceParams& params,
                           const ReceScoreFn& score = {}, const JobContext& ctx = {});
Result<ReceResult> runRece(const std::vector<at::Tensor>& Ws, const std::vector<ConceptSet>& concepts,
                           const at::Tensor& preserve, const ReceParams& params,
                           const ReceScoreFn& score = {}, const JobContext& ctx = {});

} // namespace reverie::erase
