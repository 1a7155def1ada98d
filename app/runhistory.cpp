#include "runhistory.h"

#include "imagesettings.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSaveFile>
#include <QStandardPaths>

#include <algorithm>
#include <atomic>

namespace reverie::app {

namespace {

constexpr qint64 kMaxRecordBytes = 1024 * 1024; // a record larger than this is not ours

QString recordPath(const QString& dir, const QString& id) {
    return QDir(dir).filePath(id + QStringLiteral(".json"));
}

std::optional<RunRecord> readRecord(const QString& path, const QString& workbench) {
    QFile f(path);
    if (f.size() > kMaxRecordBytes || !f.open(QIODevice::ReadOnly)) return std::nullopt;
    const auto doc = QJsonDocument::fromJson(f.readAll());
    if (!doc.isObject()) return std::nullopt;
    const auto o = doc.object();
    if (o.value(QStringLiteral("workbench")).toString() != workbench) return std::nullopt;
    RunRecord r;
    r.id = QFileInfo(path).completeBaseName();
    if (o.value(QStringLiteral("id")).toString() != r.id) return std::nullopt;
    r.workbench = workbench;
    r.when = QDateTime::fromString(o.value(QStringLiteral("when")).toString(), Qt::ISODateWithMs);
    r.title = o.value(QStringLiteral("title")).toString();
    r.settings = o.value(QStringLiteral("settings")).toObject();
    r.figures = o.value(QStringLiteral("figures")).toObject();
    const QDir dir = QFileInfo(path).dir();
    // Only files of this run, in this folder: a record cannot point elsewhere.
    auto own = [&](const char* key, const QString& suffix) {
        const QString name = o.value(QLatin1String(key)).toString();
        return name == r.id + suffix && dir.exists(name) ? dir.filePath(name) : QString();
    };
    r.resultFile = own("result", QStringLiteral(".png"));
    r.thumbFile = own("thumb", QStringLiteral("-thumb.png"));
    return r;
}

bool writeAtomically(const QString& path, const QByteArray& bytes, QString* error) {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit()) {
        if (error) *error = QStringLiteral("%1: %2").arg(path, f.errorString());
        return false;
    }
    return true;
}

QByteArray pngBytes(const QImage& image) {
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    if (!image.save(&buffer, "PNG")) return {};
    return bytes;
}

} // namespace

RunHistory::RunHistory(const QString& workbench, const QString& dir, int maxRuns, qint64 maxBytes)
    : m_workbench(workbench), m_dir(dir.isEmpty() ? defaultDir(workbench) : dir),
      m_maxRuns(std::max(1, maxRuns)), m_maxBytes(std::max<qint64>(maxBytes, 1)) {}

QString RunHistory::defaultDir(const QString& workbench) {
    const QByteArray env = qgetenv("REVERIE_CONFIG_DIR");
    const QString root = !env.isEmpty()
                             ? QDir(QString::fromLocal8Bit(env)).filePath(QStringLiteral("history"))
                             : QDir(QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation))
                                   .filePath(QStringLiteral("history"));
    return QDir(root).filePath(workbench);
}

QList<RunRecord> RunHistory::runs() const {
    QList<RunRecord> out;
    const QDir dir(m_dir);
    const auto names = dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name | QDir::Reversed);
    for (const auto& name : names)
        if (auto r = readRecord(dir.filePath(name), m_workbench)) out.append(*r);
    // Newest first; a record without a valid time counts as the oldest.
    std::stable_sort(out.begin(), out.end(), [](const RunRecord& a, const RunRecord& b) {
        if (a.when.isValid() != b.when.isValid()) return a.when.isValid();
        return a.when != b.when ? a.when > b.when : a.id > b.id;
    });
    return out;
}

std::optional<RunRecord> RunHistory::find(const QString& id) const {
    if (id.isEmpty() || id.contains(QLatin1Char('/')) || id.contains(QLatin1Char('\\'))) return std::nullopt;
    return readRecord(recordPath(m_dir, id), m_workbench);
}

RunHistory::Prepared RunHistory::prepare(const QImage& result) {
    Prepared p;
    if (result.isNull()) return p;
    const QImage kept =
        std::max(result.width(), result.height()) > kKeptSide
            ? result.scaled(kKeptSide, kKeptSide, Qt::KeepAspectRatio, Qt::SmoothTransformation)
            : result;
    // A small result (a 28×28 item) is enlarged as crisp squares, a photo smoothly reduced.
    const QImage thumb =
        kept.scaled(kThumbSide, kThumbSide, Qt::KeepAspectRatio,
                    kept.width() <= kThumbSide ? Qt::FastTransformation : Qt::SmoothTransformation);
    p.resultPng = pngBytes(kept);
    p.thumbPng = pngBytes(thumb);
    if (p.resultPng.isEmpty() || p.thumbPng.isEmpty()) p = {};
    return p;
}

