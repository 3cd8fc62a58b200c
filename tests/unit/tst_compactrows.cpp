// The compact pieces under the resource tree's rows and the stream's rows: a string slice that
// shares its buffer (SharedStringSlice) and a one-word list of owned children (CompactChildren).
#include "model/compactchildren.h"
#include "model/fixedsizepool.h"
#include "model/sharedstringslice.h"

#include <QTest>

#include <memory>
#include <vector>

using namespace thingscape;

namespace {

struct Node
{
    explicit Node(int v, int *alive)
        : value(v)
        , alive(alive)
    {
        ++*alive;
    }
    ~Node() { --*alive; }
    int value;
    int *alive;
    int row = -1;
};

using Children = CompactChildren<Node>;

std::vector<std::unique_ptr<Node>> make(std::initializer_list<int> values, int *alive)
{
    std::vector<std::unique_ptr<Node>> nodes;
    for (int v : values)
        nodes.push_back(std::make_unique<Node>(v, alive));
    return nodes;
}

QList<int> valuesOf(const Children &children)
{
    QList<int> values;
    for (const auto &child : children)
        values.append(child->value);
    return values;
}

// Every child's row is its index, once the list has renumbered.
bool rowsRight(Children &children)
{
    children.refreshRows();
    for (size_t i = 0; i < children.size(); ++i) {
        if (children[i]->row != int(i))
            return false;
    }
    return true;
}

} // namespace

