// The endpoint manager against real peers started here (mosquitto, an in-process libcoap
// server, QHttpServer): the operations every caller reaches through it (clear retained, raw
// requests, connection tests on the I/O thread), the connectors a Thing Description's forms
// borrow from the workspace, and the resources an endpoint found under other hosts.

#include "mqtttesthelpers.h"
#include "testsupport.h"
#include "tst_coap_server.h"

#include "model/resource.h"
#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "protocols/endpointmanager.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <memory>
#include <optional>

using namespace thingscape;
using namespace std::chrono_literals;

namespace {

ResourceId rid(const QString &uri)
{
    return *ResourceId::parse(uri);
}

EndpointConfig configFor(const QString &url)
{
    EndpointConfig config;
    config.url = rid(url);
    return config;
}

bool ciRequiresPeers()
{
    return qEnvironmentVariable("CI") == QLatin1String("true");
}

// The store, the manager and a tree wired the way the window wires them.
struct Workspace
{
    ResourceStore store;
    EndpointManager manager{&store};
    ResourceTreeModel tree{&store};
    QAbstractItemModelTester tester{&tree, QAbstractItemModelTester::FailureReportingMode::Fatal};

    Workspace()
    {
        QObject::connect(&manager, &EndpointManager::endpointAdded, &tree, [this](const QString &id) {
            const EndpointConfig config = manager.endpoint(id);
            if (const QString parent = manager.parentOf(id); !parent.isEmpty())
                tree.setEndpointParent(config.url.endpoint(), manager.endpoint(parent).url.endpoint());
            tree.addEndpoint(config.url.endpoint(), config.name);
        });
        QObject::connect(&manager, &EndpointManager::foreignEndpointSeen, &tree,
                         [this](const QString &owner, const ResourceId &endpoint) {
                             tree.setEndpointParent(endpoint, manager.endpoint(owner).url.endpoint());
                         });
        m_shown = std::make_shared<QHash<QString, ResourceId>>();
        QObject::connect(&manager, &EndpointManager::endpointAdded, &tree,
                         [this](const QString &id) { m_shown->insert(id, manager.endpoint(id).url.endpoint()); });
        QObject::connect(&manager, &EndpointManager::endpointRemoved, &tree, [this](const QString &id) {
            const ResourceId shown = m_shown->take(id);
            tree.removeEndpoint(shown);
            store.removeUnder(shown.endpointUri());
        });
    }

    std::shared_ptr<QHash<QString, ResourceId>> m_shown;
};

template<typename R, typename Call>
std::optional<R> await(Call call, int timeoutMs = 30000)
{
    auto result = std::make_shared<std::optional<R>>();
    call([result](const R &r) { *result = r; });
    if (!QTest::qWaitFor([result] { return result->has_value(); }, timeoutMs))
        return std::nullopt;
    return *result;
}

QString tdWithForms(const QString &title, const QString &properties)
{
    // Built from plain literals: moc does not follow a raw string across lines.
    static const QString context = QStringLiteral("https:") + QStringLiteral("//www.w3.org/2022/wot/td/v1.1");
    return QStringLiteral("{\"@context\": \"%1\", \"id\": \"urn:thingscape:test:%2\", \"title\": \"%2\", "
                          "\"securityDefinitions\": {\"nosec_sc\": {\"scheme\": \"nosec\"}}, "
                          "\"security\": [\"nosec_sc\"], \"properties\": {%3}}")
        .arg(context, title, properties);
}

} // namespace

class TestEndpointManager : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void clearRetainedClearsStateTopicNotCommandTopic();
    void retainedMessagesArriveOnce();
    void rawCoapRequestSendsCustomOptions();
    void rawHttpRequestCarriesHeaders();
    void testConnectionRunsOnTheIoThread();
    void tdFormsBorrowAnEndpointsCredentials();
    void childEndpointShownAndRemovedWithParent();
    void foreignResourcesLeaveWithTheirEndpoint();

private:
    bool havePeers();
    testsupport::Mosquitto m_broker;
};

bool TestEndpointManager::havePeers()
{
    return !testsupport::findProgram(QStringLiteral("mosquitto")).isEmpty();
}

void TestEndpointManager::initTestCase()
{
    if (!havePeers()) {
        if (ciRequiresPeers())
            QFAIL("mosquitto is not installed (CI=true needs every peer)");
        QSKIP("mosquitto is not installed");
    }
    QVERIFY2(m_broker.start(), qPrintable(m_broker.log()));
}

