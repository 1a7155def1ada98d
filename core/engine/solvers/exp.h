#pragma once
// Exponential-integrator samplers for every SDE of sde.h, written on y = x − μ: the MR Sampler
// (Li et al., ICLR 2025; DPM-Solver(++) when μ = 0), DDIM, and IR-SDE's exact posterior step
// (Luo et al. 2023). One model evaluation per step: NFE = N. The model's parameterisation is
// converted exactly; `form` picks the quantity an MR Sampler update is written in. Update rules:
// docs/methods.md, "MR Sampler", "DDIM" and "Posterior sampling".
// Thread rules and failure: as every sampler (solvers/common.h).

#include "engine/solvers/common.h"

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
