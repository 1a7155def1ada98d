#include "workbenches/placeholderworkbench.h"

#include <QLabel>
#include <QVBoxLayout>

namespace reverie::app {

PlaceholderWorkbench::PlaceholderWorkbench(QString id, QString title, QString purpose, QObject* parent)
    : Workbench(parent), m_id(std::move(id)), m_title(std::move(title)), m_purpose(std::move(purpose)) {}

QWidget* PlaceholderWorkbench::page() {
    if (m_page) return m_page;
    m_page = new QWidget;
    m_page->setObjectName(m_id + QStringLiteral("Page"));
    auto* layout = new QVBoxLayout(m_page);
    auto* heading = new QLabel(QStringLiteral("<h2>%1</h2>").arg(m_title.toHtmlEscaped()), m_page);
    auto* purpose = new QLabel(m_purpose, m_page);
    purpose->setWordWrap(true);
    auto* status = new QLabel(tr("Not built yet: this workbench's engine is still being written."), m_page);
    status->setObjectName(QStringLiteral("notBuilt"));
    status->setStyleSheet(QStringLiteral("color: palette(mid); font-style: italic;"));
    layout->addWidget(heading);
    layout->addWidget(purpose);
    layout->addWidget(status);
    layout->addStretch(1);
    return m_page;
}

} // namespace reverie::app
