// Who talks most, the levels a new topic joins: TalkerStats finds a new MQTT topic's nearest
// known level by its URI and makes only the levels missing below it. Whatever way a topic takes
// (its device new or known, empty levels, a leading or trailing '/', a topic under a resource, a
// level that needs percent-encoding, the first topic of an endpoint), each message must count at
// exactly the levels TalkerStats::chainOf() names, and no other node may exist.

#include "model/message.h"
#include "model/resourcestore.h"
#include "model/talkerstats.h"

#include <QtTest>

using namespace thingscape;

class TestTalkerChain : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void newTopicsCountAtTheLevelsTheirChainNames();
};

void TestTalkerChain::newTopicsCountAtTheLevelsTheirChainNames()
{
    const ResourceId endpoint = *ResourceId::parse(QStringLiteral("mqtt://h:1883"));
    // In this order: the first makes the endpoint the long way; later ones find a known level
    // one, two or more levels up, or none below the endpoint.
    const QStringList topics = {
        QStringLiteral("site/b0/f0/dev0/metric"), QStringLiteral("site/b0/f0/dev1/metric"),
        QStringLiteral("site/b0/f1/dev2/metric"), QStringLiteral("site/b1/f0/dev3/metric"),
        QStringLiteral("site/b0/f0/dev0/metric/deeper"), QStringLiteral("site/b0/f0/dev0"),
        QStringLiteral("a//b"), QStringLiteral("a/"), QStringLiteral("/lead"), QStringLiteral("/lead/x"),
        QStringLiteral("other"), QStringLiteral("sp ace/x"), QStringLiteral("sp ace/y/z"),
        QStringLiteral("site/b0/caf\u00e9/x"), QStringLiteral("site/b0/caf\u00e9/y"), QStringLiteral("50%/x"),
    };
    TalkerStats stats;
    QHash<QString, quint64> expected; // level URI -> messages at or below it
    qint64 now = 60'000LL * 29'000'000LL;
    for (const QString &topic : topics) {
        const ResourceId id = ResourceId::fromTopic(endpoint, topic);
        for (const ResourceId &level : TalkerStats::chainOf(id))
            ++expected[level.uri()];
        StoreBatch batch;
        Message message;
        message.id = id;
        message.raw = "1";
        batch.messages.append(message);
        stats.ingest(batch, now += 1000);
    }
    QCOMPARE(stats.nodeCount(), expected.size());
    for (auto it = expected.cbegin(); it != expected.cend(); ++it) {
        const auto counted = stats.stats(it.key(), TalkerStats::Window::TenMinutes, now);
        QVERIFY2(counted.has_value(), qPrintable(it.key()));
        QCOMPARE(counted->messages, it.value());
    }
}

QTEST_GUILESS_MAIN(TestTalkerChain)
#include "tst_talkerchain.moc"
