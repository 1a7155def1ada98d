#pragma once
// Exact likelihood through the probability-flow ODE (Song et al. 2021, App. D): integrate the
// ODE from tEps up to T together with the divergence of its vector field,
//     log p_tEps(x) = log p_T(x_T) + ∫_tEps^T div f̃(x_t, t) dt,
// with div f̃ from the Hutchinson–Skilling estimator εᵀ(∂f̃/∂x)ε (one fixed Rademacher or
// Gaussian ε per item for the whole trajectory, one vector-Jacobian product per evaluation) or,
// for small data, the exact trace (D backward passes per evaluation). Each vector-field
// evaluation is one network evaluation (NFE); the backward passes are not counted as NFE.
// bits/dim = −log p/(D ln 2) + offsetBits (7 for 8-bit data scaled to [−1, 1], 8 for [0, 1]).
//
// Needs autograd through the denoiser: the function switches InferenceMode off and grad mode on
// for its own duration. Real-valued data only.

#include "solvers/common.h"
#include "solvers/ode.h"

namespace reverie::solvers {

enum class TraceEstimator { Rademacher, Gaussian, Exact };

struct LikelihoodOptions {
    OdeMethod method = OdeMethod::RK4;  ///< Euler, Heun, RK4 (fixed steps) or DoPri5
    int steps = 100;                    ///< fixed-step methods
    double rtol = 1e-5, atol = 1e-5;    ///< DoPri5
    double tEps = 1e-5;                 ///< lower integration limit (Song: 1e-5)
    TraceEstimator trace = TraceEstimator::Rademacher;
    double offsetBits = 0.0;
    std::uint64_t seed = 0;
    NoiseMode noise = NoiseMode::PerItem;
    std::int64_t maxNfe = 0;
    /// log p_T at the end point, [B]; empty → the SDE's prior (sde.priorLogProb).
    std::function<at::Tensor(const at::Tensor& xT)> terminalLogProb;
};

struct LikelihoodOutput {
    at::Tensor logp;   ///< [B] log-density of x at tEps, nats
    at::Tensor bpd;    ///< [B] bits per dimension (with offsetBits)
    at::Tensor xT;     ///< the encoding at T
    std::int64_t nfe = 0;
};

Result<LikelihoodOutput> pfOdeLikelihood(const Sde& sde, const Denoiser& d, const at::Tensor& x, const at::Tensor& mu,
                                         const LikelihoodOptions& o, const JobContext& ctx);

} // namespace reverie::solvers
