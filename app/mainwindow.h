#pragma once
// MainWindow: thin. A rail of workbenches, the telemetry and log docks, the status bar, menus.
// Every workbench is a controller + page behind the Workbench interface.

#include "settings.h"

#include <QElapsedTimer>
#include <QMainWindow>

class QLabel;
class QListWidget;
class QStackedWidget;
class QTimer;
class QToolButton;

namespace reverie::widgets {
class LogPanel;
class TelemetryDock;
} // namespace reverie::widgets

namespace reverie::app {

class Engine;
class StartWorkbench;
class Workbench;
struct JobProgress;
enum class JobStatus;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    /// engine: shared, not owned (outlives the window).
    MainWindow(Engine* engine, Settings settings, QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Shows the workbench with this id ("diagnostics", "generate", …); false if unknown.
    bool showWorkbench(const QString& id);
    Workbench* workbench(const QString& id) const;
    QStringList workbenchIds() const;
    /// Help → Keyboard shortcuts: every shortcut of the window and its workbenches (rich text).
    QString shortcutsHelp() const;
    /// The id of the workbench shown now.
    QString currentWorkbenchId() const;
    widgets::TelemetryDock* telemetryDock() const { return m_telemetry; }
    widgets::LogPanel* logPanel() const { return m_log; }
    const Settings& settings() const { return m_settings; }

private:
    void addWorkbench(Workbench* wb);
    void connectStartPage();
    void buildMenus();
    void buildStatusBar();
    void openPreferences();
    void applySettings();
    void sampleTelemetry();
    void onJobProgress(const JobProgress& p);
    void onJobStarted(quint64 id, const QString& name);
    void onJobFinished(quint64 id, const QString& name, JobStatus status, const QString& error);

    Engine* m_engine;
    Settings m_settings;
    QList<Workbench*> m_workbenches;
    StartWorkbench* m_start = nullptr;
    QListWidget* m_rail = nullptr;
    QStackedWidget* m_stack = nullptr;
    widgets::TelemetryDock* m_telemetry = nullptr;
    widgets::LogPanel* m_log = nullptr;
    QLabel* m_deviceLabel = nullptr;
    QLabel* m_threadsLabel = nullptr;
    QLabel* m_jobLabel = nullptr;
    QToolButton* m_cancel = nullptr;
    QTimer* m_sampler = nullptr;
    QElapsedTimer m_clock;
    double m_lastNfe;
    double m_lastStepMs;
};

} // namespace reverie::app