void TestEndpointManager::clearRetainedClearsStateTopicNotCommandTopic()
{
    // Given a Home Assistant switch whose state is retained and whose writes go to a command topic
    const QString node = mqtttest::uniquePrefix(QStringLiteral("plug")).section(QLatin1Char('/'), -1);
    const QString base = QStringLiteral("home/%1/plug").arg(node);
    const QString stateTopic = base + QStringLiteral("/state");
    const QString commandTopic = base + QStringLiteral("/set");
    const QString configTopic = QStringLiteral("homeassistant/switch/%1/plug/config").arg(node);
    QCOMPARE(mqtttest::publish(m_broker.port(),
                               {"-r", "-t", configTopic, "-m",
                                QStringLiteral(R"({"name":"Plug","stat_t":"%1","cmd_t":"%2","uniq_id":"%3"})")
                                    .arg(stateTopic, commandTopic, node)}),
             0);
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", stateTopic, "-m", "ON"}), 0);
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", base + QStringLiteral("/power"), "-m", "12"}), 0);

    Workspace ws;
    EndpointConfig config = configFor(QStringLiteral("mqtt://127.0.0.1:%1").arg(m_broker.port()));
    config.filters = {QStringLiteral("homeassistant/#"), QStringLiteral("home/%1/#").arg(node)};
    const QString id = ws.manager.add(config);
    QVERIFY(ws.manager.capabilities(id) == Capabilities());
    ws.manager.connectEndpoint(id);
    const ResourceId state = rid(QStringLiteral("mqtt://127.0.0.1:%1/%2").arg(m_broker.port()).arg(stateTopic));
    QTRY_VERIFY_WITH_TIMEOUT(ws.store.find(state) && ws.store.find(state)->metadata().retained.valueOr(false), 30000);
    QVERIFY(ws.manager.capabilities(id).testFlag(Capability::RetainedValues));

    // When the state topic's retained value is cleared through the manager
    const auto cleared = await<ClearResult>(
        [&](auto done) { ws.manager.clearRetained(state, false, done); });
    QVERIFY(cleared);
    QVERIFY2(cleared->result.ok(), qPrintable(cleared->result.error));
    QCOMPARE(cleared->cleared, 1);

    // Then the broker keeps nothing retained there, and nothing retained appeared on the command topic
    QCOMPARE(mqtttest::subscribeOnce(m_broker.port(), {"-t", stateTopic, "--retained-only"}, 1, 2).trimmed(), QString());
    QCOMPARE(mqtttest::subscribeOnce(m_broker.port(), {"-t", commandTopic, "--retained-only"}, 1, 2).trimmed(), QString());
    QCOMPARE(mqtttest::subscribeOnce(m_broker.port(), {"-t", base + "/power", "--retained-only"}, 1, 5).trimmed(),
             QStringLiteral("12"));

    // And a subtree clears recursively, with its count
    const auto subtree = await<ClearResult>([&](auto done) {
        ws.manager.clearRetained(rid(QStringLiteral("mqtt://127.0.0.1:%1/home/%2").arg(m_broker.port()).arg(node)), true,
                                 done);
    });
    QVERIFY(subtree);
    QVERIFY2(subtree->result.ok(), qPrintable(subtree->result.error));
    QCOMPARE(subtree->cleared, 1); // only power was left
    QCOMPARE(mqtttest::subscribeOnce(m_broker.port(), {"-t", base + "/#", "--retained-only"}, 1, 2).trimmed(), QString());

    // And an endpoint without retained values says so
    const auto unsupported = await<ClearResult>([&](auto done) {
        ws.manager.clearRetained(rid(QStringLiteral("coap://127.0.0.1:1/x")), false, done);
    });
    QVERIFY(unsupported);
    QVERIFY(!unsupported->result.ok());
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", configTopic, "-n"}), 0);
}

