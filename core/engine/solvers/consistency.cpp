#include "engine/solvers/consistency.h"

#include <ATen/ATen.h>

#include <cmath>

namespace reverie::solvers {

Result<SampleOutput> sampleConsistency(const Sde& sde, const Denoiser& d, const at::Tensor& xT, const at::Tensor& mu,
                                       const ConsistencyOptions& o, const JobContext& ctx) {
    return runGuarded<SampleOutput>("consistency sampler", [&]() -> Result<SampleOutput> {
        CommonOptions common = o.common;
        if (!o.times.empty()) {
            common.steps = int(o.times.size());
            common.tStart = o.times.front();
        }
        const Resolved r = validateCommon("consistency", sde, d, xT, mu, common, [](int n) { return std::int64_t(n); });
        std::vector<double> times = o.times;
        if (times.empty()) {
            const auto grid = sde.uniformGrid(r.steps, r.tStart, r.tEnd);
            times.assign(grid.begin(), grid.end() - 1);
        }
        for (std::size_t i = 0; i < times.size(); ++i) {
            if (!sde.inRange(times[i]) || !(times[i] > r.tEnd))
                throw InvalidError("time " + std::to_string(times[i]) + " is outside (tEnd, T]");
            if (i > 0 && !(times[i] < times[i - 1])) throw InvalidError("the times must decrease");
        }
        NoiseSource ownNoise(common.seed, common.noise);
        NoiseSource& noise = samplerNoise(common, ownNoise);
        Model m(sde, d, mu, ctx, common.maxNfe);
        at::Tensor y = m.y(xT), x0;
        const int n = int(times.size());
        for (int i = 0; i < n; ++i) {
            const double start = nowSeconds();
            const double t = times[std::size_t(i)];
            const auto [cSkip, cOut] = o.boundary ? o.boundary(t) : std::pair<double, double>{0.0, 1.0};
            const at::Tensor y0 = m.y(m.data(m.x(y), t));
            const at::Tensor yHat = cSkip == 0.0 ? y0 * cOut : y * cSkip + y0 * cOut;
            x0 = m.x(yHat);
            if (i + 1 < n) {
                const double next = times[std::size_t(i) + 1];
                y = yHat * sde.alpha(next) + noise.randnLike(yHat) * sde.sigma(next);
            } else {
                y = yHat;
            }
            reportStep(common, m, i + 1, n, i + 1 < n ? times[std::size_t(i) + 1] : r.tEnd, m.x(y), x0,
                       nowSeconds() - start, "consistency");
        }
        return SampleOutput{m.x(y), m.nfe(), n};
    });
}

} // namespace reverie::solvers
