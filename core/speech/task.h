#pragma once
// The speech domain's training task "enhancer" (train/task.h): an SGMSE+-style residual denoiser
// on spectrograms. x₀ = the clean compressed complex STFT (speech/stft.h) as 2 channels (real,
// imaginary) [2, 256, frames], μ = the noisy one, both divided by the noisy waveform's max |x|;
// mixtures come from speech::Corpus (training speakers only), mixture number step·batch + i for
// the recipe's seed, so a resumed run sees exactly the batches of a straight one. Served to the
// OUVE SDE by speech/enhance.h.
// Section keys: speech_dir, crop_frames, test_speaker, snr_min, snr_max, p_mean/p_std/sigma_data,
// "net" (in, cond and out channels all 2); for the split corpus (docs/data.md): layout "split",
// noise_dir, noises (family names, repeat to weight), reverb_share, room_share (recordings made in
// a room that the target keeps: speech/corpus.h), t60_min, t60_max. A net with num_classes 2 is
// told the task: label 1 when the room is to be removed (dereverberate), 0 when only the noise is
// (denoise: a dry recording, or one whose room is kept), dropped to the null class with
// probability label_dropout (auto).
//
// Thread rules: as train/task.h. Failure: errors name the key or the corpus problem.

#include "base/job.h"
#include "models/unet.h"
#include "speech/corpus.h"
#include "train/edm.h"
#include "train/task.h"

#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <optional>
#include <utility>
#include <vector>

namespace reverie::speech {

struct EnhancerOptions {
    std::string speechDir;          ///< the corpus folder ("" → defaultSpeechDir())
    int cropFrames = 64;            ///< STFT frames per training crop ((n − 1)·hop samples)
    std::string testSpeaker = "ru"; ///< the held-out speaker (never trained on)
    double snrMin = 0, snrMax = 20; ///< mixture SNR range in dB (uniform)
    train::EdmNoise noise;
    models::UNetConfig net;
    std::string layout = "speakers";       ///< corpus layout: "speakers" (first corpus) or "split"
    std::string noiseDir;                  ///< split layout: "" → defaultNoiseDir()
    std::vector<NoiseKind> noises;         ///< empty: the corpus's default families
    double reverbShare = 0;
    double roomShare = 0; ///< share of dry-target mixtures recorded in a room the target keeps
    double t60Min = 0.2, t60Max = 1.0;
    double labelDropout = 0.2;             ///< task labels: share dropped to the null class (auto)
    std::string objective = "score";       ///< "score" (EDM residual score model) or "mask" (speech/predictive.h)
    double maskBound = 1.5;                ///< "mask": the largest mask magnitude
    /// Non-empty: start from these weights (an exported weights.pt or a checkpoint of the same
    /// architecture) instead of a fresh initialisation; a resumed run's checkpoint still wins.
    std::string initFrom;
    std::string read(const nlohmann::json& section);
    nlohmann::json toJson() const;
    /// The corpus settings: mixtures of (crop_frames − 1)·hop samples, every speaker but
    /// test_speaker for training.
    CorpusOptions corpus() const;
};

Result<std::unique_ptr<train::TrainTask>> makeEnhancerTask(const train::Recipe& r, train::TaskData data);

/// The enhancer's batch at a step: x₀ (clean) and μ (noisy) [batch, 2, 256, frames] from training
/// mixtures step·batch + i, i < batch, of the corpus for `seed` (speech/pairs.h), and the task
/// label of each (1: reverberant, 0: dry).
struct EnhancerBatch {
    at::Tensor x0, mu, reverberant;
};
Result<EnhancerBatch> enhancerBatch(const Corpus& corpus, std::uint64_t seed, std::int64_t step, int batch);


} // namespace reverie::speech
