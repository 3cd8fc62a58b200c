#pragma once

#include "model/codecs/linkformat.h"
#include "model/linkmetadata.h"
#include "model/metadata.h"
#include "model/resourceid.h"

#include <QList>

namespace thingscape {

// One resource found in a CoRE link-format document.
struct CoapLinkedResource
{
    ResourceId id;
    Metadata metadata;
    codecs::Link link;
};

// Resolves every link (anchors included) against the URI the document came from; links
// that do not name a coap/coaps resource are skipped.
QList<CoapLinkedResource> resourcesFromLinks(const QString &documentUri, const QList<codecs::Link> &links);

} // namespace thingscape
