#pragma once
// Dropping a file on a workbench page: the Restore and Enhance pages accept the first local file
// of a drag anywhere on the page.

#include <QString>

#include <functional>

class QEvent;
class QMimeData;

namespace reverie::app {

/// The first local file of a drag, or "".
QString droppedFile(const QMimeData* mime);

/// Handles DragEnter/DragMove (accepted when the drag carries a local file) and Drop (calls
/// `open` with the file). Returns true when the event was consumed; other events: false.
bool handleFileDrop(QEvent* event, const std::function<void(const QString&)>& open);

} // namespace reverie::app
