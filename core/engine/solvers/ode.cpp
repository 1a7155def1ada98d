#include "engine/solvers/ode.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace reverie::solvers {

std::string toString(OdeMethod m) {
    switch (m) {
    case OdeMethod::Euler: return "euler";
    case OdeMethod::Heun: return "heun";
    case OdeMethod::RK4: return "rk4";
    case OdeMethod::DoPri5: return "dopri5";
    }
    return "?";
}

std::int64_t odeNfe(OdeMethod m, int steps) {
    switch (m) {
    case OdeMethod::Euler: return steps;
    case OdeMethod::Heun: return 2LL * steps;
    case OdeMethod::RK4: return 4LL * steps;
    case OdeMethod::DoPri5: return -1;
    }
    return -1;
}

at::Tensor pfOdeVelocity(Model& m, const at::Tensor& x, double t, at::Tensor* x0) {
    const Sde& sde = m.sde();
    const Model::Pred p = m.predict(x, t);
    if (x0) *x0 = p.x0;
    const double g = sde.diffusion(t);
    return m.y(x) * (-sde.kappa(t)) - p.score * (0.5 * g * g);
}

namespace {

// Dormand–Prince 5(4) tableau.
constexpr double c2 = 1.0 / 5, c3 = 3.0 / 10, c4 = 4.0 / 5, c5 = 8.0 / 9;
constexpr double a21 = 1.0 / 5;
constexpr double a31 = 3.0 / 40, a32 = 9.0 / 40;
constexpr double a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9;
constexpr double a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561, a54 = -212.0 / 729;
constexpr double a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247, a64 = 49.0 / 176,
                 a65 = -5103.0 / 18656;
constexpr double b1 = 35.0 / 384, b3 = 500.0 / 1113, b4 = 125.0 / 192, b5 = -2187.0 / 6784, b6 = 11.0 / 84;
// e = b(5th) − b*(4th)
constexpr double e1 = 71.0 / 57600, e3 = -71.0 / 16695, e4 = 71.0 / 1920, e5 = -17253.0 / 339200, e6 = 22.0 / 525,
                 e7 = -1.0 / 40;

double errNorm(const at::Tensor& err, const at::Tensor& y0, const at::Tensor& y1, double atol, double rtol) {
    const at::Tensor sc = at::maximum(y0.abs(), y1.abs()) * rtol + atol;
    const at::Tensor r = (err.abs() / sc).reshape({err.size(0), -1});
    return r.pow(2).mean(1).sqrt().max().item<double>();
}

} // namespace

