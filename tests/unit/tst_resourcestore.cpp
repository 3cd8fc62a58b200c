#include "model/resourcestore.h"

#include <QSignalSpy>
#include <QTest>

using namespace thingscape;

namespace {

ResourceId rid(const QString &uri)
{
    return *ResourceId::parse(uri);
}

Update valueUpdate(const QString &uri, double v, qint64 timeMs = 0, const QByteArray &raw = {})
{
    Update u;
    u.id = rid(uri);
    Value value;
    value.timeMs = timeMs;
    value.raw = raw.isEmpty() ? QByteArray::number(v) : raw;
    value.decoded = QCborValue(v);
    u.value = value;
    return u;
}

} // namespace

class TestResourceStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void oneSignalPerBatch();
    void metadataMergesAndKeepsSources();
    void lookupByIdAndPrefix();
    void historyIsBoundedPerResource();
    void memoryBudgetDropsOldestFirst();
    void removalsAreReported();
    void outgoingMessagesOnlyReachTheStream();
    void bigBatchStaysLinear();
    void derivedValuesStayOutOfTheStream();
};

void TestResourceStore::oneSignalPerBatch()
{
    // Given an empty store
    ResourceStore store;
    QSignalSpy spy(&store, &ResourceStore::batchApplied);
    // When one batch brings three updates for two resources
    store.ingest({valueUpdate("mqtt://h/a", 1), valueUpdate("mqtt://h/b", 2), valueUpdate("mqtt://h/a", 3)});
    // Then one signal names both as added, and carries three messages
    QCOMPARE(spy.count(), 1);
    auto batch = spy.at(0).at(0).value<StoreBatch>();
    QCOMPARE(batch.added.size(), 2);
    QCOMPARE(batch.changed.size(), 0);
    QCOMPARE(batch.messages.size(), 3);
    QCOMPARE(store.find(rid("mqtt://h/a"))->value().toDouble(), 3.0);
    QCOMPARE(store.find(rid("mqtt://h/a"))->history().size(), 2);

    // When the next batch updates one of them twice, it is named once as changed
    store.ingest({valueUpdate("mqtt://h/b", 4), valueUpdate("mqtt://h/b", 5)});
    QCOMPARE(spy.count(), 2);
    batch = spy.at(1).at(0).value<StoreBatch>();
    QCOMPARE(batch.added.size(), 0);
    QCOMPARE(batch.changed.size(), 1);
    QCOMPARE(batch.changed.first()->id(), rid("mqtt://h/b"));
    QCOMPARE(store.messagesIn(), quint64(5));

    // An empty batch says nothing
    store.ingest({});
    QCOMPARE(spy.count(), 2);
}

void TestResourceStore::metadataMergesAndKeepsSources()
{
    ResourceStore store;
    Update discovered;
    discovered.id = rid("coap://h/temp");
    discovered.metadata.title.set(QStringLiteral("Temperature"), MetaSource::LinkFormat);
    discovered.metadata.resourceTypes.set({QStringLiteral("temperature-c")}, MetaSource::LinkFormat);
    discovered.metadata.observable.set(true, MetaSource::LinkFormat);
    store.ingest({discovered});

    Update senml;
    senml.id = discovered.id;
    senml.metadata.unit.set(QStringLiteral("Cel"), MetaSource::SenML);
    QSignalSpy spy(&store, &ResourceStore::batchApplied);
    store.ingest({senml});
    QCOMPARE(spy.count(), 1);

    const Resource *r = store.find(discovered.id);
    QVERIFY(r);
    QCOMPARE(*r->metadata().title, QStringLiteral("Temperature"));
    QCOMPARE(r->metadata().title.source, MetaSource::LinkFormat);
    QCOMPARE(*r->metadata().unit, QStringLiteral("Cel"));
    QCOMPARE(r->metadata().unit.source, MetaSource::SenML);
    QVERIFY(!r->hasValue());
    QCOMPARE(r->title(), QStringLiteral("Temperature"));

    // The same metadata again changes nothing, so no signal.
    store.ingest({senml});
    QCOMPARE(spy.count(), 1);
}