class TestCompactRows : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sliceSharesItsSourceAndOutlivesIt()
    {
        // Given a slice of a heap string, when the string goes, the slice still reads its text.
        SharedStringSlice level;
        QString copy;
        {
            QString uri = QStringLiteral("mqtt://h:1883/site/b1/dev7/metric");
            uri.detach(); // a heap buffer, as a resource's URI has
            level = SharedStringSlice(uri, 22, 4);
            QVERIFY(level.view().data() == uri.constData() + 22); // shared, not copied
            copy = SharedStringSlice(uri, 0, uri.size()).toString();
            QVERIFY(copy.constData() == uri.constData()); // a whole string shares its buffer
        }
        QCOMPARE(level.view().toString(), QStringLiteral("dev7"));
        QCOMPARE(level.size(), 4);
        QCOMPARE(level.toString(), QStringLiteral("dev7")); // not a tail: a copy of its own
        QCOMPARE(copy, QStringLiteral("mqtt://h:1883/site/b1/dev7/metric"));
        QCOMPARE(copy.utf16()[copy.size()], u'\0');
    }

    void sliceOfStaticTextCopiesIt()
    {
        static const char16_t text[] = u"alpha/beta";
        SharedStringSlice beta(QString::fromRawData(reinterpret_cast<const QChar *>(text), 10), 6, 4);
        QVERIFY(beta.view().data() != reinterpret_cast<const QChar *>(text + 6));
        QCOMPARE(beta.view().toString(), QStringLiteral("beta"));
        QCOMPARE(beta.toString(), QStringLiteral("beta"));
        QVERIFY(SharedStringSlice(QString(), 0, 0).isEmpty());
        QVERIFY(SharedStringSlice().view().isEmpty());
    }

    void byteSliceSharesAPayloadAndOutlivesIt()
    {
        // Given a payload on the heap, as a connector hands it over
        SharedByteSlice whole;
        SharedByteSlice part;
        const char *bytes = nullptr;
        {
            QByteArray payload("{\"t\":21.5}\x00\xff", 12);
            bytes = payload.constData();
            whole = SharedByteSlice(payload);
            part = SharedByteSlice(payload, 2, 1);
            // When sliced, then the bytes are shared, not copied
            QVERIFY(whole.view().data() == bytes);
            QVERIFY(part.view().data() == bytes + 2);
        }
        // and outlive the array they came from: the whole one is given back sharing its buffer
        const QByteArray back = whole.toString();
        QVERIFY(back.constData() == bytes);
        QCOMPARE(back, QByteArray("{\"t\":21.5}\x00\xff", 12));
        QCOMPARE(back.constData()[back.size()], '\0');
        QCOMPARE(whole.size(), 12);
        QCOMPARE(part.toString(), QByteArray("t")); // not a tail: a copy of its own
        // Raw data is copied once; an empty array makes an empty slice
        static const char raw[] = "static";
        const SharedByteSlice copied(QByteArray::fromRawData(raw, 6));
        QVERIFY(copied.view().data() != raw);
        QCOMPARE(copied.toString(), QByteArray("static"));
        QVERIFY(SharedByteSlice(QByteArray()).isEmpty());
        QVERIFY(SharedByteSlice().toString().isNull());
    }

    void slicesCopyAndMoveWithTheirText()
    {
        SharedStringSlice a(QStringLiteral("x/%1").arg(42), 2, 2);
        SharedStringSlice b = a;
        SharedStringSlice c = std::move(a);
        QCOMPARE(b.view().toString(), QStringLiteral("42"));
        QCOMPARE(c.view().toString(), QStringLiteral("42"));
        QVERIFY(a.isEmpty());
        b = c;
        c = SharedStringSlice();
        QCOMPARE(b.view().toString(), QStringLiteral("42"));
    }

    void oneChildLivesInTheWordAndGrowsIntoABlock()
    {
        int alive = 0;
        {
            Children children;
            QVERIFY(children.empty());
            children.push_back(std::make_unique<Node>(5, &alive));
            QCOMPARE(children.size(), size_t(1));
            QCOMPARE(children.front()->value, 5);
            QCOMPARE(children[0]->row, 0);
            auto more = make({1, 9}, &alive);
            children.insert(size_t(0), more.begin(), more.begin() + 1); // 1 before 5
            children.insert(size_t(2), more.begin() + 1, more.end());   // 9 after
            QCOMPARE(valuesOf(children), (QList<int>{1, 5, 9}));
            QVERIFY(rowsRight(children));
            auto middle = make({6, 7, 8}, &alive);
            children.insert(size_t(2), middle.begin(), middle.end());
            QCOMPARE(valuesOf(children), (QList<int>{1, 5, 6, 7, 8, 9}));
            QVERIFY(rowsRight(children));
            QCOMPARE(alive, 6);
        }
        QCOMPARE(alive, 0); // the list owned them
    }

    void eraseAndTakeShrinkBackToOneWord()
    {
        int alive = 0;
        Children children;
        auto nodes = make({0, 1, 2, 3, 4}, &alive);
        children.insert(size_t(0), nodes.begin(), nodes.end());
        children.erase(children.begin() + 1, children.begin() + 3); // 1, 2 deleted
        QCOMPARE(alive, 3);
        QCOMPARE(valuesOf(children), (QList<int>{0, 3, 4}));
        QVERIFY(rowsRight(children));
        std::unique_ptr<Node> taken = children.take(0); // not deleted
        QCOMPARE(taken->value, 0);
        QCOMPARE(alive, 3);
        children.erase(children.begin() + 1); // 4 deleted, 3 left alone in the word
        QCOMPARE(valuesOf(children), (QList<int>{3}));
        QCOMPARE(children[0]->row, 0);
        children.insert(children.begin(), std::move(taken));
        QCOMPARE(valuesOf(children), (QList<int>{0, 3}));
        QVERIFY(rowsRight(children));
        children.erase(children.begin(), children.end());
        QVERIFY(children.empty());
        QCOMPARE(alive, 0);
    }

    void poolReusesFreedObjectsAndGivesBlocksBackWhenEmpty()
    {
        FixedSizePool pool(56, 4);
        std::vector<void *> objects;
        for (int i = 0; i < 9; ++i)
            objects.push_back(pool.allocate());
        QCOMPARE(pool.blocks(), size_t(3)); // 4 a block
        QCOMPARE(pool.liveObjects(), size_t(9));
        // Objects are 56 bytes apart within a block: no per-object header
        QCOMPARE(static_cast<char *>(objects[1]) - static_cast<char *>(objects[0]), 56);
        void *freed = objects[5];
        pool.deallocate(freed);
        QCOMPARE(pool.allocate(), freed); // reused before a new block is taken
        QCOMPARE(pool.blocks(), size_t(3));
        for (void *object : objects)
            pool.deallocate(object);
        QCOMPARE(pool.liveObjects(), size_t(0));
        QCOMPARE(pool.blocks(), size_t(0));
        void *again = pool.allocate(); // and starts over
        QVERIFY(again);
        QCOMPARE(pool.blocks(), size_t(1));
        pool.deallocate(again);
    }
};

QTEST_GUILESS_MAIN(TestCompactRows)
#include "tst_compactrows.moc"
