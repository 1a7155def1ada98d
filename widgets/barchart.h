#pragma once
// BarChart: two figures per category side by side, each on its own value axis (left and right),
// e.g. peak activation memory (MiB) and seconds per step for every fine-tuning run so far. Plain
// values in; a non-finite value draws no bar. GUI thread only.

#include <QList>
#include <QString>
#include <QStringList>
#include <QWidget>

class QCustomPlot; // qcustomplot.h uses Qt's bare keywords: keep it out of this header
class QCPBars;

namespace reverie::widgets {

class BarChart : public QWidget {
    Q_OBJECT
public:
    explicit BarChart(QWidget* parent = nullptr);
    ~BarChart() override;

    /// Names of the two figures (legend and axis labels).
    void setSeriesNames(const QString& left, const QString& right);
    /// Appends a category with its two figures.
    void addCategory(const QString& name, double left, double right);
    void clear();
    int categoryCount() const { return int(m_names.size()); }
    QStringList categories() const { return m_names; }
    /// The figure of series 0 (left) or 1 (right) for category i, as given (NaN when absent).
    double value(int series, int i) const;

private:
    void rebuild();
    QCustomPlot* m_plot = nullptr;
    QCPBars* m_left = nullptr;
    QCPBars* m_right = nullptr;
    QStringList m_names;
    QList<double> m_values[2];
};

} // namespace reverie::widgets
