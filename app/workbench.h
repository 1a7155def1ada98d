#pragma once
// A workbench: one controller + its page, behind a small common interface (as Tiled's Editor),
// so that MainWindow stays thin and knows nothing about what each workbench does.

#include <QIcon>
#include <QObject>
#include <QString>

class QWidget;

namespace reverie::app {

class Engine;

class Workbench : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    ~Workbench() override = default;

    virtual QString id() const = 0;       ///< stable, untranslated ("diagnostics")
    virtual QString title() const = 0;    ///< translated, shown in the rail
    virtual QIcon icon() const { return {}; }
    virtual QWidget* page() = 0;          ///< created once, owned by the workbench's parent window
    /// Cancels whatever the workbench runs (the status bar's cancel button).
    virtual void cancel() {}

Q_SIGNALS:
    /// A one-line status for the status bar ("Diagnostics: step 3/14").
    void statusMessage(const QString& text);
};

} // namespace reverie::app
