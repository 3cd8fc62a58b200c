// The MQTT connector's topic table: found by the topic text inside each id's URI (no key of its
// own), through growth, with topics that need percent-encoding, and keepOnly() dropping exactly
// what it is told to while the rest stays findable.

#include "model/resourceid.h"
#include "protocols/mqtt/topictable.h"

#include <QtTest>

using namespace thingscape;

class TestTopicTable : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void findsEveryTopicByItsTextThroughGrowth();
    void keepOnlyKeepsTheRestFindable();
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

void TestTopicTable::keepOnlyKeepsTheRestFindable()
{
    TopicTable table;
    constexpr int kTopics = 3000;
    for (int i = 0; i < kTopics; ++i)
        table.insert(ResourceId::fromTopic(endpoint(), topicAt(i))).retainedOnBroker = i % 3 == 0;
    table.keepOnly([](const TopicTable::Entry &entry) { return entry.retainedOnBroker; });
    QCOMPARE(table.size(), kTopics / 3);
    for (int i = 0; i < kTopics; ++i) {
        const TopicTable::Entry *entry = table.find(topicAt(i));
        QCOMPARE(entry != nullptr, i % 3 == 0);
        if (entry)
            QCOMPARE(entry->id.topic(), topicAt(i));
    }
    // What is inserted after it is found alongside what stayed.
    table.insert(ResourceId::fromTopic(endpoint(), topicAt(1)));
    QVERIFY(table.find(topicAt(1)));
    QVERIFY(table.find(topicAt(3)));
    QCOMPARE(table.size(), kTopics / 3 + 1);
}

QTEST_GUILESS_MAIN(TestTopicTable)
#include "tst_topictable.moc"
