#pragma once
// The app's log sinks: spdlog everywhere in core, and the app installs where lines go — a
// rotating file under the user's data folder, stderr (CLI), and the in-app log panel.

#include <QObject>
#include <QString>

namespace reverie::app {

/// Receives every log line (from any thread) and re-emits it; connect it to a LogPanel with an
/// AutoConnection, so lines from the engine thread are queued onto the GUI thread.
class LogBridge : public QObject {
    Q_OBJECT
public:
    static LogBridge* instance();
Q_SIGNALS:
    void line(int level, const QString& text);
};

struct LogSetup {
    QString file;  ///< the rotating log file, empty if it could not be opened
    QString error; ///< why the file sink is missing
};

/// Installs the default logger: rotating file (5 MiB × 3) in logDir (default: the app data
/// folder's logs/), the LogBridge, and stderr when withStderr. Safe to call again (replaces).
LogSetup installLogging(bool withStderr, const QString& logDir = QString());

/// The default log folder.
QString defaultLogDir();

} // namespace reverie::app
