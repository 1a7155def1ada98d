#include "settings.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QStringDecoder>
#include <QStandardPaths>
#include <QTemporaryFile>
#include <QThread>

namespace reverie::app {

QString Settings::filePath() {
    const QByteArray env = qgetenv("REVERIE_CONFIG_DIR");
    const QString dir = env.isEmpty() ? QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation)
                                      : QString::fromLocal8Bit(env);
    return QDir(dir).filePath(QStringLiteral("reverie.ini"));
}

QString Settings::defaultOutputDir() {
    QString pictures = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
    if (pictures.isEmpty()) pictures = QDir::homePath();
    return QDir(pictures).filePath(QStringLiteral("Reverie"));
}

QList<QPair<QString, QString>> Settings::languages() {
    return {{QStringLiteral("en"), QStringLiteral("English")}, {QStringLiteral("de"), QStringLiteral("Deutsch")}};
}

namespace {
// QSettings reads almost anything without complaint; a settings file that is not UTF-8 text made
// of [section] and key=value lines has been damaged (or is not ours), and is treated as corrupt.
bool looksLikeIni(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return false;
    const QByteArray bytes = f.read(1 << 20);
    if (bytes.contains('\0')) return false;
    QStringDecoder utf8(QStringDecoder::Utf8);
    const QString text = utf8(bytes);
    if (utf8.hasError()) return false;
    const auto lines = QStringView(text).split(QLatin1Char('\n'));
    for (auto line : lines) {
        line = line.trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char(';')) || line.startsWith(QLatin1Char('#'))) continue;
        if (line.startsWith(QLatin1Char('['))) {
            if (!line.endsWith(QLatin1Char(']')) || line.size() < 3) return false;
            continue;
        }
        if (line.indexOf(QLatin1Char('=')) <= 0) return false;
    }
    return true;
}
} // namespace

Settings Settings::load(const QString& path) {
    Settings s;
    if (!QFileInfo::exists(path)) return s;
    QSettings ini(path, QSettings::IniFormat);
    if (ini.status() != QSettings::NoError || !looksLikeIni(path)) {
        const QString kept = path + QStringLiteral(".corrupt");
        QFile::remove(kept);
        QFile::rename(path, kept);
        s.problems << QCoreApplication::translate("Settings",
                                                  "The settings file %1 could not be read; defaults are used "
                                                  "and the damaged file was kept as %2.")
                          .arg(path, kept);
        return s;
    }
    const QString device = ini.value(QStringLiteral("engine/device"), s.device).toString();
    if (device == QLatin1String("cpu") || device == QLatin1String("cuda")) s.device = device;
    else
        s.problems << QCoreApplication::translate("Settings", "Unknown device \"%1\" in the settings; using cpu.")
                          .arg(device);

    const QVariant threads = ini.value(QStringLiteral("engine/threads"), 0);
    bool ok = false;
    const int t = threads.toInt(&ok);
    const int maxThreads = qMax(1, QThread::idealThreadCount()) * 4;
    if (ok && t >= 0 && t <= maxThreads) s.threads = t;
    else
        s.problems << QCoreApplication::translate("Settings",
                                                  "Invalid thread count \"%1\" in the settings; using one per core.")
                          .arg(threads.toString());

    const QString lang = ini.value(QStringLiteral("ui/language"), s.language).toString();
    bool known = false;
    for (const auto& l : languages()) known |= (l.first == lang);
    if (known) s.language = lang;
    else
        s.problems << QCoreApplication::translate("Settings", "Unknown language \"%1\" in the settings; using English.")
                          .arg(lang);

    s.outputDir = ini.value(QStringLiteral("output/folder")).toString();
    s.modelsDir = ini.value(QStringLiteral("models/folder")).toString();
    s.lastWorkbench = ini.value(QStringLiteral("ui/workbench")).toString();
    return s;
}

bool Settings::save(const QString& path, QString* error) const {
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath())) {
        if (error) *error = QCoreApplication::translate("Settings", "Cannot create the folder %1.").arg(info.absolutePath());
        return false;
    }
    // QSettings writes through its own temporary file and rename (atomic on POSIX).
    QSettings ini(path, QSettings::IniFormat);
    ini.setValue(QStringLiteral("engine/device"), device);
    ini.setValue(QStringLiteral("engine/threads"), threads);
    ini.setValue(QStringLiteral("ui/language"), language);
    ini.setValue(QStringLiteral("output/folder"), outputDir);
    ini.setValue(QStringLiteral("models/folder"), modelsDir);
    ini.setValue(QStringLiteral("ui/workbench"), lastWorkbench);
    ini.sync();
    if (ini.status() != QSettings::NoError) {
        if (error) *error = QCoreApplication::translate("Settings", "Cannot write the settings file %1.").arg(path);
        return false;
    }
    return true;
}

bool folderWritable(const QString& dir, QString* why) {
    if (dir.isEmpty()) {
        if (why) *why = QCoreApplication::translate("Settings", "No folder was given.");
        return false;
    }
    if (!QDir().mkpath(dir)) {
        if (why) *why = QCoreApplication::translate("Settings", "The folder %1 does not exist and cannot be created.").arg(dir);
        return false;
    }
    QTemporaryFile probe(QDir(dir).filePath(QStringLiteral(".reverie-write-test-XXXXXX")));
    if (!probe.open()) {
        if (why) *why = QCoreApplication::translate("Settings", "The folder %1 is not writable.").arg(dir);
        return false;
    }
    return true;
}

QString Settings::effectiveOutputDir(QString* why) const {
    const QString wanted = outputDir.isEmpty() ? defaultOutputDir() : outputDir;
    QString reason;
    if (folderWritable(wanted, &reason)) return wanted;
    QString fallback = defaultOutputDir();
    if (fallback == wanted || !folderWritable(fallback)) fallback = QDir::temp().filePath(QStringLiteral("reverie-output"));
    QDir().mkpath(fallback);
    if (why)
        *why = QCoreApplication::translate("Settings", "%1 Results are saved to %2 instead.").arg(reason, fallback);
    return fallback;
}

} // namespace reverie::app
