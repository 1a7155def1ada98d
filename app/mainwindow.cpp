#include "mainwindow.h"

#include "base/runtime.h"
#include "base/telemetry.h"
#include "jobs/engine.h"
#include "lastsettings.h"
#include "logging.h"
#include "preferencesdialog.h"
#include "workbenches/diagnostics/diagnosticsworkbench.h"
#include "workbenches/enhance/enhanceworkbench.h"
#include "workbenches/erase/eraseworkbench.h"
#include "workbenches/generate/generateworkbench.h"
#include "workbenches/restore/restoreworkbench.h"
#include "workbenches/start/startworkbench.h"
#include "workbenches/tune/tuneworkbench.h"

#include "logpanel.h"
#include "telemetrydock.h"

#include <QApplication>
#include <QDockWidget>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QTimer>
#include <QToolButton>

#include <spdlog/spdlog.h>

#include <cmath>

namespace reverie::app {

MainWindow::MainWindow(Engine* engine, Settings settings, QWidget* parent)
    : QMainWindow(parent), m_engine(engine), m_settings(std::move(settings)),
      m_lastNfe(std::nan("")), m_lastStepMs(std::nan("")) {
    setWindowTitle(tr("Reverie"));
    setObjectName(QStringLiteral("MainWindow"));
    resize(1280, 800);

    auto* central = new QWidget(this);
    auto* row = new QHBoxLayout(central);
    row->setContentsMargins(0, 0, 0, 0);
    m_rail = new QListWidget(central);
    m_rail->setObjectName(QStringLiteral("workbenchRail"));
    m_rail->setFixedWidth(150);
    m_rail->setIconSize(QSize(24, 24));
    m_stack = new QStackedWidget(central);
    row->addWidget(m_rail);
    row->addWidget(m_stack, 1);
    setCentralWidget(central);

    // The Start page, then the workbenches in the order of the mission.
    const QString output = m_settings.effectiveOutputDir();
    m_start = new StartWorkbench(m_engine, this);
    addWorkbench(m_start);
    addWorkbench(new GenerateWorkbench(m_engine, output, this));
    addWorkbench(new RestoreWorkbench(m_engine, output, this));
    addWorkbench(new EnhanceWorkbench(m_engine, output, this));
    addWorkbench(new EraseWorkbench(m_engine, this, output));
    addWorkbench(new TuneWorkbench(m_engine, output, this));
    auto* diagnostics = new DiagnosticsWorkbench(m_engine, this);
    diagnostics->setDevice(m_settings.device);
    addWorkbench(diagnostics);
    connect(m_rail, &QListWidget::currentRowChanged, m_stack, &QStackedWidget::setCurrentIndex);
    connectStartPage();

    m_telemetry = new widgets::TelemetryDock(this);
    addDockWidget(Qt::RightDockWidgetArea, m_telemetry);
    auto* logDock = new QDockWidget(tr("Log"), this);
    logDock->setObjectName(QStringLiteral("LogDock"));
    m_log = new widgets::LogPanel(logDock);
    logDock->setWidget(m_log);
    addDockWidget(Qt::BottomDockWidgetArea, logDock);
    resizeDocks({logDock}, {140}, Qt::Vertical);
    resizeDocks({m_telemetry}, {520}, Qt::Horizontal);
    connect(LogBridge::instance(), &LogBridge::line, m_log, &widgets::LogPanel::appendLine);

    buildMenus();
    buildStatusBar();

    connect(m_engine, &Engine::jobProgress, this, &MainWindow::onJobProgress);
    connect(m_engine, &Engine::jobStarted, this, &MainWindow::onJobStarted);
    connect(m_engine, &Engine::jobFinished, this, &MainWindow::onJobFinished);

    // Telemetry: a cheap read of atomics and /proc four times a second, on the GUI thread.
    m_clock.start();
    m_sampler = new QTimer(this);
    m_sampler->setInterval(250);
    connect(m_sampler, &QTimer::timeout, this, &MainWindow::sampleTelemetry);
    m_sampler->start();

    for (const auto& problem : std::as_const(m_settings.problems)) spdlog::warn("{}", problem.toStdString());
    QString why;
    m_settings.effectiveOutputDir(&why);
    if (!why.isEmpty()) spdlog::warn("{}", why.toStdString());
    // Every workbench's last-used settings (the model, sampler, NFE, seed, task: never a file).
    QString problem;
    const QJsonObject remembered = loadLastSettings(lastSettingsPath(), &problem);
    if (!problem.isEmpty()) spdlog::warn("{}", problem.toStdString());
    for (auto* wb : std::as_const(m_workbenches)) {
        const auto v = remembered.value(wb->id());
        if (!v.isObject()) continue;
        QString why;
        if (!wb->applyRemembered(v.toObject(), &why))
            spdlog::warn("{}: the last-used settings were not restored: {}", wb->id().toStdString(),
                         why.toStdString());
    }
    // First minutes: the page used last, or the Start page with its demos and recent files.
    if (m_settings.lastWorkbench.isEmpty() || !showWorkbench(m_settings.lastWorkbench))
        showWorkbench(QStringLiteral("start"));
    connect(m_rail, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row >= 0 && row < m_workbenches.size()) m_settings.lastWorkbench = m_workbenches[row]->id();
    });
}

