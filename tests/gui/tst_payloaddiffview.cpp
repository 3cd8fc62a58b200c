// Payload history and diff in the window: the details view's Payloads & diff tab lists the last
// payloads with time and size and diffs the selected one with the one before (JSON keys marked
// exactly; any two when two are selected); the stream inspector shows only one resource and
// diffs a message with the previous one of the same resource.

#include "model/resourcestore.h"
#include "model/streamfilterproxymodel.h"
#include "model/streammodel.h"
#include "protocols/endpointmanager.h"
#include "ui/detailsview.h"
#include "ui/payloaddiffview.h"
#include "ui/streamdock.h"

#include <QAction>
#include <QDialog>
#include <QItemSelectionModel>
#include <QPlainTextEdit>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace thingscape;

namespace {

ResourceId rid(const QString &uri)
{
    return *ResourceId::parse(uri);
}

Update update(const QString &uri, const QByteArray &payload, qint64 timeMs)
{
    Update u;
    u.id = rid(uri);
    Value value;
    value.timeMs = timeMs;
    value.raw = payload;
    value.contentFormat = payload.startsWith('{') ? 50 : 0;
    u.value = value;
    return u;
}

const QString kLamp = QStringLiteral("mqtt://h:1883/home/lamp");
const QString kFan = QStringLiteral("mqtt://h:1883/home/fan");

void grabIfAsked(QWidget *widget, const QString &name)
{
    const QString dir = qEnvironmentVariable("THINGSCAPE_SCREENSHOT_DIR");
    if (!dir.isEmpty())
        widget->grab().save(dir + QLatin1Char('/') + name + QStringLiteral(".png"));
}

} // namespace

class TestPayloadDiffView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void detailsDiffTheSelectedPayloadWithThePreviousOne();
    void streamShowsOnlyOneResourceAndDiffsWithItsPrevious();

private:
    QTemporaryDir m_state;
};

void TestPayloadDiffView::initTestCase()
{
    qputenv("THINGSCAPE_STATE_DIR", m_state.path().toUtf8());
    QStandardPaths::setTestModeEnabled(true);
}

void TestPayloadDiffView::detailsDiffTheSelectedPayloadWithThePreviousOne()
{
    ResourceStore store;
    EndpointManager endpoints(&store);
    DetailsView details(&store, &endpoints);
    details.resize(1100, 700);
    details.show();
    QVERIFY(QTest::qWaitForWindowExposed(&details));
    store.ingest({update(kLamp, R"({"on": false, "level": 10, "fw": "1.0"})", 1'000)});
    store.ingest({update(kLamp, R"({"on": true, "level": 10, "fw": "1.0", "scene": "evening"})", 2'000)});
    store.ingest({update(kLamp, R"({"on": true, "level": 70})", 3'000)});
    details.showResource(rid(kLamp));
    PayloadDiffView *payloads = details.payloads();
    // The tab is rendered when shown.
    auto *tabs = qobject_cast<QTabWidget *>(payloads->parentWidget()->parentWidget());
    QVERIFY(tabs);
    tabs->setCurrentWidget(payloads);
    QTRY_COMPARE(payloads->rowCount(), 3);
    // The newest, against the one before: exactly the keys that changed
    QTRY_COMPARE(payloads->diffText(),
                 QStringLiteral("- /fw: \"1.0\"\n~ /level: 10 → 70\n- /scene: \"evening\""));
    QVERIFY2(payloads->summary().contains(QLatin1String("1 changed, 2 removed")), qPrintable(payloads->summary()));
    // The oldest two, selected together
    auto *table = payloads->findChild<QTableWidget *>(QStringLiteral("payloadsTable"));
    QVERIFY(table);
    table->clearSelection();
    table->selectionModel()->select(table->model()->index(1, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    table->selectionModel()->select(table->model()->index(2, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    QCOMPARE(payloads->diffText(), QStringLiteral("~ /on: false → true\n+ /scene: \"evening\""));
    // The time and size of each are listed
    QCOMPARE(table->item(0, 1)->text().isEmpty(), false);
    grabIfAsked(&details, QStringLiteral("details-diff"));
}

void TestPayloadDiffView::streamShowsOnlyOneResourceAndDiffsWithItsPrevious()
{
    ResourceStore store;
    StreamModel model(&store);
    EndpointManager endpoints(&store);
    StreamDock dock(&model, &endpoints);
    dock.resize(1000, 300);
    dock.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dock));
    store.ingest({update(kLamp, "line one\nline two\n", 1'000)});
    store.ingest({update(kFan, "fast", 1'500)});
    store.ingest({update(kLamp, "line one\nline 2\nline three\n", 2'000)});
    QTRY_COMPARE(dock.view()->model()->rowCount(), 3);
    QAction *onlyThis = dock.view()->findChild<QAction *>(QStringLiteral("streamOnlyThis"));
    QAction *diff = dock.view()->findChild<QAction *>(QStringLiteral("streamDiffPrevious"));
    if (!onlyThis || !diff) {
        for (QAction *action : dock.view()->actions()) {
            if (action->objectName() == QLatin1String("streamOnlyThis"))
                onlyThis = action;
            if (action->objectName() == QLatin1String("streamDiffPrevious"))
                diff = action;
        }
    }
    QVERIFY(onlyThis && diff);
    // The last lamp message, diffed with the lamp's previous one (not the fan's in between)
    dock.view()->setCurrentIndex(dock.view()->model()->index(2, 0));
    QVERIFY(diff->isEnabled());
    diff->trigger();
    auto *dialog = dock.findChild<QDialog *>(QStringLiteral("streamDiffDialog"));
    QVERIFY(dialog);
    auto *text = dialog->findChild<QPlainTextEdit *>(QStringLiteral("streamDiffText"));
    QVERIFY(text);
    QCOMPARE(text->toPlainText(), QStringLiteral("  line one\n- line two\n+ line 2\n+ line three"));
    grabIfAsked(dialog, QStringLiteral("stream-diff"));
    dialog->close();
    // Only the lamp's messages, then all again
    onlyThis->trigger();
    QCOMPARE(dock.filterModel()->resource(), kLamp);
    QCOMPARE(dock.view()->model()->rowCount(), 2);
    onlyThis->trigger();
    QCOMPARE(dock.view()->model()->rowCount(), 3);
    // The first message of a resource has nothing before it: said, no dialog
    QSignalSpy status(&dock, &StreamDock::statusMessage);
    dock.view()->setCurrentIndex(dock.view()->model()->index(1, 0));
    diff->trigger();
    QCOMPARE(status.count(), 1);
    QVERIFY(status.at(0).at(0).toString().contains(QLatin1String("No earlier message")));
}

QTEST_MAIN(TestPayloadDiffView)
#include "tst_payloaddiffview.moc"
