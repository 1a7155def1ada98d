#pragma once
// EraseSession: the torch-free facade the Erase workbench drives. It owns the text-conditional
// model (models/textmodel.h), the classifier that labels its samples, and the concept library (an
// erase/closed_form.h EditSet of the model's cross-attention K/V matrices) with one artefact per
// erased concept and method, named "<class name>/<method>" ("Sneaker/uce").
//
// Thread rules: not synchronised. Create it anywhere, but call open() and everything after it on
// one thread (the app's engine thread); it holds LibTorch state. Failure: errors as values with a
// sentence a person can act on; nothing throws, and a failed call changes nothing.

#include "base/job.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace reverie::erase {

struct EraseGenerateOptions {
    int steps = 10;            ///< sampler steps (NFE = steps, ×2 with SLD)
    double guidance = 3.0;     ///< classifier-free guidance weight
    /// Facilitated transport for SPM membranes; unset: the session's setting (setTransport()).
    std::optional<bool> transport;
    /// Safe Latent Diffusion away from this concept (a word or class); empty: none.
    std::string sldConcept;
    /// true: the original model (the library is ignored; used for the "before" column).
    bool original = false;
};

struct EraseImages {
    /// images[p][s]: prompt p, seed s (28×28 grey).
    std::vector<std::vector<ImageU8>> images;
    /// The classifier's class of each image (same layout), 0..9.
    std::vector<std::vector<int>> classes;
    std::int64_t nfe = 0;
    double seconds = 0;
};

struct EraseConceptInfo {
    std::string name;    ///< the artefact's name, "<class name>/<method>" (the key of every call)
    std::string className; ///< the class name ("Sneaker")
    int cls = -1;
    std::string method;  ///< "uce", "rece", "esd" or "spm"
    bool enabled = true;
    double weight = 1.0;
    double seconds = 0;  ///< time the edit or training took
    std::int64_t bytes = 0; ///< size of the artefact's ΔW (SPM: its rank-1 factors)
};

struct EraseConceptOptions {
    int trainSteps = 0;   ///< ESD/SPM steps; 0: the method's default (erase/finetune.h)
    int poolSteps = 10;   ///< ESD/SPM: sampler steps of the x₀ pool
    int receEpochs = 3;   ///< RECE rounds after the plain UCE edit
};

struct MembranePermeability {
    std::string name;  ///< the SPM artefact's name
    double gamma = 0;  ///< permeability γ ∈ [0, 1] of the prompt for its concept
};

struct EraseAttackResult {
    std::vector<ImageU8> images; ///< what the found embedding generates, one per seed
    std::vector<int> classes;    ///< the classifier's class per image
    int cls = -1;                ///< the attacked concept's class
    double success = 0;          ///< share of the images recognised as the concept
    double seconds = 0;
};

class EraseSession {
public:
    EraseSession();
    ~EraseSession();
    EraseSession(const EraseSession&) = delete;
    EraseSession& operator=(const EraseSession&) = delete;

    /// Loads the text model and the classifier; dataDir: Fashion-MNIST for the gradient attack
    /// (empty: data::defaultFashionMnistDir(), read only when an attack needs it). Replaces what
    /// was open (and its library) only on success.
    Result<bool> open(const std::string& modelDir, const std::string& classifierDir, const std::string& dataDir = {});
    bool isOpen() const;
    /// The library's model id (saved libraries record it with a hash of the weights); empty before open().
    std::string modelId() const;

    /// One image per prompt × seed with the active set (or the original model). The active set is
    /// applied as the erasure bench does:
    ///   * closed-form artefacts ("uce", "rece"): one enabled → W + weight·ΔW; several → one joint
    ///     re-solve over their erase and preserve sets (EditSet::resolveActive);
    ///   * trained artefacts ("esd", "spm"): additive, weight·ΔW on top;
    ///   * facilitated transport (on): per prompt, each SPM membrane's weight is γ·weight with γ the
    ///     permeability of that prompt for the membrane's concept (erase/finetune.h transportFor).
    /// Nothing enabled: the original weights, bit for bit, and the original images for the same
    /// seeds. Batched over prompts × seeds, except with transport on and an active membrane (then
    /// prompt by prompt; images of a prompt whose γ is 0 may then differ from the batched original
    /// in the last bits). Between calls the model always holds its original weights (every call
    /// restores them, whatever its outcome).
    Result<EraseImages> generate(const std::vector<std::string>& prompts, const std::vector<std::uint64_t>& seeds,
                                 const EraseGenerateOptions& options, const JobContext& ctx = {});

    /// Erases a concept (a word of the lexicon, a class name or a class index "0".."9") with
    /// method "uce", "rece", "esd" or "spm" and adds it to the library, enabled with weight 1.
    /// Refuses an empty concept, an unknown word, a word of no single class, an unknown method
    /// and a concept already erased by that method. Returns the new artefact's info.
    Result<EraseConceptInfo> eraseConcept(const std::string& wordOrClass, const std::string& method,
                                          const EraseConceptOptions& options = {}, const JobContext& ctx = {});
    std::vector<EraseConceptInfo> concepts() const;
    Result<bool> setEnabled(const std::string& name, bool enabled);
    Result<bool> setWeight(const std::string& name, double weight);
    Result<bool> remove(const std::string& name);

    void setTransport(bool on);
    bool transport() const;
    /// γ of each SPM membrane in the library for this prompt (empty: no membranes).
    Result<std::vector<MembranePermeability>> permeability(const std::string& prompt);

    /// Tries to bring the artefact's concept back through the input, against the active set with
    /// that artefact enabled: kind "closed-form" (RECE's derivation) or "gradient" (an embedding
    /// optimised on real training images of the class) or "sampler" (the context optimised through
    /// the whole sampling run, erase/concepts.h samplerAttack). One image per seed.
    Result<EraseAttackResult> attack(const std::string& name, const std::string& kind,
                                     const std::vector<std::uint64_t>& seeds, int steps = 10, double guidance = 3.0,
                                     const JobContext& ctx = {});

    /// Writes the library atomically.
    Result<bool> saveLibrary(const std::string& path) const;
    /// Replaces the library with a saved one; refuses one made for another model (the current
    /// library is kept).
    Result<bool> loadLibrary(const std::string& path);

    /// The class a concept word names (as eraseConcept() resolves it), or an error naming why not.
    static Result<int> resolveConcept(const std::string& wordOrClass);

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace reverie::erase