MainWindow::~MainWindow() {
    // Remember the page for the next start (the other preferences are saved when changed).
    Settings stored = Settings::load();
    if (stored.problems.isEmpty() && stored.lastWorkbench != m_settings.lastWorkbench) {
        stored.lastWorkbench = m_settings.lastWorkbench;
        stored.save();
    }
    // And each workbench's settings as shown now (entries of workbenches not built here stay).
    QJsonObject all = loadLastSettings();
    for (const auto* wb : std::as_const(m_workbenches)) {
        const auto s = wb->rememberedSettings();
        if (!s.isEmpty()) all[wb->id()] = s;
    }
    QString error;
    if (!saveLastSettings(all, lastSettingsPath(), &error))
        spdlog::warn("the last-used settings were not saved: {}", error.toStdString());
}

void MainWindow::addWorkbench(Workbench* wb) {
    m_workbenches.append(wb);
    auto* item = new QListWidgetItem(wb->icon(), wb->title(), m_rail);
    item->setData(Qt::UserRole, wb->id());
    item->setSizeHint(QSize(0, 34));
    m_stack->addWidget(wb->page());
    connect(wb, &Workbench::statusMessage, this, [this](const QString& text) { m_jobLabel->setText(text); });
}

bool MainWindow::showWorkbench(const QString& id) {
    for (int i = 0; i < m_workbenches.size(); ++i)
        if (m_workbenches[i]->id() == id) {
            m_rail->setCurrentRow(i);
            return true;
        }
    return false;
}

Workbench* MainWindow::workbench(const QString& id) const {
    for (auto* wb : m_workbenches)
        if (wb->id() == id) return wb;
    return nullptr;
}

QString MainWindow::currentWorkbenchId() const {
    const int row = m_rail->currentRow();
    return row >= 0 && row < m_workbenches.size() ? m_workbenches[row]->id() : QString();
}

QStringList MainWindow::workbenchIds() const {
    QStringList ids;
    for (auto* wb : m_workbenches) ids << wb->id();
    return ids;
}

void MainWindow::buildMenus() {
    auto* file = menuBar()->addMenu(tr("&File"));
    auto* exportPng = file->addAction(tr("Export telemetry as &PNG…"));
    connect(exportPng, &QAction::triggered, m_telemetry, [this] {
        m_telemetry->findChild<QToolButton*>(QStringLiteral("exportPng"))->click();
    });
    auto* exportCsv = file->addAction(tr("Export telemetry as &CSV…"));
    connect(exportCsv, &QAction::triggered, m_telemetry, [this] {
        m_telemetry->findChild<QToolButton*>(QStringLiteral("exportCsv"))->click();
    });
    file->addSeparator();
    auto* quit = file->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    auto* edit = menuBar()->addMenu(tr("&Edit"));
    auto* prefs = edit->addAction(tr("&Preferences…"));
    prefs->setShortcut(QKeySequence::Preferences);
    connect(prefs, &QAction::triggered, this, &MainWindow::openPreferences);

    auto* view = menuBar()->addMenu(tr("&View"));
    for (auto* dock : findChildren<QDockWidget*>()) view->addAction(dock->toggleViewAction());
    view->addSeparator();
    // Ctrl+1 … Ctrl+6: the workbenches in the rail's order.
    for (int i = 0; i < m_workbenches.size(); ++i) {
        auto* go = view->addAction(m_workbenches[i]->title());
        go->setObjectName(QStringLiteral("show-") + m_workbenches[i]->id());
        if (i < 9) go->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        const QString id = m_workbenches[i]->id();
        connect(go, &QAction::triggered, this, [this, id] { showWorkbench(id); });
    }

    auto* help = menuBar()->addMenu(tr("&Help"));
    auto* keys = help->addAction(tr("&Keyboard shortcuts"));
    keys->setObjectName(QStringLiteral("keyboardShortcuts"));
    keys->setShortcut(QKeySequence::HelpContents);
    connect(keys, &QAction::triggered, this, [this] {
        auto* box = new QMessageBox(QMessageBox::NoIcon, tr("Keyboard shortcuts"), shortcutsHelp(),
                                    QMessageBox::Close, this);
        box->setObjectName(QStringLiteral("shortcutsDialog"));
        box->setTextFormat(Qt::RichText);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    });
    auto* about = help->addAction(tr("&About Reverie"));
    connect(about, &QAction::triggered, this, [this] {
        const auto info = reverie::runtime::info();
        QMessageBox::about(this, tr("About Reverie"),
                           tr("<b>Reverie %1</b><br>A desktop studio for diffusion models.<br>"
                              "LibTorch %2, Qt %3.")
                               .arg(QApplication::applicationVersion(), QString::fromStdString(info.torchVersion),
                                    QString::fromLatin1(qVersion())));
    });
}

