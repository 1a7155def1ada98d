// The telemetry dock accepts samples and exports CSV (right header, rows, values, empty cells for
// unknown values) and PNG; a failed export is an error message, not a crash.

#include "seriesplot.h"
#include "telemetrydock.h"

#include <QtTest>

#include <cmath>
#include <cstring>

using reverie::widgets::TelemetryDock;
using reverie::widgets::TelemetryPoint;

namespace {
// n samples, one per second, of a process near 200 MiB with a growing LibTorch allocation.
void addSamples(TelemetryDock& dock, int n) {
    for (int i = 0; i < n; ++i) {
        TelemetryPoint p;
        p.seconds = i;
        p.rssMiB = 200 + std::sin(i);
        p.allocMiB = i;
        dock.addSample(p);
    }
}
} // namespace

class TestTelemetryDock : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void exportsCsvWithTheRightRows() {
        TelemetryDock dock;
        for (int i = 0; i < 5; ++i) {
            TelemetryPoint p;
            p.seconds = 0.25 * i;
            p.rssMiB = 100 + i;
            p.allocMiB = 10 * i;
            p.allocPeakMiB = 10 * i + 5;
            if (i >= 2) p.nfe = i * 2; // unknown before the job started
            p.stepMs = i == 4 ? 12.5 : TelemetryPoint::nan;
            dock.addSample(p);
        }
        QCOMPARE(dock.sampleCount(), 5);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("t.csv"));
        QString error;
        QVERIFY2(dock.exportCsv(path, &error), qPrintable(error));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly | QIODevice::Text));
        const QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 6);
        // The documented column order, as a literal: not the code under test's own csvHeader().
        QCOMPARE(lines[0], QStringLiteral("seconds,rss_mib,alloc_mib,alloc_peak_mib,device_mib,nfe,step_ms"));
        QCOMPARE(TelemetryDock::csvHeader(), lines[0]);
        const int columns = lines[0].split(QLatin1Char(',')).size();
        for (const auto& l : lines) QCOMPARE(l.split(QLatin1Char(',')).size(), columns);
        QCOMPARE(lines[1], QStringLiteral("0,100,0,5,,,"));
        QCOMPARE(lines[3], QStringLiteral("0.5,102,20,25,,4,"));
        QCOMPARE(lines[5], QStringLiteral("1,104,40,45,,8,12.5"));
    }

    void capacityDropsTheOldest() {
        TelemetryDock dock;
        dock.setCapacity(3);
        for (int i = 0; i < 10; ++i) {
            TelemetryPoint p;
            p.seconds = i;
            p.rssMiB = i;
            dock.addSample(p);
        }
        QCOMPARE(dock.sampleCount(), 3);
        QCOMPARE(dock.samples().first().seconds, 7.0);
    }

    void exportsPng() {
        TelemetryDock dock;
        dock.resize(500, 600);
        dock.show();
        addSamples(dock, 20);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("t.png"));
        QString error;
        QVERIFY2(dock.exportPng(path, &error), qPrintable(error));
        QImage img(path);
        QVERIFY(!img.isNull());
        QVERIFY(img.width() > 100 && img.height() > 100);
    }

    void legendsSitAboveTheData() {
        // Every legend is in a row of its own above its plot's data area, never on a curve.
        TelemetryDock dock;
        dock.resize(420, 600);
        dock.show();
        addSamples(dock, 20);
        const auto legends = dock.legendRects(), data = dock.dataRects();
        QCOMPARE(legends.size(), 3);
        for (int i = 0; i < 3; ++i) {
            QVERIFY(legends[i].isValid() && data[i].isValid());
            QVERIFY2(!legends[i].intersects(data[i]), qPrintable(QStringLiteral("plot %1").arg(i)));
            QVERIFY(legends[i].bottom() <= data[i].top());
        }
        // The same for a SeriesPlot with five long series names (the Tune page's memory plot).
        reverie::widgets::SeriesPlot plot;
        plot.resize(520, 300);
        plot.show();
        for (const char* run : {"fmnist-dit-tune-meft1", "fmnist-dit-tune-full", "fmnist-dit-tune-checkpoint",
                                "fmnist-dit-tune-meft3", "fmnist-dit-tune-lora"})
            for (int step = 1; step <= 40; ++step) plot.addPoint(QString::fromLatin1(run), step, 20 + std::strlen(run) * 4);
        QVERIFY(plot.legendRect().isValid());
        QVERIFY(!plot.legendRect().intersects(plot.dataRect()));
        QVERIFY(plot.legendRect().bottom() <= plot.dataRect().top());
        QVERIFY(plot.dataRect().height() > 100); // the legend's rows leave room for the curves
    }

    void unwritablePathIsAnError() {
        TelemetryDock dock;
        QString error;
        QVERIFY(!dock.exportCsv(QStringLiteral("/proc/no-such-dir/t.csv"), &error));
        QVERIFY(error.contains(QStringLiteral("/proc/no-such-dir/t.csv")));
    }
};

QTEST_MAIN(TestTelemetryDock)
#include "tst_telemetrydock.moc"
