// The Erase workbench offscreen on the engine thread, with a tiny random text model and a tiny
// random classifier saved to a temporary folder: the grid (original | active set, classifier
// label under every image), erasing a concept with UCE, toggling it regenerates and switching it
// off gives the original images back, a weight change regenerates, an unknown word and a missing
// model are messages, a closed-form attack shows its images and share, and the library survives
// a save/load round trip. The Stable Diffusion tab on a tiny SD 1.x file: a comparison of the
// file with itself, a UCE erase that moves the erased prompt's images while the originals stay,
// and unchecking the edit gives the originals back.

#include "data/text.h"
#include "jobs/engine.h"
#include "jobspy.h"
#include "models/classifier.h"
#include "models/store.h"
#include "models/textmodel.h"
#include "runhistory.h"
#include "workbenches/erase/eraseworkbench.h"
#include "workbenches/historypanel.h"

#include "splitimageview.h"

#include "fixtures.h"
#include "sdfixture.h"

#include <ATen/ATen.h>
#include <torch/serialize.h>

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>
#include <QtWidgets>

#include <cstring>
#include <filesystem>
#include <fstream>

using namespace reverie::app;
namespace er = reverie::erase;

namespace {

bool writeTinyModel(const std::string& dir) { return reverie::testing::writeTinyTextModel(dir, 1); }

void writeTinyClassifier(const std::string& dir) { reverie::testing::writeTinyClassifier(dir); }

QVector<QImage> grid(const EraseWorkbench& wb, bool original) {
    QVector<QImage> out;
    for (int r = 0; r < wb.gridRows(); ++r)
        for (int c = 0; c < wb.gridColumns(); ++c) out << (original ? wb.originalImage(r, c) : wb.activeImage(r, c));
    return out;
}

/// Waits for the next grid; returns its status.
JobStatus nextGrid(EraseWorkbench& wb, reverie::testing::JobSpy& spy, int count) {
    if (!QTest::qWaitFor([&] { return spy.count() >= count; }, 60000)) return JobStatus::Failed;
    return spy.status(count - 1);
}

} // namespace