void TestEndpointManager::retainedMessagesArriveOnce()
{
    // Given retained topics under the endpoint's filter
    const QString prefix = mqtttest::uniquePrefix(QStringLiteral("once"));
    constexpr int kTopics = 40;
    for (int i = 0; i < kTopics; ++i)
        QCOMPARE(mqtttest::publish(m_broker.port(), {"-r", "-t", prefix + QStringLiteral("/t%1").arg(i), "-m", "1"}), 0);
    Workspace ws;
    EndpointConfig config = configFor(QStringLiteral("mqtt://127.0.0.1:%1").arg(m_broker.port()));
    config.filters = {prefix + QStringLiteral("/#")};
    const QString id = ws.manager.add(config);
    int arrived = 0;
    QObject::connect(&ws.manager, &EndpointManager::updatesArrived, &ws.manager,
                     [&arrived](const QString &, const UpdateBatch &batch) {
                         for (const Update &update : batch) {
                             if (update.direction == Direction::In && update.value)
                                 ++arrived;
                         }
                     });
    // Discovery's end: it went on and came off.
    bool discovered = false;
    bool discovering = false;
    QObject::connect(&ws.manager, &EndpointManager::endpointChanged, &ws.manager, [&](const QString &changed) {
        if (changed != id)
            return;
        const bool now = ws.manager.status(id).discovering;
        if (discovering && !now)
            discovered = true;
        discovering = now;
    });

    // When the endpoint connects (it subscribes to its filters, then discovers under them)
    ws.manager.connectEndpoint(id);
    QTRY_VERIFY_WITH_TIMEOUT(discovered, 30000);
    // and discovery runs once more by hand
    const auto again = await<Result>([&](auto done) { ws.manager.discover(id, done); });
    QVERIFY(again);
    QVERIFY2(again->ok(), qPrintable(again->error));
    // and a marker published after all of that has come through
    QCOMPARE(mqtttest::publish(m_broker.port(), {"-t", prefix + QStringLiteral("/marker"), "-m", "end"}), 0);
    const ResourceId marker = rid(QStringLiteral("mqtt://127.0.0.1:%1/%2/marker").arg(m_broker.port()).arg(prefix));
    QTRY_VERIFY_WITH_TIMEOUT(ws.store.find(marker), 30000);

    // Then every retained message arrived exactly once (the broker re-sends them on every
    // repeated subscribe: discovery must not subscribe again to what is already subscribed)
    QCOMPARE(arrived, kTopics + 1);
    QCOMPARE(ws.store.messagesIn(), quint64(kTopics + 1));
}

void TestEndpointManager::rawCoapRequestSendsCustomOptions()
{
    testsupport::LibcoapServer server;
    // JSON (50): libcoap leaves out a Content-Format of 0, and the test looks for the option.
    server.addResource({"lab/temp", "21.5", 50, {}, false});
    const quint16 port = testsupport::freeUdpPort();
    QVERIFY(server.start(port));

    Workspace ws;
    const QString id = ws.manager.add(configFor(QStringLiteral("coap://127.0.0.1:%1").arg(port)));
    ws.manager.connectEndpoint(id);
    QTRY_COMPARE_WITH_TIMEOUT(ws.manager.status(id).state, ConnectorState::Connected, 30000);
    QVERIFY(ws.manager.capabilities(id).testFlag(Capability::RawRequest));

    // An elective (even) option the server does not know is ignored: the answer comes.
    RawRequest request;
    request.target = rid(QStringLiteral("coap://127.0.0.1:%1/lab/temp").arg(port));
    request.method = QStringLiteral("GET");
    request.coapOptions = {{65000, QByteArray("x")}};
    auto response = await<RawResponse>([&](auto done) { ws.manager.request(request, done); });
    QVERIFY(response);
    QVERIFY2(response->result.ok(), qPrintable(response->result.error));
    QCOMPARE(response->status, 205);
    QCOMPARE(response->payload, QByteArray("21.5"));
    QVERIFY2(response->statusText.startsWith(QStringLiteral("2.05")), qPrintable(response->statusText));
    bool contentFormat = false;
    for (const auto &[number, value] : response->coapOptions)
        contentFormat = contentFormat || number == 12;
    QVERIFY(contentFormat);

    // Options given by number go out as given: Uri-Path (11) twice names the resource.
    request.target = rid(QStringLiteral("coap://127.0.0.1:%1/").arg(port));
    request.coapOptions = {{11, QByteArray("lab")}, {11, QByteArray("temp")}, {65000, QByteArray("y")}};
    response = await<RawResponse>([&](auto done) { ws.manager.request(request, done); });
    QVERIFY(response);
    QVERIFY2(response->result.ok(), qPrintable(response->result.error));
    QCOMPARE(response->status, 205);
    QCOMPARE(response->payload, QByteArray("21.5"));

    // A 4.04 is an answer, not a failure.
    request.coapOptions = {{11, QByteArray("nothing")}};
    response = await<RawResponse>([&](auto done) { ws.manager.request(request, done); });
    QVERIFY(response);
    QVERIFY2(response->result.ok(), qPrintable(response->result.error));
    QCOMPARE(response->status, 404);

    request.method = QStringLiteral("BREW");
    response = await<RawResponse>([&](auto done) { ws.manager.request(request, done); });
    QVERIFY(response);
    QCOMPARE(response->result.kind, ErrorKind::Usage);
}

