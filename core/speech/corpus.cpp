#include "speech/corpus.h"

#include "speech/audio.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;

namespace reverie::speech {

namespace {

constexpr double kPi = 3.14159265358979323846;

struct Utterance {
    std::string speaker, name;
    std::vector<float> samples;
    double meanSquare = 0;
};

std::uint64_t splitmix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// A SplitMix64 stream with its own uniform and normal draws (the standard library's
// distributions are not specified bit for bit, these are).
class Rng {
public:
    explicit Rng(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next() {
        m_state += 0x9E3779B97F4A7C15ULL;
        std::uint64_t z = m_state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    double uniform() { return double(next() >> 11) * 0x1.0p-53; } // [0, 1)
    std::uint64_t below(std::uint64_t n) { return n <= 1 ? 0 : next() % n; }
    double normal() {
        if (m_hasSpare) {
            m_hasSpare = false;
            return m_spare;
        }
        const double u1 = 1.0 - uniform(), u2 = uniform(); // u1 in (0, 1]
        const double r = std::sqrt(-2.0 * std::log(u1));
        m_spare = r * std::sin(2 * kPi * u2);
        m_hasSpare = true;
        return r * std::cos(2 * kPi * u2);
    }

private:
    std::uint64_t m_state;
    double m_spare = 0;
    bool m_hasSpare = false;
};

double meanSquare(const float* x, std::size_t n) {
    double e = 0;
    for (std::size_t i = 0; i < n; ++i) e += double(x[i]) * double(x[i]);
    return n > 0 ? e / double(n) : 0.0;
}

double energy(const std::vector<float>& x) { return meanSquare(x.data(), x.size()) * double(x.size()); }

// `length` samples of x starting at a random offset; shorter x is placed at a random offset in
// silence (or, with wrap, repeated cyclically from a random start).
std::vector<float> crop(const std::vector<float>& x, std::int64_t length, Rng& rng, bool wrap) {
    std::vector<float> out(std::size_t(length), 0.0f);
    const auto n = std::int64_t(x.size());
    if (n == 0) return out;
    if (n >= length) {
        const auto off = std::int64_t(rng.below(std::uint64_t(n - length + 1)));
        std::copy(x.begin() + off, x.begin() + off + length, out.begin());
    } else if (wrap) {
        const auto start = std::int64_t(rng.below(std::uint64_t(n)));
        for (std::int64_t i = 0; i < length; ++i) out[std::size_t(i)] = x[std::size_t((start + i) % n)];
    } else {
        const auto off = std::int64_t(rng.below(std::uint64_t(length - n + 1)));
        std::copy(x.begin(), x.end(), out.begin() + off);
    }
    return out;
}

} // namespace

struct Corpus::Data {
    CorpusOptions opts;
    std::vector<Utterance> train, test;
    std::vector<std::vector<float>> musicTrain, musicTest;
};

std::string defaultSpeechDir() {
    if (const char* env = std::getenv("REVERIE_SPEECH_DIR"); env && *env) return env;
    return "/usr/local/share/reverie/speech";
}

std::string toString(NoiseKind k) {
    switch (k) {
    case NoiseKind::Music: return "music";
    case NoiseKind::White: return "white";
    case NoiseKind::Pink: return "pink";
    case NoiseKind::Brown: return "brown";
    case NoiseKind::Babble: return "babble";
    }
    return "?";
}

namespace {

Result<std::vector<fs::path>> wavFiles(const fs::path& folder, int limit) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec))
        return Result<std::vector<fs::path>>::invalid(
            "speech folder " + folder.string() + " does not exist (run packaging/install-deps.sh, or set REVERIE_SPEECH_DIR)");
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(folder, ec))
        if (e.is_regular_file() && e.path().extension() == ".wav") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    if (limit > 0 && int(files.size()) > limit) files.resize(std::size_t(limit));
    if (files.empty())
        return Result<std::vector<fs::path>>::invalid("speech folder " + folder.string() +
                                                      " holds no .wav files (run packaging/install-deps.sh)");
    return files;
}

} // namespace

