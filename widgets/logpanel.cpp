#include "logpanel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace reverie::widgets {

LogPanel::LogPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Show:"), this));
    m_level = new QComboBox(this);
    m_level->addItem(tr("Debug and above"), 1);
    m_level->addItem(tr("Info and above"), 2);
    m_level->addItem(tr("Warnings and errors"), 3);
    m_level->addItem(tr("Errors only"), 4);
    m_level->setCurrentIndex(1);
    bar->addWidget(m_level);
    bar->addStretch(1);
    layout->addLayout(bar);
    m_view = new QPlainTextEdit(this);
    m_view->setReadOnly(true);
    m_view->setMaximumBlockCount(m_maxLines);
    m_view->setObjectName(QStringLiteral("logView"));
    layout->addWidget(m_view, 1);
    connect(m_level, &QComboBox::currentIndexChanged, this,
            [this](int) { setMinimumLevel(m_level->currentData().toInt()); });
}

QString LogPanel::render(const Line& l) {
    static const char* names[] = {"trace", "debug", "info", "warning", "error", "critical"};
    const char* name = (l.level >= 0 && l.level <= 5) ? names[l.level] : "log";
    return QStringLiteral("[%1] %2").arg(QLatin1String(name), l.text);
}

void LogPanel::appendLine(int level, const QString& text) {
    m_lines.append({level, text});
    if (m_lines.size() > m_maxLines) m_lines.removeFirst();
    if (level >= m_minLevel) m_view->appendPlainText(render(m_lines.last()));
}

int LogPanel::lineCount() const { return m_lines.size(); }

QString LogPanel::text() const { return m_view->toPlainText(); }

void LogPanel::setMinimumLevel(int level) {
    m_minLevel = level;
    rebuild();
}

void LogPanel::rebuild() {
    m_view->clear();
    for (const auto& l : m_lines)
        if (l.level >= m_minLevel) m_view->appendPlainText(render(l));
}

} // namespace reverie::widgets
