#pragma once
// The one table that maps a recipe's task name to the domain that trains it. Explicit on
// purpose: self-registering statics are dropped by static linking. Adding a task = one row in
// catalog.cpp (docs/architecture.md).
//
// Thread rules: the table is immutable. Failure: an unknown task names the known ones.

#include "base/job.h"
#include "train/options.h"
#include "train/recipe.h"
#include "train/task.h"

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::catalog {

struct TaskEntry {
    const char* name;    ///< the recipe's "task"
    const char* domain;  ///< the folder of core/ that owns it
    const char* summary; ///< one line for --help and the Train page
    train::TaskFactory factory;
};

/// Every training task, in a fixed order.
const std::vector<TaskEntry>& tasks();
/// The factory of a task name.
Result<train::TaskFactory> factoryFor(const std::string& task);

/// Trains (or resumes) a recipe with its task's factory (train::run).
Result<train::Summary> runTraining(const train::Recipe& recipe, const train::Options& options, const JobContext& ctx);

} // namespace reverie::catalog
