// The message stream's table: rows of one height, at most one relayout per interval however
// fast batches come, and long cell text cut before it is elided.
#include "model/resourcestore.h"
#include "model/streammodel.h"
#include "protocols/endpointmanager.h"
#include "ui/streamdock.h"
#include "ui/streamtableview.h"

#include <QHeaderView>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace thingscape;

namespace {

UpdateBatch messages(int count, int from, const QByteArray &payload = "1")
{
    UpdateBatch batch;
    for (int i = from; i < from + count; ++i) {
        Update u;
        u.id = *ResourceId::parse(QStringLiteral("mqtt://h/m/%1").arg(i % 10));
        Value value;
        value.timeMs = 1000 + i;
        value.raw = payload;
        value.decoded = QCborValue(QString::fromUtf8(payload));
        u.value = value;
        batch.append(u);
    }
    return batch;
}

} // namespace

class TestStreamTableView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void batchesLayOutAtABoundedRate();
    void rowsHaveOneHeight();

private:
    QTemporaryDir m_state;
};

void TestStreamTableView::initTestCase()
{
    qputenv("THINGSCAPE_STATE_DIR", m_state.path().toUtf8());
    QStandardPaths::setTestModeEnabled(true);
}

void TestStreamTableView::batchesLayOutAtABoundedRate()
{
    // Given the stream dock on a store, laid out once, with a long interval between layouts
    ResourceStore store;
    StreamModel model(&store);
    EndpointManager endpoints(&store);
    StreamDock dock(&model, &endpoints);
    dock.resize(800, 300);
    dock.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dock));
    auto *view = qobject_cast<StreamTableView *>(dock.view());
    QVERIFY(view);
    store.ingest(messages(5, 0));
    QTRY_COMPARE(dock.view()->model()->rowCount(), 5);
    view->setMinLayoutInterval(3600 * 1000);
    view->doItemsLayout();
    const quint64 layouts = view->layoutCount();
    // When twenty batches arrive and the event loop runs between them
    for (int i = 0; i < 20; ++i) {
        store.ingest(messages(5, 5 + 5 * i));
        QCoreApplication::processEvents();
    }
    // Then the rows are in the model, and the table laid out no more (one layout waits)
    QTRY_COMPARE(dock.view()->model()->rowCount(), 105);
    QCOMPARE(view->layoutCount(), layouts);
    QCOMPARE(view->deferredLayoutCount(), quint64(1));
    // And once the interval allows, the waiting layout happens
    view->setMinLayoutInterval(0);
    QTRY_VERIFY(view->layoutCount() > layouts);
}

void TestStreamTableView::rowsHaveOneHeight()
{
    ResourceStore store;
    StreamModel model(&store);
    EndpointManager endpoints(&store);
    StreamDock dock(&model, &endpoints);
    dock.resize(800, 300);
    dock.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dock));
    // A payload that would wrap or measure differently per row
    store.ingest(messages(3, 0, QByteArray(20000, 'x') + "\n" + QByteArray(100, 'y')));
    QTRY_COMPARE(dock.view()->model()->rowCount(), 3);
    QCOMPARE(dock.view()->verticalHeader()->sectionResizeMode(0), QHeaderView::Fixed);
    const int height = dock.view()->rowHeight(0);
    QCOMPARE(dock.view()->rowHeight(1), height);
    QCOMPARE(dock.view()->rowHeight(2), height);
    QVERIFY(height < 3 * dock.view()->fontMetrics().height());
}

QTEST_MAIN(TestStreamTableView)
#include "tst_streamtableview.moc"
