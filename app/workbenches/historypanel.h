#pragma once
// HistoryPanel: a workbench's finished runs (runhistory.h) as a list with thumbnails, each with
// its title, time, cost and quality; pick two to compare, one to run again or export; delete,
// clear. It shows what it is given and turns clicks into signals; the owner does the work.
//
// Thread rules: GUI thread only.

#include "runhistory.h"

#include <QWidget>

class QLabel;
class QListWidget;
class QPushButton;

namespace reverie::app {

class HistoryPanel : public QWidget {
    Q_OBJECT
public:
    explicit HistoryPanel(QWidget* parent = nullptr);

    /// Shows the runs (newest first) and the folder's size against its bound.
    void setRuns(const QList<RunRecord>& runs, qint64 bytes, qint64 maxBytes, int maxRuns);
    /// The ids of the selected runs, in list order.
    QStringList selectedIds() const;
    /// Selects these runs (and only these).
    void select(const QStringList& ids);
    /// One line of a run's cost and quality ("NFE 10 · 1.2 s · 150 MiB · PSNR 30.1 dB").
    static QString figuresLine(const QJsonObject& figures);

Q_SIGNALS:
    void compareRequested(const QString& a, const QString& b);
    void rerunRequested(const QString& id);
    void exportRequested(const QString& id);
    void deleteRequested(const QStringList& ids);
    void clearRequested();

private:
    void updateButtons();

    QListWidget* m_list = nullptr;
    QLabel* m_summary = nullptr;
    QPushButton* m_compare = nullptr;
    QPushButton* m_rerun = nullptr;
    QPushButton* m_export = nullptr;
    QPushButton* m_delete = nullptr;
    QPushButton* m_clear = nullptr;
};

} // namespace reverie::app
