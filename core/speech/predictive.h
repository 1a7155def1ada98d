#pragma once
// The predictive stage of StoRM (Lemercier, Richter, Welker, Gerkmann, "StoRM: A Diffusion-based
// Stochastic Regeneration Model for Speech Enhancement and Dereverberation", IEEE/ACM TASLP 2023):
// one pass of a network from the noisy compressed spectrogram y to an estimate of the clean one.
// Here the network outputs a bounded complex ratio mask M applied to y (x̂ = M ⊙ y, complex
// product, |M| < bound), so the estimate cannot invent energy the input does not hold and a clean
// input (M ≈ 1) passes nearly untouched (docs/methods.md, "Predictive enhancement").
//
// The network is the studio's U-Net inside the EDM container every enhancer folder holds
// (models::EdmDenoiser, so loading, export and checkpoints are shared); the predictive stage calls
// its U-Net directly: input y / σ_data, conditioning [ln(|y| + 10⁻³)/4, |y| / σ_data], noise label 0.
//
// Thread rules: call from the thread that owns the model. Failure: shape errors throw (c10::Error),
// callers wrap them (guarded()).

#include "models/unet.h"

#include <ATen/core/Tensor.h>

namespace reverie::speech {

/// The objectives an enhancer recipe trains with (its option "objective"); a folder's card marks a
/// predictive model with "predictive": true.
inline constexpr const char* kScoreObjective = "score";     ///< EDM residual score model (SGMSE+ family)
inline constexpr const char* kPredictiveObjective = "mask"; ///< StoRM's predictive stage, as a mask

/// The largest mask magnitude (on the compressed spectrogram) unless a card says otherwise.
inline constexpr double kDefaultMaskBound = 1.5;

/// x̂ = M(y) ⊙ y on real/imaginary channels: y [B, 2, F, T]; labels [B] (task labels) or undefined.
at::Tensor predictiveEstimate(models::EdmDenoiser& model, const at::Tensor& y, const at::Tensor& labels,
                              double bound = kDefaultMaskBound);

/// Training loss of the predictive stage: ½(mean |x̂ − x₀|² + mean (|x̂| − |x₀|)²) / σ_data²
/// (complex and magnitude terms on the compressed spectrogram).
at::Tensor predictiveLoss(models::EdmDenoiser& model, const at::Tensor& x0, const at::Tensor& y,
                          const at::Tensor& labels, double bound = kDefaultMaskBound);

} // namespace reverie::speech
