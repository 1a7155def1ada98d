// Crash-safe artefacts, tested by killing: this executable starts itself as a child that rewrites
// four artefacts in a loop — a text file through io::writeFileAtomic (what settings-like files,
// recipes, cards and concept libraries use), a WAV through speech::saveWav, a PNG through
// restore::saveImage and weights through formats::writeSafetensors — each version k filled
// with values derived from k. The parent kills it (SIGKILL) at a random moment, many times, and
// after every kill each file must be absent (never written yet) or one complete version: it
// parses, has its full size, and holds a single k. (docs/reliability.md)

#include "base/io.h"
#include "models/formats/safetensors.h"
#include "restore/imageio.h"
#include "speech/audio.h"

#include "fixtures.h"

#include <ATen/ATen.h>

#include <QCoreApplication>
#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <array>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

namespace fs = std::filesystem;
namespace sp = reverie::speech;
namespace fmt = reverie::models::formats;

namespace {

constexpr std::size_t kTextRepeats = 16384;     // "version k\n" ×: ~200 KB
constexpr std::int64_t kWavSamples = 32000;     // 2 s at 16 kHz
constexpr std::int64_t kImageSide = 192;
constexpr std::int64_t kWeights = 65536;        // 256 KB of float32

std::string textOf(int k) {
    std::string line = "version " + std::to_string(k) + "\n", out;
    out.reserve(line.size() * kTextRepeats);
    for (std::size_t i = 0; i < kTextRepeats; ++i) out += line;
    return out;
}
float sampleOf(int k) { return float((k % 200) - 100) / 128.0f; }
double pixelOf(int k) { return double(k % 250) / 127.5 - 1.0; }

// The child: rewrites the four artefacts forever (until killed).
int childLoop(const std::string& dir) {
    std::printf("ready\n");
    std::fflush(stdout);
    for (int k = 1;; ++k) {
        if (!reverie::io::writeFileAtomic(dir + "/settings.txt", textOf(k))) return 3;
        sp::Audio a;
        a.sampleRate = 16000;
        a.samples.assign(std::size_t(kWavSamples), sampleOf(k));
        if (!sp::saveWav(dir + "/audio.wav", a)) return 4;
        const auto img = at::full({1, 3, kImageSide, kImageSide}, pixelOf(k), at::kFloat);
        if (!reverie::restore::saveImage(img, dir + "/image.png")) return 5;
        if (!fmt::writeSafetensors(dir + "/weights.safetensors", {{"w", at::full({kWeights}, float(k))}})) return 6;
    }
}

} // namespace

class TestCrashSafe : public QObject {
    Q_OBJECT

private:
    // Checks every file; `seen` gets the version of each (0: absent). Fails the test otherwise.
    void verify(const QString& dir, std::array<int, 4>& seen) {
        seen = {};
        const std::string d = dir.toStdString();
        if (fs::exists(d + "/settings.txt")) {
            auto t = reverie::io::readFile(d + "/settings.txt");
            VERIFY_OK(t);
            const std::string& s = t.value();
            const auto nl = s.find('\n');
            QVERIFY2(nl != std::string::npos && s.rfind("version ", 0) == 0, "settings.txt: torn");
            seen[0] = std::stoi(s.substr(8, nl - 8));
            QVERIFY2(s == textOf(seen[0]), "settings.txt: not one complete version");
        }
        if (fs::exists(d + "/audio.wav")) {
            auto a = sp::loadAudio(d + "/audio.wav", 16000);
            VERIFY_OK(a);
            const auto& x = a.value().samples;
            QCOMPARE(std::int64_t(x.size()), kWavSamples);
            for (int k = 1; k <= 200 && !seen[1]; ++k)
                if (std::abs(x.front() - sampleOf(k)) < 1e-3) seen[1] = k;
            QVERIFY2(seen[1] != 0, "audio.wav: an unknown value");
            for (const float v : x) QVERIFY2(std::abs(v - x.front()) < 1e-4, "audio.wav: two versions mixed");
        }
        if (fs::exists(d + "/image.png")) {
            auto im = reverie::restore::loadImage(d + "/image.png");
            VERIFY_OK(im);
            const auto& t = im.value().image;
            QCOMPARE(t.size(2), kImageSide);
            QCOMPARE(t.size(3), kImageSide);
            QVERIFY2((t - t.flatten()[0]).abs().max().item<double>() < 1e-6, "image.png: two versions mixed");
            seen[2] = 1 + int(std::lround((t.flatten()[0].item<double>() + 1.0) * 127.5));
        }
        if (fs::exists(d + "/weights.safetensors")) {
            fmt::safetensors::ReadOptions copy;
            copy.copy = true;
            auto w = fmt::readSafetensors(d + "/weights.safetensors", copy);
            VERIFY_OK(w);
            const at::Tensor* t = w.value().find("w");
            QVERIFY(t);
            QCOMPARE(t->numel(), kWeights);
            QVERIFY2(t->eq(t->flatten()[0]).all().item<bool>(), "weights: two versions mixed");
            seen[3] = int(t->flatten()[0].item<float>());
        }
    }

private Q_SLOTS:
    void killedWritersLeaveOldOrNewFiles() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        std::mt19937 rng(20261205);
        const int rounds = qEnvironmentVariableIntValue("REVERIE_CRASHSAFE_ROUNDS") > 0
                               ? qEnvironmentVariableIntValue("REVERIE_CRASHSAFE_ROUNDS")
                               : 30;
        int changed = 0;
        std::array<int, 4> last{};
        for (int round = 0; round < rounds; ++round) {
            QProcess child;
            auto env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("REVERIE_CRASHSAFE_CHILD"), dir.path());
            env.insert(QStringLiteral("OMP_NUM_THREADS"), QStringLiteral("1"));
            child.setProcessEnvironment(env);
            child.start(QCoreApplication::applicationFilePath(), {});
            QVERIFY2(child.waitForStarted(30000), qPrintable(child.errorString()));
            QVERIFY2(child.waitForReadyRead(60000), "the child never said it was ready");
            QTest::qSleep(int(rng() % 400)); // anywhere within the first few versions of each file
            child.kill();                    // SIGKILL: no destructor, no cleanup
            QVERIFY(child.waitForFinished(30000));
            QCOMPARE(child.exitStatus(), QProcess::CrashExit);
            std::array<int, 4> seen{};
            verify(dir.path(), seen);
            if (QTest::currentTestFailed()) return;
            if (seen != last) ++changed;
            last = seen;
        }
        // Leftover temporary files are what a kill leaves; they are never read, only reported.
        int leftovers = 0;
        for (const auto& e : fs::directory_iterator(dir.path().toStdString()))
            if (e.path().filename().string().find(".reverie-tmp-") != std::string::npos) ++leftovers;
        qInfo("{\"kills\": %d, \"rounds_where_a_file_changed\": %d, \"temporary_files_left\": %d, "
              "\"last_versions\": [%d, %d, %d, %d]}",
              rounds, changed, leftovers, last[0], last[1], last[2], last[3]);
        QVERIFY2(changed >= rounds / 4, "the kills did not land while files were being rewritten");
    }
};

int main(int argc, char** argv) {
    if (const char* dir = std::getenv("REVERIE_CRASHSAFE_CHILD")) return childLoop(dir);
    QCoreApplication app(argc, argv);
    TestCrashSafe test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_crashsafe.moc"
