#pragma once
// Stable Diffusion's images as tensors and back (generate/sd.cpp): the cheap latent preview, a
// start image as the VAE's input and a decoded image as RGB bytes. Not part of the domain's API.
//
// Thread rules: pure functions, any thread. Tensors on any device; images come back on the CPU.

#include "base/job.h"

#include <ATen/core/Tensor.h>

namespace reverie::generate::detail {

/// x̂₀ of item 0 of SD 1.x latents [B, 4, h, w] as RGB at latent resolution (empty for other
/// channel counts).
ImageU8 latentPreview(const at::Tensor& latent);
/// A start image (grey, RGB or RGBA) as the VAE's input: [1, 3, H, W] in [−1, 1] on the CPU.
at::Tensor fromRgb(const ImageU8& img);
/// A decoded image [1, 3, H, W] in [−1, 1] as RGB bytes.
ImageU8 toRgb(const at::Tensor& image);

} // namespace reverie::generate::detail
