#pragma once
// The user's recently opened files (the Start page): path, the workbench that opened it, when.
// Kept across restarts in recent-files.json beside the preferences (Settings::filePath()'s
// folder), newest first, at most maxEntries, one entry per path. Reading never fails: a missing,
// corrupt or oversized file gives an empty list (and a message); entries whose file is gone are
// kept on disk but not listed by existing().
//
// Thread rules: GUI thread only (small file I/O).

#include <QDateTime>
#include <QList>
#include <QString>

namespace reverie::app {

struct RecentFile {
    QString path;      ///< absolute
    QString workbench; ///< the workbench id that opened it ("restore", "enhance")
    QDateTime when;    ///< UTC
};

class RecentFiles {
public:
    /// path "": recent-files.json beside the preferences.
    explicit RecentFiles(QString path = {}, int maxEntries = 12);
    static QString defaultPath();
    QString path() const { return m_path; }

    /// Every stored entry, newest first (*problem says why when the file could not be read).
    QList<RecentFile> all(QString* problem = nullptr) const;
    /// The entries whose file is still there.
    QList<RecentFile> existing() const;
    /// Puts path first (an earlier entry of the same path goes), drops the oldest beyond the
    /// bound and writes the file atomically; false with *error when it cannot be written.
    bool add(const QString& path, const QString& workbench, QString* error = nullptr);
    void clear();

private:
    QString m_path;
    int m_max;
};

/// The workbench that opens a file as input, by its suffix ("restore" for images, "enhance" for
/// audio); "" for neither.
QString workbenchForFile(const QString& path);

} // namespace reverie::app
