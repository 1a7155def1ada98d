#pragma once
// The interface between the generic training loop (train/loop.h) and a domain's training task.
// A task owns its network and its data; the loop owns the optimiser, the schedule, EMA, clipping,
// checkpoints, the CSV log and cancel. Adding a task: implement this beside the domain's code and
// add one row to catalog/catalog.cpp (docs/architecture.md shows the steps).
//
// Thread rules: used by the one thread that runs the loop. Failure: errors as values.

#include "base/job.h"
#include "train/options.h"
#include "train/recipe.h"

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace torch::nn {
class Module;
}

namespace reverie::train {

class TrainTask {
public:
    virtual ~TrainTask() = default;
    /// The network being trained, built by the factory right after the loop seeded LibTorch's
    /// generator with the recipe's seed (so the initial weights are a function of the seed).
    virtual torch::nn::Module& module() = 0;
    /// The string recorded in checkpoints and weight files (models::architectureTag()).
    virtual std::string architecture() const = 0;
    /// The task's section with every default filled in (written to recipe.json and checkpoints).
    virtual nlohmann::json section() const = 0;
    /// The loss of one step. The batch must be a function of (recipe seed, step) and of draws
    /// from `gen` (the loop checkpoints gen), so a resumed run replays a straight one exactly.
    virtual Result<at::Tensor> loss(std::int64_t step, at::Generator& gen) = 0;
    /// After the last checkpoint of every run (the recipe's end, a partial run or a cancel), with
    /// the EMA weights in `checkpoint`: files derived from it (a fine-tuning run's adapter),
    /// written atomically, their paths appended to summary.files.
    virtual Result<bool> checkpointWritten(const std::string& checkpoint, Summary& summary) {
        (void)checkpoint;
        (void)summary;
        return true;
    }
    /// After the recipe's last step (not after a cancel or a partial run): figures measured with the EMA weights in
    /// `checkpoint`, added to the summary (e.g. the classifier's test accuracy). Long evaluations
    /// watch ctx and return Cancelled (the checkpoint is already written; the loop reports it).
    virtual Result<bool> finish(const std::string& checkpoint, Summary& summary, const JobContext& ctx) {
        (void)checkpoint;
        (void)summary;
        (void)ctx;
        return true;
    }
};

/// Whether the factory should load the training data (false: export and inspection, which only
/// need the network).
enum class TaskData { Load, Skip };

/// Builds a task from a recipe; errors name bad section keys, missing data, wrong shapes.
using TaskFactory = std::function<Result<std::unique_ptr<TrainTask>>(const Recipe&, TaskData)>;

} // namespace reverie::train
