#include "workbenches/historypanel.h"

#include "seriesplot.h"
#include "splitimageview.h"

#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QIcon>
#include <QJsonValue>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPixmap>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>

#include <cmath>

namespace reverie::app {

HistoryPanel::HistoryPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("historySummary"));
    m_summary->setWordWrap(true);
    layout->addWidget(m_summary);
    m_list = new QListWidget(this);
    m_list->setObjectName(QStringLiteral("historyList"));
    m_list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_list->setIconSize(QSize(RunHistory::kThumbSide / 2, RunHistory::kThumbSide / 2));
    m_list->setToolTip(
        tr("Finished runs, newest first. Select two to compare them; Ctrl-click adds to the selection."));
    layout->addWidget(m_list, 1);
    auto* buttons = new QHBoxLayout;
    auto button = [this, buttons](const char* name, const QString& text, const QString& tip) {
        auto* b = new QPushButton(text, this);
        b->setObjectName(QLatin1String(name));
        b->setToolTip(tip);
        buttons->addWidget(b);
        return b;
    };
    m_compare = button("historyCompare", tr("Compare"), tr("Show the two selected runs side by side"));
    m_rerun = button("historyRerun", tr("Run again"),
                     tr("Run the selected run again with the same settings and seed"));
    m_export = button("historyExport", tr("Export…"),
                      tr("Save the selected run's result with its settings embedded, and its JSON"));
    m_delete = button("historyDelete", tr("Delete"), tr("Remove the selected runs from the history"));
    m_clear = button("historyClear", tr("Clear"), tr("Remove every run of this workbench from the history"));
    layout->addLayout(buttons);
    connect(m_list, &QListWidget::itemSelectionChanged, this, &HistoryPanel::updateButtons);
    connect(m_compare, &QPushButton::clicked, this, [this] {
        const auto ids = selectedIds();
        if (ids.size() == 2) Q_EMIT compareRequested(ids[0], ids[1]);
    });
    connect(m_rerun, &QPushButton::clicked, this, [this] {
        const auto ids = selectedIds();
        if (ids.size() == 1) Q_EMIT rerunRequested(ids[0]);
    });
    connect(m_export, &QPushButton::clicked, this, [this] {
        const auto ids = selectedIds();
        if (ids.size() == 1) Q_EMIT exportRequested(ids[0]);
    });
    connect(m_delete, &QPushButton::clicked, this, [this] {
        const auto ids = selectedIds();
        if (!ids.isEmpty()) Q_EMIT deleteRequested(ids);
    });
    connect(m_clear, &QPushButton::clicked, this, &HistoryPanel::clearRequested);
    updateButtons();
}

QString HistoryPanel::figuresLine(const QJsonObject& f) {
    QStringList parts;
    auto number = [&](const char* key, const QString& format, int decimals) {
        const auto v = f.value(QLatin1String(key));
        if (v.isDouble() && std::isfinite(v.toDouble())) parts << format.arg(v.toDouble(), 0, 'f', decimals);
    };
    number("nfe", tr("NFE %1"), 0);
    number("seconds", tr("%1 s"), 2);
    number("peak_mib", tr("%1 MiB"), 0);
    number("psnr", tr("PSNR %1 dB"), 2);
    number("ssim", tr("SSIM %1"), 3);
    number("si_sdr", tr("SI-SDR %1 dB"), 2);
    number("estoi", tr("ESTOI %1"), 3);
    number("erased", tr("erased %1 %"), 0);
    number("steps", tr("%1 steps"), 0);
    number("loss", tr("loss %1"), 4);
    number("s_per_step", tr("%1 s/step"), 3);
    return parts.join(QStringLiteral(" · "));
}

