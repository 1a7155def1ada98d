#pragma once
// EDM sampler (Karras et al. 2022) for any SDE of sde.h, run in the VE-equivalent space
// x̃ = (x − μ)/α + μ, σ̃ = σ/α: Heun on the Karras σ grid with an Euler step into σ = 0
// (NFE = 2N − 1; toZero = false ends at σmin, NFE = 2N), optionally stochastic (S_churn, S_tmin,
// S_tmax, S_noise). xT is the state in x-space at t(σmax). Grid and updates: docs/methods.md,
// "EDM sampler".
// Thread rules and failure: as every sampler (solvers/common.h).

#include "engine/solvers/common.h"

namespace reverie::solvers {

struct EdmOptions {
    CommonOptions common;   ///< steps = N; tStart/tEnd set σmax/σmin when those are NaN
    double sigmaMin = std::numeric_limits<double>::quiet_NaN(); ///< NaN → σ̃(tEnd)
    double sigmaMax = std::numeric_limits<double>::quiet_NaN(); ///< NaN → σ̃(tStart)
    double rho = 7.0;
    double sChurn = 0.0, sTmin = 0.0, sTmax = std::numeric_limits<double>::infinity(), sNoise = 1.0;
    bool toZero = true;
};

/// The Karras σ grid (N+1 values, last 0 when toZero).
std::vector<double> karrasSigmas(int n, double sigmaMin, double sigmaMax, double rho, bool toZero);

std::int64_t edmNfe(int steps, bool toZero);

Result<SampleOutput> sampleEdm(const Sde& sde, const Denoiser& d, const at::Tensor& xT, const at::Tensor& mu,
                               const EdmOptions& o, const JobContext& ctx);

} // namespace reverie::solvers
