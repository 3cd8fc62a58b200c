#pragma once

#include "model/resourceid.h"
#include "model/update.h"

#include <QStringList>

namespace thingscape {
class ResourceStore;
}

namespace testsupport {

// The id of a URI the test knows to be valid.
thingscape::ResourceId rid(const QString &uri);
// count rounds of one update on each URI (in that order), each bytes long.
thingscape::UpdateBatch repeatedUpdates(const QStringList &uris, int count, int bytes = 6);
// The same, ingested by the store as one batch (as one hand-over of a connector would be).
void publish(thingscape::ResourceStore *store, const QStringList &uris, int count, int bytes = 6);

} // namespace testsupport
