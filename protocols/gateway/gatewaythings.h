#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>

namespace thingscape {

class Resource;
class ResourceStore;

// W3C WoT Thing Descriptions (1.1) generated from the live model, one per device (what
// discovery named as the device: a Home Assistant or Homie device, a TD's thing; else the
// endpoint that carries the resources), whose forms point at the gateway serving them. What a
// client invokes (a TD's actions, Home Assistant buttons, scenes and state-less commands,
// Homie's non-retained settable properties) is an action, POSTed; the rest are properties.
class GatewayThings
{
public:
    // Device name -> its resources, sorted by URI.
    static QMap<QString, QList<const Resource *>> devices(const ResourceStore &store);
    static QString deviceName(const Resource &resource);
    // base: "http://host:port/" as the client reached the gateway. bearer: whether clients
    // must send a bearer token.
    static QJsonObject thingDescription(const QString &device, const QList<const Resource *> &resources,
                                        const QString &base, bool bearer);
    static QJsonArray all(const ResourceStore &store, const QString &base, bool bearer);
};

} // namespace thingscape
