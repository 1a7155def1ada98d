#pragma once
// A QSignalSpy for one kind of a workbench's jobs: records the status and message of every job of
// those kinds that ends (Workbench::jobFinished), in order.

#include "workbench.h"

#include <QList>
#include <QObject>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QTest>

namespace reverie::testing {

class JobSpy : public QObject {
public:
    JobSpy(reverie::app::Workbench* wb, const QStringList& kinds) {
        connect(wb, &reverie::app::Workbench::jobFinished, this,
                [this, kinds](const QString& kind, reverie::app::JobStatus status, const QString& message) {
                    if (kinds.contains(kind)) m_rows.append({status, message});
                });
    }
    JobSpy(reverie::app::Workbench* wb, const QString& kind) : JobSpy(wb, QStringList{kind}) {}
    int count() const { return int(m_rows.size()); }
    bool isEmpty() const { return m_rows.isEmpty(); }
    void clear() { m_rows.clear(); }
    /// Waits (processing events) until a job has ended; false after timeoutMs.
    bool wait(int timeoutMs) {
        return QTest::qWaitFor([this] { return !m_rows.isEmpty(); }, timeoutMs);
    }
    reverie::app::JobStatus status(int i) const { return m_rows.at(i).first; }
    QString message(int i) const { return m_rows.at(i).second; }

private:
    QList<QPair<reverie::app::JobStatus, QString>> m_rows;
};

} // namespace reverie::testing
