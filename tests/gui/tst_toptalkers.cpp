// The Top talkers dock in the window: the busiest resources and subtrees of a 3-level tree in
// order, by messages and by bytes, and activating a row selects that node in the tree. Counts
// decide the order (the 10-minute window), never timing.

#include "ui/mainwindow.h"
#include "ui/resourcetreedock.h"
#include "ui/toptalkersdock.h"
#include "ui/windowmodels.h"

#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "model/talkerstats.h"

#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTreeView>
#include <QtTest>

using namespace thingscape;

namespace {

ResourceId rid(const QString &uri)
{
    return *ResourceId::parse(uri);
}

// count messages on uri of size bytes each, one batch.
UpdateBatch burst(const QString &uri, int count, int bytes)
{
    UpdateBatch batch;
    for (int i = 0; i < count; ++i) {
        Update u;
        u.id = rid(uri);
        Value v;
        v.raw = QByteArray(bytes, 'a' + char(i % 26));
        u.value = v;
        batch.append(u);
    }
    return batch;
}

} // namespace

class TestTopTalkers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void busiestFirstAndActivatingJumpsToTheTree();

private:
    std::unique_ptr<QTemporaryDir> m_stateDir;
};

void TestTopTalkers::init()
{
    m_stateDir = std::make_unique<QTemporaryDir>();
    qputenv("THINGSCAPE_STATE_DIR", m_stateDir->path().toUtf8());
    QStandardPaths::setTestModeEnabled(true);
}

void TestTopTalkers::busiestFirstAndActivatingJumpsToTheTree()
{
    WindowModels session;
    MainWindow window(&session);
    window.resize(1366, 768);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    ResourceStore *store = session.store();
    // Given a 3-level tree: room1/t1 busiest by count, room2/t3 busiest by bytes
    store->ingest(burst(QStringLiteral("mqtt://h:1883/site/room1/t1"), 30, 10));
    store->ingest(burst(QStringLiteral("mqtt://h:1883/site/room1/t2"), 20, 10));
    store->ingest(burst(QStringLiteral("mqtt://h:1883/site/room2/t3"), 5, 1000));
    store->ingest(burst(QStringLiteral("coap://d:5683/s9"), 1, 1));

    TopTalkersDock *dock = window.topTalkersDock();
    dock->show();
    dock->raise();
    dock->setWindow(TalkerStats::Window::TenMinutes);
    dock->setKind(TalkerStats::Kind::Resources);
    dock->setByBytes(false);
    dock->refresh();
    // Then resources come busiest first, across endpoints
    QCOMPARE(dock->shownUris(), (QStringList{"mqtt://h:1883/site/room1/t1", "mqtt://h:1883/site/room1/t2",
                                             "mqtt://h:1883/site/room2/t3", "coap://d:5683/s9"}));
    dock->setByBytes(true);
    dock->refresh();
    QCOMPARE(dock->shownUris().constFirst(), QStringLiteral("mqtt://h:1883/site/room2/t3"));
    dock->setKind(TalkerStats::Kind::Subtrees);
    dock->setByBytes(false);
    dock->refresh();
    QCOMPARE(dock->shownUris().mid(0, 3),
             (QStringList{"mqtt://h:1883", "mqtt://h:1883/site", "mqtt://h:1883/site/room1"}));
    // When a subtree's row is activated
    auto *table = dock->findChild<QTableWidget *>(QStringLiteral("talkersTable"));
    QVERIFY(table);
    table->setFocus();
    table->setCurrentCell(2, 0);
    QTest::keyClick(table, Qt::Key_Return);
    // Then the tree shows that node selected
    QTreeView *tree = window.treeDock()->view();
    QTRY_COMPARE(tree->currentIndex().data(ResourceTreeModel::ResourceIdRole).toString(),
                 QStringLiteral("mqtt://h:1883/site/room1"));
    // And every tree row's tooltip tells what is below it and how much it received
    const QString tip = tree->currentIndex().data(Qt::ToolTipRole).toString();
    QVERIFY2(tip.contains(QStringLiteral("2 resources below · 50 messages")), qPrintable(tip));
    const QString dir = qEnvironmentVariable("THINGSCAPE_SCREENSHOT_DIR");
    if (!dir.isEmpty())
        window.grab().save(dir + QStringLiteral("/toptalkers.png"));
}

QTEST_MAIN(TestTopTalkers)
#include "tst_toptalkers.moc"
