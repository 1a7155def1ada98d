// Enhance groundwork: the SGMSE+ representation (exact round trips, frame padding, the window and
// scale of the STFT), robust audio files (formats, channels, rates, damaged files, atomic saves,
// streaming in bounded memory) and the speech metrics (SI-SDR/SIR/SAR, ESTOI) against values
// derived by hand.

#include "speech/audio.h"
#include "speech/metrics.h"
#include "speech/stft.h"

#include "fixtures.h"

#include <ATen/ATen.h>

#include <QtTest>

#include <sndfile.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

using namespace reverie;
using namespace reverie::speech;
namespace fs = std::filesystem;

namespace {

constexpr double kPi = 3.14159265358979323846;

std::vector<float> sine(double freq, int rate, double seconds, double amp = 0.5, double phase = 0) {
    std::vector<float> v(std::size_t(std::llround(seconds * rate)));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = float(amp * std::sin(2 * kPi * freq * double(i) / rate + phase));
    return v;
}

std::vector<float> gaussian(std::size_t n, unsigned seed, double sd = 1.0) {
    std::mt19937 gen(seed);
    std::normal_distribution<double> d(0.0, sd);
    std::vector<float> v(n);
    for (float& x : v) x = float(d(gen));
    return v;
}

double energy(const std::vector<float>& v) {
    double e = 0;
    for (const float x : v) e += double(x) * x;
    return e;
}

std::vector<float> axpy(const std::vector<float>& s, double a, const std::vector<float>& n) {
    std::vector<float> out(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) out[i] = float(s[i] + a * n[i]);
    return out;
}

// Writes interleaved frames with libsndfile; the format is a full SF_FORMAT_* combination.
bool writeSnd(const std::string& path, int format, int rate, int channels, const std::vector<float>& interleaved) {
    SF_INFO info{};
    info.samplerate = rate;
    info.channels = channels;
    info.format = format;
    SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
    if (!f) return false;
    const sf_count_t frames = sf_count_t(interleaved.size()) / channels;
    const bool ok = sf_writef_float(f, interleaved.data(), frames) == frames;
    return sf_close(f) == 0 && ok;
}

// Frequency of a sine from its upward zero crossings (linearly interpolated), away from the ends.
double zeroCrossingFrequency(const std::vector<float>& v, int rate) {
    const std::size_t skip = v.size() / 10;
    double first = -1, last = -1;
    int count = 0;
    for (std::size_t i = skip; i + 1 < v.size() - skip; ++i) {
        if (v[i] < 0 && v[i + 1] >= 0) {
            const double t = double(i) + v[i] / (v[i] - v[i + 1]);
            if (first < 0) first = t;
            last = t;
            ++count;
        }
    }
    return count > 1 ? (count - 1) * rate / (last - first) : 0.0;
}

double rms(const std::vector<float>& v, std::size_t from, std::size_t to) {
    double e = 0;
    for (std::size_t i = from; i < to; ++i) e += double(v[i]) * v[i];
    return std::sqrt(e / double(to - from));
}

std::size_t residentBytes() {
    std::ifstream in("/proc/self/status");
    std::string key;
    while (in >> key) {
        if (key == "VmRSS:") {
            std::size_t kb = 0;
            in >> kb;
            return kb * 1024;
        }
        in.ignore(1 << 20, '\n');
    }
    return 0;
}

// A speech-like test signal: 15 carriers at the ESTOI band centres, each amplitude-modulated at
// its own syllable-like rate (2..8 Hz), with two silent gaps (exercising silent-frame removal).
std::vector<float> speechLike(int rate, double seconds, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<double> fm(2.0, 8.0), ph(0.0, 2 * kPi);
    std::vector<double> f(15), m(15), p(15), q(15);
    for (int k = 0; k < 15; ++k) {
        f[std::size_t(k)] = 150.0 * std::pow(2.0, k / 3.0) * (1.0 + 0.02 * (k % 3));
        m[std::size_t(k)] = fm(gen);
        p[std::size_t(k)] = ph(gen);
        q[std::size_t(k)] = ph(gen);
    }
    std::vector<float> v(std::size_t(seconds * rate));
    for (std::size_t i = 0; i < v.size(); ++i) {
        const double t = double(i) / rate;
        if ((t > 1.0 && t < 1.25) || (t > 2.2 && t < 2.4)) continue; // pauses
        double x = 0;
        for (std::size_t k = 0; k < 15; ++k)
            x += (1.0 + 0.9 * std::sin(2 * kPi * m[k] * t + p[k])) * std::sin(2 * kPi * f[k] * t + q[k]) / (1.0 + 0.1 * double(k));
        v[i] = float(0.05 * x);
    }
    return v;
}

double maxRelError(const at::Tensor& got, const at::Tensor& want) {
    return ((got - want).abs().max() / want.abs().max()).item<double>();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

} // namespace

class TestSpeech : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::string file(const char* name) const { return (fs::path(m_dir.path().toStdString()) / name).string(); }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    // ---- the SGMSE+ representation ----------------------------------------------------------

