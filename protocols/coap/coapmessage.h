#pragma once

#include "model/resourceid.h"
#include "model/value.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

#include <optional>

namespace thingscape {

enum class CoapMethod {
    Get = 1,
    Post = 2,
    Put = 3,
    Delete = 4,
    Fetch = 5,
    Patch = 6,
    IPatch = 7,
};

// One request as the connector builds it; CoapContext turns it into a PDU.
struct CoapRequest
{
    CoapMethod method = CoapMethod::Get;
    bool confirmable = true;
    QString path;          // decoded, "/a/b"
    // The Uri-Path options when a segment holds a '/' of its own (coap://h/a%2Fb); empty:
    // path split at '/'.
    QStringList pathSegments;
    QString query;         // "rt=x&if=y", each part percent-decoded when sent
    QByteArray payload;
    int contentFormat = ContentFormat::Unknown;
    int accept = ContentFormat::Unknown;
    QByteArray etag;       // sent as ETag (GET validation) or If-Match (PUT)
    std::optional<quint32> observe; // 0 register, 1 deregister
    QList<QPair<int, QByteArray>> extraOptions; // sent as given (raw requests: any number)
};

// One response or notification, copied out of the library's PDU.
struct CoapResponse
{
    int code = 0;          // class * 100 + detail: 205, 404...
    bool confirmable = false;
    int contentFormat = ContentFormat::Unknown;
    QByteArray payload;
    QByteArray etag;
    std::optional<quint32> maxAge;
    std::optional<quint32> observe;
    QString remoteHost;    // multicast only: who answered (empty for unicast)
    quint16 remotePort = 0;
    qint64 receivedMs = 0;
    QList<QPair<int, QByteArray>> options; // every option as received, in order

    bool isSuccess() const { return code >= 200 && code < 300; }
};

// The Uri-Path options for a resource: its path segments, each percent-decoded on its own,
// so an encoded '/' stays inside its segment.
QStringList coapPathSegments(const ResourceId &id);

// "2.05", "4.04"
QString coapCodeText(int code);
// "4.04 Not Found"
QString coapCodeDescription(int code);

} // namespace thingscape
