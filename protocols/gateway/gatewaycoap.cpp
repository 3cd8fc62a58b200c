#include "gatewaycoap.h"

#include "gatewayid.h"
#include "gatewayrepresentation.h"

#include "model/codecs/codecs.h"
#include "model/resource.h"
#include "model/resourcestore.h"
#include "protocols/coap/coapserver.h"
#include "protocols/endpointmanager.h"

#include <QCoreApplication>
#include <QPointer>

namespace thingscape {

namespace {

CoapServerReply errorReply(int code, const QString &message)
{
    CoapServerReply reply;
    reply.code = code;
    reply.payload = message.toUtf8();
    return reply;
}

} // namespace

GatewayCoap::GatewayCoap(ResourceStore *store, EndpointManager *endpoints, const GatewayOptions &options, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_endpoints(endpoints)
    , m_options(options)
    , m_server(std::make_unique<CoapServer>())
{
}

GatewayCoap::~GatewayCoap() = default;

quint16 GatewayCoap::port() const
{
    return m_server->port();
}

bool GatewayCoap::start(QString *error)
{
    if (!m_server->listen(m_options.coapAddress, m_options.coapPort, error))
        return false;
    for (const Resource *resource : m_store->resources())
        addResource(resource->id());
    connect(m_store, &ResourceStore::batchApplied, this, &GatewayCoap::addResources);
    connect(m_store, &ResourceStore::valueEvents, this, &GatewayCoap::onValueEvents);
    return true;
}

void GatewayCoap::addResources(const StoreBatch &batch)
{
    for (const Resource *resource : batch.added)
        addResource(resource->id());
}

void GatewayCoap::addResource(const ResourceId &id)
{
    if (m_registered.contains(id))
        return;
    const Resource *resource = m_store->find(id);
    if (!resource)
        return;
    m_registered.insert(id);
    const codecs::Link link = GatewayRepresentation::link(*resource, {});
    CoapResourceOptions options;
    options.observable = true;
    auto quoted = [](const QString &text) {
        QString escaped = text;
        escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\")).replace(QLatin1Char('"'), QLatin1String("\\\""));
        return QByteArray("\"") + escaped.toUtf8() + '"';
    };
    if (!link.resourceTypes.isEmpty())
        options.attributes.append({"rt", quoted(link.resourceTypes.join(QLatin1Char(' ')))});
    if (!link.interfaces.isEmpty())
        options.attributes.append({"if", quoted(link.interfaces.join(QLatin1Char(' ')))});
    if (!link.contentFormats.isEmpty())
        options.attributes.append({"ct", QByteArray::number(link.contentFormats.first())});
    options.attributes.append({QByteArray("obs"), QByteArray()});
    if (!link.title.isEmpty())
        options.attributes.append({"title", quoted(link.title)});
    // Handlers run inside libcoap's dispatch: they read the store and start writes, nothing more.
    options.handlers[CoapMethod::Get] = [this, id](const CoapServerRequest &request) {
        const Resource *current = m_store->find(id);
        if (!current)
            return errorReply(404, tr("%1 is no longer in the live model").arg(id.toString()));
        QString error;
        const std::optional<GatewayBody> body = GatewayRepresentation::forContentFormat(*current, request.accept, &error);
        if (!body)
            return errorReply(406, error);
        CoapServerReply reply;
        reply.payload = body->body;
        reply.contentFormat = body->contentFormat;
        reply.maxAge = 0;
        reply.etag = GatewayRepresentation::coapEtag(*current, body->contentFormat);
        return reply;
    };
    // Answered with the write's outcome: an empty ACK now, the outcome as a separate response.
    auto write = [this, id](const CoapServerRequest &request, const CoapResponder &respond,
                            const QString &method) -> std::optional<CoapServerReply> {
        if (m_options.readOnly)
            return errorReply(403, tr("this gateway is read-only: writes are refused"));
        const Resource *current = m_store->find(id);
        if (!current)
            return errorReply(404, tr("%1 is no longer in the live model").arg(id.toString()));
        if (!current->metadata().writable.valueOr(true))
            return errorReply(405, tr("%1 is read-only").arg(id.toString()));
        if (request.payload.size() > m_options.maxBodyBytes)
            return errorReply(413, tr("body over the limit of %1 bytes").arg(m_options.maxBodyBytes));
        WriteOptions options;
        options.method = method;
        options.contentFormat = request.contentFormat;
        if (request.contentFormat >= 0)
            options.mediaType = codecs::mediaTypeForContentFormat(request.contentFormat);
        options.cause = Cause::gateway(QStringLiteral("coap"));
        const QString uri = id.toString();
        m_endpoints->write(id, request.payload, options, [uri, respond](const Result &result) {
            if (result.ok()) {
                CoapServerReply reply;
                reply.code = 204;
                respond(reply);
                return;
            }
            respond(errorReply(GatewayRepresentation::writeStatus(result.kind), tr("writing %1 failed: %2").arg(uri, result.error)));
        });
        return std::nullopt;
    };
    options.deferredHandlers[CoapMethod::Put] = [write](const CoapServerRequest &request, const CoapResponder &respond) {
        return write(request, respond, QStringLiteral("PUT"));
    };
    options.deferredHandlers[CoapMethod::Post] = [write](const CoapServerRequest &request, const CoapResponder &respond) {
        return write(request, respond, QStringLiteral("POST"));
    };
    m_server->addResource("r/" + GatewayId::encode(id).toLatin1(), options);
}

void GatewayCoap::onValueEvents(const ValueEvents &events)
{
    QSet<ResourceId> seen;
    for (const ValueEvent &event : events) {
        if (event.direction != Direction::In || seen.contains(event.id))
            continue;
        seen.insert(event.id);
        if (!m_registered.contains(event.id))
            addResource(event.id);
        m_server->notifyObservers("r/" + GatewayId::encode(event.id).toLatin1());
    }
}

} // namespace thingscape
