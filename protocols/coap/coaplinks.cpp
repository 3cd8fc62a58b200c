#include "coaplinks.h"

namespace thingscape {

QList<CoapLinkedResource> resourcesFromLinks(const QString &documentUri, const QList<codecs::Link> &links)
{
    QList<CoapLinkedResource> resources;
    for (const codecs::Link &link : links) {
        const QString target = codecs::resolveLinkTarget(documentUri, link);
        const std::optional<ResourceId> id = ResourceId::parse(target);
        if (!id || id->protocol() != Protocol::Coap)
            continue;
        resources.append({*id, metadataFromLink(link), link});
    }
    return resources;
}

} // namespace thingscape
