#pragma once
// Exact likelihood through the probability-flow ODE (Song et al. 2021, App. D): integrates the
// ODE from tEps up to T with the divergence of its vector field (Hutchinson–Skilling estimate or
// exact trace) and returns log p and bits/dim (docs/methods.md, "Likelihood"). NFE counts
// vector-field evaluations, not the backward passes. Real-valued data only.
// Thread rules: engine thread; needs autograd through the denoiser, so it switches InferenceMode
// off and grad mode on for its own duration. Failure: as every sampler (solvers/common.h).

#include "engine/solvers/common.h"
#include "engine/solvers/ode.h"

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
