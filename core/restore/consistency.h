#pragma once
// Data consistency: when the degradation y = A(x) is known (its kernel, its down-sampling, its
// mask), a restorer's estimate x̂ is moved onto the images that reproduce what was observed. This is
// the range–null-space decomposition of DDNM (Wang, Yu & Zhang, ICLR 2023, eq. 5:
// x = A⁺y + (I − A⁺A)x̂): what A sees comes from the observation, only what A cannot see comes
// from the model. docs/methods.md, "Consistency with a known degradation".
//
//  - inpaint-box / inpaint-stroke (mask known): the known pixels are the observed ones.
//  - down2 / down4 (the observation is the low-resolution image, area down-sampling): per block,
//    x̂ is shifted by the difference of the block means (A⁺ of an average is a replication), the
//    orthogonal projection onto {x : down(x) = y}, exact when the size divides by the factor
//    (repeated a few times otherwise, where the area bins overlap).
//  - blur / motion-blur (kernel known): x̂ + W(y − k∗x̂) with W the Wiener inverse of the kernel
//    (classical.h): the frequencies the kernel keeps come from y, those it removes from x̂; with
//    x̂ = 0 it is the Wiener deconvolution itself. Its regularisation nsr: consistencyNsr().
//  - noise, jpeg: x̂ unchanged (noise has no deterministic constraint; the JPEG quantisation
//    constraint set is not built).
// Every projection above is onto a set that contains the true image (for noise-free
// observations), so it never moves x̂ further from it, except for the final clamp to [−1, 1].
//
// Images: float [B, C, H, W] in [−1, 1], any device. Thread rules: pure functions, any thread.
// Failure: mismatched shapes throw c10::Error (TORCH_CHECK); callers at a boundary use guarded().

#include "restore/degrade.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>
#include <string>

namespace reverie::restore {

/// What is known of how the input was made.
struct KnownDegradation {
    DegradeParams params; ///< the task and its parameters (blur σ, motion length and angle)
    at::Tensor mu;        ///< the degraded image at x̂'s size (blur, inpainting: y itself)
    at::Tensor mask;      ///< inpainting: [B, 1, H, W], 1 = known
    at::Tensor lowRes;    ///< down2 / down4: the observed low-resolution image [B, C, h, w]
};

/// Image i of a batch that degrade() made from `clean` (a demo pair): its task and parameters,
/// its μ and mask, and for down2 / down4 its low-resolution image down(clean_i).
KnownDegradation knownOf(const DegradedBatch& b, const at::Tensor& clean, std::int64_t i = 0);
/// A user's own file for `task`: for down2 / down4 the file itself is the low-resolution
/// observation; nullopt for every other task (its operator is not known from the file).
std::optional<KnownDegradation> knownOwnLowRes(const std::string& task, const at::Tensor& image);

/// Inpainting with a known mask: whether the model's input should have its holes filled by
/// OpenCV's Telea first. True for a model that sees the image in tiles of its own size (the photo
/// models: the holes, 10–30 % of the image, are larger than a tile's context); false for one that
/// sees the whole image (Fashion-MNIST at 28×28), which fills them itself, and for checkpoints.
bool holesStartFromTelea(const std::string& modelDir, std::int64_t H, std::int64_t W);

/// True when consistent() changes anything for task d (blur, motion blur, 2×/4×, inpainting).
bool hasConsistencyStep(Degradation d);

/// The Wiener regularisation of the blur step, chosen on the validation photos (photos/val, 128²
/// crops, the photo-restore model's card sampling): 1e-5 for Gaussian blur (40.5 dB; 34.9 at
/// 3e-3), 3e-3 for motion blur (33.9 dB; 31.8 at 1e-3, 33.7 at 1e-2). 3e-3 for other tasks.
double consistencyNsr(Degradation d);

/// x̂ made consistent with k (see above), clamped to [−1, 1]; x̂ itself for noise and JPEG.
/// wienerNsr < 0: consistencyNsr(k.params.kind).
at::Tensor consistent(const at::Tensor& xhat, const KnownDegradation& k, double wienerNsr = -1);

} // namespace reverie::restore
