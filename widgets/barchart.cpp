// Includes qcustomplot.h (bare Qt keywords): compiled without QT_NO_KEYWORDS, never LibTorch.
#include "barchart.h"
#include "plotlegend.h"

#include <qcustomplot.h>

#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace reverie::widgets {

BarChart::BarChart(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_plot = new QCustomPlot(this);
    m_plot->setMinimumHeight(150);
    detail::placeLegendAbove(m_plot, 2, 8);
    m_plot->yAxis2->setVisible(true);
    m_left = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    m_right = new QCPBars(m_plot->xAxis, m_plot->yAxis2);
    m_left->setBrush(QColor(31, 119, 180, 200));
    m_left->setPen(QPen(QColor(31, 119, 180)));
    m_right->setBrush(QColor(255, 127, 14, 200));
    m_right->setPen(QPen(QColor(255, 127, 14)));
    auto* group = new QCPBarsGroup(m_plot);
    m_left->setBarsGroup(group);
    m_right->setBarsGroup(group);
    m_left->setWidth(0.35);
    m_right->setWidth(0.35);
    m_plot->yAxis->setLabelColor(QColor(31, 119, 180));
    m_plot->yAxis2->setLabelColor(QColor(255, 127, 14));
    layout->addWidget(m_plot);
    rebuild();
}

BarChart::~BarChart() = default;

void BarChart::setSeriesNames(const QString& left, const QString& right) {
    m_left->setName(left);
    m_right->setName(right);
    m_plot->yAxis->setLabel(left);
    m_plot->yAxis2->setLabel(right);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void BarChart::addCategory(const QString& name, double left, double right) {
    m_names << name;
    m_values[0] << left;
    m_values[1] << right;
    rebuild();
}

void BarChart::clear() {
    m_names.clear();
    m_values[0].clear();
    m_values[1].clear();
    rebuild();
}

double BarChart::value(int series, int i) const {
    if (series < 0 || series > 1 || i < 0 || i >= m_names.size()) return NAN;
    return m_values[series][i];
}

void BarChart::rebuild() {
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    QVector<double> keys, left, right, leftKeys, rightKeys;
    double maxLeft = 0, maxRight = 0;
    for (int i = 0; i < m_names.size(); ++i) {
        ticker->addTick(i + 1, m_names[i]);
        if (std::isfinite(m_values[0][i])) {
            leftKeys << i + 1;
            left << m_values[0][i];
            maxLeft = std::max(maxLeft, m_values[0][i]);
        }
        if (std::isfinite(m_values[1][i])) {
            rightKeys << i + 1;
            right << m_values[1][i];
            maxRight = std::max(maxRight, m_values[1][i]);
        }
    }
    m_left->setData(leftKeys, left);
    m_right->setData(rightKeys, right);
    m_plot->xAxis->setTicker(ticker);
    m_plot->xAxis->setTickLabelRotation(m_names.size() > 6 ? 30 : 0);
    m_plot->xAxis->setRange(0.4, std::max<double>(1, m_names.size()) + 0.6);
    m_plot->yAxis->setRange(0, maxLeft > 0 ? maxLeft * 1.15 : 1);
    m_plot->yAxis2->setRange(0, maxRight > 0 ? maxRight * 1.15 : 1);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace reverie::widgets
