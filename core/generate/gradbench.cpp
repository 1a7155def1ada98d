#include "generate/gradbench.h"

#include "generate/internal.h"

#include "base/telemetry.h"
#include "engine/grad/samplergrad.h"
#include "engine/solvers/revheun.h"
#include "models/classifier.h"
#include "models/unet.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <sstream>

namespace reverie::generate {

namespace {

using grad::Strategy;
using namespace detail;

double rel(const at::Tensor& a, const at::Tensor& b) {
    return (a - b).abs().max().item<double>() / std::max(1e-300, b.abs().max().item<double>());
}

double mib(std::int64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

std::string fmtG(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2g", v);
    return buf;
}
std::string fmtF(double v, int digits) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

// What one strategy cost: gradient, seconds, peak memory above the bytes held at the start.
struct Measured {
    grad::Output out;
    double seconds = 0;
    double peakMiB = 0;
};

Result<Measured> measure(const grad::Problem& prob, const at::Tensor& xT, const grad::Options& o,
                         const JobContext& ctx) {
    const auto held = telemetry::allocatorBytes();
    telemetry::resetPeak();
    const double t0 = nowSeconds();
    auto r = grad::sampleGrad(prob, xT, o, ctx);
    if (!r) return r.error();
    Measured m;
    m.seconds = nowSeconds() - t0;
    m.peakMiB = mib(telemetry::allocatorPeakBytes() - held);
    m.out = std::move(r.value());
    return m;
}

constexpr double kStd = 0.5;

sde::Denoiser gaussianWithMean(const sde::Sde& s, const at::Tensor& m) {
    return sde::denoiserFromSigma(s, [m](const at::Tensor& x, const at::Tensor& st, const at::Tensor&) {
        const at::Tensor v = st.dim() == 0 ? st : st.reshape({-1, 1});
        return m + (x - m) * (kStd * kStd / (v * v + kStd * kStd));
    });
}

std::vector<Strategy> strategies(const GradBenchParams& p) {
    std::vector<Strategy> out;
    if (p.strategies.empty()) return {std::begin(grad::kAllStrategies), std::end(grad::kAllStrategies)};
    for (const auto& s : p.strategies) out.push_back(*grad::strategyFromString(s));
    return out;
}

} // namespace

Result<GradBenchReport> runGradBench(const GradBenchParams& p, const JobContext& ctx) {
    return guarded<GradBenchReport>("bench grad", [&]() -> Result<GradBenchReport> {
        for (const auto& s : p.strategies)
            if (!grad::strategyFromString(s))
                return Result<GradBenchReport>::invalid(
                    "unknown strategy '" + s + "' (known: backprop, checkpoint, reversible, adjoint)");
        for (int n : p.steps)
            if (n < 1) return Result<GradBenchReport>::invalid("step counts must be >= 1");
        telemetry::installAllocatorHook();
        const auto strats = strategies(p);
        nlohmann::json j;
        j["bench"] = "grad";
        j["solver"] = "reversible Heun";
        j["threads"] = at::get_num_threads();
        std::ostringstream table;
        const auto vp = sde::makeVp();
        const double tEnd = 1e-3;
        std::vector<bool> modes;
        if (p.ode) modes.push_back(false);
        auto options = [&](int n, bool stochastic, Strategy s) {
            grad::Options o;
            o.doubleState = p.doubleState;
            o.common.steps = n;
            o.common.tEnd = tEnd;
            o.common.seed = p.seed;
            o.stochastic = stochastic;
            o.strategy = s;
            return o;
        };
        if (p.stochastic) modes.push_back(true);
        if (modes.empty()) return Result<GradBenchReport>::invalid("choose the ODE, the SDE or both");

        // ---- Gaussian data, float64 -------------------------------------------------------
        if (p.gaussian) {
            auto g = at::make_generator<at::CPUGeneratorImpl>(p.seed + 1);
            const at::Tensor m = at::full({1, 3}, 0.4, at::kDouble);
            const at::Tensor xT = at::randn({4, 3}, g, at::kDouble);
            const at::Tensor w = at::randn({4, 3}, g, at::kDouble);
            const at::Tensor dir = at::randn({4, 3}, g, at::kDouble);
            auto loss = [w](const at::Tensor& x) { return (w * x).sum() + 0.5 * x.pow(2).sum(); };
            grad::Problem prob;
            prob.sde = vp.get();
            prob.denoiser = gaussianWithMean(*vp, m);
            prob.params = {m};
            prob.loss = loss;
            auto lossAt = [&](const at::Tensor& x, const at::Tensor& mean, int n, bool st) -> double {
                solvers::RevHeunOptions o;
                o.common.steps = n;
                o.common.tEnd = tEnd;
                o.common.seed = p.seed;
                o.stochastic = st;
                auto r = solvers::sampleReversibleHeun(*vp, gaussianWithMean(*vp, mean), x, {}, o, ctx);
                if (!r) throw std::runtime_error(r.error().message);
                return loss(r.value().x).item<double>();
            };
            // The exact flow's gradient (ODE): x_end = α_e m + k (x_T − α_T m), k = √(V_e/V_T).
            auto V = [&](double t) {
                return vp->alpha(t) * vp->alpha(t) * kStd * kStd + vp->sigma(t) * vp->sigma(t);
            };
            const double k = std::sqrt(V(tEnd) / V(vp->tMax()));
            const at::Tensor dLdx = w + (m * vp->alpha(tEnd) + (xT - m * vp->alpha(vp->tMax())) * k);
            const at::Tensor exactX = dLdx * k;
            // The reverse SDE (linear drift, additive noise): the pathwise Jacobian is the scalar
            // J = exp(−∫_{tEnd}^{T} (−κ + g²/V) dt), so ∂L/∂x_T = J (w + x_end) on its own path.
            double integral = 0;
            const int Q = 200000;
            for (int i = 0; i < Q; ++i) {
                const double t = tEnd + (vp->tMax() - tEnd) * (i + 0.5) / Q;
                integral +=
                    (-vp->kappa(t) + vp->diffusion(t) * vp->diffusion(t) / V(t)) * (vp->tMax() - tEnd) / Q;
            }
            const double J = std::exp(-integral);
            nlohmann::json rows = nlohmann::json::array();
            table << "Gaussian data (VP, float64, 4 items × 3 dims; parameter: the data mean)\n"
                  << "| mode | N | strategy | NFE fwd+bwd | vs FD (x_T) | vs FD (mean) | vs backprop | vs "
                     "exact | start reconstructed |\n"
                  << "|---|---|---|---|---|---|---|---|---|\n";
            for (bool st : modes)
                for (int n : p.steps) {
                    const double h = 1e-5;
                    const double fdX =
                        (lossAt(xT + h * dir, m, n, st) - lossAt(xT - h * dir, m, n, st)) / (2 * h);
                    const double fdM = (lossAt(xT, m + h, n, st) - lossAt(xT, m - h, n, st)) / (2 * h);
                    at::Tensor ref;
                    for (Strategy s : strats) {
                        const grad::Options o = options(n, st, s);
                        auto r = grad::sampleGrad(prob, xT, o, ctx);
                        if (!r) return r.error();
                        const auto& out = r.value();
                        const double eX = std::abs((out.gradX * dir).sum().item<double>() - fdX) /
                                          std::max(1e-300, std::abs(fdX));
                        const double eM = std::abs(out.gradParams[0].sum().item<double>() - fdM) /
                                          std::max(1e-300, std::abs(fdM));
                        if (s == Strategy::Backprop) ref = out.gradX;
                        nlohmann::json row{{"mode", st ? "sde" : "ode"},
                                           {"steps", n},
                                           {"strategy", grad::toString(s)},
                                           {"nfe_forward", out.forwardNfe},
                                           {"nfe_backward", out.backwardNfe},
                                           {"rel_error_vs_fd_x", eX},
                                           {"rel_error_vs_fd_mean", eM},
                                           {"reconstruction_error", out.reconstructionError}};
                        std::string vsB = "–", vsExact;
                        if (ref.defined()) {
                            row["rel_error_vs_backprop"] = rel(out.gradX, ref);
                            vsB = fmtG(rel(out.gradX, ref));
                        }
                        const at::Tensor exact = st ? (w + out.sample) * J : exactX;
                        row["rel_error_vs_exact"] = rel(out.gradX, exact);
                        vsExact = fmtG(rel(out.gradX, exact));
                        rows.push_back(row);
                        table << "| " << (st ? "SDE" : "ODE") << " | " << n << " | " << grad::toString(s)
                              << " | " << out.forwardNfe << "+" << out.backwardNfe << " | " << fmtG(eX)
                              << " | " << fmtG(eM) << " | " << vsB << " | " << vsExact << " | "
                              << fmtG(out.reconstructionError) << " |\n";
                    }
                }
            j["gaussian"] = rows;
        }

        // ---- The shipped Fashion-MNIST generator and classifier, float32 --------------------
        if (p.network) {
            auto model = loadGenerator(p.modelDir);
            if (!model) return model.error();
            auto clf = loadClassifierDir(p.classifierDir);
            if (!clf) return clf.error();
            model.value()->eval();
            clf.value()->eval();
            const at::Tensor labels = at::full({1}, p.label, at::kLong);
            grad::Problem prob;
            prob.sde = vp.get();
            prob.denoiser = sde::denoiserFromSigma(*vp, guided(model.value(), labels, 10, 1.0));
            models::Classifier c = clf.value();
            const int label = p.label;
            prob.loss = [c, label](const at::Tensor& x) mutable {
                return -at::log_softmax(c->forward(x.clamp(-1, 1)), 1).select(1, label).sum();
            };
            auto g = at::make_generator<at::CPUGeneratorImpl>(p.seed + 2);
            const at::Tensor xT = at::randn({1, 1, 28, 28}, g, at::kFloat);
            nlohmann::json rows = nlohmann::json::array();
            j["fmnist_state"] = p.doubleState ? "float64" : "float32";
            table << "\nfmnist-edm (VP, float32" << (p.doubleState ? " network, float64 solver states" : "")
                  << ", batch 1, loss −log p(class " << p.label
                  << " | sample), gradient w.r.t. x_T); memory = allocator peak above what was held before\n"
                  << "| mode | N | strategy | NFE fwd+bwd | peak MiB | seconds | vs backprop | start "
                     "reconstructed |\n"
                  << "|---|---|---|---|---|---|---|---|\n";
            int row = 0;
            const int rowsTotal = int(modes.size() * p.steps.size() * strats.size());
            for (bool st : modes)
                for (int n : p.steps) {
                    at::Tensor ref;
                    for (Strategy s : strats) {
                        const grad::Options o = options(n, st, s);
                        auto r = measure(prob, xT, o, ctx);
                        if (!r) return r.error();
                        const auto& mm = r.value();
                        Progress pr;
                        pr.step = ++row;
                        pr.total = rowsTotal;
                        pr.message = grad::toString(s);
                        pr.values = {{"steps", double(n)},
                                     {"sde", st ? 1.0 : 0.0},
                                     {"peak_mib", mm.peakMiB},
                                     {"seconds", mm.seconds},
                                     {"nfe_forward", double(mm.out.forwardNfe)},
                                     {"nfe_backward", double(mm.out.backwardNfe)},
                                     {"rel_error_vs_backprop", s == Strategy::Backprop ? 0.0
                                                               : ref.defined() ? rel(mm.out.gradX, ref)
                                                                               : std::nan("")},
                                     {"reconstruction_error", mm.out.reconstructionError}};
                        ctx.report(pr);
                        if (s == Strategy::Backprop) ref = mm.out.gradX;
                        nlohmann::json row{{"mode", st ? "sde" : "ode"},
                                           {"steps", n},
                                           {"strategy", grad::toString(s)},
                                           {"nfe_forward", mm.out.forwardNfe},
                                           {"nfe_backward", mm.out.backwardNfe},
                                           {"peak_mib", mm.peakMiB},
                                           {"seconds", mm.seconds},
                                           {"loss", mm.out.loss},
                                           {"reconstruction_error", mm.out.reconstructionError}};
                        std::string vsB = "–";
                        if (ref.defined()) {
                            row["rel_error_vs_backprop"] = rel(mm.out.gradX, ref);
                            vsB = fmtG(rel(mm.out.gradX, ref));
                        }
                        rows.push_back(row);
                        table << "| " << (st ? "SDE" : "ODE") << " | " << n << " | " << grad::toString(s)
                              << " | " << mm.out.forwardNfe << "+" << mm.out.backwardNfe << " | "
                              << fmtF(mm.peakMiB, 1) << " | " << fmtF(mm.seconds, 2) << " | " << vsB << " | "
                              << fmtG(mm.out.reconstructionError) << " |\n";
                    }
                }
            j["fmnist"] = rows;
        }
        GradBenchReport rep;
        rep.json = j.dump();
        rep.table = table.str();
        return rep;
    });
}

} // namespace reverie::generate
