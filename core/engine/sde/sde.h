#pragma once
// The forward SDEs (VE, VP, sub-VP, IR-SDE, OUVE) as one affine-Gaussian family
// dx = κ(t)(μ − x) dt + g(t) dw (μ = 0 for VE/VP/sub-VP, the degraded input for IR-SDE and OUVE),
// with their exact marginals x_t = α(t) x_0 + (1 − α(t)) μ + σ(t) z, the VE-equivalent noise level
// σ̃ = σ/α and the half log-SNR λ = log α − log σ. Table, defaults and derivation:
// docs/methods.md, "The SDE family".
//
// Thread rules: an Sde is immutable after construction; share it freely between threads.
// Failure: the make*() factories throw std::invalid_argument on nonsensical parameters.

#include "base/job.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace reverie::sde {

enum class SdeKind { VE, VP, SubVP, IRSDE, OUVE };

std::string toString(SdeKind k);

class Sde {
public:
    virtual ~Sde() = default;

    virtual SdeKind kind() const = 0;
    virtual std::string name() const = 0;

    /// The end of the time axis (the noisy end): T.
    virtual double tMax() const = 0;
    /// Default end point for sampling (t_eps); 0 is allowed where σ(0) = 0 is handled.
    virtual double tEps() const = 0;
    /// Default number of discretisation steps (N).
    virtual int defaultSteps() const = 0;
    /// True for IR-SDE and OUVE (μ is part of the problem).
    virtual bool meanReverting() const { return false; }

    /// Mean-reversion rate κ(t): drift f(x,t) = κ(t)(μ − x).
    virtual double kappa(double t) const = 0;
    /// Diffusion coefficient g(t).
    virtual double diffusion(double t) const = 0;
    /// Marginal coefficient α(t) of x_0 − μ.
    virtual double alpha(double t) const = 0;
    /// Marginal standard deviation σ(t).
    virtual double sigma(double t) const = 0;

    /// Standard deviation of the prior x_T that prior() draws (VP: 1, VE: σmax, IR-SDE: λ,
    /// OUVE: σ(T)). The prior mean is μ (0 for non-mean-reverting SDEs); the α(T) x_0 term is
    /// dropped, which is the published convention (and OUVE's "prior mismatch").
    virtual double priorStd() const { return sigma(tMax()); }

    // ---- derived, shared by all ----
    double sigmaTilde(double t) const { return sigma(t) / alpha(t); }
    /// λ(t) = log α(t) − log σ(t) (+∞ at σ = 0).
    double lambda(double t) const;
    /// Inverse of σ̃(t) on [0, T] (bisection; σ̃ is strictly increasing for every SDE here).
    double tFromSigmaTilde(double sigmaTilde) const;
    /// Inverse of λ(t) on [0, T].
    double tFromLambda(double lambda) const;

    /// f(x, t) = κ(t)(μ − x); mu may be undefined (= 0).
    at::Tensor drift(const at::Tensor& x, double t, const at::Tensor& mu) const;
    /// E[x_t | x_0] = α x_0 + (1 − α) μ.
    at::Tensor marginalMean(const at::Tensor& x0, double t, const at::Tensor& mu) const;
    /// The prior's mean: μ (or zeros like `like`).
    at::Tensor priorMean(const at::Tensor& like, const at::Tensor& mu) const;
    /// log N(x; priorMean, priorStd² I), summed per batch item → [B].
    at::Tensor priorLogProb(const at::Tensor& x, const at::Tensor& mu) const;

    /// True when t lies in [0, T] (with a relative slack of 1e-9).
    bool inRange(double t) const;
    /// n+1 points from tStart down to tEnd, uniform in t.
    std::vector<double> uniformGrid(int n, double tStart, double tEnd) const;
};

