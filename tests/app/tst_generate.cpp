// The Generate workbench end to end offscreen on the engine thread: sampling with the shipped
// generator (previews, result grid, PNG settings round trip, errors, cancel), the samplers × NFE
// sweep, bits/dim, and training (the loss curve fills, the run finishes with a checkpoint, a bad
// recipe is a clear message). Tiny settings: each test takes seconds.

#include "jobs/engine.h"
#include "models/zoo.h"
#include "jobspy.h"
#include "imageconv.h"
#include "sdfixture.h"
#include "workbenches/generate/generateworkbench.h"

#include "seriesplot.h"
#include "splitimageview.h"

#include <QComboBox>
#include <QSpinBox>
#include <QtTest>
#include <QtWidgets>

using namespace reverie::app;

namespace gen = reverie::generate;

namespace {

/// The shipped generator's folder, or "" (the tests that need it skip).
QString generatorDir() { return QString::fromStdString(reverie::models::zoo::find(reverie::models::zoo::kGenerator)); }

#define REQUIRE_GENERATOR(dir)                                                                              \
    const QString dir = generatorDir();                                                                     \
    if (dir.isEmpty()) QSKIP("the shipped generator (resources/models/fmnist-edm/weights.pt) is not there")

gen::GenerateParams tinyParams(const QString& modelDir) {
    gen::GenerateParams p;
    p.modelDir = modelDir.toStdString();
    p.sampler = "dpmpp-2m";
    p.nfe = 3;
    p.batch = 2;
    return p;
}

}

