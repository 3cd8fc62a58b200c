// The Compose dock offscreen with real peers: a request composed in the fields and sent with
// Ctrl+Return on each protocol, its response shown (status, options / headers, payload); a bad
// payload named before anything goes; the history kept across reopening the workspace, and
// resent from the list; templates; repeat with a count.

#include "ui/composedock.h"

#include "model/composehistory.h"
#include "model/resourcestore.h"
#include "protocols/engine/composer.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/secretprovider.h" // engine.h keeps a QPointer to one
#include "tests/support/composepeers.h"
#include "tests/support/testsupport.h"

#include <QComboBox>
#include <QCheckBox>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

using namespace thingscape;

namespace {

template<typename T>
T *child(QWidget *parent, const char *name)
{
    T *found = parent->findChild<T *>(QString::fromLatin1(name));
    if (!found)
        qFatal("no child %s", name);
    return found;
}

void grabIfAsked(QWidget *widget, const QString &name)
{
    const QString dir = qEnvironmentVariable("THINGSCAPE_SCREENSHOT_DIR");
    if (!dir.isEmpty())
        widget->grab().save(dir + QLatin1Char('/') + name + QStringLiteral(".png"));
}

} // namespace

class TestComposeDock : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void mqttWithPropertiesSentByCtrlReturn();
    void coapCustomOptionSeenByTheServer();
    void httpHeadersSeenByTheServer();
    void badJsonIsNamedAndNothingIsSent();
    void prettyPrintIsUndoable();
    void historyPersistsAcrossReopenAndResends();
    void repeatSendsTheCount();

private:
    testsupport::Mosquitto m_broker;
};

void TestComposeDock::initTestCase()
{
    REQUIRE_BINARY(mosquitto, "mosquitto", "mosquitto");
    QVERIFY(m_broker.start());
}

void TestComposeDock::mqttWithPropertiesSentByCtrlReturn()
{
    REQUIRE_BINARY(sub, "mosquitto_sub", "mosquitto-clients");
    const QString topic = QStringLiteral("composedock/%1/cmd").arg(QCoreApplication::applicationPid());
    QProcess subscriber;
    QVERIFY(testsupport::startMqtt5Subscriber(&subscriber, m_broker.port(), topic, QStringLiteral("%C|%R|%D|%P|%q|%r|%p")));

    Engine engine;
    Composer composer(&engine);
    ComposeDock dock(&composer, engine.store());
    dock.resize(1300, 300);
    dock.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dock));
    child<QLineEdit>(&dock, "composeUri")->setText(QStringLiteral("mqtt://127.0.0.1:%1/%2").arg(m_broker.port()).arg(topic));
    child<QComboBox>(&dock, "composeFormat")->setCurrentIndex(1); // JSON
    child<QPlainTextEdit>(&dock, "composePayload")->setPlainText(QStringLiteral("{\"fan\": \"on\"}"));
    child<QComboBox>(&dock, "composeQos")->setCurrentIndex(1);
    child<QCheckBox>(&dock, "composeRetain")->setChecked(true);
    child<QLineEdit>(&dock, "composeResponseTopic")->setText(QStringLiteral("reply/here"));
    child<QLineEdit>(&dock, "composeCorrelation")->setText(QStringLiteral("c-42"));
    child<QPlainTextEdit>(&dock, "composeUserProperties")->setPlainText(QStringLiteral("origin: dock\nrun: 1"));
    // The options page follows the scheme.
    QCOMPARE(child<QWidget>(&dock, "composeOptions")->property("currentIndex").toInt(), 0);

    auto *payload = child<QPlainTextEdit>(&dock, "composePayload");
    payload->setFocus();
    QTest::keyClick(payload, Qt::Key_Return, Qt::ControlModifier);
    QTRY_VERIFY_WITH_TIMEOUT(dock.lastResponse().time.isValid(), 20000);
    QVERIFY2(dock.lastResponse().result.ok(), qPrintable(dock.lastResponse().result.error));
    QVERIFY2(child<QLabel>(&dock, "composeStatus")->text().contains(QLatin1String("QoS 1")),
             qPrintable(child<QLabel>(&dock, "composeStatus")->text()));
    QCOMPARE(payload->toPlainText(), QStringLiteral("{\"fan\": \"on\"}")); // Ctrl+Return added no newline

    QTRY_VERIFY_WITH_TIMEOUT(subscriber.state() == QProcess::NotRunning, 15000);
    const QString line = QString::fromUtf8(testsupport::subscriberPayloads(subscriber.readAllStandardOutput())).trimmed();
    QCOMPARE(line, QStringLiteral("application/json|reply/here|c-42|origin:dock run:1|1|0|{\"fan\": \"on\"}"));
    grabIfAsked(&dock, QStringLiteral("compose-mqtt"));
    // Retained on the broker: clean up for other tests.
    QProcess::execute(QStringLiteral("mosquitto_pub"), {"-p", QString::number(m_broker.port()), "-t", topic, "-r", "-n"});
}

