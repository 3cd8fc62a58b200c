#include "testsupport.h"

#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "model/streammodel.h"
#include "protocols/endpointmanager.h"
#include "ui/mainwindow.h"
#include "ui/resourcetreedock.h"
#include "ui/windowmodels.h"
#include "ui/systemsdock.h"
#include "ui/workspacecontroller.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QLockFile>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QUndoStack>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

using namespace thingscape;

namespace {

EndpointConfig endpointConfig(const QString &name, const QString &url)
{
    EndpointConfig config;
    config.name = name;
    config.url = *ResourceId::parse(url);
    config.autoConnect = false;
    config.password = QStringLiteral("s3cret-never-written");
    return config;
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void workspaceSavedAndReopenedGivesSameEndpointsAndSystems();
    void brokenWorkspaceIsReportedAndChangesNothing();
    void recoveryIsOfferedAfterACrash();
    void cleanShutdownLeavesNoRecovery();
    void systemsEditsUndo();
    void removedEndpointTakesItsResources();
    void endedFromOutsideKeepsUnsavedWork();

private:
    std::unique_ptr<QTemporaryDir> m_stateDir;
};

void TestMainWindow::init()
{
    m_stateDir = std::make_unique<QTemporaryDir>();
    qputenv("THINGSCAPE_STATE_DIR", m_stateDir->path().toUtf8());
    QStandardPaths::setTestModeEnabled(true);
}

void TestMainWindow::workspaceSavedAndReopenedGivesSameEndpointsAndSystems()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("site.thingscape"));
    QList<EndpointConfig> saved;
    {
        // Given a window with two endpoints and a system
        WindowModels session;
        MainWindow window(&session);
        QAbstractItemModelTester tester(session.treeModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        session.endpoints()->add(endpointConfig(QStringLiteral("Broker"), QStringLiteral("mqtt://127.0.0.1:1")));
        session.endpoints()->add(endpointConfig(QStringLiteral("Sensors"), QStringLiteral("coap://127.0.0.1:2")));
        // One member has a title while its endpoint is up.
        Update titled;
        titled.id = *ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:1/gh/temp"));
        titled.metadata.title.set(QStringLiteral("Greenhouse temperature"), MetaSource::MqttConvention);
        session.store()->ingest({titled});
        window.systemsDock()->createSystem(QStringLiteral("Greenhouse"),
                                           {*ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:1/gh/temp")),
                                            *ResourceId::parse(QStringLiteral("coap://127.0.0.1:2/valve"))});
        QVERIFY(window.workspace()->isDirty());
        // The endpoints show in the tree before they have resources
        QCOMPARE(session.treeModel()->rowCount(), 2);
        // When it is saved
        QVERIFY(window.workspace()->saveAs(path));
        QVERIFY(!window.workspace()->isDirty());
        saved = session.endpoints()->endpoints();
        window.workspace()->shutDownCleanly();
    }
    // Then the secret is not in the file
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(!file.readAll().contains("s3cret-never-written"));

    // And a fresh window that opens it has the same endpoints and systems
    WindowModels session;
    MainWindow window(&session);
    QSignalSpy loaded(window.workspace(), &WorkspaceController::systemsLoaded);
    QVERIFY(window.workspace()->open(path));
    QCOMPARE(loaded.count(), 1);
    const QList<EndpointConfig> reopened = session.endpoints()->endpoints();
    QCOMPARE(reopened.size(), saved.size());
    for (int i = 0; i < saved.size(); ++i) {
        QCOMPARE(reopened.at(i).id, saved.at(i).id);
        QCOMPARE(reopened.at(i).name, saved.at(i).name);
        QCOMPARE(reopened.at(i).url, saved.at(i).url);
        QVERIFY(reopened.at(i).password.isEmpty());
    }
    QCOMPARE(window.systemsDock()->systems().size(), 1);
    QCOMPARE(window.systemsDock()->systems().first().name, QStringLiteral("Greenhouse"));
    QCOMPARE(window.systemsDock()->systems().first().resources.size(), 2);
    // With nothing connected, the rows show the saved title, or the whole path without one
    QVERIFY(!session.store()->find(*ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:1/gh/temp"))));
    const auto *table = window.systemsDock()->findChild<QTableWidget *>(QStringLiteral("systemResources"));
    QVERIFY(table);
    QCOMPARE(table->rowCount(), 2);
    QCOMPARE(table->item(0, 0)->text(), QStringLiteral("Greenhouse temperature"));
    QCOMPARE(table->item(1, 0)->text(), QStringLiteral("valve"));
    QVERIFY(!window.workspace()->isDirty());
    QVERIFY(window.workspace()->recentFiles().contains(QFileInfo(path).absoluteFilePath()));
    window.workspace()->shutDownCleanly();
}

void TestMainWindow::brokenWorkspaceIsReportedAndChangesNothing()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("broken.thingscape"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{\"thingscape\": 1, \"endpoints\": [ {\"name\": ");
    file.close();

    WindowModels session;
    MainWindow window(&session);
    session.endpoints()->add(endpointConfig(QStringLiteral("Kept"), QStringLiteral("mqtt://127.0.0.1:1")));
    QSignalSpy messages(window.workspace(), &WorkspaceController::message);
    // A modal box would block the test: answer it as soon as it shows.
    QTimer::singleShot(0, [] {
        if (QWidget *box = QApplication::activeModalWidget())
            box->close();
    });
    QTimer closer;
    connect(&closer, &QTimer::timeout, [] {
        if (QWidget *box = QApplication::activeModalWidget())
            box->close();
    });
    closer.start(50);
    QVERIFY(!window.workspace()->open(path));
    QVERIFY(!messages.isEmpty());
    const QString error = messages.last().at(0).toString();
    QVERIFY2(error.contains(QStringLiteral("broken.thingscape")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("line 1")), qPrintable(error));
    // What was there is still there
    QCOMPARE(session.endpoints()->endpoints().size(), 1);
    QCOMPARE(session.endpoints()->endpoints().first().name, QStringLiteral("Kept"));
    window.workspace()->shutDownCleanly();
}

void TestMainWindow::recoveryIsOfferedAfterACrash()
{
    QString recoveryPath;
    {
        WindowModels session;
        MainWindow window(&session);
        session.endpoints()->add(endpointConfig(QStringLiteral("Unsaved"), QStringLiteral("http://127.0.0.1:3")));
        QVERIFY(window.workspace()->isDirty());
        QVERIFY(window.workspace()->writeRecovery());
        recoveryPath = window.workspace()->recoveryPath();
        // No shutDownCleanly(): the process "dies" here.
    }
    QVERIFY(QFile::exists(recoveryPath));
    // A dead process's lock is what a crash leaves behind.
    {
        QFile lock(WorkspaceController::stateDirectory() + QStringLiteral("/running.lock"));
        QVERIFY(lock.open(QIODevice::WriteOnly));
        lock.write("2147480000\nthingscape\n" + QSysInfo::machineHostName().toUtf8() + "\n");
    }

    WindowModels session;
    MainWindow window(&session);
    QVERIFY(window.workspace()->hasRecovery());
    QVERIFY(window.workspace()->recover());
    QCOMPARE(session.endpoints()->endpoints().size(), 1);
    QCOMPARE(session.endpoints()->endpoints().first().name, QStringLiteral("Unsaved"));
    QVERIFY(window.workspace()->isDirty());
    window.workspace()->shutDownCleanly();
    QVERIFY(!QFile::exists(recoveryPath));
}

void TestMainWindow::cleanShutdownLeavesNoRecovery()
{
    {
        WindowModels session;
        MainWindow window(&session);
        session.endpoints()->add(endpointConfig(QStringLiteral("E"), QStringLiteral("http://127.0.0.1:3")));
        QVERIFY(window.workspace()->writeRecovery());
        window.workspace()->shutDownCleanly();
    }
    WindowModels session;
    MainWindow window(&session);
    QVERIFY(!window.workspace()->hasRecovery());
    window.workspace()->shutDownCleanly();
}

void TestMainWindow::systemsEditsUndo()
{
    WindowModels session;
    MainWindow window(&session);
    SystemsDock *systems = window.systemsDock();
    const auto a = *ResourceId::parse(QStringLiteral("mqtt://h/a"));
    const auto b = *ResourceId::parse(QStringLiteral("coap://h/b"));
    systems->createSystem(QStringLiteral("S"), {a});
    systems->addResources(QStringLiteral("S"), {b});
    QCOMPARE(systems->systems().first().resources.size(), 2);
    window.undoStack()->undo();
    QCOMPARE(systems->systems().first().resources.size(), 1);
    window.undoStack()->undo();
    QVERIFY(systems->systems().isEmpty());
    window.undoStack()->redo();
    window.undoStack()->redo();
    QCOMPARE(systems->systems().first().resources, (QList<ResourceId>{a, b}));
    systems->renameSystem(QStringLiteral("S"), QStringLiteral("T"));
    QCOMPARE(systems->systemNames(), QStringList{QStringLiteral("T")});
    window.undoStack()->undo();
    QCOMPARE(systems->systemNames(), QStringList{QStringLiteral("S")});
    window.workspace()->shutDownCleanly();
}

void TestMainWindow::removedEndpointTakesItsResources()
{
    WindowModels session;
    MainWindow window(&session);
    QAbstractItemModelTester tester(session.treeModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QString a = session.endpoints()->add(endpointConfig(QStringLiteral("A"), QStringLiteral("mqtt://127.0.0.1:1883")));
    session.endpoints()->add(endpointConfig(QStringLiteral("B"), QStringLiteral("mqtt://127.0.0.1:18830")));
    UpdateBatch batch;
    for (const char *uri : {"mqtt://127.0.0.1:1883/x/y", "mqtt://127.0.0.1:18830/x/y"}) {
        Update update;
        update.id = *ResourceId::parse(QLatin1String(uri));
        Value value;
        value.raw = "1";
        value.decoded = QCborValue(1);
        update.value = value;
        batch.append(update);
    }
    session.store()->ingest(batch);
    QCOMPARE(session.treeModel()->rowCount(), 2);
    // When endpoint A goes, its row and resources go, and B's (a longer port) stay
    session.endpoints()->remove(a);
    QCOMPARE(session.treeModel()->rowCount(), 1);
    QCOMPARE(session.store()->size(), 1);
    QVERIFY(session.store()->find(*ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:18830/x/y"))));
    window.workspace()->shutDownCleanly();
}

void TestMainWindow::endedFromOutsideKeepsUnsavedWork()
{
    {
        WindowModels session;
        MainWindow window(&session);
        session.endpoints()->add(endpointConfig(QStringLiteral("Pending"), QStringLiteral("coap://127.0.0.1:5683")));
        QVERIFY(window.workspace()->isDirty());
        window.workspace()->shutDownKeepingWork(); // what SIGTERM does
    }
    WindowModels session;
    MainWindow window(&session);
    QVERIFY(window.workspace()->hasRecovery());
    QVERIFY(window.workspace()->recover());
    QCOMPARE(session.endpoints()->endpoints().first().name, QStringLiteral("Pending"));
    window.workspace()->shutDownCleanly();
    // Nothing is offered twice
    WindowModels next;
    MainWindow again(&next);
    QVERIFY(!again.workspace()->hasRecovery());
    again.workspace()->shutDownCleanly();
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
