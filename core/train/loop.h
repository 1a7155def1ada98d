#pragma once
// The generic training loop: AdamW with linear warm-up and cosine decay, EMA weights, gradient
// clipping, a checkpoint every `checkpoint_every` steps and at the end, a CSV log, cancel before
// every step. The task (train/task.h) supplies the network and the loss.
//
// Exact resume: a checkpoint holds the model, the EMA weights, the optimiser state, the step and
// the random generator's state; the data order is a function of (seed, step). Training N steps
// straight and training k steps, stopping and resuming for N − k give bit-identical weights (with
// the same thread count). A checkpoint from another architecture is refused.
//
// Files in Options::outDir: checkpoint.pt (written atomically), train_log.csv (rows after the
// resumed step are dropped), recipe.json.
//
// Thread rules: runs on the calling thread (the engine thread or the CLI). Failure: errors as
// values; a cancelled run writes a checkpoint of what it finished and returns Cancelled.

#include "base/job.h"
#include "train/options.h"
#include "train/recipe.h"
#include "train/task.h"

#include <cstdint>
#include <functional>
#include <string>

namespace reverie::train {

/// Runs (or resumes) training. Progress: step/total, message "loss …", values loss/lr/grad_norm,
/// and where the allocator hook is installed on the calling thread (base/telemetry.h)
/// activation_mib (the step's allocator peak minus what was held before it: weights, gradients,
/// optimiser state) and allocated_mib (what was held). The summary then carries the largest
/// activation figure as "peak_activation_mib". The allocator peak is restarted every step.
Result<Summary> run(const Recipe& recipe, const TaskFactory& factory, const Options& options, const JobContext& ctx);

/// Writes the EMA weights of a training checkpoint as the model's own weights, with its
/// architecture and recipe and without optimiser state: the small file that ships. `factoryFor`
/// finds the task of the recipe recorded in the checkpoint. Returns the file's size.
Result<std::int64_t> exportWeights(const std::string& checkpoint, const std::string& out,
                                   const std::function<Result<TaskFactory>(const std::string& task)>& factoryFor);

} // namespace reverie::train
