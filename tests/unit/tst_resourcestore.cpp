#include "model/codecs/codecs.h"
#include "model/eventsubscription.h"
#include "model/resourcestore.h"
#include "model/resourcestoreslots.h"
#include "model/streammodel.h"

#include <QAbstractItemModelTester>
#include <QMutex>
#include <QMutexLocker>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <QRandomGenerator>
#include <QSet>

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
    void valueEventsKeepArrivalOrderAndCause();
    void derivedValuesAreEventsToo();
    void subscriptionQueueIsBoundedAndCountsOverflow();
    void eventsReachAnotherThreadByValue();
    void removingManyInOneBatch();
    void removeByPrefixAndUnderTakeExactlyTheirOwn();
    void historyStorageOnlyBeyondTheCurrentValue();
    void metadataIsSharedAndCopiedOnWrite();
    void memoryAccountingFollowsResources();
    void budgetDropsTheCurrentPointButKeepsTheValue();
    void currentValuesAloneOverTheBudgetAreKept();
    void decodedFormsAreChargedWhenMade();
    void recordsAreCompact();
    void removedSlotsGoToNewResources();
    void budgetSkipsPointsOfARemovedResource();
    void emptiedBlocksAreGivenBack();
    void slotsHoldNoEmptiedBlock();
    void churnAgreesWithAReference();
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
    discovered.metadata.edit().title.set(QStringLiteral("Temperature"), MetaSource::LinkFormat);
    discovered.metadata.edit().resourceTypes.set({QStringLiteral("temperature-c")}, MetaSource::LinkFormat);
    discovered.metadata.edit().observable.set(true, MetaSource::LinkFormat);
    store.ingest({discovered});

    Update senml;
    senml.id = discovered.id;
    senml.metadata.edit().unit.set(QStringLiteral("Cel"), MetaSource::SenML);
    QSignalSpy spy(&store, &ResourceStore::batchApplied);
    store.ingest({senml});
    QCOMPARE(spy.count(), 1);

    const Resource *r = store.find(discovered.id);
    QVERIFY(r);
    QCOMPARE(*r->metadata().title, QStringLiteral("Temperature"));
    QCOMPARE(r->metadata().title.source, MetaSource::LinkFormat);
    QCOMPARE(*r->metadata().unit, QStringLiteral("°C"));
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
    // Three payloads of their own (one buffer shared by several points is counted once)
    store.ingest({valueUpdate("mqtt://h/old", 1, 1, QByteArray(1000, 'a'))});
    store.ingest({valueUpdate("mqtt://h/new", 2, 2, QByteArray(1000, 'b'))});
    const qint64 onePoint = store.historyBytes() / 2;
    QVERIFY(onePoint > 1000);
    // When the budget only holds two points and a third arrives
    store.setMemoryBudget(onePoint * 2 + onePoint / 2);
    store.ingest({valueUpdate("mqtt://h/new", 3, 3, QByteArray(1000, 'c'))});
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
    again.metadata.edit().unit.set(QStringLiteral("W"), MetaSource::MqttConvention);
    Update titled;
    titled.id = rid("mqtt://h/b");
    titled.metadata.edit().title.set(QStringLiteral("old"), MetaSource::MqttConvention);
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
    // The record was updated once and received no message; the pack got one of each.
    QCOMPARE(store.find(rid("coap://h/meter/voltage"))->updateCount(), quint64(1));
    QCOMPARE(store.find(rid("coap://h/meter/voltage"))->messageCount(), quint64(0));
    QCOMPARE(store.find(rid("coap://h/meter"))->updateCount(), quint64(1));
    QCOMPARE(store.find(rid("coap://h/meter"))->messageCount(), quint64(1));
}

