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
/// Samples of a fine-tuning run's checkpoint beside its base model's on the same seeds and labels
/// (the run's new classes, `perLabel` each, EDM Heun with `steps` steps): two grids of the same
/// layout, one row per label (tune/task.h).
struct TunedSamples {
    ImageU8 base, tuned;
    std::vector<int> labels;
};
Result<TunedSamples> sampleTunedAndBase(const std::string& checkpoint, int perLabel, int steps, const JobContext& ctx);

/// The task names, in the catalog's order.
std::vector<std::string> taskNames();

} // namespace reverie::catalog
