#pragma once

#include "coapcontext.h"
#include "coaplinks.h"

#include <QCoro/QCoroTask>
#include <QPointer>

#include <chrono>

namespace thingscape {

// What a CoRE Resource Directory knows: the registered endpoints and their resources,
// with ids under each endpoint's base URI.
struct ResourceDirectoryContents
{
    Result result;
    QString method;                       // "rfc9176-lookup" or "registrations"
    QList<CoapLinkedResource> endpoints;  // id: the endpoint's base; title/device: its ep name
    QList<CoapLinkedResource> resources;
};

// Reads a Resource Directory found in a server's /.well-known/core: through the RFC 9176
// lookup interfaces where advertised (rt=core.rd-lookup-res / core.rd-lookup-ep), else by
// reading each registration resource (libcoap's coap-rd follows an older draft: it lists
// registrations as </rd/ID> and answers a GET there with the registered links).
class ResourceDirectory
{
public:
    // True when the links advertise a directory (rt=core.rd*).
    static bool isAdvertised(const QList<CoapLinkedResource> &wellKnown);
    static QCoro::Task<ResourceDirectoryContents> read(QPointer<CoapContext> context,
                                                       QList<CoapLinkedResource> wellKnown,
                                                       std::chrono::milliseconds timeout);

private:
    static QCoro::Task<ResourceDirectoryContents> readLookup(QPointer<CoapContext> context, ResourceId resLookup,
                                                             ResourceId epLookup, std::chrono::milliseconds timeout);
    static QCoro::Task<ResourceDirectoryContents> readRegistrations(QPointer<CoapContext> context,
                                                                    QList<CoapLinkedResource> registrations,
                                                                    std::chrono::milliseconds timeout);
};

} // namespace thingscape