void TestResourceStore::valueEventsKeepArrivalOrderAndCause()
{
    // Given a store and a listener on its value events
    ResourceStore store;
    QSignalSpy events(&store, &ResourceStore::valueEvents);
    QSignalSpy batches(&store, &ResourceStore::batchApplied);
    // When an endpoint's batch brings a, b, a again, a rule's value and a user's write
    Update fromRule = valueUpdate("mqtt://h/c", 7);
    fromRule.cause = Cause::rule(QStringLiteral("r1"), 2);
    Update write = valueUpdate("mqtt://h/b", 9);
    write.direction = Direction::Out;
    write.cause = Cause::user();
    write.info = QStringLiteral("publish qos 0");
    store.ingestFrom(Cause::endpoint(QStringLiteral("broker")),
                     {valueUpdate("mqtt://h/a", 1, 100), valueUpdate("mqtt://h/b", 2, 101), valueUpdate("mqtt://h/a", 3, 102),
                      fromRule, write});
    // Then one signal carries all five, in arrival order, each with its cause, by value
    QCOMPARE(batches.count(), 1);
    QCOMPARE(events.count(), 1);
    const auto list = events.at(0).at(0).value<ValueEvents>();
    QCOMPARE(list.size(), 5);
    const QStringList ids = {"mqtt://h/a", "mqtt://h/b", "mqtt://h/a", "mqtt://h/c", "mqtt://h/b"};
    const QList<double> values = {1, 2, 3, 7, 9};
    for (int i = 0; i < list.size(); ++i) {
        QCOMPARE(list.at(i).id, rid(ids.at(i)));
        QCOMPARE(list.at(i).value.toDouble(), values.at(i));
        QCOMPARE(list.at(i).seq, quint64(i + 1));
    }
    QCOMPARE(list.at(0).value.timeMs, qint64(100));
    QCOMPARE(list.at(0).value.raw, QByteArray("1"));
    QCOMPARE(list.at(0).cause, Cause::endpoint(QStringLiteral("broker")));
    QCOMPARE(list.at(2).cause.kind, CauseKind::Endpoint);
    QCOMPARE(list.at(3).cause, Cause::rule(QStringLiteral("r1"), 2));
    QCOMPARE(list.at(3).cause.toString(), QStringLiteral("rule r1 (depth 2)"));
    QCOMPARE(list.at(4).direction, Direction::Out);
    QCOMPARE(list.at(4).cause.kind, CauseKind::User);
    QCOMPARE(list.at(4).info, QStringLiteral("publish qos 0"));
    QVERIFY(list.at(4).value.timeMs > 0);
    // And the next batch goes on counting
    store.ingest({valueUpdate("mqtt://h/a", 4)});
    QCOMPARE(events.count(), 2);
    const auto next = events.at(1).at(0).value<ValueEvents>();
    QCOMPARE(next.size(), 1);
    QCOMPARE(next.first().seq, quint64(6));
    QCOMPARE(next.first().cause.kind, CauseKind::Unknown);
    QCOMPARE(store.valueEventCount(), quint64(6));
    // A batch with no value change (metadata only) brings no events
    Update titled;
    titled.id = rid("mqtt://h/a");
    titled.metadata.edit().title.set(QStringLiteral("A"), MetaSource::Protocol);
    store.ingest({titled});
    QCOMPARE(events.count(), 2);
}

void TestResourceStore::derivedValuesAreEventsToo()
{
    // A SenML pack and the record decoded out of it: two events, the record flagged derived.
    ResourceStore store;
    QSignalSpy events(&store, &ResourceStore::valueEvents);
    Update record = valueUpdate("coap://h/meter/voltage", 230);
    record.derived = true;
    store.ingestFrom(Cause::endpoint(QStringLiteral("dev")), {valueUpdate("coap://h/meter", 1), record});
    const auto list = events.at(0).at(0).value<ValueEvents>();
    QCOMPARE(list.size(), 2);
    QVERIFY(!list.at(0).derived);
    QVERIFY(list.at(1).derived);
    QCOMPARE(list.at(1).id, rid("coap://h/meter/voltage"));
    QCOMPARE(list.at(1).value.toDouble(), 230.0);
    QCOMPARE(list.at(1).cause, Cause::endpoint(QStringLiteral("dev")));
}

void TestResourceStore::subscriptionQueueIsBoundedAndCountsOverflow()
{
    // Given a subscriber that keeps at most 3 events and takes none yet
    ResourceStore store;
    std::shared_ptr<EventSubscription> slow = store.subscribe(QStringLiteral("recorder"), 3);
    QSignalSpy woken(slow.get(), &EventSubscription::eventsAvailable);
    // When 5 value changes arrive in two batches
    store.ingest({valueUpdate("mqtt://h/a", 1), valueUpdate("mqtt://h/a", 2)});
    store.ingest({valueUpdate("mqtt://h/a", 3), valueUpdate("mqtt://h/b", 4), valueUpdate("mqtt://h/a", 5)});
    // Then it holds the newest 3, and the 2 that did not fit are counted and visible
    QCOMPARE(slow->queued(), 3);
    QCOMPARE(slow->dropped(), quint64(2));
    QCOMPARE(slow->received(), quint64(5));
    const QList<SubscriptionInfo> infos = store.subscriptions();
    QCOMPARE(infos.size(), 1);
    QCOMPARE(infos.first().name, QStringLiteral("recorder"));
    QCOMPARE(infos.first().capacity, 3);
    QCOMPARE(infos.first().queued, 3);
    QCOMPARE(infos.first().dropped, quint64(2));
    // And one wake-up was queued, not one per event
    QTRY_COMPARE(woken.count(), 1);
    const std::optional<ValueEvent> first = slow->take();
    QVERIFY(first);
    QCOMPARE(first->seq, quint64(3)); // the gap says what was lost
    QCOMPARE(first->value.toDouble(), 3.0);
    const ValueEvents rest = slow->drain();
    QCOMPARE(rest.size(), 2);
    QCOMPARE(rest.at(1).seq, quint64(5));
    QVERIFY(!slow->take());
    // A batch bigger than the whole queue keeps its newest events
    UpdateBatch flood;
    for (int i = 0; i < 10; ++i)
        flood.append(valueUpdate("mqtt://h/f", i));
    store.ingest(flood);
    QCOMPARE(slow->queued(), 3);
    QCOMPARE(slow->dropped(), quint64(9));
    QCOMPARE(slow->drain().last().value.toDouble(), 9.0);
    QTRY_COMPARE(woken.count(), 2);
    // A second subscriber is independent; dropping a subscription ends it
    std::shared_ptr<EventSubscription> other = store.subscribe(QStringLiteral("rules"), 100);
    store.ingest({valueUpdate("mqtt://h/a", 6)});
    QCOMPARE(other->queued(), 1);
    QCOMPARE(other->dropped(), quint64(0));
    slow.reset();
    const QList<SubscriptionInfo> left = store.subscriptions();
    QCOMPARE(left.size(), 1);
    QCOMPARE(left.first().name, QStringLiteral("rules"));
}

