#include "storefeed.h"

#include "model/resourcestore.h"

namespace testsupport {

thingscape::ResourceId rid(const QString &uri)
{
    return *thingscape::ResourceId::parse(uri);
}

thingscape::UpdateBatch repeatedUpdates(const QStringList &uris, int count, int bytes)
{
    thingscape::UpdateBatch updates;
    updates.reserve(uris.size() * count);
    for (int i = 0; i < count; ++i) {
        for (const QString &uri : uris) {
            thingscape::Update u;
            u.id = rid(uri);
            thingscape::Value v;
            v.raw = QByteArray(bytes, '5');
            u.value = v;
            updates.append(u);
        }
    }
    return updates;
}

void publish(thingscape::ResourceStore *store, const QStringList &uris, int count, int bytes)
{
    store->ingest(repeatedUpdates(uris, count, bytes));
}

} // namespace testsupport
