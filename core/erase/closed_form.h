#pragma once
// Closed-form concept erasure on linear projections (REFERENCE §7): the UCE edit of the
// cross-attention key/value projections W [out, in] (text-embedding dim → attention dim), RECE's
// closed-form derivation of the embedding that still regenerates an erased concept, the RECE
// loop, and the edit set: each erased concept as its own artefact (its embeddings and one ΔW per
// matrix) that can be saved, loaded, enabled, disabled, weighted and re-solved jointly.
//
// The edit, for every matrix W independently, with erase embeddings c_e, guides c_g(e) and
// preserve embeddings c_p (rows of [N, in] tensors):
//   W' = (λ₂W + η Σ_e v*_e c_eᵀ + λ₁ Σ_p (W c_p) c_pᵀ) (λ₂I + η Σ_e c_e c_eᵀ + λ₁ Σ_p c_p c_pᵀ)⁻¹
// with v*_e = W c_g(e). Because v* and W c_p are both W times an embedding, the right-hand side is
// W·M with M = λ₂I + η Σ c_g c_eᵀ + λ₁ Σ c_p c_pᵀ, so W' = W·T with T = M A⁻¹ shared by every
// matrix that reads the same embeddings: one Cholesky factorisation of A per edit, however many
// matrices. All arithmetic is float64; results come back in W's dtype and device.
//
// Everything is model-independent: embeddings come from the caller (the text encoder's token
// embeddings of the concept, of its guide — by default the empty prompt — and of what to keep).
//
// Failure: user mistakes (an empty concept, a concept erased twice, mismatched shapes, a singular
// system, a file saved for another model) are InvalidInput errors with a sentence naming them;
// nothing throws out of these functions. Thread rules: none of these functions keeps state
// between calls; an EditSet is a plain value (not synchronised; use it from one thread).

#include "jobs/job.h"

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

/// One erased concept, stored on its own.
struct Artefact {
    std::string name;                ///< the concept's name (unique in a set)
    std::string method = "uce";      ///< "uce" or "rece"
    ConceptSet conceptSet;              ///< what was erased (for RECE: with the derived rows)
    at::Tensor preserve;             ///< [Np, in] or undefined
    UceParams params;                ///< how it was solved (defaultGuide is not stored)
    std::vector<at::Tensor> deltas;  ///< ΔW per matrix of the set, in the set's order
    bool enabled = true;
    double weight = 1.0;             ///< scale of ΔW (independent mode) or of η (joint mode)
    double seconds = 0;              ///< time the edit took
};

/// The edit set of one model: its original matrices (kept, never modified) and the artefacts.
class EditSet {
public:
    EditSet() = default;
    /// `modelId` names the model and its weights (e.g. "fmnist-text-edm@<hash>"); the originals
    /// are cloned, so later changes to the model's parameters do not reach them.
    static Result<EditSet> create(std::string modelId, std::vector<std::string> matrixNames,
                                  const std::vector<at::Tensor>& originals);

    const std::string& modelId() const { return m_modelId; }
    const std::vector<std::string>& matrixNames() const { return m_names; }
    const std::vector<at::Tensor>& originals() const { return m_originals; }
    /// FNV-1a of the originals' bytes (checked when a saved set is loaded).
    const std::string& weightsHash() const { return m_hash; }
    const std::vector<Artefact>& artefacts() const { return m_artefacts; }
    const Artefact* find(const std::string& name) const;

    /// Solves the concept alone (UCE) against the originals and adds it.
    Result<bool> erase(const ConceptSet& conceptSet, const at::Tensor& preserve, const UceParams& params = {});
    /// Runs RECE for the concept and adds the best epoch.
    Result<ReceResult> eraseRece(const ConceptSet& conceptSet, const at::Tensor& preserve, const ReceParams& params,
                                 const ReceScoreFn& score = {}, const JobContext& ctx = {});
    /// Adds a solved artefact (checks its name and ΔW shapes).
    Result<bool> add(Artefact a);
    Result<bool> remove(const std::string& name);
    Result<bool> setEnabled(const std::string& name, bool enabled);
    Result<bool> setWeight(const std::string& name, double weight);

    /// W_eff = W + Σ_enabled weight·ΔW (independent artefacts, additive). With nothing enabled
    /// (or every weight 0) these are the originals bit for bit.
    std::vector<at::Tensor> effectiveWeights() const;
    /// The exact joint combination: one solve over the enabled artefacts' erase sets (η scaled
    /// by each weight) and their preserve sets (duplicate rows and rows that another active
    /// concept erases are dropped). Nothing enabled: the originals bit for bit.
    Result<std::vector<at::Tensor>> resolveActive(const UceParams& params = {}) const;
    /// Copies effective (or jointly re-solved) weights into the model's parameters, in place
    /// under NoGradGuard. `targets` must be in the set's matrix order and shapes.
    Result<bool> applyTo(const std::vector<at::Tensor>& targets, bool joint = false,
                         const UceParams& params = {}) const;

    /// Writes the set (a JSON header and the tensors, torch pickle format) atomically.
    Result<bool> save(const std::string& path) const;
    /// Reads a saved set for this model: refuses a file made for another model id, another set
    /// of matrices or other weights, naming both.
    static Result<EditSet> load(const std::string& path, const std::string& modelId,
                                const std::vector<std::string>& matrixNames,
                                const std::vector<at::Tensor>& originals);

private:
    Artefact* findMutable(const std::string& name);
    std::string m_modelId;
    std::vector<std::string> m_names;
    std::vector<at::Tensor> m_originals;
    std::string m_hash;
    std::vector<Artefact> m_artefacts;
};

} // namespace reverie::erase
