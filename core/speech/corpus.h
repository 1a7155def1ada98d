#pragma once
// The speech-enhancement corpus: noisy (and reverberant) / clean pairs mixed on the fly,
// deterministically, from the recordings that packaging/install-deps.sh and fetch-corpora.sh put
// on the machine (16 kHz mono WAV; docs/data.md). Two layouts:
//   "split" (the corpus the models train on): <dir>/<split>/<source>-<speaker>/*.wav and
//       <noiseDir>/<split>/<source>/*.wav, split ∈ train, val, test — speakers and noise sources
//       are split by origin, so val and test hold only voices and sounds training never sees;
//   "speakers" (the first corpus): <dir>/{en,es,fr,it,ru}/*.wav, one speaker per folder, and
//       <dir>/moh/*.wav music; the test speaker is held out.
//
// Thread rules: a loaded Corpus is immutable; mixture() may be called from any thread.
// Failure: load() reports a missing folder, a speaker without usable files or unreadable audio as
// an InvalidInput error naming the folder (run packaging/install-deps.sh).

#include "base/job.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace reverie::speech {

/// $REVERIE_SPEECH_DIR, or /usr/local/share/reverie/speech (where install-deps.sh decodes to).
std::string defaultSpeechDir();
/// $REVERIE_NOISE_DIR, or /usr/local/share/reverie/noise.
std::string defaultNoiseDir();

enum class CorpusSplit { Train, Val, Test };
/// Noise families. Recorded: a file of the split's noise folders (music, effects, ambience);
/// Babble: 3–5 other talkers of the split; White, Pink, Brown; Slope: a random spectral slope
/// (−9…+3 dB/octave); Tonal: 1–4 steady or beeping tones 150–5000 Hz; Impulsive: clicks and
/// knocks; Hum: mains hum (50/60 Hz and harmonics); None: no noise (a clean or only reverberant
/// input, which must come back untouched). Music: the "speakers" layout's music on hold.
enum class NoiseKind { Music, White, Pink, Brown, Babble, Recorded, Slope, Tonal, Impulsive, Hum, None };
std::string toString(NoiseKind k);
/// The family of a name ("white", "recorded", …), or nullopt.
std::optional<NoiseKind> parseNoiseKind(const std::string& name);

struct CorpusOptions {
    std::string dir;                  ///< speech root ("" → defaultSpeechDir())
    std::string layout = "speakers";  ///< "speakers" or "split"
    std::string noiseDir;             ///< split layout: noise root ("" → defaultNoiseDir())
    std::vector<std::string> trainSpeakers = {"en", "es", "fr", "it"}; ///< speakers layout
    std::string testSpeaker = "ru";   ///< speakers layout: the held-out speaker
    std::int64_t length = 32512;  ///< samples per mixture (32512 = 255 STFT frames at hop 128, 2.03 s)
    double snrMin = 0, snrMax = 20;   ///< dB, uniform
    /// The families, drawn uniformly from this list (repeat an entry to weight it).
    std::vector<NoiseKind> noises = {NoiseKind::Music, NoiseKind::White, NoiseKind::Pink, NoiseKind::Brown,
                                     NoiseKind::Babble};
    double reverbShare = 0;           ///< share of mixtures whose speech is reverberant
    double t60Min = 0.2, t60Max = 1.0; ///< reverberation time range, seconds (uniform)
    /// Share of the other (dry) mixtures whose *recording* is reverberant: the speech is convolved
    /// with a simulated room (T60 in [t60Min, t60Max]) before the noise is added, and the target
    /// keeps that room (a denoiser must not remove the room a recording was made in).
    double roomShare = 0;
    int maxFilesPerSpeaker = 0;   ///< 0 = all (sorted by name; a small number makes tests fast)
};

struct Mixture {
    std::vector<float> clean;  ///< the target: dry speech, or reverberant when roomKept
    std::vector<float> noise;  ///< noisy − clean (the added noise and, when reverberant, the reverberation)
    std::vector<float> noisy;  ///< what the model hears, `length` samples each
    NoiseKind kind = NoiseKind::White;
    double snrDb = 0;          ///< the SNR that was asked for (of the noise against the (reverberant) speech)
    double t60 = 0;            ///< 0: dry; else the simulated room's reverberation time
    bool roomKept = false;     ///< the room is part of the recording (and of the target), not to be removed
    std::string speaker;       ///< folder name of the clean speech
    std::string utterance;     ///< file name of the clean speech
    std::string noiseSource;   ///< Recorded: the noise folder; Music: the piece
    std::vector<std::string> babbleSpeakers; ///< speakers mixed into the babble (babble only)
};

class Corpus {
public:
    static Result<Corpus> load(const CorpusOptions& opts = {});

    /// Mixture number `index` of a split for a seed, a pure function of its arguments and the
    /// files: a crop of `length` samples that holds speech, from a speaker of the split; with
    /// probability reverbShare convolved with a simulated room (speech/room.h; the dry crop stays the
    /// target), else with probability roomShare convolved with one that the target keeps; one noise family of `noises` scaled to an SNR drawn from [snrMin, snrMax] dB against
    /// the (reverberant) speech and added; the whole scaled into [−0.9, 0.9]. Recorded noises,
    /// babble talkers and (speakers layout) music come from the split's own sources only; in the
    /// speakers layout music is split in time (the first 80 % of every piece for training). Random
    /// numbers come from a SplitMix64 stream seeded with (split, seed, index), so the mixtures are
    /// the same on every platform.
    Mixture mixture(CorpusSplit split, std::uint64_t seed, std::uint64_t index) const;
    /// The same with the noise family and SNR given (evaluation by bucket and family).
    /// keepRoom: the room (t60 > 0) belongs to the recording, so the target is reverberant too.
    Mixture mixture(CorpusSplit split, std::uint64_t seed, std::uint64_t index, NoiseKind kind, double snrDb,
                    double t60 = 0, bool keepRoom = false) const;

    /// Utterances of the split's speakers.
    std::size_t utterances(CorpusSplit split) const;
    /// Noise recordings of the split (split layout; speakers layout: music pieces).
    std::size_t noiseFiles(CorpusSplit split) const;
    const CorpusOptions& options() const;
    int sampleRate() const { return 16000; }

private:
    struct Data;
    std::shared_ptr<const Data> d;
};

} // namespace reverie::speech
