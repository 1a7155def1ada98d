#pragma once
// The Start page, the first page of the rail: one-click demos of every workbench on built-in
// data (each is the workbench's `--run` with the shown settings, so what a demo shows is what the
// command line and the README show), the user's recent files (double-click opens one in the
// workbench that opened it), and "Open a file…" (images go to Restore, audio to Enhance). It only
// asks; MainWindow shows the workbench and starts it (demoRequested, openRequested).
//
// Thread rules: GUI thread only.

#include "recentfiles.h"
#include "workbench.h"

#include <QPointer>

class QLabel;
class QListWidget;
class QPushButton;

namespace reverie::app {

class StartWorkbench : public Workbench {
    Q_OBJECT
public:
    /// One demo: the workbench it runs, its --run-arg, and what the user reads before pressing.
    struct Demo {
        QString workbench, argument, title, text;
    };

    StartWorkbench(Engine* engine, QObject* parent = nullptr);
    ~StartWorkbench() override;

    QString id() const override { return QStringLiteral("start"); }
    QString title() const override { return tr("Start"); }
    QWidget* page() override;
    /// The demos shown, in the rail's order.
    static QList<Demo> demos();
    RecentFiles& recentFiles() { return m_recent; }
    /// Shows the recent files that are still there.
    void refreshRecent();
    /// Asks to open a file in the workbench that takes it; false with *error when none does.
    bool openFile(const QString& path, QString* error = nullptr);

Q_SIGNALS:
    void demoRequested(const QString& workbench, const QString& argument);
    void openRequested(const QString& workbench, const QString& path);

private:
    QPointer<QWidget> m_page;
    QListWidget* m_recentList = nullptr;
    QPushButton* m_openRecent = nullptr;
    QLabel* m_recentEmpty = nullptr;
    RecentFiles m_recent;
};

} // namespace reverie::app
