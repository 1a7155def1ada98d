#include "lastsettings.h"

#include "settings.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QSaveFile>

namespace reverie::app {

QString lastSettingsPath() {
    return QFileInfo(Settings::filePath()).absoluteDir().filePath(QStringLiteral("last-settings.json"));
}

QJsonObject loadLastSettings(const QString& path, QString* problem) {
    QFile f(path);
    if (!f.exists()) return {};
    auto fail = [&](const QString& why) {
        if (problem)
            *problem =
                QCoreApplication::translate("Settings", "The last-used settings (%1) were not restored: %2")
                    .arg(path, why);
        return QJsonObject{};
    };
    if (f.size() > 1024 * 1024)
        return fail(QCoreApplication::translate("Settings", "the file is larger than 1 MiB"));
    if (!f.open(QIODevice::ReadOnly)) return fail(f.errorString());
    QJsonParseError err{};
    const auto doc = QJsonDocument::fromJson(f.readAll(), &err);
    if (err.error != QJsonParseError::NoError) return fail(err.errorString());
    if (!doc.isObject())
        return fail(QCoreApplication::translate("Settings", "it does not hold a JSON object"));
    return doc.object();
}

bool saveLastSettings(const QJsonObject& all, const QString& path, QString* error) {
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(QJsonDocument(all).toJson(QJsonDocument::Indented)) < 0 ||
        !f.commit()) {
        if (error) *error = f.errorString();
        return false;
    }
    return true;
}

} // namespace reverie::app
