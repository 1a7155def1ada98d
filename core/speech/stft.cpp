#include "speech/stft.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace reverie::speech {
namespace {

std::int64_t minLength(const SpecParams& p) { return p.nFft / 2 + 1; } // reflect padding needs > nFft/2

at::Tensor windowFor(const at::Tensor& like, const SpecParams& p) {
    const auto real = c10::toRealValueType(like.scalar_type());
    return hannWindow(p, like.options().dtype(real));
}

} // namespace

at::Tensor hannWindow(const SpecParams& p, const at::TensorOptions& opts) {
    const auto w = at::hann_window(p.nFft, /*periodic=*/true, opts);
    return p.sqrtHann ? w.sqrt() : w;
}

std::int64_t frameCount(std::int64_t length, const SpecParams& p) {
    return 1 + std::max(length, minLength(p)) / p.hop;
}

std::int64_t paddedFrameCount(std::int64_t length, const SpecParams& p) {
    const std::int64_t n = frameCount(length, p);
    const std::int64_t m = std::max(1, p.frameMultiple);
    return (n + m - 1) / m * m;
}

at::Tensor stft(const at::Tensor& wave, const SpecParams& p) {
    TORCH_CHECK(wave.defined() && (wave.dim() == 1 || wave.dim() == 2), "speech::stft: expected a waveform [T] or [B, T]");
    TORCH_CHECK(at::isFloatingType(wave.scalar_type()), "speech::stft: expected a float waveform");
    at::Tensor x = wave;
    if (x.size(-1) < minLength(p)) x = at::constant_pad_nd(x, {0, minLength(p) - x.size(-1)});
    return at::stft(x, p.nFft, p.hop, p.nFft, windowFor(x, p), /*center=*/true, "reflect", /*normalized=*/false,
                    /*onesided=*/true, /*return_complex=*/true);
}

at::Tensor istft(const at::Tensor& spec, std::int64_t length, const SpecParams& p) {
    TORCH_CHECK(spec.defined() && spec.is_complex() && (spec.dim() == 2 || spec.dim() == 3),
                "speech::istft: expected a complex spectrogram [F, N] or [B, F, N]");
    TORCH_CHECK(spec.size(-2) == p.nFft / 2 + 1, "speech::istft: expected ", p.nFft / 2 + 1, " frequency bins, got ",
                spec.size(-2));
    // length trims the centred output (or zero-extends it when the frames cover less).
    return at::istft(spec, p.nFft, p.hop, p.nFft, windowFor(spec, p), /*center=*/true, /*normalized=*/false,
                     /*onesided=*/true, length, /*return_complex=*/false);
}

at::Tensor compress(const at::Tensor& spec, const SpecParams& p) {
    TORCH_CHECK(spec.defined() && spec.is_complex(), "speech::compress: expected a complex spectrogram");
    // polar() keeps 0 ↦ 0 (|c|^α e^{i∠c} with ∠0 = 0), where β c |c|^{α−1} would divide by 0.
    return at::polar(spec.abs().pow(p.alpha).mul(p.beta), spec.angle());
}

at::Tensor decompress(const at::Tensor& spec, const SpecParams& p) {
    TORCH_CHECK(spec.defined() && spec.is_complex(), "speech::decompress: expected a complex spectrogram");
    return at::polar(spec.abs().div(p.beta).pow(1.0 / p.alpha), spec.angle());
}

at::Tensor forwardTransform(const at::Tensor& wave, const SpecParams& p) {
    const auto c = compress(stft(wave, p), p);
    const std::int64_t pad = paddedFrameCount(wave.size(-1), p) - c.size(-1);
    if (pad <= 0) return c;
    auto zshape = c.sizes().vec();
    zshape.back() = pad;
    return at::cat({c, at::zeros(zshape, c.options())}, -1);
}

at::Tensor backwardTransform(const at::Tensor& spec, std::int64_t length, const SpecParams& p) {
    // Drop the padding frames first: the iSTFT divides by the summed squared windows of every
    // frame, so zero frames past the end would still add window energy and attenuate the last
    // ≤ nFft/2 samples (sgmse's to_audio() runs the iSTFT over the padded frames and has that
    // small edge loss; without it the round trip is exact).
    const std::int64_t frames = p.istftPaddedFrames ? spec.size(-1) : std::min(spec.size(-1), frameCount(length, p));
    return istft(decompress(spec.narrow(-1, 0, frames), p), length, p);
}

double normFactor(const std::vector<float>& noisy) {
    double m = 0;
    for (const float v : noisy) m = std::max(m, double(std::fabs(v)));
    return m > 0 && std::isfinite(m) ? m : 1.0;
}

Result<Spec> toSpec(const std::vector<float>& noisy, const SpecParams& p) { return toSpec(noisy, normFactor(noisy), p); }

Result<Spec> toSpec(const std::vector<float>& wave, double factor, const SpecParams& p) {
    using R = Result<Spec>;
    if (wave.empty()) return R::invalid("cannot transform an empty waveform (0 samples)");
    if (!(factor > 0) || !std::isfinite(factor))
        return R::invalid("invalid normalisation factor " + std::to_string(factor) + " (must be finite and > 0)");
    const auto bad = std::count_if(wave.begin(), wave.end(), [](float v) { return !std::isfinite(v); });
    if (bad > 0) return R::invalid("the waveform has " + std::to_string(bad) + " NaN/Inf samples");
    return guarded<Spec>("spectrogram", [&]() -> R {
        const std::int64_t n = std::int64_t(wave.size());
        const auto x = at::from_blob(const_cast<float*>(wave.data()), {n}, at::kFloat).div(factor);
        Spec s;
        s.spec = forwardTransform(x, p);
        s.normFactor = factor;
        s.length = n;
        s.frames = frameCount(n, p);
        return s;
    });
}

Result<std::vector<float>> fromSpec(const Spec& s, const SpecParams& p) {
    using R = Result<std::vector<float>>;
    const std::int64_t bins = p.nFft / 2 + 1;
    if (!s.spec.defined() || !s.spec.is_complex() || s.spec.dim() != 2)
        return R::invalid("expected a complex spectrogram [" + std::to_string(bins) + ", frames]");
    if (s.spec.size(0) != bins || s.spec.size(1) < s.frames)
        return R::invalid("the spectrogram is " + std::to_string(s.spec.size(0)) + "x" + std::to_string(s.spec.size(1)) +
                          ", expected " + std::to_string(bins) + " bins and at least " + std::to_string(s.frames) +
                          " frames");
    if (s.length <= 0) return R::invalid("the spectrogram's waveform length is " + std::to_string(s.length));
    return guarded<std::vector<float>>("waveform", [&]() -> R {
        const auto w = backwardTransform(s.spec.to(at::kCPU, at::kComplexFloat), s.length, p)
                           .mul(s.normFactor)
                           .to(at::kFloat)
                           .contiguous();
        const float* d = w.data_ptr<float>();
        return std::vector<float>(d, d + w.numel());
    });
}

} // namespace reverie::speech
