#pragma once
// Dragging workspace entries onto other views: runs travel as their ids under DepthScope's own
// MIME type, checkpoints as file URLs (so any view that accepts dropped files takes them too).
#include <QList>
#include <QStringList>

class QMimeData;

namespace depthscope::ui {

inline constexpr const char* kRunsMimeType = "application/x-depthscope-runs";

// Run ids (and checkpoint paths, as file URLs) as drag data; null when both are empty.
QMimeData* workspace_mime_data(const QList<qint64>& runs, const QStringList& paths);
// The run ids carried by `data` (empty when it carries none).
QList<qint64> runs_from_mime_data(const QMimeData* data);

}  // namespace depthscope::ui
