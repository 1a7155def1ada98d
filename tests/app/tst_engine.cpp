// The engine thread: jobs run off the GUI thread, progress arrives in order, cancel stops a job
// within one step, errors and exceptions come back as outcomes, the destructor does not hang.

#include "jobs/engine.h"

#include <QtTest>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

using namespace reverie::app;
using reverie::JobContext;
using reverie::Progress;
using reverie::Result;

namespace {
// A job of n steps of ~ms milliseconds that checks cancel before every step, like a sampler
// checks before every network evaluation.
Result<int> steps(const JobContext& ctx, int n, int ms) {
    for (int i = 1; i <= n; ++i) {
        if (ctx.cancelled()) return Result<int>::cancelled();
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        Progress p;
        p.step = i;
        p.total = n;
        p.nfe = 2 * i;
        ctx.report(p);
    }
    return n;
}
} // namespace

class TestEngine : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void runsOnTheEngineThreadWithOrderedProgress() {
        Engine engine(1);
        QSignalSpy progress(&engine, &Engine::jobProgress);
        QSignalSpy finished(&engine, &Engine::jobFinished);
        std::atomic<QThread*> ranOn{nullptr};
        auto f = engine.submit<int>(QStringLiteral("steps"), [&](const JobContext& ctx) {
            ranOn = QThread::currentThread();
            return steps(ctx, 8, 5);
        });
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY(f.isFinished());
        const auto out = f.result();
        QVERIFY(out.ok());
        QCOMPARE(*out.value, 8);
        QCOMPARE(ranOn.load(), engine.thread());
        QVERIFY(ranOn.load() != QThread::currentThread());
        QTRY_COMPARE(progress.count(), 8);
        for (int i = 0; i < progress.count(); ++i) {
            const auto p = progress.at(i).at(0).value<JobProgress>();
            QCOMPARE(p.step, qint64(i + 1));
            QCOMPARE(p.nfe, qint64(2 * (i + 1)));
        }
        QVERIFY(!engine.isBusy());
    }

    void cancelStopsWithinOneStep() {
        Engine engine(1);
        QSignalSpy progress(&engine, &Engine::jobProgress);
        quint64 id = 0;
        auto f = engine.submit<int>(QStringLiteral("long"), [](const JobContext& ctx) { return steps(ctx, 1000, 10); }, &id);
        QTRY_VERIFY_WITH_TIMEOUT(progress.count() >= 3, 10000);
        QElapsedTimer t;
        t.start();
        engine.cancel(id);
        QTRY_VERIFY_WITH_TIMEOUT(f.isFinished(), 5000);
        QVERIFY2(t.elapsed() < 500, qPrintable(QString::number(t.elapsed())));
        const auto out = f.result();
        QCOMPARE(out.status, JobStatus::Cancelled);
        QVERIFY(!out.value);
        QVERIFY(progress.count() < 1000);
    }

    void jobsRunInOrderAndQueuedJobsCanBeCancelled() {
        Engine engine(1);
        QSignalSpy started(&engine, &Engine::jobStarted);
        quint64 second = 0;
        auto a = engine.submit<int>(QStringLiteral("a"), [](const JobContext& ctx) { return steps(ctx, 5, 10); });
        auto b = engine.submit<int>(QStringLiteral("b"), [](const JobContext& ctx) { return steps(ctx, 5, 10); }, &second);
        auto c = engine.submit<int>(QStringLiteral("c"), [](const JobContext& ctx) { return steps(ctx, 2, 1); });
        QCOMPARE(engine.pendingJobs(), 3);
        engine.cancel(second); // still queued: it must never start
        QTRY_VERIFY_WITH_TIMEOUT(c.isFinished(), 10000);
        QCOMPARE(a.result().status, JobStatus::Succeeded);
        QCOMPARE(b.result().status, JobStatus::Cancelled);
        QCOMPARE(c.result().status, JobStatus::Succeeded);
        QCOMPARE(started.count(), 2);
        QCOMPARE(started.at(0).at(1).toString(), QStringLiteral("a"));
        QCOMPARE(started.at(1).at(1).toString(), QStringLiteral("c"));
    }

    void errorsAndExceptionsBecomeOutcomes() {
        Engine engine(1);
        auto invalid = engine.submit<int>(QStringLiteral("bad"), [](const JobContext&) {
            return Result<int>::invalid("model expects 1 channel, image has 3");
        });
        auto thrown = engine.submit<int>(QStringLiteral("throws"), [](const JobContext&) -> Result<int> {
            throw std::runtime_error("corrupt file\nstack trace line");
        });
        auto after = engine.submit<int>(QStringLiteral("after"), [](const JobContext&) { return Result<int>(42); });
        QTRY_VERIFY_WITH_TIMEOUT(after.isFinished(), 10000);
        QCOMPARE(invalid.result().status, JobStatus::Failed);
        QCOMPARE(invalid.result().error, QStringLiteral("model expects 1 channel, image has 3"));
        QCOMPARE(thrown.result().status, JobStatus::Failed);
        QCOMPARE(thrown.result().error, QStringLiteral("corrupt file"));
        QCOMPARE(*after.result().value, 42); // the engine survived both
    }

    void previewImagesCrossAsQImage() {
        Engine engine(1);
        QSignalSpy progress(&engine, &Engine::jobProgress);
        auto f = engine.submit<int>(QStringLiteral("preview"), [](const JobContext& ctx) {
            Progress p;
            p.step = 1;
            p.total = 1;
            reverie::ImageU8 img;
            img.width = 4;
            img.height = 2;
            img.channels = 1;
            img.pixels = {0, 10, 20, 30, 40, 50, 60, 70};
            p.preview = img;
            ctx.report(p);
            return Result<int>(1);
        });
        QTRY_VERIFY(f.isFinished());
        QTRY_COMPARE(progress.count(), 1);
        const QImage img = progress.at(0).at(0).value<JobProgress>().preview;
        QCOMPARE(img.size(), QSize(4, 2));
        QCOMPARE(qGray(img.pixel(3, 1)), 70);
    }

    void destructorReturnsPromptlyWithARunningJob() {
        QElapsedTimer t;
        QFuture<JobOutcome<int>> f;
        {
            Engine engine(1);
            QSignalSpy progress(&engine, &Engine::jobProgress);
            f = engine.submit<int>(QStringLiteral("forever"), [](const JobContext& ctx) { return steps(ctx, 100000, 5); });
            QTRY_VERIFY(progress.count() >= 1);
            t.start();
        }
        QVERIFY2(t.elapsed() < 1000, qPrintable(QString::number(t.elapsed())));
        QVERIFY(f.isFinished());
        QCOMPARE(f.result().status, JobStatus::Cancelled);
    }
};

QTEST_MAIN(TestEngine)
#include "tst_engine.moc"
