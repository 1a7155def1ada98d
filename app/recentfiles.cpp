#include "recentfiles.h"

#include "settings.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <algorithm>

namespace reverie::app {

RecentFiles::RecentFiles(QString path, int maxEntries)
    : m_path(path.isEmpty() ? defaultPath() : std::move(path)), m_max(std::max(1, maxEntries)) {}

QString RecentFiles::defaultPath() {
    return QFileInfo(Settings::filePath()).absoluteDir().filePath(QStringLiteral("recent-files.json"));
}

QList<RecentFile> RecentFiles::all(QString* problem) const {
    QList<RecentFile> out;
    QFile f(m_path);
    if (!f.exists()) return out;
    if (f.size() > 256 * 1024 || !f.open(QIODevice::ReadOnly)) {
        if (problem) *problem = QStringLiteral("%1: unreadable or too large; no recent files").arg(m_path);
        return out;
    }
    const auto doc = QJsonDocument::fromJson(f.readAll());
    if (!doc.isArray()) {
        if (problem) *problem = QStringLiteral("%1: not a list of files; no recent files").arg(m_path);
        return out;
    }
    for (const auto& v : doc.array()) {
        const auto o = v.toObject();
        RecentFile r;
        r.path = o.value(QStringLiteral("path")).toString();
        r.workbench = o.value(QStringLiteral("workbench")).toString();
        r.when = QDateTime::fromString(o.value(QStringLiteral("when")).toString(), Qt::ISODate);
        // Only absolute paths to plain names of workbenches: a hand-edited entry cannot smuggle
        // in anything else.
        if (r.path.isEmpty() || !QFileInfo(r.path).isAbsolute() || r.workbench.isEmpty() ||
            r.workbench.contains(QLatin1Char('/')))
            continue;
        out.append(r);
        if (out.size() >= m_max) break;
    }
    return out;
}

QList<RecentFile> RecentFiles::existing() const {
    auto list = all();
    list.erase(std::remove_if(list.begin(), list.end(),
                              [](const RecentFile& r) { return !QFileInfo(r.path).isFile(); }),
               list.end());
    return list;
}

bool RecentFiles::add(const QString& path, const QString& workbench, QString* error) {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    auto list = all();
    list.erase(
        std::remove_if(list.begin(), list.end(), [&](const RecentFile& r) { return r.path == absolute; }),
        list.end());
    list.prepend({absolute, workbench, QDateTime::currentDateTimeUtc()});
    while (list.size() > m_max) list.removeLast();
    QJsonArray array;
    for (const auto& r : list)
        array.append(QJsonObject{{QStringLiteral("path"), r.path},
                                 {QStringLiteral("workbench"), r.workbench},
                                 {QStringLiteral("when"), r.when.toString(Qt::ISODate)}});
    QDir().mkpath(QFileInfo(m_path).absolutePath());
    QSaveFile f(m_path);
    const QByteArray bytes = QJsonDocument(array).toJson(QJsonDocument::Indented);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit()) {
        if (error) *error = QStringLiteral("%1: %2").arg(m_path, f.errorString());
        return false;
    }
    return true;
}

void RecentFiles::clear() { QFile::remove(m_path); }

QString workbenchForFile(const QString& path) {
    static const QStringList images = {QStringLiteral("png"),  QStringLiteral("jpg"), QStringLiteral("jpeg"),
                                       QStringLiteral("bmp"),  QStringLiteral("tif"), QStringLiteral("tiff"),
                                       QStringLiteral("webp"), QStringLiteral("ppm"), QStringLiteral("pgm")};
    static const QStringList audio = {QStringLiteral("wav"), QStringLiteral("flac"), QStringLiteral("ogg"),
                                      QStringLiteral("mp3"), QStringLiteral("opus"), QStringLiteral("aiff"),
                                      QStringLiteral("aif"), QStringLiteral("au")};
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (images.contains(suffix)) return QStringLiteral("restore");
    if (audio.contains(suffix)) return QStringLiteral("enhance");
    return {};
}

} // namespace reverie::app