void HistoryPanel::setRuns(const QList<RunRecord>& runs, qint64 bytes, qint64 maxBytes, int maxRuns) {
    const QStringList keep = selectedIds();
    m_list->clear();
    for (const auto& r : runs) {
        const QString when = r.when.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        auto* item = new QListWidgetItem(
            QStringLiteral("%1\n%2 · %3").arg(r.title, when, figuresLine(r.figures)), m_list);
        item->setData(Qt::UserRole, r.id);
        if (!r.thumbFile.isEmpty()) {
            // Through QImage: QPixmap::load would keep every thumbnail ever shown in QPixmapCache
            // (up to its 10 MB), which the soak test saw as heap growing ~10 KiB per run.
            const QImage thumb(r.thumbFile, "PNG");
            if (!thumb.isNull()) item->setIcon(QIcon(QPixmap::fromImage(thumb)));
        }
    }
    m_summary->setText(runs.isEmpty() ? tr("No runs yet: every finished run is kept here, across restarts.")
                                      : tr("%n run(s), %1 MiB (the oldest go beyond %2 runs or %3 MiB).",
                                           nullptr, int(runs.size()))
                                            .arg(double(bytes) / (1024.0 * 1024.0), 0, 'f', 1)
                                            .arg(maxRuns)
                                            .arg(double(maxBytes) / (1024.0 * 1024.0), 0, 'f', 0));
    select(keep);
    updateButtons();
}

QStringList HistoryPanel::selectedIds() const {
    QStringList ids;
    for (int i = 0; i < m_list->count(); ++i)
        if (m_list->item(i)->isSelected()) ids << m_list->item(i)->data(Qt::UserRole).toString();
    return ids;
}

void HistoryPanel::select(const QStringList& ids) {
    for (int i = 0; i < m_list->count(); ++i)
        m_list->item(i)->setSelected(ids.contains(m_list->item(i)->data(Qt::UserRole).toString()));
}

void HistoryPanel::updateButtons() {
    const auto n = selectedIds().size();
    m_compare->setEnabled(n == 2);
    m_rerun->setEnabled(n == 1);
    m_export->setEnabled(n == 1);
    m_delete->setEnabled(n > 0);
    m_clear->setEnabled(m_list->count() > 0);
}

HistoryTab::HistoryTab(QWidget* compareArea, QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("historyTab"));
    auto* layout = new QHBoxLayout(this);
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    m_panel = new HistoryPanel;
    QWidget* right = compareArea;
    if (!right) {
        right = new QWidget(splitter);
        auto* rightLayout = new QVBoxLayout(right);
        rightLayout->setContentsMargins(0, 0, 0, 0);
        m_compare = new widgets::SplitImageView(right);
        m_compare->setObjectName(QStringLiteral("historyCompareView"));
        m_compare->setPlaceholderText(tr("Select two runs and press Compare: the first left of the divider, "
                                         "the second right, at the same zoom."));
        m_figures = new QLabel(right);
        m_figures->setObjectName(QStringLiteral("historyCompareFigures"));
        m_figures->setWordWrap(true);
        m_figures->setTextInteractionFlags(Qt::TextSelectableByMouse);
        rightLayout->addWidget(m_compare, 1);
        rightLayout->addWidget(m_figures);
    }
    m_exportFilter = tr("PNG images (*.png)");
    auto* left = new QSplitter(Qt::Vertical, splitter);
    m_panel->setParent(left);
    m_scatter = new widgets::SeriesPlot(left);
    m_scatter->setObjectName(QStringLiteral("historyScatter"));
    m_scatter->setScatter(true);
    m_scatter->setToolTip(
        tr("Cost against quality of the runs that have a reference, one colour per sampler: "
           "up and to the left is better"));
    m_scatter->setMinimumHeight(160);
    left->addWidget(m_panel);
    left->addWidget(m_scatter);
    left->setStretchFactor(0, 2);
    left->setStretchFactor(1, 1);
    setScatterAxes(m_xKey, tr("seconds"), m_yKey, tr("PSNR (dB)"));
    splitter->addWidget(left);
    splitter->addWidget(right);
    splitter->setStretchFactor(1, 2);
    layout->addWidget(splitter);
}

