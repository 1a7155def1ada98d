// EnhanceWorkbench's demo on built-in data and opening a user's file from the Start page.
#include "workbenches/enhance/enhanceworkbench.h"

#include "speech/corpus.h"
#include "workbenches/common.h"

#include <QCoreApplication>
#include <QFileInfo>
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
