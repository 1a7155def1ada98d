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
#include <cmath>
#include <cstring>

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
    r.audioFile = own("audio", QStringLiteral(".wav"));
    r.inputAudioFile = own("input_audio", QStringLiteral("-input.wav"));
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

QByteArray RunHistory::wavBytes(const float* samples, qsizetype count, int sampleRate) {
    if (count <= 0 || sampleRate <= 0 || count > qsizetype(0x7fffffff / 4 - 64)) return {};
    QByteArray bytes;
    bytes.reserve(58 + count * 4);
    auto u32 = [&](quint32 v) {
        for (int i = 0; i < 4; ++i) bytes.append(char((v >> (8 * i)) & 0xff));
    };
    auto u16 = [&](quint16 v) {
        bytes.append(char(v & 0xff));
        bytes.append(char(v >> 8));
    };
    const quint32 data = quint32(count) * 4;
    // RIFF/WAVE, a WAVE_FORMAT_IEEE_FLOAT "fmt " chunk with cbSize, the "fact" chunk such files
    // carry, then the samples (little-endian).
    bytes.append("RIFF");
    u32(4 + (8 + 18) + (8 + 4) + 8 + data);
    bytes.append("WAVEfmt ");
    u32(18);
    u16(3); // IEEE float
    u16(1); // mono
    u32(quint32(sampleRate));
    u32(quint32(sampleRate) * 4);
    u16(4);
    u16(32);
    u16(0);
    bytes.append("fact");
    u32(4);
    u32(quint32(count));
    bytes.append("data");
    u32(data);
    for (qsizetype i = 0; i < count; ++i) {
        const float v = std::isfinite(samples[i]) ? samples[i] : 0.0f;
        quint32 bits;
        std::memcpy(&bits, &v, 4);
        u32(bits);
    }
    return bytes;
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
    // Each kept file, written in turn; on a failure none of this run's files stays.
    QStringList written;
    auto keep = [&](QString* file, const QString& suffix, const QByteArray& bytes) {
        if (bytes.isEmpty()) return true;
        *file = dir.filePath(r.id + suffix);
        if (!writeAtomically(*file, bytes, error)) return false;
        written << *file;
        return true;
    };
    const bool image = !result.resultPng.isEmpty() && !result.thumbPng.isEmpty();
    if (!(image ? keep(&r.resultFile, QStringLiteral(".png"), result.resultPng) &&
                      keep(&r.thumbFile, QStringLiteral("-thumb.png"), result.thumbPng)
                : true) ||
        !keep(&r.audioFile, QStringLiteral(".wav"), result.audioWav) ||
        !keep(&r.inputAudioFile, QStringLiteral("-input.wav"), result.inputWav)) {
        for (const auto& f : written) QFile::remove(f);
        return std::nullopt;
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
    if (!r.audioFile.isEmpty()) o[QStringLiteral("audio")] = QFileInfo(r.audioFile).fileName();
    if (!r.inputAudioFile.isEmpty())
        o[QStringLiteral("input_audio")] = QFileInfo(r.inputAudioFile).fileName();
    if (!writeAtomically(recordPath(m_dir, r.id), QJsonDocument(o).toJson(QJsonDocument::Indented), error)) {
        for (const auto& f : written) QFile::remove(f);
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

namespace {
/// A run's settings with its figures added (what an exported file embeds).
QJsonObject embeddedSettings(const RunRecord& r) {
    QJsonObject s = r.settings;
    for (auto it = r.figures.begin(); it != r.figures.end(); ++it)
        if (!s.contains(it.key())) s[it.key()] = it.value();
    return s;
}

/// Writes `<path without suffix>.json` with the whole record beside an exported file.
bool writeRecordBeside(const RunRecord& r, const QString& path, QString* error) {
    const QJsonObject record{{QStringLiteral("title"), r.title},
                             {QStringLiteral("when"), r.when.toString(Qt::ISODateWithMs)},
                             {QStringLiteral("settings"), r.settings},
                             {QStringLiteral("figures"), r.figures}};
    const QString json =
        QFileInfo(path).dir().filePath(QFileInfo(path).completeBaseName() + QStringLiteral(".json"));
    return writeAtomically(json, QJsonDocument(record).toJson(QJsonDocument::Indented), error);
}

quint32 le32(const QByteArray& b, qsizetype at) {
    quint32 v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | quint8(b[at + i]);
    return v;
}
} // namespace

bool RunHistory::exportRecord(const QString& id, const QString& path, QString* error) const {
    const auto r = find(id);
    if (!r) {
        if (error) *error = QCoreApplication::translate("RunHistory", "That run is no longer in the history.");
        return false;
    }
    return writeRecordBeside(*r, path, error);
}

bool RunHistory::exportAudioRun(const QString& id, const QString& path, QString* error) const {
    auto fail = [&](const QString& why) {
        if (error) *error = why;
        return false;
    };
    const auto r = find(id);
    if (!r) return fail(QCoreApplication::translate("RunHistory", "That run is no longer in the history."));
    QFile kept(r->audioFile);
    if (r->audioFile.isEmpty() || kept.size() > qint64(512) * 1024 * 1024 || !kept.open(QIODevice::ReadOnly))
        return fail(QCoreApplication::translate(
            "RunHistory", "The result of that run could not be read from the history."));
    QByteArray bytes = kept.readAll();
    if (bytes.size() < 12 || !bytes.startsWith("RIFF") || bytes.mid(8, 4) != "WAVE")
        return fail(
            QCoreApplication::translate("RunHistory", "The kept audio of that run is not a WAV file."));
    const QString input = r->settings.value(QStringLiteral("input_path")).toString();
    if (!input.isEmpty() && QFileInfo(input).exists() &&
        QFileInfo(input).canonicalFilePath() == QFileInfo(path).canonicalFilePath())
        return fail(
            QCoreApplication::translate("RunHistory", "Refusing to write over the run's input file."));
    QByteArray comment = QJsonDocument(embeddedSettings(*r)).toJson(QJsonDocument::Compact);
    comment.append('\0');
    if (comment.size() % 2) comment.append('\0');
    QByteArray list("LIST");
    auto u32 = [](QByteArray& b, quint32 v) {
        for (int i = 0; i < 4; ++i) b.append(char((v >> (8 * i)) & 0xff));
    };
    u32(list, quint32(4 + 8 + comment.size()));
    list.append("INFOICMT");
    u32(list, quint32(comment.size()));
    list.append(comment);
    if (bytes.size() % 2) bytes.append('\0');
    bytes.append(list);
    const quint32 riff = quint32(bytes.size() - 8);
    for (int i = 0; i < 4; ++i) bytes[4 + i] = char((riff >> (8 * i)) & 0xff);
    QString why;
    if (!writeAtomically(path, bytes, &why)) return fail(why);
    if (!writeRecordBeside(*r, path, &why))
        return fail(
            QCoreApplication::translate("RunHistory", "The audio was saved, its JSON not: %1").arg(why));
    return true;
}

std::optional<QJsonObject> RunHistory::readWavSettings(const QString& path, QString* error) {
    auto fail = [&](const QString& why) -> std::optional<QJsonObject> {
        if (error) *error = why;
        return std::nullopt;
    };
    QFile f(path);
    if (f.size() > qint64(512) * 1024 * 1024 || !f.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("%1: cannot be read").arg(path));
    const QByteArray b = f.readAll();
    if (b.size() < 12 || !b.startsWith("RIFF") || b.mid(8, 4) != "WAVE")
        return fail(QStringLiteral("%1: not a WAV file").arg(path));
    for (qsizetype at = 12; at + 8 <= b.size();) {
        const QByteArray tag = b.mid(at, 4);
        const qint64 size = le32(b, at + 4);
        if (at + 8 + size > b.size()) break;
        if (tag == "LIST" && size >= 12 && b.mid(at + 8, 4) == "INFO") {
            for (qsizetype sub = at + 12; sub + 8 <= at + 8 + size;) {
                const qint64 n = le32(b, sub + 4);
                if (sub + 8 + n > at + 8 + size) break;
                if (b.mid(sub, 4) == "ICMT") {
                    QByteArray text = b.mid(sub + 8, n);
                    while (text.endsWith('\0')) text.chop(1);
                    const auto doc = QJsonDocument::fromJson(text);
                    if (doc.isObject()) return doc.object();
                }
                sub += 8 + n + (n % 2);
            }
        }
        at += 8 + size + (size % 2);
    }
    return fail(QStringLiteral("%1: no Reverie settings in the file").arg(path));
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
    const QJsonObject s = embeddedSettings(*r);
    QStringList inputs;
    if (s.contains(QStringLiteral("input_path"))) inputs << s.value(QStringLiteral("input_path")).toString();
    if (!savePngWithSettings(image, s, path, error, inputs)) return false;
    QString why;
    if (!writeRecordBeside(*r, path, &why))
        return fail(
            QCoreApplication::translate("RunHistory", "The image was saved, its JSON not: %1").arg(why));
    return true;
}

QStringList RunHistory::filesOf(const RunRecord& r) const {
    QStringList files{recordPath(m_dir, r.id)};
    for (const auto& f : {r.resultFile, r.thumbFile, r.audioFile, r.inputAudioFile})
        if (!f.isEmpty()) files << f;
    return files;
}

bool RunHistory::remove(const QString& id) {
    const auto r = find(id);
    if (!r) return false;
    const auto files = filesOf(*r);
    for (qsizetype i = 1; i < files.size(); ++i) QFile::remove(files[i]);
    return QFile::remove(files.front());
}

void RunHistory::clear() {
    for (const auto& r : runs()) remove(r.id);
}

qint64 RunHistory::bytes(const QList<RunRecord>& list) const {
    qint64 total = 0;
    for (const auto& r : list)
        for (const auto& f : filesOf(r)) total += QFileInfo(f).size();
    return total;
}

void RunHistory::enforceBounds() {
    auto list = runs();
    qint64 total = bytes(list);
    while (!list.isEmpty() && (list.size() > m_maxRuns || (total > m_maxBytes && list.size() > 1))) {
        const auto oldest = list.takeLast();
        for (const auto& f : filesOf(oldest)) total -= QFileInfo(f).size();
        remove(oldest.id);
    }
}

} // namespace reverie::app
