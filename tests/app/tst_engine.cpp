// The engine thread: jobs run off the GUI thread, progress arrives in order, cancel stops a job
// within one step, errors and exceptions come back as outcomes, the destructor does not hang; and
// a soak of the engine with JobSlots (many short jobs started, replaced and cancelled at random,
// several lanes at once) in which every outcome lands once, where it belongs. The ThreadSanitizer
// preset runs this file (docs/reliability.md).

#include "jobs/engine.h"
#include "jobs/jobslot.h"

#include <QtTest>

#include <array>
#include <atomic>
#include <chrono>
#include <random>
#include <stdexcept>
#include <thread>

using namespace reverie::app;
using reverie::JobContext;
using reverie::Progress;
using reverie::Result;

namespace {
// A finished future's outcome, read on this thread (jobs/handoff.h: what tells ThreadSanitizer
// that the engine thread's writes came before).
template <typename T>
JobOutcome<T> outcome(const QFuture<JobOutcome<T>>& f) {
    reverie::app::handoff::arrived();
    return f.result();
}

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
        const auto out = outcome(f);
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
        const auto out = outcome(f);
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
        QCOMPARE(outcome(a).status, JobStatus::Succeeded);
        QCOMPARE(outcome(b).status, JobStatus::Cancelled);
        QCOMPARE(outcome(c).status, JobStatus::Succeeded);
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
        QCOMPARE(outcome(invalid).status, JobStatus::Failed);
        QCOMPARE(outcome(invalid).error, QStringLiteral("model expects 1 channel, image has 3"));
        QCOMPARE(outcome(thrown).status, JobStatus::Failed);
        QCOMPARE(outcome(thrown).error, QStringLiteral("corrupt file"));
        QCOMPARE(*outcome(after).value, 42); // the engine survived both
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

    void soakWithSlotsStartsReplacesAndCancels() {
        // Three lanes on one engine, as three workbenches. Each job computes a little, reports
        // progress tagged with its own number (and a preview), may fail or throw; the test starts,
        // replaces and cancels at random, then checks that every job's outcome landed exactly
        // once (or was dropped because it was replaced), that a lane only ever saw progress of
        // its current job, and that the engine went idle.
        const int jobs = qEnvironmentVariableIntValue("REVERIE_SOAK_JOBS") > 0 ? qEnvironmentVariableIntValue("REVERIE_SOAK_JOBS")
                                                                               : 500;
        Engine engine(1);
        std::array<JobSlot*, 3> slots{};
        std::array<int, 3> current{}; // the tag of each lane's current job (0: none)
        std::vector<int> landed(std::size_t(jobs) + 1, 0), lane(std::size_t(jobs) + 1, -1);
        std::vector<char> dropped(std::size_t(jobs) + 1, 0);
        int strayProgress = 0, refused = 0, replaced = 0, cancels = 0;
        std::array<int, 3> byStatus{};
        for (int k = 0; k < 3; ++k) {
            slots[std::size_t(k)] = new JobSlot(&engine, &engine);
            connect(slots[std::size_t(k)], &JobSlot::progress, &engine, [&, k](const JobProgress& p) {
                if (p.message.toInt() != current[std::size_t(k)]) ++strayProgress;
            });
        }
        std::mt19937 rng(20261206);
        int tag = 0;
        auto job = [](int tag, int steps, int mode) {
            return [tag, steps, mode](const JobContext& ctx) -> Result<int> {
                double acc = 0;
                for (int i = 1; i <= steps; ++i) {
                    if (ctx.cancelled()) return Result<int>::cancelled();
                    for (int j = 0; j < 20000; ++j) acc += std::sin(double(j + i));
                    Progress p;
                    p.step = i;
                    p.total = steps;
                    p.message = std::to_string(tag);
                    reverie::ImageU8 img;
                    img.width = img.height = 8;
                    img.channels = 1;
                    img.pixels.assign(64, std::uint8_t(tag & 255));
                    p.preview = img;
                    ctx.report(p);
                }
                if (mode == 1) return Result<int>::failed("job " + std::to_string(tag) + " failed");
                if (mode == 2) throw std::runtime_error("job threw");
                return tag + int(acc * 0);
            };
        };
        while (tag < jobs) {
            const int k = int(rng() % 3);
            JobSlot* slot = slots[std::size_t(k)];
            const int t = ++tag;
            lane[std::size_t(t)] = k;
            const int mode = rng() % 10 == 0 ? 1 + int(rng() % 2) : 0;
            auto done = [&, t, k](const JobOutcome<int>& out) {
                ++landed[std::size_t(t)];
                byStatus[std::size_t(out.status)]++;
                if (out.ok() && *out.value != t) ++strayProgress; // an outcome in the wrong place
                if (current[std::size_t(k)] == t) current[std::size_t(k)] = 0;
                return out.error;
            };
            if (rng() % 4 == 0 && slot->isBusy()) {
                dropped[std::size_t(current[std::size_t(k)])] = 1;
                ++replaced;
                current[std::size_t(k)] = t;
                slot->replace<int>(QStringLiteral("replace"), QStringLiteral("job"), job(t, 1 + int(rng() % 6), mode), done);
            } else {
                // Mostly the user waits for the lane; sometimes they press start while it runs.
                if (slot->isBusy() && rng() % 4 != 0) QVERIFY(QTest::qWaitFor([&] { return !slot->isBusy(); }, 30000));
                const bool busy = slot->isBusy();
                QString error;
                const bool ok = slot->start<int>(QStringLiteral("start"), QStringLiteral("job"), job(t, 1 + int(rng() % 6), mode),
                                                 done, &error);
                QCOMPARE(ok, !busy);
                if (ok) current[std::size_t(k)] = t;
                else {
                    ++refused;
                    dropped[std::size_t(t)] = 2; // never started
                    QVERIFY(!error.isEmpty());
                }
            }
            if (rng() % 5 == 0) {
                slots[rng() % 3]->cancel();
                ++cancels;
            }
            if (rng() % 3 == 0) QTest::qWait(int(rng() % 4));
        }
        QVERIFY(QTest::qWaitFor([&] { return !engine.isBusy() && !slots[0]->isBusy() && !slots[1]->isBusy() && !slots[2]->isBusy(); },
                                60000));
        QTest::qWait(20);
        int lost = 0, twice = 0, staleLanded = 0;
        for (int t = 1; t <= jobs; ++t) {
            if (landed[std::size_t(t)] > 1) ++twice;
            if (dropped[std::size_t(t)] == 1 && landed[std::size_t(t)] != 0) ++staleLanded;
            if (dropped[std::size_t(t)] == 0 && landed[std::size_t(t)] != 1) ++lost;
        }
        qInfo("{\"engine_soak\": {\"jobs\": %d, \"succeeded\": %d, \"cancelled\": %d, \"failed\": %d, \"replaced\": %d, "
              "\"refused\": %d, \"cancel_requests\": %d}}",
              jobs, byStatus[0], byStatus[1], byStatus[2], replaced, refused, cancels);
        QCOMPARE(lost, 0);
        QCOMPARE(twice, 0);
        QCOMPARE(staleLanded, 0);
        QCOMPARE(strayProgress, 0);
        QVERIFY(byStatus[0] > 0 && byStatus[1] > 0 && byStatus[2] > 0);
        QCOMPARE(engine.pendingJobs(), 0);
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
        QCOMPARE(outcome(f).status, JobStatus::Cancelled);
    }
};

QTEST_MAIN(TestEngine)
#include "tst_engine.moc"
