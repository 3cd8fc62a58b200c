#include "resourcedirectory.h"

#include "coapmessage.h"

#include <QCoreApplication>

namespace thingscape {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("CoapConnector", text);
}

bool hasResourceType(const CoapLinkedResource &resource, const QString &type, bool prefix = false)
{
    for (const QString &rt : resource.link.resourceTypes) {
        if (prefix ? rt.startsWith(type) : rt == type)
            return true;
    }
    return false;
}

struct LinkDocument
{
    Result result;
    QList<codecs::Link> links;
};

QCoro::Task<LinkDocument> fetchLinks(QPointer<CoapContext> context, ResourceId id, std::chrono::milliseconds timeout)
{
    if (!context)
        co_return LinkDocument{Result::failure(ErrorKind::Connection, tr("the CoAP connection was closed")), {}};
    CoapRequest request;
    request.path = id.path();
    request.query = id.query();
    request.accept = ContentFormat::LinkFormat;
    const CoapExchangeResult outcome = co_await context->request(id, request, timeout);
    if (!outcome.result.ok())
        co_return LinkDocument{outcome.result, {}};
    if (!outcome.response.isSuccess()) {
        const ErrorKind kind = outcome.response.code == 404 ? ErrorKind::NotFound : ErrorKind::Protocol;
        co_return LinkDocument{
            Result::failure(kind, QStringLiteral("%1: %2").arg(id.toString(), coapCodeDescription(outcome.response.code))),
            {}};
    }
    QString error;
    const auto links = codecs::parseLinkFormat(outcome.response.payload, &error);
    if (!links)
        co_return LinkDocument{Result::failure(ErrorKind::Protocol, tr("%1: malformed link-format: %2").arg(id.toString(), error)),
                               {}};
    co_return LinkDocument{Result::success(), *links};
}

} // namespace

bool ResourceDirectory::isAdvertised(const QList<CoapLinkedResource> &wellKnown)
{
    for (const CoapLinkedResource &resource : wellKnown) {
        if (hasResourceType(resource, QStringLiteral("core.rd"), true))
            return true;
    }
    return false;
}

QCoro::Task<ResourceDirectoryContents> ResourceDirectory::read(QPointer<CoapContext> context,
                                                               QList<CoapLinkedResource> wellKnown,
                                                               std::chrono::milliseconds timeout)
{
    ResourceId resLookup;
    ResourceId epLookup;
    QList<ResourceId> directories;
    for (const CoapLinkedResource &resource : std::as_const(wellKnown)) {
        if (hasResourceType(resource, QStringLiteral("core.rd-lookup-res")))
            resLookup = resource.id;
        else if (hasResourceType(resource, QStringLiteral("core.rd-lookup-ep")))
            epLookup = resource.id;
        else if (hasResourceType(resource, QStringLiteral("core.rd")))
            directories.append(resource.id);
    }
    if (resLookup.isValid() || epLookup.isValid())
        co_return co_await readLookup(context, resLookup, epLookup, timeout);

    // The older draft: each registration is a resource below the directory.
    QList<CoapLinkedResource> registrations;
    for (const CoapLinkedResource &resource : std::as_const(wellKnown)) {
        for (const ResourceId &directory : std::as_const(directories)) {
            const QString prefix = directory.path().endsWith(QLatin1Char('/')) ? directory.path()
                                                                              : directory.path() + QLatin1Char('/');
            if (resource.id.endpoint() == directory.endpoint() && resource.id.path().startsWith(prefix)
                && resource.id.path().size() > prefix.size()) {
                registrations.append(resource);
                break;
            }
        }
    }
    co_return co_await readRegistrations(context, registrations, timeout);
}

