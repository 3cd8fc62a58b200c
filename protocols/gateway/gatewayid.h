#pragma once

#include "model/resourceid.h"

#include <QString>

#include <optional>

namespace thingscape {

// The gateway's name for a resource: its URI as unpadded base64url, so it is stable (the same
// URI always gives the same id), URL-safe in a path segment and reversible without a table.
class GatewayId
{
public:
    static QString encode(const ResourceId &id);
    static QString encodeText(const QString &text);
    // nullopt with *error saying why for anything that is not an id of a valid URI.
    static std::optional<ResourceId> decode(QStringView id, QString *error);
    static std::optional<QString> decodeText(QStringView id, QString *error);

    static constexpr qsizetype kMaxLength = 8192;
};

} // namespace thingscape
