#pragma once
// A baseline, not a sampler to use: IR-SDE's posterior step applied as a one-step t → t − δ
// update at each time of a subsampled grid (δ = the model's own step, (tStart − tEnd)/T), as the
// MR Sampler paper's "posterior sampling" baseline runs a 100-step-trained IR-SDE at fewer
// steps. Each evaluation at t_{i−1} moves the state by one native step only and the next
// evaluation treats it as being at t_i, so a short schedule barely moves the state: at N < T the
// result keeps noise. The exact sampler over the same grid is samplePosterior (exp.h), which
// takes the two-time posterior t_{i−1} → t_i. docs/methods.md, "Posterior sampling".
// Thread rules and failure: as every sampler (solvers/common.h).

#include "engine/solvers/common.h"

namespace reverie::solvers {

struct OneStepPosteriorOptions {
    CommonOptions common; ///< steps = N subsampled times (uniform in t); NFE = N
};

Result<SampleOutput> samplePosteriorOneStep(const Sde& sde, const Denoiser& d, const at::Tensor& xT,
                                            const at::Tensor& mu, const OneStepPosteriorOptions& o,
                                            const JobContext& ctx);

} // namespace reverie::solvers
