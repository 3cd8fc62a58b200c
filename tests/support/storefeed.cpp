#include "storefeed.h"

#include "model/resourcestore.h"

namespace testsupport {

const QString kSite = QStringLiteral("mqtt://h:1883/site");
const QString kT1 = QStringLiteral("mqtt://h:1883/site/room1/t1");
const QString kT2 = QStringLiteral("mqtt://h:1883/site/room1/t2");
const QString kT3 = QStringLiteral("mqtt://h:1883/site/room2/t3");
const QString kT4 = QStringLiteral("mqtt://h:1883/site/room10/t4");

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
