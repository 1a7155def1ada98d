#include "engine/grad/samplergrad.h"

#include "engine/solvers/brownian.h"
#include "engine/solvers/revheun.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <cmath>
#include <utility>

namespace reverie::grad {

using solvers::InvalidError;
using solvers::Model;
using solvers::RevHeun;
using State = RevHeun::State;

std::string toString(Strategy s) {
    switch (s) {
    case Strategy::Backprop: return "backprop";
    case Strategy::Checkpoint: return "checkpoint";
    case Strategy::Reversible: return "reversible";
    case Strategy::Adjoint: return "adjoint";
    }
    return "?";
}

std::optional<Strategy> strategyFromString(const std::string& s) {
    for (Strategy k : kAllStrategies)
        if (toString(k) == s) return k;
    return std::nullopt;
}

namespace {

// Restores each parameter's requires_grad flag on the way out.
class ParamsGrad {
public:
    explicit ParamsGrad(const std::vector<at::Tensor>& params) : m_params(params) {
        for (const auto& t : m_params) {
            if (!t.defined() || !at::isFloatingType(t.scalar_type()))
                throw InvalidError("every parameter must be a defined floating-point tensor");
            if (!t.is_leaf())
                throw InvalidError("every parameter must be a leaf tensor (not a view or a result)");
            m_was.push_back(t.requires_grad());
            const_cast<at::Tensor&>(t).requires_grad_(true);
        }
    }
    ~ParamsGrad() {
        for (size_t i = 0; i < m_params.size(); ++i)
            const_cast<at::Tensor&>(m_params[i]).requires_grad_(m_was[i]);
    }
    ParamsGrad(const ParamsGrad&) = delete;
    ParamsGrad& operator=(const ParamsGrad&) = delete;

private:
    const std::vector<at::Tensor>& m_params;
    std::vector<bool> m_was;
};

at::Tensor leaf(const at::Tensor& t) { return t.detach().requires_grad_(true); }

// VJP of outputs (with cotangents) against inputs then params; unused → zeros.
std::vector<at::Tensor> vjp(const std::vector<at::Tensor>& outputs, const std::vector<at::Tensor>& cotangents,
                            const std::vector<at::Tensor>& inputs, const std::vector<at::Tensor>& params) {
    std::vector<at::Tensor> wrt = inputs;
    wrt.insert(wrt.end(), params.begin(), params.end());
    std::vector<at::Tensor> outs, cots;
    for (size_t i = 0; i < outputs.size(); ++i)
        if (outputs[i].defined() && outputs[i].requires_grad()) {
            outs.push_back(outputs[i]);
            cots.push_back(cotangents[i]);
        }
    std::vector<at::Tensor> g;
    if (outs.empty()) {
        g.resize(wrt.size());
    } else {
        g = torch::autograd::grad(outs, wrt, cots, /*retain_graph=*/false, /*create_graph=*/false,
                                  /*allow_unused=*/true);
    }
    for (size_t i = 0; i < g.size(); ++i)
        if (!g[i].defined()) g[i] = at::zeros_like(wrt[i]);
    return g;
}

void accumulate(std::vector<at::Tensor>& acc, const std::vector<at::Tensor>& g, size_t offset) {
    for (size_t i = 0; i < acc.size(); ++i)
        acc[i] = acc[i].defined() ? acc[i] + g[offset + i] : g[offset + i];
}

struct Run {
    const Problem& p;
    const Options& o;
    Model& m;
    RevHeun& rh;
    Output out;

    // The whole run without a graph; counts the forward NFE.
    State forwardOnly(const at::Tensor& xT) {
        at::NoGradGuard off;
        State s = rh.start(xT);
        for (int n = 0; n < rh.steps(); ++n) s = rh.step(s, n);
        out.forwardNfe = m.nfe();
        return s;
    }

    // max |x̃ − x_T| / max |x_T|: how well a backward pass reconstructed the start.
    static double startError(const at::Tensor& reconstructed, const at::Tensor& xT) {
        const double scale = std::max(1e-300, xT.abs().max().item<double>());
        return (reconstructed - xT).abs().max().item<double>() / scale;
    }

    // ∂loss/∂y_N at the final state (the loss does not read params).
    at::Tensor lossGrad(const at::Tensor& yN) {
        const at::Tensor y = leaf(yN);
        const at::Tensor L = p.loss(y);
        if (!L.defined() || L.numel() != 1) throw InvalidError("the loss must return a scalar");
        out.loss = L.item<double>();
        out.sample = yN.detach();
        return torch::autograd::grad({L}, {y})[0];
    }

