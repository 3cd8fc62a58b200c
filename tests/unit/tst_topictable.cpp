// The MQTT connector's topic table: found by the topic text inside each id's URI (no key of its
// own), through growth, with topics that need percent-encoding; at its bound, a sweep drops
// exactly what it is told to, a few entries per insert and never more, while the rest (and what
// comes meanwhile) stays findable.

#include "model/resourceid.h"
#include "protocols/mqtt/topictable.h"

#include <QtTest>

using namespace thingscape;

class TestTopicTable : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void findsEveryTopicByItsTextThroughGrowth();
    void boundDropsAFewPerInsertAndKeepsTheRest();
    void sweepsAgainOnlyAtTwiceWhatStayed();
};

namespace {

ResourceId endpoint()
{
    return *ResourceId::parse(QStringLiteral("mqtt://h:1883"));
}

QString topicAt(int i)
{
    // Every tenth needs percent-encoding in its URI (its decoded path is its own string).
    return i % 10 == 0 ? QStringLiteral("site/50%/d\u00e9v %1/#x").arg(i) : QStringLiteral("site/f%1/dev%2/m").arg(i / 100).arg(i);
}

} // namespace

void TestTopicTable::findsEveryTopicByItsTextThroughGrowth()
{
    TopicTable table;
    QVERIFY(!table.find(u"site/f0/dev1/m"));
    constexpr int kTopics = 5000;
    for (int i = 0; i < kTopics; ++i) {
        const QString topic = topicAt(i);
        QVERIFY2(!table.find(topic), qPrintable(topic));
        TopicTable::Entry &entry = table.insert(ResourceId::fromTopic(endpoint(), topic));
        QCOMPARE(TopicTable::topicOf(entry.id), topic);
        entry.retained = i % 2 == 0;
    }
    QCOMPARE(table.size(), kTopics);
    for (int i = 0; i < kTopics; ++i) {
        const QString topic = topicAt(i);
        const TopicTable::Entry *entry = table.find(topic);
        QVERIFY2(entry, qPrintable(topic));
        QCOMPARE(entry->id, ResourceId::fromTopic(endpoint(), topic));
        QCOMPARE(entry->id.topic(), topic);
        QCOMPARE(entry->retained, i % 2 == 0);
        QVERIFY(!entry->known);
    }
    QVERIFY(!table.find(u"site/f0/dev1"));
    QVERIFY(!table.find(u"site/f0/dev1/m/"));
    QVERIFY(!table.find(u""));
    table.clear();
    QCOMPARE(table.size(), 0);
    QVERIFY(!table.find(topicAt(1)));
}

void TestTopicTable::boundDropsAFewPerInsertAndKeepsTheRest()
{
    // Given a table bounded at 1,000 that drops what is not retained on the broker (every third is)
    constexpr int kBound = 1000;
    constexpr int kTopics = 1700;
    TopicTable table;
    table.setBound(kBound, [](const TopicTable::Entry &entry) { return !entry.retainedOnBroker; });
    const auto retained = [](int i) { return i % 3 == 0; };
    int sweepStartedAt = -1; // the first topic inserted once the sweep ran
    int sweepEndedAt = -1;   // the first topic inserted after it was over
    qsizetype largest = 0;
    // When topics keep coming
    for (int i = 0; i < kTopics; ++i) {
        const qsizetype before = table.size();
        const bool wasSweeping = table.isSweeping();
        table.insert(ResourceId::fromTopic(endpoint(), topicAt(i))).retainedOnBroker = retained(i);
        // Then one insert drops at most a few entries, never the table.
        QVERIFY2(table.size() >= before + 1 - TopicTable::kSweepPerInsert,
                 qPrintable(QStringLiteral("insert %1: %2 -> %3").arg(i).arg(before).arg(table.size())));
        QVERIFY2(before < kBound || wasSweeping || table.isSweeping() || sweepEndedAt >= 0,
                 "a sweep starts once the bound is reached");
        if (sweepStartedAt < 0 && table.size() < before + 1)
            sweepStartedAt = i;
        if (sweepStartedAt >= 0 && sweepEndedAt < 0 && !table.isSweeping())
            sweepEndedAt = i + 1;
        largest = std::max(largest, table.size());
    }
    QCOMPARE(sweepStartedAt, kBound);
    QVERIFY(sweepEndedAt > sweepStartedAt);
    // Every entry there at the bound was looked at, a few per insert.
    QCOMPARE(sweepEndedAt - sweepStartedAt, kBound / TopicTable::kSweepPerInsert);
    QVERIFY2(largest <= kBound + kBound / TopicTable::kSweepPerInsert, qPrintable(QString::number(largest)));

    // And what the sweep looked at is gone unless retained on the broker; what came meanwhile
    // and after it stays (the second sweep starts at twice what stayed, not reached here).
    for (int i = 0; i < kTopics; ++i) {
        const TopicTable::Entry *entry = table.find(topicAt(i));
        const bool kept = i >= kBound || retained(i);
        QVERIFY2((entry != nullptr) == kept, qPrintable(topicAt(i)));
        if (entry) {
            QCOMPARE(entry->id.topic(), topicAt(i));
            QCOMPARE(entry->retainedOnBroker, retained(i));
        }
    }
    // forEach() visits exactly the entries that stayed, once each.
    QSet<QString> visited;
    table.forEach([&visited](const TopicTable::Entry &entry) { visited.insert(entry.id.topic()); });
    QCOMPARE(qsizetype(visited.size()), table.size());
    QCOMPARE(table.size(), (kBound + 2) / 3 + (kTopics - kBound));
}

void TestTopicTable::sweepsAgainOnlyAtTwiceWhatStayed()
{
    // Given a table where most topics are retained on the broker (a broker holding them all)
    constexpr int kBound = 400;
    TopicTable table;
    table.setBound(kBound, [](const TopicTable::Entry &entry) { return !entry.retainedOnBroker; });
    int sweeps = 0;
    bool sweeping = false;
    // When 2,000 retained topics come
    for (int i = 0; i < 2000; ++i) {
        table.insert(ResourceId::fromTopic(endpoint(), topicAt(i))).retainedOnBroker = true;
        if (table.isSweeping() && !sweeping)
            ++sweeps;
        sweeping = table.isSweeping();
    }
    // Then every one stays, and the sweeps that find nothing to drop start at 400 and 1,000 (at
    // twice what stayed when the one before ended: 500), not on every insert past the bound.
    QCOMPARE(table.size(), 2000);
    QCOMPARE(sweeps, 2);
    for (int i = 0; i < 2000; ++i)
        QVERIFY2(table.find(topicAt(i)), qPrintable(topicAt(i)));

    // And after clear() the bound holds from the start again, and the table is empty.
    table.clear();
    QCOMPARE(table.size(), 0);
    QVERIFY(!table.isSweeping());
    QVERIFY(!table.find(topicAt(1)));
    table.insert(ResourceId::fromTopic(endpoint(), topicAt(1)));
    QVERIFY(table.find(topicAt(1)));
}

QTEST_GUILESS_MAIN(TestTopicTable)
#include "tst_topictable.moc"
