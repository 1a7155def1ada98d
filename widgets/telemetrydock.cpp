// This translation unit includes qcustomplot.h, which uses Qt's bare signal/slot keywords:
// it is compiled without QT_NO_KEYWORDS and must never include LibTorch.
#include "telemetrydock.h"
#include "plotlegend.h"

#include <qcustomplot.h>

#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QSaveFile>
#include <QTextStream>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>

namespace reverie::widgets {
namespace {

QCustomPlot* makePlot(const QString& yLabel, QWidget* parent) {
    auto* plot = new QCustomPlot(parent);
    plot->setMinimumHeight(110);
    plot->xAxis->setLabel(QObject::tr("time (s)"));
    plot->yAxis->setLabel(yLabel);
    detail::placeLegendAbove(plot, 4, 7);
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    return plot;
}

QCPGraph* addGraph(QCustomPlot* plot, const QString& name, const QColor& color, bool dashed = false) {
    auto* g = plot->addGraph();
    g->setName(name);
    QPen pen(color, 1.6);
    if (dashed) pen.setStyle(Qt::DashLine);
    g->setPen(pen);
    return g;
}

QString csvNumber(double v) { return std::isnan(v) ? QString() : QString::number(v, 'g', 10); }

} // namespace

TelemetryDock::TelemetryDock(QWidget* parent) : QDockWidget(tr("Telemetry"), parent) {
    setObjectName(QStringLiteral("TelemetryDock"));
    auto* body = new QWidget(this);
    auto* layout = new QVBoxLayout(body);
    layout->setContentsMargins(4, 4, 4, 4);

    auto* bar = new QHBoxLayout;
    m_summary = new QLabel(tr("No samples yet"), body);
    bar->addWidget(m_summary, 1);
    auto* png = new QToolButton(body);
    png->setText(tr("Export PNG…"));
    png->setObjectName(QStringLiteral("exportPng"));
    auto* csv = new QToolButton(body);
    csv->setText(tr("Export CSV…"));
    csv->setObjectName(QStringLiteral("exportCsv"));
    auto* clr = new QToolButton(body);
    clr->setText(tr("Clear"));
    bar->addWidget(png);
    bar->addWidget(csv);
    bar->addWidget(clr);
    layout->addLayout(bar);

    m_plots = new QWidget(body);
    auto* plots = new QVBoxLayout(m_plots);
    plots->setContentsMargins(0, 0, 0, 0);
    m_memory = makePlot(tr("memory (MiB)"), m_plots);
    addGraph(m_memory, tr("process RSS"), QColor(31, 119, 180));
    addGraph(m_memory, tr("LibTorch allocated"), QColor(214, 39, 40));
    addGraph(m_memory, tr("LibTorch peak"), QColor(214, 39, 40), true);
    addGraph(m_memory, tr("GPU allocated"), QColor(148, 103, 189));
    m_nfe = makePlot(tr("NFE"), m_plots);
    addGraph(m_nfe, tr("network evaluations"), QColor(44, 160, 44));
    m_step = makePlot(tr("step time (ms)"), m_plots);
    addGraph(m_step, tr("last step"), QColor(255, 127, 14));
    plots->addWidget(m_memory, 2);
    plots->addWidget(m_nfe, 1);
    plots->addWidget(m_step, 1);
    layout->addWidget(m_plots, 1);
    setWidget(body);

    connect(png, &QToolButton::clicked, this, &TelemetryDock::exportPngInteractive);
    connect(csv, &QToolButton::clicked, this, &TelemetryDock::exportCsvInteractive);
    connect(clr, &QToolButton::clicked, this, &TelemetryDock::clear);
}

TelemetryDock::~TelemetryDock() = default;

void TelemetryDock::setCapacity(int samples) { m_capacity = qMax(2, samples); }

void TelemetryDock::addSample(const TelemetryPoint& p) {
    m_samples.append(p);
    const bool trimmed = m_samples.size() > m_capacity;
    if (trimmed) m_samples.remove(0, m_samples.size() - m_capacity);

    auto add = [&](QCustomPlot* plot, int graph, double v) {
        if (!std::isnan(v)) plot->graph(graph)->addData(p.seconds, v);
    };
    if (trimmed) {
        // Rebuild from the kept samples so the curves drop the same points as the table.
        replotAll();
    } else {
        add(m_memory, 0, p.rssMiB);
        add(m_memory, 1, p.allocMiB);
        add(m_memory, 2, p.allocPeakMiB);
        add(m_memory, 3, p.deviceMiB);
        add(m_nfe, 0, p.nfe);
        add(m_step, 0, p.stepMs);
    }
    for (auto* plot : {m_memory, m_nfe, m_step}) {
        plot->rescaleAxes(true);
        plot->yAxis->setRangeLower(0);
        // A curve that is all zeros (no network evaluations in a training job) would give an empty
        // range and tick labels like 6e-281: the axis shows at least 0 to 1 (counts, MiB and ms).
        if (plot->yAxis->range().upper < 1) plot->yAxis->setRangeUpper(1);
        plot->replot(QCustomPlot::rpQueuedReplot);
    }
    m_summary->setText(tr("RSS %1 MiB · LibTorch %2 MiB (peak %3 MiB)")
                           .arg(std::isnan(p.rssMiB) ? 0.0 : p.rssMiB, 0, 'f', 1)
                           .arg(std::isnan(p.allocMiB) ? 0.0 : p.allocMiB, 0, 'f', 1)
                           .arg(std::isnan(p.allocPeakMiB) ? 0.0 : p.allocPeakMiB, 0, 'f', 1));
}

void TelemetryDock::replotAll() {
    for (auto* plot : {m_memory, m_nfe, m_step})
        for (int i = 0; i < plot->graphCount(); ++i) plot->graph(i)->data()->clear();
    for (const auto& p : m_samples) {
        auto add = [&](QCustomPlot* plot, int graph, double v) {
            if (!std::isnan(v)) plot->graph(graph)->addData(p.seconds, v);
        };
        add(m_memory, 0, p.rssMiB);
        add(m_memory, 1, p.allocMiB);
        add(m_memory, 2, p.allocPeakMiB);
        add(m_memory, 3, p.deviceMiB);
        add(m_nfe, 0, p.nfe);
        add(m_step, 0, p.stepMs);
    }
}

void TelemetryDock::clear() {
    m_samples.clear();
    replotAll();
    for (auto* plot : {m_memory, m_nfe, m_step}) plot->replot(QCustomPlot::rpQueuedReplot);
    m_summary->setText(tr("No samples yet"));
}

QString TelemetryDock::csvHeader() {
    return QStringLiteral("seconds,rss_mib,alloc_mib,alloc_peak_mib,device_mib,nfe,step_ms");
}

bool TelemetryDock::exportCsv(const QString& path, QString* error) const {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        if (error) *error = tr("Cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    QTextStream out(&file);
    out << csvHeader() << '\n';
    for (const auto& p : m_samples) {
        out << csvNumber(p.seconds) << ',' << csvNumber(p.rssMiB) << ',' << csvNumber(p.allocMiB) << ','
            << csvNumber(p.allocPeakMiB) << ',' << csvNumber(p.deviceMiB) << ',' << csvNumber(p.nfe) << ','
            << csvNumber(p.stepMs) << '\n';
    }
    out.flush();
    if (!file.commit()) {
        if (error) *error = tr("Cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

QVector<QRect> TelemetryDock::legendRects() const {
    return {detail::legendRect(m_memory), detail::legendRect(m_nfe), detail::legendRect(m_step)};
}

QVector<QRect> TelemetryDock::dataRects() const {
    return {detail::dataRect(m_memory), detail::dataRect(m_nfe), detail::dataRect(m_step)};
}

bool TelemetryDock::exportPng(const QString& path, QString* error) {
    for (auto* plot : {m_memory, m_nfe, m_step}) plot->replot(QCustomPlot::rpImmediateRefresh);
    const QPixmap pixmap = m_plots->grab();
    QSaveFile file(path);
    if (pixmap.isNull() || !file.open(QIODevice::WriteOnly) || !pixmap.save(&file, "PNG") || !file.commit()) {
        if (error)
            *error = tr("Cannot write %1: %2")
                         .arg(path, pixmap.isNull() ? tr("the plots have no size yet") : file.errorString());
        return false;
    }
    return true;
}

void TelemetryDock::exportCsvInteractive() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export telemetry as CSV"),
                                                      QStringLiteral("telemetry.csv"), tr("CSV files (*.csv)"));
    if (path.isEmpty()) return;
    QString error;
    if (!exportCsv(path, &error)) QMessageBox::warning(this, tr("Export failed"), error);
}

void TelemetryDock::exportPngInteractive() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export telemetry as PNG"),
                                                      QStringLiteral("telemetry.png"), tr("PNG images (*.png)"));
    if (path.isEmpty()) return;
    QString error;
    if (!exportPng(path, &error)) QMessageBox::warning(this, tr("Export failed"), error);
}

} // namespace reverie::widgets
