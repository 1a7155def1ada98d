#include "metrics/metrics.h"

#include <ATen/ATen.h>

#include <cmath>
#include <limits>

namespace reverie::metrics {
namespace {

// Symmetric PSD square root via eigh.
at::Tensor sqrtPsd(const at::Tensor& m) {
    const auto sym = (m + m.transpose(0, 1)) * 0.5;
    auto [evals, evecs] = at::linalg_eigh(sym);
    return at::matmul(evecs * evals.clamp_min(0).sqrt().unsqueeze(0), evecs.transpose(0, 1));
}

bool finite(const at::Tensor& t) { return t.isfinite().all().item<bool>(); }

} // namespace

Result<Gaussian> fitGaussian(const at::Tensor& features) {
    if (!features.defined() || features.dim() != 2) return Result<Gaussian>::invalid("features must be [N, D]");
    if (features.size(0) < 2) return Result<Gaussian>::invalid("need at least two feature vectors for a covariance");
    const auto f = features.to(at::kDouble);
    if (!finite(f)) return Result<Gaussian>::invalid("features contain NaN or infinity");
    Gaussian g;
    g.mean = f.mean(0);
    const auto c = f - g.mean.unsqueeze(0);
    g.cov = at::matmul(c.transpose(0, 1), c) / double(f.size(0) - 1);
    return g;
}

Result<double> frechetDistance(const Gaussian& a, const Gaussian& b) {
    if (!a.mean.defined() || !b.mean.defined() || a.mean.sizes() != b.mean.sizes() || a.cov.sizes() != b.cov.sizes())
        return Result<double>::invalid("the two Gaussians have different dimensions");
    const auto ma = a.mean.to(at::kDouble), mb = b.mean.to(at::kDouble);
    const auto ca = a.cov.to(at::kDouble), cb = b.cov.to(at::kDouble);
    const auto rootA = sqrtPsd(ca);
    const auto inner = sqrtPsd(at::matmul(at::matmul(rootA, cb), rootA));
    const double d = (ma - mb).pow(2).sum().item<double>() +
                     (ca.trace() + cb.trace() - 2.0 * inner.trace()).item<double>();
    return std::max(0.0, d);
}

Result<double> psnr(const at::Tensor& a, const at::Tensor& b, double maxValue, int crop) {
    if (!a.defined() || !b.defined() || a.sizes() != b.sizes())
        return Result<double>::invalid("PSNR needs two images of the same shape");
    if (a.dim() < 2) return Result<double>::invalid("PSNR needs images with height and width");
    if (crop < 0 || 2 * crop >= a.size(-1) || 2 * crop >= a.size(-2))
        return Result<double>::invalid("the border crop leaves no pixels");
    auto x = a.to(at::kDouble), y = b.to(at::kDouble);
    if (crop > 0) {
        x = x.narrow(-1, crop, x.size(-1) - 2 * crop).narrow(-2, crop, x.size(-2) - 2 * crop);
        y = y.narrow(-1, crop, y.size(-1) - 2 * crop).narrow(-2, crop, y.size(-2) - 2 * crop);
    }
    const double mse = (x - y).pow(2).mean().item<double>();
    if (!std::isfinite(mse)) return Result<double>::invalid("the images contain NaN or infinity");
    if (mse == 0) return std::numeric_limits<double>::infinity();
    return 20.0 * std::log10(maxValue / std::sqrt(mse));
}

at::Tensor lumaBt601(const at::Tensor& rgb) {
    const auto x = rgb.to(at::kDouble);
    const int c = x.dim() == 4 ? 1 : 0;
    return 16.0 + (65.481 * x.select(c, 0) + 128.553 * x.select(c, 1) + 24.966 * x.select(c, 2)) / 255.0;
}

Result<double> ssim(const at::Tensor& a, const at::Tensor& b, double maxValue) {
    if (!a.defined() || !b.defined() || a.sizes() != b.sizes())
        return Result<double>::invalid("SSIM needs two images of the same shape");
    if (a.dim() != 2 && a.dim() != 3) return Result<double>::invalid("SSIM needs [H, W] or [C, H, W] images");
    if (a.size(-1) < 11 || a.size(-2) < 11) return Result<double>::invalid("SSIM needs images of at least 11x11 pixels");
    auto x = a.to(at::kDouble), y = b.to(at::kDouble);
    if (x.dim() == 2) {
        x = x.unsqueeze(0);
        y = y.unsqueeze(0);
    }
    x = x.unsqueeze(1); // [C, 1, H, W]: channels as a batch
    y = y.unsqueeze(1);
    const auto r = at::arange(-5, 6, at::kDouble);
    auto g = (-(r * r) / (2 * 1.5 * 1.5)).exp();
    g = g / g.sum();
    const auto w = at::outer(g, g).view({1, 1, 11, 11});
    auto filt = [&](const at::Tensor& t) { return at::conv2d(t, w); };
    const double C1 = std::pow(0.01 * maxValue, 2), C2 = std::pow(0.03 * maxValue, 2);
    const auto mx = filt(x), my = filt(y);
    const auto sxx = filt(x * x) - mx * mx, syy = filt(y * y) - my * my, sxy = filt(x * y) - mx * my;
    const auto map = ((2 * mx * my + C1) * (2 * sxy + C2)) / ((mx * mx + my * my + C1) * (sxx + syy + C2));
    const double v = map.mean().item<double>();
    if (!std::isfinite(v)) return Result<double>::invalid("the images contain NaN or infinity");
    return v;
}

Result<double> siSdr(const at::Tensor& reference, const at::Tensor& estimate) {
    if (!reference.defined() || !estimate.defined() || reference.dim() != 1 || reference.sizes() != estimate.sizes())
        return Result<double>::invalid("SI-SDR needs two 1-D signals of the same length");
    const auto s = reference.to(at::kDouble), e = estimate.to(at::kDouble);
    const double ss = s.dot(s).item<double>();
    if (!(ss > 0)) return Result<double>::invalid("the reference signal is silent");
    const double alpha = e.dot(s).item<double>() / ss;
    const auto target = alpha * s;
    const double num = target.pow(2).sum().item<double>();
    const double den = (target - e).pow(2).sum().item<double>();
    if (!std::isfinite(num) || !std::isfinite(den)) return Result<double>::invalid("the signals contain NaN or infinity");
    if (den == 0) return std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(num / den);
}

} // namespace reverie::metrics
