#pragma once
// Quality metrics (Fréchet distance, PSNR, SSIM, SI-SDR), implemented from their definitions
// (docs/methods.md, "Metrics").
// Thread rules: all functions are pure; any thread. Failure: inputs are validated and errors come
// back as values.

#include "base/job.h"

#include <ATen/core/Tensor.h>

namespace reverie::metrics {

/// Mean and covariance (unbiased) of features [N, D], in float64.
struct Gaussian {
    at::Tensor mean; ///< [D]
    at::Tensor cov;  ///< [D, D]
};
Result<Gaussian> fitGaussian(const at::Tensor& features);

/// Fréchet distance between two Gaussians: ‖μ₁−μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2}).
/// The matrix square roots come from symmetric eigendecompositions (negative round-off
/// eigenvalues clipped to 0), so the result is exact for any positive semi-definite pair.
Result<double> frechetDistance(const Gaussian& a, const Gaussian& b);

/// PSNR in dB between two images of the same shape, with peak value maxValue:
/// 20 log10(max / sqrt(MSE)); +inf for identical images. crop removes that many pixels at each
/// border first (super-resolution convention). Images: [..., H, W] (any leading dims).
Result<double> psnr(const at::Tensor& a, const at::Tensor& b, double maxValue = 255.0, int crop = 0);

/// BT.601 luma (Y of YCbCr, 16..235 for 8-bit) of RGB [3, H, W] or [B, 3, H, W] in 0..255.
at::Tensor lumaBt601(const at::Tensor& rgb);

/// SSIM (Wang et al. 2004): 11×11 Gaussian window, σ = 1.5, C1 = (0.01 L)², C2 = (0.03 L)²,
/// valid-region mean; images [C, H, W] or [H, W] (channels averaged), both at least 11×11.
Result<double> ssim(const at::Tensor& a, const at::Tensor& b, double maxValue = 255.0);

/// Scale-invariant signal-to-distortion ratio in dB: α = ŝᵀs/‖s‖², 10 log10(‖αs‖²/‖αs − ŝ‖²).
/// reference s and estimate ŝ are 1-D of the same length.
Result<double> siSdr(const at::Tensor& reference, const at::Tensor& estimate);

} // namespace reverie::metrics
