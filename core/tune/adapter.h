#pragma once
// A fine-tuning run's result apart from its base model: the tuned adapter, a .safetensors file
// that can be switched on and off over the base like an erased concept.
//
// What it holds: the tensors the method trained, by their names in the tuned network — the
// adapters, LoRA matrices and MEFT's reversible adapters with the class embedding (for adapter,
// lora, meft1/2/3: a few hundred KB), or every weight (full and checkpointed fine-tuning). Its
// metadata ("__metadata__", all strings):
//   format            "reverie-dit-adapter"      version  "1"
//   run, step         the recipe's name and the training step of the checkpoint it came from
//   base              the base model as the recipe named it (folder or built-in name)
//   base_architecture the base's architecture string (models::architectureTag)
//   base_weights      the base's weightsFingerprint() (tune/task.h)
//   method            the method and its settings (JSON, the recipe's keys: tune/task.h methodJson)
//   classes           the classes it was tuned on (JSON array)
//   sigma_data        EDM's σ_data of the run
// Applying it rebuilds the method's network on the base (TunedDiT) and copies the tensors in.
// It applies only to the exact weights it was trained on: a file of another architecture or
// another set of base weights is refused naming both, as is a file without this metadata.
//
// Thread rules: the engine thread. Failure: errors as values naming the file and the mismatch;
// writing is atomic (a reader never sees a half-written file).

#include "base/job.h"
#include "tune/methods.h"
#include "tune/task.h"

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::tune {

inline constexpr const char* kAdapterFormat = "reverie-dit-adapter";

/// What an adapter file says about itself.
struct AdapterInfo {
    std::string run;
    std::int64_t step = 0;
    std::string base;             ///< as the recipe named it
    std::string baseArchitecture;
    std::string baseWeights;      ///< fingerprint (models::hashTensors)
    MethodConfig method;
    std::vector<int> classes;
    double sigmaData = 0.5;
    std::int64_t parameters = 0;  ///< numbers in the file's tensors
};

/// The metadata of a run's adapter: the run's name and step, its options (base name, method,
/// classes, σ_data) and its base as loaded before tuning (architecture, weights fingerprint).
AdapterInfo adapterInfo(const std::string& run, std::int64_t step, const DiTTuneOptions& options, const LoadedDiT& base);

/// Writes the trainable tensors of `tuned` (requires_grad) with `info`'s metadata (its
/// `parameters` is filled in here). Returns the file's size in bytes.
Result<std::int64_t> saveAdapter(TunedDiTImpl& tuned, AdapterInfo info, const std::string& path);

/// The metadata alone (checks the format, not the tensors).
Result<AdapterInfo> readAdapterInfo(const std::string& path);

/// A base model with an adapter applied, eval mode.
struct AppliedAdapter {
    TunedDiT net{nullptr};
    AdapterInfo info;
    double sigmaData = 0.5;
};
/// Loads `base` (a folder or built-in name; empty: the base the adapter names) and applies the
/// adapter. Refuses a file that is not an adapter, one made for another architecture or other
/// base weights, and tensors that do not match the method's network by name and shape.
Result<AppliedAdapter> applyAdapter(const std::string& path, const std::string& base = {});

/// Writes the adapter of a fine-tuning checkpoint (a "dit-tune" run; EMA weights) to `out`.
Result<std::int64_t> exportAdapter(const std::string& checkpoint, const std::string& out);

/// Base model samples beside the same seeds and labels with the adapter applied (`adapter`
/// empty: the base twice, as when every adapter is switched off). Labels empty: the adapter's
/// classes. Grids of `perLabel` columns, one row per label.
Result<TunedComparison> compareAdapter(const std::string& base, const std::string& adapter, std::vector<int> labels,
                                       int perLabel, int steps, std::uint64_t seed, const JobContext& ctx);

} // namespace reverie::tune
