#pragma once
// The Tune workbench's "Through the sampler" tab: the memory and time of a gradient taken through
// a whole sampling run, per strategy side by side (engine/grad/samplergrad.h: backprop,
// checkpointing, reversible, adjoint), on the shipped Fashion-MNIST generator with the loss
// −log p(class | sample) under the shipped classifier (generate/gradbench.h). Each row lands as it
// is measured: a table (NFE, peak MiB, seconds, error against backprop) and a plot of peak memory
// against the number of steps, one curve per strategy, so backprop's ramp and reversible's flat
// line sit side by side.
//
// Thread rules: GUI thread; the measurement is a job on the engine thread (JobSlot kind "grad").

#include <QString>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace reverie::widgets {
class SeriesPlot;
}

namespace reverie::app {

class JobSlot;
struct JobProgress;

class GradientPanel : public QWidget {
    Q_OBJECT
public:
    explicit GradientPanel(JobSlot* slot, QWidget* parent = nullptr);

    /// Measures with the shown settings; false (with *error, also shown) while a job of the slot
    /// runs, for a step list that does not parse, with no strategy, or without the shipped models.
    bool start(QString* error = nullptr);
    /// Comma-separated step counts, e.g. "10, 50, 200".
    void setSteps(const QString& steps);
    void setStochastic(bool sde);
    void setDoubleState(bool on);
    bool isRunning() const;
    /// Rows measured so far; cell(row, column) as shown (columns: steps, strategy, NFE, peak MiB,
    /// seconds, vs backprop).
    int rows() const;
    QString cell(int row, int column) const;
    /// Peak MiB of a strategy at a step count (NaN when not measured).
    double peakMiB(const QString& strategy, int steps) const;
    QString statusText() const;
    widgets::SeriesPlot* plot() const { return m_plot; }

private:
    void onProgress(const JobProgress& p);

    JobSlot* m_slot;
    QComboBox* m_mode = nullptr;
    QLineEdit* m_steps = nullptr;
    QList<QCheckBox*> m_strategies;
    QCheckBox* m_double = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_cancel = nullptr;
    QTableWidget* m_table = nullptr;
    widgets::SeriesPlot* m_plot = nullptr;
    QLabel* m_status = nullptr;
};

} // namespace reverie::app
