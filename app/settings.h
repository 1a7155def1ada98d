#pragma once
// Preferences persisted with QSettings (INI file): device, threads, language, output folder.
// Loading never fails: a corrupt file or an invalid value falls back to the default and leaves a
// message for the user in Settings::problems (the corrupt file is kept beside as *.corrupt).

#include <QString>
#include <QStringList>

namespace reverie::app {

struct Settings {
    QString device = QStringLiteral("cpu"); ///< "cpu" or "cuda"
    int threads = 0;                         ///< LibTorch threads; 0 = one per core
    QString language = QStringLiteral("en"); ///< "en" or "de"
    QString outputDir;                       ///< where results are saved; empty = default
    /// A folder of published checkpoints (SGMSE+ .ckpt, IR-SDE .pth, …) listed in the Enhance and
    /// Restore model menus; empty = none.
    QString modelsDir;
    QString lastWorkbench;                   ///< the page shown at the last exit; empty = Restore
    QStringList problems;                    ///< what loading had to repair (not saved)

    /// The INI file used by load()/save(): $REVERIE_CONFIG_DIR/reverie.ini if set, else the
    /// platform's config location.
    static QString filePath();
    /// The default output folder (Pictures/Reverie, or the home folder).
    static QString defaultOutputDir();
    /// Languages with a translation, as (code, native name).
    static QList<QPair<QString, QString>> languages();

    static Settings load(const QString& path = filePath());
    /// Writes atomically; returns false and sets *error on failure.
    bool save(const QString& path = filePath(), QString* error = nullptr) const;

    /// The folder results go to: outputDir if it exists (or can be made) and is writable,
    /// otherwise the default; *why says why the preferred one was not used.
    QString effectiveOutputDir(QString* why = nullptr) const;
};

/// Checks that a folder exists (or can be created) and accepts a new file.
bool folderWritable(const QString& dir, QString* why = nullptr);

} // namespace reverie::app
