#pragma once
// Stochastic samplers of Song et al. (2021): Euler–Maruyama on the reverse SDE, the
// reverse-diffusion predictor, Langevin and annealed-Langevin correctors, their predictor-corrector
// combinations, and conditional sampling (inpainting, colorization) by replacement. Uniform t grid;
// NFE = N · (correctorSteps + (predictor != None ? 1 : 0)) (+ 1 with finalDenoise); the last
// predictor step returns the mean. Update rules: docs/methods.md, "Predictor–corrector samplers".
// Thread rules and failure: as every sampler (solvers/common.h).

#include "engine/solvers/common.h"

namespace reverie::solvers {

enum class Predictor { None, EulerMaruyama, ReverseDiffusion };
enum class Corrector { None, Langevin, AnnealedLangevin };
/// Langevin's ‖z‖/‖s‖: averaged over the batch (BatchMean, Song's code: stable in any dimension,
/// but couples the items) or per item (PerItem: items independent and reproducible one by one, but
/// biased for low-dimensional data, where ‖z‖/‖s‖ does not concentrate).
enum class LangevinNorm { BatchMean, PerItem };

/// Called after every corrector and predictor step with the state and the time it is at; returns
/// the state with the known part overwritten. `final` is true after the last predictor step (then
/// overwrite with the mean, no noise).
using ReplacementFn = std::function<at::Tensor(const at::Tensor& x, double t, bool final, NoiseSource& noise)>;

/// How the time axis and the steps are discretised.
///  Exact (default): N steps on N+1 uniform points from tStart to tEnd; the reverse-diffusion
///    predictor uses the exact forward transition, the correctors' step carries α_L = r² (see
///    docs/methods.md); the last predictor step returns the mean.
///  SgmseCode: exactly as SGMSE+'s sampler code (sgmse/sampling get_pc_sampler with its OUVE
///    SDE): N points linspace(tStart, tEnd, N), the step at the last point has length tEnd (to
///    t = 0); the reverse-diffusion predictor is Euler on the reverse SDE (SDE.discretize:
///    f Δt, g √Δt, i.e. the same update as EulerMaruyama); the annealed-Langevin step is
///    2 (snr σ(t))² without α_L; noise is drawn at every predictor step, the last one included
///    (unused, the mean is returned), so that a replayed noise stream lines up with upstream's.
///    NFE = N · (correctorSteps + 1), as upstream reports.
enum class PcDiscretisation { Exact, SgmseCode };

struct PcOptions {
    CommonOptions common;
    Predictor predictor = Predictor::ReverseDiffusion;
    Corrector corrector = Corrector::Langevin;
    int correctorSteps = 1;
    double snr = 0.16;
    LangevinNorm langevinNorm = LangevinNorm::BatchMean;
    PcDiscretisation discretisation = PcDiscretisation::Exact;
    ReplacementFn replace; ///< optional conditional sampling (see makeInpaintReplacement)
    /// Exact discretisation only: after the last step, return the data estimate D(x, t_end)
    /// instead of the state (which still carries noise of std σ(t_end)); one more NFE.
    bool finalDenoise = false;
};

Result<SampleOutput> samplePc(const Sde& sde, const Denoiser& d, const at::Tensor& xT, const at::Tensor& mu,
                              const PcOptions& o, const JobContext& ctx);

/// Euler–Maruyama on the reverse SDE alone (PC with no corrector). NFE = N.
Result<SampleOutput> sampleEulerMaruyama(const Sde& sde, const Denoiser& d, const at::Tensor& xT,
                                         const at::Tensor& mu, const CommonOptions& o, const JobContext& ctx);

/// Replacement for linear conditions, Song et al. Appendix I
/// (docs/methods.md, "Conditional sampling by replacement"): in the decoupled space u = M x
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
