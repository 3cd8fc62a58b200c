#include "cause.h"

#include <QCoreApplication>

namespace thingscape {

QString Cause::toString() const
{
    switch (kind) {
    case CauseKind::Unknown:
        return QCoreApplication::translate("Cause", "unknown");
    case CauseKind::Endpoint:
        return QCoreApplication::translate("Cause", "endpoint %1").arg(source);
    case CauseKind::User:
        return QCoreApplication::translate("Cause", "user");
    case CauseKind::Rule:
        return QCoreApplication::translate("Cause", "rule %1 (depth %2)").arg(source).arg(depth);
    case CauseKind::Gateway:
        return QCoreApplication::translate("Cause", "gateway %1").arg(source);
    }
    return {};
}

} // namespace thingscape
