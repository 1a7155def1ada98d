#include "engine/sde/sde.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

namespace reverie::sde {

std::string toString(SdeKind k) {
    switch (k) {
    case SdeKind::VE: return "VE";
    case SdeKind::VP: return "VP";
    case SdeKind::SubVP: return "sub-VP";
    case SdeKind::IRSDE: return "IR-SDE";
    case SdeKind::OUVE: return "OUVE";
    }
    return "?";
}

// ---------------------------------------------------------------------------------------------
// Shared parts

double Sde::lambda(double t) const {
    const double s = sigma(t);
    if (s <= 0.0) return std::numeric_limits<double>::infinity();
    return std::log(alpha(t)) - std::log(s);
}

double Sde::tFromSigmaTilde(double target) const {
    if (!(target > 0.0)) return 0.0;
    const double T = tMax();
    if (target >= sigmaTilde(T)) return T;
    double lo = 0.0, hi = T;
    // σ̃ is strictly increasing; 200 halvings reach double resolution on [0, T] for any T used here.
    for (int i = 0; i < 200 && hi - lo > 1e-15 * std::max(1.0, T); ++i) {
        const double mid = 0.5 * (lo + hi);
        if (sigmaTilde(mid) < target) lo = mid; else hi = mid;
    }
    return 0.5 * (lo + hi);
}

double Sde::tFromLambda(double lam) const {
    if (std::isinf(lam) && lam > 0) return 0.0;
    return tFromSigmaTilde(std::exp(-lam));
}

static at::Tensor yOf(const at::Tensor& x, const at::Tensor& mu) { return mu.defined() ? x - mu : x; }

at::Tensor Sde::drift(const at::Tensor& x, double t, const at::Tensor& mu) const {
    return yOf(x, mu) * (-kappa(t));
}

at::Tensor Sde::marginalMean(const at::Tensor& x0, double t, const at::Tensor& mu) const {
    const double a = alpha(t);
    if (!mu.defined()) return x0 * a;
    return x0 * a + mu * (1.0 - a);
}

at::Tensor Sde::priorMean(const at::Tensor& like, const at::Tensor& mu) const {
    return mu.defined() ? mu.expand_as(like).clone() : at::zeros_like(like);
}

at::Tensor Sde::priorLogProb(const at::Tensor& x, const at::Tensor& mu) const {
    const double s = priorStd();
    const at::Tensor d = yOf(x, mu).reshape({x.size(0), -1});
    const double D = static_cast<double>(d.size(1));
    if (x.is_complex()) {
        // Circular complex normal CN(0, s²): real and imaginary parts each of variance s²/2.
        const at::Tensor sq = at::real(d * d.conj()).sum(1);
        return -sq / (s * s) - D * std::log(std::numbers::pi * s * s);
    }
    return -0.5 * (d * d).sum(1) / (s * s) - 0.5 * D * std::log(2.0 * std::numbers::pi * s * s);
}

bool Sde::inRange(double t) const {
    const double T = tMax();
    const double slack = 1e-9 * std::max(1.0, T);
    return std::isfinite(t) && t >= -slack && t <= T + slack;
}

std::vector<double> Sde::uniformGrid(int n, double tStart, double tEnd) const {
    std::vector<double> g(static_cast<size_t>(n) + 1);
    for (int i = 0; i <= n; ++i) g[i] = tStart + (tEnd - tStart) * (static_cast<double>(i) / n);
    g[n] = tEnd;
    return g;
}

at::Tensor perItem(const at::Tensor& t, const at::Tensor& like, const std::function<double(double)>& f) {
    const auto real = c10::toRealValueType(like.scalar_type());
    const auto opts = at::TensorOptions().dtype(real).device(like.device());
    if (t.dim() == 0) return at::scalar_tensor(f(t.item<double>()), opts);
    const at::Tensor tc = t.to(at::kDouble).cpu().contiguous();
    const int64_t B = tc.numel();
    at::Tensor out = at::empty({B}, at::TensorOptions().dtype(at::kDouble));
    const double* tp = tc.data_ptr<double>();
    double* op = out.data_ptr<double>();
    for (int64_t i = 0; i < B; ++i) op[i] = f(tp[i]);
    std::vector<int64_t> shape(static_cast<size_t>(std::max<int64_t>(like.dim(), 1)), 1);
    shape[0] = B;
    return out.to(opts).view(shape);
}

// ---------------------------------------------------------------------------------------------
// VE

namespace {

void require(bool ok, const char* what) {
    if (!ok) throw std::invalid_argument(what);
}

class VeSde final : public Sde {
public:
    explicit VeSde(const VeParams& p) : m_p(p) {
        require(p.sigmaMin > 0 && p.sigmaMax > p.sigmaMin, "VE SDE: need 0 < sigmaMin < sigmaMax");
        require(p.steps > 0 && p.tEps >= 0 && p.tEps < 1, "VE SDE: need steps > 0 and 0 <= tEps < 1");
        m_logR = std::log(p.sigmaMax / p.sigmaMin);
    }
    SdeKind kind() const override { return SdeKind::VE; }
    std::string name() const override { return "VE"; }
    double tMax() const override { return 1.0; }
    double tEps() const override { return m_p.tEps; }
    int defaultSteps() const override { return m_p.steps; }
    double kappa(double) const override { return 0.0; }
    double diffusion(double t) const override {
        return m_p.sigmaMin * std::exp(m_logR * t) * std::sqrt(2.0 * m_logR);
    }
    double alpha(double) const override { return 1.0; }
    double sigma(double t) const override {
        return m_p.sigmaMin * std::sqrt(std::max(0.0, std::expm1(2.0 * m_logR * t)));
    }
    double priorStd() const override { return m_p.sigmaMax; }

private:
    VeParams m_p;
    double m_logR = 0;
};

// ---------------------------------------------------------------------------------------------
// VP and sub-VP

class VpSde : public Sde {
public:
    VpSde(const VpParams& p, bool sub) : m_p(p), m_sub(sub) {
        require(p.beta0 > 0 && p.beta1 > p.beta0, "VP SDE: need 0 < beta0 < beta1");
        require(p.steps > 0 && p.tEps >= 0 && p.tEps < 1, "VP SDE: need steps > 0 and 0 <= tEps < 1");
    }
    SdeKind kind() const override { return m_sub ? SdeKind::SubVP : SdeKind::VP; }
    std::string name() const override { return m_sub ? "sub-VP" : "VP"; }
    double tMax() const override { return 1.0; }
    double tEps() const override { return m_p.tEps; }
    int defaultSteps() const override { return m_p.steps; }
    double beta(double t) const { return m_p.beta0 + t * (m_p.beta1 - m_p.beta0); }
    double B(double t) const { return m_p.beta0 * t + 0.5 * (m_p.beta1 - m_p.beta0) * t * t; }
    double kappa(double t) const override { return 0.5 * beta(t); }
    double diffusion(double t) const override {
        if (!m_sub) return std::sqrt(beta(t));
        return std::sqrt(beta(t) * -std::expm1(-2.0 * B(t)));
    }
    double alpha(double t) const override { return std::exp(-0.5 * B(t)); }
    double sigma(double t) const override {
        const double v = -std::expm1(-B(t)); // 1 − α²
        return m_sub ? v : std::sqrt(v);
    }
    double priorStd() const override { return 1.0; }

private:
    VpParams m_p;
    bool m_sub;
};

// ---------------------------------------------------------------------------------------------
// IR-SDE

class IrSde final : public Sde {
public:
    explicit IrSde(const IrSdeParams& p) : m_p(p) {
        require(p.lambda > 0, "IR-SDE: need lambda > 0");
        require(p.T >= 1, "IR-SDE: need T >= 1");
        require(p.endAlpha > 0 && p.endAlpha < 1, "IR-SDE: need 0 < endAlpha < 1");
        require(p.cosineS > 0, "IR-SDE: need cosineS > 0");
        require(p.tEps >= 0 && p.tEps < p.T, "IR-SDE: need 0 <= tEps < T");
        const double target = -std::log(p.endAlpha);
        if (p.discrete) {
            m_theta.resize(static_cast<size_t>(p.T) + 1, 0.0);
            double sum = 0;
            for (int i = 1; i <= p.T; ++i) {
                m_theta[i] = 1.0 - abarCos(p.upstreamGrid ? static_cast<double>(i + 1) / (p.T + 2)
                                                          : static_cast<double>(i) / p.T);
                sum += m_theta[i];
            }
            m_scale = target / sum;
            m_cum.assign(static_cast<size_t>(p.T) + 1, 0.0);
            for (int i = 1; i <= p.T; ++i) {
                m_theta[i] *= m_scale;
                m_cum[i] = m_cum[i - 1] + m_theta[i];
            }
        } else {
            m_scale = 1.0;
            m_scale = target / thetaBar(p.T);
        }
    }
    SdeKind kind() const override { return SdeKind::IRSDE; }
    std::string name() const override { return m_p.discrete ? "IR-SDE (discrete)" : "IR-SDE (continuous)"; }
    double tMax() const override { return m_p.T; }
    double tEps() const override { return m_p.tEps; }
    int defaultSteps() const override { return m_p.T; }
    bool meanReverting() const override { return true; }

