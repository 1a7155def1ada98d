// Includes qcustomplot.h (bare Qt keywords): compiled without QT_NO_KEYWORDS, never LibTorch.
#include "seriesplot.h"
#include "plotlegend.h"

#include <qcustomplot.h>

#include <QSaveFile>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace reverie::widgets {

SeriesPlot::SeriesPlot(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_plot = new QCustomPlot(this);
    detail::placeLegendAbove(m_plot, 3, 8);
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
    if (m_scatter) {
        g->setLineStyle(QCPGraph::lsNone);
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 7));
    }
    m_graphs.insert(series, g);
    m_order << series;
    return g;
}

void SeriesPlot::setScatter(bool scatter) { m_scatter = scatter; }

void SeriesPlot::addPoint(const QString& series, double x, double y) {
    if (!std::isfinite(x) || !std::isfinite(y) || (m_logY && y <= 0)) return;
    graphFor(series)->addData(x, y);
    rescale();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void SeriesPlot::addReferenceLine(const QString& label, double y) {
    if (!std::isfinite(y) || (m_logY && y <= 0)) return;
    const QPen pen(QColor(90, 90, 90), 1.2, Qt::DashLine);
    auto* line = new QCPItemStraightLine(m_plot);
    line->setPen(pen);
    line->point1->setTypeX(QCPItemPosition::ptAxisRectRatio);
    line->point1->setTypeY(QCPItemPosition::ptPlotCoords);
    line->point2->setTypeX(QCPItemPosition::ptAxisRectRatio);
    line->point2->setTypeY(QCPItemPosition::ptPlotCoords);
    line->point1->setCoords(0, y);
    line->point2->setCoords(1, y);
    auto* text = new QCPItemText(m_plot);
    text->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
    text->position->setTypeY(QCPItemPosition::ptPlotCoords);
    text->position->setCoords(0.01, y);
    text->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
    text->setText(label);
    text->setColor(QColor(70, 70, 70));
    text->setFont(QFont(font().family(), 8));
    m_refs.append({y, line, text});
    rescale();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void SeriesPlot::rescale() {
    m_plot->rescaleAxes();
    if (m_logY && !m_graphs.isEmpty()) {
        // A flat curve at the lowest (or highest) value would lie on the axis line itself: leave a
        // fifth of a decade's breathing room at both ends.
        const QCPRange r = m_plot->yAxis->range();
        if (r.lower > 0) m_plot->yAxis->setRange(r.lower / 1.25, r.upper * 1.25);
    }
    if (m_scatter) {
        // Discs drawn on the axes' ends would be cut in half: leave 8 % around them (linear axes).
        for (auto* axis : {m_plot->xAxis, m_plot->yAxis}) {
            if (axis->scaleType() != QCPAxis::stLinear) continue;
            QCPRange r = axis->range();
            const double pad = r.size() > 0 ? 0.08 * r.size() : std::max(1e-3, 0.05 * std::abs(r.center()));
            axis->setRange(r.lower - pad, r.upper + pad);
        }
    }
    if (m_refs.isEmpty()) return;
    // Items do not take part in rescaleAxes(): stretch the y range over the reference lines.
    QCPRange r = m_plot->yAxis->range();
    const bool noData = m_graphs.isEmpty();
    for (int i = 0; i < m_refs.size(); ++i) {
        const double y = m_refs[i].y;
        if (noData && i == 0) r = QCPRange(y, y);
        else r.expand(y);
    }
    if (r.size() <= 0) r = QCPRange(r.lower - 1, r.upper + 1);
    const double margin = m_logY ? 0 : 0.05 * r.size();
    m_plot->yAxis->setRange(m_logY ? r : QCPRange(r.lower - margin, r.upper + margin));
}

void SeriesPlot::clear() {
    for (const auto& ref : std::as_const(m_refs)) {
        m_plot->removeItem(ref.line);
        m_plot->removeItem(ref.text);
    }
    m_refs.clear();
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

QRect SeriesPlot::legendRect() const { return detail::legendRect(m_plot); }
QRect SeriesPlot::dataRect() const { return detail::dataRect(m_plot); }

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
