#include "speech/view.h"

#include "speech/stft.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

namespace reverie::speech {

Result<Spectrogram> spectrogram(const std::vector<float>& samples, float floorDb) {
    if (samples.empty()) return Result<Spectrogram>::invalid("spectrogram: the audio is empty");
    for (const float v : samples)
        if (!std::isfinite(v)) return Result<Spectrogram>::invalid("spectrogram: the audio has NaN/Inf samples");
    return guarded<Spectrogram>("spectrogram", [&]() -> Result<Spectrogram> {
        const SpecParams p;
        const at::Tensor wave = at::from_blob(const_cast<float*>(samples.data()), {std::int64_t(samples.size())},
                                              at::TensorOptions().dtype(at::kFloat))
                                    .clone();
        // [F, N] complex → magnitude, transposed to frames × bins so that a frame is contiguous.
        const at::Tensor mag = at::abs(stft(wave, p)).transpose(0, 1).contiguous();
        const float floorMag = std::pow(10.0f, floorDb / 20.0f);
        const at::Tensor db = (20.0 * at::log10(at::clamp_min(mag, floorMag))).contiguous();
        Spectrogram s;
        s.frames = int(db.size(0));
        s.bins = int(db.size(1));
        const float* d = db.data_ptr<float>();
        s.db.assign(d, d + db.numel());
        s.maxDb = s.db.empty() ? floorDb : *std::max_element(s.db.begin(), s.db.end());
        return s;
    });
}

std::vector<std::pair<float, float>> waveformEnvelope(const std::vector<float>& samples, int columns) {
    std::vector<std::pair<float, float>> out;
    if (samples.empty() || columns <= 0) return out;
    out.reserve(std::size_t(columns));
    const auto n = std::int64_t(samples.size());
    for (std::int64_t c = 0; c < columns; ++c) {
        const std::int64_t a = c * n / columns;
        std::int64_t b = (c + 1) * n / columns;
        if (b <= a) b = std::min(a + 1, n); // more columns than samples: repeat the sample
        const std::int64_t first = std::min(a, n - 1);
        float lo = samples[std::size_t(first)], hi = lo;
        for (std::int64_t i = first + 1; i < b; ++i) {
            lo = std::min(lo, samples[std::size_t(i)]);
            hi = std::max(hi, samples[std::size_t(i)]);
        }
        out.emplace_back(lo, hi);
    }
    return out;
}

} // namespace reverie::speech
