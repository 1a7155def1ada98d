#pragma once
// Exponential-integrator samplers for every SDE of sde.h, written on y = x − μ with the marginal
// y_t = α_t y_0 + σ_t ε and λ_t = log α_t − log σ_t (half log-SNR). For a step s → t (s noisier)
// h = λ_t − λ_s > 0. With μ = 0 these are DDIM / DPM-Solver(++) for VE, VP and sub-VP; with
// μ = the degraded input they are the MR Sampler (Li et al., ICLR 2025) for IR-SDE and OUVE.
//
// Every sampler here evaluates the model once per step at s: NFE = N. Steps whose target has
// σ_t = 0 (t = 0 for IR-SDE) return α_t ŷ_0 (order 1; h = ∞).
//
// MR Sampler (data form, ŷ_0 = x̂_0 − μ; noise form with ε̂):
//   ODE, order 1:  data:  y_t = (σ_t/σ_s) y_s − α_t (e^{−h} − 1) ŷ_0
//                  noise: y_t = (α_t/α_s) y_s − σ_t (e^{h} − 1) ε̂
//   ODE, order 2 (multistep, previous point s′, r = (λ_s − λ_{s′})/h; step 1 is order 1):
//                  data:  D = ŷ_0 + (ŷ_0 − ŷ_0′)/(2r), then as order 1 with D
//                  noise: − ½ σ_t (e^{h} − 1)(ε̂ − ε̂′)/r added
//   SDE, order 1:  data:  y_t = (σ_t/σ_s) e^{−h} y_s + α_t (1 − e^{−2h}) ŷ_0 + σ_t √(1 − e^{−2h}) z
//                  noise: y_t = (α_t/α_s) y_s − 2 σ_t (e^{h} − 1) ε̂ + σ_t √(e^{2h} − 1) z
//   SDE, order 2:  data adds ½ α_t (1 − e^{−2h})(ŷ_0 − ŷ_0′)/r; noise adds −σ_t (e^{h} − 1)(ε̂ − ε̂′)/r.
// The model's own parameterisation (noise / data / velocity / score) is converted exactly by the
// counting Model; `form` picks which quantity the update is written in.
//
// DDIM (η ∈ [0, 1]): y_t = α_t ŷ_0 + √(σ_t² − c²) ε̂ + c z, c = η σ_t √(1 − e^{−2h}); η = 0 equals
// the order-1 data ODE step, η = 1 the posterior step below.
//
// Posterior sampling (IR-SDE, Luo et al.; any SDE here): the exact Gaussian
// q(y_t | y_s, y_0 = ŷ_0) with A = α_s/α_t (the forward transition t → s):
//   mean = A σ_t²/σ_s² y_s + (α_t − A α_s σ_t²/σ_s²) ŷ_0,  var = σ_t² (σ_s² − A² σ_t²)/σ_s²
// which for IR-SDE is the published A(1−C²)/(1−B²), C(1−A²)/(1−B²), λ²(1−A²)(1−C²)/(1−B²).

#include "solvers/common.h"

namespace reverie::solvers {

enum class SolverForm { Data, Noise };

struct MrsOptions {
    CommonOptions common;
    bool sde = true;          ///< SDE (stochastic) or ODE solver
    int order = 2;            ///< 1 or 2 (multistep)
    SolverForm form = SolverForm::Data;
    Spacing spacing = Spacing::LogSnr;
    double rho = 7.0;         ///< Karras spacing
    double lambdaMin = -std::numeric_limits<double>::infinity(); ///< e.g. −5 to clip the noisy end
    Thresholding thresholding;
};

Result<SampleOutput> sampleMrs(const Sde& sde, const Denoiser& d, const at::Tensor& xT, const at::Tensor& mu,
                               const MrsOptions& o, const JobContext& ctx);

struct DdimOptions {
    CommonOptions common;
    double eta = 0.0;
    Spacing spacing = Spacing::UniformT;
    double rho = 7.0;
};

Result<SampleOutput> sampleDdim(const Sde& sde, const Denoiser& d, const at::Tensor& xT, const at::Tensor& mu,
                                const DdimOptions& o, const JobContext& ctx);

struct PosteriorOptions {
    CommonOptions common; ///< IR-SDE defaults: steps = T, grid uniform in t (integer times)
};

Result<SampleOutput> samplePosterior(const Sde& sde, const Denoiser& d, const at::Tensor& xT, const at::Tensor& mu,
                                     const PosteriorOptions& o, const JobContext& ctx);

} // namespace reverie::solvers
