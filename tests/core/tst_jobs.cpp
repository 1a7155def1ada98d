// The core job plumbing and the Diagnostics job: progress order, cancel within one step,
// errors as values (never exceptions), validation before any work.

#include "base/job.h"
#include "base/runtime.h"
#include "base/shard.h"
#include "diagnostics/diagnostics.h"

#include "fixtures.h"

#include <QtTest>

#include <stdexcept>
#include <thread>

using namespace reverie;

namespace {
diagnostics::Params tiny() {
    diagnostics::Params p;
    p.matmulSize = 64;
    p.matmulRepeats = 3;
    p.convBatch = 2;
    p.convChannels = 8;
    p.convSize = 8;
    p.convRepeats = 3;
    return p;
}
} // namespace

class TestJobs : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { runtime::prepareEngineThread(1); }

    void cancelTokenIsSharedAcrossCopiesAndThreads() {
        CancelToken a;
        CancelToken b = a;
        QVERIFY(!b.cancelled());
        std::thread t([a] { a.cancel(); });
        t.join();
        QVERIFY(b.cancelled());
        b.reset();
        QVERIFY(!a.cancelled());
    }

    void guardedTurnsExceptionsIntoErrors() {
        auto r = guarded<int>("job", []() -> Result<int> { throw std::runtime_error("disk full\nbacktrace..."); });
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, ErrorKind::Failed);
        QCOMPARE(QString::fromStdString(r.error().message), QStringLiteral("job: disk full"));
        auto ok = guarded<int>("job", []() -> Result<int> { return 7; });
        QVERIFY(ok.ok());
        QCOMPARE(ok.value(), 7);
    }

    void progressArrivesInOrderAndCompletes() {
        const auto p = tiny();
        std::vector<Progress> seen;
        JobContext ctx{[&](const Progress& pr) { seen.push_back(pr); }, {}};
        const auto r = diagnostics::run(p, ctx);
        VERIFY_OK(r);
        QCOMPARE(qint64(seen.size()), qint64(diagnostics::totalSteps(p)));
        for (size_t i = 0; i < seen.size(); ++i) {
            QCOMPARE(seen[i].step, qint64(i + 1));
            QCOMPARE(seen[i].total, diagnostics::totalSteps(p));
            QVERIFY(seen[i].stepSeconds >= 0);
            QVERIFY(!seen[i].message.empty());
        }
        QVERIFY(r.value().matmulGflops > 0);
        QVERIFY(r.value().convGflops > 0);
        QVERIFY(r.value().matmulMedianGflops <= r.value().matmulGflops);
        QVERIFY(!r.value().runtime.torchVersion.empty());
        QVERIFY(r.value().allocPeakBytes >= 2 * 64 * 64 * 4); // both matrices were alive together
        QVERIFY(r.value().rssBytes > 0);
    }

    void cancelStopsWithinOneStep_data() {
        QTest::addColumn<int>("cancelAt");
        QTest::newRow("first step") << 1;
        QTest::newRow("mid matmul") << 3;
        QTest::newRow("during conv") << 6;
    }
    void cancelStopsWithinOneStep() {
        QFETCH(int, cancelAt);
        CancelToken token;
        int steps = 0;
        JobContext ctx{[&](const Progress& pr) {
                           steps = int(pr.step);
                           if (pr.step == cancelAt) token.cancel(); // as if the user pressed Cancel now
                       },
                       token};
        const auto r = diagnostics::run(tiny(), ctx);
        QVERIFY(r.isCancelled());
        QCOMPARE(steps, cancelAt); // no further step ran after the cancel
    }

    void invalidParamsFailBeforeAnyWork_data() {
        QTest::addColumn<int>("size");
        QTest::addColumn<int>("repeats");
        QTest::addColumn<QString>("device");
        QTest::addColumn<QString>("expected");
        QTest::newRow("zero size") << 0 << 3 << "cpu" << "matrix size";
        QTest::newRow("no repeats") << 64 << 0 << "cpu" << "repeats";
        QTest::newRow("unknown device") << 64 << 3 << "tpu" << "unknown device";
    }
    void invalidParamsFailBeforeAnyWork() {
        QFETCH(int, size);
        QFETCH(int, repeats);
        QFETCH(QString, device);
        QFETCH(QString, expected);
        auto p = tiny();
        p.matmulSize = size;
        p.matmulRepeats = repeats;
        p.device = device.toStdString();
        int calls = 0;
        JobContext ctx{[&](const Progress&) { ++calls; }, {}};
        const auto r = diagnostics::run(p, ctx);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, ErrorKind::InvalidInput);
        QVERIFY2(QString::fromStdString(r.error().message).contains(expected), r.error().message.c_str());
        QCOMPARE(calls, 0);
    }

    void cudaWithoutCudaIsAClearError() {
        if (runtime::deviceUsable("cuda")) QSKIP("this machine has CUDA");
        auto p = tiny();
        p.device = "cuda";
        const auto r = diagnostics::run(p, {});
        QVERIFY(!r.ok());
        QVERIFY(QString::fromStdString(r.error().message).contains(QStringLiteral("CUDA")));
    }

    void jsonHasTheFigures() {
        const auto r = diagnostics::run(tiny(), {});
        QVERIFY(r.ok());
        const QByteArray json = QByteArray::fromStdString(diagnostics::toJson(r.value()));
        QJsonParseError err{};
        const auto doc = QJsonDocument::fromJson(json, &err);
        QVERIFY2(err.error == QJsonParseError::NoError, qPrintable(err.errorString()));
        const auto o = doc.object();
        for (const char* key : {"torch_version", "device", "threads", "blas", "blas_is_reference",
                                "matmul_gflops_median", "conv_gflops_median", "alloc_peak_bytes", "rss_bytes"})
            QVERIFY2(o.contains(QLatin1String(key)), key);
        QCOMPARE(o.value(QStringLiteral("matmul_gflops_best")).toDouble(), r.value().matmulGflops);
    }

    void blasIsDetected() {
        const auto info = runtime::info();
        QVERIFY(!info.blas.empty());
        // The installer (packaging/install-deps.sh) brings OpenBLAS; on this project's machines
        // any other BLAS, the reference one above all, is a broken install.
        QVERIFY2(QString::fromStdString(info.blas + " " + info.blasPath).contains(QStringLiteral("openblas"), Qt::CaseInsensitive),
                 ("BLAS is " + info.blas + " at '" + info.blasPath + "', not OpenBLAS: run packaging/install-deps.sh").c_str());
        QVERIFY(!info.blasIsReference);
    }

    void shardsPartitionTheUnits() {
        for (const char* bad :
             {"", "3", "0/2", "3/2", "1/0", "-1/2", "1/2/3", "a/b", "1/100001", "99999999999/1"})
            QVERIFY2(!Shard::parse(bad), bad);
        const auto s = Shard::parse("2/3");
        QVERIFY(s);
        QCOMPARE(s.value().str(), std::string("2/3"));
        // Every unit belongs to exactly one shard; the shares differ by at most one.
        for (int n = 1; n <= 7; ++n)
            for (std::size_t units : {0, 1, 5, 13}) {
                std::vector<int> owners(units, 0);
                std::size_t total = 0, lo = units, hi = 0;
                for (int k = 1; k <= n; ++k) {
                    const Shard sh{k, n};
                    for (std::size_t i = 0; i < units; ++i) owners[i] += sh.owns(i) ? 1 : 0;
                    total += sh.share(units);
                    lo = std::min(lo, sh.share(units));
                    hi = std::max(hi, sh.share(units));
                }
                QCOMPARE(total, units);
                QVERIFY(hi - lo <= 1 || units == 0);
                for (int o : owners) QCOMPARE(o, 1);
            }
        // Parts: ordered by index, checked for completeness, repeats and settings.
        auto part = [](int k, int n, int cfg, std::vector<int> units) {
            nlohmann::json j{{"bench", "x"}, {"shard", Shard{k, n}.json()}, {"config", {{"a", cfg}}}};
            j["rows"] = nlohmann::json::array();
            for (int u : units) j["rows"].push_back({{"unit", u}, {"v", 10 * u}});
            return j;
        };
        auto ordered = orderShards({part(2, 2, 1, {1, 3}), part(1, 2, 1, {0, 2})});
        QVERIFY(ordered);
        QCOMPARE(ordered.value().front()["shard"]["index"].get<int>(), 1);
        auto rows = concatUnits(ordered.value(), "rows");
        QVERIFY(rows);
        QCOMPARE(rows.value().dump(), std::string(R"([{"v":0},{"v":10},{"v":20},{"v":30}])"));
        QVERIFY(!orderShards({part(1, 3, 1, {}), part(2, 3, 1, {})}));
        QVERIFY(!orderShards({part(1, 2, 1, {}), part(1, 2, 1, {})}));
        QVERIFY(!orderShards({part(1, 2, 1, {}), part(2, 2, 2, {})}));
        QVERIFY(!orderShards({part(1, 2, 1, {}), part(2, 3, 1, {})}));
        QVERIFY(!concatUnits({part(1, 2, 1, {0, 1}), part(2, 2, 1, {1})}, "rows"));
        // mergeParts: both steps, the first part without its shard, the parts kept in order.
        auto merged = mergeParts({part(2, 2, 1, {1, 3}), part(1, 2, 1, {0, 2})}, "rows");
        QVERIFY(merged);
        QVERIFY(!merged.value().merged.contains("shard"));
        QCOMPARE(merged.value().merged["rows"].dump(), rows.value().dump());
        QCOMPARE(merged.value().merged["config"]["a"].get<int>(), 1);
        QCOMPARE(merged.value().parts.size(), std::size_t(2));
        QCOMPARE(merged.value().parts[1]["shard"]["index"].get<int>(), 2);
        QVERIFY(!mergeParts({part(1, 2, 1, {0, 1}), part(2, 2, 1, {1})}, "rows"));
        QVERIFY(!mergeParts({part(1, 2, 1, {0}), part(2, 2, 2, {1})}, "rows"));
        const auto noShard = orderShards({nlohmann::json{{"bench", "x"}}});
        QVERIFY(!noShard && noShard.error().message.find("--shard") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestJobs)
#include "tst_jobs.moc"