    void stftRoundTrip_data() {
        QTest::addColumn<qint64>("len");
        QTest::newRow("1 s") << qint64(16000);
        QTest::newRow("odd length") << qint64(3 * 16000 + 77);
        QTest::newRow("one hop") << qint64(128 * 64);
        QTest::newRow("just long enough to reflect") << qint64(256);
        QTest::newRow("shorter than half a window") << qint64(100);
    }
    void stftRoundTrip() {
        QFETCH(qint64, len);
        const std::int64_t length = len;
        at::manual_seed(1);
        const auto x = at::randn({length}) * 0.3;
        const auto spec = speech::stft(x);
        QCOMPARE(spec.size(0), std::int64_t(256));
        QCOMPARE(spec.size(1), frameCount(length));
        if (length >= 256) QCOMPARE(spec.size(1), 1 + length / 128);
        const auto back = speech::istft(spec, length);
        QCOMPARE(back.size(0), length);
        const double err = maxRelError(back, x);
        qInfo("T = %lld: STFT->iSTFT max error %.2e of max |x|", (long long)length, err);
        QVERIFY2(err < 1e-5, qPrintable(QString::number(err)));
        // Batches transform row by row.
        const auto xb = at::stack({x, -0.5 * x});
        const auto bb = speech::istft(speech::stft(xb), length);
        QVERIFY(maxRelError(bb[1], -0.5 * x) < 1e-5);
    }

    void stftWindowAndScale() {
        // x = cos(2π k n / 510): in a full interior frame, X[k] = ½ Σ w = N/4 = 127.5 for the periodic
        // Hann window (Σ w = N/2 exactly), and X[k±1] = ½ · (−N/4) → |X| = N/8 = 63.75. A symmetric
        // window or a normalised STFT would give other values.
        const int k = 20, n = 510;
        std::vector<float> v(16000);
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = float(std::cos(2 * kPi * k * double(i) / n));
        const auto spec = speech::stft(at::tensor(v)).abs();
        const int frame = 30;
        QVERIFY2(std::abs(spec[k][frame].item<double>() - 127.5) < 1e-3, qPrintable(QString::number(spec[k][frame].item<double>())));
        QVERIFY(std::abs(spec[k + 1][frame].item<double>() - 63.75) < 1e-3);
        QVERIFY(std::abs(spec[k - 1][frame].item<double>() - 63.75) < 1e-3);
        QVERIFY(spec[k + 3][frame].item<double>() < 1e-3);
        const auto w = hannWindow();
        QCOMPARE(w.size(0), std::int64_t(510));
        QCOMPARE(w[0].item<float>(), 0.0f);
        QVERIFY(std::abs(w.sum().item<double>() - 255.0) < 1e-4);
    }

    void compression() {
        at::manual_seed(2);
        auto c = at::complex(at::randn({256, 100}), at::randn({256, 100}));
        c[0][0].zero_(); // 0 must map to 0, not NaN
        const auto cc = compress(c);
        QCOMPARE(cc[0][0].abs().item<float>(), 0.0f);
        QVERIFY(!at::isnan(at::view_as_real(cc)).any().item<bool>());
        // |c̃| = 0.15 |c|^0.5 and the phase is kept.
        QVERIFY(maxRelError(cc.abs(), 0.15 * c.abs().sqrt()) < 1e-6);
        const auto big = c.abs() > 1e-3;
        QVERIFY(((cc.angle() - c.angle()).abs() * big).max().item<double>() < 1e-5);
        const auto back = decompress(cc);
        const double err = maxRelError(at::view_as_real(back), at::view_as_real(c));
        qInfo("compression round trip max error %.2e", err);
        QVERIFY2(err < 1e-5, qPrintable(QString::number(err)));
    }

    void specPipeline_data() {
        QTest::addColumn<qint64>("len");
        QTest::newRow("2 s") << qint64(32000);
        QTest::newRow("odd") << qint64(12345);
        QTest::newRow("exactly 64 frames") << qint64(63 * 128);
        QTest::newRow("65 frames") << qint64(64 * 128);
        QTest::newRow("short") << qint64(200);
    }
    void specPipeline() {
        QFETCH(qint64, len);
        const std::int64_t length = len;
        auto noisy = gaussian(std::size_t(length), 3, 0.2);
        noisy[std::size_t(length / 2)] = -1.7f; // the max |x|
        auto s = toSpec(noisy);
        VERIFY_OK(s);
        const Spec& spec = s.value();
        QCOMPARE(spec.normFactor, 1.7f * 1.0);
        QCOMPARE(spec.spec.size(0), std::int64_t(256));
        QVERIFY(spec.spec.size(1) % 64 == 0);
        QCOMPARE(spec.frames, frameCount(length));
        QVERIFY(spec.spec.size(1) >= spec.frames && spec.spec.size(1) < spec.frames + 64);
        QCOMPARE(spec.spec.size(1), paddedFrameCount(length));
        QVERIFY(spec.spec.is_complex());
        // The padding is zeros; the content is the compressed STFT of the normalised waveform.
        if (spec.spec.size(1) > spec.frames)
            QCOMPARE(spec.spec.narrow(1, spec.frames, spec.spec.size(1) - spec.frames).abs().max().item<float>(), 0.0f);
        const auto direct = compress(speech::stft(at::tensor(noisy) / 1.7));
        QVERIFY(maxRelError(spec.spec.narrow(1, 0, spec.frames), direct) < 1e-6);
        // Back: the original length and values, the factor multiplied back.
        auto w = fromSpec(spec);
        QVERIFY(w.ok());
        QCOMPARE(std::int64_t(w.value().size()), length);
        const double err = maxRelError(at::tensor(w.value()), at::tensor(noisy));
        qInfo("T = %lld: toSpec->fromSpec max error %.2e of max |x|", (long long)length, err);
        QVERIFY2(err < 1e-5, qPrintable(QString::number(err)));
        // The clean target is scaled by the noisy factor.
        const auto clean = toSpec(noisy, 3.4);
        QVERIFY(clean.ok());
        QVERIFY(maxRelError(decompress(clean.value().spec), decompress(spec.spec) * 0.5) < 1e-5);
    }

