#pragma once
// The EDM training objective (Karras et al. 2022, Eq. 2 and Table 1) shared by every denoiser
// task: σ = exp(P_mean + P_std n), loss = λ(σ)‖D(x₀ + σz; σ) − x₀‖², λ = (σ² + σd²)/(σ σd)².
//
// Thread rules: plain functions. Failure: LibTorch exceptions on shape errors (the loop guards).

#include "models/unet.h"
#include "train/recipe.h"

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

namespace reverie::train {

struct EdmNoise {
    double pMean = -1.2; ///< log-normal σ distribution
    double pStd = 1.2;
    double sigmaData = 0.5;
    /// Reads p_mean, p_std, sigma_data; returns a message for a bad value ("" = fine).
    std::string read(SectionReader& s);
    void write(nlohmann::json& section) const;
    /// σ for a batch, drawn from gen.
    at::Tensor sample(std::int64_t batch, at::Generator& gen) const;
};

/// λ(σ) as [B, 1, 1, 1].
at::Tensor edmWeight(const at::Tensor& sigma, double sigmaData);

/// The EDM loss on one batch: mean over the batch of λ(σ)‖D(x0 + σz; σ) − x0‖².
at::Tensor edmLoss(models::EdmDenoiser& model, const at::Tensor& x0, const at::Tensor& sigma, const at::Tensor& z,
                   const at::Tensor& labels = {});

/// The loss of a μ-conditioned residual denoiser E (models/conditioned.h) on y₀ = x₀ − μ:
/// mean over the batch of λ(σ)‖E(y₀ + σz; σ, cond) − y₀‖², cond = μ unless given (μ with a
/// noise-map channel, models/conditioned.h).
at::Tensor residualLoss(models::EdmDenoiser& model, const at::Tensor& x0, const at::Tensor& mu, const at::Tensor& sigma,
                        const at::Tensor& z, const at::Tensor& labels = {}, const at::Tensor& cond = {});

} // namespace reverie::train
