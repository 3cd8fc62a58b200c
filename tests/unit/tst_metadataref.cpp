// MetadataRef: what an Update carries instead of an inline Metadata (issue 12, the window's memory).
#include "model/metadataref.h"
#include "model/resourcestore.h"
#include "model/update.h"

#include <QTest>
#include <QThread>

using namespace thingscape;

namespace {

Metadata flags(bool retained)
{
    Metadata meta;
    meta.retained.set(retained, MetaSource::Protocol);
    meta.observable.set(true, MetaSource::Protocol);
    return meta;
}

Update topicUpdate(const QString &topic, bool retained)
{
    Update update;
    update.id = *ResourceId::parse(QStringLiteral("mqtt://h:1883/") + topic);
    Value value;
    value.raw = "1";
    value.decoded = QCborValue(1);
    update.value = value;
    update.metadata = MetadataRef::interned(flags(retained));
    return update;
}

} // namespace

class TestMetadataRef : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void anUpdateIsSmall();
    void emptyHoldsNothing();
    void copiesShareUntilOneIsEdited();
    void internedIsOneObjectPerKind();
    void theStoreSharesAndChargesWhatItMerged();
};

void TestMetadataRef::anUpdateIsSmall()
{
    // What a flood waits in while the window is busy: a pointer of metadata, not 408 bytes.
    QCOMPARE(sizeof(MetadataRef), sizeof(void *));
    QVERIFY2(sizeof(Update) <= 200, QByteArray::number(qulonglong(sizeof(Update))).constData());
    QVERIFY2(sizeof(Cause) <= 32, QByteArray::number(qulonglong(sizeof(Cause))).constData());
    QVERIFY2(sizeof(Value) <= 88, QByteArray::number(qulonglong(sizeof(Value))).constData());
}

void TestMetadataRef::emptyHoldsNothing()
{
    // Given metadata that say nothing
    const MetadataRef none;
    const MetadataRef fromEmpty{Metadata()};
    // Then no object is made, and both read as empty metadata
    QVERIFY(none.isNull() && none.isEmpty());
    QVERIFY(fromEmpty.isNull());
    QVERIFY(none->title.isSet() == false);
    QVERIFY(none == fromEmpty);
    QVERIFY(!none.sharesWith(fromEmpty)); // nothing to share
}

void TestMetadataRef::copiesShareUntilOneIsEdited()
{
    // Given metadata copied from one update to another
    MetadataRef a(flags(true));
    MetadataRef b = a;
    QVERIFY(a.sharesWith(b));
    // When one is edited
    b.edit().unit.set(QStringLiteral("W"), MetaSource::MqttConvention);
    // Then only that one changed, and it has an object of its own
    QVERIFY(!a.sharesWith(b));
    QVERIFY(!a->unit.isSet());
    QCOMPARE(*b->unit, QStringLiteral("W"));
    QVERIFY(*b->retained);
    // And editing an object held once does not copy it
    const Metadata *before = &b.get();
    b.edit().title.set(QStringLiteral("t"), MetaSource::User);
    QCOMPARE(&b.get(), before);
}

void TestMetadataRef::internedIsOneObjectPerKind()
{
    // Given many topics announced alike on one thread
    const MetadataRef first = MetadataRef::interned(flags(true));
    const MetadataRef again = MetadataRef::interned(flags(true));
    const MetadataRef other = MetadataRef::interned(flags(false));
    // Then equal metadata are one object, different metadata another
    QVERIFY(first.sharesWith(again));
    QVERIFY(!first.sharesWith(other));
    QVERIFY(*first->retained && !*other->retained);
    QVERIFY(MetadataRef::interned(Metadata()).isNull());
    // And an edit of an interned object never changes what others were handed
    MetadataRef mine = MetadataRef::interned(flags(true));
    mine.edit().title.set(QStringLiteral("mine"), MetaSource::User);
    QVERIFY(!first->title.isSet());
    QVERIFY(!MetadataRef::interned(flags(true))->title.isSet());
    // On another thread: its own objects (no locking), equal in content
    MetadataRef there;
    QThread *thread = QThread::create([&there] { there = MetadataRef::interned(flags(true)); });
    thread->start();
    QVERIFY(thread->wait(10000));
    delete thread;
    QVERIFY(there == first);
}

void TestMetadataRef::theStoreSharesAndChargesWhatItMerged()
{
    ResourceStore store;
    const qint64 empty = store.memoryBytes();
    // Given a thousand topics announced alike, and one announced otherwise
    UpdateBatch batch;
    for (int i = 0; i < 1000; ++i)
        batch.append(topicUpdate(QStringLiteral("t/%1").arg(i), true));
    batch.append(topicUpdate(QStringLiteral("other"), false));
    store.ingest(batch);
    const Resource *a = store.find(*ResourceId::parse(QStringLiteral("mqtt://h:1883/t/0")));
    const Resource *b = store.find(*ResourceId::parse(QStringLiteral("mqtt://h:1883/t/999")));
    const Resource *other = store.find(*ResourceId::parse(QStringLiteral("mqtt://h:1883/other")));
    QVERIFY(a && b && other);
    // Then the thousand share one merged object, the other has its own
    QVERIFY(a->sharesMetadataWith(*b));
    QVERIFY(!a->sharesMetadataWith(*other));
    QVERIFY(a->sharedMetadata().sharesWith(b->sharedMetadata()));
    // And the store counts one object for the thousand, not one each
    store.remove({other->id()});
    const qint64 thousand = store.memoryBytes() - empty;
    QVERIFY(thousand > 1000 * qint64(sizeof(Resource)));
    // (a thousand announced each otherwise cost a thousand objects more)
    {
        ResourceStore apart;
        const qint64 none = apart.memoryBytes();
        UpdateBatch each;
        for (int i = 0; i < 1000; ++i) {
            Update update = topicUpdate(QStringLiteral("t/%1").arg(i), true);
            update.metadata.edit().title.set(QStringLiteral("t%1").arg(i), MetaSource::User);
            each.append(update);
        }
        apart.ingest(each);
        const qint64 distinct = apart.memoryBytes() - none;
        QVERIFY2(distinct - thousand >= 999 * qint64(sizeof(detail::MetadataBlock)),
                 qPrintable(QStringLiteral("%1 vs %2").arg(distinct).arg(thousand)));
    }
    // When every resource goes, so does what their metadata cost
    store.clear();
    QVERIFY(store.memoryBytes() - empty < 4096);
    // A copy taken before (as an event would carry) outlives the store's count without changing it
    MetadataRef kept;
    {
        ResourceStore second;
        second.ingest({topicUpdate(QStringLiteral("x"), true)});
        kept = second.find(*ResourceId::parse(QStringLiteral("mqtt://h:1883/x")))->sharedMetadata();
    }
    QVERIFY(*kept->retained);
}

QTEST_GUILESS_MAIN(TestMetadataRef)
#include "tst_metadataref.moc"