Result<Corpus> Corpus::load(const CorpusOptions& optsIn) {
    auto data = std::make_shared<Data>();
    data->opts = optsIn;
    auto& o = data->opts;
    if (o.dir.empty()) o.dir = defaultSpeechDir();
    if (o.length < 256) return Result<Corpus>::invalid("corpus: a mixture needs at least 256 samples");
    if (!(o.snrMin <= o.snrMax) || !std::isfinite(o.snrMin) || !std::isfinite(o.snrMax))
        return Result<Corpus>::invalid("corpus: need a finite snr_min <= snr_max");
    if (o.noises.empty()) return Result<Corpus>::invalid("corpus: no noise kinds");
    if (o.trainSpeakers.empty()) return Result<Corpus>::invalid("corpus: no training speakers");
    if (std::find(o.trainSpeakers.begin(), o.trainSpeakers.end(), o.testSpeaker) != o.trainSpeakers.end())
        return Result<Corpus>::invalid("corpus: the test speaker '" + o.testSpeaker + "' is also a training speaker");

    auto loadSpeaker = [&](const std::string& speaker, std::vector<Utterance>* out) -> Result<bool> {
        auto files = wavFiles(fs::path(o.dir) / speaker, o.maxFilesPerSpeaker);
        if (!files) return files.error();
        for (const auto& f : files.value()) {
            auto a = loadAudio(f.string(), 16000);
            if (!a) return a.error();
            Utterance u{speaker, f.filename().string(), std::move(a.value().samples), 0};
            u.meanSquare = meanSquare(u.samples.data(), u.samples.size());
            if (u.meanSquare > 0) out->push_back(std::move(u)); // silent files carry no speech
        }
        if (out->empty()) return Result<bool>::invalid("speech folder " + (fs::path(o.dir) / speaker).string() + " holds only silent files");
        return true;
    };
    for (const auto& s : o.trainSpeakers)
        if (auto r = loadSpeaker(s, &data->train); !r) return r.error();
    if (auto r = loadSpeaker(o.testSpeaker, &data->test); !r) return r.error();

    if (std::find(o.noises.begin(), o.noises.end(), NoiseKind::Music) != o.noises.end()) {
        auto files = wavFiles(fs::path(o.dir) / "moh", 0);
        if (!files) return files.error();
        for (const auto& f : files.value()) {
            auto a = loadAudio(f.string(), 16000);
            if (!a) return a.error();
            const auto& s = a.value().samples;
            const std::size_t cut = s.size() * 4 / 5;
            if (cut >= std::size_t(o.length)) data->musicTrain.emplace_back(s.begin(), s.begin() + std::ptrdiff_t(cut));
            if (s.size() - cut >= std::size_t(o.length)) data->musicTest.emplace_back(s.begin() + std::ptrdiff_t(cut), s.end());
        }
        if (data->musicTrain.empty() || data->musicTest.empty())
            return Result<Corpus>::invalid("the music in " + (fs::path(o.dir) / "moh").string() + " is too short for mixtures of " +
                                           std::to_string(o.length) + " samples");
    }
    Corpus c;
    c.d = data;
    return c;
}

std::size_t Corpus::utterances(CorpusSplit split) const {
    return split == CorpusSplit::Train ? d->train.size() : d->test.size();
}

const CorpusOptions& Corpus::options() const { return d->opts; }

