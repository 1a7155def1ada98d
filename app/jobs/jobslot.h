#pragma once
// JobSlot: one workbench's lane on the engine. It starts a job, routes that job's progress (and no
// other's), cancels it, drops the outcome of a job that was replaced (a stale result never lands),
// and reports the end once, with a kind ("restore", "sweep", …) so one signal serves every job a
// workbench runs.
//
// Two ways to start: start() refuses while the slot is busy (the user must wait or cancel);
// replace() cancels the running job and starts the new one at once (a regenerate that follows the
// user's latest setting). `done` runs on the GUI thread with the outcome and returns the status
// line to show; finished() follows with the same text.
//
// Thread rules: GUI thread only (the thread that owns the Engine).

#include "jobs/engine.h"

#include <QObject>
#include <QString>

#include <functional>
#include <memory>

namespace reverie::app {

class JobSlot : public QObject {
    Q_OBJECT
public:
    explicit JobSlot(Engine* engine, QObject* parent = nullptr);

    bool isBusy() const { return m_jobId != 0; }
    /// The kind of the running job ("" when idle).
    QString kind() const { return m_kind; }
    /// Seconds since the running (or last) job started.
    double elapsed() const;
    Engine* engine() const { return m_engine; }

    template <typename T>
    using Done = std::function<QString(const JobOutcome<T>&)>;

    /// Starts a job unless one of this slot runs; false with *error ("Another job … is running").
    template <typename T>
    bool start(const QString& kind, const QString& name, Engine::Job<T> job, Done<T> done, QString* error = nullptr);
    /// Cancels the running job (its outcome is dropped) and starts this one.
    template <typename T>
    void replace(const QString& kind, const QString& name, Engine::Job<T> job, Done<T> done);
    /// Cancels the running job; its outcome still arrives (status Cancelled).
    void cancel();
    /// The sentence shown when start() refuses.
    static QString busyMessage();

Q_SIGNALS:
    void started(const QString& kind);
    /// Progress of the running job only.
    void progress(const reverie::app::JobProgress& p);
    /// After `done` ran: the job's kind, status and the status line it returned.
    void finished(const QString& kind, reverie::app::JobStatus status, const QString& message);
    void busyChanged(bool busy);

private:
    template <typename T>
    void launch(const QString& kind, const QString& name, Engine::Job<T> job, Done<T> done);
    void onProgress(const JobProgress& p);
    void begin(const QString& kind, quint64 id);
    void end(const QString& kind, JobStatus status, const QString& message);

    Engine* m_engine;
    quint64 m_jobId = 0;
    QString m_kind;
    double m_startedAt = 0;
};

template <typename T>
bool JobSlot::start(const QString& kind, const QString& name, Engine::Job<T> job, Done<T> done, QString* error) {
    if (isBusy()) {
        if (error) *error = busyMessage();
        return false;
    }
    launch<T>(kind, name, std::move(job), std::move(done));
    return true;
}

template <typename T>
void JobSlot::replace(const QString& kind, const QString& name, Engine::Job<T> job, Done<T> done) {
    if (isBusy()) m_engine->cancel(m_jobId); // its outcome arrives with another id and is dropped
    launch<T>(kind, name, std::move(job), std::move(done));
}

template <typename T>
void JobSlot::launch(const QString& kind, const QString& name, Engine::Job<T> job, Done<T> done) {
    quint64 id = 0;
    auto future = m_engine->submit<T>(name, std::move(job), &id);
    begin(kind, id);
    handoff::Sending attaching; // the engine thread may finish the job while this attaches
    future.then(this, [this, id, kind, done = std::move(done)](const JobOutcome<T>& out) {
        handoff::arrived(); // the outcome was made on the engine thread (jobs/handoff.h)
        if (id != m_jobId) return; // replaced: a stale result never lands
        m_jobId = 0;               // idle while `done` runs, so it may start the next job
        m_kind.clear();
        const QString message = done ? done(out) : out.error;
        end(kind, out.status, message);
    });
}

} // namespace reverie::app
