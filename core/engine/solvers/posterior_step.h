#pragma once
// The Gaussian posterior q(y_t | y_s, y₀) of the affine family for s noisier than t, shared by the
// posterior sampler (exp.h) and its one-step baseline (posterior_onestep.h). Formulas:
// docs/methods.md, "Posterior sampling". Internal to the engine's solvers.

#include <algorithm>

namespace reverie::solvers::detail {

/// y_t = w · y_s + c0 · ŷ₀ + std · z, from α and σ at s (as, ss) and at t (at, st).
struct PosteriorStep {
    double w = 0, c0 = 0, var = 0;
};

inline PosteriorStep posteriorStep(double as, double ss, double at, double st) {
    const double A = as / at; // the forward transition t → s: y_s = A y_t + …
    PosteriorStep p;
    p.w = A * st * st / (ss * ss);
    p.c0 = at - p.w * as;
    p.var = st * st * std::max(0.0, ss * ss - A * A * st * st) / (ss * ss);
    return p;
}

} // namespace reverie::solvers::detail
