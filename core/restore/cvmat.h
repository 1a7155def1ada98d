#pragma once
// Internal to core/restore (never included by a public header): conversions between image
// tensors [C, H, W] in [−1, 1] (RGB order, the engine's convention) and cv::Mat (BGR order,
// OpenCV's convention). All functions copy; nothing aliases the source's memory.
// Throws c10::Error / cv::Exception on unsupported shapes (callers are inside guarded()).

#include <ATen/core/Tensor.h>

#include <opencv2/core.hpp>

namespace reverie::restore::detail {

/// [C, H, W] float in [−1, 1], C = 1 or 3 (RGB) → CV_8UC1 or CV_8UC3 (BGR), clamped and rounded.
cv::Mat toMat8(const at::Tensor& chw);
/// CV_8UC1 or CV_8UC3 (BGR) → float [C, H, W] in [−1, 1] (RGB), on the CPU.
at::Tensor fromMat8(const cv::Mat& m);
/// [H, W] float → CV_32FC1 with the same values.
cv::Mat toMat32(const at::Tensor& hw);
/// CV_32FC1 → float [H, W] on the CPU.
at::Tensor fromMat32(const cv::Mat& m);

} // namespace reverie::restore::detail