std::optional<RunRecord> RunHistory::addRun(const QString& title, const QJsonObject& settings,
                                            const QJsonObject& figures, const Prepared& result,
                                            QString* error) {
    if (!QDir().mkpath(m_dir)) {
        if (error) *error = QStringLiteral("%1: the folder cannot be made").arg(m_dir);
        return std::nullopt;
    }
    static std::atomic<int> counter{0};
    RunRecord r;
    r.workbench = m_workbench;
    r.when = QDateTime::currentDateTimeUtc();
    r.id = r.when.toString(QStringLiteral("yyyyMMdd-HHmmss-zzz")) + QStringLiteral("-%1").arg(++counter);
    r.title = title;
    r.settings = settings;
    r.figures = figures;
    const QDir dir(m_dir);
    if (!result.resultPng.isEmpty()) {
        r.resultFile = dir.filePath(r.id + QStringLiteral(".png"));
        r.thumbFile = dir.filePath(r.id + QStringLiteral("-thumb.png"));
        if (!writeAtomically(r.resultFile, result.resultPng, error) ||
            !writeAtomically(r.thumbFile, result.thumbPng, error)) {
            QFile::remove(r.resultFile);
            QFile::remove(r.thumbFile);
            return std::nullopt;
        }
    }
    QJsonObject o;
    o[QStringLiteral("id")] = r.id;
    o[QStringLiteral("workbench")] = r.workbench;
    o[QStringLiteral("when")] = r.when.toString(Qt::ISODateWithMs);
    o[QStringLiteral("title")] = r.title;
    o[QStringLiteral("settings")] = r.settings;
    o[QStringLiteral("figures")] = r.figures;
    if (!r.resultFile.isEmpty()) {
        o[QStringLiteral("result")] = QFileInfo(r.resultFile).fileName();
        o[QStringLiteral("thumb")] = QFileInfo(r.thumbFile).fileName();
    }
    if (!writeAtomically(recordPath(m_dir, r.id), QJsonDocument(o).toJson(QJsonDocument::Indented), error)) {
        QFile::remove(r.resultFile);
        QFile::remove(r.thumbFile);
        return std::nullopt;
    }
    enforceBounds();
    return find(r.id);
}

QImage RunHistory::resultImage(const RunRecord& r) const {
    if (r.resultFile.isEmpty()) return {};
    QImage image;
    if (QFileInfo(r.resultFile).size() > qint64(64) * 1024 * 1024 || !image.load(r.resultFile, "PNG"))
        return {};
    return image;
}

bool RunHistory::exportImageRun(const QString& id, const QString& path, QString* error) const {
    auto fail = [&](const QString& why) {
        if (error) *error = why;
        return false;
    };
    const auto r = find(id);
    if (!r) return fail(QCoreApplication::translate("RunHistory", "That run is no longer in the history."));
    const QImage image = resultImage(*r);
    if (image.isNull())
        return fail(QCoreApplication::translate(
            "RunHistory", "The result of that run could not be read from the history."));
    QJsonObject s = r->settings;
    for (auto it = r->figures.begin(); it != r->figures.end(); ++it)
        if (!s.contains(it.key())) s[it.key()] = it.value();
    QStringList inputs;
    if (s.contains(QStringLiteral("input_path"))) inputs << s.value(QStringLiteral("input_path")).toString();
    if (!savePngWithSettings(image, s, path, error, inputs)) return false;
    const QJsonObject record{{QStringLiteral("title"), r->title},
                             {QStringLiteral("when"), r->when.toString(Qt::ISODateWithMs)},
                             {QStringLiteral("settings"), r->settings},
                             {QStringLiteral("figures"), r->figures}};
    const QString json =
        QFileInfo(path).dir().filePath(QFileInfo(path).completeBaseName() + QStringLiteral(".json"));
    QString why;
    if (!writeAtomically(json, QJsonDocument(record).toJson(QJsonDocument::Indented), &why))
        return fail(
            QCoreApplication::translate("RunHistory", "The image was saved, its JSON not: %1").arg(why));
    return true;
}

bool RunHistory::remove(const QString& id) {
    const auto r = find(id);
    if (!r) return false;
    if (!r->resultFile.isEmpty()) QFile::remove(r->resultFile);
    if (!r->thumbFile.isEmpty()) QFile::remove(r->thumbFile);
    return QFile::remove(recordPath(m_dir, id));
}

void RunHistory::clear() {
    for (const auto& r : runs()) remove(r.id);
}

qint64 RunHistory::bytes(const QList<RunRecord>& list) const {
    qint64 total = 0;
    for (const auto& r : list)
        for (const auto& f : {recordPath(m_dir, r.id), r.resultFile, r.thumbFile})
            if (!f.isEmpty()) total += QFileInfo(f).size();
    return total;
}

void RunHistory::enforceBounds() {
    auto list = runs();
    qint64 total = bytes(list);
    while (!list.isEmpty() && (list.size() > m_maxRuns || (total > m_maxBytes && list.size() > 1))) {
        const auto oldest = list.takeLast();
        for (const auto& f : {recordPath(m_dir, oldest.id), oldest.resultFile, oldest.thumbFile})
            if (!f.isEmpty()) total -= QFileInfo(f).size();
        remove(oldest.id);
    }
}

} // namespace reverie::app
