#pragma once
// Denoising Langevin Gibbs (DLG), the Denoising-MCMC sampler of Kim & Ye (ICML 2023), for any SDE
// in its VE-equivalent space x̃, σ̃: per round, nSkip Langevin–Gibbs steps on (x̃, σ̃), then the
// lowest-σ̃ state integrated by EDM Heun plus a Tweedie step; the chain continues from its own
// state. NFE per round = nSkip + 2·integratorSteps + 1, plus burnInSteps once; estimator calls are
// counted apart. η is either the paper's absolute step (data units) or preconditioned by σ̃²
// (dimensionless). Update rules and the stability check: docs/methods.md, "Denoising MCMC (DLG)".
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
    /// The paper's step: x̃ + (η/2) s + √η z with η in data units (its 0.8 is for data in [0, 1];
    /// 3.2 for [−1, 1]). false: η σ̃² (dimensionless, the same relative step at every σ̃).
    bool absoluteStep = false;
    /// Langevin–Gibbs steps before the first round (the paper's warm-up; they yield no sample).
    int burnInSteps = 0;
    /// Stability check of the warm-up: a chain diverges when its σ̃ reaches σ̃(T) (the estimator's
    /// ceiling) or becomes non-finite, or when the median σ̃ grows more than `unstableGrowth`×
    /// over the warm-up; then the warm-up restarts from xInit with η halved, at most maxHalvings
    /// times (0: no check). Needs burnInSteps > 0.
    int maxHalvings = 0;
    double unstableGrowth = 4.0;
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
    std::int64_t nfe = 0;            ///< all evaluations, warm-up (and its restarts) included
    std::int64_t burnInNfe = 0;      ///< of which the warm-up's
    std::int64_t estimatorCalls = 0;
    double eta = 0;                  ///< the step the rounds ran with (after halvings)
    int halvings = 0;
    std::vector<double> sigmaTrace;  ///< median σ̃ over chains after every Langevin–Gibbs step
};

/// xInit: the chain start in x̃ space (e.g. a short stochastic sampler's output plus 0.5 z, as in
/// the paper's burn-in).
Result<DlgOutput> sampleDlg(const Sde& sde, const Denoiser& d, const at::Tensor& xInit, const at::Tensor& mu,
                            const DlgOptions& o, const JobContext& ctx);

} // namespace reverie::solvers
