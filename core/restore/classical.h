#pragma once
// Classical restoration peers: what a restoration model has to beat on each task (non-local means,
// Wiener deconvolution, bicubic, cv::inpaint; docs/methods.md, "Classical restoration peers").
// Images are float [B, C, H, W] in [−1, 1], C = 1 or 3 RGB, any device; the result has
// μ's size, dtype and device; OpenCV works on cv::Mat copies inside (8-bit for non-local means and
// inpainting, float32 for Wiener deconvolution).
//
// Thread rules: pure functions. OpenCV parallelises NLM internally (cv::parallel_for_).
// Failure: bad shapes or arguments throw c10::Error or cv::Exception; wrap in guarded().

#include "restore/degrade.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace reverie::restore {

enum class InpaintMethod { Telea, NavierStokes };

/// Tuning of the classical peers (defaults measured on the synthetic images of tst_restore).
struct ClassicalOptions {
    /// NLM strength for grey images: h = nlmHPerSigma · σ255 (grey levels). Tuned on the synthetic
    /// grey scene over σ = 10..50, leaving real texture a little more room than the flat scene needs.
    double nlmHPerSigma = 0.9;
    /// NLM strength for colour images, h = hColor = nlmColourHPerSigma · σ255. OpenCV filters colour
    /// in Lab, where RGB noise shows up weaker, hence a smaller factor than for grey (tuned on the
    /// synthetic colour scenes, σ 10–50).
    double nlmColourHPerSigma = 0.55;
    int nlmTemplate = 7;          ///< NLM patch size (odd)
    int nlmSearch = 21;           ///< NLM search window (odd)
    InpaintMethod inpaint = InpaintMethod::Telea;
    double inpaintRadius = 3;     ///< cv::inpaint neighbourhood radius, pixels
    double wienerNsr = 3e-3;      ///< Wiener noise-to-signal power ratio (regularises near-zeros of the kernel's spectrum)
};

/// Non-local means for noise of std sigma255 (h from ClassicalOptions by channel count), through 8 bits.
at::Tensor nlmDenoise(const at::Tensor& mu, double sigma255, const ClassicalOptions& opts = {});
/// The same with an explicit filter strength h (grey levels; colour: h = hColor).
at::Tensor nlmDenoiseH(const at::Tensor& mu, double h, const ClassicalOptions& opts = {});
/// cv::inpaint of the missing pixels (mask [B, 1, H, W], 1 = known); known pixels stay μ's exactly.
at::Tensor inpaintCv(const at::Tensor& mu, const at::Tensor& mask, InpaintMethod method = InpaintMethod::Telea,
                     double radius = 3);
/// Wiener deconvolution with a known kernel [K, K] (K odd, centred, as in filterReflect): per
/// channel, on the periodic reflect-101 extension of the image (2H−2 × 2W−2, the exact circular
/// model of a reflect-padded blur for axis-symmetric kernels), X = conj(K̂)·Ŷ / (|K̂|² + nsr), with
/// the mean subtracted first so that it is kept exactly.
/// clamp = false returns the raw solution (a linear map of μ, for a residual: restore/consistency.h).
at::Tensor wienerDeconvolve(const at::Tensor& mu, const at::Tensor& kernel, double nsr = 3e-3, bool clamp = true);
/// The known kernel of a blur or motion-blur task ([K, K], K odd, summing to 1; float, CPU).
at::Tensor blurKernel(const DegradeParams& p);
/// cv::resize(INTER_CUBIC) of low-resolution images to H × W, clamped to [−1, 1].
at::Tensor upscaleBicubicCv(const at::Tensor& lowRes, std::int64_t H, std::int64_t W);
/// The NLM strength used for JPEG artefacts of a given quality: 0.9 · (estimated error σ255).
double jpegNlmH(int quality);

/// The peers' settings for colour photographs, chosen on the validation photos (photos/val, 128²
/// crops, noise-free blur as degrade() makes it): Wiener nsr 1e-5 for Gaussian blur (the
/// reflect-101 model is exact for it, so a nearly plain inverse wins: 40.8 dB against 34.7 at
/// 3e-3), 1e-2 for motion blur (oblique lines are exact only away from the borders: 32.4 dB
/// against 30.7); the defaults otherwise.
ClassicalOptions photoPeerOptions(Degradation d);

/// The peer of task d for every image: noise → nlmDenoise; blur, motion-blur → wienerDeconvolve
/// with the known kernel (Fourier domain, cv::dft); down2, down4 → μ itself (already the bicubic
/// up-sampling of the low-res image; upscaleBicubicCv() for a low-res input); inpaint-box,
/// inpaint-stroke → inpaintCv (Telea by default, radius 3; known pixels bit-identical to μ);
/// jpeg → mild non-local means with h = jpegNlmH(quality). p supplies the known degradation
/// parameters (σ for noise, kernel for blur, quality for JPEG); mask is needed for inpainting only.
at::Tensor classicalPeer(const at::Tensor& mu, Degradation d, const at::Tensor& mask = {},
                         const DegradeParams& p = {}, const ClassicalOptions& opts = {});
/// A short name of classicalPeer()'s method for task d ("nlm", "wiener-known-kernel", "bicubic",
/// "opencv-inpaint", "nlm-jpeg"), for bench tables.
const char* classicalPeerId(Degradation d);
/// Per-image dispatch for a mixed batch: params[i].kind selects image i's peer (DegradedBatch::params).
at::Tensor classicalPeer(const at::Tensor& mu, const at::Tensor& mask, const std::vector<DegradeParams>& params,
                         const ClassicalOptions& opts = {});

} // namespace reverie::restore
