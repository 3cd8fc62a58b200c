#pragma once

#include "resourceid.h"

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>

#include <optional>

namespace thingscape {

// A named set of resources from any endpoints, as kept in a workspace file. The rules and
// dashboards that tie them together live next to it in the workspace.
struct System
{
    QString name;
    QString description;
    QList<ResourceId> resources;
    // The last known titles of member resources, so that a workspace opened while their
    // endpoints are down still names its rows (saved as "titles": {uri: title}).
    QMap<ResourceId, QString> titles;
    QJsonObject extra; // unknown keys kept from the workspace file

    QJsonObject toJson() const;
    // nullopt and *error when a field has the wrong type or a resource URI is bad.
    static std::optional<System> fromJson(const QJsonObject &json, QString *error = nullptr);

    friend bool operator==(const System &, const System &) = default;
};

} // namespace thingscape
