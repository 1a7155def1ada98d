#include "engine/solvers/revheun.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <optional>
#include <utility>

namespace reverie::solvers {

RevHeun::RevHeun(Model& m, std::vector<double> grid, bool stochastic, const BrownianPath* path)
    : m_m(m), m_grid(std::move(grid)), m_stochastic(stochastic), m_path(path) {
    if (m_grid.size() < 2) throw InvalidError("reversible Heun needs at least one step");
    if (m_stochastic && !m_path) throw InvalidError("the stochastic reversible Heun needs a Brownian path");
}

at::Tensor RevHeun::drift(const at::Tensor& x, double t, at::Tensor* x0) {
    const Sde& sde = m_m.sde();
    const Model::Pred p = m_m.predict(x, t);
    m_x0 = p.x0.detach();
    if (x0) *x0 = p.x0;
    const double g = sde.diffusion(t);
    return m_m.y(x) * (-sde.kappa(t)) - p.score * ((m_stochastic ? 1.0 : 0.5) * g * g);
}

std::pair<at::Tensor, at::Tensor> RevHeun::noise(int n, const at::Tensor& like) {
    if (!m_stochastic) return {};
    const double ta = m_grid[static_cast<size_t>(n)], tb = m_grid[static_cast<size_t>(n) + 1];
    // The reverse-time increment over [tb, ta] (the grid runs downwards), variance |Δt|.
    const at::Tensor dW = m_path->increment(std::min(ta, tb), std::max(ta, tb)).to(like.options());
    const double ga = m_m.sde().diffusion(ta), gb = m_m.sde().diffusion(tb);
    return {dW * ga, dW * (0.5 * (ga + gb))};
}

RevHeun::State RevHeun::start(const at::Tensor& xT) { return State{xT, xT, drift(xT, m_grid.front())}; }

RevHeun::State RevHeun::step(const State& s, int n) {
    const double ta = m_grid[static_cast<size_t>(n)], tb = m_grid[static_cast<size_t>(n) + 1];
    const double dt = tb - ta;
    const auto [gHat, gMid] = noise(n, s.y);
    at::Tensor yHat = s.y * 2.0 - s.yHat + s.f * dt;
    if (gHat.defined()) yHat = yHat + gHat;
    at::Tensor f = drift(yHat, tb);
    at::Tensor y = s.y + (s.f + f) * (0.5 * dt);
    if (gMid.defined()) y = y + gMid;
    return State{std::move(y), std::move(yHat), std::move(f)};
}

RevHeun::State RevHeun::inverse(const State& s, int n) {
    const double ta = m_grid[static_cast<size_t>(n)], tb = m_grid[static_cast<size_t>(n) + 1];
    const double dt = tb - ta;
    const auto [gHat, gMid] = noise(n, s.y);
    at::Tensor yHat = s.y * 2.0 - s.yHat - s.f * dt;
    if (gHat.defined()) {
        // ŷ_n = 2y_{n+1} − ŷ_{n+1} − F(ŷ_{n+1})Δt − g_{n+1}ΔW_n, and g_{n+1}ΔW = 2·gMid − gHat.
        yHat = yHat - (gMid * 2.0 - gHat);
    }
    at::Tensor f = drift(yHat, ta);
    at::Tensor y = s.y - (f + s.f) * (0.5 * dt);
    if (gMid.defined()) y = y - gMid;
    return State{std::move(y), std::move(yHat), std::move(f)};
}

Result<SampleOutput> sampleReversibleHeun(const Sde& sde, const Denoiser& d, const at::Tensor& xT,
                                          const at::Tensor& mu, const RevHeunOptions& o,
                                          const JobContext& ctx) {
    return runGuarded<SampleOutput>("reversible Heun", [&]() -> Result<SampleOutput> {
        if (o.common.source)
            throw InvalidError(
                "reversible Heun draws its noise from a reconstructible Brownian path; replayed noise "
                "is not supported");
        const Resolved r = validateCommon("reversible Heun", sde, d, xT, mu, o.common,
                                          [](int n) { return static_cast<std::int64_t>(n) + 1; });
        Model m(sde, d, mu, ctx, o.common.maxNfe);
        std::optional<BrownianPath> path;
        if (o.stochastic)
            path.emplace(o.common.seed, std::min(r.tStart, r.tEnd), std::max(r.tStart, r.tEnd),
                         xT.sizes().vec(), o.common.noise);
        RevHeun rh(m, sde.uniformGrid(r.steps, r.tStart, r.tEnd), o.stochastic, path ? &*path : nullptr);
        RevHeun::State s = rh.start(xT);
        double last = nowSeconds();
        for (int n = 0; n < r.steps; ++n) {
            s = rh.step(s, n);
            const double now = nowSeconds();
            reportStep(o.common, m, n + 1, r.steps, rh.grid()[static_cast<size_t>(n) + 1], s.y, rh.lastX0(),
                       now - last, o.stochastic ? "reversible Heun (SDE)" : "reversible Heun (ODE)");
            last = now;
        }
        return SampleOutput{s.y, m.nfe(), r.steps};
    });
}

} // namespace reverie::solvers
