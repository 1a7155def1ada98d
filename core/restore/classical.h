#pragma once
// Classical restoration peers: what a restoration model has to beat on each task.
//
// Images are tensors in and out (float [B, C, H, W] in [−1, 1], C = 1 or 3 RGB, any device; the
// result has μ's size, dtype and device); OpenCV works on cv::Mat copies inside (8-bit for
// non-local means and inpainting, float32 for Wiener deconvolution).
//
// The peer of each task (classicalPeer):
//   noise           OpenCV fast non-local means (fastNlMeansDenoising for grey,
//                   fastNlMeansDenoisingColored for colour; 7×7 patches, 21×21 search) with
//                   h = 0.9·σ255 for grey and h = hColor = 0.55·σ255 for colour (ClassicalOptions)
//   blur            Wiener deconvolution with the known Gaussian kernel (Fourier domain, cv::dft)
//   motion-blur     Wiener deconvolution with the known line kernel
//   down2, down4    bicubic interpolation: μ is already the bicubic up-sampling of the low-res
//                   image, so the peer is μ itself (upscaleBicubicCv() for a low-res input)
//   inpaint-box,    cv::inpaint, Telea (default) or Navier–Stokes, radius 3; known pixels are
//   inpaint-stroke  returned bit-identical to μ
//   jpeg            mild non-local means with h from the quality (jpegNlmH())
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
    /// NLM strength for grey images: h = nlmHPerSigma · σ255 (grey levels). Measured on the synthetic
    /// grey scene: best factor 1.0 at σ = 10 and 25, 0.8 at σ = 50; 0.9 is within 0.7 dB of the best
    /// everywhere and leaves real texture a little more room than the flat test scene needs.
    double nlmHPerSigma = 0.9;
    /// NLM strength for colour images, h = hColor = nlmColourHPerSigma · σ255. OpenCV filters colour
    /// in Lab, where RGB noise shows up weaker; measured best 0.5–0.6 on two colour scenes, σ 10–50
    /// (at 0.9 the result is 1.5–2.5 dB worse).
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
at::Tensor wienerDeconvolve(const at::Tensor& mu, const at::Tensor& kernel, double nsr = 3e-3);
/// cv::resize(INTER_CUBIC) of low-resolution images to H × W, clamped to [−1, 1].
at::Tensor upscaleBicubicCv(const at::Tensor& lowRes, std::int64_t H, std::int64_t W);
/// The NLM strength used for JPEG artefacts of a given quality: 0.9 · (estimated error σ255).
double jpegNlmH(int quality);

/// The peer of task d for every image (table above); p supplies the known degradation parameters
/// (σ for noise, kernel for blur, quality for JPEG); mask is needed for inpainting only.
at::Tensor classicalPeer(const at::Tensor& mu, Degradation d, const at::Tensor& mask = {},
                         const DegradeParams& p = {}, const ClassicalOptions& opts = {});
/// Per-image dispatch for a mixed batch: params[i].kind selects image i's peer (DegradedBatch::params).
at::Tensor classicalPeer(const at::Tensor& mu, const at::Tensor& mask, const std::vector<DegradeParams>& params,
                         const ClassicalOptions& opts = {});

} // namespace reverie::restore