void TestEndpointManager::rawHttpRequestCarriesHeaders()
{
    QHttpServer http;
    http.route("/echo", [](const QHttpServerRequest &request) {
        QHttpServerResponse response(QByteArrayLiteral("text/plain"), request.body());
        response.addHeader(QByteArrayLiteral("X-Echo"), request.value(QByteArrayLiteral("X-Custom")));
        return response;
    });
    const quint16 port = http.listen(QHostAddress::LocalHost, 0);
    QVERIFY(port != 0);

    Workspace ws;
    const QString id = ws.manager.add(configFor(QStringLiteral("http://127.0.0.1:%1").arg(port)));
    ws.manager.connectEndpoint(id);
    QTRY_COMPARE_WITH_TIMEOUT(ws.manager.status(id).state, ConnectorState::Connected, 30000);

    RawRequest request;
    request.target = rid(QStringLiteral("http://127.0.0.1:%1/echo").arg(port));
    request.method = QStringLiteral("POST");
    request.headers = {{"X-Custom", "hello"}, {"Content-Type", "text/plain"}};
    request.payload = "body text";
    auto response = await<RawResponse>([&](auto done) { ws.manager.request(request, done); });
    QVERIFY(response);
    QVERIFY2(response->result.ok(), qPrintable(response->result.error));
    QCOMPARE(response->status, 200);
    QCOMPARE(response->payload, QByteArray("body text"));
    bool echoed = false;
    for (const auto &[name, value] : response->headers)
        echoed = echoed || (name.compare("X-Echo", Qt::CaseInsensitive) == 0 && value == "hello");
    QVERIFY(echoed);

    // A 404 is an answer to show, not a failure.
    request.target = rid(QStringLiteral("http://127.0.0.1:%1/missing").arg(port));
    request.method = QStringLiteral("GET");
    response = await<RawResponse>([&](auto done) { ws.manager.request(request, done); });
    QVERIFY(response);
    QVERIFY2(response->result.ok(), qPrintable(response->result.error));
    QCOMPARE(response->status, 404);
}

void TestEndpointManager::testConnectionRunsOnTheIoThread()
{
    Workspace ws;
    QSignalSpy added(&ws.manager, &EndpointManager::endpointAdded);

    const QThread *gui = QThread::currentThread();
    const auto ok = await<Result>([&](auto done) {
        ws.manager.testConnection(configFor(QStringLiteral("mqtt://127.0.0.1:%1").arg(m_broker.port())), 15s,
                                  [done, gui](const Result &result) {
                                      // The answer comes back on the caller's thread.
                                      QCOMPARE(QThread::currentThread(), gui);
                                      done(result);
                                  });
    });
    QVERIFY(ok);
    QVERIFY2(ok->ok(), qPrintable(ok->error));

    const quint16 closed = testsupport::freeTcpPort();
    const auto refused = await<Result>([&](auto done) {
        ws.manager.testConnection(configFor(QStringLiteral("mqtt://127.0.0.1:%1").arg(closed)), 15s, done);
    });
    QVERIFY(refused);
    QVERIFY(!refused->ok());
    QVERIFY2(refused->error.contains(QStringLiteral("127.0.0.1:%1").arg(closed)), qPrintable(refused->error));

    // A cancelled test never answers.
    bool answered = false;
    const quint64 ticket = ws.manager.testConnection(
        configFor(QStringLiteral("mqtt://127.0.0.1:%1").arg(m_broker.port())), 15s,
        [&answered](const Result &) { answered = true; });
    ws.manager.cancelTest(ticket);
    // One more test, started after it, answers: by then the cancelled one would have too.
    const auto after = await<Result>([&](auto done) {
        ws.manager.testConnection(configFor(QStringLiteral("mqtt://127.0.0.1:%1").arg(m_broker.port())), 15s, done);
    });
    QVERIFY(after && after->ok());
    QVERIFY(!answered);

    // The workspace is untouched.
    QCOMPARE(added.count(), 0);
    QCOMPARE(ws.manager.endpoints().size(), 0);
}

