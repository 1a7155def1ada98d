#include "restore/consistency.h"

#include "restore/classical.h"
#include "restore/restore.h"

#include <ATen/ATen.h>

namespace reverie::restore {

KnownDegradation knownOf(const DegradedBatch& b, const at::Tensor& clean, std::int64_t i) {
    const auto one = [&](const at::Tensor& t) { return t.defined() ? t.slice(0, i, i + 1) : t; };
    KnownDegradation k{b.params.at(std::size_t(i)), one(b.mu), one(b.mask), {}};
    if (const int f = downFactor(k.params.kind); f > 1) k.lowRes = down(one(clean), f);
    return k;
}

std::optional<KnownDegradation> knownOwnLowRes(const std::string& task, const at::Tensor& image) {
    const auto d = parseDegradation(task);
    if (!d || downFactor(*d) == 1) return std::nullopt;
    KnownDegradation k;
    k.params.kind = *d;
    k.lowRes = image;
    return k;
}

bool holesStartFromTelea(const std::string& modelDir, std::int64_t H, std::int64_t W) {
    const auto info = restorerInfo(modelDir);
    return info && info.value().imageSize > 0 && (H != info.value().imageSize || W != info.value().imageSize);
}

bool hasConsistencyStep(Degradation d) {
    switch (d) {
    case Degradation::Blur:
    case Degradation::MotionBlur:
    case Degradation::Down2:
    case Degradation::Down4:
    case Degradation::InpaintBox:
    case Degradation::InpaintStroke: return true;
    case Degradation::Noise:
    case Degradation::Jpeg: return false;
    }
    return false;
}

double consistencyNsr(Degradation d) { return d == Degradation::Blur ? 1e-5 : 3e-3; }

at::Tensor consistent(const at::Tensor& xhat, const KnownDegradation& k, double wienerNsr) {
    if (wienerNsr < 0) wienerNsr = consistencyNsr(k.params.kind);
    TORCH_CHECK(xhat.dim() == 4, "consistent: x̂ must be [B, C, H, W]");
    const auto d = k.params.kind;
    if (!hasConsistencyStep(d)) return xhat;
    if (isInpainting(d)) {
        TORCH_CHECK(k.mask.defined() && k.mu.defined() && k.mu.sizes() == xhat.sizes() && k.mask.dim() == 4 &&
                        k.mask.size(0) == xhat.size(0) && k.mask.size(2) == xhat.size(2) &&
                        k.mask.size(3) == xhat.size(3),
                    "consistent: inpainting needs μ and a mask of x̂'s size");
        return at::where(k.mask.to(xhat.device()) > 0.5, k.mu.to(xhat.device(), xhat.scalar_type()), xhat)
            .clamp(-1.0, 1.0);
    }
    if (d == Degradation::Down2 || d == Degradation::Down4) {
        const int f = downFactor(d);
        TORCH_CHECK(k.lowRes.defined() && k.lowRes.dim() == 4 && k.lowRes.size(0) == xhat.size(0) &&
                        k.lowRes.size(1) == xhat.size(1),
                    "consistent: super-resolution needs the low-resolution image");
        const auto y = k.lowRes.to(xhat.device(), xhat.scalar_type());
        auto x = xhat.clone();
        const bool divides = x.size(2) == y.size(2) * f && x.size(3) == y.size(3) * f;
        TORCH_CHECK(divides || (down(x, f).size(2) == y.size(2) && down(x, f).size(3) == y.size(3)),
                    "consistent: the low-resolution image is not x̂'s size divided by ", f);
        // Block-mean correction (A⁺ = replication): one step is the exact projection when the
        // blocks tile the image; otherwise the area bins overlap and a few steps converge.
        for (int it = 0; it < (divides ? 1 : 8); ++it)
            x += at::upsample_nearest2d(y - down(x, f), {x.size(2), x.size(3)});
        return x.clamp(-1.0, 1.0);
    }
    // Blur or motion blur with the known kernel.
    TORCH_CHECK(k.mu.defined() && k.mu.sizes() == xhat.sizes(), "consistent: deblurring needs μ of x̂'s size");
    const auto kernel = blurKernel(k.params);
    const auto y = k.mu.to(xhat.device(), xhat.scalar_type());
    const auto residual = y - filterReflect(xhat, kernel);
    return (xhat + wienerDeconvolve(residual, kernel, wienerNsr, /*clamp=*/false)).clamp(-1.0, 1.0);
}

} // namespace reverie::restore