/// Song et al. VE SDE: g(t) = σmin r^t sqrt(2 ln r), r = σmax/σmin, κ = 0, α = 1.
/// Note: σ(t)² = σmin²(r^{2t} − 1) is the exact variance of this SDE from x_0 at t = 0. The
/// paper's code uses σmin r^t instead (it treats x_0 as already carrying σmin noise); the two
/// differ only for t ≲ 0.3 by at most σmin.
struct VeParams {
    double sigmaMin = 0.01;
    double sigmaMax = 50.0;
    double tEps = 1e-5;
    int steps = 1000;
};
/// VP and sub-VP: β(t) = β0 + t(β1 − β0), T = 1.
struct VpParams {
    double beta0 = 0.1;
    double beta1 = 20.0;
    double tEps = 1e-3;
    int steps = 1000;
};
/// IR-SDE (Luo et al. 2023): θ from the improved-DDPM cosine schedule, σ_t² = 2λ²θ_t.
/// Discrete: θ is constant on each unit interval (i−1, i], i = 1..T, with
///     θ_i ∝ 1 − ᾱ_cos(i/T),  ᾱ_cos(u) = cos²((u+s)/(1+s)·π/2) / cos²(s/(1+s)·π/2),
/// or, with upstreamGrid, θ_i ∝ 1 − ᾱ_cos((i+1)/(T+2)) as the official code's
/// cosine_theta_schedule evaluates it (T + 3 points, the first and the last dropped), which a
/// published checkpoint's time input was trained on;
/// continuous: θ(t) ∝ 1 − ᾱ_cos(t/T) (closed-form integral). Either way scaled so that
/// exp(−θ̄_T) = endAlpha. Time runs over [0, T] in both (T = 100 steps by default).
struct IrSdeParams {
    double lambda = 10.0 / 255.0; ///< stationary std (max_sigma/255)
    int T = 100;
    bool discrete = true;
    double cosineS = 0.008;
    double endAlpha = 0.005;
    double tEps = 0.0;
    bool upstreamGrid = false; ///< discrete only: the official code's cosine grid (see above)
};
/// OUVE (SGMSE+): κ = γ, g(t) = σmin r^t sqrt(2 ln r), T = 1.
struct OuveParams {
    double gamma = 1.5;
    double sigmaMin = 0.05;
    double sigmaMax = 0.5;
    double tEps = 0.03;
    int steps = 30;
};

/// A discrete-time DDPM schedule ᾱ_0 > … > ᾱ_{N−1} (e.g. Stable Diffusion's) served as a VP SDE
/// on t ∈ [0, 1]: the discrete step i sits at t = (i + 1)/N, log σ̃ is interpolated between the
/// steps by a monotone C¹ cubic (Fritsch–Butland slopes), σ̃ falls linearly to 0 below t = 1/N,
/// and α = 1/√(1 + σ̃²), σ = σ̃α, κ = α²σ̃σ̃', g = √(2κ) (so g² = β(t) as for every VP SDE). A
/// network trained on the discrete steps takes discreteTimestep(t, N) as its time input (the
/// fractional step, as k-diffusion's log-σ interpolation gives it). docs/methods.md, "Stable
/// Diffusion's schedule".
struct DiscreteVpParams {
    std::vector<double> alphasCumprod; ///< ᾱ_i, strictly decreasing in (0, 1), N ≥ 2
    int steps = 50;                    ///< default number of sampling steps
};

/// Latent diffusion's "scaled linear" schedule: β_i = (√β_start + i/(N−1)·(√β_end − √β_start))²,
/// ᾱ_i = Π_{j≤i}(1 − β_j). Stable Diffusion 1.x: 0.00085, 0.012, N = 1000.
std::vector<double> scaledLinearAlphasCumprod(double betaStart = 0.00085, double betaEnd = 0.012, int n = 1000);

/// The discrete step (fractional) that time t of a DiscreteVp SDE of n steps stands for:
/// clamp(t·n − 1, 0, n − 1).
double discreteTimestep(double t, int n);
/// discreteTimestep for a denoiser's time argument: t 0-dim (one time for the batch) or [B];
/// the result is float [batch] on `like`'s device.
at::Tensor discreteTimesteps(const at::Tensor& t, std::int64_t batch, int n, const at::Tensor& like);

std::unique_ptr<Sde> makeVe(const VeParams& p = {});
std::unique_ptr<Sde> makeVp(const VpParams& p = {});
std::unique_ptr<Sde> makeSubVp(const VpParams& p = {});
std::unique_ptr<Sde> makeIrSde(const IrSdeParams& p = {});
std::unique_ptr<Sde> makeOuve(const OuveParams& p = {});
std::unique_ptr<Sde> makeDiscreteVp(const DiscreteVpParams& p);

/// A per-item coefficient f(t_b) for every batch item, shaped [B, 1, …] to broadcast against
/// `like`; a 0-dim t gives a 0-dim result. Real dtype matching `like` (so float32 stays float32),
/// on like's device.
at::Tensor perItem(const at::Tensor& t, const at::Tensor& like, const std::function<double(double)>& f);

} // namespace reverie::sde
