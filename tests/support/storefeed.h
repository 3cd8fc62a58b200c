#pragma once

#include "model/resourceid.h"
#include "model/update.h"

#include <QStringList>

namespace thingscape {
class ResourceStore;
}

namespace testsupport {

// A small 3-level tree on mqtt://h:1883: site/room1/t1, site/room1/t2, site/room2/t3 and
// site/room10/t4 (room10 after room2 in natural order).
extern const QString kSite;
extern const QString kT1;
extern const QString kT2;
extern const QString kT3;
extern const QString kT4;

// The id of a URI the test knows to be valid.
thingscape::ResourceId rid(const QString &uri);
// count rounds of one update on each URI (in that order), each bytes long.
thingscape::UpdateBatch repeatedUpdates(const QStringList &uris, int count, int bytes = 6);
// The same, ingested by the store as one batch (as one hand-over of a connector would be).
void publish(thingscape::ResourceStore *store, const QStringList &uris, int count, int bytes = 6);

} // namespace testsupport
