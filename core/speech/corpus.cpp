#include "speech/corpus.h"

#include "speech/audio.h"
#include "speech/rng.h"
#include "speech/room.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;

namespace reverie::speech {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kRate = 16000;

using Pcm = std::vector<std::int16_t>;

struct Utterance {
    std::string speaker, name;
    Pcm samples;
    double meanSquare = 0; ///< of the samples as floats in [−1, 1]
};

struct NoiseSource {
    std::string name;
    std::vector<Pcm> files;
};

Pcm toPcm(const std::vector<float>& x) {
    Pcm out(x.size());
    for (std::size_t i = 0; i < x.size(); ++i)
        out[i] = std::int16_t(std::lround(std::clamp(double(x[i]) * 32768.0, -32768.0, 32767.0)));
    return out;
}

double meanSquare(const float* x, std::size_t n) {
    double e = 0;
    for (std::size_t i = 0; i < n; ++i) e += double(x[i]) * double(x[i]);
    return n > 0 ? e / double(n) : 0.0;
}

double meanSquare(const Pcm& x) {
    double e = 0;
    for (const auto v : x) e += double(v) * double(v);
    return x.empty() ? 0.0 : e / double(x.size()) / (32768.0 * 32768.0);
}

double energy(const std::vector<float>& x) { return meanSquare(x.data(), x.size()) * double(x.size()); }

// `length` samples of x starting at a random offset; shorter x is placed at a random offset in
// silence (or, with wrap, repeated cyclically from a random start).
std::vector<float> crop(const Pcm& x, std::int64_t length, Rng& rng, bool wrap) {
    std::vector<float> out(std::size_t(length), 0.0f);
    const auto n = std::int64_t(x.size());
    if (n == 0) return out;
    constexpr float s = 1.0f / 32768.0f;
    if (n >= length) {
        const auto off = std::int64_t(rng.below(std::uint64_t(n - length + 1)));
        for (std::int64_t i = 0; i < length; ++i) out[std::size_t(i)] = s * x[std::size_t(off + i)];
    } else if (wrap) {
        const auto start = std::int64_t(rng.below(std::uint64_t(n)));
        for (std::int64_t i = 0; i < length; ++i) out[std::size_t(i)] = s * x[std::size_t((start + i) % n)];
    } else {
        const auto off = std::int64_t(rng.below(std::uint64_t(length - n + 1)));
        for (std::int64_t i = 0; i < n; ++i) out[std::size_t(off + i)] = s * x[std::size_t(i)];
    }
    return out;
}

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

std::vector<std::string> subfolders(const fs::path& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.is_directory() && e.path().filename().string().front() != '.') out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

const char* splitName(CorpusSplit s) {
    switch (s) {
    case CorpusSplit::Train: return "train";
    case CorpusSplit::Val: return "val";
    case CorpusSplit::Test: return "test";
    }
    return "?";
}

int splitIndex(CorpusSplit s) { return s == CorpusSplit::Train ? 0 : s == CorpusSplit::Val ? 1 : 2; }

// ---- synthetic noise families ----------------------------------------------------------------

std::vector<float> white(std::int64_t L, Rng& rng) {
    std::vector<float> n(static_cast<std::size_t>(L));
    for (auto& v : n) v = float(rng.normal());
    return n;
}

// Voss–McCartney: 16 held random rows, row k redrawn every 2^k samples, plus white.
std::vector<float> pink(std::int64_t L, Rng& rng) {
    std::vector<float> n(static_cast<std::size_t>(L));
    double rows[16];
    double sum = 0;
    for (double& r : rows) sum += (r = rng.normal());
    for (std::int64_t i = 0; i < L; ++i) {
        const int k = i == 0 ? 0 : std::min(15, __builtin_ctzll(std::uint64_t(i)));
        sum -= rows[k];
        sum += (rows[k] = rng.normal());
        n[std::size_t(i)] = float(sum + rng.normal());
    }
    return n;
}

// Leaky integration of white noise (corner ≈ 5 Hz at 16 kHz), mean removed.
std::vector<float> brown(std::int64_t L, Rng& rng) {
    std::vector<float> n(static_cast<std::size_t>(L));
    double b = 0, mean = 0;
    for (std::int64_t i = 0; i < L; ++i) {
        b = 0.998 * b + rng.normal();
        n[std::size_t(i)] = float(b);
        mean += b;
    }
    mean /= double(L);
    for (auto& v : n) v = float(v - mean);
    return n;
}

// White noise shaped to a spectral slope of `dbPerOctave` (amplitude ∝ f^(slope/6.02)) above 50 Hz.
std::vector<float> slope(std::int64_t L, Rng& rng) {
    const double dbPerOctave = rng.uniform(-9.0, 3.0);
    auto n = white(L, rng);
    at::NoGradGuard ng;
    const auto x = at::from_blob(n.data(), {L}, at::kFloat).to(at::kDouble);
    auto spec = at::fft_rfft(x);
    const auto f = at::arange(spec.size(0), at::kDouble) * (double(kRate) / double(L));
    const auto gain = at::pow(at::clamp_min(f, 50.0) / 1000.0, dbPerOctave / 6.0206);
    const auto y = at::fft_irfft(spec * gain, L).to(at::kFloat).contiguous();
    return std::vector<float>(y.data_ptr<float>(), y.data_ptr<float>() + L);
}

// 1–4 tones (150–5000 Hz, log-uniform), steady or beeping, over a faint noise floor.
std::vector<float> tonal(std::int64_t L, Rng& rng) {
    std::vector<float> n(std::size_t(L), 0.0f);
    const int tones = 1 + int(rng.below(4));
    for (int t = 0; t < tones; ++t) {
        const double f = std::exp(rng.uniform(std::log(150.0), std::log(5000.0)));
        const double a = rng.uniform(0.3, 1.0), phase = rng.uniform(0, 2 * kPi);
        const bool beeping = rng.uniform() < 0.5;
        const double period = rng.uniform(0.1, 1.0) * kRate, duty = rng.uniform(0.3, 0.7), shift = rng.uniform(0, period);
        for (std::int64_t i = 0; i < L; ++i) {
            if (beeping && std::fmod(double(i) + shift, period) > duty * period) continue;
            n[std::size_t(i)] += float(a * std::sin(2 * kPi * f * double(i) / kRate + phase));
        }
    }
    for (auto& v : n) v += float(0.01 * rng.normal());
    return n;
}

// Clicks and knocks: 2–20 per second, each a decaying burst of noise or a damped tone.
std::vector<float> impulsive(std::int64_t L, Rng& rng) {
    std::vector<float> n(std::size_t(L), 0.0f);
    const double rate = rng.uniform(2.0, 20.0);
    const auto count = std::int64_t(std::max(1.0, rate * double(L) / kRate));
    for (std::int64_t e = 0; e < count; ++e) {
        const auto at = std::int64_t(rng.below(std::uint64_t(L)));
        const double tau = rng.uniform(0.001, 0.02) * kRate, a = rng.uniform(0.3, 1.0);
        const bool knock = rng.uniform() < 0.5;
        const double f = rng.uniform(100.0, 1000.0);
        for (std::int64_t i = at; i < std::min(L, at + std::int64_t(6 * tau)); ++i) {
            const double t = double(i - at), env = a * std::exp(-t / tau);
            n[std::size_t(i)] += float(env * (knock ? std::sin(2 * kPi * f * t / kRate) : rng.normal()));
        }
    }
    return n;
}

// Mains hum: 50 or 60 Hz with up to 12 harmonics (random levels, falling on average), a little buzz.
std::vector<float> hum(std::int64_t L, Rng& rng) {
    std::vector<float> n(std::size_t(L), 0.0f);
    const double f0 = rng.uniform() < 0.5 ? 50.0 : 60.0;
    const int harmonics = 3 + int(rng.below(10));
    for (int k = 1; k <= harmonics; ++k) {
        const double a = rng.uniform(0.2, 1.0) / k, phase = rng.uniform(0, 2 * kPi);
        for (std::int64_t i = 0; i < L; ++i) n[std::size_t(i)] += float(a * std::sin(2 * kPi * f0 * k * double(i) / kRate + phase));
    }
    for (auto& v : n) v += float(0.005 * rng.normal());
    return n;
}

} // namespace