void TestResourceStore::lookupByIdAndPrefix()
{
    ResourceStore store;
    store.ingest({valueUpdate("mqtt://h/home/kitchen/temp", 1), valueUpdate("mqtt://h/home/hall/temp", 2),
                  valueUpdate("mqtt://other/home/x", 3), valueUpdate("coap://h/home", 4)});
    QCOMPARE(store.size(), 4);
    QVERIFY(store.find(rid("mqtt://h:1883/home/hall/temp")));
    QVERIFY(!store.find(rid("mqtt://h/home/attic/temp")));
    const auto home = store.findByPrefix(QStringLiteral("mqtt://h:1883/home/"));
    QCOMPARE(home.size(), 2);
    QCOMPARE(home.at(0)->id().toString(), QStringLiteral("mqtt://h:1883/home/hall/temp"));
    QCOMPARE(store.findByPrefix(rid("coap://h").endpointUri()).size(), 1);
    // findUnder keeps to whole segments: not a sibling with a longer name, not another port
    store.ingest({valueUpdate("mqtt://h/home/kitchenette", 5), valueUpdate("mqtt://h:18830/home/kitchen/temp", 6)});
    QCOMPARE(store.findByPrefix(QStringLiteral("mqtt://h:1883/home/kitchen")).size(), 2);
    const auto kitchen = store.findUnder(QStringLiteral("mqtt://h:1883/home/kitchen"));
    QCOMPARE(kitchen.size(), 1);
    QCOMPARE(kitchen.first()->id().toString(), QStringLiteral("mqtt://h:1883/home/kitchen/temp"));
    QCOMPARE(store.findUnder(QStringLiteral("mqtt://h:1883")).size(), 3);
    QCOMPARE(store.findUnder(QStringLiteral("mqtt://h:1883/home/kitchen/temp")).size(), 1);
    store.removeUnder(QStringLiteral("mqtt://h:18830"));
    QVERIFY(!store.find(rid("mqtt://h:18830/home/kitchen/temp")));
    QCOMPARE(store.size(), 5);
}

void TestResourceStore::historyIsBoundedPerResource()
{
    ResourceStore store;
    store.setHistoryCapacity(10);
    UpdateBatch batch;
    for (int i = 0; i < 25; ++i)
        batch.append(valueUpdate("coap://h/t", i, 1000 + i));
    store.ingest(batch);
    const Resource *r = store.find(rid("coap://h/t"));
    QCOMPARE(r->history().size(), 10);
    QCOMPARE(r->history().at(0).toDouble(), 15.0);
    QCOMPARE(r->value().toDouble(), 24.0);
    QCOMPARE(store.droppedByCapacity(), quint64(15));
    QCOMPARE(r->updateCount(), quint64(25));
    // Lowering the capacity trims at once.
    store.setHistoryCapacity(3);
    QCOMPARE(r->history().size(), 3);
    QCOMPARE(store.droppedByCapacity(), quint64(22));
}

void TestResourceStore::memoryBudgetDropsOldestFirst()
{
    ResourceStore store;
    const QByteArray payload(1000, 'x');
    store.ingest({valueUpdate("mqtt://h/old", 1, 1, payload)});
    store.ingest({valueUpdate("mqtt://h/new", 2, 2, payload)});
    const qint64 onePoint = store.historyBytes() / 2;
    QVERIFY(onePoint > 1000);
    // When the budget only holds two points and a third arrives
    store.setMemoryBudget(onePoint * 2 + onePoint / 2);
    store.ingest({valueUpdate("mqtt://h/new", 3, 3, payload)});
    // Then the store-wide oldest point is the one dropped, and counted
    QCOMPARE(store.droppedByBudget(), quint64(1));
    QCOMPARE(store.find(rid("mqtt://h/old"))->history().size(), 0);
    QCOMPARE(store.find(rid("mqtt://h/new"))->history().size(), 2);
    QVERIFY(store.historyBytes() <= store.memoryBudget());
    // The current value survives an emptied history.
    QVERIFY(store.find(rid("mqtt://h/old"))->hasValue());
    QCOMPARE(store.find(rid("mqtt://h/old"))->value().toDouble(), 1.0);
}

