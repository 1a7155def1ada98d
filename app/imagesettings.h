#pragma once
// Images that remember how they were made: every setting of a run is written into the PNG as
// text chunks (one "reverie" chunk holding JSON, plus readable "reverie.<key>" chunks for other
// tools), so that loading a saved image restores its settings.

#include <QImage>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace reverie::app {

/// Writes image as PNG with settings embedded, atomically (never a half-written file) and
/// never over an input: when path is one of protectedInputs (compared as canonical paths), it fails.
/// Returns false and sets *error on failure.
bool savePngWithSettings(const QImage& image, const QJsonObject& settings, const QString& path,
                         QString* error = nullptr, const QStringList& protectedInputs = {});

/// Reads the settings back. std::nullopt with *error when the file cannot be read or carries no
/// Reverie settings.
std::optional<QJsonObject> readPngSettings(const QString& path, QString* error = nullptr);

} // namespace reverie::app
