// The connections dialog, its editor, list model and secret store, against a real keyring
// (run-with-keyring.sh) and a real mosquitto.

#include "testsupport.h"

#include "model/resourcestore.h"
#include "protocols/connectorfactory.h"
#include "protocols/endpointmanager.h"
#include "ui/connectionsdialog.h"
#include "ui/endpointeditor.h"
#include "ui/endpointlistmodel.h"
#include "ui/secretstore.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QInputDialog>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTcpServer>
#include <QTest>

using namespace thingscape;

namespace {

const char *const kChildEnv = "THINGSCAPE_TEST_NO_KEYRING_CHILD";

template<typename T>
T *child(QObject *parent, const char *name)
{
    T *found = parent->findChild<T *>(QLatin1String(name));
    if (!found)
        qWarning("no child %s named %s", T::staticMetaObject.className(), name);
    return found;
}

// Waits for the probe and says whether a keyring answered.
bool probed(SecretStore &store)
{
    store.probe();
    return QTest::qWaitFor([&store] {
        return store.availability() == SecretStore::Availability::Available
               || store.availability() == SecretStore::Availability::Unavailable;
    }, 30000);
}

void setLine(QWidget *dialog, const char *name, const QString &text)
{
    QLineEdit *edit = child<QLineEdit>(dialog, name);
    QVERIFY(edit);
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Backspace);
    QTest::keyClicks(edit, text);
    QCOMPARE(edit->text(), text);
}

QPushButton *dialogButton(QWidget *dialog, QDialogButtonBox::StandardButton which)
{
    auto *box = child<QDialogButtonBox>(dialog, "buttonBox");
    return box ? box->button(which) : nullptr;
}

} // namespace

class TestConnectionsDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void addMqttEndpointThroughEditor();
    void keyboardAddAndRemove();
    void invalidUrlDisablesOk();
    void switchingRowsKeepsEdits();
    void insecureShowsWarning();
    void schemeChoosesGroups();
    void editingKeepsUnknownFields();
    void statusTextCountsDown();
    void refusedConnectionShownInList();
    void secretsRoundTripThroughKeyring();
    void noKeyringReportsUnavailable();
    void testConnectionAgainstMosquitto();
    void testConnectionRefusedNamesHost();
    void testConnectionCancel();
    void screenshot();

private:
    bool m_childMode = false;
};

void TestConnectionsDialog::initTestCase()
{
    m_childMode = qEnvironmentVariableIsSet(kChildEnv);
    qRegisterMetaType<ConnectorState>();
}

