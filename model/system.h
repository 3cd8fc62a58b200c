#pragma once

#include "resourceid.h"

#include <QJsonObject>
#include <QList>
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
    QJsonObject extra; // unknown keys kept from the workspace file

    QJsonObject toJson() const;
    // nullopt and *error when a field has the wrong type or a resource URI is bad.
    static std::optional<System> fromJson(const QJsonObject &json, QString *error = nullptr);

    friend bool operator==(const System &, const System &) = default;
};

} // namespace thingscape
