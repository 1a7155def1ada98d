#pragma once
// Denoising Langevin Gibbs (DLG), the Denoising-MCMC sampler of Kim & Ye (ICML 2023): MCMC on
// the joint (x, σ) of noise-perturbed data, each state handed to an integrator.
//
// Runs in the VE-equivalent space x̃ = (x − μ)/α + μ, σ̃ = σ/α of any SDE (sde/param.h), so the
// denoiser D(x̃; σ̃) is the model's x̂_0 at t = t(σ̃) — one time per chain. Per round:
//   nSkip times:  x̃ ← x̃ + (η/2) σ̃² s(x̃, σ̃) + √η σ̃ z   (= x̃ + (η/2)(D − x̃) + √η σ̃ z),
//                 σ̃ ← estimator(x̃)                       (Gibbs step on σ; clamped to σ̃(T))
//   keep the state with the smallest σ̃ in the window (per chain), integrate it with EDM Heun on
//   a per-chain Karras grid (ρ) from that σ̃ down to tweedieSigma in integratorSteps steps, and
//   finish with the Tweedie step D(x̃; tweedieSigma) = x̃ + ε² s(x̃, ε).
// The chain then continues from its current (not the handed-off) state.
// NFE per round = nSkip + 2·integratorSteps + 1 (counted); estimator calls are counted apart.
// The Langevin step is preconditioned by σ̃² so that η is dimensionless (the paper's step η
// corresponds to η σ̃² here).

#include "solvers/common.h"

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
