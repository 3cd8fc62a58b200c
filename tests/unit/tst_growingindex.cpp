// GrowingIndex: a hash index that spreads its growth over the inserts after it. Checked
// against a QHash through growth, removals mid-move and re-inserts, and that no single change
// moves more than a few entries (the point of it: no insert pays for a whole rehash).
#include "model/growingindex.h"

#include <QHash>
#include <QRandomGenerator>
#include <QString>
#include <QTest>

#include <deque>
#include <memory>

using namespace thingscape;

namespace {

struct Item
{
    QString name;
    int value = 0;
};

struct NameOf
{
    QStringView operator()(const Item *item) const
    {
        ++*calls;
        return item->name;
    }
    int *calls = nullptr;
};

using Index = GrowingIndex<Item *, QStringView, NameOf>;

// The index holds exactly what the reference holds.
void compare(const Index &index, const QHash<QString, Item *> &reference, const std::deque<Item> &all)
{
    QCOMPARE(index.size(), reference.size());
    for (const Item &item : all) {
        Item *expected = reference.value(item.name);
        QCOMPARE(index.find(item.name), expected);
        QCOMPARE(index.contains(item.name), expected != nullptr);
    }
    qsizetype seen = 0;
    index.forEach([&](Item *item) {
        ++seen;
        QCOMPARE(reference.value(item->name), item);
    });
    QCOMPARE(seen, reference.size());
}

} // namespace

class TestGrowingIndex : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void findsWhatWasInsertedThroughGrowth();
    void removalsAndReinsertsWhileMovingMatchAQHash();
    void noInsertPaysForTheWholeRehash();
    void integerHandlesAndReserve();
    void slotsStayAFewPerHandle();
};

void TestGrowingIndex::findsWhatWasInsertedThroughGrowth()
{
    // Given an index fed 20,000 items one by one (through nine growths)
    int calls = 0;
    Index index(NameOf{&calls});
    std::deque<Item> items;
    QHash<QString, Item *> reference;
    for (int i = 0; i < 20000; ++i) {
        items.push_back({QStringLiteral("mqtt://h:1883/site/b%1/dev%2").arg(i % 7).arg(i), i});
        index.insert(&items.back());
        reference.insert(items.back().name, &items.back());
        // Then every item so far is found, also while a growth is half moved
        if (i % 997 == 0 || index.isGrowing())
            QVERIFY(index.find(items.back().name) == &items.back());
    }
    compare(index, reference, items);
    QVERIFY(!index.find(QStringLiteral("mqtt://h:1883/nothing")));
}

void TestGrowingIndex::removalsAndReinsertsWhileMovingMatchAQHash()
{
    // Given random inserts, removals and replacements (the same name, another item)
    int calls = 0;
    Index index(NameOf{&calls});
    std::deque<Item> items;
    QHash<QString, Item *> reference;
    QRandomGenerator random(1212);
    int movesSeen = 0;
    for (int step = 0; step < 60000; ++step) {
        const QString name = QStringLiteral("coap://h:5683/r%1").arg(random.bounded(8000));
        const int what = random.bounded(10);
        if (what < 6) {
            items.push_back({name, step});
            index.insert(&items.back());
            reference.insert(name, &items.back());
        } else {
            QCOMPARE(index.remove(name), reference.remove(name));
        }
        movesSeen += index.isGrowing() ? 1 : 0;
        // Then it agrees with a QHash at every 5,000th step and at the end
        if (step % 5000 == 0)
            compare(index, reference, items);
    }
    compare(index, reference, items);
    QVERIFY2(movesSeen > 0, "the test never caught the index while it grew");
    // And emptied, it finds nothing
    for (const QString &name : reference.keys())
        QVERIFY(index.remove(name));
    QCOMPARE(index.size(), 0);
    QVERIFY(!index.remove(QStringLiteral("coap://h:5683/r1")));
}

void TestGrowingIndex::noInsertPaysForTheWholeRehash()
{
    // Given an index of 100,000 items, counting how often a key is read per insert
    int calls = 0;
    Index index(NameOf{&calls});
    std::deque<Item> items;
    int worst = 0;
    for (int i = 0; i < 100000; ++i) {
        items.push_back({QStringLiteral("mqtt://h:1883/t/%1").arg(i), i});
        calls = 0;
        index.insert(&items.back());
        worst = std::max(worst, calls);
    }
    // Then the worst insert read a few dozen keys (its probe plus the few moved), never the
    // tens of thousands a whole rehash reads
    QVERIFY2(worst < 200, qPrintable(QStringLiteral("an insert read %1 keys").arg(worst)));
    QCOMPARE(index.size(), 100000);
    QVERIFY(!index.isGrowing() || index.slotCount() > 0);
}

void TestGrowingIndex::integerHandlesAndReserve()
{
    // Given handles that are indices + 1 into a list (as TalkerStats keeps its nodes)
    struct ById
    {
        quint32 operator()(quint32 handle) const { return (*ids)[handle - 1]; }
        const std::vector<quint32> *ids = nullptr;
    };
    std::vector<quint32> ids;
    ids.reserve(5000);
    GrowingIndex<quint32, quint32, ById> index(ById{&ids});
    index.reserve(3000);
    const size_t reserved = index.slotCount();
    for (quint32 i = 0; i < 5000; ++i) {
        ids.push_back(i * 7919u);
        index.insert(quint32(ids.size()));
        if (i + 1 == 3000) // Then 3,000 fit without growing
            QCOMPARE(index.slotCount(), reserved);
    }
    for (quint32 i = 0; i < 5000; ++i)
        QCOMPARE(index.find(i * 7919u), i + 1);
    QCOMPARE(index.find(1u), 0u);
    // And cleared, it is empty
    index.clear();
    QCOMPARE(index.size(), 0);
    QCOMPARE(index.find(0u), 0u);
}

void TestGrowingIndex::slotsStayAFewPerHandle()
{
    // Given an index fed 200,000 handles (a million-topic window holds several such)
    struct ById
    {
        quint32 operator()(quint32 handle) const { return handle * 2654435761u; }
    };
    GrowingIndex<quint32, quint32, ById> index;
    size_t growths = 0;
    size_t lastSlots = 0;
    for (quint32 i = 1; i <= 200000; ++i) {
        index.insert(i);
        if (index.isGrowing())
            continue;
        // Then once a growth has moved over, the old table is gone and the one left is at
        // most half full and at least a quarter: 2-4 slots a handle
        const size_t held = index.slotCount();
        QVERIFY2(size_t(index.size()) * 2 <= held, qPrintable(QStringLiteral("%1 in %2").arg(index.size()).arg(held)));
        if (held != lastSlots && lastSlots != 0)
            ++growths;
        lastSlots = held;
        if (i > 1000)
            QVERIFY2(size_t(index.size()) * 4 >= held, qPrintable(QStringLiteral("%1 in %2").arg(index.size()).arg(held)));
    }
    QVERIFY(growths > 8);
    for (quint32 i = 1; i <= 200000; i += 997)
        QCOMPARE(index.find(i * 2654435761u), i);
    QCOMPARE(index.find(0u), 0u);
}

QTEST_GUILESS_MAIN(TestGrowingIndex)
#include "tst_growingindex.moc"
