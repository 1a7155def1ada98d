#pragma once
// The last-used settings of every workbench, kept across restarts in last-settings.json beside
// the preferences (Settings::filePath()'s folder): { "<workbench id>": { …its settings… } }.
// Reading never fails: a missing, corrupt or oversized file gives no settings and a message.
//
// Thread rules: GUI thread only.

#include <QJsonObject>
#include <QString>

namespace reverie::app {

/// last-settings.json in the folder of Settings::filePath().
QString lastSettingsPath();

/// The stored object (workbench id → settings). A missing file: empty, no message; a file that is
/// not a JSON object or is larger than 1 MiB: empty, and *problem says so (the file is left).
QJsonObject loadLastSettings(const QString& path = lastSettingsPath(), QString* problem = nullptr);

/// Writes atomically; false with *error on failure.
bool saveLastSettings(const QJsonObject& all, const QString& path = lastSettingsPath(),
                      QString* error = nullptr);

} // namespace reverie::app
