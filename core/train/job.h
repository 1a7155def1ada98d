#pragma once
// The training job as the app and the CLI see it: no LibTorch types in this header, so that Qt
// code can start training without compiling LibTorch's headers. See train/trainer.h for the
// recipe, the loss and the checkpoint format.

#include "jobs/job.h"

#include <cstdint>
#include <string>

namespace reverie::train {

struct Options {
    std::string outDir;                ///< checkpoint.pt, train_log.csv, recipe.json go here
    bool resume = true;                ///< continue from outDir/checkpoint.pt when present
    std::int64_t maxStepsThisRun = -1; ///< stop (with a checkpoint) after this many steps
};

struct Summary {
    std::int64_t step = 0;      ///< steps done in total
    std::int64_t startStep = 0; ///< where this run began (0, or the resumed step)
    double loss = 0;            ///< running mean of the last logEvery losses
    double seconds = 0;         ///< wall time of this run
    double secondsPerStep = 0;
    std::string checkpoint;     ///< path of the last checkpoint written
    std::int64_t parameters = 0;
    double testAccuracy = -1;   ///< classifier: accuracy of the EMA weights on the test split
};

/// What a recipe is, read without training.
struct RecipeInfo {
    std::string name;
    std::string task;
    std::int64_t steps = 0;
    int batch = 0;
};

/// Parses a recipe given as JSON text; errors name the problem (unknown keys, bad values).
Result<RecipeInfo> inspectRecipe(const std::string& jsonText);

/// Trains (or resumes) from a recipe given as JSON text. See train::run.
Result<Summary> runFromText(const std::string& jsonText, const Options& options, const JobContext& ctx);

} // namespace reverie::train
