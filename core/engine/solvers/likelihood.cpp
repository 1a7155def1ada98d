#include "engine/solvers/likelihood.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/autograd.h>

#include <cmath>
#include <numbers>

namespace reverie::solvers {

Result<LikelihoodOutput> pfOdeLikelihood(const Sde& sde, const Denoiser& d, const at::Tensor& x, const at::Tensor& mu,
                                         const LikelihoodOptions& o, const JobContext& ctx) {
    return runGuarded<LikelihoodOutput>("PF-ODE likelihood", [&]() -> Result<LikelihoodOutput> {
        if (o.steps < 1 && o.method != OdeMethod::DoPri5) throw InvalidError("steps must be positive");
        if (!(o.tEps > 0) || !sde.inRange(o.tEps) || o.tEps >= sde.tMax())
            throw InvalidError("tEps must lie in (0, T)");
        if (o.method == OdeMethod::DoPri5 && (!(o.rtol > 0) || !(o.atol > 0)))
            throw InvalidError("rtol and atol must be positive");
        if (x.defined() && x.is_complex()) throw InvalidError("the likelihood supports real-valued data only");
        CommonOptions c;
        c.steps = std::max(1, o.steps);
        c.tStart = sde.tMax();
        c.tEnd = o.tEps;
        c.maxNfe = o.maxNfe;
        (void)validateCommon("likelihood", sde, d, x, mu, c, [&](int n) -> std::int64_t {
            const std::int64_t k = odeNfe(o.method, n);
            return k < 0 ? 7 : k;
        });

        c10::InferenceMode noInference(false);
        c10::AutoGradMode grad(true);
        const int64_t B = x.size(0);
        const int64_t D = x.numel() / B;
        const auto shape = x.sizes().vec();
        Model m(sde, d, mu.defined() ? mu.detach().clone() : mu, ctx, o.maxNfe);
        NoiseSource noise(o.seed, o.noise);
        const at::Tensor x0 = x.detach().clone();
        at::Tensor eps;
        if (o.trace == TraceEstimator::Rademacher) eps = noise.rademacherLike(x0);
        else if (o.trace == TraceEstimator::Gaussian) eps = noise.randnLike(x0);

        // State [B, D + 1]: the flattened x and the accumulated divergence integral.
        auto f = [&](const at::Tensor& state, double t) {
            at::Tensor xs = state.narrow(1, 0, D).reshape(shape).detach().requires_grad_(true);
            const at::Tensor v = pfOdeVelocity(m, xs, t);
            at::Tensor div;
            if (o.trace == TraceEstimator::Exact) {
                const at::Tensor vf = v.reshape({B, D});
                std::vector<at::Tensor> cols;
                for (int64_t j = 0; j < D; ++j) {
                    const at::Tensor gj = torch::autograd::grad({vf.select(1, j).sum()}, {xs}, {}, /*retain_graph=*/true)[0];
                    cols.push_back(gj.reshape({B, D}).select(1, j));
                }
                div = at::stack(cols, 1).sum(1);
            } else {
                const at::Tensor g = torch::autograd::grad({v}, {xs}, {eps})[0];
                div = (g * eps).reshape({B, D}).sum(1);
            }
            return at::cat({v.detach().reshape({B, D}), div.detach().unsqueeze(1)}, 1);
        };
        at::Tensor state = at::cat({x0.reshape({B, D}), at::zeros({B, 1}, x0.options())}, 1);
        OdeOptions oo;
        oo.method = o.method;
        oo.rtol = o.rtol;
        oo.atol = o.atol;
        const Integrated res = integrate(f, state, o.tEps, sde.tMax(), oo, c.steps,
                                         [&](int i, double t, const at::Tensor&) {
                                             if (ctx.progress) {
                                                 Progress p;
                                                 p.step = i;
                                                 p.total = o.method == OdeMethod::DoPri5 ? 0 : c.steps;
                                                 p.nfe = m.nfe();
                                                 p.message = "PF-ODE likelihood";
                                                 ctx.report(p);
                                             }
                                         });
        const at::Tensor xT = res.state.narrow(1, 0, D).reshape(shape);
        const at::Tensor delta = res.state.select(1, D);
        const at::Tensor prior = o.terminalLogProb ? o.terminalLogProb(xT) : sde.priorLogProb(xT, m.mu());
        LikelihoodOutput out;
        out.logp = (prior.to(delta.scalar_type()) + delta).detach();
        out.bpd = -out.logp / (static_cast<double>(D) * std::numbers::ln2) + o.offsetBits;
        out.xT = xT.detach();
        out.nfe = m.nfe();
        return out;
    });
}

} // namespace reverie::solvers
