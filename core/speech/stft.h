#pragma once
// The SGMSE+ spectral representation (Richter et al. 2023): normalise by max |noisy|, centred
// STFT (n_fft 510 → 256 bins, hop 128, periodic Hann), compress c ↦ β|c|^α e^{i∠c}, zero-pad
// frames to a multiple of 64; and the exact way back (docs/methods.md, "SGMSE+ and the OUVE SDE").
// Tensors: waveforms float [(B,) T]; spectrograms complex64 [(B,) F, N], F = n_fft/2 + 1; any device.
//
// Thread rules: pure functions, any thread. Failure: the tensor functions throw c10::Error on a
// misuse (wrong rank or dtype; the caller validated the audio); toSpec() and fromSpec() validate
// their input and report problems as Result errors.

#include "base/job.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace reverie::speech {

/// The representation's constants. The defaults are SGMSE+'s; change them only together with a
/// model trained on the changed representation.
struct SpecParams {
    int nFft = 510;          ///< window length = FFT size; F = nFft/2 + 1 = 256 bins
    int hop = 128;           ///< frame shift in samples
    double alpha = 0.5;      ///< magnitude exponent of the compression
    double beta = 0.15;      ///< scale of the compression
    int frameMultiple = 64;  ///< frames are zero-padded to a multiple of this (1 = no padding)
    bool sqrtHann = false;   ///< the square root of the Hann window (SGMSE+'s window "sqrthann")
    /// SGMSE+'s code runs the inverse STFT over the padding frames too (to_audio on the padded
    /// spectrogram); they overlap the last ≤ nFft/2 samples. false (the default) drops them
    /// first, which makes the round trip exact; true reproduces a published checkpoint's output.
    bool istftPaddedFrames = false;
};

/// Periodic Hann window of params.nFft samples (torch.hann_window(n, periodic=True)), or its
/// square root when params.sqrtHann.
at::Tensor hannWindow(const SpecParams& p = {}, const at::TensorOptions& opts = {});

/// Frames the centred STFT yields for `length` samples: 1 + max(length, nFft/2 + 1) / hop (see
/// stft() for the short-input case).
std::int64_t frameCount(std::int64_t length, const SpecParams& p = {});
/// frameCount rounded up to a multiple of frameMultiple.
std::int64_t paddedFrameCount(std::int64_t length, const SpecParams& p = {});

/// Plain centred STFT, complex [.., F, 1 + T/hop], no compression or padding. Inputs shorter than
/// nFft/2 + 1 samples (which reflect padding cannot handle) are zero-extended first.
at::Tensor stft(const at::Tensor& wave, const SpecParams& p = {});
/// Inverse of stft(), trimmed (or zero-extended) to `length` samples; float [.., length].
/// stft → istft is exact to float precision (Hann² at hop 128 satisfies NOLA everywhere).
at::Tensor istft(const at::Tensor& spec, std::int64_t length, const SpecParams& p = {});

/// c ↦ β|c|^α e^{i∠c} (0 ↦ 0).
at::Tensor compress(const at::Tensor& spec, const SpecParams& p = {});
/// c̃ ↦ (|c̃|/β)^{1/α} e^{i∠c̃}, the exact inverse of compress().
at::Tensor decompress(const at::Tensor& spec, const SpecParams& p = {});

/// stft → compress → zero-pad frames to a multiple of frameMultiple. No normalisation.
at::Tensor forwardTransform(const at::Tensor& wave, const SpecParams& p = {});
/// Drop the padding frames → decompress → istft → `length` samples. No normalisation.
at::Tensor backwardTransform(const at::Tensor& spec, std::int64_t length, const SpecParams& p = {});

/// A waveform in the model's representation, with what it takes to go back.
struct Spec {
    at::Tensor spec;            ///< complex64 [F, paddedFrames], CPU
    double normFactor = 1.0;    ///< the waveform was divided by this (max |noisy|)
    std::int64_t length = 0;    ///< samples of the waveform
    std::int64_t frames = 0;    ///< frames before padding (frameCount(length))
};

/// max |x| of the noisy waveform: the SGMSE+ normalisation factor. 1 for an all-zero signal
/// (so that silence maps to silence instead of NaN).
double normFactor(const std::vector<float>& noisy);

/// The noisy waveform in the representation, normalised by its own max |x|. Errors: empty input,
/// non-finite samples.
Result<Spec> toSpec(const std::vector<float>& noisy, const SpecParams& p = {});
/// Another waveform (the clean target when training) normalised by a given factor (the noisy
/// one's, as SGMSE+ does), so that the pair stays aligned in scale.
Result<Spec> toSpec(const std::vector<float>& wave, double factor, const SpecParams& p = {});
/// Back to a waveform of the original length, multiplied by s.normFactor. `s.spec` may be replaced
/// by a model output: complex [F, N] with N ≥ s.frames, any device. Errors: an undefined, real or
/// wrongly shaped spectrogram.
Result<std::vector<float>> fromSpec(const Spec& s, const SpecParams& p = {});

} // namespace reverie::speech
