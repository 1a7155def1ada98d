// Includes qcustomplot.h (bare Qt keywords): compiled without QT_NO_KEYWORDS, never LibTorch.
#include "seriesplot.h"

#include <qcustomplot.h>

#include <QSaveFile>
#include <QVBoxLayout>

#include <cmath>

namespace reverie::widgets {

SeriesPlot::SeriesPlot(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_plot = new QCustomPlot(this);
    m_plot->legend->setVisible(true);
    m_plot->legend->setFont(QFont(font().family(), 8));
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->setMinimumHeight(160);
    layout->addWidget(m_plot);
}

SeriesPlot::~SeriesPlot() = default;

void SeriesPlot::setAxisLabels(const QString& x, const QString& y) {
    m_plot->xAxis->setLabel(x);
    m_plot->yAxis->setLabel(y);
}

void SeriesPlot::setLogY(bool log) {
    m_logY = log;
    m_plot->yAxis->setScaleType(log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (log) m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    else m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
}

QCPGraph* SeriesPlot::graphFor(const QString& series) {
    if (auto it = m_graphs.find(series); it != m_graphs.end()) return *it;
    static const QColor palette[] = {QColor(31, 119, 180), QColor(214, 39, 40),  QColor(44, 160, 44),
                                     QColor(255, 127, 14), QColor(148, 103, 189), QColor(140, 86, 75),
                                     QColor(227, 119, 194), QColor(23, 190, 207)};
    auto* g = m_plot->addGraph();
    g->setName(series);
    g->setPen(QPen(palette[m_order.size() % 8], 1.6));
    m_graphs.insert(series, g);
    m_order << series;
    return g;
}

void SeriesPlot::addPoint(const QString& series, double x, double y) {
    if (!std::isfinite(x) || !std::isfinite(y) || (m_logY && y <= 0)) return;
    graphFor(series)->addData(x, y);
    m_plot->rescaleAxes();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void SeriesPlot::clear() {
    m_plot->clearGraphs();
    m_graphs.clear();
    m_order.clear();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

int SeriesPlot::pointCount(const QString& series) const {
    const auto it = m_graphs.constFind(series);
    return it == m_graphs.cend() ? 0 : (*it)->data()->size();
}

QStringList SeriesPlot::seriesNames() const { return m_order; }

bool SeriesPlot::exportPng(const QString& path, QString* error) {
    m_plot->replot(QCustomPlot::rpImmediateRefresh);
    const QPixmap pixmap = m_plot->grab();
    QSaveFile file(path);
    if (pixmap.isNull() || !file.open(QIODevice::WriteOnly) || !pixmap.save(&file, "PNG") || !file.commit()) {
        if (error) *error = tr("Cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace reverie::widgets