struct Corpus::Data {
    CorpusOptions opts;
    bool split = false;
    std::array<std::vector<Utterance>, 3> speech;   ///< by splitIndex
    std::array<std::vector<NoiseSource>, 3> noise;  ///< by splitIndex (speakers layout: music)
};

std::string defaultSpeechDir() {
    if (const char* env = std::getenv("REVERIE_SPEECH_DIR"); env && *env) return env;
    return "/usr/local/share/reverie/speech";
}

std::string defaultNoiseDir() {
    if (const char* env = std::getenv("REVERIE_NOISE_DIR"); env && *env) return env;
    return "/usr/local/share/reverie/noise";
}

std::string toString(NoiseKind k) {
    switch (k) {
    case NoiseKind::Music: return "music";
    case NoiseKind::White: return "white";
    case NoiseKind::Pink: return "pink";
    case NoiseKind::Brown: return "brown";
    case NoiseKind::Babble: return "babble";
    case NoiseKind::Recorded: return "recorded";
    case NoiseKind::Slope: return "slope";
    case NoiseKind::Tonal: return "tonal";
    case NoiseKind::Impulsive: return "impulsive";
    case NoiseKind::Hum: return "hum";
    case NoiseKind::None: return "none";
    }
    return "?";
}

std::optional<NoiseKind> parseNoiseKind(const std::string& name) {
    for (const auto k : {NoiseKind::Music, NoiseKind::White, NoiseKind::Pink, NoiseKind::Brown, NoiseKind::Babble,
                         NoiseKind::Recorded, NoiseKind::Slope, NoiseKind::Tonal, NoiseKind::Impulsive, NoiseKind::Hum,
                         NoiseKind::None})
        if (toString(k) == name) return k;
    return std::nullopt;
}