Integrated integrate(const std::function<at::Tensor(const at::Tensor&, double)>& f, at::Tensor y, double t0, double t1,
                     const OdeOptions& o, int steps, const std::function<void(int, double, const at::Tensor&)>& onStep) {
    Integrated res;
    if (o.method != OdeMethod::DoPri5) {
        const double h = (t1 - t0) / steps;
        for (int i = 0; i < steps; ++i) {
            const double t = t0 + h * i;
            const double tn = (i + 1 == steps) ? t1 : t0 + h * (i + 1);
            const double hh = tn - t;
            switch (o.method) {
            case OdeMethod::Euler: {
                y = y + f(y, t) * hh;
                res.fCalls += 1;
                break;
            }
            case OdeMethod::Heun: {
                const at::Tensor k1 = f(y, t);
                const at::Tensor k2 = f(y + k1 * hh, tn);
                y = y + (k1 + k2) * (0.5 * hh);
                res.fCalls += 2;
                break;
            }
            case OdeMethod::RK4: {
                const at::Tensor k1 = f(y, t);
                const at::Tensor k2 = f(y + k1 * (0.5 * hh), t + 0.5 * hh);
                const at::Tensor k3 = f(y + k2 * (0.5 * hh), t + 0.5 * hh);
                const at::Tensor k4 = f(y + k3 * hh, tn);
                y = y + (k1 + k2 * 2.0 + k3 * 2.0 + k4) * (hh / 6.0);
                res.fCalls += 4;
                break;
            }
            default: break;
            }
            res.steps = i + 1;
            if (onStep) onStep(i + 1, tn, y);
        }
        res.state = y;
        return res;
    }

    // Adaptive Dormand–Prince 5(4), PI control.
    const double dir = t1 > t0 ? 1.0 : -1.0;
    const double span = std::abs(t1 - t0);
    double h = o.h0 > 0 ? std::min(o.h0, span) : 0.01 * span;
    constexpr double beta = 0.04, alpha = 0.2 - 0.75 * beta, safety = 0.9;
    double errOld = 1e-4;
    double t = t0;
    at::Tensor k1 = f(y, t);
    res.fCalls = 1;
    int attempts = 0;
    bool rejectedLast = false;
    while (dir * (t1 - t) > 1e-12 * std::max(1.0, span)) {
        if (++attempts > o.maxSteps)
            throw std::runtime_error("DoPri5 did not reach the end within " + std::to_string(o.maxSteps) + " steps");
        if (h > std::abs(t1 - t)) h = std::abs(t1 - t);
        const double hs = dir * h;
        const at::Tensor k2 = f(y + k1 * (hs * a21), t + c2 * hs);
        const at::Tensor k3 = f(y + (k1 * a31 + k2 * a32) * hs, t + c3 * hs);
        const at::Tensor k4 = f(y + (k1 * a41 + k2 * a42 + k3 * a43) * hs, t + c4 * hs);
        const at::Tensor k5 = f(y + (k1 * a51 + k2 * a52 + k3 * a53 + k4 * a54) * hs, t + c5 * hs);
        const at::Tensor k6 = f(y + (k1 * a61 + k2 * a62 + k3 * a63 + k4 * a64 + k5 * a65) * hs, t + hs);
        const at::Tensor yNew = y + (k1 * b1 + k3 * b3 + k4 * b4 + k5 * b5 + k6 * b6) * hs;
        const double tNew = (h >= std::abs(t1 - t)) ? t1 : t + hs;
        const at::Tensor k7 = f(yNew, tNew);
        res.fCalls += 6;
        const at::Tensor err = (k1 * e1 + k3 * e3 + k4 * e4 + k5 * e5 + k6 * e6 + k7 * e7) * hs;
        const double en = std::max(errNorm(err, y, yNew, o.atol, o.rtol), 1e-10);
        if (!std::isfinite(en)) throw std::runtime_error("DoPri5: the vector field returned NaN or infinity");
        if (en <= 1.0) {
            double fac = safety * std::pow(en, -alpha) * std::pow(errOld, beta);
            fac = std::clamp(fac, 0.2, rejectedLast ? 1.0 : 10.0);
            errOld = std::max(en, 1e-4);
            y = yNew;
            k1 = k7;
            t = tNew;
            ++res.steps;
            rejectedLast = false;
            if (onStep) onStep(res.steps, t, y);
            h *= fac;
        } else {
            h *= std::max(0.2, safety * std::pow(en, -alpha));
            rejectedLast = true;
        }
    }
    res.state = y;
    return res;
}

Result<SampleOutput> sampleOde(const Sde& sde, const Denoiser& d, const at::Tensor& xT, const at::Tensor& mu,
                               const OdeOptions& o, const JobContext& ctx) {
    return runGuarded<SampleOutput>("probability-flow ODE (" + toString(o.method) + ")", [&]() -> Result<SampleOutput> {
        if (o.method == OdeMethod::DoPri5) {
            if (!(o.rtol > 0) || !(o.atol > 0)) throw InvalidError("rtol and atol must be positive");
            if (o.maxSteps < 1) throw InvalidError("maxSteps must be >= 1");
        }
        const OdeMethod meth = o.method;
        const Resolved r = validateCommon("ODE", sde, d, xT, mu, o.common, [meth](int n) -> std::int64_t {
            const std::int64_t k = odeNfe(meth, n);
            return k < 0 ? 7 : k; // DoPri5 needs at least one full step
        });
        if (meth != OdeMethod::Euler && !(sde.sigma(r.tEnd) > 0))
            throw InvalidError("the probability-flow ODE cannot be evaluated where sigma(t) = 0; choose tEnd > " +
                               std::to_string(r.tEnd));
        Model m(sde, d, mu, ctx, o.common.maxNfe);
        at::Tensor x0;
        auto f = [&](const at::Tensor& x, double t) { return pfOdeVelocity(m, x, t, &x0); };
        double last = nowSeconds();
        const int total = meth == OdeMethod::DoPri5 ? 0 : r.steps;
        auto onStep = [&](int i, double t, const at::Tensor& x) {
            const double now = nowSeconds();
            reportStep(o.common, m, i, total, t, x, x0, now - last, "probability-flow ODE");
            last = now;
        };
        const Integrated res = integrate(f, xT, r.tStart, r.tEnd, o, r.steps, onStep);
        return SampleOutput{res.state, m.nfe(), res.steps};
    });
}

} // namespace reverie::solvers
