#pragma once
// The Tune workbench's Continual tab: learns the five Split Fashion-MNIST tasks in turn with one
// method (finetune, EWC, ER, DER++), with or without refresh learning (tune/continual.h), and
// draws the accuracy matrix as it fills in (a heat map per setting: class- and task-incremental;
// row i = after task i, column j = task j) and the average accuracy over the tasks seen so far
// per run, so runs one after another can be compared. The end reports average accuracy and
// forgetting as the paper defines them.
//
// Thread rules: GUI thread; the run is a job on the engine thread (JobSlot kind "continual").

#include <QString>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace reverie::widgets {
class SeriesPlot;
}

namespace reverie::app {

class JobSlot;
struct JobProgress;

class ContinualPanel : public QWidget {
    Q_OBJECT
public:
    explicit ContinualPanel(JobSlot* slot, QWidget* parent = nullptr);

    /// Starts a run with the shown settings; false (with *error) while a job of the slot runs.
    bool start(QString* error = nullptr);
    bool setMethod(const QString& id);
    void setRefresh(bool on);
    void setStepsPerTask(int steps);
    bool isRunning() const;
    /// The accuracy shown in the class-incremental (taskIl false) or task-incremental matrix; NaN
    /// where the cell is not filled yet.
    double cell(int afterTask, int task, bool taskIl = false) const;
    QString statusText() const;
    widgets::SeriesPlot* curve() const { return m_curve; }

private:
    void onProgress(const JobProgress& p);
    void clearMatrices();

    JobSlot* m_slot;
    QComboBox* m_method = nullptr;
    QCheckBox* m_refresh = nullptr;
    QSpinBox* m_steps = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_cancel = nullptr;
    QTableWidget* m_classIl = nullptr;
    QTableWidget* m_taskIl = nullptr;
    widgets::SeriesPlot* m_curve = nullptr;
    QLabel* m_status = nullptr;
    QString m_runName;
};

} // namespace reverie::app
