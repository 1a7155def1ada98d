// EnhanceWorkbench's runs from outside the page: `reverie --workbench enhance --run` (a file, or
// the demo on built-in data), and opening a user's file from the Start page.
#include "workbenches/enhance/enhanceworkbench.h"

#include "models/zoo.h"
#include "speech/corpus.h"
#include "workbenches/common.h"

#include <QCoreApplication>
#include <QFileInfo>

#include <utility>
#include <QtConcurrent/QtConcurrentRun>

namespace reverie::app {

namespace sp = reverie::speech;

namespace {
/// What the demo worker brings back: the mixture, or why there is none.
struct Demo {
    sp::Audio noisy, clean;
    QString error;
};

Demo makeDemo() {
    Demo d;
    sp::CorpusOptions co;
    co.length = 3 * 16000 + 64; // 3 s
    co.snrMin = co.snrMax = 5;
    co.noises = {sp::NoiseKind::White};
    co.maxFilesPerSpeaker = 3;
    auto corpus = sp::Corpus::load(co);
    if (!corpus) {
        d.error = QCoreApplication::translate(
                      "EnhanceWorkbench", "The demo needs the speech corpus (packaging/install-deps.sh): %1")
                      .arg(qs(corpus.error().message));
        return d;
    }
    const auto m = corpus.value().mixture(sp::CorpusSplit::Test, 7, 0);
    d.noisy.sampleRate = d.clean.sampleRate = 16000;
    d.noisy.samples = m.noisy;
    d.clean.samples = m.clean;
    return d;
}
} // namespace

bool EnhanceWorkbench::run(const RunRequest& request, QString* error) {
    auto p = currentParams();
    if (!request.model.isEmpty()) {
        p.modelDir = QFileInfo(qs(models::zoo::resolve(request.model.toStdString(), "")))
                         .absoluteFilePath()
                         .toStdString();
        // The model's own kind of sampler when the shown one does not fit it (a predictive model
        // runs "predictive" only; a score model any sampler but that).
        const std::string own = sp::defaultEnhanceSampler(p.modelDir);
        if ((own == sp::kPredictiveSampler) != (p.sampler == sp::kPredictiveSampler)) {
            p.sampler = own;
            p.nfe = 0;
        }
    }
    if (!request.argument.isEmpty() && request.argument != QLatin1String("compare"))
        return fail(tr("--run-arg for Enhance is 'compare' (show the run beside the one before it, in History)."),
                    error);
    if (isEnhancing()) return fail(tr("An enhancement is running; wait for it or cancel it."), error);
    m_compareAfterRun = request.argument == QLatin1String("compare");
    if (const auto v = sp::validateEnhance(p); !v) return fail(tr("Invalid settings: %1").arg(qs(v.error().message)), error);
    if (request.input.isEmpty()) return startDemo(p, error);
    // The files load in the background; the run starts when they are in (continueRun) and ends
    // with runFinished either way.
    m_pendingRun = p;
    openFile(Noisy, request.input);
    if (!request.reference.isEmpty()) openFile(Reference, request.reference);
    return true;
}

void EnhanceWorkbench::continueRun() {
    if (!m_pendingRun || isLoading()) return;
    const auto p = *m_pendingRun;
    m_pendingRun.reset();
    QString error;
    if (!startEnhance(p, &error)) {
        Q_EMIT runFinished(JobStatus::Failed, error);
        return;
    }
    // The run ends with the enhancement, once the views of what it shows are made too: an
    // analysis of a track loaded just before can end first and must not end the run (a
    // --screenshot then caught the enhancement half-way).
    auto connection = std::make_shared<QMetaObject::Connection>();
    auto outcome = std::make_shared<std::optional<std::pair<JobStatus, QString>>>();
    *connection =
        connect(this, &Workbench::jobFinished, this,
                [this, connection, outcome](const QString& kind, JobStatus status, const QString& message) {
                    if (kind == QLatin1String("enhance")) *outcome = std::make_pair(status, message);
                    if (!*outcome || isAnalysing()) return;
                    disconnect(*connection);
                    if (std::exchange(m_compareAfterRun, false) && (*outcome)->first == JobStatus::Succeeded) {
                        const auto runs = m_history.runs();
                        if (runs.size() >= 2) compareRuns(runs[1].id, runs[0].id);
                    }
                    Q_EMIT runFinished((*outcome)->first, (*outcome)->second);
                });
}

bool EnhanceWorkbench::openInput(const QString& path, QString* error) {
    if (!QFileInfo(path).isFile()) return fail(tr("%1 is not there any more.").arg(path), error);
    if (isEnhancing()) return fail(tr("An enhancement is running; wait for it or cancel it."), error);
    openFile(Noisy, path);
    return true;
}

bool EnhanceWorkbench::startDemo(const sp::EnhanceParams& p, QString* error) {
    if (isEnhancing() || m_pendingRun)
        return fail(tr("An enhancement is running; wait for it or cancel it."), error);
    const auto i = std::size_t(Noisy - 1);
    const quint64 ticket = ++m_loadTicket[i];
    m_loading[i] = true;
    m_pendingRun = p;
    setStatus(tr("Making the demo: a held-out voice in white noise at 5 dB…"));
    refreshState();
    QtConcurrent::run([] {
        return std::make_shared<Demo>(makeDemo());
    }).then(this, [this, ticket](std::shared_ptr<Demo> demo) {
        const auto i = std::size_t(Noisy - 1);
        if (ticket != m_loadTicket[i]) return; // a file opened since supersedes the demo
        m_loading[i] = false;
        QString error = demo->error;
        const bool ok =
            error.isEmpty() && setNoisyAudio(demo->noisy, &error) && setReferenceAudio(demo->clean, &error);
        if (ok) m_noisySource = tr("demo (held-out voice, white noise, 5 dB)");
        refreshState();
        if (!ok) {
            fail(error, nullptr);
            m_pendingRun.reset();
            Q_EMIT runFinished(JobStatus::Failed, error);
            return;
        }
        continueRun();
    });
    return true;
}

} // namespace reverie::app
