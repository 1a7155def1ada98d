// The Tune workbench's Train tab: every built-in recipe is embedded and trains (zero steps: the
// data loads and the network is built), a tiny recipe trains end to end with a live loss curve,
// and bad recipes are clear messages. Fine-tuning runs compare on the memory curves, the runs table
// and chart, and leave adapters that switch on and off over the base model.

#include "barchart.h"
#include "jobs/engine.h"
#include "jobspy.h"
#include "models/zoo.h"
#include "runhistory.h"
#include "seriesplot.h"
#include "workbenches/tune/continualpanel.h"
#include "workbenches/tune/gradientpanel.h"
#include "workbenches/tune/tuneworkbench.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace reverie::app;

namespace {
const char* kTinyRecipe = R"({
  "name": "tiny", "task": "denoiser", "batch": 8, "steps": 3, "warmup": 1, "checkpoint_every": 100, "log_every": 1,
  "options": {"train_limit": 64,
               "net": {"base_channels": 8, "channel_mult": [1, 2], "res_blocks": 1, "attn_resolutions": [], "emb_dim": 16}}
})";
} // namespace

class TestTune : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { qRegisterMetaType<JobStatus>(); }

    // The Continual tab: a run of the five tasks fills the accuracy matrices row by row (the upper
    // triangle stays empty), draws the average-accuracy curves and ends with average accuracy and
    // forgetting; the command-line run asks for "continual" and refuses anything else.
    void gradientTabComparesStrategies() {
        // The "Through the sampler" tab: every strategy's row lands with its memory; backprop's
        // peak grows with the steps, reversible's stays flat; bad settings are refused with the reason.
        if (reverie::models::zoo::find(reverie::models::zoo::kGenerator).empty() ||
            reverie::models::zoo::find(reverie::models::zoo::kClassifier).empty())
            QSKIP("the built-in generator or classifier is not there");
        Engine engine(1);
        TuneWorkbench wb(&engine, QDir::tempPath());
        GradientPanel* panel = wb.gradientPanel();
        QVERIFY(panel);
        QString error;
        panel->setSteps(QStringLiteral("3, x"));
        QVERIFY(!panel->start(&error));
        QVERIFY2(error.contains(QStringLiteral("\"x\" is not a step count")), qPrintable(error));
        panel->setSteps(QStringLiteral("3, 8"));
        reverie::testing::JobSpy done(&wb, QStringLiteral("grad"));
        QVERIFY2(wb.run(RunRequest{{}, {}, {}, QStringLiteral("gradient")}, &error), qPrintable(error));
        QVERIFY(panel->isRunning());
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 240000);
        QCOMPARE(done.status(0), JobStatus::Succeeded);
        QCOMPARE(panel->rows(), 8); // 2 step counts × 4 strategies
        QCOMPARE(panel->plot()->seriesNames().size(), 4);
        QCOMPARE(panel->cell(0, 1), QStringLiteral("backprop"));
        QCOMPARE(panel->cell(0, 2), QStringLiteral("4 + 0"));
        const double b3 = panel->peakMiB(QStringLiteral("backprop"), 3),
                     b8 = panel->peakMiB(QStringLiteral("backprop"), 8);
        const double r3 = panel->peakMiB(QStringLiteral("reversible"), 3),
                     r8 = panel->peakMiB(QStringLiteral("reversible"), 8);
        qInfo("peak MiB: backprop %.1f -> %.1f, reversible %.1f -> %.1f", b3, b8, r3, r8);
        QVERIFY2(b8 > 1.5 * b3, qPrintable(QStringLiteral("%1 %2").arg(b3).arg(b8)));
        QVERIFY2(r8 < 1.1 * r3 + 1.0 && r8 < 0.5 * b8, qPrintable(QStringLiteral("%1 %2").arg(r3).arg(r8)));
        const int reversibleRow = 6; // N = 8: backprop, checkpoint, reversible, adjoint
        QCOMPARE(panel->cell(reversibleRow, 1), QStringLiteral("reversible"));
        QVERIFY2(panel->cell(reversibleRow, 5).toDouble() < 1e-4, qPrintable(panel->cell(reversibleRow, 5)));
        QVERIFY(panel->statusText().startsWith(QStringLiteral("Measured 8 runs")));
    }

    void continualTabFillsTheAccuracyMatrix() {
        if (!QFileInfo::exists(QStringLiteral("/usr/share/datasets/fashion-mnist")) &&
            qEnvironmentVariableIsEmpty("REVERIE_FASHION_MNIST_DIR"))
            QSKIP("no Fashion-MNIST");
        Engine engine(1);
        TuneWorkbench wb(&engine, QDir::tempPath());
        auto* panel = wb.continualPanel();
        QVERIFY(panel);
        QVERIFY(wb.page()->findChild<QTableWidget*>(QStringLiteral("continualClassIl")));
        QString error;
        QVERIFY(!wb.run(RunRequest{{}, {}, {}, QStringLiteral("train")}, &error));
        QVERIFY(error.contains(QStringLiteral("continual")));
        QVERIFY(panel->setMethod(QStringLiteral("finetune")));
        QVERIFY(!panel->setMethod(QStringLiteral("magic")));
        panel->setRefresh(false);
        panel->setStepsPerTask(20);
        reverie::testing::JobSpy done(&wb, QStringLiteral("continual"));
        QVERIFY2(wb.run(RunRequest{{}, {}, {}, QStringLiteral("continual")}, &error), qPrintable(error));
        QVERIFY(panel->isRunning());
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 240000);
        QCOMPARE(done.status(0), JobStatus::Succeeded);
        for (int i = 0; i < 5; ++i)
            for (int j = 0; j < 5; ++j) {
                const double v = panel->cell(i, j), t = panel->cell(i, j, true);
                if (j <= i) {
                    QVERIFY2(v >= 0 && v <= 1 && t >= 0 && t <= 1,
                             qPrintable(QStringLiteral("%1 %2").arg(i).arg(j)));
                    QVERIFY(t >= v); // choosing between two classes is never harder than among ten
                } else {
                    QVERIFY(std::isnan(v));
                }
            }
        // Plain fine-tuning: the newest task is learned, the first is forgotten in class-IL.
        qInfo("R[4][4] %.3f (task-IL %.3f), R[0][0] %.3f, R[4][0] %.3f", panel->cell(4, 4),
              panel->cell(4, 4, true), panel->cell(0, 0), panel->cell(4, 0));
        QVERIFY(panel->cell(4, 4, true) > 0.6); // bag vs ankle boot after 20 steps (0.77 here; chance 0.5)
        QVERIFY(panel->cell(4, 0) < panel->cell(0, 0));
        QVERIFY2(panel->statusText().contains(QStringLiteral("forgetting")), qPrintable(panel->statusText()));
    }

    void builtinRecipesAreEmbeddedAndValid() {
        const auto recipes = TuneWorkbench::builtinRecipes();
        QStringList names;
        for (const auto& [name, json] : recipes) names << name;
        QVERIFY2(names.contains(QStringLiteral("fmnist-edm")), qPrintable(names.join(',')));
        QVERIFY(names.contains(QStringLiteral("fmnist-classifier")));
        Engine engine(1);
        TuneWorkbench wb(&engine, QDir::tempPath());
        reverie::testing::JobSpy done(&wb, QStringLiteral("train"));
        for (int i = 0; i < recipes.size(); ++i) {
            const auto& [name, json] = recipes[i];
            // Zero steps: the task loads its data and builds its network, writes a checkpoint of
            // step 0 and stops (no training here).
            QTemporaryDir dir;
            QString error;
            QVERIFY2(wb.startTraining(json, dir.path(), 0, false, &error), qPrintable(name + ": " + error));
            QTRY_COMPARE_WITH_TIMEOUT(done.count(), i + 1, 120000);
            // A recipe that continues another run (init_from, e.g. the photo denoiser's later stages)
            // cannot start before that run exists, and says so.
            const QString init =
                QJsonDocument::fromJson(json.toUtf8()).object().value(QStringLiteral("options")).toObject().value(
                    QStringLiteral("init_from")).toString();
            if (!init.isEmpty() && !QFile::exists(init)) {
                QVERIFY2(done.status(i) == JobStatus::Failed, qPrintable(name));
                QVERIFY2(done.message(i).contains(init) && done.message(i).contains(QStringLiteral("train it first")),
                         qPrintable(done.message(i)));
                continue;
            }
            QVERIFY2(done.status(i) == JobStatus::Succeeded, qPrintable(name + ": " + done.message(i)));
            QVERIFY2(QFile::exists(dir.filePath(QStringLiteral("checkpoint.pt"))), qPrintable(name));
        }
    }

    void trainsEndToEnd() {
        Engine engine(1);
        TuneWorkbench wb(&engine, QDir::tempPath());
        wb.page()->resize(800, 600);
        wb.page()->show();
        QTemporaryDir dir;
        reverie::testing::JobSpy done(&wb, QStringLiteral("train"));
        QString error;
        QVERIFY2(wb.startTraining(QString::fromUtf8(kTinyRecipe), dir.path(), -1, false, &error), qPrintable(error));
        QVERIFY(wb.isTraining());
        QVERIFY(!wb.startTraining(QString::fromUtf8(kTinyRecipe), dir.path(), -1, false, &error)); // one at a time
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 120000);
        QCOMPARE(done.status(0), JobStatus::Succeeded);
        QVERIFY2(wb.statusText().contains(QStringLiteral("Finished at step 3")), qPrintable(wb.statusText()));
        QTRY_COMPARE(wb.lossPlot()->pointCount(QStringLiteral("loss")), 3);
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("checkpoint.pt"))));
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("train_log.csv"))));
    }

    void methodPickerMemoryCurveAndRuns() {
        // The built-in fine-tuning recipe (the shipped DiT learning two held-out classes) shows
        // the method picker; each method's run keeps its memory curve and gets a row, and the
        // reversible method's activation memory is far below full fine-tuning's.
        Engine engine(1);
        TuneWorkbench wb(&engine, QDir::tempPath());
        QTemporaryDir historyDir;
        wb.history() = RunHistory(QStringLiteral("tune"), historyDir.path());
        wb.page()->resize(1100, 1000);
        wb.page()->show();
        QVERIFY(wb.selectRecipe(QStringLiteral("fmnist-edm")));
        QVERIFY(!wb.methodPickerVisible());
        QVERIFY(wb.selectRecipe(QStringLiteral("fmnist-dit-tune")));
        QVERIFY(wb.methodPickerVisible());
        QVERIFY(!wb.setMethod(QStringLiteral("meft9")));
        // The modulation picker starts at the recipe's setting (its run name stays <recipe>-<method>),
        // a changed one is applied and named, and full fine-tuning disables it.
        QVERIFY(!wb.setModulation(QStringLiteral("weights")));
        QVERIFY(wb.setMethod(QStringLiteral("meft2")));
        QVERIFY(wb.modulationPickerEnabled());
        QVERIFY2(wb.effectiveRecipe().contains(QStringLiteral("\"modulation\":\"lora\"")), qPrintable(wb.effectiveRecipe()));
        QVERIFY(wb.effectiveRecipe().contains(QStringLiteral("\"fmnist-dit-tune-meft2\"")));
        QVERIFY(wb.setModulation(QStringLiteral("bias")));
        QVERIFY2(wb.effectiveRecipe().contains(QStringLiteral("\"modulation\":\"bias\"")), qPrintable(wb.effectiveRecipe()));
        QVERIFY(wb.effectiveRecipe().contains(QStringLiteral("\"fmnist-dit-tune-meft2-mod-bias\"")));
        QVERIFY(wb.setMethod(QStringLiteral("full")));
        QVERIFY(!wb.modulationPickerEnabled());
        QVERIFY(wb.setModulation(QStringLiteral("lora")));
        reverie::testing::JobSpy done(&wb, QStringLiteral("train"));
        // REVERIE_SCREENSHOT=file.png: more methods and steps, and the page saved (README figure).
        const bool shot = qEnvironmentVariableIsSet("REVERIE_SCREENSHOT");
        QStringList methods = {QStringLiteral("meft1"), QStringLiteral("full")};
        if (shot) methods << QStringLiteral("checkpoint") << QStringLiteral("meft3") << QStringLiteral("lora");
        const int steps = shot ? 40 : 3;
        QString error;
        QTemporaryDir runs; // kept to the end: the last run's checkpoint is sampled below
        QVERIFY(!wb.sampleTunedAndBase(&error)); // nothing fine-tuned yet
        QVERIFY2(error.contains(QStringLiteral("Fine-tune a model first")), qPrintable(error));
        // Each run's adapter joins the list switched on and the samples follow.
        reverie::testing::JobSpy adapters(&wb, QStringLiteral("adapter"));
        reverie::testing::JobSpy sampled(&wb, QStringLiteral("sample"));
        for (int i = 0; i < methods.size(); ++i) {
            QVERIFY(wb.setMethod(methods[i]));
            const QString recipe = wb.effectiveRecipe();
            QVERIFY2(recipe.contains(QStringLiteral("\"method\":\"%1\"").arg(methods[i])), qPrintable(recipe));
            QVERIFY2(recipe.contains(QStringLiteral("fmnist-dit-tune-%1").arg(methods[i])), qPrintable(recipe));
            QVERIFY2(wb.startTraining(recipe, runs.filePath(methods[i]), steps, false, &error), qPrintable(error));
            QTRY_COMPARE_WITH_TIMEOUT(done.count(), i + 1, 120000);
            QVERIFY2(done.status(i) == JobStatus::Succeeded, qPrintable(done.message(i)));
            QTRY_COMPARE_WITH_TIMEOUT(sampled.count(), i + 1, 300000);
            QVERIFY2(sampled.status(i) == JobStatus::Succeeded, qPrintable(sampled.message(i)));
        }
        QCOMPARE(wb.memoryPlot()->seriesNames().mid(0, 2),
                 (QStringList{QStringLiteral("fmnist-dit-tune-meft1"), QStringLiteral("fmnist-dit-tune-full")}));
        QCOMPARE(wb.memoryPlot()->pointCount(QStringLiteral("fmnist-dit-tune-meft1")), steps);
        QCOMPARE(wb.runCount(), methods.size());
        QCOMPARE(wb.runCell(0, 0), QStringLiteral("fmnist-dit-tune-meft1"));
        QCOMPARE(wb.runCell(0, 1), QString::number(steps));
        const double meft = wb.runCell(0, 2).toDouble(), full = wb.runCell(1, 2).toDouble();
        qInfo("peak activation MiB: meft1 %.1f, full %.1f", meft, full);
        QVERIFY(meft > 0);
        QVERIFY2(meft < 0.5 * full, qPrintable(QStringLiteral("%1 vs %2").arg(meft).arg(full)));
        QVERIFY(wb.runCell(0, 4).toLongLong() < wb.runCell(1, 4).toLongLong()); // trainable parameters
        // The runs chart: one category per run, the table's figures side by side.
        QCOMPARE(wb.runsChart()->categoryCount(), methods.size());
        QCOMPARE(wb.runsChart()->categories(), methods); // a fine-tuning run is named by its method there
        for (int i = 0; i < methods.size(); ++i) {
            QVERIFY(std::abs(wb.runsChart()->value(0, i) - wb.runCell(i, 2).toDouble()) <= 0.051);
            QVERIFY(std::abs(wb.runsChart()->value(1, i) - wb.runCell(i, 3).toDouble()) <= 0.00051);
        }
        QVERIFY(wb.runsChart()->value(0, 0) < 0.5 * wb.runsChart()->value(0, 1));

        // Adapters: one per run, the last one on. Its grids: the new classes (sandal, bag), 8
        // each, one row per class; the base on the left, the tuned model on the right.
        QCOMPARE(wb.adapterCount(), methods.size());
        QVERIFY2(wb.adapterText(0).startsWith(QStringLiteral("fmnist-dit-tune-meft1 · meft1 · step %1 · classes 5, 8").arg(steps)),
                 qPrintable(wb.adapterText(0)));
        QVERIFY(wb.adapterPath(1).endsWith(QStringLiteral("full/adapter.safetensors")));
        QVERIFY(!wb.isAdapterOn(0));
        QVERIFY(wb.isAdapterOn(methods.size() - 1));
        QCOMPARE(wb.baseSamples().size(), QSize(8 * 28 + 7 * 2, 2 * 28 + 2));
        QCOMPARE(wb.tunedSamples().size(), wb.baseSamples().size());
        QVERIFY(wb.tunedSamples() != wb.baseSamples());
        QVERIFY2(wb.sampleStatusText().contains(QStringLiteral("5, 8")), qPrintable(wb.sampleStatusText()));
        const QImage base = wb.baseSamples(), lastTuned = wb.tunedSamples();
        // Switching MEFT1's adapter on switches the other off and regenerates on the same seeds.
        int n = sampled.count();
        wb.setAdapterOn(0, true);
        QTRY_COMPARE_WITH_TIMEOUT(sampled.count(), n + 1, 300000);
        QVERIFY(wb.isAdapterOn(0));
        for (int i = 1; i < methods.size(); ++i) QVERIFY(!wb.isAdapterOn(i));
        QCOMPARE(wb.baseSamples(), base);
        QVERIFY(wb.tunedSamples() != base && wb.tunedSamples() != lastTuned);
        QVERIFY2(wb.sampleStatusText().contains(QStringLiteral("fmnist-dit-tune-meft1")) ||
                     wb.sampleStatusText().contains(QStringLiteral("meft1")),
                 qPrintable(wb.sampleStatusText()));
        // Off: both grids are the base model's.
        n = sampled.count();
        wb.setAdapterOn(0, false);
        QTRY_COMPARE_WITH_TIMEOUT(sampled.count(), n + 1, 300000);
        QCOMPARE(wb.tunedSamples(), base);
        QVERIFY2(wb.sampleStatusText().contains(QStringLiteral("Every adapter is off")), qPrintable(wb.sampleStatusText()));
        // A file that is not an adapter: refused with the reason; the list is as it was.
        QFile junk(runs.filePath(QStringLiteral("junk.safetensors")));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("not a tensor file");
        junk.close();
        n = adapters.count();
        QVERIFY2(wb.loadAdapter(junk.fileName(), &error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(adapters.count(), n + 1, 60000);
        QCOMPARE(adapters.status(n), JobStatus::Failed);
        QVERIFY2(wb.sampleStatusText().startsWith(QStringLiteral("Adapter not loaded")), qPrintable(wb.sampleStatusText()));
        QCOMPARE(wb.adapterCount(), methods.size());
        // Loading a run's adapter again (from its file) updates its row instead of adding one.
        n = adapters.count();
        QVERIFY2(wb.loadAdapter(wb.adapterPath(0), &error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(adapters.count(), n + 1, 60000);
        QTRY_VERIFY(wb.isAdapterOn(0));
        QCOMPARE(wb.adapterCount(), methods.size());
        QTRY_VERIFY_WITH_TIMEOUT(!wb.sampleStatusText().startsWith(QStringLiteral("Sampling")), 300000);
        QVERIFY2(wb.statusText().startsWith(QStringLiteral("Finished at step")), qPrintable(wb.statusText()));
        if (shot) QVERIFY(wb.page()->grab().save(qEnvironmentVariable("REVERIE_SCREENSHOT")));
        // The history keeps each run with its recipe, figures and curves; two compare on the same
        // axes; the first runs again (its recipe and step limit, a new folder) to the same loss.
        const auto kept = wb.history().runs();
        QCOMPARE(kept.size(), methods.size());
        const RunRecord& meftRun = kept.back(); // the oldest
        QVERIFY(meftRun.title.startsWith(QStringLiteral("fmnist-dit-tune-meft1")));
        QCOMPARE(meftRun.figures.value(QStringLiteral("memory_curve")).toArray().size(), steps);
        QCOMPARE(meftRun.figures.value(QStringLiteral("loss_curve")).toArray().size(), steps);
        QCOMPARE(meftRun.figures.value(QStringLiteral("steps")).toInt(), steps);
        QVERIFY(meftRun.figures.value(QStringLiteral("peak_mib")).toDouble() > 0);
        QVERIFY(meftRun.settings.value(QStringLiteral("recipe"))
                    .toString()
                    .contains(QStringLiteral("\"method\":\"meft1\"")));
        QVERIFY2(wb.compareRuns(kept[0].id, meftRun.id, &error), qPrintable(error));
        QCOMPARE(wb.compareMemoryPlot()->seriesNames().size(), 2);
        for (const auto& series : wb.compareMemoryPlot()->seriesNames())
            QCOMPARE(wb.compareMemoryPlot()->pointCount(series), steps);
        QVERIFY2(wb.rerun(meftRun.id, &error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), int(methods.size()) + 1, 120000);
        QVERIFY2(done.status(int(methods.size())) == JobStatus::Succeeded,
                 qPrintable(done.message(int(methods.size()))));
        QTRY_VERIFY_WITH_TIMEOUT(!wb.isBusy(), 300000); // and the samples of its adapter
        const auto again = wb.history().runs();
        QCOMPARE(again.size(), methods.size() + 1);
        QCOMPARE(again[0].figures.value(QStringLiteral("steps")).toInt(), steps);
        QCOMPARE(again[0].figures.value(QStringLiteral("loss")).toDouble(),
                 meftRun.figures.value(QStringLiteral("loss")).toDouble());
        QVERIFY(again[0]
                    .settings.value(QStringLiteral("out_dir"))
                    .toString()
                    .endsWith(QStringLiteral("-again-2")));
        QVERIFY(!wb.rerun(QStringLiteral("no-such-run"), &error));
    }

    void badRecipeIsAClearMessage() {
        Engine engine(1);
        TuneWorkbench wb(&engine, QDir::tempPath());
        QString error;
        QVERIFY(!wb.startTraining(QStringLiteral(R"({"name": "x", "stepz": 3})"), QDir::tempPath(), -1, false, &error));
        QVERIFY2(error.contains(QStringLiteral("unknown denoiser key 'stepz'")), qPrintable(error));
        QVERIFY(!wb.startTraining(QStringLiteral("{not json"), QDir::tempPath(), -1, false, &error));
        QVERIFY2(error.contains(QStringLiteral("not valid JSON")), qPrintable(error));
        QVERIFY(!wb.isTraining());
    }
};

QTEST_MAIN(TestTune)
#include "tst_tune.moc"
