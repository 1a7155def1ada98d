#include "workbenches/historypanel.h"

#include <QHBoxLayout>
#include <QIcon>
#include <QJsonValue>
#include <QLabel>
#include <QListWidget>
#include <QPixmap>
#include <QPushButton>
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
            QPixmap thumb;
            if (thumb.load(r.thumbFile, "PNG")) item->setIcon(QIcon(thumb));
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

} // namespace reverie::app
