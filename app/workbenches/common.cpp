#include "workbenches/common.h"

#include "models/published/scan.h"
#include "models/zoo.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QPixmap>
#include <QPushButton>
#include <QRegularExpression>
#include <QTableWidgetItem>

#include <algorithm>

namespace reverie::app {

namespace {
struct Workbenches {
    Q_DECLARE_TR_FUNCTIONS(reverie::app::Workbenches)
};
} // namespace

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

bool rememberedModelExists(const QJsonObject& settings, QString* why) {
    const QString model = settings.value(QStringLiteral("model_dir")).toString();
    if (model.isEmpty() || QFileInfo::exists(model)) return true;
    if (why) *why = Workbenches::tr("the model %1 is no longer there").arg(model);
    return false;
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

void connectFolderPicker(QPushButton* button, QLineEdit* edit, const QString& title) {
    QObject::connect(button, &QPushButton::clicked, edit, [edit, title] {
        const QString dir = QFileDialog::getExistingDirectory(edit->window(), title, edit->text());
        if (!dir.isEmpty()) edit->setText(QDir::toNativeSeparators(dir));
    });
}

QList<QPair<QString, QString>> checkpointsFor(const QString& modelsDir, const char* architectureId) {
    QList<QPair<QString, QString>> out;
    if (modelsDir.trimmed().isEmpty()) return out;
    const auto scan = reverie::models::published::scanModelsFolder(QDir::fromNativeSeparators(modelsDir).toStdString());
    for (const auto& f : scan.found)
        if (f.architectureId == architectureId)
            out.append({Workbenches::tr("%1 (%2)").arg(QFileInfo(qs(f.path)).fileName(), qs(f.architectureName)), qs(f.path)});
    return out;
}

// Checkpoint entries carry this role, so that the next scan replaces exactly them.
constexpr int kCheckpointRole = Qt::UserRole + 1;

void setCheckpointEntries(QComboBox* combo, const QList<QPair<QString, QString>>& entries) {
    const QSignalBlocker block(combo);
    const QString current = combo->currentData().toString();
    for (int i = combo->count() - 1; i >= 0; --i)
        if (combo->itemData(i, kCheckpointRole).toBool()) combo->removeItem(i);
    int at = combo->count() - 1; // before "Other …"
    for (const auto& [label, path] : entries) {
        combo->insertItem(at, label, path);
        combo->setItemData(at, true, kCheckpointRole);
        combo->setItemData(at, path, Qt::ToolTipRole);
        ++at;
    }
    selectModelEntry(combo, current);
}

void selectModelEntry(QComboBox* combo, const QString& path) {
    const QSignalBlocker block(combo);
    int match = combo->count() - 1;
    for (int i = 0; i + 1 < combo->count(); ++i)
        if (!path.isEmpty() && QDir::cleanPath(combo->itemData(i).toString()) == QDir::cleanPath(path)) match = i;
    combo->setCurrentIndex(match);
}

QString checkpointFileFilter() {
    return Workbenches::tr("Checkpoints (*.ckpt *.pth *.pt *.bin *.safetensors);;All files (*)");
}

QString modelFolderProblem(const std::string& modelDir, const char* builtin, bool acceptCheckpoint) {
    const QString dir = qs(modelDir);
    if (dir.isEmpty()) {
        QStringList searched;
        for (const auto& s : models::zoo::searchPath(builtin)) searched << qs(s);
        return Workbenches::tr("The built-in model %1 was not found (searched %2). Choose a model folder.")
            .arg(QString::fromLatin1(builtin), searched.join(QStringLiteral(", ")));
    }
    if (acceptCheckpoint && QFileInfo(dir).isFile()) return {};
    if (!QFileInfo(dir).isDir())
        return acceptCheckpoint ? Workbenches::tr("The model folder or checkpoint %1 does not exist.").arg(dir)
                                : Workbenches::tr("The model folder %1 does not exist.").arg(dir);
    return {};
}

QString askSavePng(QWidget* parent, const QString& title, const QString& suggested) {
    QString path = QFileDialog::getSaveFileName(parent, title, suggested, Workbenches::tr("PNG images (*.png)"));
    if (!path.isEmpty() && QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".png");
    return path;
}

QString askOpenPng(QWidget* parent, const QString& title, const QString& folder) {
    return QFileDialog::getOpenFileName(parent, title, folder, Workbenches::tr("PNG images (*.png)"));
}

} // namespace reverie::app
