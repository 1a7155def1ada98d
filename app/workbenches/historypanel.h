#pragma once
// HistoryPanel: a workbench's finished runs (runhistory.h) as a list with thumbnails, each with
// its title, time, cost and quality; pick two to compare, one to run again or export; delete,
// clear. It shows what it is given and turns clicks into signals; the owner does the work.
//
// Thread rules: GUI thread only.

#include "runhistory.h"

#include <QWidget>

#include <functional>

class QLabel;
class QListWidget;
class QPushButton;

namespace reverie::widgets {
class SeriesPlot;
class SplitImageView;
} // namespace reverie::widgets

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

/// A workbench's History tab: the panel on the left, the two compared runs on the right. For
/// image results the right side is a split view (A left of the divider, B right) with their titles
/// and figures; a workbench with other results (audio) gives its own compare area and says how to
/// compare and export its runs (setComparer, setExporter).
class HistoryTab : public QWidget {
    Q_OBJECT
public:
    /// compareArea: the right side (nullptr: the image split view).
    explicit HistoryTab(QWidget* compareArea = nullptr, QWidget* parent = nullptr);
    HistoryPanel* panel() const { return m_panel; }
    /// The image split view (nullptr when the tab was given its own compare area).
    widgets::SplitImageView* compareView() const { return m_compare; }
    /// How compare() shows two runs when they are not images: true when shown, else *error.
    using Comparer = std::function<bool(const RunRecord& a, const RunRecord& b, QString* error)>;
    void setComparer(Comparer compare) { m_comparer = std::move(compare); }
    /// What Export… writes when it is not an image: the file suffix ("wav"), the dialog's filter
    /// and the call that writes it.
    using Exporter = std::function<bool(const QString& id, const QString& path, QString* error)>;
    void setExporter(const QString& suffix, const QString& filter, Exporter exportRun);
    /// Cost against quality of the runs that have a quality figure (seconds → PSNR, one series
    /// per sampler), refreshed with the list.
    widgets::SeriesPlot* scatter() const { return m_scatter; }
    /// Which figures the scatter plots: x key (e.g. "seconds"), y key ("psnr") and their labels.
    void setScatterAxes(const QString& xKey, const QString& xLabel, const QString& yKey,
                        const QString& yLabel);
    void showComparison(const QImage& a, const QString& aText, const QImage& b, const QString& bText);
    /// Shows runs a and b of h (title and figures under the view); false with *error when either
    /// is gone or its result cannot be read.
    bool compare(const RunHistory& h, const QString& a, const QString& b, QString* error = nullptr);
    /// Shows h's runs in the panel.
    void refresh(const RunHistory& h);
    /// Wires the panel to h: Compare shows the two runs here, Export… asks for a file (starting in
    /// exportDir) and exports, Delete and Clear remove runs; Run again calls rerun(id). h must
    /// outlive this tab's connections (it is a member of the workbench that owns both).
    void connectTo(RunHistory* h, const QString& exportDir, std::function<void(const QString&)> rerun);

Q_SIGNALS:
    /// Compare showed two runs (the owner may bring the tab to the front).
    void compared();

private:
    HistoryPanel* m_panel = nullptr;
    widgets::SplitImageView* m_compare = nullptr;
    QLabel* m_figures = nullptr;
    widgets::SeriesPlot* m_scatter = nullptr;
    QString m_xKey = QStringLiteral("seconds"), m_yKey = QStringLiteral("psnr");
    Comparer m_comparer;
    QString m_exportSuffix = QStringLiteral("png");
    QString m_exportFilter;
    Exporter m_exporter;
};

} // namespace reverie::app
