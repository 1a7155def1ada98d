#include "speech/audio.h"
#include "base/io.h"
#include "base/paths.h"

#include <sndfile.h>
#include <soxr.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <new>
#include <sstream>

namespace fs = std::filesystem;

namespace reverie::speech {
namespace {

// Source frames decoded per step. Fixed, so that the resampler sees the same sequence of calls
// whatever block size the caller reads: that keeps AudioReader and loadAudio bit-identical.
constexpr std::int64_t kChunkFrames = 4096;
constexpr int kMinRate = 1000;
constexpr int kMaxRate = 768000;

std::string duration(double seconds) {
    char buf[64];
    if (seconds >= 3600)
        std::snprintf(buf, sizeof buf, "%.2f hours", seconds / 3600);
    else if (seconds >= 60)
        std::snprintf(buf, sizeof buf, "%.1f minutes", seconds / 60);
    else
        std::snprintf(buf, sizeof buf, "%.2f s", seconds);
    return buf;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

// libsndfile corrects a WAV/AIFF data size that runs past the end of the file (frames then
// counts what is there) and only says so in its log: "data : 40000 (should be 20000)".
bool logSaysTruncated(SNDFILE* sf) {
    std::string log(8192, '\0');
    sf_command(sf, SFC_GET_LOG_INFO, log.data(), int(log.size()));
    std::istringstream lines(log.c_str());
    std::string line;
    while (std::getline(lines, line)) {
        if ((line.rfind("data", 0) == 0 || line.rfind("SSND", 0) == 0) && line.find("should be") != std::string::npos)
            return true;
    }
    return false;
}

void appendNote(std::string& note, const std::string& sentence) {
    if (!note.empty()) note += "; ";
    note += sentence;
}

} // namespace

struct AudioReader::Impl {
    std::string path;
    SNDFILE* sf = nullptr;
    SF_INFO info{};
    soxr_t soxr = nullptr; // null when no resampling is needed
    int rate = 0;
    bool headerTruncated = false;

    std::vector<float> interleaved; // kChunkFrames × channels
    std::vector<float> mono;        // kChunkFrames
    std::vector<float> resampled;   // one soxr call's output
    std::vector<float> pending;     // output not handed out yet, from pendingPos
    std::size_t pendingPos = 0;

    bool inputDone = false;
    bool flushed = false;
    std::int64_t framesDecoded = 0;
    std::int64_t nonFinite = 0;
    std::string readError; // libsndfile's message when decoding stopped with an error

    ~Impl() {
        if (soxr) soxr_delete(soxr);
        if (sf) sf_close(sf);
    }

    std::size_t available() const { return pending.size() - pendingPos; }

    void push(const float* p, std::size_t n) {
        if (pendingPos > 0 && pendingPos >= pending.size() / 2) { // keep the buffer bounded
            pending.erase(pending.begin(), pending.begin() + std::ptrdiff_t(pendingPos));
            pendingPos = 0;
        }
        pending.insert(pending.end(), p, p + n);
    }

    Result<bool> resample(const float* in, std::size_t n) {
        std::size_t offset = 0;
        do {
            std::size_t idone = 0, odone = 0;
            const soxr_error_t e = soxr_process(soxr, in ? in + offset : nullptr, in ? n - offset : 0, &idone,
                                                resampled.data(), resampled.size(), &odone);
            if (e) return Result<bool>::failed(path + ": resampling failed (" + e + ")");
            push(resampled.data(), odone);
            if (!in) return odone > 0; // flushing: true while output keeps coming
            offset += idone;
            if (idone == 0 && odone == 0) break; // cannot happen with a non-empty input; never spin
        } while (offset < n);
        return true;
    }

    // Decodes one chunk (or flushes the resampler at the end) into pending.
    Result<bool> step() {
        if (!inputDone) {
            const int ch = info.channels;
            const sf_count_t n = sf_readf_float(sf, interleaved.data(), kChunkFrames);
            if (n <= 0) {
                inputDone = true;
                if (sf_error(sf) != SF_ERR_NO_ERROR) readError = sf_strerror(sf);
                if (!soxr) flushed = true;
                return true;
            }
            // Replace NaN/Inf before the mean (one bad channel would spoil the mix) and before
            // the resampler (which would smear it over the filter length).
            for (sf_count_t i = 0; i < n; ++i) {
                const float* f = interleaved.data() + i * ch;
                double sum = 0;
                for (int c = 0; c < ch; ++c) {
                    if (std::isfinite(f[c]))
                        sum += f[c];
                    else
                        ++nonFinite;
                }
                mono[std::size_t(i)] = float(sum / ch);
            }
            framesDecoded += n;
            if (!soxr) {
                push(mono.data(), std::size_t(n));
                return true;
            }
            return resample(mono.data(), std::size_t(n));
        }
        auto more = resample(nullptr, 0);
        if (!more) return more;
        if (!more.value()) flushed = true;
        return true;
    }

