#pragma once
// Probability-flow ODE solvers (Song et al. 2021, Eq. 13), integrated from tStart down to tEnd:
// Euler (NFE = N), Heun (2N) and RK4 (4N) on a uniform t grid, and adaptive Dormand–Prince 5(4)
// (DoPri5: every batch item meets the tolerance; NFE as needed, 1 + 6 per attempted step, steps
// ignored, maxNfe bounds it). Controller and error norm: docs/methods.md,
// "Probability-flow ODE solvers".
// Thread rules and failure: as every sampler (solvers/common.h); exceeding maxNfe is an error.

#include "engine/solvers/common.h"

namespace reverie::solvers {

enum class OdeMethod { Euler, Heun, RK4, DoPri5 };
std::string toString(OdeMethod m);

struct OdeOptions {
    CommonOptions common;
    OdeMethod method = OdeMethod::Heun;
    double rtol = 1e-5;  ///< DoPri5 only
    double atol = 1e-5;  ///< DoPri5 only
    double h0 = 0;       ///< DoPri5 first step (0 = 1% of the interval)
    int maxSteps = 100000; ///< DoPri5 attempted-step limit
};

/// NFE of a fixed-step method with N steps (DoPri5: −1, adaptive).
std::int64_t odeNfe(OdeMethod m, int steps);

Result<SampleOutput> sampleOde(const Sde& sde, const Denoiser& d, const at::Tensor& xT, const at::Tensor& mu,
                               const OdeOptions& o, const JobContext& ctx);

/// The PF-ODE velocity dx/dt at (x, t) through the counting model (one NFE). x0 receives x̂_0
/// when not null.
at::Tensor pfOdeVelocity(Model& m, const at::Tensor& x, double t, at::Tensor* x0 = nullptr);

/// One generic integrator over a vector field, shared with the likelihood: integrates
/// f(state, t) from t0 to t1 (either direction). Fixed methods take `steps` uniform steps.
/// Returns the state; nfe counts f calls. onStep(stepIndex, t, state) after each accepted step.
struct Integrated {
    at::Tensor state;
    std::int64_t fCalls = 0;
    int steps = 0;
};
Integrated integrate(const std::function<at::Tensor(const at::Tensor&, double)>& f, at::Tensor state, double t0,
                     double t1, const OdeOptions& o, int steps,
                     const std::function<void(int, double, const at::Tensor&)>& onStep);

} // namespace reverie::solvers
