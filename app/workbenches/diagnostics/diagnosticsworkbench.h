#pragma once
// Diagnostics workbench: measures this machine (LibTorch, device, threads, BLAS, GFLOP/s,
// memory) on the engine thread, streaming progress, cancellable (JobSlot kind "diagnostics").
//
// Thread rules: GUI thread only.

#include "workbench.h"

#include <QPointer>

#include <memory>

namespace Ui {
class DiagnosticsForm;
}

namespace reverie::diagnostics {
struct Result;
}

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
    /// --run: a full measurement.
    bool run(const RunRequest& request, QString* error) override;

    /// Starts a run (as the Run button does). quick: the smaller variant. False while one runs.
    bool start(bool quick);
    bool isRunning() const;
    /// Device ("cpu"/"cuda") the next run uses.
    void setDevice(const QString& device) { m_device = device; }
    /// The figures of the last finished run, as shown (row label → value), for tests.
    QString resultValue(const QString& key) const;
    QString lastStatus() const { return m_lastStatus; }
    /// Sizes for tests: a tiny run that still has several steps.
    void setTinyForTests(bool tiny) { m_tiny = tiny; }

private:
    void onProgress(const JobProgress& p);
    void show(const reverie::diagnostics::Result& r);

    QPointer<QWidget> m_page; ///< owned by the window once shown, else by this
    std::unique_ptr<Ui::DiagnosticsForm> m_ui;
    JobSlot* m_slot;
    QString m_device = QStringLiteral("cpu");
    QString m_lastStatus;
    bool m_tiny = false;
};

} // namespace reverie::app
