// The window's malloc policy (ui/windowheap.h): every thread allocates from one arena, so the
// I/O thread's payloads do not leave pages of an arena of its own partly used.
#include "ui/windowheap.h"

#include <QCoreApplication>
#include <QTest>
#include <QThread>

#include <cstdio>
#include <cstdlib>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace {

#ifdef __GLIBC__
// glibc's own report lists one <heap nr="..."> per arena.
int arenaCount()
{
    char *text = nullptr;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out)
        return -1;
    malloc_info(0, out);
    std::fclose(out);
    const QByteArray report(text, qsizetype(size));
    std::free(text);
    return int(report.count("<heap nr="));
}
#endif

} // namespace

class TestWindowHeap : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void threadsShareOneArena()
    {
#ifdef __GLIBC__
        // Given the policy, set before any other thread allocated (main() below, as the window's)
        const int before = arenaCount();
        QCOMPARE(before, 1);
        // When threads allocate and keep what they allocate
        std::vector<QThread *> threads;
        std::vector<void *> kept(4, nullptr);
        for (size_t i = 0; i < kept.size(); ++i) {
            threads.push_back(QThread::create([&kept, i] { kept[i] = std::malloc(4096 + i); }));
            threads.back()->start();
        }
        for (QThread *thread : threads) {
            QVERIFY(thread->wait(60000));
            delete thread;
        }
        // Then no arena was added for them (glibc gives each new thread one of its own otherwise)
        for (void *block : kept)
            QVERIFY(block);
        QCOMPARE(arenaCount(), before);
        for (void *block : kept)
            std::free(block);
#else
        QSKIP("glibc only");
#endif
    }
};

// The policy first, before QtTest starts its watchdog thread: glibc fixes the arena limit when a
// second thread first allocates.
int main(int argc, char **argv)
{
    thingscape::applyWindowHeapPolicy();
    QCoreApplication app(argc, argv);
    TestWindowHeap test;
    return QTest::qExec(&test, argc, argv);
}
#include "tst_windowheap.moc"
