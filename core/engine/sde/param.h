#pragma once
// Model parameterisations (data, noise, score, velocity) and their exact conversions on y = x − μ,
// the Denoiser interface, and the adapters between time-conditioned and σ-conditioned denoisers
// (formulas, and how to wrap an MR Sampler velocity model: docs/methods.md, "Parameterisations").
// Coefficients α, σ may be doubles (one time for the whole batch, the fast path) or tensors
// shaped to broadcast against x (a time per batch item, see sde::perItem).
//
// Thread rules: plain functions; the adapters capture the Sde by reference (it must outlive them).
// Failure: a Denoiser may throw; the samplers turn its exceptions into an error value.

#include "engine/sde/sde.h"

#include <ATen/core/Tensor.h>

#include <functional>
#include <string>

namespace reverie::sde {

enum class Param { Noise, Data, Velocity, Score };

std::string toString(Param p);

/// The conversions below are written in y-space: for Param::Data the y-space output is
/// ŷ_0 = x̂_0 − μ; noise, score and velocity are the same in both spaces. These two helpers move a
/// raw model output between the spaces (no-ops unless p == Data and mu is defined).
at::Tensor outputToY(Param p, const at::Tensor& out, const at::Tensor& mu);
at::Tensor outputFromY(Param p, const at::Tensor& outY, const at::Tensor& mu);

/// ŷ_0 (y-space) from a y-space model output `out` of parameterisation p at y = x − μ.
at::Tensor dataFrom(Param p, const at::Tensor& out, const at::Tensor& y, double alpha, double sigma);
at::Tensor dataFrom(Param p, const at::Tensor& out, const at::Tensor& y, const at::Tensor& alpha,
                    const at::Tensor& sigma);
/// ε̂ from a model output.
at::Tensor noiseFrom(Param p, const at::Tensor& out, const at::Tensor& y, double alpha, double sigma);
at::Tensor noiseFrom(Param p, const at::Tensor& out, const at::Tensor& y, const at::Tensor& alpha,
                     const at::Tensor& sigma);
/// Score ∇_x log p_t from a model output (= −ε̂/σ).
at::Tensor scoreFrom(Param p, const at::Tensor& out, const at::Tensor& y, double alpha, double sigma);
/// The output a model of parameterisation p would give, from ŷ_0 (the inverse of dataFrom).
at::Tensor outputFromData(Param p, const at::Tensor& y0, const at::Tensor& y, double alpha, double sigma);
at::Tensor outputFromData(Param p, const at::Tensor& y0, const at::Tensor& y, const at::Tensor& alpha,
                          const at::Tensor& sigma);

/// A network (or closed-form function) with its declared parameterisation.
///
/// fn(x, t, mu): x is the state [B, …] at SDE time t; t is a float64 CPU tensor, either 0-dim
/// (every item at the same time, the usual case) or [B] (one time per item, e.g. DLG); mu is the
/// mean-reversion target (undefined for VE/VP/sub-VP). Returns a tensor shaped like x. It may
/// throw; the samplers turn exceptions into an Error. Samplers never call fn directly: every call
/// goes through solvers::Model, which counts NFE and checks the cancel token.
struct Denoiser {
    Param param = Param::Data;
    std::function<at::Tensor(const at::Tensor& x, const at::Tensor& t, const at::Tensor& mu)> fn;
};

/// A σ-conditioned denoiser D(x̃; σ̃[, μ]) ≈ E[x_0 | x̃], x̃ = x_0 + σ̃ z (EDM's "D").
/// sigmaTilde is 0-dim or shaped [B, 1, …] to broadcast against xTilde (same real dtype).
using SigmaDenoiser =
    std::function<at::Tensor(const at::Tensor& xTilde, const at::Tensor& sigmaTilde, const at::Tensor& mu)>;

/// Serves any SDE from one σ-denoiser by exact rescaling: at time t,
/// x̃ = (x_t − μ)/α(t) + μ and σ̃ = σ(t)/α(t); the result declares Param::Data.
/// The Sde must outlive the returned Denoiser (it is captured by reference).
Denoiser denoiserFromSigma(const Sde& sde, SigmaDenoiser d);

/// The inverse direction: a σ-denoiser from a model trained for `sde` (any parameterisation):
/// D(x̃; σ̃) = model at t = t(σ̃), x_t = α (x̃ − μ) + μ. Lets a model trained for one SDE be
/// driven by samplers that think in σ̃ (EDM, DLG). Captures sde by reference. Calls d.fn
/// directly: wrap the result again only in code that counts NFE itself (solvers::Model does).
SigmaDenoiser sigmaFromDenoiser(const Sde& sde, Denoiser d);

/// Re-declares a denoiser in another parameterisation (exact conversion at every call). Used by
/// tests to build exact noise/velocity/score models from one exact data model. Captures sde.
Denoiser convertDenoiser(const Sde& sde, Denoiser d, Param target);

} // namespace reverie::sde