Mixture Corpus::mixture(CorpusSplit split, std::uint64_t seed, std::uint64_t index) const {
    const auto& o = d->opts;
    const std::int64_t L = o.length;
    Rng rng(splitmix(splitmix(seed) ^ (index * 2 + (split == CorpusSplit::Test ? 1 : 0))));
    const auto& pool = split == CorpusSplit::Train ? d->train : d->test;
    Mixture m;

    // Clean speech: a crop that holds speech (at least a tenth of its utterance's mean power).
    std::size_t u = 0;
    for (int attempt = 0; attempt < 8; ++attempt) {
        u = std::size_t(rng.below(pool.size()));
        m.clean = crop(pool[u].samples, L, rng, false);
        if (meanSquare(m.clean.data(), m.clean.size()) >= 0.1 * pool[u].meanSquare) break;
    }
    if (energy(m.clean) <= 0) m.clean = crop(pool[u].samples, L, rng, true);
    m.speaker = pool[u].speaker;
    m.utterance = pool[u].name;

    m.kind = o.noises[std::size_t(rng.below(o.noises.size()))];
    m.snrDb = o.snrMin + (o.snrMax - o.snrMin) * rng.uniform();
    std::vector<float> n(std::size_t(L), 0.0f);
    switch (m.kind) {
    case NoiseKind::White:
        for (auto& v : n) v = float(rng.normal());
        break;
    case NoiseKind::Pink: {
        // Voss–McCartney: 16 held random rows, row k redrawn every 2^k samples, plus white.
        double rows[16];
        double sum = 0;
        for (double& r : rows) sum += (r = rng.normal());
        for (std::int64_t i = 0; i < L; ++i) {
            const int k = i == 0 ? 0 : std::min(15, __builtin_ctzll(std::uint64_t(i)));
            sum -= rows[k];
            sum += (rows[k] = rng.normal());
            n[std::size_t(i)] = float(sum + rng.normal());
        }
        break;
    }
    case NoiseKind::Brown: {
        // Leaky integration of white noise (corner ≈ 5 Hz at 16 kHz), mean removed.
        double b = 0, mean = 0;
        for (std::int64_t i = 0; i < L; ++i) {
            b = 0.998 * b + rng.normal();
            n[std::size_t(i)] = float(b);
            mean += b;
        }
        mean /= double(L);
        for (auto& v : n) v = float(v - mean);
        break;
    }
    case NoiseKind::Music: {
        const auto& pieces = split == CorpusSplit::Train ? d->musicTrain : d->musicTest;
        for (int attempt = 0; attempt < 8; ++attempt) {
            n = crop(pieces[std::size_t(rng.below(pieces.size()))], L, rng, false);
            if (energy(n) > 1e-6 * double(L)) break;
        }
        break;
    }
    case NoiseKind::Babble: {
        // 3–5 utterances of the training speakers (never the clean one), each at unit RMS.
        const int talkers = 3 + int(rng.below(3));
        for (int t = 0; t < talkers; ++t) {
            std::size_t b = std::size_t(rng.below(d->train.size()));
            if (split == CorpusSplit::Train && b == u) b = (b + 1) % d->train.size();
            const auto& src = d->train[b];
            const auto c = crop(src.samples, L, rng, true);
            const double ms = meanSquare(c.data(), c.size());
            if (ms <= 0) continue;
            const double g = 1.0 / std::sqrt(ms);
            for (std::size_t i = 0; i < n.size(); ++i) n[i] += float(g * c[i]);
            m.babbleSpeakers.push_back(src.speaker);
        }
        break;
    }
    }
    if (energy(n) <= 0) // silent music or babble (cannot happen with the shipped data): white instead
        for (auto& v : n) v = float(rng.normal());

    // Scale the noise to the SNR, in double precision.
    const double es = energy(m.clean), en = energy(n);
    const double gain = es > 0 ? std::sqrt(es / (en * std::pow(10.0, m.snrDb / 10.0))) : 0.0;
    m.noise.resize(n.size());
    m.noisy.resize(n.size());
    double peak = 0;
    for (std::size_t i = 0; i < n.size(); ++i) {
        m.noise[i] = float(gain * n[i]);
        m.noisy[i] = m.clean[i] + m.noise[i];
        peak = std::max(peak, double(std::fabs(m.noisy[i])));
    }
    // Keep the mixture inside [−0.9, 0.9] (it may be saved as 16-bit WAV); the SNR is unchanged.
    if (peak > 0.9) {
        const float s = float(0.9 / peak);
        for (std::size_t i = 0; i < n.size(); ++i) {
            m.clean[i] *= s;
            m.noise[i] *= s;
            m.noisy[i] = m.clean[i] + m.noise[i];
        }
    }
    return m;
}

} // namespace reverie::speech
