#pragma once

#include "model/resourceid.h"
#include "model/update.h"

#include <QIcon>

namespace thingscape {

// Registers the compiled-in icons; a static library's resources need an explicit call.
void initUiResources();
QIcon appIcon();
QIcon protocolIcon(const QString &protocol);
QIcon stateIcon(ResourceState state);

} // namespace thingscape
