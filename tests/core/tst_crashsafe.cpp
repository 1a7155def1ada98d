// Crash-safe artefacts, tested by killing: this executable starts itself as a child that rewrites
// four artefacts in a loop — a text file through io::writeFileAtomic (what settings-like files,
// recipes, cards and concept libraries use), a WAV through speech::saveWav, a PNG through
// restore::saveImage and weights through formats::writeSafetensors — each version k filled
// with values derived from k. The parent kills it (SIGKILL) at a random moment, many times, and
// after every kill each file must be absent (never written yet) or one complete version: it
// parses, has its full size, and holds a single k. A second child trains a tiny model with a
// checkpoint every step and is killed again and again, each time restarted to resume: the run it
// finally completes must equal a straight run bit for bit, and its log must hold every step once.
// (docs/reliability.md)

#include "base/io.h"
#include "base/runtime.h"
#include "catalog/training.h"
#include "models/store.h"
#include "models/unet.h"
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

// A tiny denoiser recipe: 100 steps, a checkpoint after every one.
const char* kRecipe = R"({
  "name": "crashsafe", "task": "denoiser", "batch": 8, "steps": 100, "warmup": 2, "lr": 0.001, "checkpoint_every": 1,
  "log_every": 1, "seed": 7,
  "options": {"train_limit": 128,
               "net": {"base_channels": 8, "channel_mult": [1, 2], "res_blocks": 1, "attn_resolutions": [], "emb_dim": 16}}
})";
constexpr std::int64_t kRecipeSteps = 100;

reverie::models::UNetConfig recipeNet() {
    reverie::models::UNetConfig c;
    c.baseChannels = 8;
    c.channelMult = {1, 2};
    c.resBlocks = 1;
    c.attnResolutions = {};
    c.embDim = 16;
    return c;
}

