#include "engine/solvers/edm.h"

#include <ATen/ATen.h>

#include <cmath>

namespace reverie::solvers {

std::vector<double> karrasSigmas(int n, double sMin, double sMax, double rho, bool toZero) {
    std::vector<double> s(static_cast<size_t>(n) + 1);
    const double a = std::pow(sMax, 1.0 / rho), b = std::pow(sMin, 1.0 / rho);
    const int denom = toZero ? n - 1 : n;
    for (int i = 0; i <= n; ++i) {
        if (toZero && i == n) {
            s[i] = 0.0;
            break;
        }
        const double u = denom > 0 ? static_cast<double>(i) / denom : 0.0;
        s[i] = std::pow(a + u * (b - a), rho);
    }
    return s;
}

std::int64_t edmNfe(int steps, bool toZero) { return toZero ? 2LL * steps - 1 : 2LL * steps; }

Result<SampleOutput> sampleEdm(const Sde& sde, const Denoiser& d, const at::Tensor& xT, const at::Tensor& mu,
                               const EdmOptions& o, const JobContext& ctx) {
    return runGuarded<SampleOutput>("EDM sampler", [&]() -> Result<SampleOutput> {
        const bool toZero = o.toZero;
        const Resolved r = validateCommon("EDM", sde, d, xT, mu, o.common, [toZero](int n) { return edmNfe(n, toZero); });
        const double sigMaxAllowed = sde.sigmaTilde(sde.tMax());
        const double sMax = std::isnan(o.sigmaMax) ? sde.sigmaTilde(r.tStart) : o.sigmaMax;
        const double sMin = std::isnan(o.sigmaMin) ? sde.sigmaTilde(r.tEnd) : o.sigmaMin;
        if (!(sMin > 0)) throw InvalidError("sigmaMin must be positive (tEnd must have sigma(t) > 0)");
        if (!(sMax > sMin)) throw InvalidError("sigmaMax must be larger than sigmaMin");
        if (sMax > sigMaxAllowed * (1 + 1e-9))
            throw InvalidError("sigmaMax is beyond the SDE's largest noise level " + std::to_string(sigMaxAllowed));
        if (!(o.rho > 0)) throw InvalidError("rho must be positive");
        if (!(o.sChurn >= 0) || !(o.sNoise >= 0)) throw InvalidError("S_churn and S_noise must be >= 0");
        if (toZero && r.steps < 2) throw InvalidError("EDM needs at least 2 steps when ending at sigma = 0");
        NoiseSource ownNoise(o.common.seed, o.common.noise);
        NoiseSource& noise = samplerNoise(o.common, ownNoise);
        Model m(sde, d, mu, ctx, o.common.maxNfe);
        const std::vector<double> sig = karrasSigmas(r.steps, sMin, sMax, o.rho, toZero);

        // D(x̃; σ) through the counting model.
        auto D = [&](const at::Tensor& xt, double s) {
            const double t = sde.tFromSigmaTilde(s);
            const double a = sde.alpha(t);
            return m.data(m.x(m.y(xt) * a), t);
        };
        const double t0 = sde.tFromSigmaTilde(sig[0]);
        at::Tensor x = m.x(m.y(xT) / sde.alpha(t0)), x0;
        const double gammaMax = std::sqrt(2.0) - 1.0;
        for (int i = 0; i < r.steps; ++i) {
            const double start = nowSeconds();
            double s = sig[i];
            const double sn = sig[i + 1];
            if (o.sChurn > 0 && s >= o.sTmin && s <= o.sTmax) {
                const double gamma = std::min(o.sChurn / r.steps, gammaMax);
                const double sh = std::min(s * (1.0 + gamma), sigMaxAllowed);
                if (sh > s) {
                    x = x + noise.randnLike(x) * (std::sqrt(sh * sh - s * s) * o.sNoise);
                    s = sh;
                }
            }
            x0 = D(x, s);
            const at::Tensor dcur = (x - x0) / s;
            at::Tensor xn = x + dcur * (sn - s);
            if (sn > 0) {
                const at::Tensor x0n = D(xn, sn);
                const at::Tensor dn = (xn - x0n) / sn;
                xn = x + (dcur + dn) * (0.5 * (sn - s));
            }
            x = xn;
            const double tNow = sn > 0 ? sde.tFromSigmaTilde(sn) : 0.0;
            reportStep(o.common, m, i + 1, r.steps, tNow, x, x0, nowSeconds() - start, "EDM sampler");
        }
        if (!toZero) {
            const double t = sde.tFromSigmaTilde(sig.back());
            x = m.x(m.y(x) * sde.alpha(t));
        }
        return SampleOutput{x, m.nfe(), r.steps};
    });
}

} // namespace reverie::solvers