QCoro::Task<ResourceDirectoryContents> ResourceDirectory::readLookup(QPointer<CoapContext> context,
                                                                     ResourceId resLookup, ResourceId epLookup,
                                                                     std::chrono::milliseconds timeout)
{
    ResourceDirectoryContents contents;
    contents.method = QStringLiteral("rfc9176-lookup");
    QHash<ResourceId, QString> endpointNames;
    if (epLookup.isValid()) {
        const LinkDocument document = co_await fetchLinks(context, epLookup, timeout);
        if (!document.result.ok())
            co_return ResourceDirectoryContents{document.result, contents.method, {}, {}};
        for (const codecs::Link &link : document.links) {
            const QString base = link.attributes.value(QStringLiteral("base"));
            const QString ep = link.attributes.value(QStringLiteral("ep"));
            const std::optional<ResourceId> id = ResourceId::parse(base.isEmpty() ? codecs::resolveLinkTarget(epLookup.toString(), link) : base);
            if (!id || id->protocol() != Protocol::Coap)
                continue;
            CoapLinkedResource endpoint{id->endpoint(), metadataFromLink(link), link};
            if (!ep.isEmpty()) {
                endpoint.metadata.title.set(ep, MetaSource::LinkFormat);
                endpoint.metadata.device.set(ep, MetaSource::LinkFormat);
                endpointNames.insert(id->endpoint(), ep);
            }
            contents.endpoints.append(endpoint);
        }
    }
    if (resLookup.isValid()) {
        const LinkDocument document = co_await fetchLinks(context, resLookup, timeout);
        if (!document.result.ok())
            co_return ResourceDirectoryContents{document.result, contents.method, contents.endpoints, {}};
        contents.resources = resourcesFromLinks(resLookup.toString(), document.links);
        for (CoapLinkedResource &resource : contents.resources) {
            const QString ep = endpointNames.value(resource.id.endpoint());
            if (!ep.isEmpty())
                resource.metadata.device.set(ep, MetaSource::LinkFormat);
        }
    }
    co_return contents;
}

QCoro::Task<ResourceDirectoryContents> ResourceDirectory::readRegistrations(QPointer<CoapContext> context,
                                                                            QList<CoapLinkedResource> registrations,
                                                                            std::chrono::milliseconds timeout)
{
    ResourceDirectoryContents contents;
    contents.method = QStringLiteral("registrations");
    for (const CoapLinkedResource &registration : std::as_const(registrations)) {
        const LinkDocument document = co_await fetchLinks(context, registration.id, timeout);
        if (!document.result.ok()) {
            contents.result = document.result; // one stale registration does not hide the others
            continue;
        }
        // The registration's base: its "base" (or the draft's "con") attribute, else the
        // registrant's source address ("A", which coap-rd fills for IPv6 only), else the
        // registration resource itself. Links with an anchor or an absolute target do not need it.
        const codecs::Link &entry = registration.link;
        QString base = entry.attributes.value(QStringLiteral("base"));
        if (base.isEmpty())
            base = entry.attributes.value(QStringLiteral("con"));
        if (base.isEmpty()) {
            const QString source = entry.attributes.value(QStringLiteral("A"));
            if (!source.isEmpty())
                base = QStringLiteral("coap://") + source;
        }
        if (base.isEmpty())
            base = registration.id.toString();
        QString ep = entry.attributes.value(QStringLiteral("ep"));
        if (ep.isEmpty())
            ep = registration.id.pathSegments().value(registration.id.pathSegments().size() - 1);
        const QList<CoapLinkedResource> found = resourcesFromLinks(base, document.links);
        QSet<ResourceId> seen;
        for (CoapLinkedResource resource : found) {
            resource.metadata.device.set(ep, MetaSource::LinkFormat);
            if (!seen.contains(resource.id.endpoint())) {
                seen.insert(resource.id.endpoint());
                CoapLinkedResource endpoint;
                endpoint.id = resource.id.endpoint();
                endpoint.metadata.title.set(ep, MetaSource::LinkFormat);
                endpoint.metadata.device.set(ep, MetaSource::LinkFormat);
                contents.endpoints.append(endpoint);
            }
            contents.resources.append(resource);
        }
    }
    if (!contents.resources.isEmpty())
        contents.result = Result::success();
    co_return contents;
}

} // namespace thingscape