void TestEndpointManager::tdFormsBorrowAnEndpointsCredentials()
{
    // Given a broker that needs a password, and an endpoint for it that has the password
    testsupport::Mosquitto broker;
    const quint16 mqttPort = testsupport::freeTcpPort();
    QVERIFY(broker.startWithPassword(mqttPort, QStringLiteral("alice"), QStringLiteral("s3cret")));

    // And a Thing whose property is carried by that broker
    QHttpServer http;
    const QString td = tdWithForms(
        QStringLiteral("Vault"),
        QStringLiteral(R"("humidity": {"type": "number", "readOnly": true, "observable": true,
            "forms": [{"href": "mqtt://127.0.0.1:%1/vault/humidity", "op": ["readproperty", "observeproperty"]}]})")
            .arg(mqttPort));
    http.route("/td", [td](const QHttpServerRequest &) {
        return QHttpServerResponse(QByteArrayLiteral("application/td+json"), td.toUtf8());
    });
    const quint16 httpPort = http.listen(QHostAddress::LocalHost, 0);
    QVERIFY(httpPort != 0);

    Workspace ws;
    EndpointConfig brokerConfig = configFor(QStringLiteral("mqtt://127.0.0.1:%1").arg(mqttPort));
    brokerConfig.username = QStringLiteral("alice");
    brokerConfig.password = QStringLiteral("s3cret");
    brokerConfig.filters = {QStringLiteral("nothing/here")};
    const QString brokerId = ws.manager.add(brokerConfig);
    const QString thingId = ws.manager.add(configFor(QStringLiteral("http://127.0.0.1:%1/td").arg(httpPort)));

    // When the Thing's endpoint connects (and observes its observable properties)
    ws.manager.connectEndpoint(thingId);
    const ResourceId humidity = rid(QStringLiteral("mqtt://127.0.0.1:%1/vault/humidity").arg(mqttPort));
    QTRY_VERIFY_WITH_TIMEOUT(ws.store.find(humidity), 30000);
    QTRY_COMPARE_WITH_TIMEOUT(ws.manager.status(brokerId).state, ConnectorState::Connected, 30000);

    // Then the broker endpoint's connection (with its password) carries it: a value arrives
    QTRY_VERIFY_WITH_TIMEOUT(mqtttest::publish(mqttPort, {"-u", "alice", "-P", "s3cret", "-t", "vault/humidity", "-m", "55"}) == 0
                                 && ws.store.find(humidity)->value().raw == QByteArray("55"),
                             30000);
    // And no child endpoint was made for it
    QCOMPARE(ws.manager.childEndpoints(thingId), QStringList());
    QCOMPARE(ws.manager.endpoints().size(), 2);
}

