#include "workbenches/sweeppanel.h"

#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPixmap>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace reverie::app {

SweepPanel::SweepPanel(const Spec& spec) {
    tab = new QWidget;
    tab->setObjectName(QStringLiteral("sweepTab"));
    auto* row = new QHBoxLayout(tab);
    left = new QVBoxLayout;
    row->addLayout(left, 2);

    auto* box = new QGroupBox(tr("Samplers × NFE"), tab);
    auto* form = new QFormLayout(box);
    for (const auto& [label, field] : spec.leadingRows) form->addRow(label, field);
    samplers = new QListWidget(box);
    samplers->setObjectName(QStringLiteral("sweepSamplers"));
    for (const auto& s : spec.samplers) {
        auto* item = new QListWidgetItem(s.label, samplers);
        item->setData(Qt::UserRole, s.id);
        item->setToolTip(s.toolTip);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(s.checked ? Qt::Checked : Qt::Unchecked);
    }
    form->addRow(tr("Samplers:"), samplers);
    nfes = new QLineEdit(spec.nfes, box);
    nfes->setObjectName(QStringLiteral("sweepNfes"));
    nfes->setToolTip(spec.nfesToolTip);
    form->addRow(tr("NFE values:"), nfes);
    count = new QSpinBox(box);
    count->setObjectName(spec.countName);
    count->setToolTip(spec.countToolTip);
    count->setRange(spec.countMin, spec.countMax);
    count->setValue(spec.countValue);
    form->addRow(spec.countLabel, count);
    auto* note = new QLabel(spec.note, box);
    note->setWordWrap(true);
    form->addRow(note);
    left->addWidget(box);
    auto* buttons = new QHBoxLayout;
    start = new QPushButton(tr("Start sweep"), tab);
    start->setObjectName(QStringLiteral("startSweep"));
    cancel = new QPushButton(tr("Cancel"), tab);
    cancel->setObjectName(QStringLiteral("cancelSweep"));
    buttons->addWidget(start);
    buttons->addWidget(cancel);
    buttons->addStretch(1);
    left->addLayout(buttons);
    progress = new QProgressBar(tab);
    progress->setRange(0, 1);
    progress->setValue(0);
    left->addWidget(progress);
    status = new QLabel(tr("Not running."), tab);
    status->setObjectName(QStringLiteral("sweepStatus"));
    status->setWordWrap(true);
    left->addWidget(status);

    right = new QVBoxLayout;
    row->addLayout(right, 3);
    table = new QTableWidget(0, int(spec.columns.size()), tab);
    table->setObjectName(QStringLiteral("sweepTable"));
    table->setHorizontalHeaderLabels(spec.columns);
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    table->verticalHeader()->setVisible(false);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
}

void SweepPanel::finish() {
    left->addStretch(1);
    right->addWidget(table, 2);
}

std::vector<std::string> SweepPanel::checkedSamplers() const {
    std::vector<std::string> ids;
    for (int i = 0; i < samplers->count(); ++i)
        if (samplers->item(i)->checkState() == Qt::Checked)
            ids.push_back(samplers->item(i)->data(Qt::UserRole).toString().toStdString());
    return ids;
}

void SweepPanel::begin(int points, const QString& text) {
    table->setRowCount(0);
    progress->setRange(0, points);
    progress->setValue(0);
    status->setText(text);
}

void SweepPanel::addRow(const QStringList& cells, const QString& samplerToolTip) {
    const int r = table->rowCount();
    table->insertRow(r);
    for (int c = 0; c < cells.size(); ++c) {
        auto* item = tableCell(cells[c], c > 0);
        if (c == 0 && !samplerToolTip.isEmpty()) item->setToolTip(samplerToolTip);
        table->setItem(r, c, item);
    }
    table->scrollToBottom();
}

void SweepPanel::showPoint(qint64 step, const QString& text) {
    progress->setValue(int(step));
    status->setText(text);
}

void SweepPanel::reportError(QWidget* parent, const QString& error) {
    status->setText(error);
    QMessageBox::warning(parent, tr("Sweep"), error);
}

QString SweepPanel::outcomeMessage(bool ok, JobStatus status, const QString& error, qsizetype points, double seconds) {
    if (ok) return tr("Sweep finished: %1 points in %2 s.").arg(points).arg(seconds, 0, 'f', 1);
    return status == JobStatus::Cancelled ? tr("Sweep stopped: %1").arg(error) : tr("Sweep failed: %1").arg(error);
}

int SweepPanel::rows() const { return table ? table->rowCount() : 0; }

QString SweepPanel::cellText(int row, int column) const {
    if (!table) return {};
    const auto* item = table->item(row, column);
    return item ? item->text() : QString();
}

QString SweepPanel::statusText() const { return status ? status->text() : QString(); }

} // namespace reverie::app
