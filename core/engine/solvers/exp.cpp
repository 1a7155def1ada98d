#include "engine/solvers/exp.h"
#include "engine/solvers/posterior_step.h"

#include <ATen/ATen.h>

#include <cmath>

namespace reverie::solvers {

namespace {

struct Coef {
    double a, s, lam;
};
Coef coef(const Sde& sde, double t) { return {sde.alpha(t), sde.sigma(t), sde.lambda(t)}; }

} // namespace

Result<SampleOutput> sampleMrs(const Sde& sde, const Denoiser& d, const at::Tensor& xT, const at::Tensor& mu,
                               const MrsOptions& o, const JobContext& ctx) {
    return runGuarded<SampleOutput>("MR Sampler", [&]() -> Result<SampleOutput> {
        if (o.order != 1 && o.order != 2) throw InvalidError("order must be 1 or 2 (got " + std::to_string(o.order) + ")");
        if (o.spacing == Spacing::Karras && !(o.rho > 0)) throw InvalidError("rho must be positive");
        if (o.thresholding.enabled && !(o.thresholding.ratio > 0 && o.thresholding.ratio <= 1 && o.thresholding.maxValue >= 1))
            throw InvalidError("dynamic thresholding needs 0 < ratio <= 1 and maxValue >= 1");
        const Resolved r = validateCommon("MRS", sde, d, xT, mu, o.common, [](int n) { return static_cast<std::int64_t>(n); });
        if (o.order == 2 && r.steps < 2)
            throw InvalidError("order 2 needs at least 2 steps (2 network evaluations); use order 1 for a single step");
        NoiseSource ownNoise(o.common.seed, o.common.noise);
        NoiseSource& noise = samplerNoise(o.common, ownNoise);
        Model m(sde, d, mu, ctx, o.common.maxNfe);
        m.setThresholding(o.thresholding);
        const std::vector<double> grid = timeGrid(sde, r.steps, r.tStart, r.tEnd, o.spacing, o.rho, o.lambdaMin);
        at::Tensor y = m.y(xT), x0, prevOut;
        double prevLam = 0;
        const bool dataForm = o.form == SolverForm::Data;
        for (int i = 1; i <= r.steps; ++i) {
            const double start = nowSeconds();
            const double ts = grid[i - 1], tt = grid[i];
            const Coef S = coef(sde, ts), T = coef(sde, tt);
            const Model::Pred p = m.predict(m.x(y), ts, false);
            x0 = p.x0;
            const at::Tensor y0 = m.y(p.x0);
            const at::Tensor out = dataForm ? y0 : p.eps;
            if (!(T.s > 0)) {
                y = y0 * T.a; // target at σ = 0: h = ∞
            } else {
                const double h = T.lam - S.lam;
                const bool second = o.order == 2 && prevOut.defined();
                const double rr = second ? (S.lam - prevLam) / h : 1.0;
                if (dataForm) {
                    if (!o.sde) {
                        at::Tensor D = second ? out + (out - prevOut) * (0.5 / rr) : out;
                        y = y * (T.s / S.s) - D * (T.a * std::expm1(-h));
                    } else {
                        const double e2 = -std::expm1(-2.0 * h); // 1 − e^{−2h}
                        y = y * (T.s / S.s * std::exp(-h)) + out * (T.a * e2);
                        if (second) y = y + (out - prevOut) * (0.5 * T.a * e2 / rr);
                        y = y + noise.randnLike(y) * (T.s * std::sqrt(e2));
                    }
                } else {
                    const double em1 = std::expm1(h);
                    if (!o.sde) {
                        y = y * (T.a / S.a) - out * (T.s * em1);
                        if (second) y = y - (out - prevOut) * (0.5 * T.s * em1 / rr);
                    } else {
                        y = y * (T.a / S.a) - out * (2.0 * T.s * em1);
                        if (second) y = y - (out - prevOut) * (T.s * em1 / rr);
                        y = y + noise.randnLike(y) * (T.s * std::sqrt(std::expm1(2.0 * h)));
                    }
                }
            }
            prevOut = out;
            prevLam = S.lam;
            const at::Tensor xNow = m.x(y);
            reportStep(o.common, m, i, r.steps, tt, xNow, x0, nowSeconds() - start, "MR Sampler");
        }
        return SampleOutput{m.x(y), m.nfe(), r.steps};
    });
}

Result<SampleOutput> sampleDdim(const Sde& sde, const Denoiser& d, const at::Tensor& xT, const at::Tensor& mu,
                                const DdimOptions& o, const JobContext& ctx) {
    return runGuarded<SampleOutput>("DDIM", [&]() -> Result<SampleOutput> {
        if (!(o.eta >= 0 && o.eta <= 1)) throw InvalidError("eta must lie in [0, 1]");
        const Resolved r = validateCommon("DDIM", sde, d, xT, mu, o.common, [](int n) { return static_cast<std::int64_t>(n); });
        NoiseSource ownNoise(o.common.seed, o.common.noise);
        NoiseSource& noise = samplerNoise(o.common, ownNoise);
        Model m(sde, d, mu, ctx, o.common.maxNfe);
        const std::vector<double> grid = timeGrid(sde, r.steps, r.tStart, r.tEnd, o.spacing, o.rho);
        at::Tensor y = m.y(xT), x0;
        for (int i = 1; i <= r.steps; ++i) {
            const double start = nowSeconds();
            const Coef S = coef(sde, grid[i - 1]), T = coef(sde, grid[i]);
            const Model::Pred p = m.predict(m.x(y), grid[i - 1], false);
            x0 = p.x0;
            const at::Tensor y0 = m.y(p.x0);
            if (!(T.s > 0)) {
                y = y0 * T.a;
            } else {
                const double h = T.lam - S.lam;
                const double c = o.eta * T.s * std::sqrt(-std::expm1(-2.0 * h));
                y = y0 * T.a + p.eps * std::sqrt(std::max(0.0, T.s * T.s - c * c));
                if (c > 0) y = y + noise.randnLike(y) * c;
            }
            const at::Tensor xNow = m.x(y);
            reportStep(o.common, m, i, r.steps, grid[i], xNow, x0, nowSeconds() - start, "DDIM");
        }
        return SampleOutput{m.x(y), m.nfe(), r.steps};
    });
}

Result<SampleOutput> samplePosterior(const Sde& sde, const Denoiser& d, const at::Tensor& xT, const at::Tensor& mu,
                                     const PosteriorOptions& o, const JobContext& ctx) {
    return runGuarded<SampleOutput>("posterior sampler", [&]() -> Result<SampleOutput> {
        const Resolved r = validateCommon("posterior", sde, d, xT, mu, o.common, [](int n) { return static_cast<std::int64_t>(n); });
        NoiseSource ownNoise(o.common.seed, o.common.noise);
        NoiseSource& noise = samplerNoise(o.common, ownNoise);
        Model m(sde, d, mu, ctx, o.common.maxNfe);
        const std::vector<double> grid = sde.uniformGrid(r.steps, r.tStart, r.tEnd);
        at::Tensor y = m.y(xT), x0;
        for (int i = 1; i <= r.steps; ++i) {
            const double start = nowSeconds();
            const Coef S = coef(sde, grid[i - 1]), T = coef(sde, grid[i]);
            const at::Tensor y0 = m.y(x0 = m.data(m.x(y), grid[i - 1]));
            const auto ps = detail::posteriorStep(S.a, S.s, T.a, T.s);
            y = y * ps.w + y0 * ps.c0;
            if (ps.var > 0) y = y + noise.randnLike(y) * std::sqrt(ps.var);
            const at::Tensor xNow = m.x(y);
            reportStep(o.common, m, i, r.steps, grid[i], xNow, x0, nowSeconds() - start, "posterior sampler");
        }
        return SampleOutput{m.x(y), m.nfe(), r.steps};
    });
}

} // namespace reverie::solvers
