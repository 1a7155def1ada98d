#include "restore/cvmat.h"

#include "data/fashion_mnist.h"

#include <ATen/ATen.h>

#include <opencv2/imgproc.hpp>

namespace reverie::restore::detail {

cv::Mat toMat8(const at::Tensor& chw) {
    TORCH_CHECK(chw.dim() == 3 && (chw.size(0) == 1 || chw.size(0) == 3), "expected a [1|3, H, W] image, got ",
                chw.sizes());
    const int c = int(chw.size(0)), h = int(chw.size(1)), w = int(chw.size(2));
    const auto hwc = data::toBytes(chw.detach().to(at::kCPU)).permute({1, 2, 0}).contiguous();
    const cv::Mat view(h, w, CV_8UC(c), hwc.data_ptr<std::uint8_t>());
    cv::Mat out;
    if (c == 3)
        cv::cvtColor(view, out, cv::COLOR_RGB2BGR);
    else
        out = view.clone();
    return out;
}

at::Tensor fromMat8(const cv::Mat& m) {
    TORCH_CHECK(m.depth() == CV_8U && (m.channels() == 1 || m.channels() == 3), "expected an 8-bit grey or BGR image");
    cv::Mat src;
    if (m.channels() == 3)
        cv::cvtColor(m, src, cv::COLOR_BGR2RGB);
    else
        src = m.isContinuous() ? m : m.clone();
    const auto hwc = at::from_blob(src.data, {src.rows, src.cols, src.channels()}, at::kByte);
    return data::toSigned(hwc.permute({2, 0, 1})).contiguous(); // toSigned copies: src may go
}

cv::Mat toMat32(const at::Tensor& hw) {
    TORCH_CHECK(hw.dim() == 2, "expected an [H, W] plane, got ", hw.sizes());
    const auto t = hw.detach().to(at::kCPU, at::kFloat).contiguous();
    return cv::Mat(int(t.size(0)), int(t.size(1)), CV_32FC1, t.data_ptr<float>()).clone();
}

at::Tensor fromMat32(const cv::Mat& m) {
    TORCH_CHECK(m.type() == CV_32FC1, "expected a CV_32FC1 plane");
    const cv::Mat src = m.isContinuous() ? m : m.clone();
    return at::from_blob(src.data, {src.rows, src.cols}, at::kFloat).clone();
}

} // namespace reverie::restore::detail
