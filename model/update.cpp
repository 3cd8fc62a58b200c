#include "update.h"

#include <QCoreApplication>

namespace thingscape {

QString resourceStateName(ResourceState state)
{
    switch (state) {
    case ResourceState::Unknown:
        return QCoreApplication::translate("ResourceState", "unknown");
    case ResourceState::Online:
        return QCoreApplication::translate("ResourceState", "online");
    case ResourceState::Stale:
        return QCoreApplication::translate("ResourceState", "stale");
    case ResourceState::Offline:
        return QCoreApplication::translate("ResourceState", "offline");
    case ResourceState::Error:
        return QCoreApplication::translate("ResourceState", "error");
    }
    return {};
}

} // namespace thingscape
