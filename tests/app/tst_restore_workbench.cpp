// The Restore workbench end to end offscreen on the engine thread, with the built-in restorer:
// a restore of a degraded test image (result, previews, metrics, compare view), cancel keeping the
// previous result, a corrupt input file as a status message, a dropped file, the samplers × NFE
// sweep (table rows, one PSNR and one SSIM curve per sampler, reference lines), and the PNG
// settings round trip (refusing to write over the input). Small settings: the whole run takes
// seconds.

#include "imagesettings.h"
#include "jobs/engine.h"
#include "jobspy.h"
#include "models/zoo.h"
#include "workbenches/historypanel.h"
#include "workbenches/restore/restoreworkbench.h"

#include "seriesplot.h"
#include "splitimageview.h"

#include <QBuffer>
#include <utility>
#include <QDoubleSpinBox>
#include <QtTest>
#include <QtWidgets>

using namespace reverie::app;

namespace rs = reverie::restore;

namespace {
/// The built-in restorer's folder, or "" (the tests that need it skip).
QString restorerDir() { return QString::fromStdString(reverie::models::zoo::find(reverie::models::zoo::kRestorer)); }

#define REQUIRE_RESTORER(dir)                                                                               \
    const QString dir = restorerDir();                                                                      \
    if (dir.isEmpty()) QSKIP("the built-in restorer (resources/models/fmnist-restore/weights.pt) is not there")

/// Test image 0 degraded with noise, restored by MR Sampler (SDE, 2nd order, data) with 5 NFE.
rs::RestoreJobParams quickParams(const QString& modelDir) {
    rs::RestoreJobParams p;
    p.modelDir = modelDir.toStdString();
    p.sampler = "mrs-sde-2-data";
    p.nfe = 5;
    p.testIndex = 0;
    p.degradeTask = "noise";
    return p;
}

double number(QWidget* page, const char* label) {
    auto* l = page->findChild<QLabel*>(QLatin1String(label));
    if (!l) return qQNaN();
    bool ok = false;
    const double v = l->text().toDouble(&ok);
    return ok ? v : qQNaN();
}

QString text(QWidget* page, const char* label) {
    auto* l = page->findChild<QLabel*>(QLatin1String(label));
    return l ? l->text() : QStringLiteral("<no label %1>").arg(QLatin1String(label));
}

/// Writes a clean 28×28 grey image shaped like a Fashion-MNIST item (a bright block on dark).
bool writeItemLikeImage(const QString& path) {
    QImage img(28, 28, QImage::Format_Grayscale8);
    for (int y = 0; y < 28; ++y)
        for (int x = 0; x < 28; ++x) img.setPixel(x, y, (x > 7 && x < 20 && y > 4 && y < 24) ? 0xffc8c8c8 : 0xff101010);
    return img.save(path);
}

/// Runs p to the end; returns the finish signal's (status, message).
QPair<JobStatus, QString> runToEnd(RestoreWorkbench& wb, const rs::RestoreJobParams& p, int timeoutMs = 30000) {
    reverie::testing::JobSpy done(&wb, QStringLiteral("restore"));
    QString error;
    if (!wb.startRestore(p, &error)) return {JobStatus::Failed, QStringLiteral("not started: ") + error};
    // A job that fails at once may have finished (and signalled) before startRestore() returned.
    if (done.isEmpty() && !done.wait(timeoutMs)) return {JobStatus::Failed, QStringLiteral("timed out")};
    return {done.status(0), done.message(0)};
}
} // namespace

class TestRestoreWorkbench : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void pageHasTabsAndDefaults() {
        Engine engine(1);
        RestoreWorkbench wb(&engine, QDir::tempPath());
        QCOMPARE(wb.id(), QStringLiteral("restore"));
        QWidget* page = wb.page();
        auto* tabs = page->findChild<QTabWidget*>(QStringLiteral("restoreTabs"));
        QVERIFY(tabs);
        QCOMPARE(tabs->count(), 3); // Restore, Sweep, History
        QVERIFY(page->acceptDrops());
        QVERIFY(page->findChild<reverie::widgets::SplitImageView*>(QStringLiteral("compareView")));
        for (const char* name : {"openImage", "runRestore", "cancelRestore", "saveResult", "loadSettings", "zoomIn",
                                 "zoomOut", "zoomFit", "startSweep", "cancelSweep"})
            QVERIFY2(page->findChild<QAbstractButton*>(QLatin1String(name)), name);
        for (const char* name : {"psnrInput", "psnrResult", "psnrPeer", "ssimInput", "ssimResult", "ssimPeer"})
            QCOMPARE(text(page, name), QStringLiteral("—"));
        const auto p = wb.currentParams();
        QCOMPARE(p.modelDir, reverie::models::zoo::find(reverie::models::zoo::kRestorer));
        QCOMPARE(p.sampler, std::string("mrs-sde-2-data"));
        QCOMPARE(p.nfe, 10);
        QCOMPARE(p.lambda255, 50.0);
        QCOMPARE(p.noiseSigma255, -1.0); // "estimate"
        auto* noiseSigma = page->findChild<QDoubleSpinBox*>(QStringLiteral("noiseSigma"));
        QVERIFY(noiseSigma);
        QCOMPARE(noiseSigma->text(), QStringLiteral("estimate"));
        QCOMPARE(p.degradeTask, std::string("noise"));
        QVERIFY(p.classicalPeer);
        QVERIFY(p.inputPath.empty());
        QCOMPARE(p.testIndex, 0);
        auto* degrade = page->findChild<QComboBox*>(QStringLiteral("degradeTask"));
        QCOMPARE(degrade->count(), int(rs::tasks().size()) + 1);
        QCOMPARE(degrade->itemData(0).toString(), QString());
        auto* slider = page->findChild<QSlider*>(QStringLiteral("nfe"));
        QCOMPARE(slider->minimum(), 1); // the photo models' cards recommend 3 NFE
        QCOMPARE(slider->maximum(), 100);
        QCOMPARE(text(page, "nfeValue"), QStringLiteral("10"));