bool HistoryTab::compare(const RunHistory& h, const QString& a, const QString& b, QString* error) {
    const auto ra = h.find(a), rb = h.find(b);
    if (!ra || !rb) {
        if (error) *error = tr("That run is no longer in the history.");
        return false;
    }
    if (m_comparer) return m_comparer(*ra, *rb, error);
    if (!m_compare) {
        if (error) *error = tr("These runs cannot be compared here.");
        return false;
    }
    const QImage ia = h.resultImage(*ra), ib = h.resultImage(*rb);
    if (ia.isNull() || ib.isNull()) {
        if (error) *error = tr("The result of that run could not be read from the history.");
        return false;
    }
    auto text = [](const RunRecord& r) {
        return r.title + QStringLiteral(" — ") + HistoryPanel::figuresLine(r.figures);
    };
    showComparison(ia, text(*ra), ib, text(*rb));
    return true;
}

void HistoryTab::setScatterAxes(const QString& xKey, const QString& xLabel, const QString& yKey,
                                const QString& yLabel) {
    m_xKey = xKey;
    m_yKey = yKey;
    m_scatter->setAxisLabels(xLabel, yLabel);
}

void HistoryTab::refresh(const RunHistory& h) {
    const auto runs = h.runs();
    m_panel->setRuns(runs, h.bytes(runs), h.maxBytes(), h.maxRuns());
    m_scatter->clear();
    for (const auto& r : runs) {
        const auto x = r.figures.value(m_xKey), y = r.figures.value(m_yKey);
        if (!x.isDouble() || !y.isDouble()) continue; // no reference: no quality to plot
        const QString sampler = r.settings.value(QStringLiteral("sampler")).toString();
        m_scatter->addPoint(sampler.isEmpty() ? tr("run") : sampler, x.toDouble(), y.toDouble());
    }
}

void HistoryTab::connectTo(RunHistory* h, const QString& exportDir,
                           std::function<void(const QString&)> rerun) {
    connect(m_panel, &HistoryPanel::compareRequested, this, [this, h](const QString& a, const QString& b) {
        QString error;
        if (compare(*h, a, b, &error))
            Q_EMIT compared();
        else
            QMessageBox::warning(this, tr("Compare runs"), error);
    });
    connect(m_panel, &HistoryPanel::rerunRequested, this, std::move(rerun));
    connect(m_panel, &HistoryPanel::exportRequested, this, [this, h, exportDir](const QString& id) {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export run"), QDir(exportDir).filePath(id + QLatin1Char('.') + m_exportSuffix),
            m_exportFilter);
        if (path.isEmpty()) return;
        QString error;
        const bool ok = m_exporter ? m_exporter(id, path, &error) : h->exportImageRun(id, path, &error);
        if (!ok) QMessageBox::warning(this, tr("Export run"), error);
    });
    connect(m_panel, &HistoryPanel::deleteRequested, this, [this, h](const QStringList& ids) {
        for (const auto& id : ids) h->remove(id);
        refresh(*h);
    });
    connect(m_panel, &HistoryPanel::clearRequested, this, [this, h] {
        h->clear();
        refresh(*h);
    });
    refresh(*h);
}

void HistoryTab::setExporter(const QString& suffix, const QString& filter, Exporter exportRun) {
    m_exportSuffix = suffix;
    m_exportFilter = filter;
    m_exporter = std::move(exportRun);
}

void HistoryTab::showComparison(const QImage& a, const QString& aText, const QImage& b,
                                const QString& bText) {
    if (!m_compare) return;
    m_compare->setImages(a, b);
    m_compare->setLabels(tr("A"), tr("B"));
    m_figures->setText(
        QStringLiteral("<b>A</b> %1<br><b>B</b> %2").arg(aText.toHtmlEscaped(), bText.toHtmlEscaped()));
}

} // namespace reverie::app