    void specErrors() {
        QVERIFY(!toSpec(std::vector<float>{}).ok());
        QVERIFY(!toSpec(std::vector<float>{1.0f, NAN, 0.0f}).ok());
        QVERIFY(!toSpec(std::vector<float>(1000, 0.1f), 0.0).ok());
        QCOMPARE(normFactor(std::vector<float>(10, 0.0f)), 1.0);
        Spec bad;
        QVERIFY(!fromSpec(bad).ok());
        bad.spec = at::zeros({255, 64}, at::kComplexFloat);
        bad.length = 1000;
        bad.frames = 8;
        QVERIFY(!fromSpec(bad).ok());
        bad.spec = at::zeros({256, 64}); // real
        QVERIFY(!fromSpec(bad).ok());
    }

    // ---- audio files --------------------------------------------------------------------------

    void resampling_data() {
        QTest::addColumn<int>("rate");
        QTest::addColumn<double>("freq");
        QTest::newRow("44.1 kHz, 1 kHz") << 44100 << 1000.0;
        QTest::newRow("44.1 kHz, 5.5 kHz") << 44100 << 5500.0;
        QTest::newRow("48 kHz, 440 Hz") << 48000 << 440.0;
        QTest::newRow("48 kHz, 7 kHz") << 48000 << 7000.0;
        QTest::newRow("8 kHz, 1 kHz") << 8000 << 1000.0;
        QTest::newRow("8 kHz, 3.1 kHz") << 8000 << 3100.0;
        QTest::newRow("22.05 kHz, 2.5 kHz") << 22050 << 2500.0;
    }
    void resampling() {
        QFETCH(int, rate);
        QFETCH(double, freq);
        const std::string path = file("sine.wav");
        QVERIFY(writeSnd(path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, rate, 1, sine(freq, rate, 2.0)));
        const auto a = loadAudio(path, 16000);
        VERIFY_OK(a);
        QCOMPARE(a.value().sampleRate, 16000);
        QCOMPARE(a.value().sourceRate, rate);
        QVERIFY2(std::llabs(std::int64_t(a.value().samples.size()) - 32000) <= 1,
                 qPrintable(QString::number(a.value().samples.size())));
        const double f = zeroCrossingFrequency(a.value().samples, 16000);
        const double gain = rms(a.value().samples, 1600, 30400) / (0.5 / std::sqrt(2.0));
        qInfo("%d Hz -> 16 kHz: %.1f Hz measured %.4f Hz, passband gain %.5f", rate, freq, f, gain);
        // (A wrong ratio, e.g. 44.1 kHz taken for 48 kHz, would be off by 8.8 %.)
        QVERIFY2(std::abs(f - freq) < 1e-4 * freq, qPrintable(QString::number(f)));
        QVERIFY(std::abs(gain - 1.0) < 0.005);
        QVERIFY(a.value().note.empty());
        // Above the target's Nyquist frequency nothing passes (the high-quality low-pass).
        if (rate > 16000) {
            QVERIFY(writeSnd(path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, rate, 1, sine(9000, rate, 1.0)));
            const auto alias = loadAudio(path, 16000);
            QVERIFY(alias.ok());
            QVERIFY(rms(alias.value().samples, 800, 15200) < 1e-3);
        }
    }

    void downmixSixChannels() {
        const int rate = 16000, ch = 6;
        std::vector<float> inter(std::size_t(rate) * ch);
        std::vector<float> want(static_cast<std::size_t>(rate));
        for (std::size_t i = 0; i < want.size(); ++i) {
            double sum = 0;
            for (int c = 0; c < ch; ++c) {
                const double v = 0.1 * (c + 1) * std::sin(2 * kPi * (200.0 + 150 * c) * double(i) / rate);
                inter[i * ch + std::size_t(c)] = float(v);
                sum += double(float(v));
            }
            want[i] = float(sum / ch);
        }
        const std::string path = file("six.wav");
        QVERIFY(writeSnd(path, SF_FORMAT_WAVEX | SF_FORMAT_FLOAT, rate, ch, inter));
        const auto a = loadAudio(path, 0);
        QVERIFY(a.ok());
        QCOMPARE(a.value().sourceChannels, 6);
        QCOMPARE(a.value().sampleRate, rate);
        QCOMPARE(a.value().samples.size(), want.size());
        double err = 0;
        for (std::size_t i = 0; i < want.size(); ++i) err = std::max(err, double(std::abs(a.value().samples[i] - want[i])));
        QVERIFY2(err < 1e-7, qPrintable(QString::number(err)));
    }

