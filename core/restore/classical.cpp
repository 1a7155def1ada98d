#include "restore/classical.h"

#include "restore/cvmat.h"

#include <ATen/ATen.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include <algorithm>
#include <cmath>

namespace reverie::restore {
namespace {

void checkImages(const at::Tensor& x) {
    TORCH_CHECK(x.defined() && x.dim() == 4 && (x.size(1) == 1 || x.size(1) == 3) && x.size(2) > 0 && x.size(3) > 0,
                "expected images [B, 1|3, H, W], got ", x.defined() ? x.sizes() : at::IntArrayRef{});
    TORCH_CHECK(x.is_floating_point(), "expected floating-point images in [-1, 1]");
}

// Runs an 8-bit OpenCV filter image by image; the result goes back to μ's device and dtype.
template <typename F>
at::Tensor perImage8(const at::Tensor& mu, F&& filter) {
    const auto cpu = mu.detach().to(at::kCPU);
    std::vector<at::Tensor> out;
    for (std::int64_t i = 0; i < cpu.size(0); ++i) {
        const cv::Mat src = detail::toMat8(cpu[i]);
        cv::Mat dst;
        filter(i, src, dst);
        out.push_back(detail::fromMat8(dst));
    }
    return at::stack(out).to(mu.device(), mu.scalar_type());
}

// Wiener deconvolution of one plane [H, W].
at::Tensor wienerPlane(const at::Tensor& plane, const at::Tensor& kernel, double nsr) {
    const std::int64_t H = plane.size(0), W = plane.size(1), K = kernel.size(0), r = K / 2;
    // The reflect-101 extension of period 2(H−1) × 2(W−1) is exactly periodic and continuous, and
    // for kernels symmetric under axis flips (Gaussian, horizontal or vertical lines) the blur with
    // reflect padding is exactly a circular convolution of it: the DFT model holds with no seam.
    // For oblique lines it holds away from the borders. (Measured on a 7 px line at 30°: 5.5 dB
    // better than reflect padding by K to an optimal DFT size, whose wrap-around seam rings
    // through the spectral zeros of the line kernel.) Large images: run it through tiled().
    const std::int64_t Hp = std::max<std::int64_t>(1, 2 * H - 2), Wp = std::max<std::int64_t>(1, 2 * W - 2);
    const double mean = plane.mean().item<double>();
    const auto padded = padReflect(plane - mean, 0, Hp - H, 0, Wp - W);
    const cv::Mat y = detail::toMat32(padded);

    // The kernel with its centre at (0, 0), wrapped around.
    cv::Mat psf = cv::Mat::zeros(int(Hp), int(Wp), CV_32FC1);
    const auto k = kernel.to(at::kCPU, at::kFloat).contiguous();
    const auto ka = k.accessor<float, 2>();
    for (std::int64_t i = 0; i < K; ++i)
        for (std::int64_t j = 0; j < K; ++j)
            psf.at<float>(int(((i - r) % Hp + Hp) % Hp), int(((j - r) % Wp + Wp) % Wp)) += ka[i][j];

    cv::Mat Y, Kf, num;
    cv::dft(y, Y, cv::DFT_COMPLEX_OUTPUT);
    cv::dft(psf, Kf, cv::DFT_COMPLEX_OUTPUT);
    cv::mulSpectrums(Y, Kf, num, 0, /*conjB=*/true);
    cv::Mat parts[2];
    cv::split(Kf, parts);
    cv::Mat den = parts[0].mul(parts[0]) + parts[1].mul(parts[1]) + nsr;
    cv::split(num, parts);
    parts[0] /= den;
    parts[1] /= den;
    cv::Mat X, x;
    cv::merge(parts, 2, X);
    cv::idft(X, x, cv::DFT_SCALE | cv::DFT_REAL_OUTPUT);
    return detail::fromMat32(x(cv::Rect(0, 0, int(W), int(H)))) + mean;
}

} // namespace

ClassicalOptions photoPeerOptions(Degradation d) {
    ClassicalOptions o;
    if (d == Degradation::Blur) o.wienerNsr = 1e-5;
    if (d == Degradation::MotionBlur) o.wienerNsr = 1e-2;
    return o;
}

at::Tensor blurKernel(const DegradeParams& p) {
    if (p.kind == Degradation::MotionBlur) return motionKernel(p.motionLength, p.motionAngleDeg);
    const auto g = gaussianKernel1d(p.blurSigmaPx);
    return at::outer(g, g);
}

at::Tensor nlmDenoiseH(const at::Tensor& mu, double h, const ClassicalOptions& o) {
    checkImages(mu);
    TORCH_CHECK(h >= 0, "nlmDenoise: h must be >= 0");
    const auto hf = float(h);
    return perImage8(mu, [&](std::int64_t, const cv::Mat& src, cv::Mat& dst) {
        if (src.channels() == 3)
            cv::fastNlMeansDenoisingColored(src, dst, hf, hf, o.nlmTemplate, o.nlmSearch);
        else
            cv::fastNlMeansDenoising(src, dst, hf, o.nlmTemplate, o.nlmSearch);
    });
}

at::Tensor nlmDenoise(const at::Tensor& mu, double sigma255, const ClassicalOptions& o) {
    checkImages(mu);
    return nlmDenoiseH(mu, (mu.size(1) == 3 ? o.nlmColourHPerSigma : o.nlmHPerSigma) * sigma255, o);
}

at::Tensor inpaintCv(const at::Tensor& mu, const at::Tensor& mask, InpaintMethod method, double radius) {
    checkImages(mu);
    TORCH_CHECK(mask.defined() && mask.dim() == 4 && mask.size(0) == mu.size(0) && mask.size(1) == 1 &&
                    mask.size(2) == mu.size(2) && mask.size(3) == mu.size(3),
                "inpaint: mask must be [B, 1, H, W] like the images");
    // cv::inpaint wants 8-bit, nonzero = pixel to fill.
    const auto holes = (mask.detach().to(at::kCPU) < 0.5).to(at::kByte).mul(255).contiguous();
    const int flags = method == InpaintMethod::Telea ? cv::INPAINT_TELEA : cv::INPAINT_NS;
    const auto filled = perImage8(mu, [&](std::int64_t i, const cv::Mat& src, cv::Mat& dst) {
        const cv::Mat m(src.rows, src.cols, CV_8UC1, holes[i][0].data_ptr<std::uint8_t>());
        cv::inpaint(src, m, dst, radius, flags);
    });
    // 8 bits in between: take the known pixels from μ itself.
    return at::where(mask.to(mu.device()) > 0.5, mu, filled);
}

at::Tensor wienerDeconvolve(const at::Tensor& mu, const at::Tensor& kernel, double nsr, bool clamp) {
    checkImages(mu);
    TORCH_CHECK(kernel.dim() == 2 && kernel.size(0) == kernel.size(1) && kernel.size(0) % 2 == 1,
                "wienerDeconvolve: kernel must be [K, K] with K odd");
    TORCH_CHECK(nsr > 0, "wienerDeconvolve: nsr must be > 0");
    const auto cpu = mu.detach().to(at::kCPU, at::kFloat);
    auto out = at::empty_like(cpu);
    for (std::int64_t b = 0; b < cpu.size(0); ++b)
        for (std::int64_t c = 0; c < cpu.size(1); ++c) out[b][c].copy_(wienerPlane(cpu[b][c], kernel, nsr));
    return (clamp ? out.clamp(-1.0, 1.0) : out).to(mu.device(), mu.scalar_type());
}

at::Tensor upscaleBicubicCv(const at::Tensor& lowRes, std::int64_t H, std::int64_t W) {
    checkImages(lowRes);
    TORCH_CHECK(H > 0 && W > 0, "upscaleBicubicCv: bad size");
    const auto cpu = lowRes.detach().to(at::kCPU, at::kFloat);
    std::vector<at::Tensor> out;
    for (std::int64_t b = 0; b < cpu.size(0); ++b) {
        std::vector<at::Tensor> planes;
        for (std::int64_t c = 0; c < cpu.size(1); ++c) {
            cv::Mat up;
            cv::resize(detail::toMat32(cpu[b][c]), up, cv::Size(int(W), int(H)), 0, 0, cv::INTER_CUBIC);
            planes.push_back(detail::fromMat32(up));
        }
        out.push_back(at::stack(planes));
    }
    return at::stack(out).clamp(-1.0, 1.0).to(lowRes.device(), lowRes.scalar_type());
}

double jpegNlmH(int quality) {
    // Measured RMS error of libjpeg on the synthetic scenes of tst_restore, grey levels: 8–9 at
    // q = 10, 6 at q = 25, 5 at q = 40, roughly 28/sqrt(q). 0.9 of it was within 0.1 dB of the
    // best h on the colour scene at all three qualities (grey scenes, being flat, like more).
    const double sigma = 28.0 / std::sqrt(double(std::clamp(quality, 1, 100)));
    return 0.9 * sigma;
}

at::Tensor classicalPeer(const at::Tensor& mu, Degradation d, const at::Tensor& mask, const DegradeParams& p,
                         const ClassicalOptions& o) {
    checkImages(mu);
    switch (d) {
    case Degradation::Noise:
        return nlmDenoise(mu, p.noiseSigma255, o);
    case Degradation::Blur:
    case Degradation::MotionBlur: {
        DegradeParams q = p;
        q.kind = d;
        return wienerDeconvolve(mu, blurKernel(q), o.wienerNsr);
    }
    case Degradation::Down2:
    case Degradation::Down4:
        return mu.clone();
    case Degradation::InpaintBox:
    case Degradation::InpaintStroke:
        TORCH_CHECK(mask.defined(), "inpainting needs the mask");
        return inpaintCv(mu, mask, o.inpaint, o.inpaintRadius);
    case Degradation::Jpeg:
        return nlmDenoiseH(mu, jpegNlmH(p.jpegQuality), o);
    }
    return mu.clone();
}

const char* classicalPeerId(Degradation d) {
    switch (d) {
    case Degradation::Noise: return "nlm";
    case Degradation::Blur:
    case Degradation::MotionBlur: return "wiener-known-kernel";
    case Degradation::Down2:
    case Degradation::Down4: return "bicubic";
    case Degradation::InpaintBox:
    case Degradation::InpaintStroke: return "opencv-inpaint";
    case Degradation::Jpeg: return "nlm-jpeg";
    }
    return "none";
}

at::Tensor classicalPeer(const at::Tensor& mu, const at::Tensor& mask, const std::vector<DegradeParams>& params,
                         const ClassicalOptions& o) {
    checkImages(mu);
    TORCH_CHECK(std::int64_t(params.size()) == mu.size(0), "classicalPeer: one DegradeParams per image expected");
    std::vector<at::Tensor> out;
    for (std::int64_t i = 0; i < mu.size(0); ++i) {
        const auto& p = params[std::size_t(i)];
        TORCH_CHECK(!isInpainting(p.kind) || mask.defined(), "inpainting needs the mask");
        const auto m = isInpainting(p.kind) ? mask.narrow(0, i, 1) : at::Tensor();
        out.push_back(classicalPeer(mu.narrow(0, i, 1), p.kind, m, p, o));
    }
    return at::cat(out);
}

} // namespace reverie::restore
