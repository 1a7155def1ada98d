// Telemetry: the allocator hook sees allocations of known size; RSS is read.

#include "base/runtime.h"
#include "base/telemetry.h"

#include <ATen/ATen.h>

#include <QtTest>

#include <thread>
#include <vector>

using namespace reverie;

class TestTelemetry : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        telemetry::installAllocatorHook();
        QVERIFY(telemetry::allocatorHookInstalled());
    }

    void hookSeesAnAllocationOfKnownSize_data() {
        QTest::addColumn<qint64>("elements");
        QTest::addColumn<int>("bytesPer");
        QTest::newRow("1M floats") << qint64(1000 * 1000) << 4;
        QTest::newRow("3x5x7 doubles") << qint64(3 * 5 * 7) << 8;
        QTest::newRow("64 MiB bytes") << qint64(64) * 1024 * 1024 << 1;
    }
    void hookSeesAnAllocationOfKnownSize() {
        QFETCH(qint64, elements);
        QFETCH(int, bytesPer);
        const auto dtype = bytesPer == 4 ? at::kFloat : bytesPer == 8 ? at::kDouble : at::kByte;
        const auto before = telemetry::allocatorBytes();
        {
            auto t = at::empty({elements}, at::TensorOptions().dtype(dtype));
            QCOMPARE(telemetry::allocatorBytes() - before, elements * bytesPer);
            QVERIFY(telemetry::allocatorPeakBytes() >= before + elements * bytesPer);
        }
        QCOMPARE(telemetry::allocatorBytes(), before); // freed again
    }

    void peakResetsToCurrent() {
        {
            auto big = at::empty({4 * 1024 * 1024}, at::kFloat); // 16 MiB
            (void)big;
        }
        QVERIFY(telemetry::allocatorPeakBytes() >= 16 * 1024 * 1024);
        telemetry::resetPeak();
        QCOMPARE(telemetry::allocatorPeakBytes(), telemetry::allocatorBytes());
    }

    void threadsWithoutTheHookAreNotCounted() {
        // Documented behaviour: LibTorch reports only to the hook of the allocating thread, which
        // is why the app installs it on the engine thread.
        const auto before = telemetry::allocatorBytes();
        std::int64_t during = 0;
        std::thread t([&] {
            auto x = at::empty({1 << 20}, at::kFloat);
            during = telemetry::allocatorBytes();
        });
        t.join();
        QCOMPARE(during, before);
    }

    void residentMemoryGrowsWhenTouched() {
        const auto before = telemetry::residentBytes();
        QVERIFY(before > 0);
        std::vector<char> block(128u * 1024 * 1024, 1); // touched, so resident
        const auto during = telemetry::residentBytes();
        QVERIFY2(during - before > 100LL * 1024 * 1024, qPrintable(QString::number(during - before)));
        const auto s = telemetry::sample();
        QVERIFY(s.rssPeakBytes >= during);
        if (runtime::info().cudaDevices == 0) QCOMPARE(s.deviceAllocBytes, std::int64_t(-1)); // no device figures
    }
    void residentPeakRestartsForOnePhase() {
        {
            std::vector<char> block(192u * 1024 * 1024, 1); // touched; freed (unmapped) at scope end
            QVERIFY(telemetry::residentPeakBytes() >= telemetry::residentBytes());
        }
        const auto peakBefore = telemetry::residentPeakBytes();
        if (!telemetry::resetResidentPeak())
            QSKIP("this kernel does not allow resetting the high-water mark");
        const auto peakAfter = telemetry::residentPeakBytes();
        // The 192 MiB phase is forgotten; the new peak starts at the current RSS.
        QVERIFY2(peakBefore - peakAfter > 150LL * 1024 * 1024,
                 qPrintable(QString("%1 -> %2").arg(peakBefore).arg(peakAfter)));
        QVERIFY(peakAfter >= telemetry::residentBytes() - 16LL * 1024 * 1024);
        {
            std::vector<char> block(64u * 1024 * 1024, 1);
            QVERIFY(telemetry::residentPeakBytes() - peakAfter > 48LL * 1024 * 1024);
        }
    }
};

QTEST_GUILESS_MAIN(TestTelemetry)
#include "tst_telemetry.moc"
