#pragma once
// Denoising Langevin Gibbs (DLG), the Denoising-MCMC sampler of Kim & Ye (ICML 2023), for any SDE
// in its VE-equivalent space x̃, σ̃: per round, nSkip Langevin–Gibbs steps on (x̃, σ̃), then the
// lowest-σ̃ state integrated by EDM Heun plus a Tweedie step; the chain continues from its own
// state. NFE per round = nSkip + 2·integratorSteps + 1; estimator calls are counted apart. η is
// preconditioned by σ̃² (dimensionless). Update rules: docs/methods.md, "Denoising MCMC (DLG)".
// Thread rules and failure: as every sampler (solvers/common.h).

#include "engine/solvers/common.h"

namespace reverie::solvers {

/// Noise level of each chain state, σ̃ per item ([B], float64 CPU). Pluggable: a trained
/// classifier (argmax over log-spaced σ), or the exact posterior for analytic data in tests.
using NoiseLevelEstimator = std::function<at::Tensor(const at::Tensor& xTilde)>;

struct DlgOptions {
    int rounds = 1;            ///< samples per chain
    int nSkip = 10;            ///< Langevin–Gibbs steps per round
    double eta = 0.8;
    int integratorSteps = 20;
    double rho = 7.0;
    double tweedieSigma = 1e-2;
    std::uint64_t seed = 0;
    NoiseMode noise = NoiseMode::PerItem;
    std::int64_t maxNfe = 0;
    NoiseLevelEstimator estimator; ///< required
    StepCallback onRound;      ///< after each round: step = round, x = the round's samples
};

struct DlgOutput {
    at::Tensor samples;        ///< [rounds·B, …], x-space samples, round-major
    at::Tensor chain;          ///< final chain state (x̃ space)
    at::Tensor chainSigma;     ///< its σ̃ [B]
    std::int64_t nfe = 0;
    std::int64_t estimatorCalls = 0;
};

/// xInit: the chain start in x̃ space (e.g. a short stochastic sampler's output plus 0.5 z, as in
/// the paper's burn-in).
Result<DlgOutput> sampleDlg(const Sde& sde, const Denoiser& d, const at::Tensor& xInit, const at::Tensor& mu,
                            const DlgOptions& o, const JobContext& ctx);

} // namespace reverie::solvers