class TestEraseWorkbench : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_tmp;
    QString m_model, m_classifier;

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_tmp.isValid());
        m_model = m_tmp.filePath(QStringLiteral("model"));
        m_classifier = m_tmp.filePath(QStringLiteral("classifier"));
        QVERIFY(writeTinyModel(m_model.toStdString()));
        writeTinyClassifier(m_classifier.toStdString());
    }

    void missingModelIsAMessage() {
        Engine engine(1);
        EraseWorkbench wb(&engine);
        wb.setModelFolders(QString(), m_classifier);
        QWidget* page = wb.page();
        QVERIFY(page->findChild<QTableWidget*>(QStringLiteral("eraseLibrary")));
        QString error;
        QVERIFY(!wb.regenerate(&error));
        QVERIFY2(error.contains(QStringLiteral("fmnist-text is not installed")), qPrintable(error));
        QVERIFY(!wb.startErase(QStringLiteral("sneaker"), QStringLiteral("uce"), &error));
        QVERIFY(error.contains(QStringLiteral("fmnist-text")));
        QVERIFY(!page->findChild<QPushButton*>(QStringLiteral("eraseConcept"))->isEnabled());
    }

    void stableDiffusionFile() {
        QTemporaryDir dir;
        const QString ckpt = dir.filePath(QStringLiteral("tiny-sd.safetensors"));
        QVERIFY(reverie::testing::writeTinySdCheckpoint(ckpt));
        Engine engine(1);
        EraseWorkbench wb(&engine, nullptr, dir.path());
        auto* tabs = qobject_cast<QTabWidget*>(wb.page());
        QVERIFY(tabs);
        QCOMPARE(tabs->count(), 3); // the built-in model, a Stable Diffusion file, the history
        tabs->setCurrentIndex(1);
        tabs->resize(1300, 720);
        tabs->show();
        SdErasePage& sd = wb.sd();
        reverie::testing::JobSpy compared(&wb, QStringLiteral("sd-compare")), erased(&wb, QStringLiteral("sd-erase"));
        QString error;
        QVERIFY(!sd.compare(&error));
        QVERIFY2(error.contains(QStringLiteral("Open checkpoint")), qPrintable(error));
        sd.setCheckpoint(ckpt);
        sd.setHeads(2, 0); // the fixture's text tower
        QVERIFY(!sd.compare(&error));
        QVERIFY2(error.contains(QStringLiteral("prompt")), qPrintable(error));
        sd.setPrompts({QStringLiteral("a red fox"), QStringLiteral("a blue car")});
        sd.setSettings(32, 3, 2, 5, 7.5);
        QVERIFY2(sd.compare(&error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(compared.count(), 1, 120000);
        QCOMPARE(compared.status(0), JobStatus::Succeeded);
        QCOMPARE(sd.gridRows(), 2);
        QCOMPARE(sd.originalImage(1, 1).size(), QSize(32, 32));
        QCOMPARE(reverie::testing::maxPixelDiff(sd.originalImage(0, 0), sd.editedImage(0, 0)), 0); // no edits yet
        QCOMPARE(sd.moved(0), 0.0);
        QVERIFY(reverie::testing::maxPixelDiff(sd.originalImage(0, 0), sd.originalImage(0, 1)) > 0); // two seeds
        const QImage fox = sd.originalImage(0, 0), car = sd.originalImage(1, 0);

        QVERIFY(!sd.addEditFile(ckpt, &error)); // a checkpoint is not an edit
        QVERIFY(!error.isEmpty());
        QCOMPARE(sd.editCount(), 0);

        // Erase the fox: the edit is added checked and the edited column regenerates alone.
        QVERIFY2(sd.startErase(QStringLiteral("a red fox"), QStringLiteral("uce"), {}, QStringLiteral("a blue car"), &error),
                 qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(erased.count(), 1, 120000);
        QCOMPARE(erased.status(0), JobStatus::Succeeded);
        QCOMPARE(sd.editCount(), 1);
        QCOMPARE(sd.checkedEdits().size(), 1);
        QVERIFY(QFileInfo(sd.checkedEdits().front()).absolutePath().endsWith(QStringLiteral("sd-edits")));
        QTRY_COMPARE_WITH_TIMEOUT(compared.count(), 2, 120000);
        QCOMPARE(compared.status(1), JobStatus::Succeeded);
        QCOMPARE(reverie::testing::maxPixelDiff(sd.originalImage(0, 0), fox), 0); // the originals were kept
        QCOMPARE(reverie::testing::maxPixelDiff(sd.originalImage(1, 0), car), 0);
        QVERIFY(reverie::testing::maxPixelDiff(sd.editedImage(0, 0), fox) > 0);
        QVERIFY2(sd.moved(0) > 0, qPrintable(QString::number(sd.moved(0))));
        qInfo("moved: erased prompt %.2f, preserved prompt %.2f", sd.moved(0), sd.moved(1));
        const double erasedMoved = sd.moved(0);
        if (const QString shot = qEnvironmentVariable("REVERIE_SCREENSHOT"); !shot.isEmpty()) {
            QVERIFY(tabs->grab().save(shot));
        }

        // Unchecking the edit regenerates the edited column: the originals again, pixel for pixel.
        sd.setEditChecked(0, false);
        QTRY_COMPARE_WITH_TIMEOUT(compared.count(), 3, 120000);
        QCOMPARE(compared.status(2), JobStatus::Succeeded);
        QCOMPARE(reverie::testing::maxPixelDiff(sd.editedImage(0, 0), fox), 0);
        QCOMPARE(sd.moved(0), 0.0);

        // RECE's closed-form attack on the edit at CFG 1 (the prompt's branch alone; the attack
        // replaces only the prompt's states, and at CFG 7.5 the empty prompt's branch, which the
        // tiny model's edit moves too, keeps the images 11.8 grey levels away): the fox comes back.
        sd.setSettings(32, 3, 2, 5, 1.0);
        reverie::testing::JobSpy attacked(&wb, QStringLiteral("sd-attack"));
        QVERIFY2(sd.startAttack(0, &error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(attacked.count(), 1, 120000);
        QCOMPARE(attacked.status(0), JobStatus::Succeeded);
        QCOMPARE(sd.attackImage(1).size(), QSize(32, 32));
        qInfo("attack: moved %.2f (the edit moved the fox %.2f at CFG 7.5)", sd.attackMoved(), erasedMoved);
        QVERIFY2(sd.attackMoved() < 1.0, qPrintable(sd.status()));
        QVERIFY(sd.status().contains(QStringLiteral("attack's states")));
        if (const QString shot = qEnvironmentVariable("REVERIE_SCREENSHOT_ATTACK"); !shot.isEmpty())
            QVERIFY(tabs->grab().save(shot));
        QCOMPARE(sd.attackHeldOutRatio(), -1.0);

        // The attack through the sampler (20 Adam steps through 3 guided steps on 8² latents):
        // judged on seeds the search never saw, the latents move towards the original's.
        sd.setAttackMethod(QStringLiteral("sampler"));
        QVERIFY2(sd.startAttack(0, &error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(attacked.count(), 2, 300000);
        QCOMPARE(attacked.status(1), JobStatus::Succeeded);
        qInfo("sampler attack: held-out latent distance ratio %.3f, images moved %.2f",
              sd.attackHeldOutRatio(), sd.attackMoved());
        QVERIFY2(sd.attackHeldOutRatio() >= 0 && sd.attackHeldOutRatio() < 0.8, qPrintable(sd.status()));
        QVERIFY(sd.status().contains(QStringLiteral("never saw")));
        sd.setAttackMethod(QStringLiteral("closed-form"));

        // At CFG 7.5 the closed form on both branches (the empty prompt's states too) brings the
        // fox back where the prompt's branch alone left it 11.8 grey levels away.
        sd.setSettings(32, 3, 2, 5, 7.5);
        sd.setAttackBothBranches(true);
        QVERIFY2(sd.startAttack(0, &error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(attacked.count(), 3, 120000);
        QCOMPARE(attacked.status(2), JobStatus::Succeeded);
        qInfo("attack on both branches at CFG 7.5: moved %.2f", sd.attackMoved());
        QVERIFY2(sd.status().contains(QStringLiteral("both branches")) &&
                     sd.status().contains(QStringLiteral("the empty prompt's")),
                 qPrintable(sd.status()));
        QVERIFY2(sd.attackMoved() < 1.0, qPrintable(sd.status()));
        if (const QString shot = qEnvironmentVariable("REVERIE_SCREENSHOT_ATTACK_BOTH"); !shot.isEmpty())
            QVERIFY(tabs->grab().save(shot));
        sd.setAttackBothBranches(false);

        // An SPM membrane from the tab, with a few training steps: added checked and labelled, and
        // the edited column moves for the fox.
        sd.setSettings(32, 3, 2, 5, 7.5);
        sd.setTrainSteps(4);
        QVERIFY2(sd.startErase(QStringLiteral("a red fox"), QStringLiteral("spm"), {}, {}, &error),
                 qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(erased.count(), 2, 120000);
        QCOMPARE(erased.status(1), JobStatus::Succeeded);
        QVERIFY2(erased.message(1).contains(QStringLiteral("by SPM: 4 steps")),
                 qPrintable(erased.message(1)));
        QTRY_COMPARE_WITH_TIMEOUT(compared.count(), 4, 120000); // the edited column regenerates
        QVERIFY2(sd.moved(0) > 0, qPrintable(QString::number(sd.moved(0))));
        QCOMPARE(sd.editCount(), 2);
        QVERIFY(sd.checkedEdits().back().endsWith(QStringLiteral("-spm.safetensors")));
        auto* list = tabs->findChild<QListWidget*>(QStringLiteral("sdEraseEdits"));
        QVERIFY(list->item(1)->text().endsWith(QStringLiteral("(SPM)")));
    }

    void historyKeepsGridsAndRerunsThem() {
        // Every grid that lands is kept (across restarts) with its concept set and erased rate;
        // two compare in the split view; a run again restores its concept set and gives its
        // images; a run whose concept left the library is refused with the reason.
        QTemporaryDir dir;
        const QString historyDir = QDir(dir.path()).filePath(QStringLiteral("history"));
        Engine engine(1);
        QList<QImage> original, edited;
        QString editedId, originalId;
        {
            EraseWorkbench wb(&engine);
            wb.history() = RunHistory(QStringLiteral("erase"), historyDir);
            wb.setModelFolders(m_model, m_classifier);
            QWidget* page = wb.page();
            wb.refreshHistory();
            page->resize(1200, 800);
            const int sneaker = reverie::data::text::classOf("sneaker");
            wb.setPrompts({QString::fromStdString(reverie::data::text::erasePrompts(sneaker).front()),
                           QString::fromStdString(reverie::data::text::erasePrompts(0).front())});
            wb.setSeeds(2, 7);
            wb.setSteps(3);
            reverie::testing::JobSpy grids(&wb, QStringLiteral("grid"));
            QString error;
            QVERIFY2(wb.regenerate(&error), qPrintable(error));
            QCOMPARE(nextGrid(wb, grids, 1), JobStatus::Succeeded);
            original = grid(wb, false);
            auto runs = wb.history().runs();
            QCOMPARE(runs.size(), 1);
            QVERIFY(runs[0].title.contains(QStringLiteral("original model")));
            QVERIFY(!runs[0].figures.contains(QStringLiteral("erased"))); // nothing erased: no rate
            originalId = runs[0].id;

            reverie::testing::JobSpy erased(&wb, QStringLiteral("erase"));
            QVERIFY2(wb.startErase(QStringLiteral("sneaker"), QStringLiteral("uce"), &error),
                     qPrintable(error));
            QTRY_COMPARE_WITH_TIMEOUT(erased.count(), 1, 60000);
            QCOMPARE(nextGrid(wb, grids, 2), JobStatus::Succeeded);
            edited = grid(wb, false);
            runs = wb.history().runs();
            QCOMPARE(runs.size(), 2);
            editedId = runs[0].id;
            QVERIFY(runs[0].title.contains(QStringLiteral("Sneaker/uce")));
            // The erased rate, counted here from the grid: of the images the original model made
            // that the classifier calls sneakers, the share it no longer does (none: no figure).
            int ofConcept = 0, gone = 0;
            for (int r = 0; r < wb.gridRows(); ++r)
                for (int c = 0; c < wb.gridColumns(); ++c)
                    if (wb.originalClass(r, c) == sneaker) {
                        ++ofConcept;
                        if (wb.activeClass(r, c) != sneaker) ++gone;
                    }
            if (ofConcept == 0)
                QVERIFY(!runs[0].figures.contains(QStringLiteral("erased")));
            else
                QCOMPARE(runs[0].figures.value(QStringLiteral("erased")).toDouble(),
                         100.0 * gone / ofConcept);
            const auto concepts = runs[0].settings.value(QStringLiteral("concepts")).toArray();
            QCOMPARE(concepts.size(), 1);
            QCOMPARE(concepts[0].toObject().value(QStringLiteral("name")).toString(),
                     QStringLiteral("Sneaker/uce"));
            QVERIFY(concepts[0].toObject().value(QStringLiteral("enabled")).toBool());
            // The kept image: per row the original images, a gap, the edited ones.
            const QImage kept = wb.history().resultImage(runs[0]);
            QCOMPARE(kept.height(), 2 * (28 + 2));
            QCOMPARE(kept.pixelColor(0, 0), original[0].pixelColor(0, 0));

            // Compare: the split view shows the two kept grids.
            QVERIFY2(wb.compareRuns(editedId, originalId, &error), qPrintable(error));
            auto* view =
                page->findChild<reverie::widgets::SplitImageView*>(QStringLiteral("historyCompareView"));
            QVERIFY(view);
            QCOMPARE(view->leftImage().convertToFormat(QImage::Format_RGB32),
                     wb.history().resultImage(runs[0]).convertToFormat(QImage::Format_RGB32));

            // The concept off: a third run; running the edited one again turns it back on.
            wb.setConceptEnabled(QStringLiteral("Sneaker/uce"), false);
            QCOMPARE(nextGrid(wb, grids, 3), JobStatus::Succeeded);
            QCOMPARE(grid(wb, false), original);
            QVERIFY2(wb.rerun(editedId, &error), qPrintable(error));
            QCOMPARE(nextGrid(wb, grids, 4), JobStatus::Succeeded);
            QCOMPARE(grid(wb, false), edited);
            QCOMPARE(wb.history().runs().size(), 4);
            auto* list = page->findChild<QListWidget*>(QStringLiteral("historyList"));
            QVERIFY(list);
            QCOMPARE(list->count(), 4);

            // Gone from the library: refused, with the reason.
            QVERIFY(wb.removeConcept(QStringLiteral("Sneaker/uce")));
            QCOMPARE(nextGrid(wb, grids, 5), JobStatus::Succeeded);
            QVERIFY(!wb.rerun(editedId, &error));
            QVERIFY2(error.contains(QStringLiteral("no longer in the library")), qPrintable(error));
            QVERIFY(!wb.rerun(QStringLiteral("no-such-run"), &error));
        }
        // Across a restart.
        EraseWorkbench wb(&engine);
        wb.history() = RunHistory(QStringLiteral("erase"), historyDir);
        wb.setModelFolders(m_model, m_classifier);
        wb.page();
        wb.refreshHistory();
        QCOMPARE(wb.history().runs().size(), 5);
        QCOMPARE(wb.page()->findChild<QListWidget*>(QStringLiteral("historyList"))->count(), 5);
    }

    void eraseToggleAndRestore() {
        Engine engine(1);
        EraseWorkbench wb(&engine);
        wb.setModelFolders(m_model, m_classifier);
        QWidget* page = wb.page();
        page->resize(1200, 800);
        page->show();
        const int sneaker = reverie::data::text::classOf("sneaker");
        QVERIFY(sneaker >= 0);
        // The default prompts: one per class.
        QCOMPARE(wb.prompts().size(), reverie::data::text::kClasses);
        const QStringList prompts = {QString::fromStdString(reverie::data::text::erasePrompts(sneaker).front()),
                                     QString::fromStdString(reverie::data::text::erasePrompts(0).front())};
        wb.setPrompts(prompts);
        wb.setSeeds(2, 7);
        wb.setSteps(3);

        reverie::testing::JobSpy grids(&wb, QStringLiteral("grid"));
        QString error;
        QVERIFY2(wb.regenerate(&error), qPrintable(error));
        QCOMPARE(nextGrid(wb, grids, 1), JobStatus::Succeeded);
        QCOMPARE(wb.gridRows(), 2);
        QCOMPARE(wb.gridColumns(), 2);
        const auto original = grid(wb, true);
        QCOMPARE(grid(wb, false), original); // nothing erased yet
        for (const auto& im : original) QCOMPARE(im.size(), QSize(28, 28));
        for (int r = 0; r < 2; ++r)
            for (int c = 0; c < 2; ++c) QVERIFY(wb.originalClass(r, c) >= 0 && wb.activeClass(r, c) >= 0);

        // Bad input: a message, nothing queued.
        QVERIFY(!wb.startErase(QStringLiteral("zebra"), QStringLiteral("uce"), &error));
        QVERIFY2(error.contains(QStringLiteral("zebra")), qPrintable(error));
        QVERIFY(wb.statusText().contains(QStringLiteral("zebra")));
        QVERIFY(!wb.startErase(QStringLiteral("  "), QStringLiteral("uce"), &error));
        QVERIFY(error.contains(QStringLiteral("empty")));
        QVERIFY(!wb.isBusy());

        // Erase with UCE: the library row appears and the grid regenerates.
        reverie::testing::JobSpy erased(&wb, QStringLiteral("erase"));
        QVERIFY2(wb.startErase(QStringLiteral("sneaker"), QStringLiteral("uce"), &error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(erased.count(), 1, 60000);
        QCOMPARE(erased.status(0), JobStatus::Succeeded);
        QCOMPARE(wb.conceptNames(), QStringList({QStringLiteral("Sneaker/uce")}));
        // The default prompts now lead with the erased concept and one of its held-out wordings.
        const QStringList defaults = wb.defaultPrompts();
        QCOMPARE(defaults.size(), reverie::data::text::kClasses + 1);
        QCOMPARE(defaults.at(0), prompts.at(0));
        QCOMPARE(defaults.at(1), QString::fromStdString(reverie::data::text::heldOutPrompts(sneaker).front()));
        auto* table = page->findChild<QTableWidget*>(QStringLiteral("eraseLibrary"));
        QCOMPARE(table->rowCount(), 1);
        QCOMPARE(table->item(0, 0)->checkState(), Qt::Checked);
        QCOMPARE(table->item(0, 2)->text(), QStringLiteral("UCE"));
        QCOMPARE(nextGrid(wb, grids, 2), JobStatus::Succeeded);
        const auto edited = grid(wb, false);
        QCOMPARE(grid(wb, true), original);
        QVERIFY(edited != original);

        // Erasing it twice: a message from the engine, the library unchanged.
        QVERIFY(wb.startErase(QStringLiteral("sneaker"), QStringLiteral("uce"), &error));
        QTRY_COMPARE_WITH_TIMEOUT(erased.count(), 2, 60000);
        QCOMPARE(erased.status(1), JobStatus::Failed);
        QVERIFY2(erased.message(1).contains(QStringLiteral("already erased")),
                 qPrintable(erased.message(1)));
        QCOMPARE(wb.conceptNames().size(), 1);

        // Unticking the checkbox regenerates; the original images come back bit for bit.
        table->item(0, 0)->setCheckState(Qt::Unchecked);
        QCOMPARE(nextGrid(wb, grids, 3), JobStatus::Succeeded);
        QCOMPARE(grid(wb, false), original);
        // Ticking it again gives the edited images back.
        table->item(0, 0)->setCheckState(Qt::Checked);
        QCOMPARE(nextGrid(wb, grids, 4), JobStatus::Succeeded);
        QCOMPARE(grid(wb, false), edited);
        // A weight change regenerates too (through the table's spin box).
        auto* weight = qobject_cast<QDoubleSpinBox*>(table->cellWidget(0, 3));
        QVERIFY(weight);
        weight->setValue(0.5);
        QCOMPARE(nextGrid(wb, grids, 5), JobStatus::Succeeded);
        const auto half = grid(wb, false);
        QVERIFY(half != edited);
        QVERIFY(half != original);

        // A newer request replaces a running one: two quick requests with different seeds; only
        // the second lands (its seeds' images), the first is cancelled and its outcome dropped.
        QSignalSpy engineDone(&engine, &Engine::jobFinished);
        const int landed = grids.count();
        QVERIFY(wb.regenerate()); // seeds 7, 8: would give `half` again
        wb.setSeeds(2, 21);
        QVERIFY(wb.regenerate()); // seeds 21, 22
        QCOMPARE(nextGrid(wb, grids, landed + 1), JobStatus::Succeeded);
        QTRY_VERIFY_WITH_TIMEOUT(!wb.isGenerating(), 60000);
        QTRY_COMPARE_WITH_TIMEOUT(engineDone.count(), 2, 60000);
        QTest::qWait(200);
        QCOMPARE(grids.count(), landed + 1); // the replaced job never reported
        QCOMPARE(engineDone.at(0).at(2).value<JobStatus>(), JobStatus::Cancelled);
        QCOMPARE(engineDone.at(1).at(2).value<JobStatus>(), JobStatus::Succeeded);
        const auto replaced = grid(wb, false);
        QVERIFY(replaced != half);
        // The same request alone gives the same images: what landed is the second request's.
        QVERIFY(wb.regenerate());
        QCOMPARE(nextGrid(wb, grids, landed + 2), JobStatus::Succeeded);
        QCOMPARE(grid(wb, false), replaced);
        // Back to the earlier seeds for the rest of the test.
        wb.setSeeds(2, 7);
        QVERIFY(wb.regenerate());
        QCOMPARE(nextGrid(wb, grids, landed + 3), JobStatus::Succeeded);
        QCOMPARE(grid(wb, false), half);
        QCOMPARE(grid(wb, true), original);

        // Attack: images and a share.
        reverie::testing::JobSpy attacked(&wb, QStringLiteral("attack"));
        QVERIFY2(wb.startAttack(QStringLiteral("Sneaker/uce"), QStringLiteral("closed-form"), &error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(attacked.count(), 1, 60000);
        QCOMPARE(attacked.status(0), JobStatus::Succeeded);
        const auto attackImages = wb.attackImages();
        QCOMPARE(int(attackImages.size()), 4); // seeds 7, 8 (+ 1000) padded to four
        // The share shown is the classifier's share of Sneaker among the attack's own images:
        // score them here with the same classifier.
        auto classifier = reverie::models::loadClassifierFolder(m_classifier.toStdString());
        QVERIFY(classifier.ok());
        std::vector<at::Tensor> items;
        for (const auto& im : attackImages) {
            const QImage g = im.convertToFormat(QImage::Format_Grayscale8);
            QCOMPARE(g.size(), QSize(28, 28));
            auto t = at::empty({1, 1, 28, 28}, at::kByte);
            for (int y = 0; y < 28; ++y) std::memcpy(t.data_ptr<std::uint8_t>() + 28 * y, g.constScanLine(y), 28);
            items.push_back(t);
        }
        auto net = classifier.value();
        at::Tensor predicted;
        {
            at::NoGradGuard ng;
            net->eval();
            predicted = net->forward(at::cat(items).to(at::kFloat) / 127.5 - 1).argmax(1);
        }
        const double share = double(predicted.eq(sneaker).sum().item<std::int64_t>()) / double(attackImages.size());
        qInfo("attack share %.3f, classified here %.3f", wb.attackSuccess(), share);
        QCOMPARE(wb.attackSuccess(), share);
        QVERIFY(!page->findChild<QLabel*>(QStringLiteral("eraseAttackResult"))->text().isEmpty());

        // Save, remove, load: the concept (with its weight) comes back.
        const QString lib = m_tmp.filePath(QStringLiteral("lib.erase"));
        reverie::testing::JobSpy library(&wb, QStringList{QStringLiteral("save"), QStringLiteral("load")});
        QVERIFY2(wb.saveLibrary(lib, &error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(library.count(), 1, 30000);
        QCOMPARE(library.status(0), JobStatus::Succeeded);
        const int before = int(grids.count());
        QVERIFY(wb.removeConcept(QStringLiteral("Sneaker/uce")));
        QVERIFY(wb.conceptNames().isEmpty());
        QCOMPARE(nextGrid(wb, grids, before + 1), JobStatus::Succeeded);
        QCOMPARE(grid(wb, false), original);
        QVERIFY(wb.loadLibrary(lib, &error));
        QTRY_COMPARE_WITH_TIMEOUT(library.count(), 2, 30000);
        QCOMPARE(library.status(1), JobStatus::Succeeded);
        QCOMPARE(wb.conceptNames(), QStringList({QStringLiteral("Sneaker/uce")}));
        QTRY_VERIFY_WITH_TIMEOUT(!wb.isGenerating(), 60000);
        QCOMPARE(grid(wb, false), half);
        // A missing file: a message, the library kept.
        QVERIFY(wb.loadLibrary(m_tmp.filePath(QStringLiteral("missing.erase")), &error));
        QTRY_COMPARE_WITH_TIMEOUT(library.count(), 3, 30000);
        QCOMPARE(library.status(2), JobStatus::Failed);
        QCOMPARE(wb.conceptNames().size(), 1);
    }
};

QTEST_MAIN(TestEraseWorkbench)
#include "tst_erase_workbench.moc"
