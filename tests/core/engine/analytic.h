#pragma once
// Closed-form truth for the engine tests: data whose denoiser, score, marginals and PF-ODE flow
// are known exactly for every SDE (isotropic Gaussians, point masses, Gaussian mixtures).

#include "engine/sde/param.h"
#include "engine/sde/sde.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <memory>
#include <numbers>
#include <vector>

namespace reverie::testing {

/// A mixture of isotropic Gaussians in `dim` dimensions: weight w_k, mean m_k, std s_k (s_k = 0:
/// point mass). One component = Gaussian data.
struct Mixture {
    int dim = 1;
    std::vector<double> w;
    std::vector<std::vector<double>> m;
    std::vector<double> s;

    static Mixture gaussian(int dim, double mean, double std) {
        return Mixture{dim, {1.0}, {std::vector<double>(dim, mean)}, {std}};
    }
    static Mixture pointMass(int dim, double at) { return gaussian(dim, at, 0.0); }

    at::Tensor means() const {
        std::vector<double> flat;
        for (const auto& v : m) flat.insert(flat.end(), v.begin(), v.end());
        return at::tensor(flat, at::kDouble).view({static_cast<int64_t>(m.size()), dim});
    }

    /// E[x0 | x0 + σ̃ z = xt], xt [B, dim]; st 0-dim or [B,1].
    at::Tensor denoise(const at::Tensor& xt, const at::Tensor& st) const {
        if (w.size() == 1) { // one Gaussian: m + s²/(s² + σ̃²)(x − m), the cheap path
            const double s2 = s[0] * s[0];
            const at::Tensor mm = at::tensor(m[0], at::kDouble).view({1, dim});
            const at::Tensor v = st.dim() == 0 ? st : st.reshape({-1, 1});
            return mm + (xt - mm) * (s2 / (v * v + s2));
        }
        const int64_t K = static_cast<int64_t>(w.size());
        const at::Tensor M = means();                                   // [K, d]
        const at::Tensor s2 = at::tensor(s, at::kDouble).pow(2);        // [K]
        const at::Tensor v = st.pow(2).reshape({-1, 1}) + s2.view({1, K}); // [B or 1, K]
        const at::Tensor diff = xt.unsqueeze(1) - M.unsqueeze(0);       // [B, K, d]
        const at::Tensor logw = at::tensor(w, at::kDouble).log().view({1, K});
        const at::Tensor logp = logw - 0.5 * diff.pow(2).sum(2) / v - 0.5 * dim * v.log();
        const at::Tensor r = at::softmax(logp, 1);                      // [B, K]
        const at::Tensor comp = M.unsqueeze(0) + diff * (s2.view({1, K}) / v).unsqueeze(2); // [B,K,d]
        return (r.unsqueeze(2) * comp).sum(1);
    }

    sde::SigmaDenoiser sigmaDenoiser() const {
        Mixture self = *this;
        return [self](const at::Tensor& xt, const at::Tensor& st, const at::Tensor&) {
            const at::Tensor flat = xt.reshape({xt.size(0), self.dim});
            return self.denoise(flat, st.dim() == 0 ? st : st.reshape({-1})).view(xt.sizes());
        };
    }

    /// log density of x0 + σ̃ z at x [B, d].
    at::Tensor logDensity(const at::Tensor& x, double st) const {
        const int64_t K = static_cast<int64_t>(w.size());
        const at::Tensor M = means();
        const at::Tensor v = at::tensor(s, at::kDouble).pow(2).view({1, K}) + st * st;
        const at::Tensor diff = x.unsqueeze(1) - M.unsqueeze(0);
        const at::Tensor logw = at::tensor(w, at::kDouble).log().view({1, K});
        const at::Tensor lp = logw - 0.5 * diff.pow(2).sum(2) / v - 0.5 * dim * (2 * std::numbers::pi * v).log();
        return at::logsumexp(lp, 1);
    }

    /// Exact samples of x0, [n, d].
    at::Tensor sample(int64_t n, at::Generator gen) const {
        const at::Tensor probs = at::tensor(w, at::kDouble);
        const at::Tensor k = at::multinomial(probs, n, true, gen);
        const at::Tensor M = means().index_select(0, k);
        const at::Tensor S = at::tensor(s, at::kDouble).index_select(0, k).unsqueeze(1);
        return M + S * at::randn({n, dim}, gen, at::kDouble);
    }
};

/// Exact samples of x_t given data samples x0: α x0 + (1 − α) μ + σ z.
inline at::Tensor marginalSample(const sde::Sde& sde, const at::Tensor& x0, double t, const at::Tensor& mu,
                                 at::Generator gen) {
    at::Tensor x = sde.marginalMean(x0, t, mu);
    return x + sde.sigma(t) * at::randn(x0.sizes(), gen, at::kDouble);
}

inline at::Generator gen(uint64_t seed) { return at::detail::createCPUGenerator(seed); }

/// Mean and variance of a 1-D sample, and their standard errors.
struct Moments {
    double mean, var, seMean, seVar;
};
inline Moments moments(const at::Tensor& v) {
    const at::Tensor x = v.reshape({-1}).to(at::kDouble);
    const double n = static_cast<double>(x.numel());
    const double m = x.mean().item<double>();
    const double var = x.var().item<double>();
    const double m4 = (x - m).pow(4).mean().item<double>();
    return {m, var, std::sqrt(var / n), std::sqrt(std::max(0.0, (m4 - var * var * (n - 3) / (n - 1)) / n))};
}

/// Least-squares slope of log(err) against log(n).
inline double logSlope(const std::vector<double>& n, const std::vector<double>& err) {
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    const double k = static_cast<double>(n.size());
    for (size_t i = 0; i < n.size(); ++i) {
        const double x = std::log(n[i]), y = std::log(err[i]);
        sx += x; sy += y; sxx += x * x; sxy += x * y;
    }
    return (k * sxy - sx * sy) / (k * sxx - sx * sx);
}

} // namespace reverie::testing