Result<Corpus> Corpus::load(const CorpusOptions& optsIn) {
    using R = Result<Corpus>;
    auto data = std::make_shared<Data>();
    data->opts = optsIn;
    auto& o = data->opts;
    if (o.dir.empty()) o.dir = defaultSpeechDir();
    if (o.noiseDir.empty()) o.noiseDir = defaultNoiseDir();
    if (o.layout != "speakers" && o.layout != "split") return R::invalid("corpus: unknown layout '" + o.layout + "'");
    data->split = o.layout == "split";
    if (o.length < 256) return R::invalid("corpus: a mixture needs at least 256 samples");
    if (!(o.snrMin <= o.snrMax) || !std::isfinite(o.snrMin) || !std::isfinite(o.snrMax))
        return R::invalid("corpus: need a finite snr_min <= snr_max");
    if (o.noises.empty()) return R::invalid("corpus: no noise kinds");
    if (!(o.reverbShare >= 0 && o.reverbShare <= 1)) return R::invalid("corpus: reverb_share must be in [0, 1]");
    if (!(o.roomShare >= 0 && o.roomShare <= 1)) return R::invalid("corpus: room_share must be in [0, 1]");
    if (!(o.t60Min > 0 && o.t60Max >= o.t60Min && o.t60Max <= 2)) return R::invalid("corpus: need 0 < t60_min <= t60_max <= 2");

    auto loadSpeaker = [&](const fs::path& folder, const std::string& speaker, std::vector<Utterance>* out) -> Result<bool> {
        auto files = wavFiles(folder, o.maxFilesPerSpeaker);
        if (!files) return files.error();
        const auto before = out->size();
        for (const auto& f : files.value()) {
            auto a = loadAudio(f.string(), kRate);
            if (!a) return a.error();
            Utterance u{speaker, f.filename().string(), toPcm(a.value().samples), 0};
            u.meanSquare = meanSquare(u.samples);
            if (u.meanSquare > 0) out->push_back(std::move(u)); // silent files carry no speech
        }
        if (out->size() == before) return Result<bool>::invalid("speech folder " + folder.string() + " holds only silent files");
        return true;
    };
    auto loadNoise = [&](const fs::path& folder, std::int64_t minLength, bool cutForTest, int split) -> Result<bool> {
        auto files = wavFiles(folder, 0);
        if (!files) return files.error();
        NoiseSource src{folder.filename().string(), {}};
        NoiseSource testPart{src.name, {}};
        for (const auto& f : files.value()) {
            auto a = loadAudio(f.string(), kRate);
            if (!a) return a.error();
            auto pcm = toPcm(a.value().samples);
            if (meanSquare(pcm) <= 0) continue;
            if (cutForTest) { // speakers layout: music split in time, 80 % to train
                const std::size_t cut = pcm.size() * 4 / 5;
                if (cut >= std::size_t(minLength)) src.files.emplace_back(pcm.begin(), pcm.begin() + std::ptrdiff_t(cut));
                if (pcm.size() - cut >= std::size_t(minLength)) testPart.files.emplace_back(pcm.begin() + std::ptrdiff_t(cut), pcm.end());
            } else {
                src.files.push_back(std::move(pcm));
            }
        }
        if (cutForTest) {
            if (src.files.empty() || testPart.files.empty())
                return Result<bool>::invalid("the music in " + folder.string() + " is too short for mixtures of " +
                                             std::to_string(minLength) + " samples");
            data->noise[0].push_back(std::move(src));
            data->noise[2].push_back(std::move(testPart));
        } else if (!src.files.empty()) {
            data->noise[std::size_t(split)].push_back(std::move(src));
        }
        return true;
    };

    if (data->split) {
        for (const CorpusSplit s : {CorpusSplit::Train, CorpusSplit::Val, CorpusSplit::Test}) {
            const int k = splitIndex(s);
            const fs::path sdir = fs::path(o.dir) / splitName(s);
            for (const auto& sp : subfolders(sdir))
                if (auto r = loadSpeaker(sdir / sp, sp, &data->speech[std::size_t(k)]); !r) return r.error();
            if (data->speech[std::size_t(k)].empty())
                return R::invalid("speech folder " + sdir.string() + " holds no speakers (run packaging/install-deps.sh)");
            const fs::path ndir = fs::path(o.noiseDir) / splitName(s);
            for (const auto& ns : subfolders(ndir))
                if (auto r = loadNoise(ndir / ns, 0, false, k); !r) return r.error();
            const bool needsRecorded = std::count(o.noises.begin(), o.noises.end(), NoiseKind::Recorded) > 0 ||
                                       std::count(o.noises.begin(), o.noises.end(), NoiseKind::Music) > 0;
            if (needsRecorded && data->noise[std::size_t(k)].empty())
                return R::invalid("noise folder " + ndir.string() + " holds no recordings (run packaging/install-deps.sh)");
        }
    } else {
        if (o.trainSpeakers.empty()) return R::invalid("corpus: no training speakers");
        if (std::find(o.trainSpeakers.begin(), o.trainSpeakers.end(), o.testSpeaker) != o.trainSpeakers.end())
            return R::invalid("corpus: the test speaker '" + o.testSpeaker + "' is also a training speaker");
        for (const auto& s : o.trainSpeakers)
            if (auto r = loadSpeaker(fs::path(o.dir) / s, s, &data->speech[0]); !r) return r.error();
        if (auto r = loadSpeaker(fs::path(o.dir) / o.testSpeaker, o.testSpeaker, &data->speech[2]); !r) return r.error();
        data->speech[1] = data->speech[2]; // the held-out speaker serves validation too
        if (std::find(o.noises.begin(), o.noises.end(), NoiseKind::Music) != o.noises.end()) {
            if (auto r = loadNoise(fs::path(o.dir) / "moh", o.length, true, 0); !r) return r.error();
            data->noise[1] = data->noise[2];
        }
    }
    Corpus c;
    c.d = data;
    return c;
}