    std::string note() const {
        std::string n;
        if (nonFinite > 0)
            appendNote(n, path + ": " + std::to_string(nonFinite) + " NaN/Inf sample" + (nonFinite == 1 ? "" : "s") +
                              " replaced by 0");
        const bool shortRead = inputDone && framesDecoded < info.frames;
        if (headerTruncated || shortRead) {
            const double got = double(inputDone ? framesDecoded : info.frames) / info.samplerate;
            appendNote(n, path + ": the file is truncated (its data ends before its header says); loaded the " +
                              duration(got) + " present");
        }
        if (!readError.empty()) appendNote(n, path + ": decoding stopped early (" + readError + ")");
        return n;
    }
};

Result<AudioReader> AudioReader::open(const std::string& path, int targetRate, double maxSeconds) {
    using R = Result<AudioReader>;
    if (path.empty()) return R::invalid("no audio file given");
    if (targetRate != 0 && (targetRate < kMinRate || targetRate > kMaxRate))
        return R::invalid("cannot load " + path + ": the target sample rate " + std::to_string(targetRate) +
                          " Hz is outside " + std::to_string(kMinRate) + ".." + std::to_string(kMaxRate) + " Hz");
    std::error_code ec;
    const auto st = fs::status(path, ec);
    if (!fs::exists(st)) return R::invalid(path + ": no such file");
    if (fs::is_directory(st)) return R::invalid(path + ": is a folder, not an audio file");
    const auto size = fs::file_size(path, ec);
    if (ec) return R::invalid(path + ": cannot read (" + ec.message() + ")");
    if (size == 0) return R::invalid(path + ": the file is empty (0 bytes)");

    return guarded<AudioReader>("loading " + path, [&]() -> R {
        auto d = std::make_unique<Impl>();
        d->path = path;
        d->sf = sf_open(path.c_str(), SFM_READ, &d->info);
        if (!d->sf)
            return R::invalid(path + ": not a readable audio file (unknown format, or a corrupt or truncated file: " +
                              sf_strerror(nullptr) + ")");
        const SF_INFO& in = d->info;
        if (in.channels <= 0 || in.samplerate <= 0)
            return R::invalid(path + ": corrupt audio header (" + std::to_string(in.channels) + " channels at " +
                              std::to_string(in.samplerate) + " Hz)");
        if (in.frames <= 0) return R::invalid(path + ": the file contains no audio (0 frames)");
        const double seconds = double(in.frames) / in.samplerate;
        if (seconds > maxSeconds)
            return R::invalid(path + ": the recording is " + duration(seconds) + " long, more than the limit of " +
                              duration(maxSeconds));
        d->rate = targetRate == 0 ? in.samplerate : targetRate;
        d->headerTruncated = logSaysTruncated(d->sf);
        d->interleaved.resize(std::size_t(kChunkFrames) * std::size_t(in.channels));
        d->mono.resize(std::size_t(kChunkFrames));
        if (d->rate != in.samplerate) {
            soxr_error_t err = nullptr;
            const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
            const soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
            const soxr_runtime_spec_t rt = soxr_runtime_spec(1); // one thread: the engine shares the CPU
            d->soxr = soxr_create(in.samplerate, d->rate, 1, &err, &io, &q, &rt);
            if (err || !d->soxr)
                return R::failed(path + ": cannot resample " + std::to_string(in.samplerate) + " Hz to " +
                                 std::to_string(d->rate) + " Hz (" + (err ? err : "soxr") + ")");
            const double ratio = double(d->rate) / in.samplerate;
            d->resampled.resize(std::size_t(std::ceil(kChunkFrames * ratio)) + 1024);
        }
        return AudioReader(std::move(d));
    });
}

AudioReader::AudioReader(std::unique_ptr<Impl> impl) : d(std::move(impl)) {}
AudioReader::AudioReader(AudioReader&&) noexcept = default;
AudioReader& AudioReader::operator=(AudioReader&&) noexcept = default;
AudioReader::~AudioReader() = default;

Result<std::vector<float>> AudioReader::read(std::int64_t frames) {
    using R = Result<std::vector<float>>;
    if (!d) return R::invalid("read from a closed audio reader");
    if (frames < 1) return R::invalid(d->path + ": asked for a block of " + std::to_string(frames) + " samples");
    return guarded<std::vector<float>>("reading " + d->path, [&]() -> R {
        while (d->available() < std::size_t(frames) && !d->flushed) {
            auto s = d->step();
            if (!s) return s.error();
        }
        if (d->inputDone && d->framesDecoded == 0)
            return R::invalid(d->path + ": no audio could be decoded (a corrupt or truncated file" +
                              (d->readError.empty() ? std::string() : ": " + d->readError) + ")");
        const std::size_t n = std::min(d->available(), std::size_t(frames));
        std::vector<float> out(d->pending.begin() + std::ptrdiff_t(d->pendingPos),
                               d->pending.begin() + std::ptrdiff_t(d->pendingPos + n));
        d->pendingPos += n;
        return out;
    });
}

bool AudioReader::atEnd() const { return !d || (d->flushed && d->available() == 0); }
int AudioReader::sampleRate() const { return d ? d->rate : 0; }
int AudioReader::sourceRate() const { return d ? d->info.samplerate : 0; }
int AudioReader::sourceChannels() const { return d ? d->info.channels : 0; }
std::int64_t AudioReader::sourceFrames() const { return d ? d->info.frames : 0; }
std::int64_t AudioReader::expectedFrames() const {
    return d ? std::llround(double(d->info.frames) * d->rate / d->info.samplerate) : 0;
}
std::int64_t AudioReader::nonFiniteSamples() const { return d ? d->nonFinite : 0; }
std::string AudioReader::note() const { return d ? d->note() : std::string(); }
const std::string& AudioReader::path() const {
    static const std::string none;
    return d ? d->path : none;
}

Result<Audio> loadAudio(const std::string& path, int targetRate, double maxSeconds) {
    auto opened = AudioReader::open(path, targetRate, maxSeconds);
    if (!opened) return opened.error();
    AudioReader& r = opened.value();
    return guarded<Audio>("loading " + path, [&]() -> Result<Audio> {
        Audio a;
        a.sampleRate = r.sampleRate();
        a.sourceRate = r.sourceRate();
        a.sourceChannels = r.sourceChannels();
        a.samples.reserve(std::size_t(r.expectedFrames()) + 64);
        for (;;) {
            auto block = r.read(1 << 16);
            if (!block) return block.error();
            if (block.value().empty()) break;
            a.samples.insert(a.samples.end(), block.value().begin(), block.value().end());
        }
        a.note = r.note();
        return a;
    });
}

namespace {

Result<bool> writeWav(const std::string& path, const Audio& audio, const SaveWavOptions& o) {
    if (path.empty()) return Result<bool>::invalid("no output file name given");
    if (audio.samples.empty()) return Result<bool>::invalid("cannot save " + path + ": there is no audio (0 samples)");
    auto w = WavWriter::open(path, audio.sampleRate, o);
    if (!w) return w.error();
    const std::size_t total = audio.samples.size();
    for (std::size_t i = 0; i < total; i += std::size_t(1) << 16)
        if (auto s = w.value().write(audio.samples.data() + i, std::min(total - i, std::size_t(1) << 16)); !s)
            return s.error();
    return w.value().commit();
}

} // namespace

struct WavWriter::Impl {
    std::string path;
    fs::path tmp;
    int fd = -1;
    SNDFILE* sf = nullptr;
    WavEncoding encoding = WavEncoding::Pcm16;
    std::int64_t frames = 0;
    bool failed = false;
    std::vector<float> buf;

