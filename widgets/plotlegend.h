#pragma once
// Internal to reverie_widgets (translation units that include qcustomplot.h only): the legend of
// every plot goes in a row of its own above the data area, so it never covers a curve or a bar
// (QCustomPlot's default puts it inside the axis rect, on top of the data).

#include <qcustomplot.h>

#include <QFont>

namespace reverie::widgets::detail {

/// Moves plot's legend into a new top row of the plot layout, `columns` entries per line
/// (wrapping onto more lines), no border, the given point size.
inline void placeLegendAbove(QCustomPlot* plot, int columns, int pointSize) {
    plot->legend->setVisible(true);
    plot->legend->setFont(QFont(plot->font().family(), pointSize));
    plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    plot->legend->setWrap(columns);
    plot->legend->setBorderPen(Qt::NoPen);
    plot->legend->setBrush(Qt::NoBrush);
    plot->plotLayout()->insertRow(0);
    plot->plotLayout()->addElement(0, 0, plot->legend);
    plot->plotLayout()->setRowStretchFactor(0, 0.001);
}

/// Where the legend and the data area are drawn, in the plot widget's coordinates (the layout is
/// brought up to date first: a queued replot may not have run yet).
inline QRect legendRect(QCustomPlot* plot) {
    plot->replot(QCustomPlot::rpImmediateRefresh);
    return plot->legend->outerRect();
}
inline QRect dataRect(QCustomPlot* plot) {
    plot->replot(QCustomPlot::rpImmediateRefresh);
    return plot->axisRect()->rect();
}

} // namespace reverie::widgets::detail
