#pragma once
// The enhancer's tensors: a complex spectrogram (speech/stft.h) as a real 2-channel image
// (real, imaginary) for the U-Net, and the (clean, noisy) training pair of a mixture in SGMSE+'s
// normalisation (both divided by the noisy waveform's max |x|).
//
// Thread rules: pure functions, any thread. Failure: toChannels/fromChannels throw c10::Error on
// a wrong rank or dtype (callers validated); trainingPair reports bad audio as a Result error.

#include "base/job.h"
#include "speech/stft.h"

#include <ATen/core/Tensor.h>

#include <utility>
#include <vector>

namespace reverie::speech {

/// complex [.., F, N] → float [.., 2, F, N] (channel 0 real, 1 imaginary).
at::Tensor toChannels(const at::Tensor& spec);
/// float [.., 2, F, N] → complex64 [.., F, N]; the inverse of toChannels.
at::Tensor fromChannels(const at::Tensor& x);

/// x₀ (clean) and μ (noisy), each float [2, F, frames], frames = frameCount(noisy.size()) (no
/// padding; frames = n for (n − 1)·hop samples). Errors: lengths differ, empty or non-finite audio.
Result<std::pair<at::Tensor, at::Tensor>> trainingPair(const std::vector<float>& clean, const std::vector<float>& noisy,
                                                       const SpecParams& p = {});

} // namespace reverie::speech