class TestGenerate : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void pageHasTabsAndSamplingControls() {
        Engine engine(1);
        GenerateWorkbench wb(&engine, QDir::tempPath());
        QWidget* page = wb.page();
        auto* tabs = page->findChild<QTabWidget*>(QStringLiteral("generateTabs"));
        QVERIFY(tabs);
        QCOMPARE(tabs->count(), 4); // Sample, Sweep, Stable Diffusion, History (training is on the Tune page)
        QVERIFY(!page->findChild<QLabel*>(QStringLiteral("notBuilt")));
        for (const char* name : {"samplePreview", "sampleStatus", "likelihoodStatus"})
            QVERIFY2(page->findChild<QLabel*>(QLatin1String(name)), name);
        QVERIFY(page->findChild<QTableWidget*>(QStringLiteral("sweepTable")));
        auto* list = page->findChild<QListWidget*>(QStringLiteral("sweepSamplers"));
        QVERIFY(list);
        QCOMPARE(list->count(), int(gen::samplers().size()));
        QStringList checked;
        for (int i = 0; i < list->count(); ++i)
            if (list->item(i)->checkState() == Qt::Checked) checked << list->item(i)->data(Qt::UserRole).toString();
        QCOMPARE(checked.size(), 4);
        for (const char* id : {"em", "ode-euler", "dpmpp-2m", "edm-heun"}) QVERIFY2(checked.contains(QLatin1String(id)), id);
        const auto p = wb.currentParams();
        QCOMPARE(p.nfe, 20);
        QCOMPARE(p.batch, 16);
        QCOMPARE(p.guidance, 1.0);
        QCOMPARE(p.label, -1);
        QCOMPARE(QString::fromStdString(p.modelDir), generatorDir());
        QString error;
        QVERIFY(!wb.saveResult(QDir::temp().filePath(QStringLiteral("never.png")), &error)); // nothing sampled yet
        QVERIFY(!error.isEmpty());
    }

    void samplesEndToEnd() {
        REQUIRE_GENERATOR(model);
        Engine engine(1);
        GenerateWorkbench wb(&engine, QDir::tempPath());
        wb.page()->resize(1100, 750);
        wb.page()->show();
        reverie::testing::JobSpy done(&wb, QStringLiteral("sample"));
        QString error;
        QVERIFY2(wb.startSampling(tinyParams(model), &error), qPrintable(error));
        QVERIFY(wb.isSampling());
        QVERIFY(!wb.page()->findChild<QPushButton*>(QStringLiteral("generate"))->isEnabled());
        QVERIFY(!wb.startSampling(tinyParams(model), &error)); // one job at a time
        QVERIFY(!wb.startSweep(gen::SweepParams{}, &error));
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 60000);
        QCOMPARE(done.status(0), JobStatus::Succeeded);
        QVERIFY(!wb.isSampling());
        QVERIFY(wb.page()->findChild<QPushButton*>(QStringLiteral("generate"))->isEnabled());
        // Two 28×28 items side by side with a 2-pixel gap.
        QCOMPARE(wb.resultImage().size(), QSize(2 * 28 + 2, 28));
        const QString status = wb.page()->findChild<QLabel*>(QStringLiteral("sampleStatus"))->text();
        const auto m = QRegularExpression(QStringLiteral("NFE (\\d+)")).match(status);
        QVERIFY2(m.hasMatch(), qPrintable(status));
        QVERIFY2(m.captured(1).toInt() == 3, qPrintable(status)); // DPM-Solver++(2M): one evaluation per step
        QVERIFY2(status.startsWith(QStringLiteral("2 samples")), qPrintable(status));
        QVERIFY(wb.previewCount() >= 1);
        QVERIFY(!wb.page()->findChild<QLabel*>(QStringLiteral("samplePreview"))->pixmap().isNull());
    }

    // Guidance by the classifier from the Sample tab: choosing a class switches to the reversible
    // sampler it needs, the run reports its iterations and p(class), and the PNG carries the
    // guidance settings back.
    void guidesTowardAClass() {
        REQUIRE_GENERATOR(model);
        Engine engine(1);
        QTemporaryDir dir;
        const QString png = dir.filePath(QStringLiteral("guided.png"));
        {
            GenerateWorkbench wb(&engine, QDir::tempPath());
            wb.applyParams(tinyParams(model));
            auto* guide = wb.page()->findChild<QComboBox*>(QStringLiteral("guideClass"));
            QVERIFY(guide);
            QVERIFY(!wb.page()->findChild<QComboBox*>(QStringLiteral("guideStrategy"))->isEnabled());
            guide->setCurrentIndex(guide->findData(7));
            QVERIFY(wb.page()->findChild<QComboBox*>(QStringLiteral("guideStrategy"))->isEnabled());
            wb.page()->findChild<QSpinBox*>(QStringLiteral("guideIterations"))->setValue(2);
            gen::GenerateParams p = wb.currentParams();
            QCOMPARE(p.sampler, std::string("rev-heun"));
            QCOMPARE(p.guideClass, 7);
            QCOMPARE(p.guideStrategy, std::string("reversible"));
            p.nfe = 4;
            p.batch = 1;
            reverie::testing::JobSpy done(&wb, QStringLiteral("sample"));
            QString error;
            QVERIFY2(wb.startSampling(p, &error), qPrintable(error));
            QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 120000);
            QCOMPARE(done.status(0), JobStatus::Succeeded);
            const QString status = wb.page()->findChild<QLabel*>(QStringLiteral("sampleStatus"))->text();
            QVERIFY2(status.contains(QStringLiteral("guidance: p(class)")), qPrintable(status));
            QVERIFY2(wb.saveResult(png, &error), qPrintable(error));
            // Another sampler with guidance on is refused with a sentence, before anything runs.
            p.sampler = "dpmpp-2m";
            QVERIFY(!wb.startSampling(p, &error));
            QVERIFY2(error.contains(QStringLiteral("rev-heun")), qPrintable(error));
        }
        GenerateWorkbench fresh(&engine, QDir::tempPath());
        QString error;
        QVERIFY2(fresh.loadSettings(png, &error), qPrintable(error));
        const auto q = fresh.currentParams();
        QCOMPARE(q.guideClass, 7);
        QCOMPARE(q.guideIterations, 2);
        QCOMPARE(q.sampler, std::string("rev-heun"));
        QVERIFY(!QImageReader(png).text(QStringLiteral("reverie.guide_probability")).isEmpty());
    }

    void savedSettingsLoadBack() {
        REQUIRE_GENERATOR(model);
        Engine engine(1);
        QTemporaryDir dir;
        const QString png = dir.filePath(QStringLiteral("sample.png"));
        gen::GenerateParams p = tinyParams(model);
        p.sde = "ve";
        p.sampler = "ode-euler";
        p.nfe = 2;
        p.batch = 1;
        p.guidance = 2.5;
        p.label = 3;
        p.seed = 1234;
        {
            GenerateWorkbench wb(&engine, QDir::tempPath());
            reverie::testing::JobSpy done(&wb, QStringLiteral("sample"));
            QString error;
            QVERIFY2(wb.startSampling(p, &error), qPrintable(error));
            QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 60000);
            QCOMPARE(done.status(0), JobStatus::Succeeded);
            QVERIFY2(wb.saveResult(png, &error), qPrintable(error));
        }
        QVERIFY(QImage(png).size() == QSize(28, 28));
        GenerateWorkbench fresh(&engine, QDir::tempPath());
        QString error;
        QVERIFY2(fresh.loadSettings(png, &error), qPrintable(error));
        const auto q = fresh.currentParams();
        QCOMPARE(q.modelDir, p.modelDir);
        QCOMPARE(q.sde, p.sde);
        QCOMPARE(q.sampler, p.sampler);
        QCOMPARE(q.nfe, p.nfe);
        QCOMPARE(q.seed, p.seed);
        QCOMPARE(q.guidance, p.guidance);
        QCOMPARE(q.label, p.label);
        QCOMPARE(q.batch, p.batch);
        // The measured figures travel too, readable by other tools.
        QImageReader reader(png);
        QCOMPARE(reader.text(QStringLiteral("reverie.measured_nfe")), QStringLiteral("2"));
        QVERIFY(!reader.text(QStringLiteral("reverie.seconds")).isEmpty());
        // A PNG without settings is a clear error, and the controls stay as they were.
        const QString plain = dir.filePath(QStringLiteral("plain.png"));
        QImage(4, 4, QImage::Format_Grayscale8).save(plain);
        QVERIFY(!fresh.loadSettings(plain, &error));
        QVERIFY(!error.isEmpty());
        QCOMPARE(fresh.currentParams().sampler, p.sampler);
    }

    void historyComparesAndRerunsRuns() {
        // Every finished sampling run is kept (across restarts); two compare side by side; a run
        // again with its settings and seed gives the same grid.
        REQUIRE_GENERATOR(model);
        Engine engine(1);
        QTemporaryDir dir;
        const QString historyDir = dir.filePath(QStringLiteral("history"));
        auto runOnce = [&](GenerateWorkbench& wb, const gen::GenerateParams& p) {
            reverie::testing::JobSpy done(&wb, QStringLiteral("sample"));
            QString error;
            if (!wb.startSampling(p, &error)) return false;
            return done.wait(60000) && done.status(0) == JobStatus::Succeeded;
        };
        QImage first;
        gen::GenerateParams p = tinyParams(model);
        {
            GenerateWorkbench wb(&engine, dir.path());
            wb.history() = RunHistory(QStringLiteral("generate"), historyDir);
            QVERIFY(runOnce(wb, p));
            first = wb.resultImage();
            auto q = p;
            q.seed = 99;
            q.nfe = 4;
            QVERIFY(runOnce(wb, q));
            QVERIFY(wb.resultImage() != first);
        }
        GenerateWorkbench wb(&engine, dir.path());
        wb.history() = RunHistory(QStringLiteral("generate"), historyDir);
        wb.refreshHistory();
        const auto runs = wb.history().runs();
        QCOMPARE(runs.size(), 2);
        QCOMPARE(runs[1].settings.value(QStringLiteral("nfe")).toInt(), 3);
        QCOMPARE(runs[0].settings.value(QStringLiteral("nfe")).toInt(), 4);
        QCOMPARE(wb.page()->findChild<QListWidget*>(QStringLiteral("historyList"))->count(), 2);
        QString error;
        QVERIFY2(wb.compareRuns(runs[1].id, runs[0].id, &error), qPrintable(error));
        auto* view =
            wb.page()->findChild<reverie::widgets::SplitImageView*>(QStringLiteral("historyCompareView"));
        QVERIFY(view);
        QCOMPARE(view->leftImage().convertToFormat(first.format()), first);
        reverie::testing::JobSpy done(&wb, QStringLiteral("sample"));
        QVERIFY2(wb.rerun(runs[1].id, &error), qPrintable(error));
        QVERIFY(done.wait(60000));
        QCOMPARE(wb.resultImage(), first);
        QCOMPARE(wb.history().runs().size(), 3);
    }

    void sweepsEndToEnd() {
        REQUIRE_GENERATOR(model);
        const auto classifier = reverie::models::zoo::find(reverie::models::zoo::kClassifier);
        if (classifier.empty()) QSKIP("the shipped classifier is not there");
        Engine engine(1);
        GenerateWorkbench wb(&engine, QDir::tempPath());
        wb.page()->resize(1100, 750);
        wb.page()->show();
        reverie::testing::JobSpy done(&wb, QStringLiteral("sweep"));
        gen::SweepParams sp;
        sp.base = tinyParams(model);
        sp.base.previews = false;
        sp.samplerIds = {"dpmpp-2m", "ode-euler"};
        sp.nfes = {2, 3};
        sp.samples = 8;
        sp.eval = gen::EvalSet{classifier, ""};
        QString error;
        QVERIFY2(wb.startSweep(sp, &error), qPrintable(error));
        QVERIFY(!wb.startSampling(tinyParams(model), &error)); // one job at a time
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 180000);
        QVERIFY2(done.status(0) == JobStatus::Succeeded, qPrintable(done.message(0)));
        QCOMPARE(wb.sweepPlot()->seriesNames().size(), 2);
        for (const auto& name : wb.sweepPlot()->seriesNames()) QCOMPARE(wb.sweepPlot()->pointCount(name), 2);
        QCOMPARE(wb.sweepRows(), 4);
        for (int r = 0; r < 4; ++r) {
            bool ok = false;
            const double fd = wb.sweepCell(r, 2).toDouble(&ok);
            QVERIFY2(ok && std::isfinite(fd) && fd > 0, qPrintable(wb.sweepCell(r, 2)));
        }
        // Bad sweep settings are refused before anything runs.
        sp.nfes.clear();
        QVERIFY(!wb.startSweep(sp, &error));
        QVERIFY(!error.isEmpty());
    }

    void wrongModelFolderIsAClearMessage() {
        REQUIRE_GENERATOR(model);
        Engine engine(1);
        GenerateWorkbench wb(&engine, QDir::tempPath());
        reverie::testing::JobSpy done(&wb, QStringLiteral("sample"));
        QString error;
        auto p = tinyParams(model);
        p.modelDir = "/nonexistent/reverie-model";
        QVERIFY(!wb.startSampling(p, &error));
        QVERIFY2(error.contains(QStringLiteral("/nonexistent/reverie-model")), qPrintable(error));
        // A folder that exists but holds no model: the job fails with a message naming it.
        QTemporaryDir empty;
        p.modelDir = empty.path().toStdString();
        QVERIFY2(wb.startSampling(p, &error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 60000);
        QCOMPARE(done.status(0), JobStatus::Failed);
        QVERIFY2(done.message(0).contains(empty.path()), qPrintable(done.message(0)));
        QVERIFY(wb.sampleStatusText().contains(empty.path()));
        // Invalid settings are refused up front.
        p = tinyParams(model);
        p.sampler = "no-such-sampler";
        QVERIFY(!wb.startSampling(p, &error));
        QVERIFY2(error.contains(QStringLiteral("no-such-sampler")), qPrintable(error));
        // The workbench takes a new run afterwards.
        QVERIFY2(wb.startSampling(tinyParams(model), &error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 2, 60000);
        QCOMPARE(done.status(1), JobStatus::Succeeded);
    }

    // The Stable Diffusion tab end to end on the tiny SD file made of the oracle fixtures: live
    // previews, the images, a PNG with A1111 parameters that loads back, clear refusals.
    void stableDiffusionFromAFile() {
        QTemporaryDir dir;
        const QString ckpt = dir.filePath(QStringLiteral("tiny-sd.safetensors"));
        QVERIFY(reverie::testing::writeTinySdCheckpoint(ckpt));
        Engine engine(1);
        GenerateWorkbench wb(&engine, dir.path());
        wb.page()->resize(1100, 750);
        wb.page()->show();
        QVERIFY(wb.page()->findChild<QPushButton*>(QStringLiteral("sdOpen")));
        QVERIFY(wb.page()->findChild<QLabel*>(QStringLiteral("sdEstimate"))->text().contains(QStringLiteral("40 UNet passes")));
        reverie::testing::JobSpy done(&wb, QStringLiteral("sd"));
        QString error;
        QVERIFY(!wb.startSd(wb.currentSdParams(), &error)); // no checkpoint chosen yet
        QVERIFY2(error.contains(QStringLiteral("Open checkpoint")), qPrintable(error));
        gen::SdParams p = wb.currentSdParams();
        p.checkpoint = dir.filePath(QStringLiteral("missing.safetensors")).toStdString();
        QVERIFY(!wb.startSd(p, &error));
        QVERIFY2(error.contains(QStringLiteral("does not exist")), qPrintable(error));
        p.checkpoint = ckpt.toStdString();
        p.prompt = "a lighthouse at dusk";
        p.negativePrompt = "fog";
        p.width = p.height = 32;
        p.steps = 3;
        p.seed = 11;
        p.textHeads = 2; // the fixture's text tower; no control for it
        QVERIFY2(wb.startSd(p, &error), qPrintable(error));
        QVERIFY(!wb.page()->findChild<QPushButton*>(QStringLiteral("sdGenerate"))->isEnabled());
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 60000);
        QCOMPARE(done.status(0), JobStatus::Succeeded);
        QCOMPARE(wb.sdImages().size(), 1);
        QCOMPARE(wb.sdImages().front().size(), QSize(32, 32));
        QCOMPARE(wb.sdPreviewCount(), 3); // one x̂₀ per step (the decoded image replaces the last)
        QVERIFY2(wb.sdStatusText().startsWith(QStringLiteral("1 image(s) · NFE 3")), qPrintable(wb.sdStatusText()));
        QVERIFY(wb.page()->findChild<QPushButton*>(QStringLiteral("sdSave"))->isEnabled());
        if (const QString shot = qEnvironmentVariable("REVERIE_SCREENSHOT"); !shot.isEmpty()) {
            wb.page()->findChild<QTabWidget*>(QStringLiteral("generateTabs"))->setCurrentIndex(2);
            QVERIFY(wb.page()->grab().save(shot));
        }
        const QString png = dir.filePath(QStringLiteral("lighthouse.png"));
        QVERIFY2(wb.saveSdImage(0, png, &error), qPrintable(error));
        QVERIFY(QImage(png).text(QStringLiteral("parameters"))
                    .startsWith(QStringLiteral("a lighthouse at dusk\nNegative prompt: fog\nSteps: 3, Sampler: DPM++ 2M Karras")));
        auto changed = wb.currentSdParams();
        changed.prompt = "something else";
        changed.steps = 9;
        wb.applySdParams(changed);
        QVERIFY2(wb.loadSdParameters(png, &error), qPrintable(error));
        QCOMPARE(wb.currentSdParams().prompt, p.prompt);
        QCOMPARE(wb.currentSdParams().steps, 3);
        QCOMPARE(wb.currentSdParams().seed, std::uint64_t(11));
        QVERIFY(!wb.loadSdParameters(ckpt, &error)); // not an image

        // Erase the prompt's concept from the tab, regenerate the same seed (a different image),
        // uncheck the edit and regenerate (the first image again, pixel for pixel).
        SdPanel* panel = wb.page()->findChild<SdPanel*>(QStringLiteral("sdTab"));
        QVERIFY(panel);
        const QImage first = wb.sdImages().front();
        reverie::erase::SdEraseParams e;
        e.checkpoint = ckpt.toStdString();
        e.concepts = {p.prompt};
        e.method = "uce";
        e.textHeads = 2;
        reverie::testing::JobSpy erased(&wb, QStringLiteral("sd-erase"));
        QVERIFY2(wb.startSdErase(e, &error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(erased.count(), 1, 60000);
        QCOMPARE(erased.status(0), JobStatus::Succeeded);
        QCOMPARE(panel->editCount(), 1);
        QVERIFY2(wb.sdStatusText().startsWith(QStringLiteral("Erased \"a lighthouse at dusk\" from 22 K/V matrices")),
                 qPrintable(wb.sdStatusText()));
        QCOMPARE(wb.currentSdParams().edits.size(), std::size_t(1));
        auto again = wb.currentSdParams();
        again.textHeads = 2;
        QVERIFY2(wb.startSd(again, &error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 2, 60000);
        QVERIFY(reverie::testing::maxPixelDiff(wb.sdImages().front(), first) > 0);
        panel->setEditChecked(0, false);
        again = wb.currentSdParams();
        QVERIFY(again.edits.empty());
        QVERIFY2(wb.startSd(again, &error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 3, 60000);
        QCOMPARE(reverie::testing::maxPixelDiff(wb.sdImages().front(), first), 0);
        e.concepts = {"   "};
        QVERIFY(!wb.startSdErase(e, &error));
        QVERIFY(!wb.addSdAddon(ckpt, &error)); // a checkpoint is neither an edit nor a LoRA
        QVERIFY2(error.contains(QStringLiteral("neither")), qPrintable(error));
        QCOMPARE(panel->editCount(), 1);
        // A file that is not SD: the job fails with the reason and the workbench takes the next run.
        p.checkpoint = REVERIE_SOURCE_DIR "/tests/fixtures/sd/sd_unet_small.safetensors";
        QVERIFY2(wb.startSd(p, &error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 4, 60000);
        QCOMPARE(done.status(3), JobStatus::Failed);
        QVERIFY2(wb.sdStatusText().contains(QStringLiteral("text encoder")), qPrintable(wb.sdStatusText()));

        // img2img from the tab: the saved PNG as the start image, strength 0.5 of 3 steps → 2 steps.
        panel->setInitImagePath(png);
        auto i2i = wb.currentSdParams();
        QVERIFY(!i2i.initImage.empty());
        QCOMPARE(i2i.initImage.width, i2i.width);
        i2i.checkpoint = ckpt.toStdString();
        i2i.width = i2i.height = 32;
        i2i.initImage = reverie::app::toImageU8(QImage(png));
        i2i.strength = 0.5;
        i2i.steps = 3;
        i2i.textHeads = 2;
        QVERIFY2(wb.startSd(i2i, &error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 5, 60000);
        QCOMPARE(done.status(4), JobStatus::Succeeded);
        QVERIFY2(wb.sdStatusText().startsWith(QStringLiteral("1 image(s) · NFE 2")), qPrintable(wb.sdStatusText()));
        panel->setInitImagePath(dir.filePath(QStringLiteral("no-such.png")));
        QVERIFY(!wb.startSd(wb.currentSdParams(), &error));
        QVERIFY2(error.contains(QStringLiteral("Cannot read the start image")), qPrintable(error));
    }

    void stableDiffusionRunsAreKept() {
        // An SD run is kept in the History tab with everything needed to run it again (checkpoint,
        // prompt, seed, edits); after a restart "Run again" gives the same images in the SD tab with
        // the run's edit checked; a run whose edit file is gone is refused with the reason.
        QTemporaryDir dir;
        const QString ckpt = dir.filePath(QStringLiteral("tiny-sd.safetensors"));
        QVERIFY(reverie::testing::writeTinySdCheckpoint(ckpt));
        const QString historyDir = dir.filePath(QStringLiteral("history"));
        Engine engine(1);
        gen::SdParams p;
        p.checkpoint = ckpt.toStdString();
        p.prompt = "a red bicycle";
        p.width = p.height = 32;
        p.steps = 2;
        p.seed = 5;
        p.batch = 2;
        p.textHeads = 2;
        QList<QImage> plain, edited;
        QString editFile;
        {
            GenerateWorkbench wb(&engine, dir.path());
            wb.history() = RunHistory(QStringLiteral("generate"), historyDir);
            reverie::testing::JobSpy done(&wb, QStringLiteral("sd"));
            QString error;
            QVERIFY2(wb.startSd(p, &error), qPrintable(error));
            QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 60000);
            QCOMPARE(done.status(0), JobStatus::Succeeded);
            plain = wb.sdImages();
            reverie::erase::SdEraseParams e;
            e.checkpoint = p.checkpoint;
            e.concepts = {p.prompt};
            e.textHeads = 2;
            reverie::testing::JobSpy erased(&wb, QStringLiteral("sd-erase"));
            QVERIFY2(wb.startSdErase(e, &error), qPrintable(error));
            QTRY_COMPARE_WITH_TIMEOUT(erased.count(), 1, 60000);
            QCOMPARE(erased.status(0), JobStatus::Succeeded);
            auto q = wb.currentSdParams();
            QCOMPARE(q.edits.size(), std::size_t(1));
            editFile = QString::fromStdString(q.edits.front().file);
            QVERIFY2(wb.startSd(q, &error), qPrintable(error));
            QTRY_COMPARE_WITH_TIMEOUT(done.count(), 2, 60000);
            QCOMPARE(done.status(1), JobStatus::Succeeded);
            edited = wb.sdImages();
            QVERIFY(reverie::testing::maxPixelDiff(edited.front(), plain.front()) > 0);
        }
        GenerateWorkbench wb(&engine, dir.path());
        wb.history() = RunHistory(QStringLiteral("generate"), historyDir);
        wb.refreshHistory();
        const auto runs = wb.history().runs();
        QCOMPARE(runs.size(), 2);
        const auto& s = runs[0].settings; // newest first: the edited run
        QCOMPARE(s.value(QStringLiteral("kind")).toString(), QStringLiteral("sd"));
        QCOMPARE(s.value(QStringLiteral("prompt")).toString(), QStringLiteral("a red bicycle"));
        QCOMPARE(s.value(QStringLiteral("edits")).toArray().size(), 1);
        QVERIFY(s.value(QStringLiteral("parameters"))
                    .toString()
                    .startsWith(QStringLiteral("a red bicycle\nSteps: 2")));
        QVERIFY(runs[0].title.startsWith(QStringLiteral("SD · a red bicycle")));
        QCOMPARE(runs[1].figures.value(QStringLiteral("nfe")).toInt(), 2);
        QCOMPARE(wb.history().resultImage(runs[1]).size(),
                 QSize(2 * 32 + 2, 32)); // the batch of two, tiled (2-px gap)
        QCOMPARE(wb.page()->findChild<QListWidget*>(QStringLiteral("historyList"))->count(), 2);

        reverie::testing::JobSpy done(&wb, QStringLiteral("sd"));
        QString error;
        QVERIFY2(wb.rerun(runs[0].id, &error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 60000);
        QCOMPARE(done.status(0), JobStatus::Succeeded);
        QCOMPARE(wb.sdImages().size(), 2);
        QCOMPARE(reverie::testing::maxPixelDiff(wb.sdImages()[0], edited[0]), 0);
        QCOMPARE(reverie::testing::maxPixelDiff(wb.sdImages()[1], edited[1]), 0);
        QCOMPARE(wb.currentSdParams().edits.size(), std::size_t(1)); // the tab shows what ran
        QCOMPARE(wb.page()->findChild<QTabWidget*>(QStringLiteral("generateTabs"))->currentWidget(),
                 wb.page()->findChild<SdPanel*>(QStringLiteral("sdTab")));
        QVERIFY2(wb.rerun(runs[1].id, &error), qPrintable(error)); // the plain run: its edit unchecked
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 2, 60000);
        QCOMPARE(reverie::testing::maxPixelDiff(wb.sdImages()[0], plain[0]), 0);
        QVERIFY(wb.currentSdParams().edits.empty());
        QCOMPARE(wb.history().runs().size(), 4);

        QVERIFY(QFile::remove(editFile));
        QVERIFY(!wb.rerun(runs[0].id, &error));
        QVERIFY2(error.contains(QStringLiteral("gone")), qPrintable(error));
        QCOMPARE(done.count(), 2);
    }

    void cancelsSamplingPromptly() {
        REQUIRE_GENERATOR(model);
        Engine engine(1);
        GenerateWorkbench wb(&engine, QDir::tempPath());
        reverie::testing::JobSpy done(&wb, QStringLiteral("sample"));
        QSignalSpy progress(&engine, &Engine::jobProgress);
        auto p = tinyParams(model);
        p.sampler = "em";
        p.batch = 16;
        p.nfe = 200;
        QString error;
        QVERIFY2(wb.startSampling(p, &error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(progress.count() >= 1, 60000);
        QElapsedTimer clock;
        clock.start();
        wb.cancel();
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 10000);
        QVERIFY2(clock.elapsed() < 10000, qPrintable(QString::number(clock.elapsed())));
        QCOMPARE(done.status(0), JobStatus::Cancelled);
        QVERIFY(progress.count() < 200);
        QVERIFY(wb.page()->findChild<QPushButton*>(QStringLiteral("generate"))->isEnabled());
        QVERIFY(!wb.isBusy());
    }

    void measuresBitsPerDim() {
        REQUIRE_GENERATOR(model);
        Engine engine(1);
        GenerateWorkbench wb(&engine, QDir::tempPath());
        reverie::testing::JobSpy done(&wb, QStringLiteral("likelihood"));
        QString error;
        QVERIFY2(wb.startLikelihood(2, &error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 120000);
        QVERIFY2(done.status(0) == JobStatus::Succeeded, qPrintable(done.message(0)));
        const QString text = wb.likelihoodText();
        QVERIFY2(text.startsWith(QStringLiteral("bits/dim ")) && text.contains(QStringLiteral("over 2 test images")),
                 qPrintable(text));
        const double bpd = text.section(QLatin1Char(' '), 1, 1).toDouble();
        // The figure shown is core/generate's for the same setting (the workbench's default SDE,
        // 2 images, seed 0), and the model beats 8 bits/dim, what uniform noise over the 256
        // grey levels would cost.
        gen::LikelihoodParams lp;
        lp.modelDir = model.toStdString();
        lp.sde = wb.currentParams().sde;
        lp.count = 2;
        lp.batch = 2;
        const auto direct = gen::runLikelihood(lp, {});
        QVERIFY(direct.ok());
        qInfo("bits/dim shown %.3f, core %.4f", bpd, direct.value().bpd);
        QVERIFY2(std::abs(bpd - direct.value().bpd) <= 0.0005 + 1e-9, qPrintable(text));
        QVERIFY2(bpd < 8, qPrintable(text));
    }
};

QTEST_MAIN(TestGenerate)
#include "tst_generate.moc"
