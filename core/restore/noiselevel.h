#pragma once
// Blind estimation of the noise level of an image: the std σ of additive white Gaussian noise,
// from the image alone. The method of Chen, Zhu and Heng (ICCV 2015, "An efficient statistical
// method for image noise level estimation"): the covariance of the image's d×d patches (all
// channels) has eigenvalues that, once the few carried by image structure are set aside, are those
// of the noise, all near σ². Sorted from the largest, drop eigenvalues until the rest have their
// mean at their median (as many above it as below), and take σ = √mean. docs/methods.md,
// "Noise level of a photograph".
//
// Thread rules: any thread (LibTorch CPU ops). Failure: none; an image smaller than 2 × 2 gives 0.

#include <ATen/core/Tensor.h>

namespace reverie::restore {

/// σ of the noise in `image` ([C, H, W] or [1, C, H, W], values in [−1, 1]) on the 0..255 scale.
/// At most `maxPatches` patches (a regular grid) enter the covariance. Three equal channels (grey
/// as RGB, whose noise is the same in each) are measured as one.
double estimateNoiseSigma255(const at::Tensor& image, int patch = 7, int maxPatches = 40000);

} // namespace reverie::restore