std::size_t Corpus::utterances(CorpusSplit split) const { return d->speech[std::size_t(splitIndex(split))].size(); }

std::size_t Corpus::noiseFiles(CorpusSplit split) const {
    std::size_t n = 0;
    for (const auto& s : d->noise[std::size_t(splitIndex(split))]) n += s.files.size();
    return n;
}

const CorpusOptions& Corpus::options() const { return d->opts; }

namespace {

// Picks a crop that holds speech (at least a tenth of its utterance's mean power).
std::size_t pickClean(const std::vector<Utterance>& pool, std::int64_t L, Rng& rng, Mixture& m) {
    std::size_t u = 0;
    for (int attempt = 0; attempt < 8; ++attempt) {
        u = std::size_t(rng.below(pool.size()));
        m.clean = crop(pool[u].samples, L, rng, false);
        if (meanSquare(m.clean.data(), m.clean.size()) >= 0.1 * pool[u].meanSquare) break;
    }
    if (energy(m.clean) <= 0) m.clean = crop(pool[u].samples, L, rng, true);
    m.speaker = pool[u].speaker;
    m.utterance = pool[u].name;
    return u;
}

// A recorded noise: one source of the split, filled with crops of its files one after another.
std::vector<float> recorded(const std::vector<NoiseSource>& sources, std::int64_t L, Rng& rng, std::string* name) {
    std::vector<float> n(std::size_t(L), 0.0f);
    if (sources.empty()) return n;
    const auto& src = sources[std::size_t(rng.below(sources.size()))];
    *name = src.name;
    std::int64_t pos = 0;
    while (pos < L) {
        const auto& f = src.files[std::size_t(rng.below(src.files.size()))];
        const std::int64_t take = std::min<std::int64_t>(L - pos, std::max<std::int64_t>(std::int64_t(f.size()), 1));
        const auto piece = crop(f, take, rng, true);
        std::copy(piece.begin(), piece.end(), n.begin() + pos);
        pos += take;
    }
    return n;
}

} // namespace

