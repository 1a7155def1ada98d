#pragma once
// What a training run is asked to do and what it reports. Torch-free: the app and the CLI start
// training through catalog/training.h with these types.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

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
    std::int64_t parameters = 0;           ///< trainable parameters
    std::vector<std::string> files;        ///< files the task derived from the checkpoint (a tuned adapter)
    std::vector<std::pair<std::string, double>> figures; ///< task figures (e.g. {"test_accuracy", 0.92})
    /// A figure by name, or `fallback`.
    double figure(const std::string& name, double fallback = -1) const {
        for (const auto& [k, v] : figures)
            if (k == name) return v;
        return fallback;
    }
};

/// What a recipe is, read without training.
struct RecipeInfo {
    std::string name;
    std::string task;
    std::int64_t steps = 0;
    int batch = 0;
};

} // namespace reverie::train