void TestComposeDock::coapCustomOptionSeenByTheServer()
{
    REQUIRE_BINARY(server, "coap-server-openssl", "libcoap3-bin");
    testsupport::CoapServerProcess coapServer;
    QVERIFY(coapServer.start(server, true));
    const quint16 port = coapServer.port();

    Engine engine;
    Composer composer(&engine);
    ComposeDock dock(&composer, engine.store());
    dock.resize(1300, 300);
    dock.show();
    child<QLineEdit>(&dock, "composeUri")->setText(QStringLiteral("coap://127.0.0.1:%1/time").arg(port));
    QCOMPARE(child<QWidget>(&dock, "composeOptions")->property("currentIndex").toInt(), 1);
    child<QComboBox>(&dock, "composeMethod")->setCurrentText(QStringLiteral("GET"));
    child<QComboBox>(&dock, "composeConfirmable")->setCurrentIndex(1); // NON
    child<QPlainTextEdit>(&dock, "composeCoapOptions")->setPlainText(QStringLiteral("65002: 0xbeef\n2050: hi"));
    child<QComboBox>(&dock, "composeObserve")->setCurrentIndex(0);
    dock.send();
    QTRY_VERIFY_WITH_TIMEOUT(dock.lastResponse().time.isValid(), 20000);
    QVERIFY2(dock.lastResponse().result.ok(), qPrintable(dock.lastResponse().result.error));
    QCOMPARE(dock.lastResponse().status, 205);
    QVERIFY2(dock.responseText().contains(QLatin1String("2.05 Content")), qPrintable(dock.responseText()));
    QVERIFY2(dock.responseText().contains(QLatin1String("Max-Age: ")), qPrintable(dock.responseText()));
    QTRY_VERIFY_WITH_TIMEOUT(coapServer.log().contains("65002:\\xBE\\xEF"), 10000);
    QVERIFY2(coapServer.log().contains("t:NON"), coapServer.log().constData());
    QVERIFY2(coapServer.log().contains("2050:\\x68\\x69"), coapServer.log().constData());
    grabIfAsked(&dock, QStringLiteral("compose-coap"));
}

void TestComposeDock::httpHeadersSeenByTheServer()
{
    QHttpServer http;
    QByteArray custom;
    http.route("/api/echo", [&](const QHttpServerRequest &request) {
        custom = request.value(QByteArrayLiteral("X-Trace"));
        QHttpServerResponse response(QByteArrayLiteral("application/json"), QByteArray("{\"got\":") + request.body() + "}");
        response.addHeader(QByteArrayLiteral("X-Answer"), QByteArrayLiteral("42"));
        return response;
    });
    const quint16 port = http.listen(QHostAddress::LocalHost, 0);
    QVERIFY(port != 0);
    Engine engine;
    Composer composer(&engine);
    ComposeDock dock(&composer, engine.store());
    dock.show();
    child<QLineEdit>(&dock, "composeUri")->setText(QStringLiteral("http://127.0.0.1:%1/api/echo").arg(port));
    QCOMPARE(child<QWidget>(&dock, "composeOptions")->property("currentIndex").toInt(), 2);
    child<QComboBox>(&dock, "composeMethod")->setCurrentText(QStringLiteral("POST"));
    child<QComboBox>(&dock, "composeFormat")->setCurrentIndex(1);
    child<QPlainTextEdit>(&dock, "composePayload")->setPlainText(QStringLiteral("[1,2]"));
    child<QPlainTextEdit>(&dock, "composeHeaders")->setPlainText(QStringLiteral("X-Trace: abc-1"));
    dock.send();
    QTRY_VERIFY_WITH_TIMEOUT(dock.lastResponse().time.isValid(), 20000);
    QVERIFY2(dock.lastResponse().result.ok(), qPrintable(dock.lastResponse().result.error));
    QCOMPARE(custom, QByteArray("abc-1"));
    const QString shown = dock.responseText();
    QVERIFY2(shown.contains(QLatin1String("200 OK")), qPrintable(shown));
    QVERIFY2(shown.contains(QLatin1String("X-Answer: 42")), qPrintable(shown));
    QVERIFY2(shown.contains(QLatin1String("\"got\"")), qPrintable(shown)); // pretty JSON payload
}