Mixture Corpus::mixture(CorpusSplit split, std::uint64_t seed, std::uint64_t index) const {
    const auto& o = d->opts;
    Rng rng(splitmix(splitmix(seed) ^ (index * 2 + (split == CorpusSplit::Train ? 0 : 1) + (split == CorpusSplit::Val ? 1ULL << 62 : 0))));
    Mixture m;
    const std::size_t u = pickClean(d->speech[std::size_t(splitIndex(split))], o.length, rng, m);
    const NoiseKind kind = o.noises[std::size_t(rng.below(o.noises.size()))];
    const double snr = o.snrMin + (o.snrMax - o.snrMin) * rng.uniform();
    double t60 = 0;
    if (o.reverbShare > 0 && rng.uniform() < o.reverbShare) t60 = rng.uniform(o.t60Min, o.t60Max);
    bool keepRoom = false;
    if (o.roomShare > 0) { // two draws whatever happens, so that the stream below stays put
        const double pick = rng.uniform(), at = rng.uniform();
        if (t60 == 0 && pick < o.roomShare) {
            t60 = o.t60Min + (o.t60Max - o.t60Min) * at;
            keepRoom = true;
        }
    }
    (void)u;
    return mixture(split, seed, index, kind, snr, t60, keepRoom);
}

Mixture Corpus::mixture(CorpusSplit split, std::uint64_t seed, std::uint64_t index, NoiseKind kind,
                        double snrDb, double t60, bool keepRoom) const {
    const auto& o = d->opts;
    const std::int64_t L = o.length;
    const int k = splitIndex(split);
    Rng rng(splitmix(splitmix(seed) ^ (index * 2 + (split == CorpusSplit::Train ? 0 : 1) + (k == 1 ? 1ULL << 62 : 0))));
    const auto& pool = d->speech[std::size_t(k)];
    Mixture m;
    const std::size_t u = pickClean(pool, L, rng, m);
    // The draws of the family, SNR and room happen in the other overload; replay them so that
    // the noise below depends on (split, seed, index) alone in both.
    rng.below(o.noises.size());
    rng.uniform();
    if (o.reverbShare > 0) {
        rng.uniform();
        rng.uniform();
    }
    if (o.roomShare > 0) {
        rng.uniform();
        rng.uniform();
    }
    m.kind = kind;
    m.snrDb = kind == NoiseKind::None ? 100.0 : snrDb;
    m.t60 = t60;

    std::vector<float> speech = m.clean;
    if (t60 > 0) {
        const auto seedRoom = splitmix(seed ^ (index * 0x9E37ULL + std::uint64_t(k)));
        speech = convolve(m.clean, roomImpulseResponse(randomRoom(t60, seedRoom), kRate, seedRoom));
        if (keepRoom) {
            m.clean = speech;
            m.roomKept = true;
        }
    }

    std::vector<float> n;
    switch (kind) {
    case NoiseKind::White: n = white(L, rng); break;
    case NoiseKind::Pink: n = pink(L, rng); break;
    case NoiseKind::Brown: n = brown(L, rng); break;
    case NoiseKind::Slope: n = slope(L, rng); break;
    case NoiseKind::Tonal: n = tonal(L, rng); break;
    case NoiseKind::Impulsive: n = impulsive(L, rng); break;
    case NoiseKind::Hum: n = hum(L, rng); break;
    case NoiseKind::None: n.assign(std::size_t(L), 0.0f); break;
    case NoiseKind::Music:
    case NoiseKind::Recorded: {
        const auto& sources = d->noise[std::size_t(k)];
        if (!d->split) { // the first corpus: one piece of music of the split
            n.assign(std::size_t(L), 0.0f);
            for (int attempt = 0; attempt < 8 && !sources.empty(); ++attempt) {
                const auto& files = sources.front().files;
                const std::size_t f = std::size_t(rng.below(files.size()));
                n = crop(files[f], L, rng, false);
                m.noiseSource = "moh-" + std::to_string(f);
                if (energy(n) > 1e-6 * double(L)) break;
            }
        } else {
            n = recorded(sources, L, rng, &m.noiseSource);
        }
        break;
    }
    case NoiseKind::Babble: {
        // 3–5 utterances of other talkers (never the clean one), each at unit RMS: the split's own
        // talkers (the first corpus: the training speakers, whatever the split).
        n.assign(std::size_t(L), 0.0f);
        const auto& talkersPool = d->split ? pool : d->speech[0];
        const int talkers = 3 + int(rng.below(3));
        for (int t = 0; t < talkers; ++t) {
            std::size_t b = std::size_t(rng.below(talkersPool.size()));
            if (&talkersPool == &pool && b == u && pool.size() > 1) b = (b + 1) % pool.size();
            const auto& src = talkersPool[b];
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
    if (kind != NoiseKind::None && energy(n) <= 0) // silent recording or babble: white instead
        n = white(L, rng);

    // Scale the noise to the SNR against the speech as heard, in double precision.
    const double es = energy(speech), en = energy(n);
    const double gain = kind == NoiseKind::None || es <= 0 || en <= 0 ? 0.0 : std::sqrt(es / (en * std::pow(10.0, m.snrDb / 10.0)));
    m.noise.resize(n.size());
    m.noisy.resize(n.size());
    double peak = 0;
    for (std::size_t i = 0; i < n.size(); ++i) {
        m.noisy[i] = speech[i] + float(gain * n[i]);
        m.noise[i] = m.noisy[i] - m.clean[i];
        peak = std::max(peak, double(std::fabs(m.noisy[i])));
    }
    // Keep the mixture inside [−0.9, 0.9] (it may be saved as 16-bit WAV); the SNR is unchanged.
    if (peak > 0.9) {
        const float s = float(0.9 / peak);
        for (std::size_t i = 0; i < n.size(); ++i) {
            m.clean[i] *= s;
            m.noisy[i] *= s;
            m.noise[i] = m.noisy[i] - m.clean[i];
        }
    }
    return m;
}

} // namespace reverie::speech
