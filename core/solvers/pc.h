#pragma once
// Stochastic samplers of Song et al. (2021): Euler–Maruyama on the reverse SDE, the
// reverse-diffusion predictor, Langevin and annealed-Langevin correctors, their predictor-corrector
// combinations, and conditional sampling (inpainting, colorization) by replacement.
//
// Grid: N+1 times t_0 = tStart > … > t_N = tEnd, uniform in t. Step i (1-based) evaluates the
// model at t_{i−1} (corrector steps first, then the predictor) and moves the state to t_i. The
// last predictor step adds no noise (it returns the mean). Documented NFE:
//     N · (correctorSteps + (predictor != None ? 1 : 0)).
//
// Predictors (y = x − μ, Δ = t_{i−1} − t_i > 0, s = score at t_{i−1}):
//   EulerMaruyama:    y ← y − [−κ y − g² s] Δ + g √Δ z
//   ReverseDiffusion: with the exact forward transition y_{t_{i−1}} = r y_{t_i} + G z,
//                     r = α(t_{i−1})/α(t_i), G² = σ(t_{i−1})² − r² σ(t_i)²:
//                     y ← (y + G² s)/r + G z
//                     (Song's VE predictor exactly; DDPM's ancestral step for VP).
// Correctors (at t_{i−1}, α_L = r² as in Song's VP corrector, 1 for VE):
//   Langevin:         ε = 2 α_L (snr ‖z‖/‖s‖)², x ← x + ε s + √(2ε) z. The norms are either
//                     averaged over the batch (BatchMean, Song's code: stable in any dimension,
//                     but couples the items) or taken per item (PerItem: items stay independent
//                     and reproducible one by one, but ‖z‖/‖s‖ only concentrates in high
//                     dimension — fine for images, biased for low-dimensional data).
//   AnnealedLangevin: ε = 2 α_L (snr σ(t))²  (SGMSE+ uses snr 0.5).

#include "solvers/common.h"

namespace reverie::solvers {

enum class Predictor { None, EulerMaruyama, ReverseDiffusion };
enum class Corrector { None, Langevin, AnnealedLangevin };
enum class LangevinNorm { BatchMean, PerItem };

/// Called after every corrector and predictor step with the state and the time it is at; returns
/// the state with the known part overwritten. `final` is true after the last predictor step (then
/// overwrite with the mean, no noise).
using ReplacementFn = std::function<at::Tensor(const at::Tensor& x, double t, bool final, NoiseSource& noise)>;

struct PcOptions {
    CommonOptions common;
    Predictor predictor = Predictor::ReverseDiffusion;
    Corrector corrector = Corrector::Langevin;
    int correctorSteps = 1;
    double snr = 0.16;
    LangevinNorm langevinNorm = LangevinNorm::BatchMean;
    ReplacementFn replace; ///< optional conditional sampling (see makeInpaintReplacement)
};

Result<SampleOutput> samplePc(const Sde& sde, const Denoiser& d, const at::Tensor& xT, const at::Tensor& mu,
                              const PcOptions& o, const JobContext& ctx);

/// Euler–Maruyama on the reverse SDE alone (PC with no corrector). NFE = N.
Result<SampleOutput> sampleEulerMaruyama(const Sde& sde, const Denoiser& d, const at::Tensor& xT,
                                         const at::Tensor& mu, const CommonOptions& o, const JobContext& ctx);

/// Replacement for linear conditions, Song et al. Appendix I: in the decoupled space u = M x
/// (M an orthogonal C×C matrix acting on dim 1, the channels; identity for inpainting), the
/// entries where mask = 1 are overwritten with a fresh forward sample of `known` (given in the
/// decoupled space, x-space mean α u_0 + (1 − α) M μ, std σ(t)), the rest kept: x ← Mᵀ u.
/// Shapes: known and mask broadcast to x. The Sde must outlive the function.
ReplacementFn makeLinearReplacement(const Sde& sde, const at::Tensor& M, const at::Tensor& known,
                                    const at::Tensor& mask, const at::Tensor& mu);
/// Inpainting: known pixels (mask = 1) of an image in x-space.
ReplacementFn makeInpaintReplacement(const Sde& sde, const at::Tensor& known, const at::Tensor& mask,
                                     const at::Tensor& mu);
/// The orthogonal colour transform for colorization: first row (1,1,1)/√3, then two orthonormal
/// rows (float64, 3×3).
at::Tensor colorDecoupling();
/// Colorization: gray [B,1,H,W] with gray = (r+g+b)/3; the first decoupled channel is known
/// (= √3 gray).
ReplacementFn makeColorizeReplacement(const Sde& sde, const at::Tensor& gray, const at::Tensor& mu);

} // namespace reverie::solvers
