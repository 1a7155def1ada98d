#include "imagesettings.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QFileInfo>
#include <QImageReader>
#include <QImageWriter>
#include <QJsonDocument>
#include <QSaveFile>

namespace reverie::app {
namespace {
const QString kKey = QStringLiteral("reverie");

QString canonical(const QString& path) {
    const QFileInfo info(path);
    return info.exists() ? info.canonicalFilePath() : info.absoluteFilePath();
}
} // namespace

bool savePngWithSettings(const QImage& image, const QJsonObject& settings, const QString& path, QString* error,
                         const QStringList& protectedInputs) {
    auto fail = [&](const QString& why) {
        if (error) *error = why;
        return false;
    };
    if (image.isNull()) return fail(QCoreApplication::translate("ImageSettings", "There is no image to save."));
    const QString target = canonical(path);
    for (const auto& input : protectedInputs)
        if (canonical(input) == target)
            return fail(QCoreApplication::translate("ImageSettings", "%1 is an input of this run; choose another file name.")
                            .arg(path));
    QImage copy = image;
    copy.setText(kKey, QString::fromUtf8(QJsonDocument(settings).toJson(QJsonDocument::Compact)));
    for (auto it = settings.begin(); it != settings.end(); ++it)
        if (it.value().isString() || it.value().isDouble() || it.value().isBool())
            copy.setText(QStringLiteral("reverie.") + it.key(), it.value().toVariant().toString());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(QCoreApplication::translate("ImageSettings", "Cannot write %1: %2").arg(path, file.errorString()));
    QImageWriter writer(&file, "png");
    if (!writer.write(copy)) {
        file.cancelWriting();
        return fail(QCoreApplication::translate("ImageSettings", "Cannot write %1: %2").arg(path, writer.errorString()));
    }
    if (!file.commit())
        return fail(QCoreApplication::translate("ImageSettings", "Cannot write %1: %2").arg(path, file.errorString()));
    return true;
}

std::optional<QJsonObject> readPngSettings(const QString& path, QString* error) {
    QImageReader reader(path);
    if (!reader.canRead()) {
        if (error)
            *error = QCoreApplication::translate("ImageSettings", "Cannot read %1: %2").arg(path, reader.errorString());
        return std::nullopt;
    }
    const QString text = reader.text(kKey);
    if (text.isEmpty()) {
        if (error)
            *error = QCoreApplication::translate("ImageSettings", "%1 carries no Reverie settings.").arg(path);
        return std::nullopt;
    }
    QJsonParseError parse{};
    const auto doc = QJsonDocument::fromJson(text.toUtf8(), &parse);
    if (parse.error != QJsonParseError::NoError || !doc.isObject()) {
        if (error)
            *error = QCoreApplication::translate("ImageSettings", "The settings in %1 are damaged: %2")
                         .arg(path, parse.errorString());
        return std::nullopt;
    }
    return doc.object();
}

} // namespace reverie::app