        auto* list = page->findChild<QListWidget*>(QStringLiteral("sweepSamplers"));
        QStringList checked;
        for (int i = 0; i < list->count(); ++i)
            if (list->item(i)->checkState() == Qt::Checked) checked << list->item(i)->data(Qt::UserRole).toString();
        QCOMPARE(checked, QStringList({"posterior", "mrs-sde-2-data", "mrs-sde-2-noise", "mrs-ode-2-data"}));
        QCOMPARE(page->findChild<QLineEdit*>(QStringLiteral("sweepNfes"))->text(), QStringLiteral("5, 10, 20, 50, 100"));
        QCOMPARE(page->findChild<QSpinBox*>(QStringLiteral("sweepImages"))->value(), 16);

        QString error;
        QVERIFY(!wb.saveResult(QDir::temp().filePath(QStringLiteral("never.png")), &error)); // nothing restored yet
        QVERIFY(!error.isEmpty());
        // Invalid settings are refused before anything runs, with the core's reason in the status.
        auto bad = wb.currentParams();
        bad.sampler = "no-such-sampler";
        QVERIFY(!wb.startRestore(bad, &error));
        QVERIFY2(error.contains(QStringLiteral("no-such-sampler")), qPrintable(error));
        QVERIFY(wb.statusText().contains(QStringLiteral("no-such-sampler")));
        bad = wb.currentParams();
        bad.modelDir = "/nonexistent/reverie-restorer";
        QVERIFY(!wb.startRestore(bad, &error));
        QVERIFY2(error.contains(QStringLiteral("/nonexistent/reverie-restorer")), qPrintable(error));
        QCOMPARE(engine.pendingJobs(), 0);
    }

    void restoresEndToEnd() {
        REQUIRE_RESTORER(model);
        Engine engine(1);
        RestoreWorkbench wb(&engine, QDir::tempPath());
        wb.page()->resize(1200, 760);
        wb.page()->show();
        reverie::testing::JobSpy done(&wb, QStringLiteral("restore"));
        QString error;
        QElapsedTimer clock;
        clock.start();
        QVERIFY2(wb.startRestore(quickParams(model), &error), qPrintable(error));
        QVERIFY2(clock.elapsed() < 500, qPrintable(QString::number(clock.elapsed()))); // never waits on the engine
        QVERIFY(wb.isRestoring());
        QVERIFY(!wb.page()->findChild<QPushButton*>(QStringLiteral("runRestore"))->isEnabled());
        QVERIFY(!wb.startRestore(quickParams(model), &error)); // one job at a time
        QVERIFY(!wb.startSweep(rs::RestoreSweepParams{}, &error));
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 30000);
        QVERIFY2(done.status(0) == JobStatus::Succeeded, qPrintable(done.message(0)));
        QVERIFY(!wb.isBusy());
        QVERIFY(wb.page()->findChild<QPushButton*>(QStringLiteral("runRestore"))->isEnabled());
        QVERIFY(wb.page()->findChild<QPushButton*>(QStringLiteral("saveResult"))->isEnabled());

        QCOMPARE(wb.resultImage().size(), QSize(28, 28));
        for (const auto v : {RestoreWorkbench::View::Input, RestoreWorkbench::View::Reference, RestoreWorkbench::View::Peer})
            QCOMPARE(wb.image(v).size(), QSize(28, 28));
        const auto& r = wb.resultStats();
        QVERIFY(r.psnrInput && r.psnrRestored && r.psnrPeer && r.ssimRestored);
        QVERIFY2(*r.psnrRestored > *r.psnrInput,
                 qPrintable(QStringLiteral("%1 vs %2").arg(*r.psnrRestored).arg(*r.psnrInput)));
        QCOMPARE(r.nfe, std::int64_t(5));
        // The labels show the same figures.
        QWidget* page = wb.page();
        QVERIFY2(number(page, "psnrResult") > number(page, "psnrInput"),
                 qPrintable(text(page, "psnrResult") + QStringLiteral(" / ") + text(page, "psnrInput")));
        QCOMPARE(number(page, "psnrResult"), std::round(*r.psnrRestored * 100) / 100);
        for (const char* name : {"psnrPeer", "ssimInput", "ssimResult", "ssimPeer", "metricSeconds"})
            QVERIFY2(!std::isnan(number(page, name)), qPrintable(QLatin1String(name) + QLatin1Char('=') + text(page, name)));
        QCOMPARE(text(page, "metricNfe"), QStringLiteral("5"));
        QCOMPARE(text(page, "metricPeer"), QStringLiteral("OpenCV non-local means"));
        QVERIFY2(wb.statusText().contains(QStringLiteral("NFE 5")), qPrintable(wb.statusText()));

        // Previews arrived while it ran.
        QVERIFY(wb.previewCount() >= 1);
        QVERIFY(!page->findChild<QLabel*>(QStringLiteral("restorePreview"))->pixmap().isNull());

        // The compare view shows input | result, and offers all four images.
        auto* view = wb.compareView();
        QCOMPARE(view->leftImage(), wb.image(RestoreWorkbench::View::Input));
        QCOMPARE(view->rightImage(), wb.resultImage());
        auto* rightChoice = page->findChild<QComboBox*>(QStringLiteral("compareRight"));
        QCOMPARE(rightChoice->count(), 4);
        rightChoice->setCurrentIndex(rightChoice->findData(int(RestoreWorkbench::View::Reference)));
        QCOMPARE(view->rightImage(), wb.image(RestoreWorkbench::View::Reference));
        const double before = view->scale();
        page->findChild<QToolButton*>(QStringLiteral("zoomIn"))->click();
        QVERIFY(view->scale() > before);
        page->findChild<QToolButton*>(QStringLiteral("zoomFit"))->click();
        QCOMPARE(view->scale(), before);

        // Restoring "as is" has no reference: no scores, no peer.
        auto plain = quickParams(model);
        plain.degradeTask.clear();
        const auto [status, message] = runToEnd(wb, plain);
        QVERIFY2(status == JobStatus::Succeeded, qPrintable(message));
        QCOMPARE(text(page, "psnrResult"), QStringLiteral("—"));
        QCOMPARE(text(page, "metricPeer"), QStringLiteral("—"));
        QCOMPARE(rightChoice->count(), 2);
        QCOMPARE(rightChoice->currentData().toInt(), int(RestoreWorkbench::View::Result)); // the reference is gone
    }

    void cancelKeepsThePreviousResult() {
        REQUIRE_RESTORER(model);
        Engine engine(1);
        RestoreWorkbench wb(&engine, QDir::tempPath());
        const auto [status, message] = runToEnd(wb, quickParams(model));
        QVERIFY2(status == JobStatus::Succeeded, qPrintable(message));
        const QImage previous = wb.resultImage();
        const QString psnr = text(wb.page(), "psnrResult");

        reverie::testing::JobSpy done(&wb, QStringLiteral("restore"));
        QSignalSpy progress(&engine, &Engine::jobProgress);
        auto p = quickParams(model);
        p.nfe = 100;
        p.seed = 7;
        QString error;
        QVERIFY2(wb.startRestore(p, &error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(progress.count() >= 1, 30000);
        wb.cancel();
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 10000);
        QCOMPARE(done.status(0), JobStatus::Cancelled);
        QVERIFY(progress.count() < 100);
        QCOMPARE(wb.resultImage(), previous);
        QCOMPARE(wb.resultStats().nfe, std::int64_t(5));
        QCOMPARE(wb.resultParams().nfe, 5);
        QCOMPARE(text(wb.page(), "psnrResult"), psnr);
        QCOMPARE(wb.compareView()->rightImage(), previous);
        QVERIFY2(wb.statusText().contains(QStringLiteral("previous result is kept")), qPrintable(wb.statusText()));
        QVERIFY(!wb.isBusy());
        QVERIFY(wb.page()->findChild<QPushButton*>(QStringLiteral("runRestore"))->isEnabled());
    }

    void badInputFilesAreAStatusMessage() {
        REQUIRE_RESTORER(model);
        Engine engine(1);
        RestoreWorkbench wb(&engine, QDir::tempPath());
        QTemporaryDir dir;
        const QString junk = dir.filePath(QStringLiteral("junk.png"));
        {
            QFile f(junk);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("junk");
        }
        const QString empty = dir.filePath(QStringLiteral("empty.png"));
        {
            QFile f(empty);
            QVERIFY(f.open(QIODevice::WriteOnly));
        }
        for (const QString& path : {junk, empty, dir.filePath(QStringLiteral("missing.png"))}) {
            auto p = quickParams(model);
            p.inputPath = path.toStdString();
            const auto [status, message] = runToEnd(wb, p);
            QCOMPARE(status, JobStatus::Failed);
            QVERIFY2(message.contains(path), qPrintable(message));
            QVERIFY2(wb.statusText().contains(path), qPrintable(wb.statusText()));
            QVERIFY(!wb.hasResult());
            QVERIFY(!wb.isBusy());
        }
        QVERIFY2(wb.statusText().contains(QStringLiteral("no such file")), qPrintable(wb.statusText()));

        // A file dropped on the page becomes the input.
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(junk)});
        QWidget* page = wb.page();
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(page, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(page, &drop);
        QVERIFY(drop.isAccepted());
        QCOMPARE(QString::fromStdString(wb.currentParams().inputPath), junk);
        wb.setInputFile(QString());
        QVERIFY(wb.currentParams().inputPath.empty());
    }

    void ownFileIsRestoredAsItIs() {
        // Opening one's own photo sets "Degrade first" to none: the studio must not add noise to
        // it and score the result against the noisy photo as if it were clean. Back on a test
        // image the last demo degradation returns; a degradation chosen after opening stays.
        Engine engine(1);
        RestoreWorkbench wb(&engine, QDir::tempPath());
        QCOMPARE(wb.currentParams().degradeTask, std::string("noise")); // test image: a demo pair
        const QString photo = QDir::temp().filePath(QStringLiteral("my-photo.png"));
        wb.setInputFile(photo);
        QCOMPARE(wb.currentParams().inputPath, photo.toStdString());
        QCOMPARE(wb.currentParams().degradeTask, std::string());
        QVERIFY2(wb.statusText().contains(QStringLiteral("restored as it is")), qPrintable(wb.statusText()));
        wb.setInputFile(QString());
        QVERIFY(wb.currentParams().inputPath.empty());
        QCOMPARE(wb.currentParams().degradeTask, std::string("noise"));
        auto p = wb.currentParams();
        p.degradeTask = "blur";
        wb.applyParams(p);
        wb.setInputFile(photo);
        QCOMPARE(wb.currentParams().degradeTask, std::string());
        p = wb.currentParams();
        p.degradeTask = "jpeg"; // the user's explicit choice on their own file
        wb.applyParams(p);
        QCOMPARE(wb.currentParams().degradeTask, std::string("jpeg"));
        QCOMPARE(wb.currentParams().inputPath, photo.toStdString());
        wb.setInputFile(QString());
        QCOMPARE(wb.currentParams().degradeTask, std::string("jpeg")); // a choice, kept
        p.degradeTask.clear();
        p.inputPath.clear();
        wb.applyParams(p);
        wb.setInputFile(QString());
        QCOMPARE(wb.currentParams().degradeTask, std::string("blur")); // none on a test image: the last demo
    }

    void ownFileWithItsProblem() {
        // "Its problem" (a user's own file only: disabled while a demo degrades first): 2×
        // enlarges the file before restoring, so the result is twice the size, and the choice is
        // saved in the PNG's settings and loaded back.
        REQUIRE_RESTORER(model);
        Engine engine(1);
        QTemporaryDir dir;
        const QString input = dir.filePath(QStringLiteral("small.png"));
        QVERIFY(writeItemLikeImage(input));
        RestoreWorkbench wb(&engine, QDir::tempPath());
        auto* fileTask = wb.page()->findChild<QComboBox*>(QStringLiteral("fileTask"));
        QVERIFY(fileTask);
        QVERIFY(!fileTask->isEnabled()); // a test image is degraded first
        QCOMPARE(fileTask->findData(QStringLiteral("inpaint-box")), -1); // needs a mask
        auto p = quickParams(model);
        p.inputPath = input.toStdString();
        p.degradeTask.clear();
        p.task = "down2";
        wb.applyParams(p);
        QVERIFY(fileTask->isEnabled());
        QCOMPARE(wb.currentParams().task, std::string("down2"));
        const auto [status, message] = runToEnd(wb, wb.currentParams());
        QVERIFY2(status == JobStatus::Succeeded, qPrintable(message));
        QCOMPARE(wb.resultImage().size(), QSize(56, 56));
        const QImage byModel = wb.resultImage().convertToFormat(QImage::Format_Grayscale8);
        // "Plug-and-play with the photo denoiser": another result of the same size whose 2×2
        // block means still give the file back (up to 8-bit rounding); saved and loaded back.
        auto* pnp = wb.page()->findChild<QCheckBox*>(QStringLiteral("plugAndPlay"));
        QVERIFY(pnp && !pnp->isChecked());
        pnp->setChecked(true);
        QVERIFY(wb.currentParams().plugAndPlay);
        const auto [status2, message2] = runToEnd(wb, wb.currentParams());
        QVERIFY2(status2 == JobStatus::Succeeded, qPrintable(message2));
        const QImage byPnp = wb.resultImage().convertToFormat(QImage::Format_Grayscale8);
        QCOMPARE(byPnp.size(), QSize(56, 56));
        QVERIFY(byPnp != byModel);
        const QImage small = QImage(input).convertToFormat(QImage::Format_Grayscale8);
        int within = 0; // blocks whose mean is the file's value up to the 8-bit rounding
        for (int y = 0; y < 28; ++y)
            for (int x = 0; x < 28; ++x) {
                const double mean =
                    (qGray(byPnp.pixel(2 * x, 2 * y)) + qGray(byPnp.pixel(2 * x + 1, 2 * y)) +
                     qGray(byPnp.pixel(2 * x, 2 * y + 1)) + qGray(byPnp.pixel(2 * x + 1, 2 * y + 1))) /
                    4.0;
                within += std::abs(mean - qGray(small.pixel(x, y))) <= 0.5 ? 1 : 0;
            }
        // The rest: blocks where the clamp to the image range cut a pixel (a black background).
        QVERIFY2(within >= 28 * 28 * 9 / 10, qPrintable(QString::number(within)));
        const QString png = dir.filePath(QStringLiteral("enlarged.png"));
        QString error;
        QVERIFY2(wb.saveResult(png, &error), qPrintable(error));
        QCOMPARE(QImageReader(png).text(QStringLiteral("reverie.task")), QStringLiteral("down2"));
        RestoreWorkbench fresh(&engine, QDir::tempPath());
        QVERIFY(!fresh.currentParams().plugAndPlay);
        QVERIFY2(fresh.loadSettings(png, &error), qPrintable(error));
        QCOMPARE(fresh.currentParams().task, std::string("down2"));
        QVERIFY(fresh.currentParams().plugAndPlay);
    }

    void unusualFilesKeepThePreviousResult() {
        // After a good result: a file whose header claims 50 000 × 50 000 pixels fails with a
        // message naming it and the limit, before any decoding, and the result stays; a 16-bit
        // colour file with alpha restores (through the grey model, channel by channel).
        REQUIRE_RESTORER(model);
        Engine engine(1);
        RestoreWorkbench wb(&engine, QDir::tempPath());
        const auto [status, message] = runToEnd(wb, quickParams(model));
        QVERIFY2(status == JobStatus::Succeeded, qPrintable(message));
        const QImage previous = wb.resultImage();

        QTemporaryDir dir;
        QImage small(8, 8, QImage::Format_RGB888);
        small.fill(Qt::gray);
        QByteArray bytes;
        {
            QBuffer buf(&bytes);
            QVERIFY(buf.open(QIODevice::WriteOnly));
            QVERIFY(small.save(&buf, "PNG"));
        }
        for (int i = 0; i < 4; ++i) bytes[16 + i] = bytes[20 + i] = char((50000u >> (24 - 8 * i)) & 0xFF);
        const QString huge = dir.filePath(QStringLiteral("huge.png"));
        {
            QFile f(huge);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(bytes);
        }
        auto p = quickParams(model);
        p.inputPath = huge.toStdString();
        p.degradeTask.clear();
        const auto [hugeStatus, hugeMessage] = runToEnd(wb, p);
        QCOMPARE(hugeStatus, JobStatus::Failed);
        QVERIFY2(hugeMessage.contains(huge) && hugeMessage.contains(QStringLiteral("limit")), qPrintable(hugeMessage));
        QCOMPARE(wb.resultImage(), previous);

        QImage deep(30, 20, QImage::Format_RGBA64);
        for (int y = 0; y < deep.height(); ++y)
            for (int x = 0; x < deep.width(); ++x)
                deep.setPixelColor(x, y, QColor::fromRgba64(quint16(2000 * x), 30000, quint16(3000 * y), 50000));
        const QString deepPath = dir.filePath(QStringLiteral("deep.png"));
        QVERIFY(deep.save(deepPath));
        p.inputPath = deepPath.toStdString();
        p.degradeTask = "noise";
        const auto [deepStatus, deepMessage] = runToEnd(wb, p);
        QVERIFY2(deepStatus == JobStatus::Succeeded, qPrintable(deepMessage));
        QCOMPARE(wb.resultImage().size(), QSize(30, 20));
        QVERIFY(!wb.resultImage().isGrayscale());
    }

    void builtinModelChoice() {
        // The model menu fills the folder row with a built-in model, and shows "Other folder" for
        // any other folder typed in.
        REQUIRE_RESTORER(model);
        Engine engine(1);
        RestoreWorkbench wb(&engine, QDir::tempPath());
        auto* choice = wb.page()->findChild<QComboBox*>(QStringLiteral("builtinModel"));
        auto* folder = wb.page()->findChild<QLineEdit*>(QStringLiteral("modelDir"));
        QVERIFY(choice && folder);
        QCOMPARE(choice->count(), 4);
        QCOMPARE(choice->currentIndex(), 0);
        // 1: the photo denoiser, 2: the universal photo restorer.
        for (const auto& [index, name] : {std::pair{1, reverie::models::zoo::kPhotoRestorer},
                                          std::pair{2, reverie::models::zoo::kPhotoUniversal}}) {
            const QString photo = QString::fromStdString(reverie::models::zoo::find(name));
            QVERIFY2(!photo.isEmpty(), name);
            choice->setCurrentIndex(index);
            Q_EMIT choice->activated(index);
            QCOMPARE(QDir::cleanPath(QDir::fromNativeSeparators(folder->text())), QDir::cleanPath(photo));
            QCOMPARE(QDir::cleanPath(QString::fromStdString(wb.currentParams().modelDir)), QDir::cleanPath(photo));
        }
        // The universal restorer's card recommends its sampling (chosen on validation photos).
        QCOMPARE(wb.currentParams().sampler, std::string("mrs-ode-1-data"));
        QCOMPARE(wb.currentParams().nfe, 3);
        folder->setText(QDir::tempPath());
        QCOMPARE(choice->currentIndex(), 3);
        folder->setText(model);
        QCOMPARE(choice->currentIndex(), 0);
    }

    void publishedCheckpoint() {
        // A published IR-SDE checkpoint (the small oracle fixture of tests/fixtures/published,
        // random weights) restores a demo pair with the official sampler, and the page shows what
        // was read from the file; a DA-CLIP file is refused with the reason, the result kept.
        Engine engine(1);
        RestoreWorkbench wb(&engine, QDir::tempPath());
        QWidget* page = wb.page();
        auto* card = page->findChild<QLabel*>(QStringLiteral("modelCard"));
        QVERIFY(card);
        QVERIFY(card->isHidden());
        auto p = quickParams(QStringLiteral(REVERIE_SOURCE_DIR "/tests/fixtures/published/irsde_unet_small.pth"));
        p.sampler = "posterior";
        p.nfe = 10;
        p.lambda255 = 10;
        const auto [status, message] = runToEnd(wb, p, 120000);
        QVERIFY2(status == JobStatus::Succeeded, qPrintable(message));
        QVERIFY(wb.hasResult());
        QCOMPARE(text(page, "metricNfe"), QStringLiteral("10"));
        QVERIFY(!card->isHidden());
        QVERIFY2(card->text().contains(QStringLiteral("IR-SDE ConditionalUNet")), qPrintable(card->text()));
        auto* modelMenu = page->findChild<QComboBox*>(QStringLiteral("builtinModel"));
        QCOMPARE(modelMenu->currentIndex(), modelMenu->count() - 1); // "Other folder or checkpoint"

        auto q = p;
        q.modelDir = REVERIE_SOURCE_DIR "/tests/fixtures/published/daclip_unet_small.pth";
        const auto [status2, message2] = runToEnd(wb, q, 60000);
        QCOMPARE(status2, JobStatus::Failed);
        QVERIFY2(message2.contains(QStringLiteral("CLIP image encoder")), qPrintable(message2));
        QVERIFY(wb.hasResult()); // the checkpoint's result is kept

        // Preferences → Models folder: the folder's IR-SDE checkpoints join the model menu (the
        // SGMSE+ one goes to Enhance), and choosing one fills the model row.
        QTemporaryDir models;
        QVERIFY(QFile::copy(QStringLiteral(REVERIE_SOURCE_DIR "/tests/fixtures/published/irsde_unet_small.pth"),
                            models.filePath(QStringLiteral("derain.pth"))));
        QVERIFY(QFile::copy(QStringLiteral(REVERIE_SOURCE_DIR "/tests/fixtures/published/sgmse_ncsnpp_small.ckpt"),
                            models.filePath(QStringLiteral("speech.ckpt"))));
        auto* menu = page->findChild<QComboBox*>(QStringLiteral("builtinModel"));
        const int before = menu->count();
        wb.setModelsFolder(models.path());
        QCOMPARE(menu->count(), before + 1);
        const int entry = before - 1; // before "Other folder or checkpoint"
        QVERIFY2(menu->itemText(entry).contains(QStringLiteral("derain.pth (IR-SDE ConditionalUNet)")),
                 qPrintable(menu->itemText(entry)));
        menu->setCurrentIndex(entry);
        Q_EMIT menu->activated(entry);
        QCOMPARE(QString::fromStdString(wb.currentParams().modelDir), models.filePath(QStringLiteral("derain.pth")));
        wb.setModelsFolder(QString()); // cleared: the entry goes, the row keeps the path ("Other")
        QCOMPARE(menu->count(), before);
        QCOMPARE(menu->currentIndex(), before - 1);
    }

    void sweepsEndToEnd() {
        REQUIRE_RESTORER(model);
        Engine engine(1);
        RestoreWorkbench wb(&engine, QDir::tempPath());
        wb.page()->resize(1200, 760);
        wb.page()->show();
        reverie::testing::JobSpy done(&wb, QStringLiteral("sweep"));
        rs::RestoreSweepParams sp;
        sp.base = quickParams(model);
        sp.base.previews = false;
        sp.samplerIds = {"mrs-sde-2-data", "posterior"};
        sp.nfes = {5, 10};
        sp.images = 4;
        QString error;
        QVERIFY2(wb.startSweep(sp, &error), qPrintable(error));
        QVERIFY(!wb.startRestore(quickParams(model), &error)); // one job at a time
        // The curves fill while it runs, before the job's end.
        QTRY_VERIFY_WITH_TIMEOUT(wb.psnrPlot()->pointCount(QStringLiteral("mrs-sde-2-data")) >= 1 || !done.isEmpty(), 60000);
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 60000);
        QVERIFY2(done.status(0) == JobStatus::Succeeded, qPrintable(done.message(0)));
        QCOMPARE(wb.sweepRows(), 4);
        for (auto* plot : {wb.psnrPlot(), wb.ssimPlot()}) {
            QCOMPARE(plot->seriesNames(), QStringList({"mrs-sde-2-data", "posterior"}));
            for (const auto& name : plot->seriesNames()) QCOMPARE(plot->pointCount(name), 2);
            QCOMPARE(plot->referenceLineCount(), 2); // degraded input and classical peer
        }
        // Every row restores: its PSNR and SSIM beat the degraded input's (shown under the table).
        const QString scores = text(wb.page(), "sweepScores");
        const auto degraded = QRegularExpression(QStringLiteral("Degraded input: PSNR ([0-9.]+) dB, SSIM ([0-9.]+)")).match(scores);
        QVERIFY2(degraded.hasMatch(), qPrintable(scores));
        const double psnrInput = degraded.captured(1).toDouble(), ssimInput = degraded.captured(2).toDouble();
        for (int r = 0; r < 4; ++r) {
            QCOMPARE(wb.sweepCell(r, 1), r % 2 == 0 ? QStringLiteral("5") : QStringLiteral("10"));
            bool ok = false;
            const double psnr = wb.sweepCell(r, 2).toDouble(&ok);
            QVERIFY2(ok && psnr > psnrInput, qPrintable(wb.sweepCell(r, 2) + QStringLiteral(" vs ") + scores));
            const double ssim = wb.sweepCell(r, 3).toDouble(&ok);
            QVERIFY2(ok && ssim > ssimInput && ssim <= 1, qPrintable(wb.sweepCell(r, 3) + QStringLiteral(" vs ") + scores));
            QVERIFY(wb.sweepCell(r, 4).toDouble(&ok) > 0 && ok);
        }
        // Bad sweep settings are refused before anything runs.
        sp.nfes.clear();
        QVERIFY(!wb.startSweep(sp, &error));
        QVERIFY(!error.isEmpty());
    }

    void ownFileWithAMask() {
        // "Missing pixels": a mask file with the user's own file makes it inpainting; the known
        // pixels come back unchanged, the mask and the consistency switch are saved in the PNG
        // and loaded back; a mask with a demo degradation is refused before anything runs.
        REQUIRE_RESTORER(model);
        Engine engine(1);
        QTemporaryDir dir;
        const QString input = dir.filePath(QStringLiteral("scratched.png"));
        QVERIFY(writeItemLikeImage(input));
        QImage mask(28, 28, QImage::Format_Grayscale8);
        mask.fill(0);
        for (int y = 6; y < 14; ++y)
            for (int x = 10; x < 18; ++x) mask.setPixel(x, y, 0xffffffff); // white = missing
        const QString maskFile = dir.filePath(QStringLiteral("mask.png"));
        QVERIFY(mask.save(maskFile));
        RestoreWorkbench wb(&engine, QDir::tempPath());
        auto* maskEdit = wb.page()->findChild<QLineEdit*>(QStringLiteral("maskPath"));
        auto* consistency = wb.page()->findChild<QCheckBox*>(QStringLiteral("consistency"));
        QVERIFY(maskEdit && consistency);
        QVERIFY(consistency->isChecked());
        QVERIFY(!maskEdit->isEnabled()); // a test image is degraded first
        auto p = quickParams(model);
        p.inputPath = input.toStdString();
        p.degradeTask.clear();
        p.maskPath = maskFile.toStdString();
        wb.applyParams(p);
        QVERIFY(maskEdit->isEnabled());
        QCOMPARE(wb.currentParams().maskPath, maskFile.toStdString());
        const auto [status, message] = runToEnd(wb, wb.currentParams());
        QVERIFY2(status == JobStatus::Succeeded, qPrintable(message));
        const QImage in = QImage(input).convertToFormat(QImage::Format_Grayscale8);
        const QImage out = wb.resultImage().convertToFormat(QImage::Format_Grayscale8);
        QCOMPARE(out.size(), in.size());
        int changedKnown = 0, changedHole = 0;
        for (int y = 0; y < 28; ++y)
            for (int x = 0; x < 28; ++x) {
                const bool missing = qGray(mask.pixel(x, y)) > 0;
                const bool changed = qGray(out.pixel(x, y)) != qGray(in.pixel(x, y));
                (missing ? changedHole : changedKnown) += changed ? 1 : 0;
            }
        QCOMPARE(changedKnown, 0);
        QVERIFY(changedHole > 0); // the hole, grey in the model's input, is filled
        const QString png = dir.filePath(QStringLiteral("inpainted.png"));
        QString error;
        auto q = wb.currentParams();
        q.consistency = false; // the model's output as it is, saved and loaded back as such
        wb.applyParams(q);
        QVERIFY(!consistency->isChecked());
        const auto [status2, message2] = runToEnd(wb, wb.currentParams());
        QVERIFY2(status2 == JobStatus::Succeeded, qPrintable(message2));
        QVERIFY2(wb.saveResult(png, &error), qPrintable(error));
        QCOMPARE(QImageReader(png).text(QStringLiteral("reverie.mask_path")), QFileInfo(maskFile).absoluteFilePath());
        RestoreWorkbench fresh(&engine, QDir::tempPath());
        QVERIFY2(fresh.loadSettings(png, &error), qPrintable(error));
        QCOMPARE(QString::fromStdString(fresh.currentParams().maskPath), QFileInfo(maskFile).absoluteFilePath());
        QVERIFY(!fresh.currentParams().consistency);
        // With a demo degradation the mask does not apply (its field is off) and a job that
        // carries one anyway is refused with the reason.
        p.degradeTask = "noise";
        QVERIFY(!wb.startRestore(p, &error));
        QVERIFY2(error.contains(QStringLiteral("mask")), qPrintable(error));
        wb.applyParams(p);
        QVERIFY(!maskEdit->isEnabled());
        QVERIFY(wb.currentParams().maskPath.empty());
    }

    void historyKeepsBoundedRuns() {
        // The store alone: newest first, bounded by count and by bytes, corrupt or foreign files
        // skipped, clear removes only its own runs.
        QTemporaryDir dir;
        RunHistory h(QStringLiteral("restore"), dir.path(), 3, qint64(1) << 30);
        QImage big(3000, 1000, QImage::Format_RGB888);
        big.fill(Qt::darkCyan);
        QStringList ids;
        for (int i = 0; i < 5; ++i) {
            QString error;
            const auto r = h.addImageRun(QStringLiteral("run %1").arg(i),
                                         {{QStringLiteral("workbench"), QStringLiteral("restore")}},
                                         {{QStringLiteral("nfe"), i}}, big, &error);
            QVERIFY2(r, qPrintable(error));
            ids << r->id;
        }
        auto runs = h.runs();
        QCOMPARE(runs.size(), 3); // the two oldest went
        QCOMPARE(runs[0].title, QStringLiteral("run 4"));
        QCOMPARE(runs[2].title, QStringLiteral("run 2"));
        QVERIFY(!h.find(ids[0]) &&
                !QFile::exists(QDir(dir.path()).filePath(ids[0] + QStringLiteral(".png"))));
        const QImage kept = h.resultImage(runs[0]);
        QCOMPARE(kept.size(),
                 QSize(RunHistory::kKeptSide, RunHistory::kKeptSide / 3)); // scaled down, aspect kept
        QCOMPARE(runs[0].figures.value(QStringLiteral("nfe")).toInt(), 4);
        // A corrupt record, a record of another workbench and one pointing outside: skipped.
        QFile junk(QDir(dir.path()).filePath(QStringLiteral("zzz.json")));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("{ not json");
        junk.close();
        QFile other(QDir(dir.path()).filePath(QStringLiteral("zzy.json")));
        QVERIFY(other.open(QIODevice::WriteOnly));
        other.write(R"({"id":"zzy","workbench":"enhance","title":"x"})");
        other.close();
        QFile outside(QDir(dir.path()).filePath(QStringLiteral("zzx.json")));
        QVERIFY(outside.open(QIODevice::WriteOnly));
        outside.write(R"({"id":"zzx","workbench":"restore","title":"x","result":"../../etc/passwd"})");
        outside.close();
        runs = h.runs();
        QCOMPARE(runs.size(), 4);
        QCOMPARE(runs[3].id, QStringLiteral("zzx")); // no valid time: counted as the oldest
        QVERIFY(runs[3].resultFile.isEmpty());       // a record cannot point at another file
        QVERIFY(h.resultImage(runs[3]).isNull());
        QVERIFY(!h.find(QStringLiteral("../zzx")));
        // The byte bound: the newest run always stays.
        RunHistory tight(QStringLiteral("restore"), dir.path(), 50, 1);
        QVERIFY(tight.addImageRun(QStringLiteral("newest"), {}, {}, big));
        const auto left = tight.runs();
        QCOMPARE(left.size(), 1);
        QCOMPARE(left[0].title, QStringLiteral("newest"));
        tight.clear();
        QVERIFY(tight.runs().isEmpty());
        QVERIFY(junk.exists() && other.exists()); // not its own: left alone
    }

    void historyComparesAndRerunsRuns() {
        // Every finished restore is kept (across restarts); two compare side by side; a run
        // again with its settings gives the same image; export embeds the settings.
        REQUIRE_RESTORER(model);
        QTemporaryDir dir;
        const QString historyDir = QDir(dir.path()).filePath(QStringLiteral("history"));
        Engine engine(1);
        QImage first, second;
        {
            RestoreWorkbench wb(&engine, dir.path());
            wb.history() = RunHistory(QStringLiteral("restore"), historyDir);
            wb.refreshHistory();
            auto p = quickParams(model);
            auto r = runToEnd(wb, p);
            QCOMPARE(r.first, JobStatus::Succeeded);
            first = wb.resultImage();
            p.nfe = 3;
            p.seed = 7;
            r = runToEnd(wb, p);
            QCOMPARE(r.first, JobStatus::Succeeded);
            second = wb.resultImage();
            QVERIFY(first != second);
        }
        RestoreWorkbench wb(&engine, dir.path());
        wb.history() = RunHistory(QStringLiteral("restore"), historyDir);
        wb.refreshHistory();
        const auto runs = wb.history().runs();
        QCOMPARE(runs.size(), 2); // kept across a restart
        QCOMPARE(runs[0].settings.value(QStringLiteral("nfe")).toInt(), 3);
        QCOMPARE(runs[1].settings.value(QStringLiteral("nfe")).toInt(), 5);
        QVERIFY(runs[0].figures.contains(QStringLiteral("psnr")) &&
                runs[0].figures.contains(QStringLiteral("seconds")));
        QCOMPARE(wb.history().resultImage(runs[1]).convertToFormat(first.format()),
                 first); // 28×28: kept as it is
        auto* list = wb.page()->findChild<QListWidget*>(QStringLiteral("historyList"));
        QVERIFY(list);
        QCOMPARE(list->count(), 2);
        QVERIFY(list->item(0)->text().contains(QStringLiteral("PSNR")));
        // The cost/quality scatter: one point per run with a reference, per sampler.
        auto* scatter = wb.page()->findChild<reverie::widgets::SeriesPlot*>(QStringLiteral("historyScatter"));
        QVERIFY(scatter);
        QCOMPARE(scatter->pointCount(QStringLiteral("mrs-sde-2-data")), 2);

        // Compare: the panel's button with two selected.
        auto* panel = wb.page()->findChild<HistoryPanel*>();
        QVERIFY(panel);
        panel->select({runs[1].id, runs[0].id});
        auto* compare = wb.page()->findChild<QPushButton*>(QStringLiteral("historyCompare"));
        QVERIFY(compare && compare->isEnabled());
        compare->click();
        auto* view =
            wb.page()->findChild<reverie::widgets::SplitImageView*>(QStringLiteral("historyCompareView"));
        QVERIFY(view);
        QCOMPARE(view->leftImage().convertToFormat(first.format()),
                 wb.history().resultImage(runs[0]).convertToFormat(first.format()));
        QCOMPARE(view->rightImage().convertToFormat(first.format()), first);

        // Run again: the first run's settings (and seed) give its image again, and a third run is kept.
        reverie::testing::JobSpy done(&wb, QStringLiteral("restore"));
        QString error;
        QVERIFY2(wb.rerun(runs[1].id, &error), qPrintable(error));
        QVERIFY(done.wait(30000));
        QCOMPARE(done.status(0), JobStatus::Succeeded);
        QCOMPARE(wb.resultImage(), first);
        QCOMPARE(wb.resultParams().nfe, 5);
        QCOMPARE(wb.history().runs().size(), 3);
        QCOMPARE(list->count(), 3);
        QCOMPARE(scatter->pointCount(QStringLiteral("mrs-sde-2-data")), 3);

        // Export: PNG with the settings embedded and the JSON beside; never over a missing run.
        const QString out = QDir(dir.path()).filePath(QStringLiteral("exported.png"));
        QVERIFY2(wb.exportRun(runs[0].id, out, &error), qPrintable(error));
        QString why;
        const auto embedded = readPngSettings(out, &why);
        QVERIFY2(embedded, qPrintable(why));
        QCOMPARE(embedded->value(QStringLiteral("nfe")).toInt(), 3);
        QVERIFY(QFile::exists(QDir(dir.path()).filePath(QStringLiteral("exported.json"))));
        QVERIFY(!wb.exportRun(QStringLiteral("no-such-run"), out, &error));
        QVERIFY(error.contains(QStringLiteral("no longer")));

        // Delete and clear through the panel.
        panel->select({wb.history().runs()[0].id});
        wb.page()->findChild<QPushButton*>(QStringLiteral("historyDelete"))->click();
        QCOMPARE(wb.history().runs().size(), 2);
        wb.page()->findChild<QPushButton*>(QStringLiteral("historyClear"))->click();
        QCOMPARE(wb.history().runs().size(), 0);
        QCOMPARE(list->count(), 0);
    }

    void savedSettingsLoadBack() {
        REQUIRE_RESTORER(model);
        Engine engine(1);
        QTemporaryDir dir;
        // The input: a clean test-like image written as a file (28×28 grey).
        const QString input = dir.filePath(QStringLiteral("input.png"));
        QVERIFY(writeItemLikeImage(input));
        const QByteArray inputBytes = [&] {
            QFile f(input);
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
        }();

        rs::RestoreJobParams p = quickParams(model);
        p.inputPath = input.toStdString();
        p.sampler = "mrs-ode-2-data";
        p.nfe = 6;
        p.seed = 1234;
        p.lambda255 = 40;
        p.noiseSigma255 = 12;
        p.degradeTask = "blur";
        const QString png = dir.filePath(QStringLiteral("restored.png"));
        {
            RestoreWorkbench wb(&engine, QDir::tempPath());
            const auto [status, message] = runToEnd(wb, p);
            QVERIFY2(status == JobStatus::Succeeded, qPrintable(message));
            QString error;
            // Never over the input.
            QVERIFY(!wb.saveResult(input, &error));
            QVERIFY2(error.contains(QStringLiteral("input")), qPrintable(error));
            QFile f(input);
            QVERIFY(f.open(QIODevice::ReadOnly));
            QCOMPARE(f.readAll(), inputBytes);
            QVERIFY2(wb.saveResult(png, &error), qPrintable(error));
        }
        QCOMPARE(QImage(png).size(), QSize(28, 28));
        QImageReader reader(png);
        QCOMPARE(reader.text(QStringLiteral("reverie.workbench")), QStringLiteral("restore"));
        QCOMPARE(reader.text(QStringLiteral("reverie.sampler")), QStringLiteral("mrs-ode-2-data"));
        QCOMPARE(reader.text(QStringLiteral("reverie.degrade_task")), QStringLiteral("blur"));
        QCOMPARE(reader.text(QStringLiteral("reverie.input_path")), QFileInfo(input).absoluteFilePath());
        QVERIFY(!reader.text(QStringLiteral("reverie.psnr")).isEmpty());
        QVERIFY(!reader.text(QStringLiteral("reverie.ssim")).isEmpty());
        QCOMPARE(reader.text(QStringLiteral("reverie.measured_nfe")), QStringLiteral("6"));
        QCOMPARE(reader.text(QStringLiteral("reverie.noise_sigma255")), QStringLiteral("12"));

        RestoreWorkbench fresh(&engine, QDir::tempPath());
        QString error;
        QVERIFY2(fresh.loadSettings(png, &error), qPrintable(error));
        const auto q = fresh.currentParams();
        QCOMPARE(q.sampler, p.sampler);
        QCOMPARE(q.nfe, p.nfe);
        QCOMPARE(q.seed, p.seed);
        QCOMPARE(q.degradeTask, p.degradeTask);
        QCOMPARE(q.lambda255, p.lambda255);
        QCOMPARE(q.noiseSigma255, 12.0);
        QCOMPARE(q.modelDir, p.modelDir);
        QCOMPARE(QString::fromStdString(q.inputPath), QFileInfo(input).absoluteFilePath());
        QVERIFY(fresh.statusText().contains(QStringLiteral("restored.png")));

        // A PNG without settings, or with another workbench's, is a clear error; controls stay.
        const QString plain = dir.filePath(QStringLiteral("plain.png"));
        QVERIFY(QImage(4, 4, QImage::Format_Grayscale8).save(plain));
        QVERIFY(!fresh.loadSettings(plain, &error));
        QVERIFY2(error.contains(QStringLiteral("no Reverie settings")), qPrintable(error));
        const QString other = dir.filePath(QStringLiteral("generated.png"));
        QImage gen(4, 4, QImage::Format_Grayscale8);
        gen.setText(QStringLiteral("reverie"), QStringLiteral(R"({"workbench":"generate","sampler":"em","nfe":3})"));
        QVERIFY(gen.save(other));
        QVERIFY(!fresh.loadSettings(other, &error));
        QVERIFY2(error.contains(QStringLiteral("no restoration settings")), qPrintable(error));
        QCOMPARE(fresh.currentParams().sampler, p.sampler);
        QCOMPARE(fresh.currentParams().nfe, p.nfe);
    }
};

QTEST_MAIN(TestRestoreWorkbench)
#include "tst_restore_workbench.moc"