    void sampleFormats_data() {
        QTest::addColumn<int>("format");
        QTest::addColumn<QString>("ext");
        QTest::addColumn<double>("tolerance"); // max |loaded − written|; < 0: lossy, check the tone only
        QTest::newRow("WAV 8-bit") << (SF_FORMAT_WAV | SF_FORMAT_PCM_U8) << "wav" << 1.0 / 128;
        QTest::newRow("WAV 16-bit") << (SF_FORMAT_WAV | SF_FORMAT_PCM_16) << "wav" << 1.0 / 32768;
        QTest::newRow("WAV 24-bit") << (SF_FORMAT_WAV | SF_FORMAT_PCM_24) << "wav" << 1.0 / 8388608;
        QTest::newRow("WAV 32-bit int") << (SF_FORMAT_WAV | SF_FORMAT_PCM_32) << "wav" << 1e-7;
        QTest::newRow("WAV float") << (SF_FORMAT_WAV | SF_FORMAT_FLOAT) << "wav" << 0.0;
        QTest::newRow("WAV double") << (SF_FORMAT_WAV | SF_FORMAT_DOUBLE) << "wav" << 0.0;
        QTest::newRow("FLAC 16-bit") << (SF_FORMAT_FLAC | SF_FORMAT_PCM_16) << "flac" << 1.0 / 32768;
        QTest::newRow("FLAC 24-bit") << (SF_FORMAT_FLAC | SF_FORMAT_PCM_24) << "flac" << 1.0 / 8388608;
        QTest::newRow("OGG Vorbis") << (SF_FORMAT_OGG | SF_FORMAT_VORBIS) << "ogg" << -1.0;
        QTest::newRow("OGG Opus") << (SF_FORMAT_OGG | SF_FORMAT_OPUS) << "opus" << -1.0;
        QTest::newRow("MP3") << (SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III) << "mp3" << -1.0;
    }
    void sampleFormats() {
        QFETCH(int, format);
        QFETCH(QString, ext);
        QFETCH(double, tolerance);
        const int rate = format == (SF_FORMAT_OGG | SF_FORMAT_OPUS) ? 48000 : 16000;
        SF_INFO check{};
        check.samplerate = rate;
        check.channels = 1;
        check.format = format;
        if (!sf_format_check(&check)) QSKIP("this libsndfile cannot write the format");
        const std::string path = file(("fmt." + ext).toStdString().c_str());
        const auto x = sine(440.0, rate, 1.5, 0.5);
        QVERIFY(writeSnd(path, format, rate, 1, x));
        const auto a = loadAudio(path, 0);
        VERIFY_OK(a);
        QCOMPARE(a.value().sampleRate, rate);
        if (tolerance >= 0) {
            QCOMPARE(a.value().samples.size(), x.size());
            double err = 0;
            for (std::size_t i = 0; i < x.size(); ++i) err = std::max(err, double(std::abs(a.value().samples[i] - x[i])));
            QVERIFY2(err <= tolerance * 1.01, qPrintable(QString::number(err)));
        } else {
            // Lossy codecs: the tone survives (the frame padding of MP3 may change the length).
            QVERIFY(std::abs(double(a.value().samples.size()) - double(x.size())) < 0.1 * rate);
            QVERIFY(std::abs(zeroCrossingFrequency(a.value().samples, rate) - 440.0) < 0.5);
        }
        // And through the resampler (to 8 kHz).
        const auto r = loadAudio(path, 8000);
        QVERIFY(r.ok());
        QVERIFY(std::abs(zeroCrossingFrequency(r.value().samples, 8000) - 440.0) < 0.5);
    }

