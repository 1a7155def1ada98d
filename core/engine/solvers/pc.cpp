#include "engine/solvers/pc.h"

#include <ATen/ATen.h>

#include <cmath>

namespace reverie::solvers {

namespace {

at::Tensor itemShape(const at::Tensor& v, const at::Tensor& like) {
    std::vector<int64_t> shape(static_cast<size_t>(like.dim()), 1);
    shape[0] = like.size(0);
    return v.view(shape);
}

} // namespace

Result<SampleOutput> samplePc(const Sde& sde, const Denoiser& d, const at::Tensor& xT, const at::Tensor& mu,
                              const PcOptions& o, const JobContext& ctx) {
    return runGuarded<SampleOutput>("predictor-corrector sampler", [&]() -> Result<SampleOutput> {
        if (o.correctorSteps < 0) throw InvalidError("correctorSteps must be >= 0");
        const int nCorr = o.corrector == Corrector::None ? 0 : o.correctorSteps;
        const int nPred = o.predictor == Predictor::None ? 0 : 1;
        if (nCorr + nPred == 0) throw InvalidError("neither a predictor nor a corrector step was selected");
        if (nCorr > 0 && !(o.snr > 0 && std::isfinite(o.snr))) throw InvalidError("snr must be a positive number");
        const bool sgmse = o.discretisation == PcDiscretisation::SgmseCode;
        if (o.finalDenoise && sgmse)
            throw InvalidError("the final denoising step is for the exact discretisation (SGMSE+'s grid ends at t = 0)");
        const int extra = o.finalDenoise ? 1 : 0;
        const Resolved r = validateCommon("PC", sde, d, xT, mu, o.common, [&](int n) {
            return static_cast<std::int64_t>(n) * (nCorr + nPred) + extra;
        });
        NoiseSource ownNoise(o.common.seed, o.common.noise);
        NoiseSource& noise = samplerNoise(o.common, ownNoise);
        Model m(sde, d, mu, ctx, o.common.maxNfe);
        const bool mr = sde.meanReverting();
        // Exact: N + 1 points, step i goes grid[i−1] → grid[i]. SgmseCode: N points
        // linspace(tStart, tEnd, N); the step at the last point goes to t = 0.
        std::vector<double> grid;
        if (sgmse) {
            for (int i = 0; i < r.steps; ++i)
                grid.push_back(r.steps == 1 ? r.tStart : r.tStart + (r.tEnd - r.tStart) * double(i) / double(r.steps - 1));
            grid.push_back(0.0);
        } else {
            grid = sde.uniformGrid(r.steps, r.tStart, r.tEnd);
        }
        at::Tensor x = xT, x0;
        for (int i = 1; i <= r.steps; ++i) {
            const double t0 = grid[i - 1], t1 = grid[i];
            const double start = nowSeconds();
            const double rr = sgmse ? 1.0 : sde.alpha(t0) / sde.alpha(t1);
            // α_L of the correctors (docs/methods.md): Song's VP and sub-VP corrector has it (1 for
            // VE); SGMSE+'s code has none for its mean-reverting OUVE, nor does IR-SDE.
            const double aL = sgmse || mr ? 1.0 : rr * rr;
            for (int c = 0; c < nCorr; ++c) {
                const Model::Pred p = m.predict(x, t0);
                x0 = p.x0;
                const at::Tensor z = noise.randnLike(x);
                at::Tensor eps;
                if (o.corrector == Corrector::Langevin) {
                    const at::Tensor gn = p.score.reshape({x.size(0), -1}).norm(2, 1);
                    const at::Tensor zn = z.reshape({x.size(0), -1}).norm(2, 1);
                    if (o.langevinNorm == LangevinNorm::PerItem) {
                        eps = itemShape((o.snr * zn / gn).pow(2) * (2.0 * aL), x);
                        x = x + p.score * eps + z * (2.0 * eps).sqrt();
                    } else {
                        const double ratio = zn.mean().item<double>() / gn.mean().item<double>();
                        const double e = 2.0 * aL * (o.snr * ratio) * (o.snr * ratio);
                        x = x + p.score * e + z * std::sqrt(2.0 * e);
                    }
                } else {
                    const double s = sde.sigma(t0);
                    const double e = 2.0 * aL * (o.snr * s) * (o.snr * s);
                    x = x + p.score * e + z * std::sqrt(2.0 * e);
                }
                if (o.replace) x = o.replace(x, t0, false, noise);
            }
            if (nPred) {
                const Model::Pred p = m.predict(x, t0);
                x0 = p.x0;
                const bool last = i == r.steps;
                at::Tensor y = m.y(x);
                if (sgmse) {
                    // SDE.discretize + the reverse SDE: y ← y (1 + κΔt) + g²Δt s + g√Δt z.
                    const double dt = t0 - t1, g = sde.diffusion(t0), k = sde.kappa(t0);
                    y = y * (1.0 + k * dt) + p.score * (g * g * dt);
                    const at::Tensor z = noise.randnLike(x); // drawn at the last step too, as upstream
                    if (!last) y = y + z * (g * std::sqrt(dt));
                } else if (o.predictor == Predictor::EulerMaruyama) {
                    const double dt = t0 - t1, g = sde.diffusion(t0), k = sde.kappa(t0);
                    y = y * (1.0 + k * dt) + p.score * (g * g * dt);
                    if (!last) y = y + noise.randnLike(x) * (g * std::sqrt(dt));
                } else {
                    const double s0 = sde.sigma(t0), s1 = sde.sigma(t1);
                    const double G2 = std::max(0.0, s0 * s0 - rr * rr * s1 * s1);
                    y = (y + p.score * G2) / rr;
                    // Noise: G for VE/VP/sub-VP (Song's predictor); for a mean-reverting SDE G/r, the
                    // reverse step's own variance (docs/methods.md): G alone is ~6 % low there.
                    if (!last) y = y + noise.randnLike(x) * (std::sqrt(G2) / (mr ? rr : 1.0));
                }
                x = m.x(y);
                if (o.replace) x = o.replace(x, t1, last, noise);
            }
            reportStep(o.common, m, i, r.steps, nPred ? t1 : t0, x, x0, nowSeconds() - start, "PC sampler");
        }
        if (o.finalDenoise) {
            // The state at t_end still carries noise of std σ(t_end): return the data estimate there.
            x = m.data(x, grid.back());
            if (o.replace) x = o.replace(x, 0.0, true, noise);
        }
        return SampleOutput{x, m.nfe(), r.steps};
    });
}

Result<SampleOutput> sampleEulerMaruyama(const Sde& sde, const Denoiser& d, const at::Tensor& xT,
                                         const at::Tensor& mu, const CommonOptions& o, const JobContext& ctx) {
    PcOptions p;
    p.common = o;
    p.predictor = Predictor::EulerMaruyama;
    p.corrector = Corrector::None;
    return samplePc(sde, d, xT, mu, p, ctx);
}

// ---------------------------------------------------------------------------------------------
// Conditional sampling by replacement

namespace {

at::Tensor mixChannels(const at::Tensor& M, const at::Tensor& x) {
    return at::einsum("ij,bj...->bi...", {M.to(x.scalar_type()).to(x.device()), x});
}

} // namespace

ReplacementFn makeLinearReplacement(const Sde& sde, const at::Tensor& M, const at::Tensor& known,
                                    const at::Tensor& mask, const at::Tensor& mu) {
    const Sde* sp = &sde;
    at::Tensor muDec;
    if (mu.defined()) muDec = M.defined() ? mixChannels(M, mu) : mu;
    return [sp, M, known, mask, muDec](const at::Tensor& x, double t, bool final, NoiseSource& noise) {
        const at::Tensor u = M.defined() ? mixChannels(M, x) : x;
        const double a = sp->alpha(t);
        at::Tensor uk = known * a;
        if (muDec.defined()) uk = uk + muDec * (1.0 - a);
        if (!final) uk = uk + noise.randnLike(x) * sp->sigma(t);
        const at::Tensor m = mask.to(x.scalar_type());
        const at::Tensor mixed = u * (1.0 - m) + uk * m;
        return M.defined() ? mixChannels(M.t(), mixed) : mixed;
    };
}

ReplacementFn makeInpaintReplacement(const Sde& sde, const at::Tensor& known, const at::Tensor& mask,
                                     const at::Tensor& mu) {
    return makeLinearReplacement(sde, at::Tensor(), known, mask, mu);
}

at::Tensor colorDecoupling() {
    const double a = 1.0 / std::sqrt(3.0), b = 1.0 / std::sqrt(2.0), c = 1.0 / std::sqrt(6.0);
    return at::tensor({a, a, a, b, -b, 0.0, c, c, -2.0 * c}, at::kDouble).view({3, 3});
}

ReplacementFn makeColorizeReplacement(const Sde& sde, const at::Tensor& gray, const at::Tensor& mu) {
    const at::Tensor zeros = at::zeros_like(gray);
    const at::Tensor known = at::cat({gray * std::sqrt(3.0), zeros, zeros}, 1);
    const at::Tensor mask = at::cat({at::ones_like(gray), zeros, zeros}, 1);
    return makeLinearReplacement(sde, colorDecoupling(), known, mask, mu);
}

} // namespace reverie::solvers
