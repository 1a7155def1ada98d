#include "jobs/engine.h"

#include "base/runtime.h"

#include <spdlog/spdlog.h>

namespace reverie::app {

QImage toQImage(const reverie::ImageU8& image) {
    if (image.empty()) return {};
    QImage::Format format = QImage::Format_Grayscale8;
    if (image.channels == 3) format = QImage::Format_RGB888;
    else if (image.channels == 4) format = QImage::Format_RGBA8888;
    else if (image.channels != 1) return {};
    const qsizetype needed = qsizetype(image.width) * image.height * image.channels;
    if (qsizetype(image.pixels.size()) < needed) return {};
    const QImage view(image.pixels.data(), image.width, image.height, image.width * image.channels, format);
    return view.copy(); // own the pixels: the core buffer dies with the job's progress report
}

QVector<QVector<QImage>> toQImages(const std::vector<std::vector<reverie::ImageU8>>& images) {
    QVector<QVector<QImage>> out;
    for (const auto& row : images) {
        QVector<QImage> r;
        for (const auto& im : row) r.append(toQImage(im));
        out.append(r);
    }
    return out;
}

Engine::Engine(int threads, QObject* parent) : QObject(parent) {
    qRegisterMetaType<reverie::app::JobProgress>();
    qRegisterMetaType<reverie::app::JobStatus>();
    m_thread = new QThread(this);
    m_thread->setObjectName(QStringLiteral("reverie-engine"));
    m_worker = new EngineWorker;
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread->start();
    setThreads(threads);
}

Engine::~Engine() {
    cancelAll();
    m_thread->requestInterruption();
    m_thread->quit();
    m_thread->wait();
}

namespace {
// Runs fn on `to`'s thread, after what was posted there before (jobs/handoff.h for the lock).
void post(QObject* to, std::function<void()> fn) {
    handoff::Sending sending;
    QMetaObject::invokeMethod(
        to,
        [fn = std::move(fn)] {
            handoff::arrived();
            fn();
        },
        Qt::QueuedConnection);
}
} // namespace

void Engine::runOnEngine(std::function<void()> fn) { post(m_worker, std::move(fn)); }

void Engine::runOnGui(std::function<void()> fn) { post(this, std::move(fn)); }

void Engine::setThreads(int threads) {
    runOnEngine([this, threads] {
        const int n = reverie::runtime::prepareEngineThread(threads);
        m_threads.store(n);
        spdlog::info("engine: {} LibTorch thread(s)", n);
    });
}

void Engine::cancel(quint64 jobId) {
    const auto it = m_tokens.constFind(jobId);
    if (it != m_tokens.cend()) it->cancel();
}

void Engine::cancelAll() {
    for (const auto& token : std::as_const(m_tokens)) token.cancel();
}

reverie::ProgressFn Engine::progressFor(quint64 jobId) {
    return [this, jobId](const reverie::Progress& p) {
        JobProgress q;
        q.jobId = jobId;
        q.step = p.step;
        q.total = p.total;
        q.nfe = p.nfe;
        q.stepSeconds = p.stepSeconds;
        q.message = QString::fromStdString(p.message);
        if (p.preview) q.preview = toQImage(*p.preview);
        for (const auto& [name, v] : p.values) q.values.append({QString::fromStdString(name), v});
        runOnGui([this, q = std::move(q)] { Q_EMIT jobProgress(q); });
    };
}

void Engine::finished(quint64 jobId, const QString& name, JobStatus status, const QString& error) {
    m_tokens.remove(jobId);
    Q_EMIT jobFinished(jobId, name, status, error);
    if (m_tokens.isEmpty()) Q_EMIT busyChanged(false);
}

} // namespace reverie::app
