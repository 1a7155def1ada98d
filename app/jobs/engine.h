#pragma once
// Engine: the one long-lived thread that owns all LibTorch work.
//
// A worker QObject lives on a QThread (no QThread subclass). The GUI submits a core job — a
// function (const reverie::JobContext&) -> reverie::Result<T> — and gets a QFuture of a
// JobOutcome<T> back; progress arrives as jobProgress() signals with Qt values (a QImage
// preview, never a tensor). The GUI never waits on the engine: continue the future with
// .then(context, …). Cancel sets the job's atomic token; jobs check it before every network
// evaluation. Nothing thrown inside a job escapes: it comes back as the outcome's error.
//
// Thread rules: create, submit and cancel on the GUI thread (the thread that owns the Engine).
// The jobs run one at a time, in submission order, on the engine thread. Every signal is emitted
// on the GUI thread (progress is posted there first), so any receiver, QSignalSpy included, may
// connect directly.

#include "base/job.h"
#include "jobs/handoff.h"

#include <QFuture>
#include <QHash>
#include <QImage>
#include <QList>
#include <QPair>
#include <QtNumeric>
#include <QObject>
#include <QPromise>
#include <QString>
#include <QThread>
#include <QVector>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

namespace reverie::app {

/// A progress report as a Qt value, safe to queue across threads.
struct JobProgress {
    quint64 jobId = 0;
    qint64 step = 0;
    qint64 total = 0;
    qint64 nfe = 0;
    double stepSeconds = 0;
    QString message;
    QImage preview; ///< null when the job sent none
    QList<QPair<QString, double>> values; ///< named figures of this step (loss, PSNR, …)
    double value(const QString& name, double fallback = qQNaN()) const {
        for (const auto& [k, v] : values)
            if (k == name) return v;
        return fallback;
    }
};

enum class JobStatus { Succeeded, Cancelled, Failed };

template <typename T>
struct JobOutcome {
    quint64 jobId = 0;
    JobStatus status = JobStatus::Failed;
    std::optional<T> value;
    QString error; ///< a sentence for the user when status != Succeeded
    bool ok() const { return status == JobStatus::Succeeded && value.has_value(); }
};

/// QImage (deep copy) from a core image.
QImage toQImage(const reverie::ImageU8& image);
/// The same for a grid of images (rows of columns).
QVector<QVector<QImage>> toQImages(const std::vector<std::vector<reverie::ImageU8>>& images);

class EngineWorker : public QObject {
    Q_OBJECT
};

class Engine : public QObject {
    Q_OBJECT
public:
    /// Starts the engine thread; threads <= 0 means one LibTorch thread per core.
    explicit Engine(int threads = 0, QObject* parent = nullptr);
    /// Cancels every job, stops the thread and waits for it (returns within one job step).
    ~Engine() override;

    template <typename T>
    using Job = std::function<reverie::Result<T>(const reverie::JobContext&)>;

    /// Queues a job; returns its future at once. jobId (if given) receives the job's id.
    template <typename T>
    QFuture<JobOutcome<T>> submit(const QString& name, Job<T> job, quint64* jobId = nullptr);

    /// Sets the job's cancel flag (queued jobs are skipped, a running one stops at its next check).
    void cancel(quint64 jobId);
    void cancelAll();
    /// Jobs queued or running.
    int pendingJobs() const { return m_tokens.size(); }
    bool isBusy() const { return !m_tokens.isEmpty(); }
    /// The engine thread (for tests and for objects that must live on it).
    QThread* thread() const { return m_thread; }
    /// LibTorch threads in effect (set on the engine thread).
    int threads() const { return m_threads.load(); }
    /// Changes LibTorch's thread count; applied on the engine thread before the next job.
    void setThreads(int threads);

Q_SIGNALS:
    void jobStarted(quint64 jobId, const QString& name);
    void jobProgress(const reverie::app::JobProgress& progress);
    void jobFinished(quint64 jobId, const QString& name, reverie::app::JobStatus status, const QString& error);
    void busyChanged(bool busy);

private:
    void runOnEngine(std::function<void()> fn);
    /// From the engine thread: runs fn on the GUI thread (the Engine's own), after what was
    /// posted before it.
    void runOnGui(std::function<void()> fn);
    reverie::ProgressFn progressFor(quint64 jobId);
    void finished(quint64 jobId, const QString& name, reverie::app::JobStatus status, const QString& error);

    QThread* m_thread = nullptr;
    EngineWorker* m_worker = nullptr;
    QHash<quint64, reverie::CancelToken> m_tokens; // GUI thread only
    quint64 m_nextId = 0;
    std::atomic<int> m_threads{0};
};

template <typename T>
QFuture<JobOutcome<T>> Engine::submit(const QString& name, Job<T> job, quint64* jobId) {
    const quint64 id = ++m_nextId;
    if (jobId) *jobId = id;
    reverie::CancelToken token;
    const bool wasIdle = m_tokens.isEmpty();
    m_tokens.insert(id, token);
    if (wasIdle) Q_EMIT busyChanged(true);

    auto promise = std::make_shared<QPromise<JobOutcome<T>>>();
    QFuture<JobOutcome<T>> future = promise->future();
    promise->start();
    runOnEngine([this, id, name, token, promise, job = std::move(job)]() mutable {
        JobOutcome<T> out;
        out.jobId = id;
        if (token.cancelled()) {
            out.status = JobStatus::Cancelled;
            out.error = tr("Cancelled before it started");
        } else {
            runOnGui([this, id, name] { Q_EMIT jobStarted(id, name); });
            reverie::JobContext ctx{progressFor(id), token};
            std::optional<reverie::Result<T>> result;
            try {
                result.emplace(job(ctx));
            } catch (const std::exception& e) {
                result.emplace(reverie::Result<T>::failed(reverie::firstLine(e.what())));
            } catch (...) {
                result.emplace(reverie::Result<T>::failed("unknown error"));
            }
            if (result->ok()) {
                out.status = JobStatus::Succeeded;
                out.value = std::move(*result).value();
            } else {
                out.status = result->isCancelled() ? JobStatus::Cancelled : JobStatus::Failed;
                out.error = QString::fromStdString(result->error().message);
            }
        }
        const auto status = out.status;
        const auto error = out.error;
        {
            handoff::Sending sending; // the outcome is read on the GUI thread through the future
            promise->addResult(std::move(out));
            promise->finish();
            promise.reset(); // the engine's reference goes before the GUI thread's
        }
        runOnGui([this, id, name, status, error] { finished(id, name, status, error); });
    });
    return future;
}

} // namespace reverie::app

Q_DECLARE_METATYPE(reverie::app::JobProgress)
Q_DECLARE_METATYPE(reverie::app::JobStatus)
