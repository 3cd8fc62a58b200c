#pragma once

#include "model/codecs/linkformat.h"
#include "model/metadata.h"

namespace thingscape {

// The one mapping from a CoRE link (RFC 6690) to Metadata, for every protocol that serves
// link-format (CoAP /.well-known/core, resource directories, HTTP link documents): rt, if
// (with core.s / core.rp read-only and core.a / core.p / core.rw writable), ct (the first as
// the content format, a list in extra["ct"]), obs, sz, title (title* preferred), rel, and
// the extension attributes in extra; all marked MetaSource::LinkFormat.
Metadata metadataFromLink(const codecs::Link &link);

} // namespace thingscape
