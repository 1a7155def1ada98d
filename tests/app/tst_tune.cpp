// The Tune workbench's Train tab: every built-in recipe is embedded and trains (zero steps: the
// data loads and the network is built), a tiny recipe trains end to end with a live loss curve,
// and bad recipes are clear messages.

#include "jobs/engine.h"
#include "jobspy.h"
#include "seriesplot.h"
#include "workbenches/tune/tuneworkbench.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

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
