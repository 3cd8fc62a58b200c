// ChunkedList: TalkerStats' append-only storage in chunks. Elements keep their address across
// chunk boundaries, read back in order, and are destroyed with the list (once each).
#include "model/chunkedlist.h"

#include <QString>
#include <QTest>

#include <memory>
#include <vector>

using namespace thingscape;

class TestChunkedList : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void elementsStayPutAcrossChunks();
    void destroysEveryElementOnce();
};

void TestChunkedList::elementsStayPutAcrossChunks()
{
    // Given 10,000 strings appended to a list of 64-element chunks
    ChunkedList<QString, 64> list;
    std::vector<const QString *> addresses;
    for (int i = 0; i < 10000; ++i)
        addresses.push_back(&list.emplace_back(QString::number(i)));
    // Then each is where it was made, holds what was put there, and forEach visits them in order
    QCOMPARE(list.size(), size_t(10000));
    for (int i = 0; i < 10000; ++i) {
        QCOMPARE(&list[size_t(i)], addresses[size_t(i)]);
        QCOMPARE(list[size_t(i)], QString::number(i));
    }
    int next = 0;
    bool inOrder = true;
    list.forEach([&](const QString &s) { inOrder = inOrder && s == QString::number(next++); });
    QVERIFY(inOrder);
    QCOMPARE(next, 10000);
}

void TestChunkedList::destroysEveryElementOnce()
{
    // Given shared pointers held only by the list and by this test (a partly filled last chunk)
    auto shared = std::make_shared<int>(7);
    {
        ChunkedList<std::shared_ptr<int>, 16> list;
        for (int i = 0; i < 100; ++i)
            list.emplace_back(shared);
        QCOMPARE(shared.use_count(), 101);
        QVERIFY(list[99] == shared);
    }
    // Then the list's end released every copy, and no slot past the last was destroyed
    QCOMPARE(shared.use_count(), 1);
}

QTEST_GUILESS_MAIN(TestChunkedList)
#include "tst_chunkedlist.moc"
