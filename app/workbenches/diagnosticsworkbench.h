#pragma once
// Diagnostics workbench: measures this machine (LibTorch, device, threads, BLAS, GFLOP/s,
// memory) on the engine thread, streaming progress, cancellable.

#include "engine/engine.h"
#include "workbench.h"

#include <optional>

class QCheckBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace reverie::diagnostics { struct Result; }

namespace reverie::app {

class DiagnosticsWorkbench : public Workbench {
    Q_OBJECT
public:
    DiagnosticsWorkbench(Engine* engine, QObject* parent = nullptr);
    ~DiagnosticsWorkbench() override;

    QString id() const override { return QStringLiteral("diagnostics"); }
    QString title() const override { return tr("Diagnostics"); }
    QIcon icon() const override;
    QWidget* page() override;
    void cancel() override;

    /// Starts a run (as the Run button does). quick: the smaller variant. Returns false when one
    /// is already running.
    bool run(bool quick);
    bool isRunning() const { return m_jobId != 0; }
    /// Device ("cpu"/"cuda") the next run uses.
    void setDevice(const QString& device) { m_device = device; }
    /// The figures of the last finished run, as shown (row label → value), for tests.
    QString resultValue(const QString& key) const;
    QString lastStatus() const { return m_lastStatus; }
    /// Sizes for tests: a tiny run that still has several steps.
    void setTinyForTests(bool tiny) { m_tiny = tiny; }

Q_SIGNALS:
    void runFinished(reverie::app::JobStatus status);

private:
    void onProgress(const JobProgress& p);
    void show(const reverie::diagnostics::Result& r);
    void setRunning(bool running);

    Engine* m_engine;
    QWidget* m_page = nullptr;
    QPushButton* m_run = nullptr;
    QPushButton* m_cancel = nullptr;
    QCheckBox* m_quick = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_phase = nullptr;
    QLabel* m_warning = nullptr;
    QTableWidget* m_table = nullptr;
    quint64 m_jobId = 0;
    QString m_device = QStringLiteral("cpu");
    QString m_lastStatus;
    bool m_tiny = false;
};

} // namespace reverie::app
