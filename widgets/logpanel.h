#pragma once
// LogPanel: the in-app view of the log. The app's spdlog sink forwards lines here (queued onto
// the GUI thread); the panel keeps the newest lines and filters by level. GUI thread only.

#include <QWidget>

class QComboBox;
class QPlainTextEdit;

namespace reverie::widgets {

class LogPanel : public QWidget {
    Q_OBJECT
public:
    /// Levels follow spdlog's numbering: 0 trace, 1 debug, 2 info, 3 warn, 4 error, 5 critical.
    explicit LogPanel(QWidget* parent = nullptr);

    void appendLine(int level, const QString& text);
    int lineCount() const;
    QString text() const;
    /// Lines below this level are hidden (not dropped). Default: info.
    void setMinimumLevel(int level);

private:
    struct Line {
        int level;
        QString text;
    };
    void rebuild();
    static QString render(const Line& l);

    QList<Line> m_lines;
    int m_minLevel = 2;
    int m_maxLines = 5000;
    QPlainTextEdit* m_view = nullptr;
    QComboBox* m_level = nullptr;
};

} // namespace reverie::widgets