void TestResourceStore::eventsReachAnotherThreadByValue()
{
    // Given a consumer on its own thread that subscribed there
    ResourceStore store;
    QThread consumerThread;
    consumerThread.start();
    QObject consumer;
    consumer.moveToThread(&consumerThread);
    QMutex mutex;
    ValueEvents received;
    QList<QThread *> wokenOn;
    std::shared_ptr<EventSubscription> subscription;
    QMetaObject::invokeMethod(
        &consumer,
        [&] {
            subscription = store.subscribe(QStringLiteral("consumer"), 10000);
            EventSubscription *raw = subscription.get();
            QObject::connect(raw, &EventSubscription::eventsAvailable, &consumer, [&, raw] {
                const ValueEvents events = raw->drain();
                QMutexLocker lock(&mutex);
                received += events;
                wokenOn.append(QThread::currentThread());
            });
        },
        Qt::BlockingQueuedConnection);
    QCOMPARE(subscription->thread(), &consumerThread);
    // When the GUI thread ingests 1,000 changes in 10 batches, then removes the resources
    for (int batch = 0; batch < 10; ++batch) {
        UpdateBatch updates;
        for (int i = 0; i < 100; ++i)
            updates.append(valueUpdate(QStringLiteral("mqtt://h/t/%1").arg(i % 7), batch * 100 + i));
        store.ingestFrom(Cause::endpoint(QStringLiteral("e")), updates);
    }
    store.clear();
    QCOMPARE(store.size(), 0);
    // Then the consumer gets every one of them, in order, on its own thread, with their data
    QTRY_VERIFY_WITH_TIMEOUT([&] { QMutexLocker lock(&mutex); return received.size() == 1000; }(), 30000);
    {
        QMutexLocker lock(&mutex);
        for (int i = 0; i < 1000; ++i) {
            QCOMPARE(received.at(i).seq, quint64(i + 1));
            QCOMPARE(received.at(i).value.toDouble(), double(i));
            QCOMPARE(received.at(i).value.raw, QByteArray::number(i));
            QCOMPARE(received.at(i).id, rid(QStringLiteral("mqtt://h/t/%1").arg(i % 100 % 7)));
        }
        QVERIFY(!wokenOn.isEmpty());
        for (QThread *thread : std::as_const(wokenOn))
            QCOMPARE(thread, &consumerThread);
    }
    QCOMPARE(subscription->dropped(), quint64(0));
    // Dropped from the GUI thread, the subscription is deleted on its own
    subscription.reset();
    QTRY_VERIFY(store.subscriptions().isEmpty());
    consumerThread.quit();
    consumerThread.wait();
}

void TestResourceStore::removingManyInOneBatch()
{
    // Given 20,000 resources
    ResourceStore store;
    UpdateBatch initial;
    for (int i = 0; i < 20000; ++i)
        initial.append(valueUpdate(QStringLiteral("mqtt://h/old/%1").arg(i), i));
    store.ingest(initial);
    QSignalSpy spy(&store, &ResourceStore::batchApplied);
    // When one batch adds 1,000 new ones, removes 500 of those, 10,000 old ones (some twice),
    // changes 100 old ones that it then removes, and takes 10 old removals back
    UpdateBatch batch;
    for (int i = 0; i < 1000; ++i)
        batch.append(valueUpdate(QStringLiteral("mqtt://h/new/%1").arg(i), i));
    for (int i = 0; i < 100; ++i)
        batch.append(valueUpdate(QStringLiteral("mqtt://h/old/%1").arg(i), -1));
    for (int i = 0; i < 10000; ++i) {
        Update removal;
        removal.id = rid(QStringLiteral("mqtt://h/old/%1").arg(i));
        removal.remove = true;
        batch.append(removal);
        if (i % 1000 == 0)
            batch.append(removal);
    }
    for (int i = 0; i < 500; ++i) {
        Update removal;
        removal.id = rid(QStringLiteral("mqtt://h/new/%1").arg(i * 2));
        removal.remove = true;
        batch.append(removal);
    }
    for (int i = 0; i < 10; ++i)
        batch.append(valueUpdate(QStringLiteral("mqtt://h/old/%1").arg(5000 + i), 42));
    store.ingest(batch);
    // Then the store and the batch signal agree on exactly what is left
    QCOMPARE(spy.count(), 1);
    const auto applied = spy.at(0).at(0).value<StoreBatch>();
    QCOMPARE(store.size(), 20000 + 1000 - 500 - 10000 + 10);
    QCOMPARE(applied.removed.size(), 10000 - 10);
    QCOMPARE(applied.added.size(), 500);
    for (const Resource *added : applied.added)
        QVERIFY(added->id().toString().startsWith(rid("mqtt://h/new").toString()));
    QCOMPARE(applied.changed.size(), 10); // the 100 changed ones are gone; the 10 taken back stay
    QVERIFY(!store.find(rid("mqtt://h/old/0")));
    QVERIFY(!store.find(rid("mqtt://h/new/0")));
    QVERIFY(store.find(rid("mqtt://h/new/1")));
    QCOMPARE(store.find(rid("mqtt://h/old/5003"))->value().toDouble(), 42.0);
    QVERIFY(store.find(rid("mqtt://h/old/10000")));
}

