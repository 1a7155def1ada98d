#pragma once
// Gradients of a loss on the final sample of a whole sampling run with respect to what went in:
// the start noise x_T and any tensors the denoiser reads (a conditioning embedding, an adapter's
// weights, a data mean). The run is reversible Heun (solvers/revheun.h) on the probability-flow
// ODE or the reverse SDE; four strategies give the gradient:
//   Backprop    autograd through every step: exact for the discrete map, memory O(N).
//   Checkpoint  keep the state at ⌈√N⌉ segment starts, recompute each segment with autograd on
//               the way back: exact, memory O(√N) states + one segment's graph, 2N + 1 NFE.
//   Reversible  keep only the final state; step backwards with the algebraic inverse and
//               backpropagate one step at a time (Kidger et al. 2021, Alg. 2): exact up to the
//               inverse's round-off, memory O(1) in N, forward N + 1 NFE, backward 2N + 1.
//   Adjoint     the continuous adjoint (Chen et al. 2018): integrate
//               dx/dt = F, da/dt = −aᵀ∂F/∂x, da_θ/dt = −aᵀ∂F/∂θ backwards with Heun on the same
//               grid and the same Brownian path: memory O(1), but it differentiates the ODE, not
//               the discrete map, so its gradient carries an O(Δt²) error that is reported.
// The stochastic case replays the Brownian path (solvers/brownian.h) so every strategy sees the
// increments the forward pass used. Derivations and measured figures: docs/methods.md,
// "Gradients through the sampler".
//
// Thread rules: the engine thread; turns autograd on for its own duration (callers may be in
// inference mode). Failure: errors as values (bad settings → InvalidInput, cancel → Cancelled, a
// throwing denoiser or loss → Failed).

#include "engine/solvers/common.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace reverie::grad {

enum class Strategy { Backprop, Checkpoint, Reversible, Adjoint };
std::string toString(Strategy s);
std::optional<Strategy> strategyFromString(const std::string& s);
inline constexpr Strategy kAllStrategies[] = {Strategy::Backprop, Strategy::Checkpoint, Strategy::Reversible,
                                              Strategy::Adjoint};

struct Problem {
    const sde::Sde* sde = nullptr; ///< must outlive the call
    sde::Denoiser denoiser;
    at::Tensor mu; ///< the mean-reversion target (undefined for VE/VP/sub-VP)
    /// Tensors the denoiser reads whose gradients are wanted (floating point; the strategies turn
    /// requires_grad on for the call's duration and restore it).
    std::vector<at::Tensor> params;
    /// A scalar loss of the final sample; differentiable, independent of params.
    std::function<at::Tensor(const at::Tensor& x)> loss;
};

struct Options {
    solvers::CommonOptions common; ///< steps, tStart, tEnd, seed, noise mode, cancel via ctx
    bool stochastic = false;       ///< reverse SDE (Brownian path from common.seed) or PF-ODE
    Strategy strategy = Strategy::Reversible;
    int segments = 0; ///< Checkpoint: segment count (0: ⌈√N⌉)
    /// Keep the solver's states (y, ŷ, F, the adjoint) in float64 while the denoiser and the loss
    /// still see x_T's dtype (inputs cast down, outputs cast up). Reversible Heun's inverse then
    /// reconstructs the run to float64 round-off instead of float32's: on the reverse SDE its
    /// parasitic mode amplifies that round-off (docs/methods.md, "Gradients through the sampler"),
    /// and a float32 network's float32 states leave the reversible gradient 3.7e-4 from
    /// backprop's at N = 200. Costs a cast per evaluation and twice the state memory (still O(1)
    /// in N). Ignored when x_T is float64 already. Results come back in x_T's dtype.
    bool doubleState = false;
};

struct Output {
    double loss = 0;
    at::Tensor sample;                  ///< the final sample (no graph)
    at::Tensor gradX;                   ///< ∂loss/∂x_T
    std::vector<at::Tensor> gradParams; ///< ∂loss/∂params[i] (zeros where unused)
    std::int64_t forwardNfe = 0, backwardNfe = 0;
    /// Reversible and Adjoint: max |x̃_T − x_T| / max |x_T| of the start state reconstructed by the
    /// backward pass (0 for the others).
    double reconstructionError = 0;
};

Result<Output> sampleGrad(const Problem& p, const at::Tensor& xT, const Options& o, const JobContext& ctx);

} // namespace reverie::grad