    double kappa(double t) const override {
        if (m_p.discrete) {
            int i = static_cast<int>(std::ceil(t));
            i = std::clamp(i, 1, m_p.T);
            return m_theta[i];
        }
        return m_scale * (1.0 - abarCos(t / m_p.T));
    }
    double diffusion(double t) const override { return std::sqrt(2.0 * m_p.lambda * m_p.lambda * kappa(t)); }
    double alpha(double t) const override { return std::exp(-thetaBar(t)); }
    double sigma(double t) const override {
        return m_p.lambda * std::sqrt(std::max(0.0, -std::expm1(-2.0 * thetaBar(t))));
    }
    double priorStd() const override { return m_p.lambda; }

    double thetaBar(double t) const {
        t = std::clamp(t, 0.0, static_cast<double>(m_p.T));
        if (m_p.discrete) {
            const int i = std::min(static_cast<int>(std::floor(t)), m_p.T - 1);
            return m_cum[i] + (t - i) * m_theta[i + 1];
        }
        // ∫_0^t (1 − ᾱ_cos(τ/T)) dτ in closed form: ∫cos²u du = u/2 + sin(2u)/4.
        const double s = m_p.cosineS, T = m_p.T, k = std::numbers::pi / (2.0 * (1.0 + s));
        const double u0 = k * s, u1 = k * (t / T + s);
        const double prim = (u1 / 2 + std::sin(2 * u1) / 4) - (u0 / 2 + std::sin(2 * u0) / 4);
        const double c0 = std::cos(u0) * std::cos(u0);
        return m_scale * (t - prim * T / k / c0);
    }

private:
    double abarCos(double u) const {
        const double s = m_p.cosineS;
        const double f = std::cos((u + s) / (1 + s) * std::numbers::pi / 2);
        const double f0 = std::cos(s / (1 + s) * std::numbers::pi / 2);
        return (f * f) / (f0 * f0);
    }
    IrSdeParams m_p;
    double m_scale = 1.0;
    std::vector<double> m_theta, m_cum;
};

// ---------------------------------------------------------------------------------------------
// OUVE

class OuveSde final : public Sde {
public:
    explicit OuveSde(const OuveParams& p) : m_p(p) {
        require(p.gamma > 0, "OUVE SDE: need gamma > 0");
        require(p.sigmaMin > 0 && p.sigmaMax > p.sigmaMin, "OUVE SDE: need 0 < sigmaMin < sigmaMax");
        require(p.steps > 0 && p.tEps >= 0 && p.tEps < 1, "OUVE SDE: need steps > 0 and 0 <= tEps < 1");
        m_L = std::log(p.sigmaMax / p.sigmaMin);
    }
    SdeKind kind() const override { return SdeKind::OUVE; }
    std::string name() const override { return "OUVE"; }
    double tMax() const override { return 1.0; }
    double tEps() const override { return m_p.tEps; }
    int defaultSteps() const override { return m_p.steps; }
    bool meanReverting() const override { return true; }
    double kappa(double) const override { return m_p.gamma; }
    double diffusion(double t) const override {
        return m_p.sigmaMin * std::exp(m_L * t) * std::sqrt(2.0 * m_L);
    }
    double alpha(double t) const override { return std::exp(-m_p.gamma * t); }
    double sigma(double t) const override {
        const double v = m_p.sigmaMin * m_p.sigmaMin * m_L / (m_p.gamma + m_L) *
                         (std::exp(2 * m_L * t) - std::exp(-2 * m_p.gamma * t));
        return std::sqrt(std::max(0.0, v));
    }

private:
    OuveParams m_p;
    double m_L = 0;
};

// ---------------------------------------------------------------------------------------------
// Discrete VP (a DDPM schedule on continuous time)

class DiscreteVpSde final : public Sde {
public:
    explicit DiscreteVpSde(const DiscreteVpParams& p) : m_steps(p.steps) {
        const auto& a = p.alphasCumprod;
        require(a.size() >= 2, "discrete VP SDE: need at least two steps");
        require(p.steps > 0, "discrete VP SDE: need steps > 0");
        m_n = static_cast<int>(a.size());
        m_y.resize(a.size());
        for (std::size_t i = 0; i < a.size(); ++i) {
            require(a[i] > 0 && a[i] < 1, "discrete VP SDE: every alphas_cumprod must lie in (0, 1)");
            require(i == 0 || a[i] < a[i - 1], "discrete VP SDE: alphas_cumprod must decrease strictly");
            m_y[i] = 0.5 * (std::log1p(-a[i]) - std::log(a[i])); // log σ̃_i
        }
        // Fritsch–Butland slopes (harmonic mean of the neighbouring secants): monotone and C¹.
        m_d.resize(a.size());
        m_d.front() = m_y[1] - m_y[0];
        m_d.back() = m_y[m_n - 1] - m_y[m_n - 2];
        for (int i = 1; i + 1 < m_n; ++i) {
            const double s0 = m_y[i] - m_y[i - 1], s1 = m_y[i + 1] - m_y[i];
            m_d[i] = 2.0 * s0 * s1 / (s0 + s1);
        }
    }
    SdeKind kind() const override { return SdeKind::VP; }
    std::string name() const override { return "VP (discrete, " + std::to_string(m_n) + " steps)"; }
    double tMax() const override { return 1.0; }
    double tEps() const override { return 1.0 / m_n; }
    int defaultSteps() const override { return m_steps; }
    double kappa(double t) const override {
        const auto [st, dst] = sigmaTildeAndSlope(t);
        return st * dst / (1.0 + st * st);
    }
    double diffusion(double t) const override { return std::sqrt(2.0 * kappa(t)); }
    double alpha(double t) const override {
        const double st = sigmaTildeAndSlope(t).first;
        return 1.0 / std::sqrt(1.0 + st * st);
    }
    double sigma(double t) const override {
        const double st = sigmaTildeAndSlope(t).first;
        return st / std::sqrt(1.0 + st * st);
    }
    double priorStd() const override { return 1.0; }

private:
    /// σ̃(t) and dσ̃/dt.
    std::pair<double, double> sigmaTildeAndSlope(double t) const {
        const double u = t * m_n - 1.0; // fractional step
        if (u < 0.0) {
            const double s0 = std::exp(m_y[0]);
            return {s0 * std::max(0.0, t) * m_n, s0 * m_n};
        }
        const int i = std::min(static_cast<int>(u), m_n - 2);
        const double h = std::min(u - i, 1.0);
        const double h2 = h * h, h3 = h2 * h;
        const double y0 = m_y[i], y1 = m_y[i + 1], d0 = m_d[i], d1 = m_d[i + 1];
        const double y = (2 * h3 - 3 * h2 + 1) * y0 + (h3 - 2 * h2 + h) * d0 + (-2 * h3 + 3 * h2) * y1 + (h3 - h2) * d1;
        const double dy = (6 * h2 - 6 * h) * y0 + (3 * h2 - 4 * h + 1) * d0 + (-6 * h2 + 6 * h) * y1 + (3 * h2 - 2 * h) * d1;
        const double st = std::exp(y);
        return {st, st * dy * m_n};
    }
    int m_n = 0;
    int m_steps = 50;
    std::vector<double> m_y, m_d;
};

} // namespace

std::vector<double> scaledLinearAlphasCumprod(double betaStart, double betaEnd, int n) {
    require(n >= 2 && betaStart > 0 && betaEnd > betaStart && betaEnd < 1,
            "scaled-linear schedule: need n >= 2 and 0 < beta_start < beta_end < 1");
    std::vector<double> a(static_cast<std::size_t>(n));
    const double r0 = std::sqrt(betaStart), r1 = std::sqrt(betaEnd);
    double prod = 1.0;
    for (int i = 0; i < n; ++i) {
        const double r = r0 + (r1 - r0) * (static_cast<double>(i) / (n - 1));
        prod *= 1.0 - r * r;
        a[i] = prod;
    }
    return a;
}

double discreteTimestep(double t, int n) { return std::clamp(t * n - 1.0, 0.0, n - 1.0); }

at::Tensor discreteTimesteps(const at::Tensor& t, std::int64_t batch, int n, const at::Tensor& like) {
    if (t.dim() == 0)
        return at::full({batch}, discreteTimestep(t.item<double>(), n), like.options().dtype(at::kFloat));
    return t.to(at::kDouble).mul(n).sub(1.0).clamp(0.0, n - 1.0).to(at::kFloat);
}

std::unique_ptr<Sde> makeVe(const VeParams& p) { return std::make_unique<VeSde>(p); }
std::unique_ptr<Sde> makeVp(const VpParams& p) { return std::make_unique<VpSde>(p, false); }
std::unique_ptr<Sde> makeSubVp(const VpParams& p) { return std::make_unique<VpSde>(p, true); }
std::unique_ptr<Sde> makeIrSde(const IrSdeParams& p) { return std::make_unique<IrSde>(p); }
std::unique_ptr<Sde> makeOuve(const OuveParams& p) { return std::make_unique<OuveSde>(p); }
std::unique_ptr<Sde> makeDiscreteVp(const DiscreteVpParams& p) { return std::make_unique<DiscreteVpSde>(p); }

} // namespace reverie::sde