void TestResourceStore::removeByPrefixAndUnderTakeExactlyTheirOwn()
{
    ResourceStore store;
    UpdateBatch initial;
    for (int i = 0; i < 5000; ++i) {
        initial.append(valueUpdate(QStringLiteral("mqtt://h/a/%1").arg(i), i));
        initial.append(valueUpdate(QStringLiteral("mqtt://h/ab/%1").arg(i), i));
        initial.append(valueUpdate(QStringLiteral("mqtt://h:18830/a/%1").arg(i), i));
    }
    store.ingest(initial);
    QSignalSpy spy(&store, &ResourceStore::batchApplied);
    store.removeUnder(rid("mqtt://h/a").toString());
    QCOMPARE(store.size(), 10000);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).value<StoreBatch>().removed.size(), 5000);
    QVERIFY(store.find(rid("mqtt://h/ab/1")));
    store.removeByPrefix(rid("mqtt://h/x").endpointUri() + QLatin1Char('/'));
    QCOMPARE(store.size(), 5000);
    QVERIFY(store.find(rid("mqtt://h:18830/a/1")));
    QList<ResourceId> ids;
    for (int i = 0; i < 5000; i += 2)
        ids.append(rid(QStringLiteral("mqtt://h:18830/a/%1").arg(i)));
    ids.append(ids.first()); // twice: removed once
    store.remove(ids);
    QCOMPARE(store.size(), 2500);
    QCOMPARE(spy.last().at(0).value<StoreBatch>().removed.size(), 2500);
    // Values keep flowing afterwards
    store.ingest({valueUpdate("mqtt://h:18830/a/1", 99)});
    QCOMPARE(store.find(rid("mqtt://h:18830/a/1"))->value().toDouble(), 99.0);
}

void TestResourceStore::historyStorageOnlyBeyondTheCurrentValue()
{
    // Given a resource with one value
    ResourceStore store;
    store.ingest({valueUpdate("mqtt://h/t", 1, 100)});
    const Resource *r = store.find(rid("mqtt://h/t"));
    // Then its history is that value, without storage of its own
    QCOMPARE(r->history().size(), 1);
    QVERIFY(!r->history().hasOlderStorage());
    QCOMPARE(r->history().last().toDouble(), 1.0);
    QCOMPARE(r->history().at(0).timeMs, qint64(100));
    // When a second and third value arrive
    store.ingest({valueUpdate("mqtt://h/t", 2, 200), valueUpdate("mqtt://h/t", 3, 300)});
    // Then the older ones get storage, oldest first, the newest is the current value
    QVERIFY(r->history().hasOlderStorage());
    QCOMPARE(r->history().size(), 3);
    QCOMPARE(r->history().at(0).toDouble(), 1.0);
    QCOMPARE(r->history().at(1).toDouble(), 2.0);
    QCOMPARE(r->history().at(2).toDouble(), 3.0);
    QCOMPARE(r->history().oldest().value.timeMs, qint64(100));
    QCOMPARE(r->value().toDouble(), 3.0);
    // When the capacity drops to one, the storage goes again
    store.setHistoryCapacity(1);
    QCOMPARE(r->history().size(), 1);
    QVERIFY(!r->history().hasOlderStorage());
    QCOMPARE(r->history().last().toDouble(), 3.0);
    QCOMPARE(store.droppedByCapacity(), quint64(2));
    QCOMPARE(store.historyBytes(), History::pointCost(r->value()));
}

void TestResourceStore::metadataIsSharedAndCopiedOnWrite()
{
    // Given two topics announced alike (as the MQTT connector announces every new topic)
    ResourceStore store;
    UpdateBatch batch;
    for (const char *uri : {"mqtt://h/a", "mqtt://h/b"}) {
        Update update = valueUpdate(QString::fromLatin1(uri), 1);
        update.metadata.edit().retained.set(true, MetaSource::Protocol);
        update.metadata.edit().observable.set(true, MetaSource::Protocol);
        batch.append(update);
    }
    store.ingest(batch);
    const Resource *a = store.find(rid("mqtt://h/a"));
    const Resource *b = store.find(rid("mqtt://h/b"));
    // Then they share one metadata object
    QVERIFY(a->sharesMetadataWith(*b));
    QVERIFY(a->metadata().retained.isSet() && *a->metadata().retained);
    // When one of them learns a unit
    Update unit;
    unit.id = rid("mqtt://h/b");
    unit.metadata.edit().unit.set(QStringLiteral("W"), MetaSource::MqttConvention);
    QSignalSpy spy(&store, &ResourceStore::batchApplied);
    store.ingest({unit});
    // Then only that one changes, and is reported changed
    QVERIFY(!a->sharesMetadataWith(*b));
    QCOMPARE(*b->metadata().unit, QStringLiteral("W"));
    QVERIFY(!a->metadata().unit.isSet());
    QVERIFY(*b->metadata().retained);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).value<StoreBatch>().changed.size(), 1);
    // And the same metadata again changes nothing
    spy.clear();
    store.ingest({unit});
    QCOMPARE(spy.count(), 0);
}

