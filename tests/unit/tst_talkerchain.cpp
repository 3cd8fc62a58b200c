// Who talks most, the levels a new topic joins: TalkerStats finds a new MQTT topic's nearest
// known level by its URI and makes only the levels missing below it. Whatever way a topic takes
// (its device new or known, empty levels, a leading or trailing '/', a topic under a resource, a
// level that needs percent-encoding, the first topic of an endpoint), each message must count at
// exactly the levels TalkerStats::chainOf() names, and no other node may exist.

#include "model/message.h"
#include "model/resourcestore.h"
#include "model/talkerstats.h"

#include <QtTest>

#include <algorithm>

using namespace thingscape;

class TestTalkerChain : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void newTopicsCountAtTheLevelsTheirChainNames();
    void levelsGiveTheIdsTheirChainSpells();

private:
    static QStringList topicShapes();
};

QStringList TestTalkerChain::topicShapes()
{
    // In this order: the first makes the endpoint the long way; later ones find a known level
    // one, two or more levels up, or none below the endpoint.
    return {
        QStringLiteral("site/b0/f0/dev0/metric"), QStringLiteral("site/b0/f0/dev1/metric"),
        QStringLiteral("site/b0/f1/dev2/metric"), QStringLiteral("site/b1/f0/dev3/metric"),
        QStringLiteral("site/b0/f0/dev0/metric/deeper"), QStringLiteral("site/b0/f0/dev0"),
        QStringLiteral("a//b"), QStringLiteral("a/"), QStringLiteral("/lead"), QStringLiteral("/lead/x"),
        QStringLiteral("other"), QStringLiteral("sp ace/x"), QStringLiteral("sp ace/y/z"),
        QStringLiteral("site/b0/caf\u00e9/x"), QStringLiteral("site/b0/caf\u00e9/y"), QStringLiteral("50%/x"),
    };
}

void TestTalkerChain::newTopicsCountAtTheLevelsTheirChainNames()
{
    const ResourceId endpoint = *ResourceId::parse(QStringLiteral("mqtt://h:1883"));
    const QStringList topics = topicShapes();
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

// A folder level keeps no URI of its own (it shares a resource's below it): every way out of
// TalkerStats (stats by URI, the touched nodes, a node by rank, the busiest nodes) must still
// give each level the id chainOf() spells, equal to one parsed from its URI, and counts() the
// same figures without it.
void TestTalkerChain::levelsGiveTheIdsTheirChainSpells()
{
    const ResourceId endpoint = *ResourceId::parse(QStringLiteral("mqtt://h:1883"));
    TalkerStats stats;
    QSet<QString> levels;
    StoreBatch batch;
    for (const QString &topic : topicShapes()) {
        const ResourceId id = ResourceId::fromTopic(endpoint, topic);
        for (const ResourceId &level : TalkerStats::chainOf(id))
            levels.insert(level.uri());
        Message message;
        message.id = id;
        message.raw = "12";
        batch.messages.append(message);
    }
    const qint64 now = 60'000LL * 29'000'000LL;
    stats.ingest(batch, now);
    QCOMPARE(stats.nodeCount(), levels.size());
    for (const QString &uri : std::as_const(levels)) {
        const auto byUri = stats.stats(uri, TalkerStats::Window::TenSeconds, now);
        QVERIFY2(byUri.has_value(), qPrintable(uri));
        const std::optional<ResourceId> parsed = ResourceId::parse(uri);
        QVERIFY2(parsed.has_value(), qPrintable(uri));
        QCOMPARE(byUri->id, *parsed);
        QCOMPARE(byUri->id.toString(), uri);
        QCOMPARE(byUri->id.topic(), parsed->topic());
        const auto counted = stats.counts(uri, TalkerStats::Window::TenSeconds, now);
        QVERIFY(counted.has_value());
        QVERIFY(!counted->id.isValid());
        QCOMPARE(counted->messages, byUri->messages);
        QCOMPARE(counted->bytes, byUri->bytes);
        QCOMPARE(counted->resources, byUri->resources);
    }
    // Touched: each level once, by rank, the id of its rank.
    const QList<TalkerStats::Touched> touched = stats.takeTouched();
    QCOMPARE(touched.size(), levels.size());
    QSet<QString> seen;
    for (const TalkerStats::Touched &node : touched) {
        QCOMPARE(stats.nodeId(node.rank), node.id);
        QVERIFY2(levels.contains(node.id.uri()), qPrintable(node.id.uri()));
        seen.insert(node.id.uri());
    }
    QCOMPARE(seen, levels);
    // The ranks alone, as the tree's columns take them: the same nodes.
    stats.ingest(batch, now + 1);
    const std::vector<quint32> ranks = stats.takeTouchedRanks();
    QCOMPARE(qsizetype(ranks.size()), levels.size());
    QVERIFY(std::is_sorted(ranks.begin(), ranks.end()));
    QVERIFY(stats.takeTouched().isEmpty());
    // The busiest: every level talked, the endpoint most, ties by URI.
    const auto top = stats.top(TalkerStats::Window::TenSeconds, false, TalkerStats::Kind::All, int(levels.size()), now + 1);
    QCOMPARE(top.size(), levels.size());
    QCOMPARE(top.first().id, endpoint);
    for (qsizetype i = 0; i < top.size(); ++i) {
        QCOMPARE(top.at(i).id, *ResourceId::parse(top.at(i).id.uri()));
        if (i > 0 && top.at(i - 1).messagesPerSecond == top.at(i).messagesPerSecond)
            QVERIFY(top.at(i - 1).id < top.at(i).id);
    }
}

QTEST_GUILESS_MAIN(TestTalkerChain)
#include "tst_talkerchain.moc"
