#pragma once
// EDM sampler (Karras et al. 2022) for any SDE of sde.h, run in the VE-equivalent space
// x̃ = (x − μ)/α(t) + μ with noise level σ̃ = σ(t)/α(t), where D(x̃; σ̃) is the model's x̂_0 at
// t = t(σ̃) (exact rescaling, sde/param.h).
//
// σ_i = (σmax^{1/ρ} + i/(N−1)(σmin^{1/ρ} − σmax^{1/ρ}))^ρ for i < N, σ_N = 0. Heun's 2nd-order
// method on dx̃/dσ = (x̃ − D(x̃; σ))/σ, with an Euler step for the last step into σ = 0:
// NFE = 2N − 1 (18 steps = 35 NFE). With toZero = false the grid ends at σmin with a Heun step
// (σ_i over i/N), NFE = 2N, and the result is mapped back to x at t(σmin).
// Stochastic variant: γ_i = min(S_churn/N, √2 − 1) when S_tmin ≤ σ_i ≤ S_tmax, else 0;
// σ̂ = σ_i (1 + γ_i) (capped at σ̃(T)); x̃ ← x̃ + √(σ̂² − σ_i²) S_noise z; then the Heun step from σ̂.
// xT is the state in x-space at t(σmax).

#include "solvers/common.h"

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
