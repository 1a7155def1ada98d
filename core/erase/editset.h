#pragma once
// The concept library of one model: its original cross-attention matrices (kept, never modified)
// and one artefact per erased concept (ΔW per matrix, with the sets it was made from), each
// enabled or not and weighted; saved and loaded with the model's id so another model's library is
// refused. The matrices the model uses are the originals plus the enabled artefacts (or, joint,
// the single solve over all enabled concepts).
//
// Thread rules: not thread-safe; one thread at a time (the engine thread). Failure: errors as
// values naming the concept, the file or the mismatch; saving is crash-safe.

#include "base/job.h"
#include "erase/closed_form.h"

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace reverie::erase {

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
    /// Runs RECE for the concept and adds the kept epoch.
    Result<ReceResult> eraseRece(const ConceptSet& conceptSet, const at::Tensor& preserve, const ReceParams& params,
                                 const ReceScoreFn& score = {}, const JobContext& ctx = {});
    /// Runs RECE for several concepts jointly (runRece) and adds one artefact per concept: its
    /// rows at the kept epoch, and as ΔW its own edit solved alone from those rows (used when it
    /// is the only one enabled; several enabled are re-solved jointly from their rows anyway).
    Result<ReceResult> eraseRece(const std::vector<ConceptSet>& concepts, const at::Tensor& preserve,
                                 const ReceParams& params, const ReceScoreFn& score = {}, const JobContext& ctx = {});
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