// The training child: trains (resuming when a checkpoint is there) to the recipe's end.
int trainChild(const std::string& dir) {
    reverie::runtime::prepareEngineThread(1);
    std::printf("ready\n");
    std::fflush(stdout);
    auto r = reverie::catalog::runRecipeText(kRecipe, {dir, true, -1}, {});
    if (!r) {
        std::fprintf(stderr, "%s\n", r.error().message.c_str());
        return 7;
    }
    return 0;
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
        // Temporary files are what a kill leaves; they are never read, and the next write of the
        // same artefact (by any process) removes those whose writer is gone.
        auto leftovers = [&] {
            int n = 0;
            for (const auto& e : fs::directory_iterator(dir.path().toStdString()))
                if (e.path().filename().string().find(".reverie-tmp-") != std::string::npos) ++n;
            return n;
        };
        const int leftAfterKills = leftovers();
        const std::string d = dir.path().toStdString();
        VERIFY_OK(reverie::io::writeFileAtomic(d + "/settings.txt", textOf(1)));
        sp::Audio a;
        a.sampleRate = 16000;
        a.samples.assign(std::size_t(kWavSamples), sampleOf(1));
        VERIFY_OK(sp::saveWav(d + "/audio.wav", a));
        VERIFY_OK(reverie::restore::saveImage(at::full({1, 3, kImageSide, kImageSide}, pixelOf(1), at::kFloat), d + "/image.png"));
        VERIFY_OK(fmt::writeSafetensors(d + "/weights.safetensors", {{"w", at::full({kWeights}, 1.0f)}}));
        const int leftAfterWrites = leftovers();
        qInfo("{\"kills\": %d, \"rounds_where_a_file_changed\": %d, \"temporary_files_left_by_kills\": %d, "
              "\"left_after_one_more_write_of_each\": %d, \"last_versions\": [%d, %d, %d, %d]}",
              rounds, changed, leftAfterKills, leftAfterWrites, last[0], last[1], last[2], last[3]);
        QCOMPARE(leftAfterWrites, 0);
        QVERIFY2(changed >= rounds / 4, "the kills did not land while files were being rewritten");
    }

    void killedTrainingResumesExactly() {
        QTemporaryDir straight, killed;
        QVERIFY(straight.isValid() && killed.isValid());
        reverie::runtime::prepareEngineThread(1);
        auto a = reverie::catalog::runRecipeText(kRecipe, {straight.path().toStdString(), false, -1}, {});
        VERIFY_OK(a);
        QCOMPARE(a.value().step, kRecipeSteps);

        std::mt19937 rng(20261206);
        const int maxKills = qEnvironmentVariableIntValue("REVERIE_CRASHSAFE_TRAIN_KILLS") > 0
                                 ? qEnvironmentVariableIntValue("REVERIE_CRASHSAFE_TRAIN_KILLS")
                                 : 12;
        int kills = 0, advanced = 0, restarts = 0;
        std::int64_t lastStep = 0;
        const std::string ckpt = killed.filePath(QStringLiteral("checkpoint.pt")).toStdString();
        for (;;) {
            QProcess child;
            auto env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("REVERIE_CRASHSAFE_TRAIN"), killed.path());
            env.insert(QStringLiteral("OMP_NUM_THREADS"), QStringLiteral("1"));
            child.setProcessEnvironment(env);
            child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
            child.start(QCoreApplication::applicationFilePath(), {});
            ++restarts;
            QVERIFY2(child.waitForStarted(30000), qPrintable(child.errorString()));
            QVERIFY2(child.waitForReadyRead(60000), "the child never said it was ready");
            if (kills < maxKills) {
                // Anywhere from loading the data to the last steps of the run.
                if (child.waitForFinished(int(150 + rng() % 900))) {
                    QCOMPARE(child.exitStatus(), QProcess::NormalExit);
                    QCOMPARE(child.exitCode(), 0);
                    break;
                }
                child.kill();
                QVERIFY(child.waitForFinished(30000));
                ++kills;
                // The checkpoint left behind is always a complete one (the child resumes from it).
                std::int64_t step = 0;
                if (fs::exists(ckpt)) {
                    QFile log(killed.filePath(QStringLiteral("train_log.csv")));
                    QVERIFY(log.open(QIODevice::ReadOnly));
                    step = log.readAll().trimmed().split('\n').size() - 1; // rows so far (trimmed on resume)
                }
                if (step > lastStep) ++advanced;
                lastStep = step;
            } else {
                QVERIFY2(child.waitForFinished(300000), "the last run did not finish");
                QCOMPARE(child.exitStatus(), QProcess::NormalExit);
                QCOMPARE(child.exitCode(), 0);
                break;
            }
        }
        // The killed-and-resumed run equals the straight one: weights, EMA and optimiser alike
        // (the EMA weights are what loadDenoiser reads; they depend on every step's parameters).
        auto ma = reverie::models::loadDenoiser(a.value().checkpoint, recipeNet());
        auto mb = reverie::models::loadDenoiser(ckpt, recipeNet());
        VERIFY_OK(ma);
        VERIFY_OK(mb);
        const auto pa = ma.value()->parameters(), pb = mb.value()->parameters();
        QCOMPARE(pa.size(), pb.size());
        for (std::size_t i = 0; i < pa.size(); ++i) QVERIFY2(at::equal(pa[i], pb[i]), qPrintable(QString::number(i)));
        // The log holds every step once, in order, with the straight run's losses.
        auto rows = [](const QString& path) {
            QFile f(path);
            return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed().split('\n') : QByteArrayList();
        };
        const auto la = rows(straight.filePath(QStringLiteral("train_log.csv")));
        const auto lb = rows(killed.filePath(QStringLiteral("train_log.csv")));
        QCOMPARE(lb.size(), int(kRecipeSteps) + 1);
        for (int i = 1; i < lb.size(); ++i) {
            const auto fa = la.at(i).split(','), fb = lb.at(i).split(',');
            QCOMPARE(fb.at(0).toInt(), i);
            QCOMPARE(fb.at(1), fa.at(1)); // the loss
        }
        qInfo("{\"training_kills\": %d, \"kills_after_progress\": %d, \"restarts\": %d, \"steps\": %lld}", kills, advanced,
              restarts, static_cast<long long>(kRecipeSteps));
        QVERIFY2(advanced >= 2, "the kills did not land during training");
    }
};

int main(int argc, char** argv) {
    if (const char* dir = std::getenv("REVERIE_CRASHSAFE_CHILD")) return childLoop(dir);
    if (const char* dir = std::getenv("REVERIE_CRASHSAFE_TRAIN")) return trainChild(dir);
    QCoreApplication app(argc, argv);
    TestCrashSafe test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_crashsafe.moc"
