#include "workbenches/generate/generateworkbench.h"

#include "imageconv.h"
#include "imagesettings.h"
#include "jobs/jobslot.h"
#include "models/zoo.h"
#include "seriesplot.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QSpinBox>
#include <QTabWidget>

#include <spdlog/spdlog.h>

#include <cmath>

namespace reverie::app {
namespace {
namespace gen = reverie::generate;
} // namespace

GenerateWorkbench::GenerateWorkbench(Engine* engine, QString outputDir, QObject* parent)
    : Workbench(engine, parent), m_outputRoot(std::move(outputDir)), m_view(new GenerateView), m_slot(addSlot()) {
    m_extras.modelDir = models::zoo::find(models::zoo::kGenerator);
    m_view->setParams(m_extras);
    connect(m_slot, &JobSlot::progress, this, &GenerateWorkbench::onProgress);
    connect(m_slot, &JobSlot::busyChanged, this, [this] { m_view->setBusy(m_slot->kind()); });
    connect(m_view, &GenerateView::generateRequested, this, [this] {
        QString error;
        if (!startSampling(currentParams(), &error)) QMessageBox::warning(m_view, tr("Generate"), error);
    });
    connect(m_view, &GenerateView::cancelRequested, this, &GenerateWorkbench::cancel);
    connect(m_view, &GenerateView::saveRequested, this, &GenerateWorkbench::saveClicked);
    connect(m_view, &GenerateView::loadRequested, this, &GenerateWorkbench::loadClicked);
    connect(m_view, &GenerateView::likelihoodRequested, this, [this] {
        QString error;
        if (!startLikelihood(m_view->likelihoodCount(), &error)) QMessageBox::warning(m_view, tr("Bits/dim"), error);
    });
    connect(m_view, &GenerateView::sweepRequested, this, &GenerateWorkbench::sweepClicked);
    m_view->historyTab()->connectTo(&m_history, m_outputRoot, [this](const QString& id) {
        QString error;
        if (!rerun(id, &error)) QMessageBox::warning(m_view, tr("Run again"), error);
    });
    connect(m_view->historyTab(), &HistoryTab::compared, this,
            [this] { m_view->tabs()->setCurrentWidget(m_view->historyTab()); });
    m_view->historyTab()
        ->scatter()
        ->hide(); // a sampling run has no quality figure of its own (FD needs a sweep)
    SdPanel& sd = m_view->sd();
    connect(&sd, &SdPanel::openRequested, this, [this] {
        const QString file = QFileDialog::getOpenFileName(m_view, tr("Open a Stable Diffusion 1.x checkpoint"), QString(),
                                                          tr("Checkpoints (*.safetensors *.ckpt *.pt *.pth)"));
        if (!file.isEmpty()) m_view->sd().setCheckpoint(file);
    });
    connect(&sd, &SdPanel::generateRequested, this, [this] {
        QString error;
        if (!startSd(currentSdParams(), &error)) QMessageBox::warning(m_view, tr("Stable Diffusion"), error);
    });
    connect(&sd, &SdPanel::cancelRequested, this, &GenerateWorkbench::cancel);
    connect(&sd, &SdPanel::saveRequested, this, [this] {
        if (m_sdImages.isEmpty()) return;
        const QString path = QFileDialog::getSaveFileName(m_view, tr("Save image"), m_outputRoot, tr("PNG (*.png)"));
        if (path.isEmpty()) return;
        QString error;
        if (!saveSdImage(0, path, &error)) QMessageBox::warning(m_view, tr("Save image"), error);
    });
    connect(&sd, &SdPanel::addEditRequested, this, [this] {
        const QString file = QFileDialog::getOpenFileName(m_view, tr("Add a concept edit or a LoRA"), m_outputRoot,
                                                          tr("Concept edits and LoRAs (*.safetensors)"));
        if (file.isEmpty()) return;
        QString error;
        if (!addSdAddon(file, &error)) QMessageBox::warning(m_view, tr("Add"), error);
    });
    connect(&sd, &SdPanel::eraseRequested, this, [this] {
        const gen::SdParams cur = currentSdParams();
        erase::SdEraseParams e;
        e.checkpoint = cur.checkpoint;
        e.concepts = {m_view->sd().eraseConcept().toStdString()};
        e.method = m_view->sd().eraseMethod().toStdString();
        e.textHeads = cur.textHeads;
        e.unetHeads = cur.unetHeads;
        QString error;
        if (!startSdErase(e, &error)) QMessageBox::warning(m_view, tr("Erase"), error);
    });
    connect(m_slot, &JobSlot::busyChanged, this, [this](bool busy) { m_view->sd().setBusy(busy); });
}

GenerateWorkbench::~GenerateWorkbench() {
    if (m_view && !m_view->parent()) delete m_view;
}

QWidget* GenerateWorkbench::page() { return m_view; }

bool GenerateWorkbench::run(const RunRequest& request, QString* error) {
    auto p = currentParams();
    if (!request.model.isEmpty())
        p.modelDir = models::zoo::resolve(request.model.toStdString(), models::zoo::kGenerator);
    if (!startSampling(p, error)) return false;
    finishRunWithNextJob();
    return true;
}

bool GenerateWorkbench::isSampling() const { return m_slot->kind() == QLatin1String("sample"); }

gen::GenerateParams GenerateWorkbench::currentParams() const { return m_view->params(m_extras); }

void GenerateWorkbench::applyParams(const gen::GenerateParams& p) {
    m_extras = p; // keeps the settings without a control (η, churn, RK45 tolerance, DLG's estimator, previews)
    m_view->setParams(p);
}

void GenerateWorkbench::setSampleStatus(const QString& message) {
    m_view->setSampleStatus(message);
    Q_EMIT statusMessage(message);
}

bool GenerateWorkbench::failSample(const QString& message, QString* error) {
    if (error) *error = message;
    setSampleStatus(message);
    return false;
}

bool GenerateWorkbench::startSampling(const gen::GenerateParams& requested, QString* error) {
    gen::GenerateParams p = requested;
    if (m_slot->isBusy()) return failSample(JobSlot::busyMessage(), error);
    if (p.guideClass >= 0 && p.classifierDir.empty())
        p.classifierDir = models::zoo::find(models::zoo::kClassifier);
    if (const auto v = gen::validate(p); !v) return failSample(tr("Invalid settings: %1").arg(qs(v.error().message)), error);
    if (const QString why = modelFolderProblem(p.modelDir, models::zoo::kGenerator); !why.isEmpty())
        return failSample(why, error);

    applyParams(p); // the controls show what runs
    m_runParams = p;
    m_previews = 0;
    m_view->setSampleStatus(tr("Starting %1 with %2 NFE…").arg(qs(p.sampler)).arg(p.nfe));
    m_slot->start<gen::GenerateResult>(
        QStringLiteral("sample"), tr("Sampling %1 × %2").arg(p.batch).arg(qs(p.sampler)),
        [p](const JobContext& ctx) { return gen::runGenerate(p, ctx); },
        [this](const JobOutcome<gen::GenerateResult>& out) {
            QString message;
            if (out.ok()) {
                const auto& r = *out.value;
                m_result = toQImage(r.grid);
                m_resultParams = m_runParams;
                m_resultStats = gen::GenerateResult{};
                m_resultStats.nfe = r.nfe;
                m_resultStats.nfePerSample = r.nfePerSample;
                m_resultStats.steps = r.steps;
                m_resultStats.seconds = r.seconds;
                m_resultStats.guideProbability = r.guideProbability;
                m_resultStats.guideNfe = r.guideNfe;
                m_view->showPreview(m_result, tr("%1 · %2 · seed %3")
                                                  .arg(qs(m_runParams.sampler), qs(m_runParams.sde))
                                                  .arg(qulonglong(m_runParams.seed)));
                m_view->setHasResult(true);
                QJsonObject figures{{QStringLiteral("nfe"), r.nfePerSample},
                                    {QStringLiteral("seconds"), r.seconds}};
                QString kept;
                if (!m_history.addImageRun(tr("%1 · NFE %2 · %3")
                                               .arg(qs(m_runParams.sampler))
                                               .arg(m_runParams.nfe)
                                               .arg(qs(m_runParams.sde)),
                                           settingsJson(m_resultParams, m_resultStats), figures, m_result,
                                           &kept))
                    spdlog::warn("generate: the run was not kept in the history: {}", kept.toStdString());
                refreshHistory();
                // NFE per sample, everything counted (DLG: its chains' burn-in amortised).
                message = tr("%1 samples · NFE %2 · steps %3 · %4 s")
                              .arg(qsizetype(r.items.size()))
                              .arg(r.nfePerSample, 0, 'g', 4)
                              .arg(r.steps)
                              .arg(r.seconds, 0, 'f', 2);
                if (!r.detail.empty()) message += QStringLiteral(" · ") + qs(r.detail);
                if (!r.guideProbability.empty())
                    message += tr(" · guidance: p(class) %1 → %2 (%3 NFE of gradients)")
                                   .arg(r.guideProbability.front(), 0, 'f', 3)
                                   .arg(r.guideProbability.back(), 0, 'f', 3)
                                   .arg(r.guideNfe);
            } else {
                message = out.status == JobStatus::Cancelled ? tr("Sampling stopped: %1").arg(out.error)
                                                              : tr("Sampling failed: %1").arg(out.error);
            }
            setSampleStatus(message);
            return message;
        });
    return true;
}

void GenerateWorkbench::onProgress(const JobProgress& p) {
    const QString kind = m_slot->kind();
    if (kind == QLatin1String("sd")) {
        if (m_view->sd().showPreview(p.preview)) ++m_sdPreviews;
        m_view->sd().setStatus(tr("Step %1 of %2 · NFE %3 · %4 s · %5")
                                   .arg(p.step)
                                   .arg(p.total)
                                   .arg(p.nfe)
                                   .arg(m_slot->elapsed(), 0, 'f', 1)
                                   .arg(p.message));
    } else if (kind == QLatin1String("sample")) {
        if (m_view->showPreview(p.preview)) ++m_previews;
        if (p.message == QLatin1String("guide"))
            m_view->setSampleStatus(tr("Guidance %1 of %2 · p(class) %3 · NFE %4 · %5 s")
                                        .arg(p.step)
                                        .arg(p.total)
                                        .arg(p.value(QStringLiteral("p_class")), 0, 'f', 3)
                                        .arg(p.nfe)
                                        .arg(m_slot->elapsed(), 0, 'f', 1));
        else
            m_view->setSampleStatus(tr("Step %1 of %2 · NFE %3 · %4 s")
                                        .arg(p.step)
                                        .arg(p.total)
                                        .arg(p.nfe)
                                        .arg(m_slot->elapsed(), 0, 'f', 1));
    } else if (kind == QLatin1String("likelihood")) {
        if (p.total > 0)
            m_view->setLikelihoodStatus(tr("Measuring bits/dim: %1 of %2 · NFE %3").arg(p.step).arg(p.total).arg(p.nfe));
    } else if (kind == QLatin1String("sweep")) {
        const double fd = p.value(QStringLiteral("fd"));
        if (std::isnan(fd)) return; // not a finished point
        m_view->addSweepPoint(p.message, p.value(QStringLiteral("nfe"), double(p.nfe)), fd,
                              p.value(QStringLiteral("seconds")), p.value(QStringLiteral("peak_mib")),
                              p.value(QStringLiteral("confident")), p.step, p.total);
        if (!p.preview.isNull()) m_view->showSweepPreview(p.preview);
    }
}

QJsonObject GenerateWorkbench::settingsJson(const gen::GenerateParams& p, const gen::GenerateResult& r) {
    QJsonObject s;
    s[QStringLiteral("workbench")] = QStringLiteral("generate");
    s[QStringLiteral("model_dir")] = qs(p.modelDir);
    s[QStringLiteral("sde")] = qs(p.sde);
    s[QStringLiteral("sampler")] = qs(p.sampler);
    s[QStringLiteral("nfe")] = p.nfe;
    s[QStringLiteral("guidance")] = p.guidance;
    s[QStringLiteral("label")] = p.label;
    s[QStringLiteral("seed")] = QString::number(p.seed); // a string: JSON numbers lose 64-bit seeds
    s[QStringLiteral("batch")] = p.batch;
    s[QStringLiteral("eta")] = p.eta;
    s[QStringLiteral("churn")] = p.churn;
    s[QStringLiteral("rk45_tolerance")] = p.rk45Tolerance;
    if (p.sampler == "dlg") s[QStringLiteral("noise_estimator")] = qs(p.noiseEstimator);
    if (p.guideClass >= 0) {
        s[QStringLiteral("guide_class")] = p.guideClass;
        s[QStringLiteral("guide_iterations")] = p.guideIterations;
        s[QStringLiteral("guide_step")] = p.guideStep;
        s[QStringLiteral("guide_strategy")] = qs(p.guideStrategy);
        if (!r.guideProbability.empty()) s[QStringLiteral("guide_probability")] = r.guideProbability.back();
    }
    s[QStringLiteral("measured_nfe")] = double(r.nfe);
    s[QStringLiteral("nfe_per_sample")] = r.nfePerSample;
    s[QStringLiteral("steps")] = r.steps;
    s[QStringLiteral("seconds")] = r.seconds;
    return s;
}

bool GenerateWorkbench::saveResult(const QString& path, QString* error) {
    if (m_result.isNull()) {
        if (error) *error = tr("There is no result to save yet: press Generate first.");
        return false;
    }
    const QJsonObject s = settingsJson(m_resultParams, m_resultStats);
    return savePngWithSettings(m_result, s, path, error);
}

bool GenerateWorkbench::paramsFromSettings(const QJsonObject& s, gen::GenerateParams& p, QString* why) {
    // why stays empty when these are not sampling settings at all.
    if (!s.contains(QStringLiteral("sampler")) || !s.contains(QStringLiteral("nfe"))) return false;
    auto str = [&](const char* key, std::string& field) {
        if (s.contains(QLatin1String(key))) field = s.value(QLatin1String(key)).toString().toStdString();
    };
    auto integer = [&](const char* key, int& field) {
        if (s.contains(QLatin1String(key))) field = s.value(QLatin1String(key)).toInt(field);
    };
    auto real = [&](const char* key, double& field) {
        if (s.contains(QLatin1String(key))) field = s.value(QLatin1String(key)).toDouble(field);
    };
    str("model_dir", p.modelDir);
    str("sde", p.sde);
    str("sampler", p.sampler);
    integer("nfe", p.nfe);
    real("guidance", p.guidance);
    integer("label", p.label);
    integer("batch", p.batch);
    real("eta", p.eta);
    real("churn", p.churn);
    real("rk45_tolerance", p.rk45Tolerance);
    str("noise_estimator", p.noiseEstimator);
    p.guideClass = -1; // settings without guidance turn it off
    integer("guide_class", p.guideClass);
    integer("guide_iterations", p.guideIterations);
    real("guide_step", p.guideStep);
    str("guide_strategy", p.guideStrategy);
    if (p.guideClass >= 0 && p.classifierDir.empty())
        p.classifierDir = models::zoo::find(models::zoo::kClassifier);
    readSeed(s, p.seed);
    if (const auto v = gen::validate(p); !v) {
        if (why) *why = qs(v.error().message);
        return false;
    }
    return true;
}

// ---- History ----

void GenerateWorkbench::refreshHistory() { m_view->historyTab()->refresh(m_history); }

bool GenerateWorkbench::compareRuns(const QString& a, const QString& b, QString* error) {
    QString why;
    if (!m_view->historyTab()->compare(m_history, a, b, &why)) return failSample(why, error);
    m_view->tabs()->setCurrentWidget(m_view->historyTab());
    return true;
}

bool GenerateWorkbench::rerun(const QString& id, QString* error) {
    const auto r = m_history.find(id);
    if (!r) return failSample(tr("That run is no longer in the history."), error);
    if (r->settings.value(QStringLiteral("kind")).toString() == QLatin1String("sd"))
        return rerunSd(r->settings, error);
    gen::GenerateParams p = currentParams();
    QString why;
    if (!paramsFromSettings(r->settings, p, &why))
        return failSample(tr("That run's settings cannot be used by this version: %1").arg(why), error);
    m_view->tabs()->setCurrentIndex(0);
    return startSampling(p, error);
}

bool GenerateWorkbench::loadSettings(const QString& path, QString* error) {
    QString why;
    const auto s = readPngSettings(path, &why);
    auto failed = [&](const QString& message) {
        if (error) *error = message;
        return false;
    };
    if (!s) return failed(why);
    gen::GenerateParams p = currentParams();
    QString bad;
    if (!paramsFromSettings(*s, p, &bad))
        return failed(bad.isEmpty() ? tr("%1 carries no sampling settings.").arg(path)
                                    : tr("%1 holds settings this version cannot use: %2").arg(path, bad));
    applyParams(p);
    setSampleStatus(tr("Settings loaded from %1.").arg(QFileInfo(path).fileName()));
    return true;
}

void GenerateWorkbench::saveClicked() {
    const QString suggested = QDir(m_outputRoot).filePath(QStringLiteral("%1-%2-nfe%3-seed%4.png")
                                                              .arg(qs(m_resultParams.sampler), qs(m_resultParams.sde))
                                                              .arg(m_resultParams.nfe)
                                                              .arg(qulonglong(m_resultParams.seed)));
    const QString path = askSavePng(m_view, tr("Save PNG"), suggested);
    if (path.isEmpty()) return;
    QString error;
    if (!saveResult(path, &error)) {
        QMessageBox::warning(m_view, tr("Save PNG"), error);
        return;
    }
    setSampleStatus(tr("Saved %1.").arg(path));
}

void GenerateWorkbench::loadClicked() {
    const QString path = askOpenPng(m_view, tr("Load settings from PNG"), m_outputRoot);
    if (path.isEmpty()) return;
    QString error;
    if (!loadSettings(path, &error)) QMessageBox::warning(m_view, tr("Load settings from PNG"), error);
}

bool GenerateWorkbench::startLikelihood(int count, QString* error) {
    auto failed = [&](const QString& message) {
        if (error) *error = message;
        m_view->setLikelihoodStatus(message);
        Q_EMIT statusMessage(message);
        return false;
    };
    if (m_slot->isBusy()) {
        if (error) *error = JobSlot::busyMessage();
        return false;
    }
    const auto current = currentParams();
    gen::LikelihoodParams lp;
    lp.modelDir = current.modelDir;
    lp.sde = current.sde;
    lp.count = count;
    lp.batch = std::min(count, 16);
    if (const QString why = modelFolderProblem(lp.modelDir, models::zoo::kGenerator); !why.isEmpty()) return failed(why);
    m_view->setLikelihoodStatus(tr("Measuring bits/dim of %1 test images…").arg(count));
    m_slot->start<gen::LikelihoodResult>(
        QStringLiteral("likelihood"), tr("Bits/dim of %1 test images").arg(count),
        [lp](const JobContext& ctx) { return gen::runLikelihood(lp, ctx); },
        [this](const JobOutcome<gen::LikelihoodResult>& out) {
            QString message;
            if (out.ok()) {
                const auto& r = *out.value;
                message = tr("bits/dim %1 ± %2 over %3 test images (NFE %4 per image, %5 s)")
                              .arg(r.bpd, 0, 'f', 3)
                              .arg(r.bpdStdErr, 0, 'f', 3)
                              .arg(r.images)
                              .arg(r.nfe)
                              .arg(r.seconds, 0, 'f', 1);
            } else {
                message = out.status == JobStatus::Cancelled ? tr("Bits/dim stopped: %1").arg(out.error)
                                                              : tr("Bits/dim failed: %1").arg(out.error);
            }
            m_view->setLikelihoodStatus(message);
            Q_EMIT statusMessage(message);
            return message;
        });
    return true;
}

void GenerateWorkbench::sweepClicked() {
    gen::SweepParams sp;
    sp.base = currentParams();
    sp.base.previews = false;
    sp.samplerIds = m_view->sweep().checkedSamplers();
    QString error, bad;
    if (auto nfes = parseNfeList(m_view->sweep().nfes->text(), 100000, &bad))
        sp.nfes = std::move(*nfes);
    else
        error = tr("'%1' is not an NFE value (a whole number from 1 to 100000).").arg(bad);
    sp.samples = m_view->sweep().count->value();
    sp.eval = gen::EvalSet{models::zoo::find(models::zoo::kClassifier), ""};
    if (error.isEmpty() && startSweep(sp, &error)) return;
    m_view->sweep().reportError(m_view, error);
}

bool GenerateWorkbench::startSweep(const gen::SweepParams& params, QString* error) {
    auto failed = [&](const QString& message) {
        if (error) *error = message;
        m_view->sweep().status->setText(message);
        Q_EMIT statusMessage(message);
        return false;
    };
    if (m_slot->isBusy()) {
        if (error) *error = JobSlot::busyMessage();
        return false;
    }
    gen::SweepParams sp = params;
    if (sp.eval.classifierDir.empty()) sp.eval.classifierDir = models::zoo::find(models::zoo::kClassifier);
    if (sp.samplerIds.empty()) return failed(tr("Check at least one sampler."));
    if (sp.nfes.empty()) return failed(tr("Give at least one NFE value."));
    if (sp.samples < 2) return failed(tr("A sweep point needs at least 2 samples."));
    for (const auto& id : sp.samplerIds)
        for (const int n : sp.nfes) {
            gen::GenerateParams q = sp.base;
            q.sampler = id;
            q.nfe = n;
            if (const auto v = gen::validate(q); !v) return failed(tr("Invalid settings: %1").arg(qs(v.error().message)));
        }
    if (const QString why = modelFolderProblem(sp.base.modelDir, models::zoo::kGenerator); !why.isEmpty())
        return failed(why);
    if (sp.eval.classifierDir.empty())
        return failed(tr("The shipped classifier (%1) was not found; the sweep needs it for the FD.")
                          .arg(QString::fromLatin1(models::zoo::kClassifier)));

    m_view->clearSweep();
    const int points = int(sp.samplerIds.size() * sp.nfes.size());
    m_view->sweep().begin(points, tr("Sweeping %1 points of %2 samples…").arg(points).arg(sp.samples));
    m_slot->start<std::vector<gen::SweepPoint>>(
        QStringLiteral("sweep"), tr("Sweep of %1 points").arg(points),
        [sp](const JobContext& ctx) { return gen::runSweep(sp, ctx); },
        [this](const JobOutcome<std::vector<gen::SweepPoint>>& out) {
            if (out.ok()) {
                // The returned points are authoritative: redraw from them.
                m_view->clearSweep();
                for (const auto& pt : *out.value)
                    m_view->addSweepPoint(qs(pt.sampler), pt.nfe, pt.fd, pt.seconds, pt.peakMiB, pt.confident, 0, 0);
            }
            const QString message = SweepPanel::outcomeMessage(out.ok(), out.status, out.error,
                                                               out.ok() ? qsizetype(out.value->size()) : 0,
                                                               m_slot->elapsed());
            m_view->sweep().status->setText(message);
            Q_EMIT statusMessage(message);
            return message;
        });
    return true;
}

QJsonObject GenerateWorkbench::rememberedSettings() const {
    // The settings a saved PNG carries, without what was measured.
    QJsonObject s = settingsJson(currentParams(), {});
    for (const char* measured : {"measured_nfe", "nfe_per_sample", "steps", "seconds"})
        s.remove(QLatin1String(measured));
    return s;
}

bool GenerateWorkbench::applyRemembered(const QJsonObject& s, QString* why) {
    if (!rememberedModelExists(s, why)) return false;
    gen::GenerateParams p = currentParams();
    QString bad;
    if (!paramsFromSettings(s, p, &bad)) {
        if (why) *why = bad.isEmpty() ? tr("these are not sampling settings") : bad;
        return false;
    }
    applyParams(p);
    return true;
}

} // namespace reverie::app
