// No GUI stall, workbench by workbench (docs/reliability.md): the longest time the event loop went
// without turning (tests/common/eventloopgap.h) while each workbench loads the largest input it
// accepts, while its job runs and while it is cancelled. Enhance's one-hour WAV is measured in
// tst_enhance_workbench; here: Enhance running and cancelled on ten minutes of audio, Generate
// (64 samples with previews), Restore (a 50-megapixel photo:
// opening, running, cancelling, and showing a 50-megapixel result), the models folder with a
// 100 MB checkpoint, Erase (a large grid), Tune (training with live curves) and Diagnostics.
// Every figure is printed as one JSON line; the target is 100 ms, the bound asserted here is
// 500 ms (a shared 2-core machine; what used to happen on the GUI thread took seconds).

#include "models/formats/safetensors.h"
#include "models/zoo.h"
#include "speech/audio.h"
#include "splitimageview.h"
#include "workbenches/diagnostics/diagnosticsworkbench.h"
#include "workbenches/enhance/enhanceworkbench.h"
#include "workbenches/erase/eraseworkbench.h"
#include "workbenches/generate/generateworkbench.h"
#include "workbenches/restore/restoreworkbench.h"
#include "workbenches/tune/tuneworkbench.h"

#include "eventloopgap.h"
#include "fixtures.h"

#include <ATen/ATen.h>

#include <QtTest>

#include <cmath>
#include <fstream>

using namespace reverie::app;
namespace gen = reverie::generate;
namespace rs = reverie::restore;
namespace zoo = reverie::models::zoo;
using reverie::testing::EventLoopGap;

namespace {

constexpr qint64 kBoundMs = 500;

/// Runs `start`, lets the job run for runMs, cancels with `cancel`, waits until `busy` is false;
/// returns {gap while running, gap while cancelling, ms from cancel to the end}.
struct Gaps {
    qint64 running = 0, cancelling = 0, cancelMs = 0;
};
template <typename Busy, typename Cancel>
Gaps runAndCancel(int runMs, Busy busy, Cancel cancel) {
    Gaps g;
    EventLoopGap gap;
    QTest::qWait(20);
    gap.reset();
    QTest::qWait(runMs);
    g.running = gap.maxMs();
    gap.reset();
    QElapsedTimer t;
    t.start();
    cancel();
    if (!QTest::qWaitFor([&] { return !busy(); }, 120000))
        g.cancelMs = -1;
    else
        g.cancelMs = t.elapsed();
    QTest::qWait(20);
    g.cancelling = gap.maxMs();
    return g;
}

QString report(const char* what, const Gaps& g) {
    return QStringLiteral("\"%1\": {\"max_gap_running_ms\": %2, \"max_gap_cancelling_ms\": %3, "
                          "\"cancel_to_end_ms\": %4}")
        .arg(QLatin1String(what))
        .arg(g.running)
        .arg(g.cancelling)
        .arg(g.cancelMs);
}

void checkGaps(const char* what, const Gaps& g) {
    QVERIFY2(g.cancelMs >= 0,
             qPrintable(QStringLiteral("%1: the job did not end after cancel").arg(QLatin1String(what))));
    QVERIFY2(g.running < kBoundMs,
             qPrintable(
                 QStringLiteral("%1: stalled %2 ms while running").arg(QLatin1String(what)).arg(g.running)));
    QVERIFY2(
        g.cancelling < kBoundMs,
        qPrintable(
            QStringLiteral("%1: stalled %2 ms while cancelling").arg(QLatin1String(what)).arg(g.cancelling)));
}

} // namespace

class TestResponsiveness : public QObject {
    Q_OBJECT
private:
    QStringList m_lines;

private Q_SLOTS:
    void initTestCase() { qRegisterMetaType<JobStatus>(); }
    void cleanupTestCase() {
        qInfo("{\"event_loop_gaps\": {%s}}", qPrintable(m_lines.join(QStringLiteral(", "))));
    }

