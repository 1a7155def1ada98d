#pragma once
// TelemetryDock: live curves of what a job costs — process memory (RSS), LibTorch allocator
// memory (current and peak), network evaluations (NFE) and step time — with PNG and CSV export.
// Takes plain values only (no tensors, no engine types). GUI thread only.

#include <QDockWidget>
#include <QString>
#include <QRect>
#include <QVector>

#include <limits>

class QCustomPlot; // qcustomplot.h uses Qt's bare keywords: keep it out of this header
class QLabel;

namespace reverie::widgets {

/// One sample. Unknown values are NaN and are left out of the curves (empty in CSV).
struct TelemetryPoint {
    static constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    double seconds = 0;        ///< time since the dock started (x axis)
    double rssMiB = nan;
    double allocMiB = nan;
    double allocPeakMiB = nan;
    double deviceMiB = nan;    ///< CUDA allocator (when built with CUDA)
    double nfe = nan;          ///< network evaluations of the running job so far
    double stepMs = nan;       ///< wall time of the job's last step
};

class TelemetryDock : public QDockWidget {
    Q_OBJECT
public:
    explicit TelemetryDock(QWidget* parent = nullptr);
    ~TelemetryDock() override;

    /// Appends a sample and redraws (the redraw is queued, so many samples cost one paint).
    void addSample(const TelemetryPoint& p);
    void clear();
    int sampleCount() const { return m_samples.size(); }
    const QVector<TelemetryPoint>& samples() const { return m_samples; }

    /// The CSV header line (without newline); one row per sample follows in exportCsv().
    static QString csvHeader();
    /// Writes all samples as CSV, atomically. On failure returns false and sets *error.
    bool exportCsv(const QString& path, QString* error = nullptr) const;
    /// Writes the three plots as one PNG, atomically. On failure returns false and sets *error.
    bool exportPng(const QString& path, QString* error = nullptr);

    /// Legend and data area of each plot (memory, NFE, step time), in that plot's coordinates:
    /// the legend sits in a row above the data, never on a curve.
    QVector<QRect> legendRects() const;
    QVector<QRect> dataRects() const;

    /// Keep at most this many samples (oldest dropped first). Default 36 000 (2.5 h at 4 Hz).
    void setCapacity(int samples);

private:
    void exportCsvInteractive();
    void exportPngInteractive();
    void replotAll();

    QVector<TelemetryPoint> m_samples;
    int m_capacity = 36000;
    QCustomPlot* m_memory = nullptr;
    QCustomPlot* m_nfe = nullptr;
    QCustomPlot* m_step = nullptr;
    QWidget* m_plots = nullptr;
    QLabel* m_summary = nullptr;
};

} // namespace reverie::widgets
