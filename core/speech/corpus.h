#pragma once
// The speech-enhancement corpus: noisy/clean pairs mixed on the fly, deterministically, from the
// Asterisk prompts and music that packaging/install-deps.sh decodes (16 kHz mono WAV):
//     <dir>/{en,es,fr,it,ru}/*.wav   one speaker per folder (en and es are the same voice, Allison)
//     <dir>/moh/*.wav                music on hold
//
// Thread rules: a loaded Corpus is immutable; mixture() may be called from any thread.
// Failure: load() reports a missing folder, a speaker without usable files or unreadable audio as
// an InvalidInput error naming the folder (run packaging/install-deps.sh).

#include "base/job.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace reverie::speech {

/// $REVERIE_SPEECH_DIR, or /usr/local/share/reverie/speech (where install-deps.sh decodes to).
std::string defaultSpeechDir();

enum class CorpusSplit { Train, Test };
enum class NoiseKind { Music, White, Pink, Brown, Babble };
std::string toString(NoiseKind k);

struct CorpusOptions {
    std::string dir;                                          ///< "" → defaultSpeechDir()
    std::vector<std::string> trainSpeakers = {"en", "es", "fr", "it"};
    std::string testSpeaker = "ru";
    std::int64_t length = 32512;  ///< samples per mixture (32512 = 255 STFT frames at hop 128, 2.03 s)
    double snrMin = 0, snrMax = 20; ///< dB, uniform
    std::vector<NoiseKind> noises = {NoiseKind::Music, NoiseKind::White, NoiseKind::Pink, NoiseKind::Brown,
                                     NoiseKind::Babble};
    int maxFilesPerSpeaker = 0;   ///< 0 = all (sorted by name; a small number makes tests fast)
};

struct Mixture {
    std::vector<float> clean, noise, noisy; ///< noisy = clean + noise, `length` samples each
    NoiseKind kind = NoiseKind::White;
    double snrDb = 0;                       ///< the SNR that was asked for
    std::string speaker;                    ///< folder name of the clean speech
    std::string utterance;                  ///< file name of the clean speech
    std::vector<std::string> babbleSpeakers; ///< speakers mixed into the babble (babble only)
};

class Corpus {
public:
    static Result<Corpus> load(const CorpusOptions& opts = {});

    /// Mixture number `index` of a split for a seed. Deterministic: a pure function of its
    /// arguments and the files. A clean crop of `length` samples from a speaker of the split, one
    /// noise of five kinds — music, white, pink, brown, babble (3–5 other utterances of the
    /// training speakers, equal RMS, summed) — scaled to an SNR drawn uniformly from
    /// [snrMin, snrMax] dB, added. The test split takes its clean speech from the held-out speaker
    /// only (default "ru"), which the training split never uses, not even in babble; music is split
    /// in time (the first 80 % of every piece for training, the rest for test). Random numbers come
    /// from a SplitMix64 stream seeded with (split, seed, index), turned into uniforms and
    /// Box–Muller normals here, so the mixtures are the same on every platform.
    Mixture mixture(CorpusSplit split, std::uint64_t seed, std::uint64_t index) const;

    /// Utterances of the split's speakers (train: all training speakers).
    std::size_t utterances(CorpusSplit split) const;
    const CorpusOptions& options() const;
    int sampleRate() const { return 16000; }

private:
    struct Data;
    std::shared_ptr<const Data> d;
};

} // namespace reverie::speech