    void generate() {
        const QString model = QString::fromStdString(zoo::find(zoo::kGenerator));
        if (model.isEmpty()) QSKIP("the shipped generator is not there");
        Engine engine(1);
        QTemporaryDir tmp;
        GenerateWorkbench wb(&engine, tmp.path());
        wb.page()->resize(1200, 800);
        wb.page()->show();
        gen::GenerateParams p;
        p.modelDir = model.toStdString();
        p.sampler = "dpmpp-2m";
        p.nfe = 200;
        p.batch = 64;
        QString error;
        QVERIFY2(wb.startSampling(p, &error), qPrintable(error));
        const Gaps g = runAndCancel(
            2500, [&] { return wb.isBusy(); }, [&] { wb.cancel(); });
        // A run that finishes: 64 samples and their grid shown.
        p.nfe = 4;
        EventLoopGap gap;
        QTest::qWait(20);
        gap.reset();
        QVERIFY2(wb.startSampling(p, &error), qPrintable(error));
        QVERIFY(QTest::qWaitFor([&] { return !wb.isBusy(); }, 120000));
        QTest::qWait(50);
        const qint64 finished = gap.maxMs();
        m_lines << report("generate_64_samples", g) +
                       QStringLiteral(", \"generate_64_samples_to_the_end_ms\": %1").arg(finished);
        checkGaps("generate", g);
        QVERIFY2(finished < kBoundMs, qPrintable(QString::number(finished)));
    }

    void restoreFiftyMegapixels() {
        const QString model = QString::fromStdString(zoo::find(zoo::kPhotoRestorer));
        if (model.isEmpty()) QSKIP("the shipped photo model is not there");
        QTemporaryDir tmp;
        // 7072 × 7072 ≈ 50 MP, uncompressed (a PNG this size takes seconds to write here).
        const int side = 7072;
        const QString path = tmp.filePath(QStringLiteral("big.ppm"));
        {
            std::ofstream f(path.toStdString(), std::ios::binary);
            f << "P6\n" << side << ' ' << side << "\n255\n";
            std::vector<char> row(std::size_t(side) * 3);
            for (int y = 0; y < side; ++y) {
                for (int x = 0; x < side; ++x) {
                    row[std::size_t(x) * 3] = char((x * 7 + y) & 255);
                    row[std::size_t(x) * 3 + 1] = char((x ^ y) & 255);
                    row[std::size_t(x) * 3 + 2] = char((y * 3) & 255);
                }
                f.write(row.data(), std::streamsize(row.size()));
            }
            QVERIFY(f.good());
        }
        Engine engine(1);
        RestoreWorkbench wb(&engine, tmp.path());
        wb.page()->resize(1200, 800);
        wb.page()->show();
        EventLoopGap gap;
        QTest::qWait(20);
        gap.reset();
        wb.setInputFile(path);
        QTest::qWait(50);
        const qint64 open = gap.maxMs();
        rs::RestoreJobParams p = wb.currentParams();
        p.modelDir = model.toStdString();
        p.inputPath = path.toStdString();
        p.degradeTask.clear();
        p.sampler = "mrs-ode-1-data";
        p.nfe = 3;
        QString error;
        QVERIFY2(wb.startRestore(p, &error), qPrintable(error));
        const Gaps g = runAndCancel(
            6000, [&] { return wb.isBusy(); }, [&] { wb.cancel(); });
        // Showing a 50-MP result (what the end of such a run does on the GUI thread): the
        // comparison view fitted to the window, zoomed to 1:1, and the divider dragged.
        QImage big(side, side, QImage::Format_RGB888);
        big.fill(QColor(90, 120, 150));
        auto* view = wb.compareView();
        gap.reset();
        view->setImages(big, big);
        QTest::qWait(50);
        const qint64 show = gap.maxMs();
        gap.reset();
        view->setScale(1.0);
        QTest::qWait(30);
        view->setDividerFraction(0.3);
        QTest::qWait(30);
        view->fitToWindow();
        QTest::qWait(50);
        const qint64 zoom = gap.maxMs();
        m_lines << report("restore_50_megapixels", g) +
                       QStringLiteral(
                           ", \"restore_open_50_megapixels_ms\": %1, \"show_50_megapixel_result_ms\": %2, "
                           "\"zoom_and_divider_50_megapixels_ms\": %3")
                           .arg(open)
                           .arg(show)
                           .arg(zoom);
        checkGaps("restore", g);
        QVERIFY2(open < kBoundMs && show < kBoundMs && zoom < kBoundMs,
                 qPrintable(QStringLiteral("open %1, show %2, zoom %3 ms").arg(open).arg(show).arg(zoom)));
    }

    void enhanceTenMinutes() {
        const QString model = QString::fromStdString(zoo::find(zoo::kEnhancer));
        if (model.isEmpty()) QSKIP("the shipped speech model is not there");
        reverie::speech::Audio a;
        a.sampleRate = 16000;
        a.samples.resize(std::size_t(600) * 16000);
        for (std::size_t i = 0; i < a.samples.size(); ++i)
            a.samples[i] = float(0.3 * std::sin(double(i) * 0.055) * std::sin(double(i) * 0.0004) +
                                 0.02 * std::sin(double(i) * 1.7));
        QTemporaryDir tmp;
        Engine engine(1);
        EnhanceWorkbench wb(&engine, tmp.path());
        wb.page()->resize(1200, 800);
        wb.page()->show();
        QString error;
        QVERIFY2(wb.setNoisyAudio(a, &error), qPrintable(error));
        QVERIFY(QTest::qWaitFor([&] { return !wb.isBusy(); }, 300000));
        auto p = wb.currentParams();
        p.modelDir = model.toStdString();
        QVERIFY2(wb.startEnhance(p, &error), qPrintable(error));
        const Gaps g = runAndCancel(
            3000, [&] { return wb.isBusy(); }, [&] { wb.cancel(); });
        m_lines << report("enhance_10_minutes", g);
        checkGaps("enhance", g);
    }