void TestConnectionsDialog::addMqttEndpointThroughEditor()
{
    if (m_childMode)
        QSKIP("child run: only the no-keyring case");
    // Given an empty workspace and the dialog on it
    ResourceStore store;
    EndpointManager manager(&store);
    SecretStore secrets;
    ConnectionsDialog dialog(&manager, &secrets);
    QAbstractItemModelTester tester(dialog.model(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QVERIFY(!child<EndpointEditor>(&dialog, "endpointEditor")->isEnabled());

    // When the user adds an MQTT broker and fills in the form
    QAction *addMqtt = child<QAction>(&dialog, "addMqttAction");
    QVERIFY(addMqtt);
    addMqtt->trigger();
    QVERIFY(dialog.isDraft());
    QVERIFY(child<EndpointEditor>(&dialog, "endpointEditor")->isEnabled());
    setLine(&dialog, "nameEdit", QStringLiteral("Kitchen broker"));
    setLine(&dialog, "urlEdit", QStringLiteral("mqtt://127.0.0.1:18830"));
    setLine(&dialog, "usernameEdit", QStringLiteral("kitchen"));
    setLine(&dialog, "clientIdEdit", QStringLiteral("thingscape-test"));
    child<QComboBox>(&dialog, "mqttVersionCombo")->setCurrentIndex(1);
    child<QSpinBox>(&dialog, "keepAliveSpin")->setValue(45);
    child<QCheckBox>(&dialog, "cleanSessionCheck")->setChecked(false);
    auto *filters = child<QPlainTextEdit>(&dialog, "filtersEdit");
    filters->clear();
    QTest::keyClicks(filters, QStringLiteral("home/#"));
    QTest::keyClick(filters, Qt::Key_Return);
    QTest::keyClicks(filters, QStringLiteral("sensors/+/temperature"));
    setLine(&dialog, "willTopicEdit", QStringLiteral("clients/thingscape"));
    setLine(&dialog, "willPayloadEdit", QStringLiteral("offline"));
    child<QComboBox>(&dialog, "willQosCombo")->setCurrentIndex(1);
    child<QCheckBox>(&dialog, "willRetainCheck")->setChecked(true);
    child<QCheckBox>(&dialog, "autoConnectCheck")->setChecked(false);
    QPushButton *ok = dialogButton(&dialog, QDialogButtonBox::Ok);
    QVERIFY(ok->isEnabled());
    QTest::mouseClick(ok, Qt::LeftButton);

    // Then the manager holds exactly that endpoint and the dialog closed accepted
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QCOMPARE(manager.endpoints().size(), 1);
    const EndpointConfig config = manager.endpoints().constFirst();
    QVERIFY(!config.id.isEmpty());
    QCOMPARE(config.name, QStringLiteral("Kitchen broker"));
    QCOMPARE(config.url.toString(), QStringLiteral("mqtt://127.0.0.1:18830"));
    QCOMPARE(config.username, QStringLiteral("kitchen"));
    QCOMPARE(config.clientId, QStringLiteral("thingscape-test"));
    QCOMPARE(config.mqttVersion, 5);
    QCOMPARE(config.keepAliveSeconds, 45);
    QCOMPARE(config.cleanSession, false);
    QCOMPARE(config.filters, QStringList({QStringLiteral("home/#"), QStringLiteral("sensors/+/temperature")}));
    QCOMPARE(config.willTopic, QStringLiteral("clients/thingscape"));
    QCOMPARE(config.willPayload, QByteArray("offline"));
    QCOMPARE(config.willQos, 1);
    QCOMPARE(config.willRetain, true);
    QCOMPARE(config.autoConnect, false);
    QCOMPARE(config.insecure, false);
    QCOMPARE(dialog.model()->rowCount(), 1);
    QVERIFY(dialog.model()->index(0).data().toString().contains(QStringLiteral("Kitchen broker")));
    QCOMPARE(dialog.model()->index(0).data(EndpointListModel::UrlRole).toString(), config.url.toString());
}

void TestConnectionsDialog::keyboardAddAndRemove()
{
    if (m_childMode)
        QSKIP("child run: only the no-keyring case");
    ResourceStore store;
    EndpointManager manager(&store);
    SecretStore secrets;
    EndpointConfig existing;
    existing.name = QStringLiteral("Garden");
    existing.url = *ResourceId::parse(QStringLiteral("coap://127.0.0.1:5683"));
    const QString gardenId = manager.add(existing);
    ConnectionsDialog dialog(&manager, &secrets);
    QAbstractItemModelTester tester(dialog.model(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    dialog.show();
    dialog.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&dialog));
    QCOMPARE(dialog.currentId(), gardenId);

    // Ins opens the add menu; its mnemonic picks HTTP
    auto *list = child<QListView>(&dialog, "endpointList");
    list->setFocus();
    QTest::keyClick(list, Qt::Key_Insert);
    auto *menu = child<QMenu>(&dialog, "addMenu");
    QTRY_VERIFY(menu->isVisible());
    QTest::keyClick(menu, Qt::Key_H);
    QTRY_VERIFY(!menu->isVisible());
    QVERIFY(dialog.isDraft());
    QVERIFY(child<QLineEdit>(&dialog, "urlEdit")->text().startsWith(QStringLiteral("http://")));
    // Apply adds it and keeps the dialog open
    QTest::mouseClick(dialogButton(&dialog, QDialogButtonBox::Apply), Qt::LeftButton);
    QCOMPARE(manager.endpoints().size(), 2);
    QVERIFY(!dialog.isDraft());
    QVERIFY(dialog.isVisible());

    // Del on the list asks, and Yes removes
    dialog.selectEndpoint(gardenId);
    list->setFocus();
    QTest::keyClick(list, Qt::Key_Delete);
    QMessageBox *confirm = nullptr;
    QTRY_VERIFY((confirm = dialog.findChild<QMessageBox *>(QStringLiteral("removeConfirmation"))));
    QCOMPARE(confirm->textFormat(), Qt::PlainText);
    QVERIFY(confirm->text().contains(QStringLiteral("Garden")));
    QTest::mouseClick(confirm->button(QMessageBox::Yes), Qt::LeftButton);
    QTRY_COMPARE(manager.endpoints().size(), 1);
    QVERIFY(manager.endpoint(gardenId).id.isEmpty());
    QCOMPARE(dialog.model()->rowCount(), 1);

    // F2 puts the focus on the name
    dialog.selectEndpoint(manager.endpoints().constFirst().id);
    list->setFocus();
    QTest::keyClick(list, Qt::Key_F2);
    QTRY_VERIFY(child<QLineEdit>(&dialog, "nameEdit")->hasFocus());
}

void TestConnectionsDialog::invalidUrlDisablesOk()
{
    if (m_childMode)
        QSKIP("child run: only the no-keyring case");
    ResourceStore store;
    EndpointManager manager(&store);
    SecretStore secrets;
    ConnectionsDialog dialog(&manager, &secrets);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.addEndpoint(QStringLiteral("mqtt"));

    setLine(&dialog, "urlEdit", QStringLiteral("ftp://example.org"));
    auto *error = child<QLabel>(&dialog, "urlError");
    QVERIFY(error->isVisible());
    QVERIFY(!error->text().isEmpty());
    QCOMPARE(error->textFormat(), Qt::PlainText);
    QVERIFY(!dialogButton(&dialog, QDialogButtonBox::Ok)->isEnabled());
    QVERIFY(!dialogButton(&dialog, QDialogButtonBox::Apply)->isEnabled());
    QVERIFY(!child<QPushButton>(&dialog, "testButton")->isEnabled());
    QVERIFY(!dialog.editor()->isValid());
    QVERIFY(!dialog.apply());
    QCOMPARE(manager.endpoints().size(), 0);

    // Markup in the URL is shown as text, never interpreted
    setLine(&dialog, "urlEdit", QStringLiteral("<b>bold</b>"));
    QVERIFY(!dialogButton(&dialog, QDialogButtonBox::Ok)->isEnabled());
    QCOMPARE(error->textFormat(), Qt::PlainText);

    setLine(&dialog, "urlEdit", QStringLiteral("mqtt://broker.example:1884"));
    QVERIFY(!error->isVisible());
    QVERIFY(dialogButton(&dialog, QDialogButtonBox::Ok)->isEnabled());
    QVERIFY(dialog.editor()->isValid());
}

void TestConnectionsDialog::switchingRowsKeepsEdits()
{
    if (m_childMode)
        QSKIP("child run: only the no-keyring case");
    ResourceStore store;
    EndpointManager manager(&store);
    SecretStore secrets;
    EndpointConfig a;
    a.name = QStringLiteral("A");
    a.url = *ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:1"));
    EndpointConfig b;
    b.name = QStringLiteral("B");
    b.url = *ResourceId::parse(QStringLiteral("coap://127.0.0.1:5683"));
    const QString idA = manager.add(a);
    const QString idB = manager.add(b);
    ConnectionsDialog dialog(&manager, &secrets);
    QAbstractItemModelTester tester(dialog.model(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QCOMPARE(dialog.currentId(), idA);
    auto *list = child<QListView>(&dialog, "endpointList");

    // A valid edit is applied when the user moves to another endpoint
    setLine(&dialog, "nameEdit", QStringLiteral("A renamed"));
    list->setCurrentIndex(dialog.model()->index(1));
    QCOMPARE(dialog.currentId(), idB);
    QCOMPARE(manager.endpoint(idA).name, QStringLiteral("A renamed"));
    QCOMPARE(child<QLineEdit>(&dialog, "nameEdit")->text(), QStringLiteral("B"));

    // An invalid one keeps the user on it
    setLine(&dialog, "urlEdit", QStringLiteral("nonsense"));
    list->setCurrentIndex(dialog.model()->index(0));
    QTRY_COMPARE(list->currentIndex().row(), 1);
    QCOMPARE(dialog.currentId(), idB);
    QCOMPARE(child<QLineEdit>(&dialog, "urlEdit")->text(), QStringLiteral("nonsense"));
    QVERIFY(child<QLabel>(&dialog, "statusLabel")->text().contains(QStringLiteral("Fix")));
    QCOMPARE(manager.endpoint(idB).url.toString(), QStringLiteral("coap://127.0.0.1:5683"));

    // An untouched draft is dropped when the user moves away
    setLine(&dialog, "urlEdit", QStringLiteral("coap://127.0.0.1:5683"));
    QVERIFY(dialog.apply());
    dialog.addEndpoint(QStringLiteral("http"));
    QVERIFY(dialog.isDraft());
    list->setCurrentIndex(dialog.model()->index(0));
    QVERIFY(!dialog.isDraft());
    QCOMPARE(manager.endpoints().size(), 2);
}

void TestConnectionsDialog::insecureShowsWarning()
{
    if (m_childMode)
        QSKIP("child run: only the no-keyring case");
    EndpointEditor editor;
    EndpointConfig config;
    config.url = *ResourceId::parse(QStringLiteral("mqtts://broker.example:8883"));
    editor.setConfig(config);
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    auto *tabs = child<QTabWidget>(&editor, "editorTabs");
    tabs->setCurrentIndex(1); // Security
    auto *insecure = child<QCheckBox>(&editor, "insecureCheck");
    auto *warning = child<QLabel>(&editor, "insecureWarning");
    QVERIFY(insecure->isVisible());
    QVERIFY(!warning->isVisible());
    QSignalSpy changed(&editor, &EndpointEditor::changed);
    QTest::mouseClick(insecure, Qt::LeftButton);
    QVERIFY(insecure->isChecked());
    QVERIFY(warning->isVisible());
    QCOMPARE(warning->textFormat(), Qt::PlainText);
    QVERIFY(warning->text().contains(QStringLiteral("not verified")));
    QVERIFY(changed.count() >= 1);
    QVERIFY(editor.config().insecure);
    QVERIFY(editor.isModified());
    QTest::mouseClick(insecure, Qt::LeftButton);
    QVERIFY(!warning->isVisible());
    QVERIFY(!editor.config().insecure);
}

void TestConnectionsDialog::schemeChoosesGroups()
{
    if (m_childMode)
        QSKIP("child run: only the no-keyring case");
    EndpointEditor editor;
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    auto *tabs = child<QTabWidget>(&editor, "editorTabs");
    auto visibleTabs = [tabs] {
        QStringList names;
        for (int i = 0; i < tabs->count(); ++i) {
            if (tabs->isTabVisible(i))
                names.append(tabs->widget(i)->objectName().isEmpty() ? tabs->tabText(i).remove(QLatin1Char('&'))
                                                                     : tabs->widget(i)->objectName());
        }
        return names;
    };
    setLine(&editor, "urlEdit", QStringLiteral("mqtt://localhost:1883"));
    QCOMPARE(visibleTabs(), QStringList({QStringLiteral("General"), QStringLiteral("MQTT")}));
    setLine(&editor, "urlEdit", QStringLiteral("coaps://localhost:5684"));
    QCOMPARE(visibleTabs(), QStringList({QStringLiteral("General"), QStringLiteral("Security"), QStringLiteral("Polling")}));
    tabs->setCurrentIndex(1);
    QVERIFY(child<QLineEdit>(&editor, "pskIdentityEdit")->isVisible());
    QCOMPARE(child<QLineEdit>(&editor, "pskKeyEdit")->echoMode(), QLineEdit::Password);
    tabs->setCurrentIndex(0);
    QVERIFY(!child<QLineEdit>(&editor, "usernameEdit")->isVisible()); // CoAP has no user names
    setLine(&editor, "urlEdit", QStringLiteral("https://device.local:8443/things"));
    QCOMPARE(visibleTabs(), QStringList({QStringLiteral("General"), QStringLiteral("Security"), QStringLiteral("Polling")}));
    QVERIFY(child<QLineEdit>(&editor, "bearerTokenEdit")->isVisible());
    QCOMPARE(child<QLineEdit>(&editor, "passwordEdit")->echoMode(), QLineEdit::Password);
    tabs->setCurrentIndex(1);
    QVERIFY(!child<QLineEdit>(&editor, "pskIdentityEdit")->isVisible());
    QVERIFY(child<QPushButton>(&editor, "caFileBrowse")->isVisible());

    // A CA file that does not exist is named in the error
    setLine(&editor, "caFileEdit", QStringLiteral("/nonexistent/ca.pem"));
    QVERIFY(!editor.isValid());
    QVERIFY(editor.validationError().contains(QStringLiteral("/nonexistent/ca.pem")));
    child<QLineEdit>(&editor, "caFileEdit")->clear();
    QVERIFY(editor.isValid());
    tabs->setCurrentIndex(3);
    child<QSpinBox>(&editor, "pollIntervalSpin")->setValue(5000);
    child<QSpinBox>(&editor, "requestTimeoutSpin")->setValue(3000);
    QCOMPARE(editor.config().pollIntervalMs, 5000);
    QCOMPARE(editor.config().requestTimeoutMs, 3000);
}

void TestConnectionsDialog::editingKeepsUnknownFields()
{
    if (m_childMode)
        QSKIP("child run: only the no-keyring case");
    EndpointConfig config;
    config.id = QStringLiteral("fixed-id");
    config.name = QStringLiteral("Lab");
    config.url = *ResourceId::parse(QStringLiteral("mqtts://lab.example:8883"));
    config.extra.insert(QStringLiteral("futureOption"), 7);
    config.password = QStringLiteral("pw");
    EndpointEditor editor;
    editor.setConfig(config);
    QVERIFY(!editor.isModified());
    const EndpointConfig back = editor.config();
    QCOMPARE(back.id, config.id);
    QCOMPARE(back.extra, config.extra);
    QCOMPARE(back.password, QStringLiteral("pw"));
    QCOMPARE(back.toJson(), config.toJson());

    // Secrets arriving later fill only what the user left untouched
    EndpointConfig loaded = config;
    loaded.password = QStringLiteral("from keyring");
    loaded.bearerToken = QStringLiteral("token");
    editor.mergeSecrets(loaded);
    QCOMPARE(editor.config().password, QStringLiteral("pw"));
    QCOMPARE(editor.config().bearerToken, QStringLiteral("token"));
}

void TestConnectionsDialog::statusTextCountsDown()
{
    if (m_childMode)
        QSKIP("child run: only the no-keyring case");
    const QDateTime now = QDateTime::currentDateTimeUtc();
    EndpointManager::Status status;
    status.state = ConnectorState::BackingOff;
    status.lastError = QStringLiteral("127.0.0.1:1: connection refused");
    status.nextRetry = now.addMSecs(4200);
    QCOMPARE(EndpointListModel::secondsUntil(status.nextRetry, now), 5);
    const QString text = EndpointListModel::statusText(status, now);
    QVERIFY2(text.contains(QStringLiteral("reconnecting in 5 s")), qPrintable(text));
    QVERIFY2(text.contains(status.lastError), qPrintable(text));
    QVERIFY(EndpointListModel::statusText(status, now.addSecs(2)).contains(QStringLiteral("reconnecting in 3 s")));
    QVERIFY(EndpointListModel::statusText(status, now.addSecs(10)).contains(QStringLiteral("reconnecting now")));
    status.state = ConnectorState::Connected;
    QCOMPARE(EndpointListModel::statusText(status, now), connectorStateName(ConnectorState::Connected));
}

void TestConnectionsDialog::refusedConnectionShownInList()
{
    if (m_childMode)
        QSKIP("child run: only the no-keyring case");
    // The state and the last error of a real failed connection reach the list
    ResourceStore store;
    EndpointManager manager(&store);
    SecretStore secrets;
    EndpointConfig config;
    config.name = QStringLiteral("Nobody home");
    config.url = *ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:%1").arg(testsupport::freeTcpPort()));
    const QString id = manager.add(config);
    ConnectionsDialog dialog(&manager, &secrets);
    QAbstractItemModelTester tester(dialog.model(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QVERIFY(child<QPushButton>(&dialog, "connectButton")->isEnabled());
    QTest::mouseClick(child<QPushButton>(&dialog, "connectButton"), Qt::LeftButton);
    const QModelIndex row = dialog.model()->index(0);
    QTRY_VERIFY_WITH_TIMEOUT(!row.data(EndpointListModel::LastErrorRole).toString().isEmpty(), 20000);
    const auto state = ConnectorState(row.data(EndpointListModel::StateRole).toInt());
    QVERIFY(state != ConnectorState::Connected);
    QVERIFY(row.data().toString().contains(row.data(EndpointListModel::LastErrorRole).toString()));
    QVERIFY(!row.data(Qt::DecorationRole).value<QIcon>().isNull());
    if (state == ConnectorState::BackingOff) {
        // A countdown while waiting to reconnect, refreshed every second
        QVERIFY(row.data(EndpointListModel::RetryInRole).toInt() >= 0);
        QVERIFY(child<QPushButton>(&dialog, "disconnectButton")->isEnabled());
        QSignalSpy ticks(dialog.model(), &QAbstractItemModel::dataChanged);
        QTRY_VERIFY_WITH_TIMEOUT(!ticks.isEmpty(), 2500);
        QVERIFY(child<QLabel>(&dialog, "endpointStatus")->text().contains(QStringLiteral("reconnect")));
    } else {
        qInfo("state after the refused connection: %s", qPrintable(connectorStateName(state)));
    }
    manager.disconnectEndpoint(id);
}

void TestConnectionsDialog::secretsRoundTripThroughKeyring()
{
    if (m_childMode)
        QSKIP("child run: only the no-keyring case");
    SecretStore secrets;
    QVERIFY(probed(secrets));
    if (!secrets.isAvailable())
        QSKIP(qPrintable(QStringLiteral("no secret service on this D-Bus session (run through run-with-keyring.sh): ")
                         + secrets.unavailableReason()));

    // Given a new endpoint with a password entered in the dialog
    ResourceStore store;
    EndpointManager manager(&store);
    ConnectionsDialog dialog(&manager, &secrets);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QVERIFY(!child<QLabel>(&dialog, "keyringWarning")->isVisible());
    dialog.addEndpoint(QStringLiteral("mqtts"));
    setLine(&dialog, "nameEdit", QStringLiteral("Secure broker"));
    setLine(&dialog, "usernameEdit", QStringLiteral("alice"));
    setLine(&dialog, "passwordEdit", QStringLiteral("correct horse battery staple"));
    QSignalSpy saved(&dialog, &ConnectionsDialog::secretsSaved);
    QTest::mouseClick(dialogButton(&dialog, QDialogButtonBox::Ok), Qt::LeftButton);
    QVERIFY(saved.wait(20000));
    QCOMPARE(saved.at(0).at(1).toBool(), true);
    const QString id = saved.at(0).at(0).toString();
    const EndpointConfig config = manager.endpoint(id);
    QCOMPARE(config.password, QStringLiteral("correct horse battery staple"));

    // Then the workspace JSON never holds it
    const QByteArray json = QJsonDocument(config.toJson()).toJson();
    QVERIFY(!json.contains("correct horse"));
    QVERIFY(!json.contains("\"password\""));
    QVERIFY(json.contains("alice"));

    // And a fresh store (another session) reads it back from the keyring
    SecretStore fresh;
    EndpointConfig withoutSecrets = EndpointConfig::fromJson(config.toJson());
    QVERIFY(withoutSecrets.password.isEmpty());
    bool loaded = false;
    EndpointConfig back;
    fresh.loadSecrets(withoutSecrets, [&](const EndpointConfig &result, const QString &error) {
        QVERIFY2(error.isEmpty(), qPrintable(error));
        back = result;
        loaded = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(loaded, 20000);
    QCOMPARE(back.password, QStringLiteral("correct horse battery staple"));
    QVERIFY(fresh.isAvailable());

    // Binary PSKs and the other fields survive too; empty fields are deleted
    back.pskKey = QByteArray("\x00\x01\xfe\xff", 4);
    back.keyPassword = QStringLiteral("key pass");
    back.bearerToken = QStringLiteral("tok");
    back.password.clear();
    bool done = false;
    fresh.saveSecrets(back, [&](bool ok, const QString &error) {
        QVERIFY2(ok, qPrintable(error));
        done = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, 20000);
    loaded = false;
    secrets.loadSecrets(withoutSecrets, [&](const EndpointConfig &result, const QString &) {
        back = result;
        loaded = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(loaded, 20000);
    QCOMPARE(back.pskKey, QByteArray("\x00\x01\xfe\xff", 4));
    QCOMPARE(back.keyPassword, QStringLiteral("key pass"));
    QCOMPARE(back.bearerToken, QStringLiteral("tok"));
    QVERIFY(back.password.isEmpty());

    // Removing the endpoint's secrets leaves nothing behind
    done = false;
    fresh.removeSecrets(id, [&](bool ok, const QString &error) {
        QVERIFY2(ok, qPrintable(error));
        done = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, 20000);
    loaded = false;
    fresh.loadSecrets(withoutSecrets, [&](const EndpointConfig &result, const QString &) {
        back = result;
        loaded = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(loaded, 20000);
    QVERIFY(!back.hasSecrets());
}

void TestConnectionsDialog::noKeyringReportsUnavailable()
{
    if (!m_childMode) {
        // GDBus keeps the session bus it found for the life of the process, so the
        // no-keyring case runs in a child with a dead bus address.
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QLatin1String(kChildEnv), QStringLiteral("1"));
        env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), QStringLiteral("unix:path=/nonexistent/thingscape-bus"));
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        process.setProcessEnvironment(env);
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(QCoreApplication::applicationFilePath(), {QStringLiteral("noKeyringReportsUnavailable")});
        QVERIFY(process.waitForFinished(90000));
        const QByteArray output = process.readAll();
        QVERIFY2(process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0, output.constData());
        QVERIFY2(output.contains("PASS   : TestConnectionsDialog::noKeyringReportsUnavailable"), output.constData());
        return;
    }

    // The store says so...
    SecretStore secrets;
    QVERIFY(probed(secrets));
    QVERIFY(!secrets.isAvailable());
    QCOMPARE(secrets.availability(), SecretStore::Availability::Unavailable);
    qInfo("keyring unavailable as expected: %s", qPrintable(secrets.unavailableReason()));

    // ...and so does the dialog
    ResourceStore store;
    EndpointManager manager(&store);
    EndpointConfig config;
    config.name = QStringLiteral("Needs a password");
    config.username = QStringLiteral("bob");
    config.url = *ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:%1").arg(testsupport::freeTcpPort()));
    const QString id = manager.add(config);
    ConnectionsDialog dialog(&manager, &secrets);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    auto *warning = child<QLabel>(&dialog, "keyringWarning");
    QTRY_VERIFY(warning->isVisible());
    QVERIFY(warning->text().contains(QStringLiteral("No keyring is available")));
    QCOMPARE(warning->textFormat(), Qt::PlainText);
    if (const QString dir = qEnvironmentVariable("THINGSCAPE_SCREENSHOT_DIR"); !dir.isEmpty())
        QVERIFY(dialog.grab().save(dir + QStringLiteral("/connections-nokeyring.png")));

    // Connecting asks for the missing password, masked, and the answer reaches the manager
    QTest::mouseClick(child<QPushButton>(&dialog, "connectButton"), Qt::LeftButton);
    QInputDialog *prompt = nullptr;
    QTRY_VERIFY((prompt = dialog.findChild<QInputDialog *>(QStringLiteral("secretPrompt"))));
    QCOMPARE(prompt->textEchoMode(), QLineEdit::Password);
    QVERIFY(prompt->labelText().contains(QStringLiteral("Needs a password")));
    prompt->setTextValue(QStringLiteral("typed at connect"));
    prompt->accept();
    QTRY_COMPARE(manager.endpoint(id).password, QStringLiteral("typed at connect"));

    // Kept in memory for this session only
    bool loaded = false;
    EndpointConfig back;
    EndpointConfig withoutSecrets = manager.endpoint(id);
    withoutSecrets.password.clear();
    secrets.loadSecrets(withoutSecrets, [&](const EndpointConfig &result, const QString &) {
        back = result;
        loaded = true;
    });
    QTRY_VERIFY(loaded);
    QCOMPARE(back.password, QStringLiteral("typed at connect"));
    SecretStore nextSession;
    loaded = false;
    nextSession.loadSecrets(withoutSecrets, [&](const EndpointConfig &result, const QString &) {
        back = result;
        loaded = true;
    });
    QTRY_VERIFY(loaded);
    QVERIFY(back.password.isEmpty());
    manager.disconnectEndpoint(id);
}

void TestConnectionsDialog::testConnectionAgainstMosquitto()
{
    if (m_childMode)
        QSKIP("child run: only the no-keyring case");
    {
        EndpointConfig probe;
        probe.url = *ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:1883"));
        QString error;
        QVERIFY2(createConnector(probe, &error), qPrintable(error));
    }
    testsupport::Mosquitto mosquitto;
    QVERIFY2(mosquitto.start(), qPrintable(mosquitto.log()));

    ResourceStore store;
    EndpointManager manager(&store);
    SecretStore secrets;
    ConnectionsDialog dialog(&manager, &secrets);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.addEndpoint(QStringLiteral("mqtt"));
    const QString target = QStringLiteral("127.0.0.1:%1").arg(mosquitto.port());
    setLine(&dialog, "urlEdit", QStringLiteral("mqtt://") + target);

    QSignalSpy finished(&dialog, &ConnectionsDialog::testFinished);
    auto *test = child<QPushButton>(&dialog, "testButton");
    QTest::mouseClick(test, Qt::LeftButton);
    QVERIFY(dialog.isTesting());
    QVERIFY(child<QProgressBar>(&dialog, "testBusy")->isVisible());
    QVERIFY(!test->isEnabled());
    QVERIFY(finished.wait(30000));
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    auto *result = child<QLabel>(&dialog, "testResult");
    QCOMPARE(result->textFormat(), Qt::PlainText);
    QVERIFY2(result->text().startsWith(QStringLiteral("Connected to ") + target), qPrintable(result->text()));
    QVERIFY(!dialog.isTesting());
    QVERIFY(!child<QProgressBar>(&dialog, "testBusy")->isVisible());
    QVERIFY(test->isEnabled());
    // The test touches nothing in the workspace
    QCOMPARE(manager.endpoints().size(), 0);
}

void TestConnectionsDialog::testConnectionRefusedNamesHost()
{
    if (m_childMode)
        QSKIP("child run: only the no-keyring case");
    {
        EndpointConfig probe;
        probe.url = *ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:1883"));
        QString error;
        QVERIFY2(createConnector(probe, &error), qPrintable(error));
    }
    ResourceStore store;
    EndpointManager manager(&store);
    SecretStore secrets;
    ConnectionsDialog dialog(&manager, &secrets);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.addEndpoint(QStringLiteral("mqtt"));
    const QString target = QStringLiteral("127.0.0.1:%1").arg(testsupport::freeTcpPort());
    setLine(&dialog, "urlEdit", QStringLiteral("mqtt://") + target);

    QSignalSpy finished(&dialog, &ConnectionsDialog::testFinished);
    QTest::mouseClick(child<QPushButton>(&dialog, "testButton"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 30000);
    QCOMPARE(finished.at(0).at(0).toBool(), false);
    const QString message = finished.at(0).at(1).toString();
    QVERIFY2(message.contains(QStringLiteral("127.0.0.1")), qPrintable(message));
    QCOMPARE(child<QLabel>(&dialog, "testResult")->text(), message);
    qInfo("refused: %s", qPrintable(message));
}

void TestConnectionsDialog::testConnectionCancel()
{
    if (m_childMode)
        QSKIP("child run: only the no-keyring case");
    {
        EndpointConfig probe;
        probe.url = *ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:1883"));
        QVERIFY(createConnector(probe));
    }
    ResourceStore store;
    EndpointManager manager(&store);
    SecretStore secrets;
    ConnectionsDialog dialog(&manager, &secrets);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    // A peer that accepts the TCP connection and never answers MQTT: the test hangs there.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost));
    dialog.addEndpoint(QStringLiteral("mqtt"));
    setLine(&dialog, "urlEdit", QStringLiteral("mqtt://127.0.0.1:%1").arg(silent.serverPort()));
    QSignalSpy finished(&dialog, &ConnectionsDialog::testFinished);
    QTest::mouseClick(child<QPushButton>(&dialog, "testButton"), Qt::LeftButton);
    QVERIFY(dialog.isTesting());
    auto *cancel = child<QPushButton>(&dialog, "cancelTestButton");
    QVERIFY(cancel->isVisible());
    QTest::mouseClick(cancel, Qt::LeftButton);
    QCOMPARE(finished.count(), 1);
    QCOMPARE(finished.at(0).at(0).toBool(), false);
    QVERIFY(!dialog.isTesting());
    QVERIFY(!cancel->isVisible());
    // The abandoned attempt's result is dropped. Showing that it never shows up needs something
    // to wait for instead of a sleep: a second test, against a refused port. The cancel was queued
    // to the I/O thread before that test's connect, so the abandoned attempt's result, were it
    // passed on, would come before the second test's report, which needs a connect round trip.
    // The only report after the cancel must be the second test's.
    const QString refused = QStringLiteral("127.0.0.1:%1").arg(testsupport::freeTcpPort());
    setLine(&dialog, "urlEdit", QStringLiteral("mqtt://") + refused);
    QTest::mouseClick(child<QPushButton>(&dialog, "testButton"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() >= 2, 30000);
    QCOMPARE(finished.count(), 2);
    QCOMPARE(finished.at(1).at(0).toBool(), false);
    const QString message = finished.at(1).at(1).toString();
    QVERIFY2(message.contains(refused), qPrintable(message));
}

void TestConnectionsDialog::screenshot()
{
    if (m_childMode)
        QSKIP("child run: only the no-keyring case");
    const QString dir = qEnvironmentVariable("THINGSCAPE_SCREENSHOT_DIR");
    if (dir.isEmpty())
        QSKIP("set THINGSCAPE_SCREENSHOT_DIR to write connections.png");
    ResourceStore store;
    EndpointManager manager(&store);
    SecretStore secrets;
    QVERIFY(probed(secrets));
    const char *const urls[] = {"mqtt://127.0.0.1:1", "coap://sensors.local:5683", "https://thing.local:8443/td"};
    const char *const names[] = {"Home broker", "Garden sensors", "Heat pump (WoT)"};
    for (int i = 0; i < 3; ++i) {
        EndpointConfig config;
        config.name = QLatin1String(names[i]);
        config.url = *ResourceId::parse(QLatin1String(urls[i]));
        config.username = i == 2 ? QStringLiteral("home") : QString();
        manager.add(config);
    }
    manager.connectEndpoint(manager.endpoints().constFirst().id);
    ConnectionsDialog dialog(&manager, &secrets);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTRY_VERIFY_WITH_TIMEOUT(!dialog.model()->index(0).data(EndpointListModel::LastErrorRole).toString().isEmpty(),
                             10000);
    QVERIFY(child<QLabel>(&dialog, "endpointStatus")->text().contains(QStringLiteral("127.0.0.1:1")));
    QSignalSpy finished(&dialog, &ConnectionsDialog::testFinished);
    QTest::mouseClick(child<QPushButton>(&dialog, "testButton"), Qt::LeftButton);
    QVERIFY(finished.wait(20000));
    QVERIFY(dialog.grab().save(dir + QStringLiteral("/connections.png")));
    child<QTabWidget>(&dialog, "editorTabs")->setCurrentIndex(2);
    QVERIFY(dialog.grab().save(dir + QStringLiteral("/connections-mqtt.png")));
    dialog.addEndpoint(QStringLiteral("coaps"));
    child<QTabWidget>(&dialog, "editorTabs")->setCurrentIndex(1);
    child<QCheckBox>(&dialog, "insecureCheck")->setChecked(true);
    QVERIFY(dialog.grab().save(dir + QStringLiteral("/connections-security.png")));
}

QTEST_MAIN(TestConnectionsDialog)
#include "tst_connectionsdialog.moc"
