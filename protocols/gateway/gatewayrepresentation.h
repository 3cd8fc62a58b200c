#pragma once

#include "model/codecs/linkformat.h"
#include "model/resourceid.h"
#include "model/value.h"

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <optional>

namespace thingscape {

class Resource;
enum class ErrorKind;

// One form of a resource's current value, as the gateway sends it.
struct GatewayBody
{
    QByteArray body;
    QByteArray mediaType;
    int contentFormat = ContentFormat::Unknown;
};

// How the gateway writes resources and values, shared by its HTTP and CoAP faces: the JSON of
// a resource, its value in JSON, CBOR, text, SenML JSON / CBOR or as received, its link.
class GatewayRepresentation
{
public:
    // "/resources/{id}" (HTTP) for a resource.
    static QString href(const Resource &resource);
    static QJsonObject resourceJson(const Resource &resource);
    static QJsonObject metadataJson(const Resource &resource);
    // The decoded value as JSON (text that does not decode as anything else as a string,
    // binary as base64 text); null without a value.
    static QJsonValue valueJson(const Value &value);
    // By an HTTP Accept header (empty, "*/*": JSON). nullopt and *error (listing what is
    // offered) when nothing acceptable can be made (406).
    static std::optional<GatewayBody> forAccept(const Resource &resource, const QByteArray &accept, QString *error);
    // By a CoAP content-format (Unknown: as received). nullopt and *error for a format not offered.
    static std::optional<GatewayBody> forContentFormat(const Resource &resource, int contentFormat, QString *error);
    // Changes with the value and with the representation.
    static QByteArray etag(const Resource &resource, const GatewayBody &body);
    static quint64 coapEtag(const Resource &resource, int contentFormat);
    // The resource as a CoRE link to target, with rt / if / ct / obs / title / sz from its metadata.
    static codecs::Link link(const Resource &resource, const QString &target);
    static QString offered();
    // A failed write's status, HTTP and CoAP alike (502 / 5.02 Bad Gateway, 504 / 5.04...).
    static int writeStatus(ErrorKind kind);
    // A JSON value as compact bytes (a bare scalar too: "25.5", "\"on\"").
    static QByteArray compactJson(const QJsonValue &value);
    // What a WebSocket subscriber gets per update: {"id", "uri", "value", "time"}.
    static QString webSocketUpdate(const ResourceId &id, const QJsonValue &value, qint64 timeMs);
};

} // namespace thingscape
