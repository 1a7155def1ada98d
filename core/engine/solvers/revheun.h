#pragma once
// Reversible Heun (Kidger, Foster, Li & Lyons 2021, "Efficient and accurate gradients for neural
// SDEs", Alg. 1 and 2) for the probability-flow ODE and the reverse-time SDE
//     dx = [f(x, t) − c·g(t)² ∇log p_t(x)] dt + [c = 1] g(t) dw̄,   c = ½ (ODE) or 1 (SDE),
// integrated from tStart down to tEnd on a uniform t grid. It carries a second state ŷ and
// reuses one drift evaluation per step:
//     ŷ_{n+1} = 2y_n − ŷ_n + F(ŷ_n) Δt + g_n ΔW_n
//     y_{n+1} = y_n + ½(F(ŷ_n) + F(ŷ_{n+1})) Δt + ½(g_n + g_{n+1}) ΔW_n
// and is algebraically invertible: (y_n, ŷ_n) follow from (y_{n+1}, ŷ_{n+1}) with one more drift
// evaluation, which is what lets engine/grad/samplergrad.h backpropagate in O(1) memory. Second
// order on ODEs; the diffusion of every SDE here is additive (g depends on t only), so the
// Stratonovich solution it converges to is the Itô one. NFE = N + 1. The noise comes from a
// BrownianPath (brownian.h) seeded with common.seed, so a run can be replayed exactly.
//
// Its stability region is a segment of the imaginary axis: on a contracting flow (every
// probability-flow ODE near the data) the parasitic mode y − ŷ grows by at most
// exp(∫|∂F/∂x| dt); docs/methods.md, "Gradients through the sampler", has the measured figures.
//
// Thread rules and failure: as every sampler (solvers/common.h). common.source (replayed noise)
// is refused: the increments must be reconstructible at any time.

#include "engine/solvers/brownian.h"
#include "engine/solvers/common.h"

#include <vector>

namespace reverie::solvers {

struct RevHeunOptions {
    CommonOptions common;
    bool stochastic = false; ///< the reverse SDE (true) or the probability-flow ODE (false)
};

Result<SampleOutput> sampleReversibleHeun(const Sde& sde, const Denoiser& d, const at::Tensor& xT,
                                          const at::Tensor& mu, const RevHeunOptions& o,
                                          const JobContext& ctx);

/// The integrator's steps, shared with the gradient strategies. Step n goes grid[n] → grid[n+1].
class RevHeun {
public:
    /// path: required when stochastic (must cover the grid), ignored otherwise. m, path must
    /// outlive this object.
    RevHeun(Model& m, std::vector<double> grid, bool stochastic, const BrownianPath* path);

    struct State {
        at::Tensor y, yHat, f; ///< f = F(ŷ, t) at the state's time
    };
    /// ŷ_0 = y_0 = x_T and F(x_T, t_0): one NFE.
    State start(const at::Tensor& xT);
    /// One step forward (n → n + 1): one NFE.
    State step(const State& s, int n);
    /// One step back (n + 1 → n) from the state after step n: one NFE.
    State inverse(const State& s, int n);
    /// The reverse-time drift F(x, t) (probability flow or SDE, per the constructor); x0 receives
    /// x̂_0 when not null. One NFE.
    at::Tensor drift(const at::Tensor& x, double t, at::Tensor* x0 = nullptr);
    /// g(t_n)ΔW_n-style noise of step n: {g_n ΔW_n, ½(g_n + g_{n+1}) ΔW_n} (undefined for the ODE).
    std::pair<at::Tensor, at::Tensor> noise(int n, const at::Tensor& like);

    const std::vector<double>& grid() const { return m_grid; }
    int steps() const { return static_cast<int>(m_grid.size()) - 1; }
    bool stochastic() const { return m_stochastic; }
    Model& model() { return m_m; }
    const at::Tensor& lastX0() const { return m_x0; }

private:
    Model& m_m;
    std::vector<double> m_grid;
    bool m_stochastic;
    const BrownianPath* m_path;
    at::Tensor m_x0;
};

} // namespace reverie::solvers
