#pragma once
// Selective Synaptic Dampening (Foster et al. 2024): with the diagonal Fisher I_D of the training
// data and I_F of the identified forget set, every parameter with I_F > α·I_D is scaled
// θ ← min(λ·I_D / I_F, 1)·θ. No retraining, one pass per data set (docs/methods.md,
// "Selective Synaptic Dampening").
//
// Thread rules: runs on the caller's (engine) thread; the model's parameters are changed in
// place. Failure: errors as values (mismatched Fisher lists, a loss that is not a scalar, …).

#include "base/job.h"

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace reverie::unlearn {

struct SsdParams {
    double alpha = 10; ///< selection: dampen where I_F > α·I_D
    double lambda = 1; ///< dampening: θ ← min(λ·I_D / I_F, 1)·θ
};

/// One batch of the data a Fisher is computed over.
struct SsdBatch {
    at::Tensor input;
    at::Tensor target;
};

/// The scalar loss of one batch (the callback holds the model).
using SsdLossFn = std::function<at::Tensor(const SsdBatch&)>;

/// Diagonal Fisher, one tensor per model parameter (model.parameters() order): the mean over
/// batches of the squared gradient of the batch loss (batches of one sample give the
/// per-sample empirical Fisher). Gradients are cleared before and after.
Result<std::vector<at::Tensor>> diagonalFisher(torch::nn::Module& model, const std::vector<SsdBatch>& batches,
                                               const SsdLossFn& loss, const JobContext& ctx = {});

struct SsdResult {
    std::int64_t dampened = 0; ///< parameters (scalars) that were scaled
    std::int64_t total = 0;    ///< parameters considered
};

/// Dampens `params` in place (under NoGradGuard) from the two Fishers.
Result<SsdResult> dampen(const std::vector<at::Tensor>& params, const std::vector<at::Tensor>& fisherRetain,
                         const std::vector<at::Tensor>& fisherForget, const SsdParams& p = {});

/// Both Fishers, then dampen: `retain` is the training data D (it may include the forget set),
/// `forget` the identified samples.
Result<SsdResult> selectiveSynapticDampening(torch::nn::Module& model, const std::vector<SsdBatch>& retain,
                                             const std::vector<SsdBatch>& forget, const SsdLossFn& loss,
                                             const SsdParams& p = {}, const JobContext& ctx = {});

} // namespace reverie::unlearn
