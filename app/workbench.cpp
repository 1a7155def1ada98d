#include "workbench.h"

#include "jobs/jobslot.h"

namespace reverie::app {

Workbench::Workbench(Engine* engine, QObject* parent) : QObject(parent), m_engine(engine) {}

bool Workbench::run(const RunRequest&, QString* error) {
    if (error) *error = tr("The %1 workbench has no action to run from the command line.").arg(title());
    return false;
}

bool Workbench::applyRemembered(const QJsonObject&, QString*) { return true; }

bool Workbench::openInput(const QString&, QString* error) {
    if (error) *error = tr("%1 does not open files.").arg(title());
    return false;
}

void Workbench::cancel() {
    for (auto* slot : std::as_const(m_slots)) slot->cancel();
}

bool Workbench::isBusy() const {
    for (const auto* slot : m_slots)
        if (slot->isBusy()) return true;
    return false;
}

JobSlot* Workbench::addSlot() {
    auto* slot = new JobSlot(m_engine, this);
    m_slots.append(slot);
    connect(slot, &JobSlot::finished, this, &Workbench::jobFinished);
    connect(slot, &JobSlot::busyChanged, this, [this] { Q_EMIT busyChanged(isBusy()); });
    return slot;
}

void Workbench::finishRunWithNextJob() {
    connect(
        this, &Workbench::jobFinished, this,
        [this](const QString&, JobStatus status, const QString& message) { Q_EMIT runFinished(status, message); },
        Qt::SingleShotConnection);
}

} // namespace reverie::app