    void damagedFiles_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("expect"); // a phrase of the message
        QTest::newRow("missing") << "missing" << "no such file";
        QTest::newRow("folder") << "folder" << "folder";
        QTest::newRow("0 bytes") << "empty" << "empty";
        QTest::newRow("no frames") << "noframes" << "no audio";
        QTest::newRow("garbage") << "garbage" << "not a readable audio file";
        QTest::newRow("cut inside the header") << "header" << "not a readable audio file";
        QTest::newRow("image renamed .wav") << "png" << "not a readable audio file";
    }
    void damagedFiles() {
        QFETCH(QString, kind);
        QFETCH(QString, expect);
        const std::string path = file(("damaged-" + kind + ".wav").toStdString().c_str());
        if (kind == "folder") fs::create_directories(path);
        if (kind == "empty") std::ofstream(path, std::ios::binary).flush();
        if (kind == "noframes") QVERIFY(writeSnd(path, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, {}));
        if (kind == "garbage") {
            std::ofstream out(path, std::ios::binary);
            std::mt19937 gen(5);
            for (int i = 0; i < 5000; ++i) out.put(char(gen() & 0xFF));
        }
        if (kind == "header") {
            QVERIFY(writeSnd(path, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, sine(440, 16000, 1.0)));
            fs::resize_file(path, 20);
        }
        if (kind == "png") {
            std::ofstream out(path, std::ios::binary);
            out << "\x89PNG\r\n\x1a\n" << std::string(200, 'x');
        }
        const auto a = loadAudio(path);
        QVERIFY(!a.ok());
        const std::string& msg = a.error().message;
        qInfo("%s", msg.c_str());
        QVERIFY2(contains(msg, path), msg.c_str());
        QVERIFY2(contains(msg, expect.toStdString()), msg.c_str());
    }

    void truncatedFiles() {
        // A WAV whose data stops halfway: what is there loads, with a note naming the file.
        const std::string wav = file("cut.wav");
        QVERIFY(writeSnd(wav, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, sine(440, 16000, 1.0)));
        fs::resize_file(wav, 44 + 8000 * 2);
        const auto a = loadAudio(wav, 0);
        VERIFY_OK(a);
        QCOMPARE(a.value().samples.size(), std::size_t(8000));
        QVERIFY2(contains(a.value().note, wav) && contains(a.value().note, "truncated"), a.value().note.c_str());
        // A FLAC cut in its middle: either an error or the beginning with a note, both naming the file.
        const std::string flac = file("cut.flac");
        QVERIFY(writeSnd(flac, SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 16000, 1, gaussian(32000, 9, 0.2)));
        fs::resize_file(flac, fs::file_size(flac) / 2);
        const auto f = loadAudio(flac, 16000);
        if (f.ok()) {
            qInfo("cut FLAC: %zu samples, note: %s", f.value().samples.size(), f.value().note.c_str());
            QVERIFY2(contains(f.value().note, flac), f.value().note.c_str());
            QVERIFY(f.value().samples.size() < 32000);
        } else {
            qInfo("cut FLAC: %s", f.error().message.c_str());
            QVERIFY(contains(f.error().message, flac));
        }
    }

    void tooLongAndBadRate() {
        const std::string path = file("long.wav");
        QVERIFY(writeSnd(path, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 8000, 1, sine(440, 8000, 3.0)));
        const auto a = loadAudio(path, 16000, 2.0);
        QVERIFY(!a.ok());
        QVERIFY2(contains(a.error().message, path) && contains(a.error().message, "limit"), a.error().message.c_str());
        QVERIFY(loadAudio(path, 16000, 3.5).ok());
        QVERIFY(!loadAudio(path, -5).ok());
        QVERIFY(!loadAudio(path, 10'000'000).ok());
    }

    void nonFiniteSamples() {
        auto x = sine(440, 16000, 1.0);
        x[100] = NAN;
        x[2000] = INFINITY;
        x[3000] = -INFINITY;
        const std::string path = file("nan.wav");
        QVERIFY(writeSnd(path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 16000, 1, x));
        const auto a = loadAudio(path, 0);
        QVERIFY(a.ok());
        QVERIFY2(contains(a.value().note, "3 NaN/Inf samples") && contains(a.value().note, path), a.value().note.c_str());
        QCOMPARE(a.value().samples[100], 0.0f);
        QCOMPARE(a.value().samples[2000], 0.0f);
        QCOMPARE(a.value().samples[101], x[101]);
        // Resampled, the rest stays finite (a NaN would spread over the filter length).
        const auto r = loadAudio(path, 8000);
        QVERIFY(r.ok());
        for (const float v : r.value().samples) QVERIFY(std::isfinite(v));
    }

    void saveWavRoundTrip() {
        Audio a;
        a.sampleRate = 16000;
        a.samples = sine(300, 16000, 0.5, 0.7);
        a.samples[10] = 1.5f;  // clipped in 16-bit
        a.samples[11] = NAN;   // written as 0
        const std::string fl = file("out-float.wav");
        QVERIFY(saveWav(fl, a, {WavEncoding::Float32, {}}).ok());
        const auto f = loadAudio(fl, 0);
        QVERIFY(f.ok());
        QCOMPARE(f.value().samples.size(), a.samples.size());
        QCOMPARE(f.value().samples[10], 1.5f);
        QCOMPARE(f.value().samples[11], 0.0f);
        QCOMPARE(f.value().samples[500], a.samples[500]);
        QVERIFY(f.value().note.empty()); // the NaN was not written
        const std::string pcm = file("out-16.wav");
        QVERIFY(saveWav(pcm, a).ok());
        const auto p = loadAudio(pcm, 0);
        QVERIFY(p.ok());
        QVERIFY(p.value().samples[10] > 0.999f);
        double err = 0;
        for (std::size_t i = 12; i < a.samples.size(); ++i) err = std::max(err, double(std::abs(p.value().samples[i] - a.samples[i])));
        QVERIFY2(err <= 1.0 / 32768, qPrintable(QString::number(err)));
        // Replacing an existing file works; nothing temporary is left behind.
        a.samples.resize(1000);
        QVERIFY(saveWav(pcm, a).ok());
        QCOMPARE(loadAudio(pcm, 0).value().samples.size(), std::size_t(1000));
        for (const auto& e : fs::directory_iterator(m_dir.path().toStdString()))
            QVERIFY2(!contains(e.path().filename().string(), "reverie-tmp"), e.path().c_str());
    }

    void saveWavRefuses() {
        const std::string input = file("input.wav");
        QVERIFY(writeSnd(input, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, sine(440, 16000, 0.5)));
        const auto before = fs::file_size(input);
        Audio a;
        a.sampleRate = 16000;
        a.samples = std::vector<float>(100, 0.1f);
        // The input, by its own name, through "./", and through a symbolic link.
        const std::string viaDot = (fs::path(m_dir.path().toStdString()) / "." / "input.wav").string();
        const std::string link = file("link.wav");
        fs::create_symlink(input, link);
        for (const auto& target : {input, viaDot, link}) {
            const auto r = saveWav(target, a, {WavEncoding::Pcm16, input});
            QVERIFY(!r.ok());
            QVERIFY2(contains(r.error().message, "refusing to overwrite") && contains(r.error().message, input),
                     r.error().message.c_str());
        }
        QCOMPARE(fs::file_size(input), before);
        QCOMPARE(loadAudio(input, 0).value().samples.size(), std::size_t(8000));
        QVERIFY(!saveWav(file("no/such/folder/x.wav"), a).ok());
        QVERIFY(!saveWav(file("x.flac"), a).ok());
        QVERIFY(!saveWav(file("x.wav"), Audio{}).ok());
        Audio noRate = a;
        noRate.sampleRate = 0;
        QVERIFY(!saveWav(file("x.wav"), noRate).ok());
        QVERIFY(!fs::exists(file("x.wav")));
    }

    void readerMatchesLoadOnLongFile() {
        // 10 minutes at 48 kHz (57.6 MB of 16-bit samples), written block by block.
        const int rate = 48000;
        const std::int64_t total = std::int64_t(rate) * 600;
        const std::string wav = file("ten-minutes.wav");
        {
            SF_INFO info{};
            info.samplerate = rate;
            info.channels = 1;
            info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
            SNDFILE* f = sf_open(wav.c_str(), SFM_WRITE, &info);
            QVERIFY(f);
            std::mt19937 gen(11);
            std::uniform_real_distribution<float> u(-0.05f, 0.05f);
            std::vector<float> block(static_cast<std::size_t>(rate));
            for (std::int64_t s = 0; s < total; s += rate) {
                for (std::size_t i = 0; i < block.size(); ++i) {
                    const double t = double(s + std::int64_t(i)) / rate;
                    block[i] = float(0.4 * std::sin(2 * kPi * 440 * t) + 0.2 * std::sin(2 * kPi * 3100 * t)) + u(gen);
                }
                QCOMPARE(sf_writef_float(f, block.data(), rate), sf_count_t(rate));
            }
            QCOMPARE(sf_close(f), 0);
        }
        // Streaming first (before anything large is allocated): resident memory stays bounded.
        std::vector<std::size_t> sizes;
        double sumStream = 0;
        std::size_t peakGrowth = 0;
        const std::size_t rssBefore = residentBytes();
        QVERIFY(rssBefore > 1'000'000); // /proc/self/status was read
        {
            auto r = AudioReader::open(wav, 16000);
            QVERIFY(r.ok());
            QCOMPARE(r.value().sourceFrames(), total);
            QCOMPARE(r.value().expectedFrames(), total / 3);
            for (int i = 0;; ++i) {
                auto b = r.value().read(12345);
                QVERIFY(b.ok());
                if (b.value().empty()) break;
                sizes.push_back(b.value().size());
                for (const float v : b.value()) sumStream += v;
                if (i % 50 == 0) peakGrowth = std::max(peakGrowth, residentBytes() - std::min(rssBefore, residentBytes()));
            }
            QVERIFY(r.value().atEnd());
        }
        qInfo("streaming 10 min at 48 kHz: resident memory grew by at most %.1f MB", double(peakGrowth) / 1e6);
#ifndef __SANITIZE_ADDRESS__ // AddressSanitizer's quarantine keeps freed blocks resident (the `sanitize` preset)
        QVERIFY2(peakGrowth < 16'000'000, qPrintable(QString::number(peakGrowth)));
#endif
        for (std::size_t i = 0; i + 1 < sizes.size(); ++i) QCOMPARE(sizes[i], std::size_t(12345));

        const auto whole = loadAudio(wav, 16000);
        QVERIFY(whole.ok());
        const auto& w = whole.value().samples;
        std::size_t streamed = 0;
        for (const auto s : sizes) streamed += s;
        QCOMPARE(streamed, w.size());
        qInfo("10 min: %zu samples at 16 kHz (expected %lld)", w.size(), (long long)(total / 3));
        QVERIFY(std::llabs(std::int64_t(w.size()) - total / 3) <= 1);
        double sumWhole = 0;
        for (const float v : w) sumWhole += v;
        QCOMPARE(sumStream, sumWhole);

        // Sample for sample, with other block sizes (1, odd, larger than the file).
        for (const std::int64_t n : {std::int64_t(1), std::int64_t(4097), std::int64_t(100'000'000)}) {
            const std::size_t rssOpen = residentBytes();
            auto r = AudioReader::open(wav, 16000);
            QVERIFY(r.ok());
            std::size_t at = 0;
            bool same = true;
            if (n > 10'000'000) {
                // The control: one block larger than the file holds all 9.6 M samples (38 MB) at
                // once, and the same measurement sees it.
                auto all = r.value().read(n);
                QVERIFY(all.ok());
                const std::size_t grown = residentBytes() - std::min(rssOpen, residentBytes());
                qInfo("one block for the whole file: resident memory grew by %.1f MB", double(grown) / 1e6);
                QVERIFY(grown > 30'000'000);
                for (const float v : all.value()) same = same && at < w.size() && v == w[at++];
            }
            // n = 1 over 9.6 M samples would be slow: compare the first 200 000 then stop.
            while (at < w.size() && (n > 1 || at < 200'000)) {
                auto b = r.value().read(n);
                QVERIFY(b.ok());
                if (b.value().empty()) break;
                for (const float v : b.value()) same = same && at < w.size() && v == w[at++];
            }
            QVERIFY2(same, qPrintable(QStringLiteral("block size %1 differs at %2").arg(n).arg(at)));
            if (n > 1) QCOMPARE(at, w.size());
        }
        fs::remove(wav);
    }

    void readerWithoutResampling() {
        const std::string path = file("native.wav");
        const auto x = gaussian(50'000, 12, 0.2);
        QVERIFY(writeSnd(path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 22050, 1, x));
        auto r = AudioReader::open(path, 0);
        QVERIFY(r.ok());
        QCOMPARE(r.value().sampleRate(), 22050);
        std::vector<float> got;
        for (;;) {
            auto b = r.value().read(999);
            QVERIFY(b.ok());
            if (b.value().empty()) break;
            got.insert(got.end(), b.value().begin(), b.value().end());
        }
        QVERIFY(got == x);
        QVERIFY(r.value().read(10).value().empty());
        QVERIFY(!r.value().read(0).ok());
    }

    // ---- metrics -------------------------------------------------------------------------------

    void siSdrKnownSnr_data() {
        QTest::addColumn<double>("snr");
        QTest::newRow("-5 dB") << -5.0;
        QTest::newRow("0 dB") << 0.0;
        QTest::newRow("10 dB") << 10.0;
        QTest::newRow("20 dB") << 20.0;
        QTest::newRow("35 dB") << 35.0;
    }
    void siSdrKnownSnr() {
        QFETCH(double, snr);
        const auto s = speechLike(16000, 3.0, 1);
        const auto n = gaussian(s.size(), 2);
        // ‖a n‖² = ‖s‖² 10^{−snr/10}. Independent noise is nearly orthogonal to s (|cos| ~ 1/√N),
        // so SI-SDR ≈ SNR.
        const double a = std::sqrt(energy(s) / energy(n) * std::pow(10.0, -snr / 10));
        const auto est = axpy(s, a, n);
        const double got = siSdr(s, est).value();
        qInfo("SNR %.1f dB: SI-SDR %.4f dB", snr, got);
        QVERIFY2(std::abs(got - snr) < 0.1, qPrintable(QString::number(got)));
        // Scale invariance: 2·ŝ, and 0.3·s as the reference.
        std::vector<float> est2(est), s3(s);
        for (float& v : est2) v *= 2;
        for (float& v : s3) v *= 0.3f;
        QVERIFY(std::abs(siSdr(s, est2).value() - got) < 1e-6);
        QVERIFY(std::abs(siSdr(s3, est).value() - got) < 1e-6);
    }

    void siSdrEdges() {
        const auto s = speechLike(16000, 1.0, 3);
        QCOMPARE(siSdr(s, s).value(), kMaxDb);
        std::vector<float> half(s);
        for (float& v : half) v *= 0.5f;
        QVERIFY(siSdr(s, half).value() > 100);
        QVERIFY(!siSdr(std::vector<float>(100, 0.0f), std::vector<float>(100, 1.0f)).ok()); // silent reference
        QVERIFY(!siSdr(s, std::vector<float>(s.begin(), s.begin() + 100)).ok());            // lengths
        QVERIFY(!siSdr({}, {}).ok());
        std::vector<float> bad(s);
        bad[5] = NAN;
        QVERIFY(!siSdr(s, bad).ok());
        // A DC offset is not distortion with zeroMean (the default), and is without it.
        std::vector<float> dc(s);
        for (float& v : dc) v += 0.2f;
        QVERIFY(siSdr(s, dc).value() > 100);
        QVERIFY(siSdr(s, dc, {false}).value() < 20);
    }

    void siRatios() {
        const auto s = speechLike(16000, 3.0, 4);
        auto n = gaussian(s.size(), 5);
        const double g = std::sqrt(energy(s) / energy(n)); // ‖n‖ = ‖s‖
        for (float& v : n) v = float(v * g);
        // ŝ = s + 0.1 n: no artifact at all (ŝ lies in span{s, n}); e_interf = 0.1 n⊥, so
        // SI-SIR = 10 log10(‖αs‖² / (0.01 ‖n⊥‖²)) ≈ 20 dB for ‖n‖ = ‖s‖.
        const auto est = axpy(s, 0.1, n);
        const auto r = speech::siRatios(s, n, est);
        QVERIFY(r.ok());
        qInfo("s + 0.1 n: SI-SDR %.3f, SI-SIR %.3f, SI-SAR %.1f dB", r.value().siSdr, r.value().siSir, r.value().siSar);
        QVERIFY(std::abs(r.value().siSir - 20.0) < 0.1);
        QVERIFY(r.value().siSar > 100);
        QVERIFY(std::abs(r.value().siSdr - r.value().siSir) < 1e-3);
        // Add an artifact independent of both at −40 dB: SI-SAR ≈ 40 dB, SI-SIR unchanged.
        auto art = gaussian(s.size(), 6);
        const double ga = std::sqrt(energy(s) / energy(art) * 1e-4);
        const auto est2 = axpy(est, ga, art);
        const auto r2 = speech::siRatios(s, n, est2);
        QVERIFY(r2.ok());
        qInfo("+ artifact at -40 dB: SI-SIR %.3f, SI-SAR %.3f dB", r2.value().siSir, r2.value().siSar);
        QVERIFY(std::abs(r2.value().siSar - 40.0) < 0.2);
        QVERIFY(std::abs(r2.value().siSir - 20.0) < 0.1);
        // The SI-SDR of the decomposition is the plain SI-SDR.
        QVERIFY(std::abs(r2.value().siSdr - siSdr(s, est2).value()) < 1e-6);
        // Interference that is a multiple of s is no interference.
        const auto r3 = speech::siRatios(s, s, est2);
        QVERIFY(r3.ok());
        QCOMPARE(r3.value().siSir, kMaxDb);
        QVERIFY(!speech::siRatios(s, std::vector<float>(10, 0.0f), est).ok());
    }

    void estoiIdenticalAndInvariances() {
        const auto s = speechLike(16000, 3.0, 7);
        const double same = estoi(s, s, 16000).value();
        qInfo("ESTOI identical: %.9f", same);
        QVERIFY(std::abs(same - 1.0) < 1e-6);
        // Band envelopes depend only on |STFT|: −s has the same envelopes, 3·s scaled ones (which
        // the row normalisation removes), so both score exactly 1.
        std::vector<float> neg(s), tri(s);
        for (float& v : neg) v = -v;
        for (float& v : tri) v *= 3;
        QVERIFY(std::abs(estoi(s, neg, 16000).value() - 1.0) < 1e-6);
        QVERIFY(std::abs(estoi(s, tri, 16000).value() - 1.0) < 1e-6);
        // At 10 kHz already (no resampling) the identity holds as well.
        const auto s10 = speechLike(10000, 2.0, 8);
        QVERIFY(std::abs(estoi(s10, s10, 10000).value() - 1.0) < 1e-6);
    }

    void estoiDegradations() {
        const auto s = speechLike(16000, 4.0, 9);
        const auto n = gaussian(s.size(), 10);
        std::vector<double> v;
        for (const double snr : {20.0, 5.0, -5.0}) {
            const double a = std::sqrt(energy(s) / energy(n) * std::pow(10.0, -snr / 10));
            v.push_back(estoi(s, axpy(s, a, n), 16000).value());
            qInfo("ESTOI at %.0f dB SNR: %.4f", snr, v.back());
        }
        QVERIFY(v[0] < 1.0 - 1e-4);
        QVERIFY(v[1] < v[0] - 0.02);
        QVERIFY(v[2] < v[1] - 0.02);
        // A copy delayed by 100 ms: the modulations no longer line up.
        std::vector<float> late(s.size(), 0.0f);
        std::copy(s.begin(), s.end() - 1600, late.begin() + 1600);
        const double delayed = estoi(s, late, 16000).value();
        qInfo("ESTOI delayed 100 ms: %.4f", delayed);
        QVERIFY(delayed < 0.9);
    }

    void estoiErrors() {
        const auto s = speechLike(16000, 3.0, 11);
        const auto silent = estoi(std::vector<float>(s.size(), 0.0f), s, 16000);
        QVERIFY(!silent.ok());
        QVERIFY2(contains(silent.error().message, "silent"), silent.error().message.c_str());
        const auto shortClip = sine(440, 16000, 0.2);
        const auto e = estoi(shortClip, shortClip, 16000);
        QVERIFY(!e.ok());
        QVERIFY2(contains(e.error().message, "active frames"), e.error().message.c_str());
        QVERIFY(!estoi(s, std::vector<float>(s.begin(), s.end() - 1), 16000).ok());
        QVERIFY(!estoi(s, s, 0).ok());
        QVERIFY(!estoi(std::vector<float>(100, 0.1f), std::vector<float>(100, 0.1f), 16000).ok());
    }

    void estoiFromBandsKnownValues_data() {
        QTest::addColumn<double>("phi");
        QTest::newRow("in phase") << 0.0;
        QTest::newRow("pi/3") << kPi / 3;
        QTest::newRow("pi/2") << kPi / 2;
        QTest::newRow("2 pi/3") << 2 * kPi / 3;
        QTest::newRow("opposite") << kPi;
    }
    void estoiFromBandsKnownValues() {
        // X_j(m) = 2 + cos(θ_m + 2πj/15), Y_j(m) = 2 + cos(θ_m + 2πj/15 + φ), θ_m = 2πm/30.
        // Rows: over any 30 consecutive frames cos(θ_m + c) sums to 0, so the row normalisation
        // removes the offset 2 and leaves cos(θ_m + c)/√15. Columns: over the 15 bands
        // cos(·+ 2πj/15) also sums to 0 and Σ_j cos² = 15/2, so the normalised column is
        // cos(θ_m + 2πj/15 [+ φ])/√7.5. Their inner product is
        // Σ_j cos(a_j) cos(a_j + φ)/7.5 = (15/2) cos φ / 7.5 = cos φ, at every frame and segment:
        // ESTOI = cos φ exactly (−1 for envelopes in opposition).
        QFETCH(double, phi);
        const int bands = 15, frames = 75;
        std::vector<double> X(std::size_t(bands * frames)), Y(X.size());
        for (int j = 0; j < bands; ++j)
            for (int m = 0; m < frames; ++m) {
                const double a = 2 * kPi * m / 30 + 2 * kPi * j / 15;
                X[std::size_t(j * frames + m)] = 2 + std::cos(a);
                Y[std::size_t(j * frames + m)] = 2 + std::cos(a + phi);
            }
        const double v = estoiFromBands(X, Y, bands, frames).value();
        QVERIFY2(std::abs(v - std::cos(phi)) < 1e-9, qPrintable(QStringLiteral("%1 vs %2").arg(v).arg(std::cos(phi))));
    }

    void estoiFromBandsAffine() {
        // Y_j = a_j X_j + b_j with a_j > 0 (any per-band gain and offset): the row normalisation
        // maps both to the same rows, so ESTOI = 1; with a_j < 0 for every band, rows and then
        // columns are negated, ESTOI = −1.
        std::mt19937 gen(13);
        std::uniform_real_distribution<double> u(0.1, 3.0);
        const int bands = 15, frames = 50;
        std::vector<double> X(std::size_t(bands * frames)), Y(X.size()), Z(X.size());
        for (int j = 0; j < bands; ++j) {
            const double a = u(gen), b = u(gen);
            for (int m = 0; m < frames; ++m) {
                const std::size_t i = std::size_t(j * frames + m);
                X[i] = u(gen);
                Y[i] = a * X[i] + b;
                Z[i] = b - a * X[i];
            }
        }
        QVERIFY(std::abs(estoiFromBands(X, Y, bands, frames).value() - 1.0) < 1e-9);
        QVERIFY(std::abs(estoiFromBands(X, Z, bands, frames).value() + 1.0) < 1e-9);
        QVERIFY(!estoiFromBands(X, Y, bands, 29).ok());
        QVERIFY(!estoiFromBands(X, std::vector<double>(10), bands, frames).ok());
    }
};

QTEST_GUILESS_MAIN(TestSpeech)
#include "tst_speech.moc"