void TestResourceStore::memoryAccountingFollowsResources()
{
    // Given an empty store
    ResourceStore store;
    const qint64 empty = store.memoryBytes();
    // When a thousand resources arrive
    UpdateBatch batch;
    for (int i = 0; i < 1000; ++i)
        batch.append(valueUpdate(QStringLiteral("mqtt://h/site/dev%1/metric").arg(i), i));
    store.ingest(batch);
    // Then the store counts each one's record, id and value, beyond its history
    const qint64 full = store.memoryBytes();
    QVERIFY(full - empty >= 1000 * qint64(sizeof(Resource)));
    QVERIFY(full >= store.keptBytes() + empty);
    QCOMPARE(store.keptBytes(), store.historyBytes()); // no stream attached: the budget covers the history
    // When they go again, so does what was counted
    store.removeUnder(QStringLiteral("mqtt://h:1883/site"));
    QCOMPARE(store.size(), 0);
    QCOMPARE(store.historyBytes(), qint64(0));
    QCOMPARE(store.keptBytes(), qint64(0));
    QVERIFY(store.memoryBytes() - empty < 4096);
}

void TestResourceStore::budgetDropsTheCurrentPointButKeepsTheValue()
{
    // Given a large payload over the ledger's threshold
    ResourceStore store;
    const QByteArray payload(64 * 1024, 'p');
    store.ingest({valueUpdate("mqtt://h/big", 1, 10, payload)});
    QCOMPARE(store.payloadLedger().distinct(), 1);
    QVERIFY(store.keptBytes() >= payload.size());
    const qint64 before = store.memoryBytes();
    // When the budget is below it
    store.setMemoryBudget(1000);
    // Then the history lets it go (counted) but the value stays, and is still counted as memory
    const Resource *r = store.find(rid("mqtt://h/big"));
    QCOMPARE(r->history().size(), 0);
    QCOMPARE(store.droppedByBudget(), quint64(1));
    QCOMPARE(r->value().raw, payload);
    QCOMPARE(store.keptBytes(), qint64(0));
    QCOMPARE(store.payloadLedger().distinct(), 0);
    QVERIFY(store.memoryBytes() >= before - 64);
    // When the next value comes, it replaces the current one, which is no longer counted
    store.setMemoryBudget(ResourceStore::kDefaultMemoryBudget);
    store.ingest({valueUpdate("mqtt://h/big", 2, 20)});
    QCOMPARE(r->history().size(), 1);
    QVERIFY(!r->history().hasOlderStorage());
    QVERIFY(store.memoryBytes() < before - payload.size() / 2);
}