    void modelsFolderWithALargeCheckpoint() {
        // Preferences → Models folder scans every checkpoint in it: a 100 MB one must not stall.
        QTemporaryDir tmp;
        const auto w = at::zeros({25 * 1024 * 1024}, at::kFloat); // 100 MiB
        QVERIFY(reverie::models::formats::writeSafetensors(
            tmp.filePath(QStringLiteral("big.safetensors")).toStdString(), {{"model.conv.weight", w}}));
        {
            std::ofstream f(tmp.filePath(QStringLiteral("big.ckpt")).toStdString(), std::ios::binary);
            std::vector<char> junk(1 << 20, 'x');
            for (int i = 0; i < 100; ++i) f.write(junk.data(), std::streamsize(junk.size()));
        }
        Engine engine(1);
        RestoreWorkbench wb(&engine, tmp.path());
        wb.page()->show();
        EventLoopGap gap;
        QTest::qWait(20);
        gap.reset();
        wb.setModelsFolder(tmp.path());
        QTest::qWait(50);
        const qint64 scan = gap.maxMs();
        m_lines << QStringLiteral("\"models_folder_with_two_100_mb_checkpoints_ms\": %1").arg(scan);
        QVERIFY2(scan < kBoundMs, qPrintable(QString::number(scan)));
    }

    void erase() {
        QTemporaryDir tmp;
        const QString model = tmp.filePath(QStringLiteral("text")),
                      classifier = tmp.filePath(QStringLiteral("cls"));
        QVERIFY(reverie::testing::writeTinyTextModel(model.toStdString(), 1));
        QVERIFY(reverie::testing::writeTinyClassifier(classifier.toStdString()));
        Engine engine(1);
        EraseWorkbench wb(&engine, nullptr, tmp.path());
        wb.page()->resize(1200, 800);
        wb.page()->show();
        wb.setModelFolders(model, classifier);
        wb.setSeeds(16, 1);
        wb.setSteps(200);
        QString error;
        QVERIFY2(wb.regenerate(&error), qPrintable(error));
        const Gaps g = runAndCancel(
            2000, [&] { return wb.isBusy(); }, [&] { wb.cancel(); });
        m_lines << report("erase_grid", g);
        checkGaps("erase", g);
    }

    void tune() {
        QTemporaryDir tmp;
        Engine engine(1);
        TuneWorkbench wb(&engine, tmp.path());
        wb.page()->resize(1200, 800);
        wb.page()->show();
        const char* recipe = R"({
  "name": "long", "task": "denoiser", "batch": 16, "steps": 100000, "warmup": 1, "checkpoint_every": 20, "log_every": 1,
  "options": {"train_limit": 256,
               "net": {"base_channels": 16, "channel_mult": [1, 2], "res_blocks": 1, "attn_resolutions": [], "emb_dim": 32}}
})";
        QString error;
        QVERIFY2(wb.startTraining(QString::fromUtf8(recipe), tmp.filePath(QStringLiteral("run")), -1, false,
                                  &error),
                 qPrintable(error));
        const Gaps g = runAndCancel(
            4000, [&] { return wb.isBusy(); }, [&] { wb.cancel(); });
        m_lines << report("tune_training", g);
        checkGaps("tune", g);
    }

    void diagnostics() {
        Engine engine(1);
        DiagnosticsWorkbench wb(&engine);
        wb.page()->resize(1200, 800);
        wb.page()->show();
        QVERIFY(wb.start(false));
        const Gaps g = runAndCancel(60, [&] { return wb.isBusy(); }, [&] { wb.cancel(); });
        // A full run takes ~0.3 s here: it may end before Cancel lands; either way it ends.
        QVERIFY2(!wb.lastStatus().startsWith(QStringLiteral("Failed")), qPrintable(wb.lastStatus()));
        m_lines << report("diagnostics", g);
        checkGaps("diagnostics", g);
    }
};

QTEST_MAIN(TestResponsiveness)
#include "tst_responsiveness.moc"
