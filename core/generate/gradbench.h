#pragma once
// `reverie-cli bench grad`: the four ways of taking a gradient through a whole sampling run
// (engine/grad/samplergrad.h) side by side, at N = 10, 50, 200 reversible-Heun steps:
//   gaussian  closed-form Gaussian data on the VP SDE (float64; the data mean is the parameter):
//             each strategy's gradient against central finite differences of the discrete map
//             (a random direction of x_T, and the mean), against plain backprop, and against
//             the exact gradient (ODE: of the exact flow map; SDE: the pathwise Jacobian on the
//             same Brownian path);
//   fmnist    the shipped class-conditional U-Net (fmnist-edm) on the VP SDE, batch 1, float32,
//             loss = −log p(class | final sample) under the shipped classifier, gradient with
//             respect to x_T: peak memory above what was held before (the allocator's peak),
//             seconds, NFE and the gradient's distance from plain backprop's.
// Thread rules: the engine thread (installs the allocator hook there).

#include "base/job.h"

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::generate {

struct GradBenchParams {
    std::vector<int> steps = {10, 50, 200};
    std::vector<std::string> strategies; ///< ids (samplergrad.h); empty: all four
    bool ode = true;                     ///< the probability-flow ODE
    bool stochastic = true;              ///< the reverse SDE
    bool gaussian = true;                ///< the closed-form Gaussian table (float64)
    bool network = true;                 ///< the fmnist case (needs the two models below)
    std::string modelDir, classifierDir;
    int label = 7; ///< the class the fmnist loss asks for (sneaker)
    bool doubleState = false; ///< the fmnist case's solver states in float64 (grad::Options::doubleState)
    std::uint64_t seed = 0;
};

struct GradBenchReport {
    std::string json;  ///< one line
    std::string table; ///< human-readable
};

/// Progress: one report per network row as it is measured (step/total over the rows; message the
/// strategy id; values steps, sde (0/1), peak_mib, seconds, nfe_forward, nfe_backward,
/// rel_error_vs_backprop (NaN before backprop's row), reconstruction_error).
Result<GradBenchReport> runGradBench(const GradBenchParams& p, const JobContext& ctx);

} // namespace reverie::generate