void TestResourceStore::currentValuesAloneOverTheBudgetAreKept()
{
    // Given a small budget, with the message stream on the store (as 1M topics' current values
    // alone are over the default budget)
    ResourceStore store;
    StreamModel stream(&store);
    QAbstractItemModelTester tester(&stream, QAbstractItemModelTester::FailureReportingMode::Fatal);
    constexpr qint64 kBudget = 192 * 1024;
    store.setMemoryBudget(kBudget);
    // When 200 resources get a 2 KiB value each (400 KiB of current values), in one batch
    constexpr int kCount = 200;
    auto payloadOf = [](int i, int version) {
        return QByteArray(2048, char('a' + i % 26)) + QByteArray::number(i) + '/' + QByteArray::number(version);
    };
    auto uri = [](int i) { return QStringLiteral("mqtt://h/t/%1").arg(i); };
    UpdateBatch batch;
    for (int i = 0; i < kCount; ++i)
        batch.append(valueUpdate(uri(i), i, 1000 + i, payloadOf(i, 0)));
    store.ingest(batch);
    // Then every current value is still there, whole, and counted as memory
    QCOMPARE(store.size(), qsizetype(kCount));
    for (int i = 0; i < kCount; ++i) {
        const Resource *r = store.find(rid(uri(i)));
        QVERIFY(r);
        QCOMPARE(r->value().raw, payloadOf(i, 0));
    }
    QVERIFY(store.memoryBytes() >= kCount * 2048);
    // And the oldest history points and stream payloads went for the budget, counted; the
    // stream keeps every row, the newest whole
    QVERIFY(store.keptBytes() <= kBudget);
    QCOMPARE(stream.rowCount(), kCount);
    QVERIFY2(store.droppedByBudget() >= quint64(kCount / 2), qPrintable(QString::number(store.droppedByBudget())));
    QVERIFY2(stream.payloadsDropped() >= quint64(kCount / 2), qPrintable(QString::number(stream.payloadsDropped())));
    QCOMPARE(store.payloadsDroppedByBudget(), stream.payloadsDropped());
    QCOMPARE(stream.message(0).raw, QByteArray());
    QCOMPARE(stream.message(kCount - 1).raw, payloadOf(kCount - 1, 0));
    // When one more update comes
    quint64 pointsBefore = store.droppedByBudget();
    quint64 payloadsBefore = stream.payloadsDropped();
    store.ingest({valueUpdate(uri(0), 0, 5000, payloadOf(0, 1))});
    // Then it only makes room for itself: a few of the oldest go, no current value
    quint64 drops = store.droppedByBudget() - pointsBefore + stream.payloadsDropped() - payloadsBefore;
    QVERIFY2(drops >= 1 && drops <= 4, qPrintable(QString::number(drops)));
    QVERIFY(store.keptBytes() <= kBudget);
    QCOMPARE(store.find(rid(uri(0)))->value().raw, payloadOf(0, 1));
    for (int i = 1; i < kCount; ++i)
        QCOMPARE(store.find(rid(uri(i)))->value().raw, payloadOf(i, 0));
    QCOMPARE(stream.rowCount(), kCount + 1);
    QCOMPARE(stream.message(kCount).raw, payloadOf(0, 1));

    // When the budget is smaller than even the stream's rows without payloads (summaries, sizes)
    store.setMemoryBudget(1024);
    // Then every point and payload that may go has gone; the values and rows stay
    QCOMPARE(store.historyBytes(), qint64(0));
    QCOMPARE(stream.payloadsDropped(), quint64(kCount + 1));
    QCOMPARE(stream.rowCount(), kCount + 1);
    for (int i = 0; i < kCount; ++i)
        QCOMPARE(store.find(rid(uri(i)))->value().raw, payloadOf(i, i == 0 ? 1 : 0));
    // When a further update comes, it drops only its own point and payload (no loop over the rest)
    pointsBefore = store.droppedByBudget();
    payloadsBefore = stream.payloadsDropped();
    store.ingest({valueUpdate(uri(7), 7, 6000, payloadOf(7, 1))});
    QCOMPARE(store.droppedByBudget() - pointsBefore, quint64(1));
    QCOMPARE(stream.payloadsDropped() - payloadsBefore, quint64(1));
    QCOMPARE(store.find(rid(uri(7)))->value().raw, payloadOf(7, 1));
    QCOMPARE(store.find(rid(uri(8)))->value().raw, payloadOf(8, 0));
    QCOMPARE(stream.message(kCount + 1).droppedBytes, qsizetype(payloadOf(7, 1).size()));
}

void TestResourceStore::decodedFormsAreChargedWhenMade()
{
    // A waiting decoding is one small block, whatever the payload (a million JSON values each hold one)
    QVERIFY(detail::pendingDecodeBytes() <= 128);
    // Given a store with three JSON values, none read yet, and one read before the store took it
    ResourceStore store;
    const QByteArray json = R"({"t":21.5,"status":"ok","list":[1,2,3],"nested":{"a":"b\u00fcc"}})";
    UpdateBatch batch;
    for (int i = 0; i < 3; ++i) {
        Update update;
        update.id = rid(QStringLiteral("mqtt://h/json%1").arg(i));
        update.value = codecs::decode(json, ContentFormat::Unknown, {}, 100 + i);
        batch.append(update);
    }
    Update early;
    early.id = rid(QStringLiteral("mqtt://h/early"));
    early.value = codecs::decode(json, ContentFormat::Unknown, {}, 100);
    QCOMPARE(early.value->decoded.toMap().size(), 4); // read on the way (a convention's discovery does)
    batch.append(early);
    store.ingest(batch);
    batch.clear(); // the store's copies are the only ones left
    early = Update();
    // Then only the one already decoded is charged, at once, and it counts in the budget
    const qint64 one = store.decodedBytes();
    QVERIFY(one > 0);
    QCOMPARE(store.keptBytes(), store.historyBytes() + one);
    const qint64 memory = store.memoryBytes();
    // When a value is read (on another thread, as the rules do)
    const Resource *first = store.find(rid(QStringLiteral("mqtt://h/json0")));
    QVERIFY(first->value().isPending());
    QThread *reader = QThread::create([first] { (void)first->value().decoded.toMap(); });
    reader->start();
    QVERIFY(reader->wait(60000));
    delete reader;
    // Then its decoded form is charged as well, once however often it is read
    QCOMPARE(store.decodedBytes(), 2 * one);
    QCOMPARE(store.find(rid(QStringLiteral("mqtt://h/json0")))->value().decoded.toMap().size(), 4);
    QCOMPARE(store.decodedBytes(), 2 * one);
    QCOMPARE(store.memoryBytes(), memory + one);
    // When a read value is replaced by a new one, its decoded form goes with it
    Update next;
    next.id = rid(QStringLiteral("mqtt://h/json0"));
    next.value = codecs::decode("22.5", ContentFormat::Unknown, {}, 200);
    store.setHistoryCapacity(1);
    store.ingest({next});
    QCOMPARE(store.decodedBytes(), one);
    // And when the resources go, nothing stays charged
    store.clear();
    QCOMPARE(store.decodedBytes(), qint64(0));
    QCOMPARE(store.keptBytes(), qint64(0));
}