void MainWindow::connectStartPage() {
    // Files the user opens anywhere become recent files; the Start page's demos and files open
    // the workbench they belong to.
    for (auto* wb : std::as_const(m_workbenches))
        connect(wb, &Workbench::inputOpened, this, [this, wb](const QString& path) {
            QString error;
            if (!m_start->recentFiles().add(path, wb->id(), &error))
                spdlog::warn("the recent files were not saved: {}", error.toStdString());
            m_start->refreshRecent();
        });
    connect(m_start, &StartWorkbench::demoRequested, this,
            [this](const QString& id, const QString& argument) {
                auto* wb = workbench(id);
                if (!wb) return;
                showWorkbench(id);
                RunRequest request;
                request.argument = argument;
                QString error;
                if (!wb->run(request, &error)) {
                    statusBar()->showMessage(error, 8000);
                    QMessageBox::warning(this, tr("Demo"), error);
                }
            });
    connect(m_start, &StartWorkbench::openRequested, this, [this](const QString& id, const QString& path) {
        auto* wb = workbench(id);
        if (!wb) return;
        showWorkbench(id);
        QString error;
        if (!wb->openInput(path, &error)) {
            statusBar()->showMessage(error, 8000);
            QMessageBox::warning(this, tr("Open"), error);
        }
    });
}

QString MainWindow::shortcutsHelp() const {
    QString rows;
    auto row = [&rows](const QString& keys, const QString& what) {
        rows += QStringLiteral("<tr><td><b>%1</b>&nbsp;&nbsp;</td><td>%2</td></tr>")
                    .arg(keys.toHtmlEscaped(), what.toHtmlEscaped());
    };
    auto native = [](QKeySequence::StandardKey k) {
        return QKeySequence(k).toString(QKeySequence::NativeText);
    };
    for (int i = 0; i < m_workbenches.size() && i < 9; ++i)
        row(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)).toString(QKeySequence::NativeText),
            tr("Show %1").arg(m_workbenches[i]->title()));
    row(native(QKeySequence::Preferences), tr("Preferences"));
    row(native(QKeySequence::HelpContents), tr("This list"));
    row(native(QKeySequence::Quit), tr("Quit"));
    row(QStringLiteral("1 – 4"),
        tr("Enhance: hear the noisy, enhanced, reference or residual track at the same position"));
    row(tr("Space"), tr("Enhance: play or pause"));
    row(QStringLiteral("1 – 3"), tr("Enhance, History: hear run A, run B or A's input at the same position"));
    row(tr("Wheel, drag"), tr("Restore: zoom the compare view, pan it; drag the divider to compare"));
    row(tr("Double-click"), tr("Restore: fit the image to the view"));
    return QStringLiteral("<table>%1</table>").arg(rows);
}

