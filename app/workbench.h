#pragma once
// A workbench: one controller and its view (the page) behind a small common interface, as Tiled's
// Editor, so MainWindow and main() know nothing about what each workbench does. Each workbench
// runs its jobs through JobSlots (jobs/jobslot.h) made with addSlot(); their ends come out as one
// signal, jobFinished(kind, status, message).
//
// Thread rules: GUI thread only.

#include "jobs/engine.h"

#include <QIcon>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>

class QWidget;

namespace reverie::app {

class JobSlot;

/// What `reverie --workbench ID --run` asks of a workbench, from the command line.
struct RunRequest {
    QString input;     ///< --input: a file to work on
    QString reference; ///< --reference: a clean reference file
    QString model;     ///< --model: a model folder or built-in name
    QString argument;  ///< --run-arg: a workbench-specific word (Erase: the concept)
};

class Workbench : public QObject {
    Q_OBJECT
public:
    Workbench(Engine* engine, QObject* parent);
    ~Workbench() override = default;

    virtual QString id() const = 0;    ///< stable, untranslated ("restore")
    virtual QString title() const = 0; ///< translated, shown in the rail
    virtual QIcon icon() const { return {}; }
    virtual QWidget* page() = 0;       ///< the view; owned by the workbench's window once shown

    /// Starts the workbench's main action with its current settings and the request (the
    /// screenshot and demo path). False with *error when it cannot start; otherwise runFinished()
    /// follows once everything the run shows is done.
    virtual bool run(const RunRequest& request, QString* error);

    /// Cancels every job of this workbench (the status bar's cancel button).
    virtual void cancel();

    /// The settings shown now that the next start should bring back (model, sampler, NFE, seed,
    /// task, …; never the input file), as JSON; empty: nothing to remember. MainWindow keeps them
    /// in last-settings.json beside the preferences (app/lastsettings.h).
    virtual QJsonObject rememberedSettings() const { return {}; }
    /// Shows remembered settings over the current ones. Keys it does not know are ignored; false
    /// with *why (and nothing changed) when the result is not a valid setting for this version.
    virtual bool applyRemembered(const QJsonObject& settings, QString* why);
    /// Opens a file of the user's as this workbench's input (the Start page's recent files and
    /// "Open a file…"): shown, not yet run. False with *error when this workbench takes no files.
    virtual bool openInput(const QString& path, QString* error);
    /// True while a job of this workbench is queued or running.
    bool isBusy() const;
    Engine* engine() const { return m_engine; }

Q_SIGNALS:
    /// A one-line status for the status bar ("Restored with … · NFE 10").
    void statusMessage(const QString& text);
    /// A job of this workbench ended (kind as given to its slot).
    void jobFinished(const QString& kind, reverie::app::JobStatus status, const QString& message);
    /// What run() started is done (successfully or not).
    void runFinished(reverie::app::JobStatus status, const QString& message);
    void busyChanged(bool busy);
    /// The user opened one of their files as input (for the recent files; not for demo data).
    void inputOpened(const QString& path);

protected:
    /// A new job lane owned by this workbench; its ends are forwarded to jobFinished().
    JobSlot* addSlot();
    /// For run(): the next job of this workbench to end ends the run (runFinished follows it).
    void finishRunWithNextJob();

private:
    Engine* m_engine;
    QList<JobSlot*> m_slots;
};

} // namespace reverie::app
