// The Generate workbench's training runs end to end offscreen on the engine thread: the loss
// curve fills, the run finishes with a checkpoint, a bad recipe is a clear message.

#include "engine/engine.h"
#include "workbenches/generateworkbench.h"

#include "seriesplot.h"

#include <QtTest>
#include <QtWidgets>

using namespace reverie::app;

namespace {
const char* kTinyRecipe = R"({
  "name": "tiny", "task": "denoiser", "train_limit": 64, "batch": 8, "steps": 3, "warmup": 1,
  "checkpoint_every": 100, "log_every": 1,
  "net": {"base_channels": 8, "channel_mult": [1, 2], "res_blocks": 1, "attn_resolutions": [], "emb_dim": 16}
})";
}

class TestGenerate : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void builtinRecipesAreEmbeddedAndValid() {
        const auto recipes = GenerateWorkbench::builtinRecipes();
        QStringList names;
        for (const auto& [name, json] : recipes) names << name;
        QVERIFY2(names.contains(QStringLiteral("fmnist-edm")), qPrintable(names.join(',')));
        QVERIFY(names.contains(QStringLiteral("fmnist-classifier")));
        Engine engine(1);
        GenerateWorkbench wb(&engine, QDir::tempPath());
        for (const auto& [name, json] : recipes) {
            QString error;
            // Valid recipes start; cancel at once so nothing is trained here.
            QTemporaryDir dir;
            QVERIFY2(wb.startTraining(json, dir.path(), 0, false, &error), qPrintable(name + ": " + error));
            wb.cancel();
            QSignalSpy done(&wb, &GenerateWorkbench::trainingFinished);
            QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 60000);
        }
    }

    void trainsEndToEnd() {
        Engine engine(1);
        GenerateWorkbench wb(&engine, QDir::tempPath());
        wb.page()->resize(800, 600);
        wb.page()->show();
        QTemporaryDir dir;
        QSignalSpy done(&wb, &GenerateWorkbench::trainingFinished);
        QString error;
        QVERIFY2(wb.startTraining(QString::fromUtf8(kTinyRecipe), dir.path(), -1, false, &error), qPrintable(error));
        QVERIFY(wb.isTraining());
        QVERIFY(!wb.startTraining(QString::fromUtf8(kTinyRecipe), dir.path(), -1, false, &error)); // one at a time
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 120000);
        QCOMPARE(done.at(0).at(0).value<JobStatus>(), JobStatus::Succeeded);
        QVERIFY2(wb.statusText().contains(QStringLiteral("Finished at step 3")), qPrintable(wb.statusText()));
        QTRY_COMPARE(wb.lossPlot()->pointCount(QStringLiteral("loss")), 3);
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("checkpoint.pt"))));
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("train_log.csv"))));
    }

    void badRecipeIsAClearMessage() {
        Engine engine(1);
        GenerateWorkbench wb(&engine, QDir::tempPath());
        QString error;
        QVERIFY(!wb.startTraining(QStringLiteral(R"({"name": "x", "stepz": 3})"), QDir::tempPath(), -1, false, &error));
        QVERIFY2(error.contains(QStringLiteral("unknown recipe key 'stepz'")), qPrintable(error));
        QVERIFY(!wb.startTraining(QStringLiteral("{not json"), QDir::tempPath(), -1, false, &error));
        QVERIFY2(error.contains(QStringLiteral("not valid JSON")), qPrintable(error));
        QVERIFY(!wb.isTraining());
    }
};

QTEST_MAIN(TestGenerate)
#include "tst_generate.moc"
