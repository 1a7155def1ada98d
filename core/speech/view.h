#pragma once
// Views of audio for the Enhance workbench, torch-free (the GUI includes this header only): the
// magnitude spectrogram in dB in the model's own STFT (speech/stft.h: n_fft 510 → 256 bins, hop
// 128, periodic Hann, centred), uncompressed, and the min/max envelope of a waveform.
//
// Thread rules: pure functions, any thread (spectrogram() runs ATen on the caller's thread; the
// workbench calls it on the engine thread). Failure: empty or non-finite input → InvalidInput.

#include "base/job.h"

#include <utility>
#include <vector>

namespace reverie::speech {

/// 20·log10|STFT| of a waveform, clamped below at floorDb.
struct Spectrogram {
    int frames = 0;        ///< STFT frames (1 + length / hop)
    int bins = 0;          ///< one-sided bins (n_fft / 2 + 1 = 256), bin 0 = DC
    std::vector<float> db; ///< frames × bins, row-major: db[frame · bins + bin]
    float maxDb = 0;       ///< the largest value (floorDb for silence)
    float at(int frame, int bin) const { return db[std::size_t(frame) * std::size_t(bins) + std::size_t(bin)]; }
};

inline constexpr float kSpectrogramFloorDb = -100.0f;

/// The spectrogram of mono samples in the model's STFT (SpecParams defaults, no compression, no
/// normalisation, no frame padding).
Result<Spectrogram> spectrogram(const std::vector<float>& samples, float floorDb = kSpectrogramFloorDb);

/// min and max of the samples in each of `columns` equal spans of the waveform (column c covers
/// samples [c·n/columns, (c+1)·n/columns)); a span without a sample repeats its neighbour's
/// sample. Empty input or columns ≤ 0 → empty.
std::vector<std::pair<float, float>> waveformEnvelope(const std::vector<float>& samples, int columns);

} // namespace reverie::speech
