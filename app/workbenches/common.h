#pragma once
// Small helpers every workbench shares: string conversion, table cells, pixel-exact previews, NFE
// lists, seeds from saved settings, the "model folder" checks and file dialogs.
//
// Thread rules: GUI thread only.

#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

class QComboBox;
class QFormLayout;
class QImage;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidgetItem;
class QWidget;

namespace reverie::app {

inline QString qs(const std::string& s) { return QString::fromStdString(s); }

/// A read-only table cell; numbers are right-aligned.
QTableWidgetItem* tableCell(const QString& text, bool number = true);

/// Shows image in label by nearest neighbour at the largest integer factor that fits the label, so
/// every pixel stays a crisp square. Before the first layout the label's minimum size stands in
/// for its size. A null image leaves the label as it is.
void showPixelImage(QLabel* label, const QImage& image);

/// Parses a list of NFE values separated by commas, semicolons or spaces, each from 1 to max.
/// Returns nullopt with *badPart set to the first part that is not such a value.
std::optional<std::vector<int>> parseNfeList(const QString& text, int max, QString* badPart = nullptr);

/// False with *why ("the model … is no longer there") when settings name a model folder or file
/// ("model_dir") that does not exist; true when they name none.
bool rememberedModelExists(const QJsonObject& settings, QString* why);

/// Reads the "seed" of saved settings into seed (a string, or a non-negative number); leaves it
/// as it is when there is none.
void readSeed(const QJsonObject& settings, std::uint64_t& seed);

/// Makes `button` pick a folder in a dialog and put it into `edit` (the "Open…" of a model folder row).
void connectFolderPicker(QPushButton* button, QLineEdit* edit, const QString& title);

/// Why a model folder cannot be used ("" when it can): empty (the built-in `builtin` was not found;
/// the folders searched are named) or not a folder (or, with acceptCheckpoint, not a file either:
/// a published checkpoint, which the loader identifies).
QString modelFolderProblem(const std::string& dir, const char* builtin, bool acceptCheckpoint = false);

/// The file filter of published checkpoints ("Checkpoints (*.ckpt *.pth …)").
QString checkpointFileFilter();

/// The checkpoints of the models folder whose tensor names say they hold `architectureId`
/// (models/published/scan.h), as (menu label, path). Others and unreadable files are left out.
QList<QPair<QString, QString>> checkpointsFor(const QString& modelsDir, const char* architectureId);

/// Shows `entries` (label, path) in a model menu after its built-in entries and before its last
/// entry ("Other folder or checkpoint"), replacing the checkpoint entries shown before.
void setCheckpointEntries(QComboBox* combo, const QList<QPair<QString, QString>>& entries);

/// Selects the menu entry whose path is `path` (cleaned), or the last entry ("Other …") when none
/// is; signals blocked.
void selectModelEntry(QComboBox* combo, const QString& path);

/// A PNG path to save to, asked in a dialog over parent; ".png" added when the user typed no
/// suffix; "" when cancelled.
QString askSavePng(QWidget* parent, const QString& title, const QString& suggested);
/// A PNG to read settings from, asked in a dialog; "" when cancelled.
QString askOpenPng(QWidget* parent, const QString& title, const QString& folder);

} // namespace reverie::app
