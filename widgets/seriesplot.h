#pragma once
// SeriesPlot: live curves of named series (loss vs step, PSNR vs NFE, …). Plain values in;
// one curve per series name, colours assigned in order. GUI thread only.

#include <QHash>
#include <QList>
#include <QRect>
#include <QString>
#include <QWidget>

class QCustomPlot; // qcustomplot.h uses Qt's bare keywords: keep it out of this header
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;

namespace reverie::widgets {

class SeriesPlot : public QWidget {
    Q_OBJECT
public:
    explicit SeriesPlot(QWidget* parent = nullptr);
    ~SeriesPlot() override;

    void setAxisLabels(const QString& x, const QString& y);
    void setLogY(bool log);
    /// Points without lines for the series made from now on (a cost/quality scatter).
    void setScatter(bool scatter);
    /// Appends (x, y) to the named series (created on first use). Non-finite y is skipped.
    void addPoint(const QString& series, double x, double y);
    /// Draws a dashed horizontal line at y labelled `label` (e.g. the degraded input's PSNR); the
    /// y axis stretches to show it. Non-finite y is skipped. clear() removes the lines too.
    void addReferenceLine(const QString& label, double y);
    int referenceLineCount() const { return int(m_refs.size()); }
    void clear();
    int pointCount(const QString& series) const;
    QStringList seriesNames() const;
    /// Where the legend and the data area are, in the plot's coordinates (the legend sits in a
    /// row above the data, never on a curve).
    QRect legendRect() const;
    QRect dataRect() const;
    /// Writes the curves as a PNG; false with *error on failure.
    bool exportPng(const QString& path, QString* error = nullptr);

private:
    QCPGraph* graphFor(const QString& series);
    void rescale();
    struct Reference {
        double y;
        QCPItemStraightLine* line;
        QCPItemText* text;
    };
    QCustomPlot* m_plot = nullptr;
    QHash<QString, QCPGraph*> m_graphs;
    QStringList m_order;
    QList<Reference> m_refs;
    bool m_logY = false;
    bool m_scatter = false;
};

} // namespace reverie::widgets
