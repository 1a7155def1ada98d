#include "engine/solvers/dlg.h"

#include <ATen/ATen.h>

#include <cmath>

namespace reverie::solvers {

namespace {

at::Tensor itemView(const at::Tensor& v, const at::Tensor& like) {
    std::vector<int64_t> shape(static_cast<size_t>(like.dim()), 1);
    shape[0] = like.size(0);
    return v.to(c10::toRealValueType(like.scalar_type())).to(like.device()).view(shape);
}

} // namespace

Result<DlgOutput> sampleDlg(const Sde& sde, const Denoiser& d, const at::Tensor& xInit, const at::Tensor& mu,
                            const DlgOptions& o, const JobContext& ctx) {
    return runGuarded<DlgOutput>("Denoising Langevin Gibbs", [&]() -> Result<DlgOutput> {
        if (!o.estimator) throw InvalidError("a noise-level estimator is required");
        if (o.rounds < 1 || o.nSkip < 1 || o.integratorSteps < 1)
            throw InvalidError("rounds, nSkip and integratorSteps must be positive");
        if (o.absoluteStep ? !(o.eta > 0 && std::isfinite(o.eta)) : !(o.eta > 0 && o.eta < 2))
            throw InvalidError(o.absoluteStep ? "eta must be positive" : "eta must lie in (0, 2)");
        if (o.burnInSteps < 0 || o.maxHalvings < 0 || !(o.unstableGrowth > 1))
            throw InvalidError("burnInSteps and maxHalvings must be non-negative and unstableGrowth above 1");
        if (!(o.tweedieSigma > 0) || !(o.rho > 0)) throw InvalidError("tweedieSigma and rho must be positive");
        CommonOptions c;
        c.steps = 1;
        c.maxNfe = o.maxNfe;
        const std::int64_t perRound = o.nSkip + 2LL * o.integratorSteps + 1;
        (void)validateCommon("DLG", sde, d, xInit, mu, c,
                             [&](int) { return perRound * o.rounds + std::int64_t(o.burnInSteps); });
        Model m(sde, d, mu, ctx, o.maxNfe);
        NoiseSource noise(o.seed, o.noise);
        const double sigTop = sde.sigmaTilde(sde.tMax());
        const int64_t B = xInit.size(0);
        std::int64_t estCalls = 0;

        // D(x̃; σ̃) with one σ̃ per chain ([B] float64 CPU).
        auto D = [&](const at::Tensor& xt, const at::Tensor& sig) {
            at::Tensor t = at::empty_like(sig);
            const double* s = sig.data_ptr<double>();
            double* tp = t.data_ptr<double>();
            for (int64_t i = 0; i < B; ++i) tp[i] = sde.tFromSigmaTilde(s[i]);
            const at::Tensor a = sde::perItem(t, xt, [&](double tt) { return sde.alpha(tt); });
            const at::Tensor sd = sde::perItem(t, xt, [&](double tt) { return sde.sigma(tt); });
            const at::Tensor yin = m.y(xt) * a;
            const at::Tensor out = m.raw(m.x(yin), t);
            return m.x(sde::dataFrom(d.param, sde::outputToY(d.param, out, m.mu()), yin, a, sd));
        };
        auto estimate = [&](const at::Tensor& xt) {
            ++estCalls;
            at::Tensor s = o.estimator(xt).reshape({-1}).to(at::kDouble).cpu().contiguous();
            if (s.numel() != B) throw std::runtime_error("the noise-level estimator returned the wrong number of values");
            if (!at::isfinite(s).all().item<bool>()) throw std::runtime_error("the noise-level estimator returned NaN");
            return s.clamp(o.tweedieSigma, sigTop);
        };

        std::vector<double> trace;
        auto median = [](const at::Tensor& v) { return v.median().item<double>(); };
        // One Langevin step on x̃ | σ̃ (h = the step in data units: η, or η σ̃² preconditioned),
        // then the Gibbs step σ̃ ~ estimator(x̃).
        double eta = o.eta;
        auto langevin = [&](at::Tensor& x, at::Tensor& sig) {
            const at::Tensor sv = itemView(sig, x);
            const at::Tensor h = o.absoluteStep ? at::full_like(sv, eta) : sv.pow(2) * eta;
            const at::Tensor x0 = D(x, sig);
            x = x + (x0 - x) * (h / (2.0 * sv.pow(2))) + noise.randnLike(x) * h.sqrt();
            sig = estimate(x);
            trace.push_back(median(sig));
        };

        at::Tensor x = xInit;
        at::Tensor sig = estimate(x);
        int halvings = 0;
        std::int64_t burnNfe = 0;
        if (o.burnInSteps > 0) {
            const std::int64_t before = m.nfe();
            const double start = median(sig);
            for (;;) {
                bool diverged = false;
                for (int k = 0; k < o.burnInSteps && !diverged; ++k) {
                    langevin(x, sig);
                    diverged = !at::isfinite(x).all().item<bool>() || (sig >= 0.999 * sigTop).any().item<bool>();
                }
                const bool unstable = diverged || median(sig) > o.unstableGrowth * start;
                if (!unstable || o.maxHalvings == 0) break;
                if (halvings == o.maxHalvings)
                    throw std::runtime_error("the Langevin chain diverges even at η = " + std::to_string(eta) +
                                             " (median σ̃ " + std::to_string(median(sig)) + " from " +
                                             std::to_string(start) + ")");
                ++halvings;
                eta *= 0.5;
                x = xInit;
                sig = estimate(x);
            }
            burnNfe = m.nfe() - before;
        }
        std::vector<at::Tensor> samples;
        for (int round = 1; round <= o.rounds; ++round) {
            const double start = nowSeconds();
            at::Tensor best = x, bestSig = sig.clone();
            for (int k = 0; k < o.nSkip; ++k) {
                langevin(x, sig);
                const at::Tensor better = sig < bestSig;
                bestSig = at::where(better, sig, bestSig);
                best = at::where(itemView(better, x).to(at::kBool), x, best);
            }
            // Hand-off: per-chain Karras grid from bestSig down to tweedieSigma, EDM Heun.
            const at::Tensor sHi = bestSig.pow(1.0 / o.rho), sLo = at::full_like(bestSig, std::pow(o.tweedieSigma, 1.0 / o.rho));
            at::Tensor xi = best;
            for (int i = 0; i < o.integratorSteps; ++i) {
                const at::Tensor s0 = (sHi + (sLo - sHi) * (static_cast<double>(i) / o.integratorSteps)).pow(o.rho);
                const at::Tensor s1 = (sHi + (sLo - sHi) * (static_cast<double>(i + 1) / o.integratorSteps)).pow(o.rho);
                const at::Tensor v0 = itemView(s0, xi), v1 = itemView(s1, xi);
                const at::Tensor d0 = (xi - D(xi, s0)) / v0;
                const at::Tensor xe = xi + d0 * (v1 - v0);
                const at::Tensor d1 = (xe - D(xe, s1)) / v1;
                xi = xi + (d0 + d1) * ((v1 - v0) * 0.5);
            }
            const at::Tensor out = D(xi, at::full_like(bestSig, o.tweedieSigma));
            samples.push_back(out);
            if (o.onRound) {
                StepInfo info;
                info.step = round;
                info.total = o.rounds;
                info.t = 0;
                info.x = &out;
                info.x0 = &out;
                info.nfe = m.nfe();
                o.onRound(info);
            }
            if (ctx.progress) {
                Progress p;
                p.step = round;
                p.total = o.rounds;
                p.nfe = m.nfe();
                p.stepSeconds = nowSeconds() - start;
                p.message = "Denoising Langevin Gibbs";
                ctx.report(p);
            }
        }
        DlgOutput res;
        res.samples = at::cat(samples, 0);
        res.chain = x;
        res.chainSigma = sig;
        res.nfe = m.nfe();
        res.burnInNfe = burnNfe;
        res.estimatorCalls = estCalls;
        res.eta = eta;
        res.halvings = halvings;
        res.sigmaTrace = std::move(trace);
        return res;
    });
}

} // namespace reverie::solvers
