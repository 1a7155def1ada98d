#include "workbenches/restore/restoreworkbench.h"

#include "imagesettings.h"
#include "jobs/jobslot.h"
#include "models/zoo.h"
#include "workbenches/historypanel.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QSaveFile>
#include <QSpinBox>
#include <QTabWidget>

#include <cmath>
#include <optional>
#include <utility>

namespace reverie::app {
namespace {
namespace rs = reverie::restore;
} // namespace

RestoreWorkbench::RestoreWorkbench(Engine* engine, QString outputDir, QObject* parent)
    : Workbench(engine, parent), m_outputRoot(std::move(outputDir)), m_view(new RestoreView), m_slot(addSlot()) {
    m_extras.modelDir = models::zoo::find(models::zoo::kRestorer);
    m_view->setParams(m_extras);
    connect(m_slot, &JobSlot::progress, this, &RestoreWorkbench::onProgress);
    connect(m_slot, &JobSlot::busyChanged, this, [this] { m_view->setBusy(m_slot->kind()); });
    connect(m_view, &RestoreView::runRequested, this, &RestoreWorkbench::runClicked);
    connect(m_view, &RestoreView::cancelRequested, this, &RestoreWorkbench::cancel);
    connect(m_view, &RestoreView::openImageRequested, this, &RestoreWorkbench::openImageClicked);
    connect(m_view, &RestoreView::openMaskRequested, this, &RestoreWorkbench::openMaskClicked);
    connect(m_view, &RestoreView::saveRequested, this, &RestoreWorkbench::saveClicked);
    connect(m_view, &RestoreView::loadRequested, this, &RestoreWorkbench::loadClicked);
    connect(m_view, &RestoreView::sweepRequested, this, &RestoreWorkbench::sweepClicked);
    connect(m_view, &RestoreView::fileDropped, this, &RestoreWorkbench::setInputFile);
    // The history of finished runs: compare two, run one again, export, delete, clear.
    m_view->historyTab()->connectTo(&m_history, m_outputRoot, [this](const QString& id) {
        QString error;
        if (!rerun(id, &error)) QMessageBox::warning(m_view, tr("Run again"), error);
    });
    connect(m_view->historyTab(), &HistoryTab::compared, this,
            [this] { m_view->tabs()->setCurrentWidget(m_view->historyTab()); });
}

RestoreWorkbench::~RestoreWorkbench() {
    if (m_view && !m_view->parent()) delete m_view;
}

QWidget* RestoreWorkbench::page() { return m_view; }

void RestoreWorkbench::setModelsFolder(const QString& dir) { m_view->setCheckpoints(checkpointsFor(dir, "irsde_unet")); }

bool RestoreWorkbench::run(const RunRequest& request, QString* error) {
    // A file given on the command line is the user's own: restored as it is, as when opened in
    // the window (setInputFile), not degraded first as a test image would be.
    if (!request.input.isEmpty()) setInputFile(QFileInfo(request.input).absoluteFilePath());
    auto p = currentParams();
    if (!request.model.isEmpty())
        p.modelDir = QFileInfo(QString::fromStdString(models::zoo::resolve(request.model.toStdString(), "")))
                         .absoluteFilePath()
                         .toStdString();
    if (!request.argument.isEmpty() && request.argument != QLatin1String("compare"))
        return fail(
            tr("--run-arg for Restore is 'compare' (show the run beside the one before it, in History)."),
            error);
    if (!startRestore(p, error)) return false;
    m_compareAfterRun = request.argument == QLatin1String("compare");
    finishRunWithNextJob();
    return true;
}

bool RestoreWorkbench::isRestoring() const { return m_slot->kind() == QLatin1String("restore"); }

rs::RestoreJobParams RestoreWorkbench::currentParams() const { return m_view->params(m_extras); }

void RestoreWorkbench::applyParams(const rs::RestoreJobParams& p) {
    m_extras = p; // keeps the settings without a control (previews)
    m_view->setParams(p);
}

bool RestoreWorkbench::openInput(const QString& path, QString* error) {
    if (!QFileInfo(path).isFile()) return fail(tr("%1 is not there any more.").arg(path), error);
    setInputFile(QFileInfo(path).absoluteFilePath());
    return true;
}

void RestoreWorkbench::setInputFile(const QString& path) {
    m_view->setInputFile(path);
    if (!path.isEmpty()) Q_EMIT inputOpened(path);
    if (!path.isEmpty())
        setStatus(tr("Input: %1, restored as it is: there is no clean reference, so no PSNR or SSIM. "
                     "Choose a degradation under \"Degrade first\" to make a demo pair. Press Restore.")
                      .arg(QFileInfo(path).fileName()));
}

void RestoreWorkbench::setStatus(const QString& message) {
    m_view->setStatus(message);
    Q_EMIT statusMessage(message);
}

bool RestoreWorkbench::fail(const QString& message, QString* error) {
    if (error) *error = message;
    setStatus(message);
    return false;
}

void RestoreWorkbench::openImageClicked() {
    const QString chosen = m_view->chosenFile();
    const QString start = chosen.isEmpty() ? m_outputRoot : QFileInfo(chosen).absolutePath();
    const QString path = QFileDialog::getOpenFileName(
        m_view, tr("Open image"), start,
        tr("Images (*.png *.jpg *.jpeg *.tif *.tiff *.webp *.bmp);;PNG (*.png);;JPEG (*.jpg *.jpeg);;"
           "TIFF (*.tif *.tiff);;WebP (*.webp);;BMP (*.bmp);;All files (*)"));
    if (!path.isEmpty()) setInputFile(path);
}

void RestoreWorkbench::openMaskClicked() {
    const QString chosen = m_view->chosenFile();
    const QString start = chosen.isEmpty() ? m_outputRoot : QFileInfo(chosen).absolutePath();
    const QString path = QFileDialog::getOpenFileName(
        m_view, tr("Open mask (non-black = missing)"), start,
        tr("Images (*.png *.jpg *.jpeg *.tif *.tiff *.webp *.bmp);;All files (*)"));
    if (!path.isEmpty()) m_view->setMaskFile(path);
}

void RestoreWorkbench::runClicked() {
    QString error;
    if (m_view->fileSelectedWithoutPath())
        error = tr("Choose an image file first (Open image… or drop one here), or use a test image.");
    else if (startRestore(currentParams(), &error))
        return;
    m_view->setStatus(error);
    QMessageBox::warning(m_view, tr("Restore"), error);
}

bool RestoreWorkbench::startRestore(const rs::RestoreJobParams& p, QString* error) {
    if (m_slot->isBusy()) return fail(JobSlot::busyMessage(), error);
    if (const auto v = rs::validateJob(p); !v) return fail(tr("Invalid settings: %1").arg(qs(v.error().message)), error);
    if (const QString why = modelFolderProblem(p.modelDir, models::zoo::kRestorer, true); !why.isEmpty())
        return fail(why, error);

    applyParams(p); // the controls show what runs
    m_runParams = p;
    m_previews = 0;
    const QString source = p.inputPath.empty() ? tr("test image %1").arg(p.testIndex) : QFileInfo(qs(p.inputPath)).fileName();
    m_view->beginRestore(p.nfe, tr("Restoring %1 with %2 at NFE %3…").arg(source, qs(p.sampler)).arg(p.nfe));
    // The result's images become QImages on the engine thread: a 50-megapixel result is four
    // 150 MB copies, which the GUI thread would otherwise make while the window waits.
    struct Shown {
        rs::RestoreJobResult stats; ///< without its images
        std::array<QImage, 4> images;
        RunHistory::Prepared kept; ///< the result made ready for the history (scaled, encoded)
    };
    m_slot->start<Shown>(
        QStringLiteral("restore"), tr("Restoring %1").arg(source),
        [p](const JobContext& ctx) -> reverie::Result<Shown> {
            auto r = rs::runRestore(p, ctx);
            if (!r) return r.error();
            Shown out;
            rs::RestoreJobResult& v = r.value();
            out.images = {toQImage(v.restored), toQImage(v.input), v.reference.empty() ? QImage() : toQImage(v.reference),
                          v.peer.empty() ? QImage() : toQImage(v.peer)};
            v.input = v.restored = v.reference = v.peer = {};
            out.stats = std::move(v);
            out.kept = RunHistory::prepare(out.images[0]);
            return out;
        },
        [this](const JobOutcome<Shown>& out) {
            QString message;
            const bool compareAfter = std::exchange(m_compareAfterRun, false);
            if (out.ok()) {
                const auto& r = out.value->stats;
                m_images = out.value->images;
                m_resultStats = r;
                m_resultParams = m_runParams;
                m_view->showResult(m_images, m_resultStats, m_resultParams);
                keepInHistory(out.value->kept);
                if (compareAfter) {
                    const auto runs = m_history.runs();
                    if (runs.size() >= 2) compareRuns(runs[1].id, runs[0].id);
                }
                message = tr("Restored with %1 · NFE %2 · %3 s").arg(qs(m_resultParams.sampler)).arg(r.nfe).arg(r.seconds, 0, 'f', 2);
                if (r.psnrRestored && r.psnrInput)
                    message += tr(" · PSNR %1 dB (input %2 dB)").arg(*r.psnrRestored, 0, 'f', 2).arg(*r.psnrInput, 0, 'f', 2);
            } else if (out.status == JobStatus::Cancelled) {
                message = hasResult() ? tr("Restore stopped (%1); the previous result is kept.").arg(out.error)
                                      : tr("Restore stopped (%1).").arg(out.error);
            } else {
                message = tr("Restore failed: %1").arg(out.error);
            }
            m_view->endRestore();
            setStatus(message);
            return message;
        });
    return true;
}

void RestoreWorkbench::onProgress(const JobProgress& p) {
    if (isRestoring()) {
        if (m_view->showPreview(p.preview)) ++m_previews;
        m_view->showRestoreProgress(p, m_slot->elapsed());
        return;
    }
    const double psnr = p.value(QStringLiteral("psnr"));
    if (std::isnan(psnr)) return; // not a finished sweep point
    m_view->addSweepPoint(p.message, p.value(QStringLiteral("nfe"), double(p.nfe)), psnr, p.value(QStringLiteral("ssim")),
                          p.value(QStringLiteral("seconds")), p.value(QStringLiteral("peak_mib")), p.step, p.total);
}

QJsonObject RestoreWorkbench::settingsJson(const rs::RestoreJobParams& p, const rs::RestoreJobResult& r) {
    QJsonObject s;
    s[QStringLiteral("workbench")] = QStringLiteral("restore");
    s[QStringLiteral("model_dir")] = qs(p.modelDir);
    s[QStringLiteral("sampler")] = qs(p.sampler);
    s[QStringLiteral("nfe")] = p.nfe;
    s[QStringLiteral("seed")] = QString::number(p.seed); // a string: JSON numbers lose 64-bit seeds
    s[QStringLiteral("lambda255")] = p.lambda255;
    if (p.noiseSigma255 >= 0) s[QStringLiteral("noise_sigma255")] = p.noiseSigma255;
    if (!r.note.empty()) s[QStringLiteral("note")] = qs(r.note);
    s[QStringLiteral("degrade_task")] = qs(p.degradeTask);
    if (!p.task.empty()) s[QStringLiteral("task")] = qs(p.task);
    s[QStringLiteral("classical_peer")] = p.classicalPeer;
    s[QStringLiteral("consistency")] = p.consistency;
    s[QStringLiteral("plug_and_play")] = p.plugAndPlay;
    if (!p.maskPath.empty()) s[QStringLiteral("mask_path")] = QFileInfo(qs(p.maskPath)).absoluteFilePath();
    if (p.inputPath.empty()) s[QStringLiteral("test_index")] = p.testIndex;
    else s[QStringLiteral("input_path")] = QFileInfo(qs(p.inputPath)).absoluteFilePath();
    auto measured = [&](const char* key, const std::optional<double>& v) {
        if (v && std::isfinite(*v)) s[QLatin1String(key)] = *v;
    };
    measured("psnr_input", r.psnrInput);
    measured("psnr", r.psnrRestored);
    measured("psnr_peer", r.psnrPeer);
    measured("ssim_input", r.ssimInput);
    measured("ssim", r.ssimRestored);
    measured("ssim_peer", r.ssimPeer);
    if (!r.peerName.empty()) s[QStringLiteral("peer")] = qs(r.peerName);
    s[QStringLiteral("measured_nfe")] = double(r.nfe);
    s[QStringLiteral("seconds")] = r.seconds;
    return s;
}

bool RestoreWorkbench::paramsFromSettings(const QJsonObject& s, rs::RestoreJobParams& p, QString* why) const {
    // why stays empty when these are not restoration settings at all.
    if (s.value(QStringLiteral("workbench")).toString() != QLatin1String("restore") ||
        !s.contains(QStringLiteral("sampler")) || !s.contains(QStringLiteral("nfe")))
        return false;
    auto str = [&](const char* key, std::string& field) {
        if (s.contains(QLatin1String(key))) field = s.value(QLatin1String(key)).toString().toStdString();
    };
    str("model_dir", p.modelDir);
    str("sampler", p.sampler);
    str("degrade_task", p.degradeTask);
    p.task = s.value(QStringLiteral("task")).toString().toStdString(); // absent: unknown
    p.nfe = s.value(QStringLiteral("nfe")).toInt(p.nfe);
    p.lambda255 = s.value(QStringLiteral("lambda255")).toDouble(p.lambda255);
    p.noiseSigma255 = s.value(QStringLiteral("noise_sigma255")).toDouble(-1.0); // absent: estimated
    p.classicalPeer = s.value(QStringLiteral("classical_peer")).toBool(p.classicalPeer);
    p.consistency = s.value(QStringLiteral("consistency")).toBool(true);        // absent: on (the default)
    p.plugAndPlay = s.value(QStringLiteral("plug_and_play")).toBool(false);     // absent: off (the default)
    p.maskPath = s.value(QStringLiteral("mask_path")).toString().toStdString(); // absent: none
    readSeed(s, p.seed);
    if (s.contains(QStringLiteral("input_path"))) {
        p.inputPath = s.value(QStringLiteral("input_path")).toString().toStdString();
    } else if (s.contains(QStringLiteral("test_index"))) {
        p.inputPath.clear();
        p.testIndex = s.value(QStringLiteral("test_index")).toInt(p.testIndex);
    }
    if (const auto v = rs::validateJob(p); !v) {
        if (why) *why = qs(v.error().message);
        return false;
    }
    return true;
}

// ---- History ----

void RestoreWorkbench::refreshHistory() { m_view->historyTab()->refresh(m_history); }

void RestoreWorkbench::keepInHistory(const RunHistory::Prepared& kept) {
    const auto& p = m_resultParams;
    const auto& r = m_resultStats;
    QJsonObject figures;
    figures[QStringLiteral("nfe")] = double(r.nfe);
    figures[QStringLiteral("seconds")] = r.seconds;
    if (r.psnrRestored && std::isfinite(*r.psnrRestored)) figures[QStringLiteral("psnr")] = *r.psnrRestored;
    if (r.ssimRestored && std::isfinite(*r.ssimRestored)) figures[QStringLiteral("ssim")] = *r.ssimRestored;
    if (r.psnrInput && std::isfinite(*r.psnrInput)) figures[QStringLiteral("psnr_input")] = *r.psnrInput;
    const QString source =
        p.inputPath.empty() ? tr("test image %1").arg(p.testIndex) : QFileInfo(qs(p.inputPath)).fileName();
    const QString title = tr("%1 · NFE %2 · %3").arg(qs(p.sampler)).arg(p.nfe).arg(source);
    QString error;
    if (!m_history.addRun(title, settingsJson(p, r), figures, kept, &error))
        setStatus(tr("The run was not kept in the history: %1").arg(error));
    refreshHistory();
}

bool RestoreWorkbench::compareRuns(const QString& a, const QString& b, QString* error) {
    QString why;
    if (!m_view->historyTab()->compare(m_history, a, b, &why)) return fail(why, error);
    m_view->tabs()->setCurrentWidget(m_view->historyTab());
    return true;
}

bool RestoreWorkbench::rerun(const QString& id, QString* error) {
    const auto r = m_history.find(id);
    if (!r) return fail(tr("That run is no longer in the history."), error);
    rs::RestoreJobParams p = currentParams();
    QString why;
    if (!paramsFromSettings(r->settings, p, &why))
        return fail(tr("That run's settings cannot be used by this version: %1").arg(why), error);
    m_view->tabs()->setCurrentWidget(m_view->restoreTab());
    return startRestore(p, error);
}

bool RestoreWorkbench::exportRun(const QString& id, const QString& path, QString* error) {
    QString why;
    if (!m_history.exportImageRun(id, path, &why)) return fail(why, error);
    return true;
}

bool RestoreWorkbench::saveResult(const QString& path, QString* error) {
    if (!hasResult()) {
        if (error) *error = tr("There is no result to save yet: press Restore first.");
        return false;
    }
    const QJsonObject s = settingsJson(m_resultParams, m_resultStats);
    const auto& p = m_resultParams;
    // Never over an input: the result's own, nor the one now chosen in the controls.
    QStringList inputs;
    if (!p.inputPath.empty()) inputs << qs(p.inputPath);
    if (!m_view->chosenFile().isEmpty()) inputs << m_view->chosenFile();
    return savePngWithSettings(resultImage(), s, path, error, inputs);
}

bool RestoreWorkbench::loadSettings(const QString& path, QString* error) {
    QString why;
    const auto s = readPngSettings(path, &why);
    auto failed = [&](const QString& message) {
        if (error) *error = message;
        return false;
    };
    if (!s) return failed(why);
    rs::RestoreJobParams p = currentParams();
    QString bad;
    if (!paramsFromSettings(*s, p, &bad))
        return failed(
            bad.isEmpty()
                ? tr("%1 carries no restoration settings (it was not saved by the Restore workbench).")
                      .arg(path)
                : tr("%1 holds settings this version cannot use: %2").arg(path, bad));
    applyParams(p);
    QString message = tr("Settings loaded from %1.").arg(QFileInfo(path).fileName());
    if (p.nfe < RestoreView::kMinNfe || p.nfe > RestoreView::kMaxNfe)
        message += QLatin1Char(' ') +
                   tr("Its NFE %1 is outside the slider's range; NFE is now %2.").arg(p.nfe).arg(m_view->nfeShown());
    setStatus(message);
    return true;
}

void RestoreWorkbench::saveClicked() {
    const QString base = m_resultParams.inputPath.empty() ? QStringLiteral("test%1").arg(m_resultParams.testIndex)
                                                          : QFileInfo(qs(m_resultParams.inputPath)).completeBaseName();
    const QString suggested = QDir(m_outputRoot).filePath(
        QStringLiteral("%1-restored-%2-nfe%3.png").arg(base, qs(m_resultParams.sampler)).arg(m_resultParams.nfe));
    const QString path = askSavePng(m_view, tr("Save result"), suggested);
    if (path.isEmpty()) return;
    QString error;
    if (!saveResult(path, &error)) {
        m_view->setStatus(error);
        QMessageBox::warning(m_view, tr("Save result"), error);
        return;
    }
    setStatus(tr("Saved %1.").arg(path));
}

void RestoreWorkbench::loadClicked() {
    const QString path = askOpenPng(m_view, tr("Load settings"), m_outputRoot);
    if (path.isEmpty()) return;
    QString error;
    if (!loadSettings(path, &error)) {
        m_view->setStatus(error);
        QMessageBox::warning(m_view, tr("Load settings"), error);
    }
}

void RestoreWorkbench::sweepClicked() {
    rs::RestoreSweepParams sp;
    sp.base = currentParams();
    sp.base.inputPath.clear();
    sp.base.previews = false;
    sp.base.degradeTask = m_view->sweepTask();
    sp.samplerIds = m_view->sweep().checkedSamplers();
    QString error, bad;
    if (auto nfes = parseNfeList(m_view->sweep().nfes->text(), 1000, &bad))
        sp.nfes = std::move(*nfes);
    else
        error = tr("'%1' is not an NFE value (a whole number from 1 to 1000).").arg(bad);
    sp.images = m_view->sweep().count->value();
    if (error.isEmpty() && startSweep(sp, &error)) return;
    m_view->sweep().reportError(m_view, error);
}

bool RestoreWorkbench::startSweep(const rs::RestoreSweepParams& sp, QString* error) {
    auto failSweep = [&](const QString& message) {
        if (error) *error = message;
        m_view->sweep().status->setText(message);
        Q_EMIT statusMessage(message);
        return false;
    };
    if (m_slot->isBusy()) {
        if (error) *error = JobSlot::busyMessage();
        return false;
    }
    if (sp.samplerIds.empty()) return failSweep(tr("Check at least one sampler."));
    if (sp.nfes.empty()) return failSweep(tr("Give at least one NFE value."));
    if (sp.base.degradeTask.empty()) return failSweep(tr("Choose a task to degrade the test images with."));
    if (sp.images < 1 || sp.images > 10000) return failSweep(tr("The number of images must be between 1 and 10000."));
    for (const auto& id : sp.samplerIds)
        for (const int n : sp.nfes) {
            rs::RestoreJobParams q = sp.base;
            q.sampler = id;
            q.nfe = n;
            if (const auto v = rs::validateJob(q); !v) return failSweep(tr("Invalid settings: %1").arg(qs(v.error().message)));
        }
    if (const QString why = modelFolderProblem(sp.base.modelDir, models::zoo::kRestorer, true); !why.isEmpty())
        return failSweep(why);

    m_view->clearSweep();
    const int points = int(sp.samplerIds.size() * sp.nfes.size());
    m_view->sweep().begin(points, tr("Sweeping %1 points over %2 images…").arg(points).arg(sp.images));
    m_slot->start<rs::RestoreSweepResult>(
        QStringLiteral("sweep"), tr("Restoration sweep of %1 points").arg(points),
        [sp](const JobContext& ctx) { return rs::runRestoreSweep(sp, ctx); },
        [this](const JobOutcome<rs::RestoreSweepResult>& out) {
            if (out.ok()) {
                // The returned points are authoritative: redraw from them.
                m_view->clearSweep();
                const auto& res = *out.value;
                for (const auto& pt : res.points)
                    m_view->addSweepPoint(qs(pt.sampler), pt.nfe, pt.psnr, pt.ssim, pt.seconds, pt.peakMiB, 0, 0);
                m_view->showSweepScores(res);
            }
            const QString message = SweepPanel::outcomeMessage(out.ok(), out.status, out.error,
                                                               out.ok() ? qsizetype(out.value->points.size()) : 0,
                                                               m_slot->elapsed());
            m_view->sweep().status->setText(message);
            Q_EMIT statusMessage(message);
            return message;
        });
    return true;
}

QJsonObject RestoreWorkbench::rememberedSettings() const {
    // What to restore with; never the input, its demo degradation or a mask (they belong to a file).
    const auto p = currentParams();
    QJsonObject s;
    s[QStringLiteral("model_dir")] = qs(p.modelDir);
    s[QStringLiteral("sampler")] = qs(p.sampler);
    s[QStringLiteral("nfe")] = p.nfe;
    s[QStringLiteral("seed")] = QString::number(p.seed);
    s[QStringLiteral("lambda255")] = p.lambda255;
    s[QStringLiteral("task")] = qs(p.task);
    s[QStringLiteral("classical_peer")] = p.classicalPeer;
    s[QStringLiteral("consistency")] = p.consistency;
    s[QStringLiteral("plug_and_play")] = p.plugAndPlay;
    return s;
}

bool RestoreWorkbench::applyRemembered(const QJsonObject& s, QString* why) {
    rs::RestoreJobParams p = currentParams();
    if (!rememberedModelExists(s, why)) return false;
    p.modelDir = s.value(QStringLiteral("model_dir")).toString(qs(p.modelDir)).toStdString();
    p.sampler = s.value(QStringLiteral("sampler")).toString(qs(p.sampler)).toStdString();
    p.nfe = s.value(QStringLiteral("nfe")).toInt(p.nfe);
    readSeed(s, p.seed);
    p.lambda255 = s.value(QStringLiteral("lambda255")).toDouble(p.lambda255);
    p.task = s.value(QStringLiteral("task")).toString(qs(p.task)).toStdString();
    p.classicalPeer = s.value(QStringLiteral("classical_peer")).toBool(p.classicalPeer);
    p.consistency = s.value(QStringLiteral("consistency")).toBool(p.consistency);
    p.plugAndPlay = s.value(QStringLiteral("plug_and_play")).toBool(p.plugAndPlay);
    if (const auto v = rs::validateJob(p); !v) {
        if (why) *why = qs(v.error().message);
        return false;
    }
    applyParams(p);
    return true;
}

} // namespace reverie::app
