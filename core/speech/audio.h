#pragma once
// Audio files for the Enhance workbench and CLI: robust loading of what a user may feed in
// (libsndfile), resampling to the model's rate (libsoxr), streaming in bounded memory, and atomic
// WAV saving that never overwrites the input.
//
// Thread rules: free functions and AudioReader objects are independent; use one AudioReader from
// one thread at a time. Failure: every problem a user can cause (missing, empty, corrupt or
// unknown format, too long, unwritable, the protected input) is a Result error with a sentence
// naming the file; nothing throws.

#include "base/job.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace reverie::speech {

/// Mono audio in plain memory: the only audio type that crosses a thread boundary.
struct Audio {
    std::vector<float> samples; ///< mono, nominally in [−1, 1]
    int sampleRate = 0;         ///< Hz
    /// Things the loader fixed or noticed that are not errors ("3 NaN/Inf samples replaced by 0",
    /// "truncated: ..."); empty when nothing happened. Sentences joined by "; ", naming the file.
    std::string note;
    int sourceRate = 0;     ///< the file's own rate (0 when not loaded from a file)
    int sourceChannels = 0; ///< the file's channel count (0 when not loaded from a file)

    double seconds() const { return sampleRate > 0 ? double(samples.size()) / sampleRate : 0.0; }
};

/// Audio from interleaved-free 16-bit PCM bytes (little-endian, as a microphone delivers them);
/// an odd trailing byte is ignored.
Audio fromPcm16(const char* bytes, std::size_t size, int sampleRate);

/// noisy − enhanced over their common length (what an enhancement removed).
std::vector<float> residual(const std::vector<float>& noisy, const std::vector<float>& enhanced);

/// Two hours: the default bound on a file's duration (from its header, before decoding).
inline constexpr double kDefaultMaxSeconds = 2 * 3600.0;

/// Formats: every container and encoding this libsndfile reads (WAV/WAVEX/RF64/W64 with 8/16/24/
/// 32-bit integer or float samples, FLAC, OGG Vorbis/Opus, AIFF, CAF and, with Debian 12's
/// libsndfile 1.2 built against mpg123, MP3), any channel count (downmixed by the mean), any rate
/// (resampled by a streaming soxr in its high-quality mode). Integer samples come back in
/// [−1, 1); float files as stored (no clipping). NaN/±Inf samples are replaced by 0 and counted
/// in Audio::note (not an error). A file whose data stops before its header says (a truncated
/// download or recording) loads what is there, with a note. Holds only the mono result in memory.
/// Loads a whole file as mono audio at targetRate Hz (0 keeps the file's rate). Errors: no such
/// file, a folder, 0 bytes, not a readable audio file (unknown format, corrupt header), no audio
/// (0 frames), longer than maxSeconds, a read error before any audio, an invalid targetRate.
Result<Audio> loadAudio(const std::string& path, int targetRate = 16000, double maxSeconds = kDefaultMaxSeconds);

/// Streams a file as successive blocks of mono samples at targetRate, in bounded memory: it decodes
/// block by block, so an hour-long file never has to be in memory at its source rate and channels.
///
///     auto r = AudioReader::open(path, 16000);
///     if (!r) return r.error();
///     for (;;) { auto b = r.value().read(16000); if (!b) ...; if (b.value().empty()) break; ... }
///
/// The samples are exactly those loadAudio() returns for the same file and rate, whatever the
/// block sizes asked for. Movable, not copyable; closes the file on destruction.
class AudioReader {
public:
    /// Opens the file and reads its header: the same errors as loadAudio(), except decoding
    /// failures, which read() reports.
    static Result<AudioReader> open(const std::string& path, int targetRate = 16000,
                                    double maxSeconds = kDefaultMaxSeconds);

    AudioReader(AudioReader&&) noexcept;
    AudioReader& operator=(AudioReader&&) noexcept;
    ~AudioReader();

    /// The next `frames` output samples (frames ≥ 1); fewer only for the last block, and an empty
    /// vector once the file is exhausted. An error for a read failure of the decoder before any
    /// audio came out; a failure later ends the stream early with a note (see note()).
    Result<std::vector<float>> read(std::int64_t frames);

    bool atEnd() const;
    int sampleRate() const;     ///< the output rate
    int sourceRate() const;     ///< the file's rate
    int sourceChannels() const; ///< the file's channel count
    /// Frames the header announces at the source rate (may be more than the file holds).
    std::int64_t sourceFrames() const;
    /// Output samples expected from the header (±1 for the resampler's rounding).
    std::int64_t expectedFrames() const;
    /// NaN/Inf source samples replaced by 0 so far (counted per channel sample).
    std::int64_t nonFiniteSamples() const;
    /// What loadAudio() puts in Audio::note, as known so far (complete once atEnd()).
    std::string note() const;
    const std::string& path() const;

private:
    struct Impl;
    explicit AudioReader(std::unique_ptr<Impl> d);
    std::unique_ptr<Impl> d;
};

enum class WavEncoding { Pcm16, Float32 };

struct SaveWavOptions {
    WavEncoding encoding = WavEncoding::Pcm16; ///< Pcm16 clips to [−1, 1]; Float32 keeps the values
    std::string protectedPath; ///< never write this file (the input); compared after resolving links
};

/// Writes mono audio as a WAV file block by block, in bounded memory: the samples go to a temporary
/// file in the target folder, and commit() syncs it and renames it over the path. Until commit()
/// succeeds the target is untouched (an earlier file stays intact); a writer destroyed without
/// commit() removes its temporary file. NaN/Inf samples are written as 0.
///
///     auto w = WavWriter::open(path, 16000, opts);
///     if (!w) return w.error();
///     for (...) if (auto s = w.value().write(block); !s) return s.error();
///     if (auto s = w.value().commit(); !s) return s.error();
class WavWriter {
public:
    /// Errors: an invalid rate, no ".wav" extension, a missing folder, a folder as target, the
    /// protected path, a file that cannot be created.
    static Result<WavWriter> open(const std::string& path, int sampleRate, const SaveWavOptions& opts = {});

    WavWriter(WavWriter&&) noexcept;
    WavWriter& operator=(WavWriter&&) noexcept;
    ~WavWriter();

    /// Appends samples (an error for a write failure, after which the writer is unusable).
    Result<bool> write(const float* samples, std::size_t count);
    Result<bool> write(const std::vector<float>& samples) { return write(samples.data(), samples.size()); }
    /// Frames written so far.
    std::int64_t frames() const;
    /// Closes, syncs and renames the file into place. Errors: nothing written, a write failure.
    Result<bool> commit();
    const std::string& path() const;

private:
    struct Impl;
    explicit WavWriter(std::unique_ptr<Impl> d);
    std::unique_ptr<Impl> d;
};

/// Writes audio (mono) as a WAV file: to a temporary file in the target folder, synced, then
/// renamed over path, so a failed save leaves no partial file and an earlier file intact. NaN/Inf
/// samples are written as 0. Errors: empty audio, an invalid rate, no ".wav" extension, a missing
/// folder, the protected path, a write failure.
Result<bool> saveWav(const std::string& path, const Audio& audio, const SaveWavOptions& opts = {});

} // namespace reverie::speech
