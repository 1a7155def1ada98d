#pragma once
// A workbench whose engine is not built yet: it says so in one line. No fake controls.

#include "workbench.h"

class QLabel;

namespace reverie::app {

class PlaceholderWorkbench : public Workbench {
    Q_OBJECT
public:
    PlaceholderWorkbench(QString id, QString title, QString purpose, QObject* parent = nullptr);
    QString id() const override { return m_id; }
    QString title() const override { return m_title; }
    QWidget* page() override;

private:
    QString m_id, m_title, m_purpose;
    QWidget* m_page = nullptr;
};

} // namespace reverie::app