void TestResourceStore::recordsAreCompact()
{
    // The state and key sit in the history's tail padding; a record has no heap block of its own
    QVERIFY2(sizeof(Resource) <= 168, QByteArray::number(qulonglong(sizeof(Resource))).constData());
}

void TestResourceStore::removedSlotsGoToNewResources()
{
    // Given three resources, one of them held by a reader
    ResourceStore store;
    store.ingest({valueUpdate("mqtt://h/a", 1), valueUpdate("mqtt://h/b", 2), valueUpdate("mqtt://h/c", 3)});
    const Resource *c = store.find(rid("mqtt://h/c"));
    const quint32 bKey = store.find(rid("mqtt://h/b"))->key();
    // When the middle one goes and a new one comes
    store.remove({rid("mqtt://h/b")});
    QVERIFY(!store.find(rid("mqtt://h/b")));
    store.ingest({valueUpdate("mqtt://h/d", 4)});
    // Then the new one takes the free slot, and the others did not move or change
    const Resource *d = store.find(rid("mqtt://h/d"));
    QVERIFY(d);
    QCOMPARE(d->key(), bKey);
    QCOMPARE(d->value().toDouble(), 4.0);
    QCOMPARE(d->updateCount(), quint64(1));
    QVERIFY(!d->metadata().title.isSet());
    QCOMPARE(store.find(rid("mqtt://h/c")), c);
    QCOMPARE(c->value().toDouble(), 3.0);
    QVERIFY(!store.find(rid("mqtt://h/b")));
    // And every listing names each live resource once, by key
    const QList<const Resource *> all = store.resources();
    QCOMPARE(all.size(), 3);
    QSet<QString> uris;
    for (qsizetype i = 0; i < all.size(); ++i) {
        uris.insert(all.at(i)->id().uri());
        if (i > 0)
            QVERIFY(all.at(i - 1)->key() < all.at(i)->key());
    }
    QCOMPARE(uris, (QSet<QString>{QStringLiteral("mqtt://h:1883/a"), QStringLiteral("mqtt://h:1883/c"),
                                  QStringLiteral("mqtt://h:1883/d")}));
}

void TestResourceStore::budgetSkipsPointsOfARemovedResource()
{
    // Given a resource with three points, removed, whose slot a new resource then takes
    ResourceStore store;
    // (payloads of their own: one buffer shared by several points is counted once)
    const auto kb = [](int n) { return QByteArray(1000, char('a' + n)); };
    store.ingest({valueUpdate("mqtt://h/gone", 1, 1, kb(1)), valueUpdate("mqtt://h/gone", 2, 2, kb(2)),
                  valueUpdate("mqtt://h/gone", 3, 3, kb(3))});
    store.ingest({valueUpdate("mqtt://h/old", 4, 4, kb(4))});
    const quint32 goneKey = store.find(rid("mqtt://h/gone"))->key();
    store.remove({rid("mqtt://h/gone")});
    store.ingest({valueUpdate("mqtt://h/new", 5, 5, kb(5)), valueUpdate("mqtt://h/new", 6, 6, kb(6))});
    const Resource *fresh = store.find(rid("mqtt://h/new"));
    QCOMPARE(fresh->key(), goneKey);
    const Resource *old = store.find(rid("mqtt://h/old"));
    // When the budget holds only two of the three points left
    const qint64 onePoint = store.historyBytes() / 3;
    store.setMemoryBudget(onePoint * 2 + onePoint / 2);
    // Then the oldest point still held goes (old's), not one of the new resource's for the
    // removed one's older entries in the budget's queue
    QCOMPARE(store.droppedByBudget(), quint64(1));
    QCOMPARE(old->history().size(), 0);
    QCOMPARE(fresh->history().size(), 2);
    QCOMPARE(fresh->history().at(0).toDouble(), 5.0);
    // When the budget holds one: the new resource's older point goes
    store.setMemoryBudget(onePoint + onePoint / 2);
    QCOMPARE(store.droppedByBudget(), quint64(2));
    QCOMPARE(fresh->history().size(), 1);
    QCOMPARE(fresh->history().at(0).toDouble(), 6.0);
}

