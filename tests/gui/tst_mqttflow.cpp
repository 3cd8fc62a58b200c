// A user's first session against a real broker: add the endpoint through the connections
// dialog, see the topics in the tree, filter them, write a value from the details view, and
// see the write in the stream inspector and at a real subscriber.
#include "testsupport.h"

#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "model/streammodel.h"
#include "protocols/endpointmanager.h"
#include "ui/connectionsdialog.h"
#include "ui/detailsview.h"
#include "ui/mainwindow.h"
#include "ui/resourcetreedock.h"
#include "ui/windowmodels.h"
#include "ui/streamdock.h"
#include "ui/workspacecontroller.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

using namespace thingscape;

namespace {

template<typename T>
T *child(QObject *parent, const char *name)
{
    return parent->findChild<T *>(QLatin1String(name));
}

bool publishRetained(quint16 port, const QString &topic, const QString &payload)
{
    QProcess pub;
    pub.start(testsupport::findProgram(QStringLiteral("mosquitto_pub")),
              {QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QString::number(port),
               QStringLiteral("-t"), topic, QStringLiteral("-m"), payload, QStringLiteral("-r"), QStringLiteral("-q"),
               QStringLiteral("1")});
    return pub.waitForFinished(5000) && pub.exitCode() == 0;
}

// The URIs of the resource rows a (filtered) tree view shows.
QStringList visibleResources(const QAbstractItemModel *model, const QModelIndex &parent = {})
{
    QStringList uris;
    for (int row = 0; row < model->rowCount(parent); ++row) {
        const QModelIndex index = model->index(row, 0, parent);
        if (index.data(ResourceTreeModel::HasResourceRole).toBool())
            uris.append(index.data(ResourceTreeModel::ResourceIdRole).toString());
        uris += visibleResources(model, index);
    }
    return uris;
}

} // namespace

class TestMqttFlow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void addFilterWriteAndSee();
};

void TestMqttFlow::addFilterWriteAndSee()
{
    QTemporaryDir state;
    qputenv("THINGSCAPE_STATE_DIR", state.path().toUtf8());
    QStandardPaths::setTestModeEnabled(true);
    REQUIRE_BINARY(mosquitto, "mosquitto", "mosquitto")
    testsupport::Mosquitto broker;
    QVERIFY2(broker.start(), qPrintable(broker.log()));
    const quint16 port = broker.port();
    QVERIFY(publishRetained(port, QStringLiteral("home/kitchen/temp"), QStringLiteral("21.5")));
    QVERIFY(publishRetained(port, QStringLiteral("home/hall/temp"), QStringLiteral("19")));
    QVERIFY(publishRetained(port, QStringLiteral("home/kitchen/light"), QStringLiteral("on")));
    const QString base = QStringLiteral("mqtt://127.0.0.1:%1").arg(port);

    WindowModels session;
    MainWindow window(&session);
    QAbstractItemModelTester treeTester(session.treeModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester streamTester(session.streamModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    window.show();

    // Given the user adds the broker through the connections dialog
    {
        ConnectionsDialog dialog(session.endpoints(), session.secrets(), &window);
        dialog.show();
        child<QAction>(&dialog, "addMqttAction")->trigger();
        child<QLineEdit>(&dialog, "nameEdit")->setText(QStringLiteral("Home broker"));
        QLineEdit *url = child<QLineEdit>(&dialog, "urlEdit");
        url->selectAll();
        QTest::keyClicks(url, base);
        QPushButton *ok = child<QDialogButtonBox>(&dialog, "buttonBox")->button(QDialogButtonBox::Ok);
        QVERIFY(ok->isEnabled());
        QTest::mouseClick(ok, Qt::LeftButton);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
    }
    QCOMPARE(session.endpoints()->endpoints().size(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(session.endpoints()->connectedCount(), 1, 10000);

    // Then its topics appear in the tree
    const auto kitchenTemp = *ResourceId::parse(base + QStringLiteral("/home/kitchen/temp"));
    const auto light = *ResourceId::parse(base + QStringLiteral("/home/kitchen/light"));
    QTRY_VERIFY_WITH_TIMEOUT(session.treeModel()->indexForId(kitchenTemp).isValid(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(session.treeModel()->indexForId(light).isValid(), 10000);
    QCOMPARE(session.treeModel()->indexForId(kitchenTemp).siblingAtColumn(ResourceTreeModel::ValueColumn).data().toString(),
             QStringLiteral("21.5"));

    // When the user filters with an MQTT wildcard, only the temperatures stay
    ResourceTreeDock *tree = window.treeDock();
    tree->searchMode()->setCurrentIndex(tree->searchMode()->findText(QStringLiteral("MQTT filter")));
    QTest::keyClicks(tree->searchField(), QStringLiteral("home/+/temp"));
    QStringList shown = visibleResources(tree->view()->model());
    shown.sort();
    QCOMPARE(shown, (QStringList{base + QStringLiteral("/home/hall/temp"), kitchenTemp.toString()}));
    tree->searchField()->clear();
    QVERIFY(visibleResources(tree->view()->model()).contains(light.toString()));

    // And writes a value to the light from the details view
    QProcess subscriber;
    QVERIFY(testsupport::startSubscriber(&subscriber, port,
                                         {QStringLiteral("-t"), QStringLiteral("home/kitchen/light"), QStringLiteral("-C"),
                                          QStringLiteral("1"), QStringLiteral("-R"), QStringLiteral("-W"), QStringLiteral("10")}));
    tree->selectResource(light);
    QCOMPARE(window.details()->resourceId(), light);
    // "on" / "off" is a switch; switching it writes.
    auto *toggle = child<QCheckBox>(window.details(), "writeSwitch");
    QVERIFY(toggle && toggle->isVisible());
    QVERIFY(toggle->isChecked());
    QTest::mouseClick(toggle, Qt::LeftButton, {}, QPoint(8, toggle->height() / 2));
    auto *status = child<QLabel>(window.details(), "writeStatus");
    QTRY_COMPARE_WITH_TIMEOUT(status->text(), QStringLiteral("Written."), 5000);

    // Then a real subscriber gets it
    if (subscriber.state() != QProcess::NotRunning)
        QVERIFY(subscriber.waitForFinished(10000));
    QVERIFY2(subscriber.exitCode() == 0, subscriber.readAllStandardError().constData());
    QCOMPARE(testsupport::subscriberPayloads(subscriber.readAllStandardOutput()).trimmed(), QByteArray("off"));
    // And the stream inspector shows it going out
    StreamModel *stream = session.streamModel();
    const auto wentOut = [stream, light] {
        for (int row = 0; row < stream->rowCount(); ++row) {
            const Message &m = stream->message(row);
            if (m.direction == Direction::Out && m.id == light && m.raw == "off")
                return true;
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(wentOut(), 5000);
    // And the tree shows the new value once the broker echoes it
    QTRY_COMPARE_WITH_TIMEOUT(
        session.treeModel()->indexForId(light).siblingAtColumn(ResourceTreeModel::ValueColumn).data().toString(),
        QStringLiteral("off"), 5000);
    window.workspace()->shutDownCleanly();
}

QTEST_MAIN(TestMqttFlow)
#include "tst_mqttflow.moc"