    void backprop(const at::Tensor& xT) {
        const at::Tensor x = leaf(xT);
        State s = rh.start(x);
        for (int n = 0; n < rh.steps(); ++n) s = rh.step(s, n);
        out.forwardNfe = m.nfe();
        const at::Tensor L = p.loss(s.y);
        if (!L.defined() || L.numel() != 1) throw InvalidError("the loss must return a scalar");
        out.loss = L.item<double>();
        out.sample = s.y.detach();
        const auto g = vjp({L}, {at::ones_like(L)}, {x}, p.params);
        out.gradX = g[0];
        out.gradParams.assign(g.begin() + 1, g.end());
    }

    void checkpoint(const at::Tensor& xT) {
        const int N = rh.steps();
        const int K = std::max(
            1, std::min(N, o.segments > 0 ? o.segments : static_cast<int>(std::ceil(std::sqrt(double(N))))));
        std::vector<int> bounds;
        for (int k = 0; k <= K; ++k) bounds.push_back(static_cast<int>(std::llround(double(k) * N / K)));
        std::vector<State> saved(static_cast<size_t>(K));
        State s;
        {
            at::NoGradGuard off;
            s = rh.start(xT);
            int k = 0;
            for (int n = 0; n < N; ++n) {
                if (n == bounds[static_cast<size_t>(k)]) saved[static_cast<size_t>(k++)] = s;
                s = rh.step(s, n);
            }
        }
        out.forwardNfe = m.nfe();
        at::Tensor aY = lossGrad(s.y), aH = at::zeros_like(aY), aF = at::zeros_like(aY);
        std::vector<at::Tensor> gp(p.params.size());
        for (int k = K - 1; k >= 0; --k) {
            std::vector<at::Tensor> inputs;
            State st;
            if (k == 0) {
                inputs = {leaf(xT)};
                st = rh.start(inputs[0]);
            } else {
                const State& b = saved[static_cast<size_t>(k)];
                inputs = {leaf(b.y), leaf(b.yHat), leaf(b.f)};
                st = State{inputs[0], inputs[1], inputs[2]};
            }
            for (int n = bounds[static_cast<size_t>(k)]; n < bounds[static_cast<size_t>(k) + 1]; ++n)
                st = rh.step(st, n);
            const auto g = vjp({st.y, st.yHat, st.f}, {aY, aH, aF}, inputs, p.params);
            accumulate(gp, g, inputs.size());
            if (k == 0) {
                out.gradX = g[0];
            } else {
                aY = g[0], aH = g[1], aF = g[2];
            }
            saved[static_cast<size_t>(k)] = State{};
        }
        out.gradParams = std::move(gp);
    }

    void reversible(const at::Tensor& xT) {
        const int N = rh.steps();
        State s = forwardOnly(xT);
        at::Tensor aY = lossGrad(s.y), aH = at::zeros_like(aY), aF = at::zeros_like(aY);
        std::vector<at::Tensor> gp(p.params.size());
        for (int n = N - 1; n >= 0; --n) {
            State prev;
            {
                at::NoGradGuard off;
                prev = rh.inverse(s, n);
            }
            std::vector<at::Tensor> inputs;
            State st;
            if (n == 0) {
                out.reconstructionError = startError(prev.y, xT);
                inputs = {leaf(xT)};
                st = rh.start(inputs[0]);
            } else {
                inputs = {leaf(prev.y), leaf(prev.yHat), leaf(prev.f)};
                st = State{inputs[0], inputs[1], inputs[2]};
            }
            st = rh.step(st, n);
            const auto g = vjp({st.y, st.yHat, st.f}, {aY, aH, aF}, inputs, p.params);
            accumulate(gp, g, inputs.size());
            if (n == 0) {
                out.gradX = g[0];
            } else {
                aY = g[0], aH = g[1], aF = g[2];
            }
            s = std::move(prev);
        }
        out.gradParams = std::move(gp);
    }

    // The augmented field at (x, a, t): {F(x, t), −aᵀ∂F/∂x, −aᵀ∂F/∂θ…}.
    std::vector<at::Tensor> augmented(const at::Tensor& x, const at::Tensor& a, double t) {
        const at::Tensor xl = leaf(x);
        const at::Tensor F = rh.drift(xl, t);
        auto g = vjp({F}, {a}, {xl}, p.params);
        std::vector<at::Tensor> r{F.detach()};
        for (auto& gi : g) r.push_back(-gi);
        return r;
    }

