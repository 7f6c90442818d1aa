#pragma once
// The DepthScope icon, rendered from its SVG (resources/depthscope.svg) at the usual sizes (no
// SVG icon plugin needed). Registers the ui library's Qt resources on the way.
#include <QIcon>

namespace depthscope::ui {

QIcon application_icon();

}  // namespace depthscope::ui
