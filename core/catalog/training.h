#pragma once
// Training as the app and the CLI see it: recipes as JSON text or files, no LibTorch types, so Qt
// code can start training without compiling LibTorch's headers. See train/loop.h for the loop and
// catalog/catalog.h for the tasks.
//
// Thread rules: run on the engine thread (or the CLI's main thread). Failure: errors as values
// naming the recipe key, the data or the checkpoint.

#include "base/job.h"
#include "train/options.h"

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::catalog {

/// Parses and validates a recipe given as JSON text (its task section too) without training.
Result<train::RecipeInfo> inspectRecipe(const std::string& jsonText);
/// The same for a recipe file.
Result<train::RecipeInfo> inspectRecipeFile(const std::string& path);
/// Trains (or resumes) from a recipe given as JSON text.
Result<train::Summary> runRecipeText(const std::string& jsonText, const train::Options& options, const JobContext& ctx);
/// Trains (or resumes) from a recipe file.
Result<train::Summary> runRecipeFile(const std::string& path, const train::Options& options, const JobContext& ctx);
/// Writes the EMA weights of a training checkpoint as a shippable weights file; returns its size.
Result<std::int64_t> exportCheckpoint(const std::string& checkpoint, const std::string& out);
/// A fine-tuning run's adapter (tune/adapter.h): the method's trained tensors apart from the
/// base model, switched on and off over it.
struct AdapterSummary {
    std::string path;
    std::string run;          ///< the recipe it came from
    std::string base;         ///< the base model it was tuned on (folder or built-in name)
    std::string method;       ///< full, checkpoint, adapter, lora, meft1, meft2, meft3
    std::vector<int> classes; ///< the classes it was tuned on
    std::int64_t step = 0;
    std::int64_t parameters = 0;
};
/// Reads an adapter file and applies it to `base` (empty: the base it names) to check that it
/// fits; refuses a file that is not an adapter or was tuned on another model, naming both.
Result<AdapterSummary> checkAdapter(const std::string& path, const std::string& base);
/// Writes a fine-tuning checkpoint's adapter (EMA weights) to `out`; returns its size.
Result<std::int64_t> exportAdapter(const std::string& checkpoint, const std::string& out);
/// Samples of the base model beside the same seeds and labels with the adapter switched on
/// (`adapter` empty: switched off, so both grids are the base's): `perLabel` of each label (empty:
/// the adapter's classes), EDM Heun with `steps` steps, one row per label.
struct TunedSamples {
    ImageU8 base, tuned;
    std::vector<int> labels;
};
Result<TunedSamples> sampleWithAdapter(const std::string& base, const std::string& adapter, const std::vector<int>& labels,
                                       int perLabel, int steps, const JobContext& ctx);

/// The task names, in the catalog's order.
std::vector<std::string> taskNames();

} // namespace reverie::catalog
