#pragma once
// Multistep consistency sampling (Song et al., "Consistency Models", ICML 2023, Algorithm 1; the
// sampler of latent consistency models, Luo et al. 2023, Algorithm 3). At each time τ_i of a
// descending list the model maps the state straight to data through the boundary-condition
// parameterisation of a consistency function,
//     x̂ = c_skip(τ_i) · x + c_out(τ_i) · x̂₀(x, τ_i),
// and the state is re-noised to the next time with fresh noise,
//     x ← μ + α(τ_{i+1}) (x̂ − μ) + σ(τ_{i+1}) z;
// after the last time x̂ is the sample. One network evaluation per time: NFE = number of times. A
// plain denoiser (c_skip, c_out) = (0, 1) gives the same scheme with its own x̂₀.
// Method: docs/methods.md, "LCM". Thread rules and failure: as every sampler (solvers/common.h).

#include "engine/solvers/common.h"

#include <functional>
#include <utility>
#include <vector>

namespace reverie::solvers {

struct ConsistencyOptions {
    CommonOptions common;       ///< seed, noise, onStep; steps and tStart come from `times` when given
    /// The times τ_0 > τ_1 > … in the SDE's range; the start state is at τ_0. Empty: common.steps
    /// times uniform in t from tStart (down to, not including, tEnd).
    std::vector<double> times;
    /// (c_skip, c_out) at time t; empty: (0, 1).
    std::function<std::pair<double, double>(double t)> boundary;
};

Result<SampleOutput> sampleConsistency(const Sde& sde, const Denoiser& d, const at::Tensor& xT, const at::Tensor& mu,
                                       const ConsistencyOptions& o, const JobContext& ctx);

} // namespace reverie::solvers