void TestEndpointManager::childEndpointShownAndRemovedWithParent()
{
    QHttpServer http;
    const QString td = tdWithForms(
        QStringLiteral("Bridge"),
        QStringLiteral(R"("level": {"type": "number", "readOnly": true, "observable": true,
            "forms": [{"href": "mqtt://127.0.0.1:%1/bridge/level", "op": ["readproperty", "observeproperty"]}]})")
            .arg(m_broker.port()));
    http.route("/td", [td](const QHttpServerRequest &) {
        return QHttpServerResponse(QByteArrayLiteral("application/td+json"), td.toUtf8());
    });
    const quint16 httpPort = http.listen(QHostAddress::LocalHost, 0);
    QVERIFY(httpPort != 0);

    Workspace ws;
    QSignalSpy added(&ws.manager, &EndpointManager::endpointAdded);
    QSignalSpy removed(&ws.manager, &EndpointManager::endpointRemoved);
    const QString thingId = ws.manager.add(configFor(QStringLiteral("http://127.0.0.1:%1/td").arg(httpPort)));
    ws.manager.connectEndpoint(thingId);

    // A child endpoint for the broker appears, connected, with its own state
    QTRY_COMPARE_WITH_TIMEOUT(ws.manager.childEndpoints(thingId).size(), 1, 30000);
    const QString childId = ws.manager.childEndpoints(thingId).first();
    QCOMPARE(ws.manager.parentOf(childId), thingId);
    QCOMPARE(added.count(), 2);
    QCOMPARE(ws.manager.endpoint(childId).url.endpointUri(), QStringLiteral("mqtt://127.0.0.1:%1").arg(m_broker.port()));
    QTRY_COMPARE_WITH_TIMEOUT(ws.manager.status(childId).state, ConnectorState::Connected, 30000);
    // not one of the user's (a workspace does not save it)
    QCOMPARE(ws.manager.endpoints().size(), 1);

    const ResourceId level = rid(QStringLiteral("mqtt://127.0.0.1:%1/bridge/level").arg(m_broker.port()));
    QTRY_VERIFY_WITH_TIMEOUT(mqtttest::publish(m_broker.port(), {"-t", "bridge/level", "-m", "7"}) == 0
                                 && ws.store.find(level) && ws.store.find(level)->value().raw == QByteArray("7"),
                             30000);
    // In the tree it sits under the Thing's endpoint, not at the top
    QCOMPARE(ws.tree.rowCount(), 1);
    const QModelIndex thingRow = ws.tree.index(0, 0);
    QCOMPARE(thingRow.data(ResourceTreeModel::EndpointRole).toString(),
             QStringLiteral("http://127.0.0.1:%1").arg(httpPort));
    const QModelIndex brokerRow = ws.tree.indexForId(rid(QStringLiteral("mqtt://127.0.0.1:%1").arg(m_broker.port())));
    QVERIFY(brokerRow.isValid());
    QCOMPARE(brokerRow.parent(), thingRow);
    QVERIFY(brokerRow.data(ResourceTreeModel::IsEndpointRole).toBool());

    // Disconnecting the parent reaches the child
    ws.manager.disconnectEndpoint(thingId);
    QTRY_COMPARE_WITH_TIMEOUT(ws.manager.status(childId).state, ConnectorState::Disconnected, 30000);

    // Removing the parent removes the child, its rows and its resources
    ws.manager.remove(thingId);
    QCOMPARE(removed.count(), 2);
    QVERIFY(ws.manager.endpoint(childId).id.isEmpty());
    QVERIFY(!ws.store.find(level));
    QTRY_COMPARE_WITH_TIMEOUT(ws.tree.rowCount(), 0, 30000);
}

void TestEndpointManager::foreignResourcesLeaveWithTheirEndpoint()
{
    // A Thing whose property lives on another port of the same host
    QHttpServer other;
    other.route("/props/pressure", [](const QHttpServerRequest &) { return QHttpServerResponse(QByteArrayLiteral("text/plain"), QByteArray("1013")); });
    const quint16 otherPort = other.listen(QHostAddress::LocalHost, 0);
    QVERIFY(otherPort != 0);
    QHttpServer http;
    const QString td = tdWithForms(
        QStringLiteral("Barometer"),
        QStringLiteral(R"("pressure": {"type": "number", "readOnly": true,
            "forms": [{"href": "http://127.0.0.1:%1/props/pressure", "op": ["readproperty"]}]})")
            .arg(otherPort));
    http.route("/td", [td](const QHttpServerRequest &) {
        return QHttpServerResponse(QByteArrayLiteral("application/td+json"), td.toUtf8());
    });
    const quint16 httpPort = http.listen(QHostAddress::LocalHost, 0);
    QVERIFY(httpPort != 0);

    Workspace ws;
    const QString thingId = ws.manager.add(configFor(QStringLiteral("http://127.0.0.1:%1/td").arg(httpPort)));
    ws.manager.connectEndpoint(thingId);
    const ResourceId pressure = rid(QStringLiteral("http://127.0.0.1:%1/props/pressure").arg(otherPort));
    QTRY_VERIFY_WITH_TIMEOUT(ws.store.find(pressure), 30000);
    QCOMPARE(ws.manager.endpointFor(pressure), thingId);

    // It shows under the Thing's endpoint, not as a second endpoint
    QCOMPARE(ws.tree.rowCount(), 1);
    const QModelIndex row = ws.tree.indexForId(pressure);
    QVERIFY(row.isValid());
    QModelIndex top = row;
    while (top.parent().isValid())
        top = top.parent();
    QCOMPARE(top.data(ResourceTreeModel::EndpointRole).toString(), QStringLiteral("http://127.0.0.1:%1").arg(httpPort));

    // And leaves with it
    ws.manager.remove(thingId);
    QVERIFY(!ws.store.find(pressure));
    QTRY_COMPARE_WITH_TIMEOUT(ws.tree.rowCount(), 0, 30000);
}

QTEST_GUILESS_MAIN(TestEndpointManager)
#include "tst_endpointmanager.moc"
