#include "workbenches/filedrop.h"

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QMimeData>
#include <QUrl>

namespace reverie::app {

QString droppedFile(const QMimeData* mime) {
    if (!mime || !mime->hasUrls()) return {};
    for (const auto& url : mime->urls())
        if (url.isLocalFile()) return url.toLocalFile();
    return {};
}

bool handleFileDrop(QEvent* event, const std::function<void(const QString&)>& open) {
    switch (event->type()) {
    case QEvent::DragEnter:
    case QEvent::DragMove: {
        auto* e = static_cast<QDragMoveEvent*>(event);
        if (droppedFile(e->mimeData()).isEmpty()) return false;
        e->acceptProposedAction();
        return true;
    }
    case QEvent::Drop: {
        auto* e = static_cast<QDropEvent*>(event);
        const QString path = droppedFile(e->mimeData());
        if (path.isEmpty()) return false;
        open(path);
        e->acceptProposedAction();
        return true;
    }
    default:
        return false;
    }
}

} // namespace reverie::app