void MainWindow::buildStatusBar() {
    m_deviceLabel = new QLabel(this);
    m_deviceLabel->setObjectName(QStringLiteral("deviceLabel"));
    m_threadsLabel = new QLabel(this);
    m_threadsLabel->setObjectName(QStringLiteral("threadsLabel"));
    m_jobLabel = new QLabel(tr("Idle"), this);
    m_jobLabel->setObjectName(QStringLiteral("jobLabel"));
    m_cancel = new QToolButton(this);
    m_cancel->setObjectName(QStringLiteral("statusCancel"));
    m_cancel->setText(tr("Cancel"));
    m_cancel->setEnabled(false);
    connect(m_cancel, &QToolButton::clicked, this, [this] {
        for (auto* wb : std::as_const(m_workbenches)) wb->cancel();
        m_engine->cancelAll();
    });
    statusBar()->addWidget(m_jobLabel, 1);
    statusBar()->addPermanentWidget(m_cancel);
    statusBar()->addPermanentWidget(m_deviceLabel);
    statusBar()->addPermanentWidget(m_threadsLabel);
    applySettings();
}

void MainWindow::applySettings() {
    const auto info = reverie::runtime::info();
    const bool cuda = m_settings.device == QLatin1String("cuda") && info.cudaDevices > 0;
    m_deviceLabel->setText(cuda ? tr("Device: CUDA") : tr("Device: CPU"));
    const int threads = m_settings.threads > 0 ? m_settings.threads : info.hardwareThreads;
    m_threadsLabel->setText(tr("Threads: %1").arg(threads));
    if (auto* d = qobject_cast<DiagnosticsWorkbench*>(workbench(QStringLiteral("diagnostics"))))
        d->setDevice(cuda ? QStringLiteral("cuda") : QStringLiteral("cpu"));
    // The models folder's checkpoints in the model menus (read from the tensor names only).
    if (auto* e = qobject_cast<EnhanceWorkbench*>(workbench(QStringLiteral("enhance")))) e->setModelsFolder(m_settings.modelsDir);
    if (auto* r = qobject_cast<RestoreWorkbench*>(workbench(QStringLiteral("restore")))) r->setModelsFolder(m_settings.modelsDir);
}

void MainWindow::openPreferences() {
    PreferencesDialog dialog(m_settings, this);
    if (dialog.exec() != QDialog::Accepted) return;
    const Settings next = dialog.settings();
    const bool threadsChanged = next.threads != m_settings.threads;
    m_settings = next;
    QString error;
    if (!m_settings.save(Settings::filePath(), &error))
        QMessageBox::warning(this, tr("Preferences"), error);
    if (threadsChanged) m_engine->setThreads(m_settings.threads);
    applySettings();
}

void MainWindow::sampleTelemetry() {
    const auto s = reverie::telemetry::sample();
    widgets::TelemetryPoint p;
    p.seconds = m_clock.elapsed() / 1000.0;
    constexpr double MiB = 1024.0 * 1024.0;
    p.rssMiB = s.rssBytes / MiB;
    p.allocMiB = s.allocBytes / MiB;
    p.allocPeakMiB = s.allocPeakBytes / MiB;
    if (s.deviceAllocBytes >= 0) p.deviceMiB = s.deviceAllocBytes / MiB;
    p.nfe = m_lastNfe;
    p.stepMs = m_lastStepMs;
    m_telemetry->addSample(p);
}

void MainWindow::onJobStarted(quint64, const QString& name) {
    reverie::telemetry::resetPeak();
    m_lastNfe = 0;
    m_lastStepMs = std::nan("");
    m_jobLabel->setText(tr("Running: %1").arg(name));
    m_cancel->setEnabled(true);
}

void MainWindow::onJobProgress(const JobProgress& p) {
    m_lastNfe = double(p.nfe);
    m_lastStepMs = p.stepSeconds * 1000.0;
}

void MainWindow::onJobFinished(quint64, const QString& name, JobStatus status, const QString& error) {
    m_cancel->setEnabled(m_engine->isBusy());
    switch (status) {
    case JobStatus::Succeeded:
        m_jobLabel->setText(tr("%1 finished").arg(name));
        break;
    case JobStatus::Cancelled:
        m_jobLabel->setText(tr("%1 cancelled").arg(name));
        break;
    case JobStatus::Failed:
        m_jobLabel->setText(tr("%1 failed: %2").arg(name, error));
        spdlog::error("{} failed: {}", name.toStdString(), error.toStdString());
        break;
    }
    m_lastNfe = std::nan("");
    m_lastStepMs = std::nan("");
}

} // namespace reverie::app
