#pragma once
// Degradation operators for image restoration: they turn clean images x into degraded ones μ (the
// mean-reversion target of IR-SDE; docs/methods.md, "IR-SDE") for training pairs and demos.
// Images: float [B, C, H, W] in [−1, 1], C = 1 or 3 (RGB), any device; μ has the clean image's size
// (super-resolution: down-sample, then bicubic up). Masks: float [B, 1, H, W], 1 = known, 0 = missing.
//
// Thread rules: pure functions, any thread; a generator must not be used by two threads at once.
// Failure: invalid shapes or arguments throw c10::Error (TORCH_CHECK) or cv::Exception; callers
// at a boundary wrap them in guarded() (base/job.h).

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reverie::restore {

/// The restoration tasks. String ids: "noise", "blur", "motion-blur", "down2", "down4",
/// "inpaint-box", "inpaint-stroke", "jpeg".
enum class Degradation { Noise, Blur, MotionBlur, Down2, Down4, InpaintBox, InpaintStroke, Jpeg };

/// The string id of d ("motion-blur").
const char* degradationId(Degradation d);
/// The degradation named id, or nullopt for an unknown id.
std::optional<Degradation> parseDegradation(std::string_view id);
/// Every degradation, in enum order.
const std::vector<Degradation>& allDegradations();
/// Every string id, in enum order (for help texts and combo boxes).
std::vector<std::string> degradationIds();
/// True for InpaintBox and InpaintStroke (the tasks that come with a mask).
bool isInpainting(Degradation d);
/// 2 for Down2, 4 for Down4, 1 otherwise.
int downFactor(Degradation d);

/// The parameters of one image's degradation: what degrade() drew, what classicalPeer() uses.
/// Only the fields of `kind` matter.
struct DegradeParams {
    Degradation kind = Degradation::Noise;
    double noiseSigma255 = 25;  ///< Noise: std of the added noise on the 0..255 scale
    double blurSigmaPx = 1.5;   ///< Blur: std of the Gaussian kernel, pixels
    double motionLength = 7;    ///< MotionBlur: length of the line kernel, pixels
    double motionAngleDeg = 0;  ///< MotionBlur: angle, degrees counter-clockwise from the x axis
    int jpegQuality = 25;       ///< Jpeg: libjpeg quality 1..100
};

/// The ranges degrade() draws its per-image parameters from (uniformly; min == max fixes a value).
/// Pixel sizes are absolute (tuned for 28×28 Fashion-MNIST); stroke thickness scales with size.
struct DegradeRanges {
    double noiseSigmaMin = 25, noiseSigmaMax = 25;  ///< the denoising task's σ; 5..50 for a blind denoiser
    /// σ = min + (max − min)·u^power, u uniform: 1 draws σ uniformly, 2 puts a third of the draws
    /// in the lowest tenth of the range (nearly clean inputs, which a denoiser must leave alone).
    double noiseSigmaPower = 1;
    double blurSigmaMin = 1.0, blurSigmaMax = 2.0;  ///< Gaussian blur σ, px
    double motionLengthMin = 5, motionLengthMax = 9; ///< motion length, px (angle: uniform 0..180°)
    int jpegQualityMin = 10, jpegQualityMax = 40;   ///< JPEG quality, inclusive
    double boxCoverageMin = 0.10, boxCoverageMax = 0.30; ///< fraction of the image a box hides
};

/// A degraded batch.
struct DegradedBatch {
    at::Tensor mu;   ///< [B, C, H, W] in [−1, 1], same size and device as the input
    at::Tensor mask; ///< float [B, 1, H, W], 1 = known; defined only when inpainting is involved
                     ///< (degradeMixed: all ones for images of other tasks)
    at::Tensor task; ///< int64 [B] on the CPU: index into the pool (degradeMixed only)
    std::vector<DegradeParams> params; ///< one per image: the kind and the parameters drawn
};

// --- building blocks (deterministic unless they take a generator) ----------------------------
// Every random choice draws from the explicit at::Generator argument, which must be a CPU
// generator (at::make_generator<at::CPUGeneratorImpl>(seed)); the draws happen on the CPU and are
// moved to x's device, so a seed gives the same batch on every device. The draw order inside one
// call is fixed: same seed and same inputs → bit-identical output.

/// Reflect padding ("reflect-101": mirrored without repeating the edge pixel) of the last two
/// dims, of any width: pads wider than the image mirror again; a 1-pixel dim is replicated.
at::Tensor padReflect(const at::Tensor& x, std::int64_t top, std::int64_t bottom, std::int64_t left,
                      std::int64_t right);

/// x + N(0, (2σ/255)²) per pixel (σ on the 0..255 scale, i.e. σ/255 on [0, 1]), clamped to [−1, 1].
at::Tensor addNoise(const at::Tensor& x, double sigma255, at::Generator& gen);
/// The same with one σ per image (sigma255: [B], any float dtype).
at::Tensor addNoise(const at::Tensor& x, const at::Tensor& sigma255, at::Generator& gen);

/// Normalised 1-D Gaussian kernel of 2·ceil(3σ)+1 taps (float, CPU). σ <= 0 gives [1].
at::Tensor gaussianKernel1d(double sigmaPx);
/// Separable Gaussian blur with reflect padding (grouped conv2d; the output has x's size).
at::Tensor gaussianBlur(const at::Tensor& x, double sigmaPx);

/// Anti-aliased line kernel [K, K], K = 2·ceil(length/2)+1, summing to 1 (float, CPU): the segment
/// of `length` pixels through the centre at angleDeg (counter-clockwise, image y pointing down),
/// sampled densely and splatted bilinearly; point-symmetric. length <= 1 gives [[1]].
at::Tensor motionKernel(double length, double angleDeg);
/// Motion blur with motionKernel(length, angleDeg) and reflect padding.
at::Tensor motionBlur(const at::Tensor& x, double length, double angleDeg);
/// Filters every channel of x with a 2-D kernel ([K, K], or [B, K, K] one per image, K odd) by
/// cross-correlation with reflect padding; the output has x's size.
at::Tensor filterReflect(const at::Tensor& x, const at::Tensor& kernel);

/// Area (box) down-sampling by `factor` to max(1, round(H/factor)) × max(1, round(W/factor)).
at::Tensor down(const at::Tensor& x, int factor);
/// Bicubic up-sampling by `factor` (at::upsample_bicubic2d, align_corners = false, a = −0.75),
/// clamped to [−1, 1].
at::Tensor bicubicUp(const at::Tensor& x, int factor);
/// down(x, factor), then bicubic up-sampling back to exactly H × W, clamped: the IR-SDE
/// super-resolution μ.
at::Tensor downUp(const at::Tensor& x, int factor);

/// One random box per image covering coverageMin..coverageMax of the image (aspect 1:2..2:1).
at::Tensor makeBoxMask(std::int64_t B, std::int64_t H, std::int64_t W, at::Generator& gen,
                       double coverageMin = 0.10, double coverageMax = 0.30);
/// 1–4 random polylines per image (2–5 vertices each), 2–4 px thick at 28×28, thickness scaled
/// with min(H, W)/28; drawn with cv::line (8-connected, no anti-aliasing: the mask stays 0/1).
at::Tensor makeStrokeMask(std::int64_t B, std::int64_t H, std::int64_t W, at::Generator& gen);
/// Missing pixels (mask < 0.5) set to `fill` (0 = mid grey); known pixels are bit-identical to x.
at::Tensor applyMask(const at::Tensor& x, const at::Tensor& mask, double fill = 0.0);

/// JPEG round trip per image through 8 bits: cv::imencode(".jpg", quality) and decode.
at::Tensor jpeg(const at::Tensor& x, int quality);
/// The same with one quality per image (qualities.size() == B).
at::Tensor jpeg(const at::Tensor& x, const std::vector<int>& qualities);

// --- batch generators ------------------------------------------------------------------------

/// Degrades every image of x with d, drawing per-image parameters from `ranges` with gen.
DegradedBatch degrade(const at::Tensor& x, Degradation d, at::Generator& gen, const DegradeRanges& ranges = {});
/// Picks one degradation per image uniformly from pool (repeats weight a task) and applies it.
/// Fills DegradedBatch::task with the chosen pool index per image.
DegradedBatch degradeMixed(const at::Tensor& x, const std::vector<Degradation>& pool, at::Generator& gen,
                           const DegradeRanges& ranges = {});

} // namespace reverie::restore
