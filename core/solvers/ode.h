#pragma once
// Probability-flow ODE solvers (Song et al. 2021):
//     dx/dt = κ(t)(μ − x) − ½ g(t)² ∇log p_t(x),
// integrated from tStart down to tEnd.
//
// Fixed-step methods on a uniform t grid with N steps: Euler (NFE = N), Heun (NFE = 2N),
// classical RK4 (NFE = 4N). DoPri5: adaptive Dormand–Prince 5(4) with FSAL and a PI step-size
// controller (Hairer, Nørsett & Wanner II.4: β = 0.04, α = 0.2 − 0.75β, safety 0.9, factor in
// [0.2, 10]); the error norm is the RMS of e/(atol + rtol·max(|x_n|, |x_{n+1}|)) per batch item,
// maximised over the batch so that every item meets the tolerance. DoPri5's NFE is whatever it
// needs (1 + 6 per attempted step); steps is ignored, maxNfe bounds it (error if exceeded).

#include "solvers/common.h"

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
