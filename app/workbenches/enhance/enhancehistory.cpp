// EnhanceWorkbench's history of finished runs (RunHistory "enhance"): each run kept with its
// enhanced audio and the input it started from (32-bit float WAV, so a kept input is the same
// samples), its enhanced spectrogram as image and thumbnail, its settings and its figures (NFE,
// seconds, real-time factor; SI-SDR and ESTOI of the input and the result when a reference was
// scored with the run). The History tab compares two runs in an A/B player at the same playhead,
// runs one again, exports one.
#include "workbenches/enhance/enhanceworkbench.h"

#include "workbenches/common.h"
#include "workbenches/enhance/audiocompare.h"
#include "workbenches/historypanel.h"

#include <QFileInfo>
#include <QJsonObject>
#include <QMessageBox>
#include <QTabWidget>

#include <cmath>

namespace reverie::app {

namespace sp = reverie::speech;

namespace {
/// A kept WAV as samples (empty with *error when it cannot be read).
std::vector<float> keptAudio(const QString& file, QString* error) {
    if (file.isEmpty()) return {};
    auto a = sp::loadAudio(file.toStdString(), 16000);
    if (!a) {
        if (error) *error = qs(a.error().message);
        return {};
    }
    return std::move(a).value().samples;
}
} // namespace

void EnhanceWorkbench::connectHistory() {
    auto* tab = m_view->historyTab();
    tab->setComparer([this](const RunRecord& a, const RunRecord& b, QString* error) {
        return compareRuns(a.id, b.id, error);
    });
    tab->setExporter(QStringLiteral("wav"), tr("WAV audio (*.wav)"),
                     [this](const QString& id, const QString& path, QString* error) {
                         return exportRun(id, path, error);
                     });
    tab->connectTo(&m_history, m_outputRoot, [this](const QString& id) {
        QString error;
        if (!rerun(id, &error)) QMessageBox::warning(m_view, tr("Run again"), error);
    });
    connect(tab, &HistoryTab::compared, this,
            [this] { m_view->tabs()->setCurrentWidget(m_view->historyTab()); });
}

void EnhanceWorkbench::refreshHistory() { m_view->historyTab()->refresh(m_history); }

void EnhanceWorkbench::keepInHistory(const RunHistory::Prepared& kept, bool scored) {
    const auto& p = m_resultParams;
    const auto& r = m_resultStats;
    QJsonObject figures;
    figures[QStringLiteral("nfe")] = double(r.nfe);
    figures[QStringLiteral("seconds")] = r.seconds;
    figures[QStringLiteral("rtf")] = r.realTimeFactor;
    figures[QStringLiteral("strength")] = r.strength;
    auto put = [&figures](const char* key, const std::optional<double>& v) {
        if (v && std::isfinite(*v)) figures[QLatin1String(key)] = *v;
    };
    if (scored && m_scores.hasReference) {
        put("si_sdr", m_scores.enhanced.siSdr);
        put("estoi", m_scores.enhanced.estoi);
        put("si_sdr_input", m_scores.noisy.siSdr);
        put("estoi_input", m_scores.noisy.estoi);
    }
    QJsonObject settings = paramsJson(p);
    settings[QStringLiteral("input_path")] = m_noisyPath;
    settings[QStringLiteral("reference_path")] = m_referencePath;
    const QString title = tr("%1 · NFE %2 · %3").arg(qs(p.sampler)).arg(r.nfe).arg(m_noisySource);
    QString error;
    if (!m_history.addRun(title, settings, figures, kept, &error))
        setStatus(tr("The run was not kept in the history: %1").arg(error));
    refreshHistory();
}

bool EnhanceWorkbench::compareRuns(const QString& a, const QString& b, QString* error) {
    const auto ra = m_history.find(a), rb = m_history.find(b);
    if (!ra || !rb) return fail(tr("That run is no longer in the history."), error);
    QString why;
    AudioCompareView::Side sa, sb;
    sa.samples = keptAudio(ra->audioFile, &why);
    sb.samples = keptAudio(rb->audioFile, &why);
    if (sa.samples.empty() || sb.samples.empty())
        return fail(tr("The audio of that run could not be read from the history%1")
                        .arg(why.isEmpty() ? QStringLiteral(".") : QStringLiteral(": ") + why),
                    error);
    sa.spectrogram = m_history.resultImage(*ra);
    sb.spectrogram = m_history.resultImage(*rb);
    sa.text = ra->title + QStringLiteral(" — ") + HistoryPanel::figuresLine(ra->figures);
    sb.text = rb->title + QStringLiteral(" — ") + HistoryPanel::figuresLine(rb->figures);
    QString ignored; // a run without its kept input is still compared, without the third track
    m_view->audioCompare()->show(std::move(sa), std::move(sb), keptAudio(ra->inputAudioFile, &ignored));
    m_view->tabs()->setCurrentWidget(m_view->historyTab());
    return true;
}

bool EnhanceWorkbench::rerun(const QString& id, QString* error) {
    const auto r = m_history.find(id);
    if (!r) return fail(tr("That run is no longer in the history."), error);
    if (isEnhancing()) return fail(tr("An enhancement is running; wait for it or cancel it."), error);
    sp::EnhanceParams p = currentParams();
    QString why;
    if (!paramsFromJson(r->settings, p, &why))
        return fail(tr("That run's settings cannot be used by this version: %1").arg(why), error);
    // The input: the user's file when it is still there (the same samples), else the kept copy.
    const QString input = r->settings.value(QStringLiteral("input_path")).toString();
    if (!input.isEmpty() && QFileInfo::exists(input)) {
        if (input != m_noisyPath || !hasNoisy())
            if (!setNoisyFile(input, error)) return false;
    } else {
        sp::Audio kept;
        kept.sampleRate = 16000;
        kept.samples = keptAudio(r->inputAudioFile, &why);
        if (kept.samples.empty())
            return fail(tr("The input of that run is gone (%1) and no copy was kept.")
                            .arg(input.isEmpty() ? tr("a recording") : input),
                        error);
        if (!setNoisyAudio(kept, error)) return false;
    }
    const QString reference = r->settings.value(QStringLiteral("reference_path")).toString();
    if (!reference.isEmpty() && reference != m_referencePath && QFileInfo::exists(reference))
        if (!setReferenceFile(reference, error)) return false;
    m_view->tabs()->setCurrentWidget(m_view->enhanceTab());
    return startEnhance(p, error);
}

bool EnhanceWorkbench::exportRun(const QString& id, const QString& path, QString* error) {
    QString why;
    if (!m_history.exportAudioRun(id, path, &why)) return fail(why, error);
    return true;
}

} // namespace reverie::app