    ~Impl() {
        if (sf) sf_close(sf);
        if (fd >= 0) ::close(fd);
        if (!tmp.empty()) {
            std::error_code ignore;
            fs::remove(tmp, ignore);
        }
    }
};

WavWriter::WavWriter(std::unique_ptr<Impl> impl) : d(std::move(impl)) {}
WavWriter::WavWriter(WavWriter&&) noexcept = default;
WavWriter& WavWriter::operator=(WavWriter&&) noexcept = default;
WavWriter::~WavWriter() = default;

Result<WavWriter> WavWriter::open(const std::string& path, int sampleRate, const SaveWavOptions& o) {
    using R = Result<WavWriter>;
    if (path.empty()) return R::invalid("no output file name given");
    if (sampleRate < kMinRate || sampleRate > kMaxRate)
        return R::invalid("cannot save " + path + ": invalid sample rate " + std::to_string(sampleRate) + " Hz");
    const fs::path target(path);
    if (lower(target.extension().string()) != ".wav")
        return R::invalid(path + ": audio is saved as WAV; use a .wav file name");
    if (!o.protectedPath.empty() && runtime::sameFile(target, o.protectedPath))
        return R::invalid("refusing to overwrite the input audio " + o.protectedPath + "; choose another file name");
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        return R::invalid("cannot save " + path + ": the folder " + dir.string() + " does not exist");
    if (fs::is_directory(target, ec)) return R::invalid("cannot save " + path + ": it is a folder");

    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->encoding = o.encoding;
    const std::string tmp = io::temporaryPathFor(path);
    impl->fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (impl->fd < 0) return R::invalid("cannot write " + path + ": " + std::strerror(errno));
    impl->tmp = tmp;

    SF_INFO info{};
    info.samplerate = sampleRate;
    info.channels = 1;
    // RF64 that downgrades itself to a plain WAV on close: ordinary files stay WAV, and a float
    // file past WAV's 4 GiB limit is still written correctly.
    info.format = SF_FORMAT_RF64 | (o.encoding == WavEncoding::Float32 ? SF_FORMAT_FLOAT : SF_FORMAT_PCM_16);
    impl->sf = sf_open_fd(impl->fd, SFM_WRITE, &info, SF_FALSE);
    if (!impl->sf) return R::failed("cannot write " + path + ": " + sf_strerror(nullptr));
    sf_command(impl->sf, SFC_RF64_AUTO_DOWNGRADE, nullptr, SF_TRUE);
    sf_command(impl->sf, SFC_SET_CLIPPING, nullptr, SF_TRUE);
    return WavWriter(std::move(impl));
}

Result<bool> WavWriter::write(const float* samples, std::size_t count) {
    using R = Result<bool>;
    if (!d || !d->sf) return R::failed("the WAV writer is closed");
    if (d->failed) return R::failed("cannot write " + d->path + ": an earlier write failed");
    for (std::size_t i = 0; i < count; i += std::size_t(1) << 16) {
        const std::size_t n = std::min(count - i, std::size_t(1) << 16);
        d->buf.assign(samples + i, samples + i + n);
        for (float& v : d->buf) {
            if (!std::isfinite(v)) v = 0.0f;
            if (d->encoding == WavEncoding::Pcm16) v = std::clamp(v, -1.0f, 1.0f);
        }
        if (sf_writef_float(d->sf, d->buf.data(), sf_count_t(n)) != sf_count_t(n)) {
            d->failed = true;
            return R::failed("cannot write " + d->path + ": " + sf_strerror(d->sf));
        }
        d->frames += std::int64_t(n);
    }
    return true;
}

std::int64_t WavWriter::frames() const { return d ? d->frames : 0; }
const std::string& WavWriter::path() const { return d->path; }

Result<bool> WavWriter::commit() {
    using R = Result<bool>;
    if (!d || !d->sf) return R::failed("the WAV writer is closed");
    if (d->failed) return R::failed("cannot write " + d->path + ": an earlier write failed");
    if (d->frames == 0) return R::invalid("cannot save " + d->path + ": there is no audio (0 samples)");
    std::string why;
    if (sf_close(d->sf) != 0) why = "closing the file failed";
    d->sf = nullptr;
    // The data is on disk before the rename makes it visible.
    if (why.empty() && ::fsync(d->fd) != 0) why = std::strerror(errno);
    if (::close(d->fd) != 0 && why.empty()) why = std::strerror(errno);
    d->fd = -1;
    if (!why.empty()) return R::failed("cannot write " + d->path + ": " + why);
    auto committed = io::commitTemporary(d->tmp.string(), d->path); // renames; removes it on failure
    d->tmp.clear();
    return committed;
}

Result<bool> saveWav(const std::string& path, const Audio& audio, const SaveWavOptions& opts) {
    return guarded<bool>("saving " + path, [&] { return writeWav(path, audio, opts); });
}

} // namespace reverie::speech

namespace reverie::speech {

Audio fromPcm16(const char* bytes, std::size_t size, int sampleRate) {
    Audio a;
    a.sampleRate = sampleRate;
    a.samples.resize(size / 2);
    for (std::size_t i = 0; i < a.samples.size(); ++i) {
        const auto lo = static_cast<unsigned char>(bytes[2 * i]), hi = static_cast<unsigned char>(bytes[2 * i + 1]);
        const auto v = static_cast<std::int16_t>(static_cast<std::uint16_t>(lo | (hi << 8)));
        a.samples[i] = float(v) / 32768.0f;
    }
    return a;
}

std::vector<float> residual(const std::vector<float>& noisy, const std::vector<float>& enhanced) {
    std::vector<float> out(std::min(noisy.size(), enhanced.size()));
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = noisy[i] - enhanced[i];
    return out;
}

} // namespace reverie::speech
