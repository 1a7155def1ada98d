#include "jobs/jobslot.h"

namespace reverie::app {

JobSlot::JobSlot(Engine* engine, QObject* parent) : QObject(parent), m_engine(engine) {
    connect(m_engine, &Engine::jobProgress, this, &JobSlot::onProgress);
}

double JobSlot::elapsed() const { return m_startedAt > 0 ? reverie::nowSeconds() - m_startedAt : 0.0; }

void JobSlot::cancel() {
    if (m_jobId != 0) m_engine->cancel(m_jobId);
}

QString JobSlot::busyMessage() { return tr("Another job of this workbench is running; wait for it or cancel it."); }

void JobSlot::onProgress(const JobProgress& p) {
    if (m_jobId != 0 && p.jobId == m_jobId) Q_EMIT progress(p);
}

void JobSlot::begin(const QString& kind, quint64 id) {
    const bool wasIdle = m_jobId == 0;
    m_jobId = id;
    m_kind = kind;
    m_startedAt = reverie::nowSeconds();
    Q_EMIT started(kind);
    if (wasIdle) Q_EMIT busyChanged(true);
}

void JobSlot::end(const QString& kind, JobStatus status, const QString& message) {
    if (m_jobId == 0) Q_EMIT busyChanged(false); // unless `done` started the next job
    Q_EMIT finished(kind, status, message);
}

} // namespace reverie::app