void TestComposeDock::badJsonIsNamedAndNothingIsSent()
{
    QHttpServer http;
    int hits = 0;
    http.route("/x", [&](const QHttpServerRequest &) {
        ++hits;
        return QHttpServerResponse(QHttpServerResponse::StatusCode::NoContent);
    });
    const quint16 port = http.listen(QHostAddress::LocalHost, 0);
    Engine engine;
    Composer composer(&engine);
    ComposeDock dock(&composer, engine.store());
    dock.show();
    child<QLineEdit>(&dock, "composeUri")->setText(QStringLiteral("http://127.0.0.1:%1/x").arg(port));
    child<QComboBox>(&dock, "composeMethod")->setCurrentText(QStringLiteral("PUT"));
    child<QComboBox>(&dock, "composeFormat")->setCurrentIndex(1);
    child<QPlainTextEdit>(&dock, "composePayload")->setPlainText(QStringLiteral("{\"a\": tru}"));
    QVERIFY(!child<QLabel>(&dock, "composePayloadProblem")->text().isEmpty()); // said while typing
    dock.send();
    QTRY_VERIFY_WITH_TIMEOUT(dock.lastResponse().time.isValid(), 20000);
    QCOMPARE(dock.lastResponse().result.kind, ErrorKind::Usage);
    QVERIFY2(child<QLabel>(&dock, "composeStatus")->text().contains(QLatin1String("JSON payload")),
             qPrintable(child<QLabel>(&dock, "composeStatus")->text()));
    QCOMPARE(hits, 0);
    // A header line without a colon is named too, and nothing goes.
    child<QPlainTextEdit>(&dock, "composePayload")->setPlainText(QStringLiteral("{\"a\": true}"));
    child<QPlainTextEdit>(&dock, "composeHeaders")->setPlainText(QStringLiteral("X-Ok: 1\nbroken header"));
    dock.send();
    QVERIFY2(child<QLabel>(&dock, "composeStatus")->text().contains(QLatin1String("'broken header'")),
             qPrintable(child<QLabel>(&dock, "composeStatus")->text()));
    QCOMPARE(hits, 0);
    child<QPlainTextEdit>(&dock, "composeHeaders")->clear();
    // Fixed, it goes.
    child<QPlainTextEdit>(&dock, "composePayload")->setPlainText(QStringLiteral("{\"a\": true}"));
    dock.send();
    QTRY_COMPARE_WITH_TIMEOUT(hits, 1, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(dock.lastResponse().status, 204, 20000);
}

void TestComposeDock::prettyPrintIsUndoable()
{
    Composer composer(nullptr);
    ResourceStore store;
    ComposeDock dock(&composer, &store);
    dock.show();
    auto *payload = child<QPlainTextEdit>(&dock, "composePayload");
    child<QComboBox>(&dock, "composeFormat")->setCurrentIndex(1);
    payload->setPlainText(QStringLiteral("{\"a\":[1,2],\"b\":{\"c\":null}}"));
    QTest::mouseClick(child<QPushButton>(&dock, "composePretty"), Qt::LeftButton);
    QCOMPARE(payload->toPlainText(), QStringLiteral("{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {\n    \"c\": null\n  }\n}"));
    payload->undo();
    QCOMPARE(payload->toPlainText(), QStringLiteral("{\"a\":[1,2],\"b\":{\"c\":null}}"));
}

void TestComposeDock::historyPersistsAcrossReopenAndResends()
{
    QHttpServer http;
    QList<QByteArray> bodies;
    http.route("/h", [&](const QHttpServerRequest &request) {
        bodies.append(request.body());
        return QHttpServerResponse(QByteArrayLiteral("text/plain"), QByteArray("ok"));
    });
    const quint16 port = http.listen(QHostAddress::LocalHost, 0);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("ws.json"));
    {
        Engine engine;
        Composer composer(&engine);
        ComposeDock dock(&composer, engine.store());
        dock.show();
        child<QLineEdit>(&dock, "composeUri")->setText(QStringLiteral("http://127.0.0.1:%1/h").arg(port));
        child<QComboBox>(&dock, "composeMethod")->setCurrentText(QStringLiteral("POST"));
        child<QPlainTextEdit>(&dock, "composePayload")->setPlainText(QStringLiteral("first"));
        dock.send();
        QTRY_COMPARE_WITH_TIMEOUT(bodies.size(), 1, 20000);
        child<QPlainTextEdit>(&dock, "composePayload")->setPlainText(QStringLiteral("second"));
        dock.send();
        QTRY_COMPARE_WITH_TIMEOUT(bodies.size(), 2, 20000);
        composer.history()->saveTemplate(QStringLiteral("greeting"), dock.request());
        QString error;
        QVERIFY2(engine.save(path, &error), qPrintable(error));
    }
    Engine engine;
    Composer composer(&engine);
    ComposeDock dock(&composer, engine.store());
    dock.resize(1300, 300);
    dock.show();
    QString error;
    QVERIFY2(engine.load(path, &error), qPrintable(error));
    auto *list = child<QListWidget>(&dock, "composeHistory");
    QCOMPARE(list->count(), 2);
    QVERIFY(list->item(0)->text().contains(QLatin1String("second")));
    QVERIFY(list->item(1)->text().contains(QLatin1String("first")));
    QCOMPARE(child<QListWidget>(&dock, "composeTemplates")->count(), 1);
    // Searching narrows the list; resend sends the entry as it was.
    child<QLineEdit>(&dock, "composeHistorySearch")->setText(QStringLiteral("FIRST"));
    QCOMPARE(list->count(), 1);
    list->setCurrentRow(0);
    QTest::mouseClick(child<QPushButton>(&dock, "composeResend"), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(bodies.size(), 3, 20000);
    QCOMPARE(bodies.at(2), QByteArray("first"));
    QCOMPARE(child<QPlainTextEdit>(&dock, "composePayload")->toPlainText(), QStringLiteral("first"));
    child<QLineEdit>(&dock, "composeHistorySearch")->clear();
    QCOMPARE(list->count(), 3);
    grabIfAsked(&dock, QStringLiteral("compose-history"));
}

void TestComposeDock::repeatSendsTheCount()
{
    QHttpServer http;
    int hits = 0;
    http.route("/r", [&](const QHttpServerRequest &) {
        ++hits;
        return QHttpServerResponse(QByteArrayLiteral("text/plain"), QByteArray::number(hits));
    });
    const quint16 port = http.listen(QHostAddress::LocalHost, 0);
    Composer composer(nullptr);
    ResourceStore store;
    ComposeDock dock(&composer, &store);
    dock.show();
    child<QLineEdit>(&dock, "composeUri")->setText(QStringLiteral("http://127.0.0.1:%1/r").arg(port));
    child<QSpinBox>(&dock, "composeInterval")->setValue(5);
    child<QSpinBox>(&dock, "composeCount")->setValue(4);
    auto *repeat = child<QPushButton>(&dock, "composeRepeat");
    QTest::mouseClick(repeat, Qt::LeftButton);
    QVERIFY(repeat->isChecked());
    QTRY_VERIFY_WITH_TIMEOUT(!repeat->isChecked(), 30000);
    QCOMPARE(hits, 4);
    QCOMPARE(child<QLabel>(&dock, "composeRepeatState")->text(), QStringLiteral("4 of 4 sent, 0 failed"));
    QCOMPARE(dock.lastResponse().sequence, 4);
}

QTEST_MAIN(TestComposeDock)
#include "tst_composedock.moc"
