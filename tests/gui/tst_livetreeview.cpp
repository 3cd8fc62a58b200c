// The resource tree's view: rows whose values change by the thousand are repainted together, at
// most once per interval, never row by row (QTreeView looks each changed row up by a linear
// search over its unfolded rows); what waits is painted once the interval allows. No time is
// asserted: the interval is set to an hour, then to zero.
#include "ui/livetreeview.h"

#include <QAbstractItemModelTester>
#include <QEvent>
#include <QLineEdit>
#include <QStandardItemModel>
#include <QTest>

using namespace thingscape;

namespace {

// Counts the paint events a widget gets.
class PaintCounter : public QObject
{
public:
    int paints = 0;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Paint)
            ++paints;
        return QObject::eventFilter(watched, event);
    }
};

} // namespace

class TestLiveTreeView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void changedRowsRepaintTogetherAtABoundedRate();
    void anOpenEditorFollowsItsRowAtOnce();
};

void TestLiveTreeView::changedRowsRepaintTogetherAtABoundedRate()
{
    // Given a shown tree of 50 folders with 40 rows each, all unfolded, and a long interval
    QStandardItemModel model;
    QAbstractItemModelTester tester(&model);
    for (int f = 0; f < 50; ++f) {
        auto *folder = new QStandardItem(QStringLiteral("f%1").arg(f));
        for (int r = 0; r < 40; ++r)
            folder->appendRow({new QStandardItem(QStringLiteral("r%1").arg(r)), new QStandardItem(QStringLiteral("0"))});
        model.appendRow(folder);
    }
    LiveTreeView view;
    view.setModel(&model);
    view.expandAll();
    view.resize(400, 300);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    PaintCounter counter;
    view.viewport()->installEventFilter(&counter);
    view.setRepaintInterval(3600 * 1000);
    const quint64 repaints = view.repaintCount();

    // When a thousand values change, the event loop running between changes
    for (int i = 0; i < 1000; ++i) {
        model.item(i % 50)->child((i / 50) % 40, 1)->setText(QString::number(i + 1));
        QCoreApplication::processEvents();
    }

    // Then at most one repaint went (the first change's), the rest wait for one more
    QVERIFY2(view.repaintCount() <= repaints + 1, qPrintable(QString::number(view.repaintCount() - repaints)));
    QCOMPARE(view.deferredCount(), quint64(1));
    QVERIFY2(counter.paints <= 2, qPrintable(QString::number(counter.paints)));
    // And once the interval allows, the view is painted with the last values
    const int paintsBefore = counter.paints;
    view.setRepaintInterval(0);
    QTRY_VERIFY(counter.paints > paintsBefore);
    QCOMPARE(view.model()->data(model.index(19, 1, model.index(49, 0))).toString(), QStringLiteral("1000"));
}

void TestLiveTreeView::anOpenEditorFollowsItsRowAtOnce()
{
    // Given a row being edited
    QStandardItemModel model(3, 2);
    LiveTreeView view;
    view.setModel(&model);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setRepaintInterval(3600 * 1000);
    const QModelIndex cell = model.index(1, 1);
    view.edit(cell);
    QTRY_VERIFY(view.indexWidget(cell));
    auto *editor = qobject_cast<QLineEdit *>(view.indexWidget(cell));
    QVERIFY(editor);
    // When its data changes
    model.setData(cell, QStringLiteral("new"));
    // Then the editor shows it now, not after the interval
    QCOMPARE(editor->text(), QStringLiteral("new"));
}

QTEST_MAIN(TestLiveTreeView)
#include "tst_livetreeview.moc"