void TestResourceStore::emptiedBlocksAreGivenBack()
{
    // Given five blocks of records
    constexpr int kBlock = int(ResourceStoreSlots::kPerBlock);
    ResourceStore store;
    const qint64 empty = store.memoryBytes();
    UpdateBatch batch;
    for (int i = 0; i < 5 * kBlock; ++i)
        batch.append(valueUpdate(QStringLiteral("mqtt://h/t/%1").arg(i), i));
    store.ingest(batch);
    const qint64 full = store.memoryBytes();
    // When every record of the first three blocks goes, and every other one of the rest
    QList<ResourceId> doomed;
    for (int i = 0; i < 5 * kBlock; ++i) {
        if (i < 3 * kBlock || i % 2 == 0)
            doomed.append(rid(QStringLiteral("mqtt://h/t/%1").arg(i)));
    }
    store.remove(doomed);
    // Then the three emptied blocks are given back: what is left is counted with the free slots
    // of the half-empty blocks, and the records removed from those are still counted
    QCOMPARE(store.size(), qsizetype(kBlock));
    const qint64 half = store.memoryBytes();
    QVERIFY2(full - half >= 3 * kBlock * qint64(sizeof(Resource)), qPrintable(QString::number(full - half)));
    QVERIFY(half - empty >= 2 * kBlock * qint64(sizeof(Resource)));
    for (int i = 3 * kBlock + 1; i < 5 * kBlock; i += 2)
        QCOMPARE(store.find(rid(QStringLiteral("mqtt://h/t/%1").arg(i)))->value().toDouble(), double(i));
    // When new resources come, they fill the free slots before any new block
    batch.clear();
    for (int i = 0; i < kBlock; ++i)
        batch.append(valueUpdate(QStringLiteral("mqtt://h/n/%1").arg(i), i));
    store.ingest(batch);
    QCOMPARE(store.size(), qsizetype(2 * kBlock));
    for (const Resource *resource : store.resources())
        QVERIFY(resource->key() <= quint32(5 * kBlock));
    // And when all go, nothing is held
    store.clear();
    QCOMPARE(store.memoryBytes(), empty);
}

void TestResourceStore::slotsHoldNoEmptiedBlock()
{
    // Given the slots of five blocks, all taken
    constexpr quint32 kBlock = ResourceStoreSlots::kPerBlock;
    ResourceStoreSlots table;
    std::vector<Resource *> records;
    for (quint32 i = 0; i < 5 * kBlock; ++i)
        records.push_back(table.create(rid(QStringLiteral("mqtt://h/s/%1").arg(i))));
    QCOMPARE(records.back()->key(), 5 * kBlock);
    const qint64 full = table.idleBytes();
    QVERIFY(full < qint64(kBlock) * qint64(sizeof(Resource)));
    // When the first three blocks' records go
    for (quint32 i = 0; i < 3 * kBlock; ++i)
        table.destroy(records[i]);
    // Then those blocks are not held (what is idle is the list of free handles, not 1,536 slots)
    QCOMPARE(table.size(), qsizetype(2 * kBlock));
    QVERIFY2(table.idleBytes() < qint64(kBlock) * qint64(sizeof(Resource)), qPrintable(QString::number(table.idleBytes())));
    QVERIFY(!table.find(1));
    QCOMPARE(table.find(3 * kBlock + 1), records[3 * kBlock]);
    // When one record of a given-back block's slots is made again, its block comes back
    Resource *again = table.create(rid(QStringLiteral("mqtt://h/s/again")));
    QVERIFY(again->key() <= 3 * kBlock);
    QCOMPARE(table.find(again->key()), again);
    QVERIFY(table.idleBytes() >= qint64(kBlock - 1) * qint64(sizeof(Resource)));
    // And every live record is visited once, by handle
    quint32 previous = 0;
    qsizetype visited = 0;
    table.forEach([&](Resource *resource) {
        QVERIFY(resource->key() > previous);
        previous = resource->key();
        ++visited;
    });
    QCOMPARE(visited, qsizetype(2 * kBlock + 1));
}

void TestResourceStore::churnAgreesWithAReference()
{
    // Given a store and a set of what it should hold
    ResourceStore store;
    QSet<QString> expected;
    QRandomGenerator random(12);
    constexpr int kNames = 3000; // about six blocks
    const auto uriOf = [](int i) { return QStringLiteral("mqtt://h:1883/c/%1").arg(i); };
    // When 200 batches each add, update and remove random resources
    for (int round = 0; round < 200; ++round) {
        UpdateBatch batch;
        const bool shrinking = (round / 25) % 2 == 1; // phases that empty whole blocks
        for (int step = 0; step < 60; ++step) {
            const int i = int(random.bounded(kNames));
            if (random.bounded(100) < (shrinking ? 80 : 20)) {
                Update removal;
                removal.id = rid(uriOf(i));
                removal.remove = true;
                batch.append(removal);
                expected.remove(uriOf(i));
            } else {
                batch.append(valueUpdate(uriOf(i), round * 100 + step));
                expected.insert(uriOf(i));
            }
        }
        store.ingest(batch);
        // Then it holds exactly those, each found by its URI, each listed once
        QCOMPARE(store.size(), qsizetype(expected.size()));
        if (round % 20 == 19) {
            QSet<quint32> keys;
            QSet<QString> listed;
            for (const Resource *resource : store.resources()) {
                keys.insert(resource->key());
                listed.insert(resource->id().uri());
            }
            QCOMPARE(listed, expected);
            QCOMPARE(keys.size(), expected.size());
            for (int i = 0; i < kNames; ++i) {
                const Resource *found = store.find(rid(uriOf(i)));
                QCOMPARE(found != nullptr, expected.contains(uriOf(i)));
                if (found)
                    QCOMPARE(found->id().uri(), uriOf(i));
            }
            QCOMPARE(store.findUnder(QStringLiteral("mqtt://h:1883/c")).size(), qsizetype(expected.size()));
        }
    }
    QVERIFY(expected.size() > 0);
}

QTEST_GUILESS_MAIN(TestResourceStore)
#include "tst_resourcestore.moc"
