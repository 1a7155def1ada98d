#include "workbenches/common.h"

#include "models/zoo.h"

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