void TestResourceStore::removalsAreReported()
{
    ResourceStore store;
    store.ingest({valueUpdate("mqtt://h/a/1", 1), valueUpdate("mqtt://h/a/2", 1), valueUpdate("mqtt://h/b", 1)});
    QSignalSpy spy(&store, &ResourceStore::batchApplied);
    store.removeByPrefix(QStringLiteral("mqtt://h:1883/a/"));
    QCOMPARE(spy.count(), 1);
    const auto batch = spy.at(0).at(0).value<StoreBatch>();
    QCOMPARE(batch.removed.size(), 2);
    QCOMPARE(store.size(), 1);
    QVERIFY(!store.find(rid("mqtt://h/a/1")));

    // Removed and announced again later in the same batch: it stays, with only the new metadata.
    Update drop;
    drop.id = rid("mqtt://h/b");
    drop.remove = true;
    Update again;
    again.id = rid("mqtt://h/b");
    again.metadata.unit.set(QStringLiteral("W"), MetaSource::MqttConvention);
    Update titled;
    titled.id = rid("mqtt://h/b");
    titled.metadata.title.set(QStringLiteral("old"), MetaSource::MqttConvention);
    store.ingest({titled});
    store.ingest({drop, again});
    QVERIFY(store.find(rid("mqtt://h/b")));
    QCOMPARE(*store.find(rid("mqtt://h/b"))->metadata().unit, QStringLiteral("W"));
    QVERIFY(!store.find(rid("mqtt://h/b"))->metadata().title.isSet());
    QVERIFY(spy.last().at(0).value<StoreBatch>().removed.isEmpty());

    // Added and removed in one batch: neither added nor removed is reported.
    Update gone;
    gone.id = rid("mqtt://h/c");
    gone.remove = true;
    store.ingest({valueUpdate("mqtt://h/c", 1), gone});
    const auto second = spy.last().at(0).value<StoreBatch>();
    QVERIFY(second.added.isEmpty());
    QVERIFY(second.removed.isEmpty());
    QCOMPARE(store.size(), 1);
}

void TestResourceStore::outgoingMessagesOnlyReachTheStream()
{
    ResourceStore store;
    QSignalSpy spy(&store, &ResourceStore::batchApplied);
    Update out = valueUpdate("mqtt://h/cmd", 1);
    out.direction = Direction::Out;
    out.info = QStringLiteral("publish qos 1");
    store.ingest({out});
    QCOMPARE(spy.count(), 1);
    const auto batch = spy.at(0).at(0).value<StoreBatch>();
    QCOMPARE(batch.messages.size(), 1);
    QCOMPARE(batch.messages.first().direction, Direction::Out);
    QCOMPARE(batch.messages.first().info, QStringLiteral("publish qos 1"));
    QCOMPARE(store.size(), 0);
    QCOMPARE(store.messagesOut(), quint64(1));
}

void TestResourceStore::bigBatchStaysLinear()
{
    // 10,000 topics x 5 updates in one batch: all ingested, one signal, history bounded.
    ResourceStore store;
    store.setHistoryCapacity(3);
    QSignalSpy spy(&store, &ResourceStore::batchApplied);
    UpdateBatch batch;
    for (int round = 0; round < 5; ++round)
        for (int i = 0; i < 10000; ++i)
            batch.append(valueUpdate(QStringLiteral("mqtt://h/t/%1").arg(i), round));
    store.ingest(batch);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(store.size(), 10000);
    QCOMPARE(store.droppedByCapacity(), quint64(20000));
    QCOMPARE(store.find(rid("mqtt://h/t/9999"))->value().toDouble(), 4.0);
}

void TestResourceStore::derivedValuesStayOutOfTheStream()
{
    // A SenML pack is one message; the records decoded out of it update their resources only.
    ResourceStore store;
    QSignalSpy spy(&store, &ResourceStore::batchApplied);
    Update record = valueUpdate("coap://h/meter/voltage", 230);
    record.derived = true;
    store.ingest({valueUpdate("coap://h/meter", 1), record});
    const auto batch = spy.at(0).at(0).value<StoreBatch>();
    QCOMPARE(batch.messages.size(), 1);
    QCOMPARE(batch.messages.first().id, rid("coap://h/meter"));
    QCOMPARE(store.find(rid("coap://h/meter/voltage"))->value().toDouble(), 230.0);
    QCOMPARE(store.messagesIn(), quint64(1));
}

QTEST_GUILESS_MAIN(TestResourceStore)
#include "tst_resourcestore.moc"