    void adjoint(const at::Tensor& xT) {
        const int N = rh.steps();
        State s = forwardOnly(xT);
        at::Tensor x = s.y, a = lossGrad(s.y);
        std::vector<at::Tensor> aTheta;
        for (const auto& t : p.params) aTheta.push_back(at::zeros_like(t));
        const auto& grid = rh.grid();
        for (int n = N - 1; n >= 0; --n) {
            const double tb = grid[static_cast<size_t>(n) + 1], ta = grid[static_cast<size_t>(n)];
            const double h = ta - tb; // backwards in the run's direction
            const auto noise = rh.noise(n, x);
            const auto k1 = augmented(x, a, tb);
            at::Tensor xe = x + k1[0] * h;
            if (noise.second.defined()) xe = xe - noise.second;
            const at::Tensor ae = a + k1[1] * h;
            const auto k2 = augmented(xe, ae, ta);
            at::Tensor xn = x + (k1[0] + k2[0]) * (0.5 * h);
            if (noise.second.defined()) xn = xn - noise.second;
            a = a + (k1[1] + k2[1]) * (0.5 * h);
            for (size_t i = 0; i < aTheta.size(); ++i)
                aTheta[i] = aTheta[i] + (k1[2 + i] + k2[2 + i]) * (0.5 * h);
            x = xn.detach();
        }
        out.reconstructionError = startError(x, xT);
        out.gradX = a;
        out.gradParams = std::move(aTheta);
    }
};

} // namespace

Result<Output> sampleGrad(const Problem& p, const at::Tensor& xT, const Options& o, const JobContext& ctx) {
    return solvers::runGuarded<Output>("sampler gradient", [&]() -> Result<Output> {
        if (!p.sde) throw InvalidError("no SDE given");
        if (!p.loss) throw InvalidError("no loss given");
        if (o.common.source)
            throw InvalidError("replayed noise is not supported (the Brownian path is reconstructed)");
        if (o.segments < 0) throw InvalidError("segments must be >= 0");
        if (!xT.defined() || !at::isFloatingType(xT.scalar_type()))
            throw InvalidError("x_T must be a floating-point tensor");
        const solvers::Resolved r =
            solvers::validateCommon("sampler gradient", *p.sde, p.denoiser, xT, p.mu, o.common, nullptr);
        c10::InferenceMode noInference(false);
        torch::autograd::AutoGradMode autograd(true);
        ParamsGrad paramsGrad(p.params);
        // doubleState: the same problem seen through casts, states in float64 (Options).
        const at::ScalarType outer = xT.scalar_type();
        const bool widen = o.doubleState && outer != at::kDouble;
        Problem wide = p;
        if (widen) {
            const sde::Denoiser inner = p.denoiser;
            wide.denoiser.fn = [inner, outer](const at::Tensor& x, const at::Tensor& t,
                                              const at::Tensor& mu) {
                return inner.fn(x.to(outer), t.to(outer), mu.defined() ? mu.to(outer) : mu).to(at::kDouble);
            };
            const auto loss = p.loss;
            wide.loss = [loss, outer](const at::Tensor& x) { return loss(x.to(outer)); };
            if (p.mu.defined()) wide.mu = p.mu.to(at::kDouble);
        }
        const Problem& q = widen ? wide : p;
        Model m(*q.sde, q.denoiser, q.mu, ctx, 0);
        std::optional<solvers::BrownianPath> path;
        if (o.stochastic)
            path.emplace(o.common.seed, std::min(r.tStart, r.tEnd), std::max(r.tStart, r.tEnd),
                         xT.sizes().vec(), o.common.noise);
        RevHeun rh(m, p.sde->uniformGrid(r.steps, r.tStart, r.tEnd), o.stochastic, path ? &*path : nullptr);
        Run run{q, o, m, rh, {}};
        // A normal tensor even if xT was made in inference mode.
        const at::Tensor x0 = widen ? xT.detach().to(at::kDouble) : xT.detach().clone();
        switch (o.strategy) {
        case Strategy::Backprop: run.backprop(x0); break;
        case Strategy::Checkpoint: run.checkpoint(x0); break;
        case Strategy::Reversible: run.reversible(x0); break;
        case Strategy::Adjoint: run.adjoint(x0); break;
        }
        run.out.backwardNfe = m.nfe() - run.out.forwardNfe;
        run.out.gradX = run.out.gradX.detach().to(outer);
        if (run.out.sample.defined()) run.out.sample = run.out.sample.to(outer);
        for (auto& g : run.out.gradParams) g = g.detach();
        return std::move(run.out);
    });
}

} // namespace reverie::grad
