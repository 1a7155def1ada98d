#include "engine/solvers/posterior_onestep.h"
#include "engine/solvers/posterior_step.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

namespace reverie::solvers {

Result<SampleOutput> samplePosteriorOneStep(const Sde& sde, const Denoiser& d, const at::Tensor& xT,
                                            const at::Tensor& mu, const OneStepPosteriorOptions& o,
                                            const JobContext& ctx) {
    return runGuarded<SampleOutput>("one-step posterior baseline", [&]() -> Result<SampleOutput> {
        const Resolved r = validateCommon("one-step posterior", sde, d, xT, mu, o.common,
                                          [](int n) { return static_cast<std::int64_t>(n); });
        NoiseSource ownNoise(o.common.seed, o.common.noise);
        NoiseSource& noise = samplerNoise(o.common, ownNoise);
        Model m(sde, d, mu, ctx, o.common.maxNfe);
        const std::vector<double> grid = sde.uniformGrid(r.steps, r.tStart, r.tEnd);
        const double delta = (r.tStart - r.tEnd) / double(std::max(1, sde.defaultSteps()));
        at::Tensor y = m.y(xT), x0;
        for (int i = 1; i <= r.steps; ++i) {
            const double start = nowSeconds();
            const double t = grid[i - 1], u = std::max(r.tEnd, t - delta);
            const double sa = sde.alpha(t), ss = sde.sigma(t), ta = sde.alpha(u), ts = sde.sigma(u);
            const at::Tensor y0 = m.y(x0 = m.data(m.x(y), t));
            const auto ps = detail::posteriorStep(sa, ss, ta, ts); // q(y_u | y_t, ŷ₀)
            y = y * ps.w + y0 * ps.c0;
            if (ps.var > 0 && i < r.steps) y = y + noise.randnLike(y) * std::sqrt(ps.var);
            reportStep(o.common, m, i, r.steps, grid[i], m.x(y), x0, nowSeconds() - start, "one-step posterior");
        }
        return SampleOutput{m.x(y), m.nfe(), r.steps};
    });
}

} // namespace reverie::solvers
