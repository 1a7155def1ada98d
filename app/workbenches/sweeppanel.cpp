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

QTableWidgetItem* tableCell(const QString& text, bool number) {
    auto* item = new QTableWidgetItem(text);
    item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
    if (number) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

void showPixelImage(QLabel* label, const QImage& image) {
    if (image.isNull()) return;
    QSize room = label->contentsRect().size();
    if (room.width() < label->minimumWidth() || room.height() < label->minimumHeight()) room = label->minimumSize();
    const int f = std::max(1, std::min(room.width() / std::max(1, image.width()), room.height() / std::max(1, image.height())));
    label->setPixmap(QPixmap::fromImage(
        image.scaled(image.width() * f, image.height() * f, Qt::IgnoreAspectRatio, Qt::FastTransformation)));
}

std::optional<std::vector<int>> parseNfeList(const QString& text, int max, QString* badPart) {
    std::vector<int> out;
    for (const auto& part : text.split(QRegularExpression(QStringLiteral("[,;\\s]+")), Qt::SkipEmptyParts)) {
        bool ok = false;
        const int n = part.toInt(&ok);
        if (!ok || n < 1 || n > max) {
            if (badPart) *badPart = part;
            return std::nullopt;
        }
        out.push_back(n);
    }
    return out;
}

void readSeed(const QJsonObject& settings, std::uint64_t& seed) {
    if (const auto value = settings.value(QStringLiteral("seed")); value.isString()) {
        bool ok = false;
        const auto v = value.toString().toULongLong(&ok);
        if (ok) seed = v;
    } else if (value.isDouble() && value.toDouble() >= 0) {
        seed = std::uint64_t(value.toDouble());
    }
}

QLineEdit* addModelFolderRow(QFormLayout* form, QWidget* box, QWidget* dialogParent) {
    auto* edit = new QLineEdit(box);
    edit->setObjectName(QStringLiteral("modelDir"));
    edit->setPlaceholderText(SweepPanel::tr("folder with weights.pt and card.json"));
    auto* open = new QPushButton(SweepPanel::tr("Open…"), box);
    open->setObjectName(QStringLiteral("openModel"));
    auto* row = new QHBoxLayout;
    row->addWidget(edit, 1);
    row->addWidget(open);
    form->addRow(SweepPanel::tr("Model folder:"), row);
    QObject::connect(open, &QPushButton::clicked, edit, [edit, dialogParent] {
        const QString dir = QFileDialog::getExistingDirectory(dialogParent, SweepPanel::tr("Open model folder"), edit->text());
        if (!dir.isEmpty()) edit->setText(QDir::toNativeSeparators(dir));
    });
    return edit;
}

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
