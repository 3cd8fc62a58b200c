#include "testsupport.h"

#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "model/streammodel.h"
#include "protocols/endpointmanager.h"
#include "ui/mainwindow.h"
#include "ui/resourcetreedock.h"
#include "ui/rulesdock.h"
#include "ui/ruleseditor.h"
#include "model/rulelistmodel.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/ruleengine.h"
#include "protocols/engine/secretprovider.h"
#include "ui/windowmodels.h"
#include "ui/systemsdock.h"
#include "ui/workspacecontroller.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStatusBar>
#include <QLineEdit>
#include <QLockFile>
#include <QPlainTextEdit>
#include <QMessageBox>
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
    void newRuleFromTheTreeOpensTheEditorWithIt();
    void bridgeFromTheTreeIsAddedAndUndone();
    void ruleNoticesShowInTheStatusBarAndRulesDock();

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
        titled.metadata.edit().title.set(QStringLiteral("Greenhouse temperature"), MetaSource::MqttConvention);
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

void TestMainWindow::newRuleFromTheTreeOpensTheEditorWithIt()
{
    // Given a window with a titled resource selected and one rule already
    WindowModels session;
    MainWindow window(&session);
    QAbstractItemModelTester tester(session.treeModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester rulesTester(window.rulesDock()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    Engine *engine = session.engine();
    const QByteArray existing = R"([{"name": "Existing", "enabled": false,
        "triggers": [{"every": 3600}], "actions": [{"log": "'hi'"}]}])";
    QVERIFY(engine->editRules(QJsonDocument::fromJson(existing).array()));
    const ResourceId temp = *ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:1/gh/temp"));
    Update titled;
    titled.id = temp;
    titled.metadata.edit().title.set(QStringLiteral("Greenhouse \"temp\""), MetaSource::MqttConvention);
    session.store()->ingest({titled});
    QTRY_VERIFY_WITH_TIMEOUT((window.treeDock()->selectResource(temp), window.treeDock()->currentResource() == temp), 10000);

    // When "New rule triggered by this…" is chosen
    window.treeDock()->newRuleForCurrent();
    // Then the rules editor opens with the rules and a new, disabled rule triggered by it
    auto *editor = window.findChild<RulesEditor *>(QStringLiteral("rulesEditor"));
    QVERIFY(editor);
    QVERIFY(editor->isVisible());
    QCOMPARE(editor->problem(), QString());
    const QJsonArray shown = QJsonDocument::fromJson(editor->text().toUtf8()).array();
    QCOMPARE(shown.size(), 2);
    QCOMPARE(shown.at(0).toObject().value(QStringLiteral("name")).toString(), QStringLiteral("Existing"));
    const QJsonObject rule = shown.at(1).toObject();
    QCOMPARE(rule.value(QStringLiteral("name")).toString(), QStringLiteral("when Greenhouse \"temp\" changes"));
    QCOMPARE(rule.value(QStringLiteral("enabled")).toBool(true), false);
    QCOMPARE(rule.value(QStringLiteral("triggers")).toArray().at(0).toObject().value(QStringLiteral("resource")).toString(),
             temp.toString());
    // ... shown ready to edit (the cursor at the end, where the new rule is)
    QVERIFY(editor->findChild<QPlainTextEdit *>(QStringLiteral("rulesText"))->textCursor().atEnd());
    // Nothing changes before the user applies it
    QCOMPARE(engine->rulesJson().size(), 1);
    // When applied, Then it is one of the workspace's rules, shown in the dock
    QVERIFY(editor->apply());
    QCOMPARE(engine->rulesJson().size(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(window.rulesDock()->model()->rowCount(), 2, 10000);
    QVERIFY(window.workspace()->isDirty());
    editor->close();

    // A second one for the same resource gets a name of its own
    window.treeDock()->newRuleForCurrent();
    RulesEditor *second = nullptr;
    for (RulesEditor *open : window.findChildren<RulesEditor *>())
        if (open != editor && open->isVisible())
            second = open;
    QVERIFY(second);
    QCOMPARE(second->problem(), QString());
    QCOMPARE(QJsonDocument::fromJson(second->text().toUtf8()).array().at(2).toObject().value(QStringLiteral("name")).toString(),
             QStringLiteral("when Greenhouse \"temp\" changes (2)"));
    second->close();
    window.workspace()->shutDownCleanly();
}

void TestMainWindow::bridgeFromTheTreeIsAddedAndUndone()
{
    // Given a window with a rule
    WindowModels session;
    MainWindow window(&session);
    QAbstractItemModelTester rulesTester(window.rulesDock()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    Engine *engine = session.engine();
    const QByteArray existing = R"([{"name": "Existing", "enabled": false,
        "triggers": [{"every": 3600}], "actions": [{"log": "'hi'"}]}])";
    QVERIFY(engine->editRules(QJsonDocument::fromJson(existing).array()));
    const ResourceId from = *ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:1/gh/temp"));
    const ResourceId to = *ResourceId::parse(QStringLiteral("coap://127.0.0.1:2/display"));
    // When the tree asks for a bridge (its dialog has checked the target)
    Q_EMIT window.treeDock()->bridgeRequested(from, to);
    // Then it is appended to the workspace's rules and runs
    QCOMPARE(engine->rulesJson().size(), 2);
    const QJsonObject bridge = engine->rulesJson().at(1).toObject();
    QCOMPARE(bridge.value(QStringLiteral("bridge")).toString(), from.toString());
    QCOMPARE(bridge.value(QStringLiteral("to")).toString(), to.toString());
    QCOMPARE(engine->rulesProblem(), QString());
    QVERIFY(window.statusBar()->currentMessage().contains(QStringLiteral("Bridge added")));
    QTRY_COMPARE_WITH_TIMEOUT(window.rulesDock()->model()->rowCount(), 2, 10000);
    // The same bridge again is refused (its name is taken), with the reason, and changes nothing
    Q_EMIT window.treeDock()->bridgeRequested(from, to);
    QVERIFY(window.statusBar()->currentMessage().startsWith(QStringLiteral("The bridge was not added")));
    auto *refused = window.findChild<QMessageBox *>(QStringLiteral("bridgeRefused"));
    QVERIFY(refused);
    QVERIFY(refused->text().contains(QStringLiteral("/rules/2")));
    refused->close();
    QCOMPARE(engine->rulesJson().size(), 2);
    QCOMPARE(window.undoStack()->count(), 1);
    // When the rules are edited meanwhile and the bridge is undone
    QJsonArray edited = engine->rulesJson();
    QJsonObject renamed = edited.at(0).toObject();
    renamed.insert(QStringLiteral("name"), QStringLiteral("Renamed"));
    edited.replace(0, renamed);
    QVERIFY(engine->editRules(edited));
    QVERIFY(window.undoStack()->canUndo());
    window.undoStack()->undo();
    // Then only the bridge goes
    QCOMPARE(engine->rulesJson().size(), 1);
    QCOMPARE(engine->rulesJson().at(0).toObject().value(QStringLiteral("name")).toString(), QStringLiteral("Renamed"));
    QTRY_COMPARE_WITH_TIMEOUT(window.rulesDock()->model()->rowCount(), 1, 10000);
    window.undoStack()->redo();
    QCOMPARE(engine->rulesJson().size(), 2);
    QCOMPARE(engine->rulesJson().at(1).toObject(), bridge);
    window.workspace()->shutDownCleanly();
}

void TestMainWindow::ruleNoticesShowInTheStatusBarAndRulesDock()
{
    // Given a window
    WindowModels session;
    MainWindow window(&session);
    QAbstractItemModelTester rulesTester(window.rulesDock()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy statusMessages(window.statusBar(), &QStatusBar::messageChanged);
    QCOMPARE(window.rulesDock()->lastNotice(), QString());
    // When a rule notifies (on start)
    const QByteArray alarm = R"json([{"name": "Alarm",
        "triggers": [{"start": true}], "actions": [{"notify": "'too hot: ' + (20 + 15)", "title": "Greenhouse"}]}])json";
    QVERIFY(session.engine()->editRules(QJsonDocument::fromJson(alarm).array()));
    // Then the status bar says it, and the Rules dock keeps it as the last notice
    const QString expected = QStringLiteral("Greenhouse: too hot: 35");
    auto said = [&] {
        for (const QList<QVariant> &message : std::as_const(statusMessages))
            if (message.first().toString() == expected)
                return true;
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(said(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(window.rulesDock()->lastNotice().contains(QStringLiteral("Alarm")), 10000);
    QVERIFY(window.rulesDock()->lastNotice().contains(expected));
    window.workspace()->shutDownCleanly();
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
