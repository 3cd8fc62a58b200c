// The HTTP / Web of Things connector against real peers started here: a QHttpServer (TDs, a
// directory, link-format, properties, actions, errors, auth, HTTPS), a raw HTTP/1.1 server for
// what QHttpServer 6.4 cannot stream (SSE, long polling, a slow answer), a QWebSocketServer,
// and for TDs whose forms point elsewhere, mosquitto and libcoap's coap-server.

#include "protocols/connectorfactory.h"
#include "protocols/http/httpconnector.h"
#include "protocols/http/sseparser.h"
#include "protocols/http/thingdescription.h"

#include "model/resourcestore.h"

#include "rawhttpserver.h"
#include "testsupport.h"

#include <QCoro/QCoroTask>
#include <QDeadlineTimer>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QProcess>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslKey>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

#include <algorithm>

using namespace thingscape;
using testsupport::RawHttpRequest;
using testsupport::RawHttpServer;

namespace {

const QString kTdContext = QStringLiteral("https://www.w3.org/2022/wot/td/v1.1");

QByteArray headerOf(const QHttpServerRequest &request, const QByteArray &name)
{
    const auto headers = request.headers();
    for (const auto &header : headers) {
        if (header.first.compare(name, Qt::CaseInsensitive) == 0)
            return header.second;
    }
    return {};
}

QByteArray json(const QJsonValue &value)
{
    if (value.isArray())
        return QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact);
    return QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
}

QJsonObject parseObject(const QString &text)
{
    return QJsonDocument::fromJson(text.toUtf8()).object();
}

// Collects what a connector hands out.
struct UpdateLog
{
    QList<Update> updates;

    void attach(Connector *connector, QObject *context)
    {
        QObject::connect(connector, &Connector::updatesReady, context,
                         [this](const UpdateBatch &batch) { updates += batch; });
    }
    QList<Update> forId(const QString &uri, std::optional<Direction> direction = std::nullopt) const
    {
        QList<Update> out;
        for (const Update &u : updates) {
            if (u.id.toString() == uri && (!direction || u.direction == *direction))
                out << u;
        }
        return out;
    }
    QList<Update> valuesFor(const QString &uri) const
    {
        QList<Update> out;
        for (const Update &u : forId(uri, Direction::In)) {
            if (u.value)
                out << u;
        }
        return out;
    }
    Metadata metadataFor(const QString &uri) const
    {
        Metadata md;
        for (const Update &u : forId(uri))
            md.merge(u.metadata);
        return md;
    }
    QStringList ids() const
    {
        QStringList out;
        for (const Update &u : updates) {
            if (!out.contains(u.id.toString()))
                out << u.id.toString();
        }
        return out;
    }
};

struct ServerRequest
{
    QByteArray method;
    QByteArray path;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    qint64 atMs = 0; // when the server saw it (monotonic ms, QDeadlineTimer::current())

    QByteArray header(const QByteArray &name) const
    {
        for (const auto &h : headers) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return h.second;
        }
        return {};
    }
};

QCoro::Task<> readInThread(HttpConnector *connector, ResourceId id, QObject *receiver,
                           std::function<void(ReadResult)> done)
{
    ReadResult result = co_await connector->read(id, std::chrono::milliseconds(5000));
    QMetaObject::invokeMethod(receiver, [done, result] { done(result); }, Qt::QueuedConnection);
}

QCoro::Task<> observeInThread(HttpConnector *connector, ResourceId id, QObject *receiver,
                              std::function<void(Result)> done)
{
    Result result = co_await connector->observe(id);
    QMetaObject::invokeMethod(receiver, [done, result] { done(result); }, Qt::QueuedConnection);
}

} // namespace

class TestHttpConnector : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();

    // Parsers, no peers.
    void thingDescriptionParses();
    void thingDescriptionErrors_data();
    void thingDescriptionErrors();
    void sseParserHandlesChunksAndFields();

    // Discovery.
    void discoverRootFindsWotDirectoryAndLinks();
    void discoverTdAtUrl();
    void discoverDirectoryPage();
    void discoverBrokenTdNamesPosition();
    void discoverLinkFormat();
    void discoverPlainUrlIsOneResource();

    // Read / write / actions.
    void readProperty();
    void writeProperty();
    void writeWithChosenMethod();
    void invokeAction();

    // Errors.
    void notFoundNamesStatusAndUrl();
    void serverErrorShowsBody();
    void refusedConnectionNamesHostPort();
    void slowEndpointTimesOut();
    void redirects();
    void redirectLoopIsNamed();
    void truncatedBodiesAreErrors_data();
    void truncatedBodiesAreErrors();
    void oversizeBodiesAreRefused_data();
    void oversizeBodiesAreRefused();
    void oversizePollIsShownWithItsSize();
    void sseEventOverTheLimitIsBounded();
    void callerTimeoutCoversConnecting();
    void propertiesHaveValuesAfterDiscovery();

    // Auth and TLS.
    void basicAuth();
    void bearerAuth();
    void tdSecurityBasic();
    void unsupportedSecuritySchemeIsReported();
    void httpsVerifiedWithCa();
    void httpsUntrustedRejected();
    void httpsInsecureOptIn();

    // Observation.
    void pollingWithEtag();
    void perResourcePollInterval();
    void serverSentEvents();
    void serverSentEventsDetectedWithoutTd();
    void eventNamingAPropertyRefreshesIt();
    void longPolling();
    void webSocket();
    void unobserveStops();
    void worksOnAnotherThread();

    // Forms carried by other connectors.
    void mqttForms();
    void coapForms();

    // Command-line verbs end to end.
    void cliDiscover();
    void cliGetPutWatch();

private:
    QString http(const QString &path) const { return QStringLiteral("http://127.0.0.1:%1%2").arg(m_httpPort).arg(path); }
    QString raw(const QString &path) const { return QStringLiteral("http://127.0.0.1:%1%2").arg(m_raw.port()).arg(path); }
    EndpointConfig configFor(const QString &uri) const;
    std::unique_ptr<HttpConnector> connector(const QString &uri, EndpointConfig *config = nullptr);
    QList<ServerRequest> requestsTo(const QByteArray &path) const;
    void record(const QHttpServerRequest &request);
    void setupHttpServer();
    void setupRawServer();
    void setupWebSocketServer();
    bool setupHttps();
    void serveSse(const RawHttpRequest &request, QTcpSocket *socket);
    QJsonObject lampTd() const;
    QJsonObject bridgeTd() const;
    QJsonObject vaultTd() const;
    QJsonObject cloudyTd() const;
    QJsonArray directory() const;
    bool startCoapServer();
    QString cliProgram() const;
    std::optional<QPair<int, QString>> runCli(const QStringList &args, int timeoutMs = 20000);

    QHttpServer m_http;
    quint16 m_httpPort = 0;
    RawHttpServer m_raw;
    QWebSocketServer m_ws{QStringLiteral("tst_httpconnector"), QWebSocketServer::NonSecureMode};
    QList<QPointer<QWebSocket>> m_wsClients;
    QStringList m_wsPaths;
    QList<ServerRequest> m_requests;

    QByteArray m_brightness = "17";
    QByteArray m_status = "\"ok\"";
    int m_statusVersion = 1;
    int m_counter = 0;

    QTemporaryDir m_tlsDir;
    QHttpServer m_https;
    quint16 m_httpsPort = 0;
    QString m_caFile;
    QString m_tlsSkip;

    testsupport::Mosquitto m_mosquitto;
    bool m_mosquittoUp = false;
    QProcess m_coapServer;
    quint16 m_coapPort = 0;
    bool m_coapUp = false;
};

EndpointConfig TestHttpConnector::configFor(const QString &uri) const
{
    EndpointConfig config;
    config.url = ResourceId::parse(uri)->endpoint();
    config.name = config.url.toString();
    config.requestTimeoutMs = 3000;
    config.pollIntervalMs = 200;
    return config;
}

std::unique_ptr<HttpConnector> TestHttpConnector::connector(const QString &uri, EndpointConfig *config)
{
    auto made = std::make_unique<HttpConnector>(config ? *config : configFor(uri));
    made->setBatchIntervalMs(5);
    return made;
}

void TestHttpConnector::record(const QHttpServerRequest &request)
{
    ServerRequest r;
    switch (request.method()) {
    case QHttpServerRequest::Method::Get:
        r.method = "GET";
        break;
    case QHttpServerRequest::Method::Put:
        r.method = "PUT";
        break;
    case QHttpServerRequest::Method::Post:
        r.method = "POST";
        break;
    case QHttpServerRequest::Method::Head:
        r.method = "HEAD";
        break;
    case QHttpServerRequest::Method::Delete:
        r.method = "DELETE";
        break;
    default:
        r.method = "OTHER";
        break;
    }
    r.path = request.url().path().toUtf8();
    r.headers = request.headers();
    r.body = request.body();
    r.atMs = QDeadlineTimer::current().deadline();
    m_requests << r;
}

QList<ServerRequest> TestHttpConnector::requestsTo(const QByteArray &path) const
{
    QList<ServerRequest> out;
    for (const ServerRequest &r : m_requests) {
        if (r.path == path)
            out << r;
    }
    return out;
}

QJsonObject TestHttpConnector::lampTd() const
{
    const QString base = http(QStringLiteral("/"));
    const QString sse = raw(QStringLiteral("/sse/temp"));
    return parseObject(QStringLiteral(R"({
      "@context": "%1",
      "id": "urn:thingscape:test:lamp",
      "title": "Lamp",
      "description": "A lamp with a thermometer",
      "base": "%2",
      "securityDefinitions": {"nosec_sc": {"scheme": "nosec"}},
      "security": "nosec_sc",
      "properties": {
        "temp": {"title": "Temperature", "type": "number", "unit": "°C", "minimum": -40, "maximum": 125,
                 "readOnly": true, "observable": true,
                 "forms": [{"href": "props/temp", "op": "readproperty", "contentType": "application/json"},
                           {"href": "%3", "op": "observeproperty", "subprotocol": "sse",
                            "contentType": "text/event-stream"}]},
        "brightness": {"type": "integer", "minimum": 0, "maximum": 100, "description": "Percent",
                       "forms": [{"href": "props/brightness"}]},
        "status": {"type": "string", "enum": ["ok", "fault"], "readOnly": true, "observable": true,
                   "forms": [{"href": "props/status", "op": ["readproperty", "observeproperty"]}]},
        "counter": {"type": "integer", "readOnly": true, "observable": true,
                    "forms": [{"href": "props/counter", "op": "readproperty"},
                              {"href": "%4", "op": "observeproperty", "subprotocol": "longpoll"}]},
        "level": {"type": "number", "readOnly": true, "observable": true,
                  "forms": [{"href": "props/level", "op": "readproperty"},
                            {"href": "ws://127.0.0.1:%5/level", "op": "observeproperty", "subprotocol": "websocket"}]}
      },
      "actions": {
        "toggle": {"title": "Toggle", "input": {"type": "boolean"}, "forms": [{"href": "actions/toggle"}]}
      },
      "events": {
        "overheat": {"data": {"type": "number"},
                     "forms": [{"href": "%6", "subprotocol": "sse", "contentType": "text/event-stream"}]}
      }
    })")
                           .arg(kTdContext, base, sse, raw(QStringLiteral("/longpoll/counter")))
                           .arg(m_ws.serverPort())
                           .arg(raw(QStringLiteral("/sse/overheat"))));
}

QJsonObject TestHttpConnector::bridgeTd() const
{
    return parseObject(QStringLiteral(R"({
      "@context": ["%1", {"mqv": "http://www.example.org/mqtt-binding#"}],
      "id": "urn:thingscape:test:bridge",
      "title": "Bridge",
      "securityDefinitions": {"nosec_sc": {"scheme": "nosec"}},
      "security": ["nosec_sc"],
      "properties": {
        "humidity": {"type": "number", "unit": "%", "readOnly": true, "observable": true,
                     "forms": [{"href": "mqtt://127.0.0.1:%2/bridge/humidity", "op": ["readproperty", "observeproperty"]}]},
        "setpoint": {"type": "number",
                     "forms": [{"href": "mqtt://127.0.0.1:%2", "mqv:topic": "bridge/setpoint", "op": ["readproperty", "observeproperty"]},
                               {"href": "mqtt://127.0.0.1:%2/bridge/setpoint/set", "op": "writeproperty"}]},
        "clock": {"type": "string", "readOnly": true, "observable": true,
                  "forms": [{"href": "coap://127.0.0.1:%3/time", "op": ["readproperty", "observeproperty"], "contentType": "text/plain"}]}
      }
    })")
                           .arg(kTdContext)
                           .arg(m_mosquitto.port() ? m_mosquitto.port() : 1)
                           .arg(m_coapPort ? m_coapPort : 1));
}

QJsonObject TestHttpConnector::vaultTd() const
{
    return parseObject(QStringLiteral(R"({
      "@context": "%1",
      "id": "urn:thingscape:test:vault",
      "title": "Vault",
      "securityDefinitions": {"basic_sc": {"scheme": "basic", "in": "header"}},
      "security": "basic_sc",
      "properties": {"secret": {"type": "string", "readOnly": true, "forms": [{"href": "%2"}]}}
    })")
                           .arg(kTdContext, http(QStringLiteral("/secure/value"))));
}

QJsonObject TestHttpConnector::cloudyTd() const
{
    return parseObject(QStringLiteral(R"({
      "@context": "%1",
      "title": "Cloudy",
      "securityDefinitions": {"oauth_sc": {"scheme": "oauth2", "flow": "code"}},
      "security": "oauth_sc",
      "properties": {"x": {"type": "number", "forms": [{"href": "%2"}]}}
    })")
                           .arg(kTdContext, http(QStringLiteral("/cloud/x"))));
}

QJsonArray TestHttpConnector::directory() const
{
    QJsonArray list;
    list << lampTd() << bridgeTd() << vaultTd() << cloudyTd();
    list << parseObject(QStringLiteral(R"({"@context": "%1", "title": "NoForms", "properties": {"temp": {"type": "number"}}})")
                            .arg(kTdContext));
    list << parseObject(QStringLiteral(R"({"title": "NoContext", "properties": {}})"));
    list << parseObject(QStringLiteral(R"({"@context": "%1", "description": "untitled"})").arg(kTdContext));
    list << 42;
    return list;
}

void TestHttpConnector::setupHttpServer()
{
    using Status = QHttpServerResponder::StatusCode;
    m_http.route("/.well-known/wot", [this](const QHttpServerRequest &request) {
        record(request);
        return QHttpServerResponse(QByteArrayLiteral("application/td+json"), json(lampTd()));
    });
    m_http.route("/td/lamp", [this](const QHttpServerRequest &request) {
        record(request);
        return QHttpServerResponse(QByteArrayLiteral("application/td+json"), json(lampTd()));
    });
    m_http.route("/td/bridge", [this](const QHttpServerRequest &request) {
        record(request);
        return QHttpServerResponse(QByteArrayLiteral("application/td+json"), json(bridgeTd()));
    });
    m_http.route("/td/vault", [this](const QHttpServerRequest &request) {
        record(request);
        return QHttpServerResponse(QByteArrayLiteral("application/td+json"), json(vaultTd()));
    });
    m_http.route("/td/cloudy", [this](const QHttpServerRequest &request) {
        record(request);
        return QHttpServerResponse(QByteArrayLiteral("application/td+json"), json(cloudyTd()));
    });
    m_http.route("/things", [this](const QHttpServerRequest &request) {
        record(request);
        return QHttpServerResponse(QByteArrayLiteral("application/json"), json(directory()));
    });
    m_http.route("/directory/paged", [this](const QHttpServerRequest &request) {
        record(request);
        QJsonObject page;
        page.insert(QStringLiteral("things"), QJsonArray{lampTd(), vaultTd()});
        page.insert(QStringLiteral("total"), 2);
        return QHttpServerResponse(QByteArrayLiteral("application/json"), json(page));
    });
    m_http.route("/.well-known/core", [this](const QHttpServerRequest &request) {
        record(request);
        return QHttpServerResponse(
            QByteArrayLiteral("application/link-format"),
            QByteArrayLiteral(R"(</props/temp>;rt="temperature";ct=50;obs;title="Temperature",)"
                              R"(</props/brightness>;rt="brightness";if="core.a";ct=50,)"
                              R"(</props/humidity>;rt="humidity";ct=0)"));
    });
    m_http.route("/broken/td", [this](const QHttpServerRequest &request) {
        record(request);
        return QHttpServerResponse(QByteArrayLiteral("application/td+json"),
                                   QByteArrayLiteral("{\n  \"@context\": \"https://www.w3.org/2022/wot/td/v1.1\",\n"
                                                     "  \"title\": \"Broken\",,\n}\n"));
    });
    m_http.route("/props/temp", [this](const QHttpServerRequest &request) {
        record(request);
        return QHttpServerResponse(QByteArrayLiteral("application/json"), QByteArrayLiteral("21.5"));
    });
    m_http.route("/props/humidity", [this](const QHttpServerRequest &request) {
        record(request);
        return QHttpServerResponse(QByteArrayLiteral("text/plain"), QByteArrayLiteral("40"));
    });
    m_http.route("/props/brightness", [this](const QHttpServerRequest &request) {
        record(request);
        if (request.method() == QHttpServerRequest::Method::Put || request.method() == QHttpServerRequest::Method::Post) {
            m_brightness = request.body();
            return QHttpServerResponse(Status::NoContent);
        }
        return QHttpServerResponse(QByteArrayLiteral("application/json"), m_brightness);
    });
    m_http.route("/props/status", [this](const QHttpServerRequest &request) {
        record(request);
        const QByteArray etag = '"' + QByteArray::number(m_statusVersion) + '"';
        if (headerOf(request, "If-None-Match") == etag)
            return QHttpServerResponse(Status::NotModified);
        QHttpServerResponse response(QByteArrayLiteral("application/json"), m_status);
        response.addHeader(QByteArrayLiteral("ETag"), etag);
        return response;
    });
    m_http.route("/cloud/x", [this](const QHttpServerRequest &request) {
        record(request);
        return QHttpServerResponse(QByteArrayLiteral("text/plain"), QByteArrayLiteral("log in with OAuth"),
                                   Status::Unauthorized);
    });
    for (const char *path : {"/props/counter", "/props/level"}) {
        m_http.route(path, [this](const QHttpServerRequest &request) {
            record(request);
            return QHttpServerResponse(QByteArrayLiteral("application/json"), QByteArrayLiteral("0"));
        });
    }
    m_http.route("/actions/toggle", [this](const QHttpServerRequest &request) {
        record(request);
        if (request.method() != QHttpServerRequest::Method::Post)
            return QHttpServerResponse(Status::MethodNotAllowed);
        return QHttpServerResponse(QByteArrayLiteral("application/json"), QByteArrayLiteral("{\"on\":true}"));
    });
    m_http.route("/missing", [this](const QHttpServerRequest &request) {
        record(request);
        return QHttpServerResponse(QByteArrayLiteral("text/plain"), QByteArrayLiteral("no such thing here"),
                                   Status::NotFound);
    });
    m_http.route("/error", [this](const QHttpServerRequest &request) {
        record(request);
        return QHttpServerResponse(QByteArrayLiteral("text/plain"), QByteArrayLiteral("sensor on fire"),
                                   Status::InternalServerError);
    });
    m_http.route("/plain", [this](const QHttpServerRequest &request) {
        record(request);
        return QHttpServerResponse(QByteArrayLiteral("text/plain"), QByteArrayLiteral("hello"));
    });
    m_http.route("/secure/value", [this](const QHttpServerRequest &request) {
        record(request);
        if (headerOf(request, "Authorization") != "Basic " + QByteArray("alice:wonderland").toBase64()) {
            QHttpServerResponse response(QByteArrayLiteral("text/plain"), QByteArrayLiteral("who are you?"),
                                         Status::Unauthorized);
            response.addHeader(QByteArrayLiteral("WWW-Authenticate"), QByteArrayLiteral("Basic realm=\"test\""));
            return response;
        }
        return QHttpServerResponse(QByteArrayLiteral("application/json"), QByteArrayLiteral("\"s3cret\""));
    });
    m_http.route("/bearer/value", [this](const QHttpServerRequest &request) {
        record(request);
        if (headerOf(request, "Authorization") != "Bearer tok123")
            return QHttpServerResponse(QByteArrayLiteral("text/plain"), QByteArrayLiteral("token please"),
                                       Status::Unauthorized);
        return QHttpServerResponse(QByteArrayLiteral("application/json"), QByteArrayLiteral("7"));
    });
    m_http.route("/redirect/same", [this](const QHttpServerRequest &request) {
        record(request);
        QHttpServerResponse response(Status::Found);
        response.addHeader(QByteArrayLiteral("Location"), QByteArrayLiteral("/props/temp"));
        return response;
    });
    m_http.route("/redirect/loop", [this](const QHttpServerRequest &request) {
        record(request);
        QHttpServerResponse response(Status::Found);
        response.addHeader(QByteArrayLiteral("Location"), QByteArrayLiteral("/redirect/loop2"));
        return response;
    });
    m_http.route("/redirect/loop2", [this](const QHttpServerRequest &request) {
        record(request);
        QHttpServerResponse response(Status::Found);
        response.addHeader(QByteArrayLiteral("Location"), QByteArrayLiteral("/redirect/loop"));
        return response;
    });
    m_http.route("/redirect/other", [this](const QHttpServerRequest &request) {
        record(request);
        QHttpServerResponse response(Status::Found);
        response.addHeader(QByteArrayLiteral("Location"), raw(QStringLiteral("/plain")).toUtf8());
        return response;
    });
    m_httpPort = m_http.listen(QHostAddress::LocalHost, 0);
}

void TestHttpConnector::serveSse(const RawHttpRequest &request, QTcpSocket *socket)
{
    RawHttpServer::writeHead(socket, 200, "OK",
                             {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"},
                              {"Connection", "close"}});
    const int from = request.header("Last-Event-ID").toInt();
    socket->write("retry: 100\n: a comment\n\n");
    auto *timer = new QTimer(socket);
    auto sent = std::make_shared<int>(0);
    QPointer<QTcpSocket> guard(socket);
    QObject::connect(timer, &QTimer::timeout, socket, [guard, timer, sent, from] {
        if (!guard)
            return;
        if (*sent == 3) {
            // Cut the stream: the client must come back with Last-Event-ID.
            timer->stop();
            guard->disconnectFromHost();
            return;
        }
        ++*sent;
        const int id = from + *sent;
        guard->write("event: update\r\nid: " + QByteArray::number(id) + "\r\ndata: {\"value\":\r\ndata: "
                     + QByteArray::number(id) + "}\r\n\r\n");
    });
    timer->start(50);
}

void TestHttpConnector::setupRawServer()
{
    QVERIFY(m_raw.listen());
    for (const char *path : {"/sse/temp", "/sse/overheat", "/sse/plain"})
        m_raw.route(path, [this](const RawHttpRequest &request, QTcpSocket *socket) { serveSse(request, socket); });
    m_raw.route("/slow", [](const RawHttpRequest &, QTcpSocket *) {
        // Never answers.
    });
    // A body that lies about its length, then the connection closes.
    m_raw.route("/lie/length", [](const RawHttpRequest &, QTcpSocket *socket) {
        RawHttpServer::writeHead(socket, 200, "OK", {{"Content-Type", "text/plain"}, {"Content-Length", "1000"}});
        socket->write("0123456789");
        socket->disconnectFromHost();
    });
    // A chunk that promises 2 GiB, then the connection closes.
    m_raw.route("/chunk/huge", [](const RawHttpRequest &, QTcpSocket *socket) {
        RawHttpServer::writeHead(socket, 200, "OK", {{"Content-Type", "text/plain"}, {"Transfer-Encoding", "chunked"}});
        socket->write("5\r\nhello\r\n7fffffff\r\nworld");
        socket->disconnectFromHost();
    });
    // A chunk size that is not hexadecimal (Qt 6.4 reads it as 0: the end of the body).
    m_raw.route("/chunk/bad", [](const RawHttpRequest &, QTcpSocket *socket) {
        RawHttpServer::writeHead(socket, 200, "OK", {{"Content-Type", "text/plain"}, {"Transfer-Encoding", "chunked"}});
        socket->write("5\r\nhello\r\nzzzz\r\nworld\r\n0\r\n\r\n");
        socket->disconnectFromHost();
    });
    // A chunk longer than its size says.
    m_raw.route("/chunk/long", [](const RawHttpRequest &, QTcpSocket *socket) {
        RawHttpServer::writeHead(socket, 200, "OK", {{"Content-Type", "text/plain"}, {"Transfer-Encoding", "chunked"}});
        socket->write("3\r\nhello\r\n0\r\n\r\n");
        socket->disconnectFromHost();
    });
    // No last chunk before the connection closes.
    m_raw.route("/chunk/unfinished", [](const RawHttpRequest &, QTcpSocket *socket) {
        RawHttpServer::writeHead(socket, 200, "OK", {{"Content-Type", "text/plain"}, {"Transfer-Encoding", "chunked"}});
        socket->write("5\r\nhello\r\n");
        socket->disconnectFromHost();
    });
    // A well-formed chunked body with extensions and a trailer.
    m_raw.route("/chunk/good", [](const RawHttpRequest &, QTcpSocket *socket) {
        RawHttpServer::writeHead(socket, 200, "OK", {{"Content-Type", "text/plain"}, {"Transfer-Encoding", "chunked"}});
        socket->write("5;name=x\r\nhello\r\n00000000000000006\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n");
        socket->disconnectFromHost();
    });
    // 1 MiB, over the 64 KiB limit the size tests set.
    m_raw.route("/big/length", [](const RawHttpRequest &, QTcpSocket *socket) {
        RawHttpServer::respond(socket, 200, "OK", "application/json", "\"" + QByteArray(1024 * 1024 - 2, 'x') + "\"");
    });
    m_raw.route("/big/chunked", [](const RawHttpRequest &, QTcpSocket *socket) {
        RawHttpServer::writeHead(socket, 200, "OK", {{"Content-Type", "text/plain"}, {"Transfer-Encoding", "chunked"}});
        for (int i = 0; i < 64; ++i)
            socket->write("4000\r\n" + QByteArray(0x4000, 'y') + "\r\n");
        socket->write("0\r\n\r\n");
        socket->disconnectFromHost();
    });
    m_raw.route("/big/sse", [](const RawHttpRequest &, QTcpSocket *socket) {
        RawHttpServer::writeHead(socket, 200, "OK", {{"Content-Type", "text/event-stream"}, {"Connection", "close"}});
        socket->write("data: " + QByteArray(1024 * 1024, 'z') + "\n\ndata: 42\n\n");
    });
    m_raw.route("/plain", [](const RawHttpRequest &, QTcpSocket *socket) {
        RawHttpServer::respond(socket, 200, "OK", "text/plain", "elsewhere");
    });
    m_raw.route("/longpoll/counter", [this](const RawHttpRequest &, QTcpSocket *socket) {
        QPointer<QTcpSocket> guard(socket);
        QTimer::singleShot(150, socket, [this, guard] {
            if (guard)
                RawHttpServer::respond(guard, 200, "OK", "application/json", QByteArray::number(++m_counter));
        });
    });
}

void TestHttpConnector::setupWebSocketServer()
{
    QVERIFY(m_ws.listen(QHostAddress::LocalHost, 0));
    connect(&m_ws, &QWebSocketServer::newConnection, this, [this] {
        while (QWebSocket *socket = m_ws.nextPendingConnection()) {
            m_wsClients << socket;
            m_wsPaths << socket->requestUrl().path();
            auto *timer = new QTimer(socket);
            auto n = std::make_shared<int>(0);
            connect(timer, &QTimer::timeout, socket, [socket, n] { socket->sendTextMessage(QString::number(++*n * 1.5)); });
            connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
            timer->start(80);
        }
    });
}

bool TestHttpConnector::setupHttps()
{
    const QString openssl = testsupport::findProgram(QStringLiteral("openssl"));
    if (openssl.isEmpty()) {
        m_tlsSkip = QStringLiteral("openssl not installed");
        return false;
    }
    const QString dir = m_tlsDir.path();
    auto run = [&](const QStringList &args) {
        QProcess process;
        process.setWorkingDirectory(dir);
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(openssl, args);
        const bool ok = process.waitForFinished(30000) && process.exitCode() == 0;
        if (!ok)
            qWarning() << "openssl" << args << process.readAll();
        return ok;
    };
    QFile ext(dir + QStringLiteral("/ext.cnf"));
    if (!ext.open(QIODevice::WriteOnly))
        return false;
    ext.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n");
    ext.close();
    const bool ok = run({QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                         QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                         QStringLiteral("-keyout"), QStringLiteral("ca.key"), QStringLiteral("-out"), QStringLiteral("ca.crt"),
                         QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-subj"), QStringLiteral("/CN=Thingscape Test CA"),
                         QStringLiteral("-addext"), QStringLiteral("basicConstraints=critical,CA:TRUE"),
                         QStringLiteral("-addext"), QStringLiteral("keyUsage=critical,keyCertSign,cRLSign")})
        && run({QStringLiteral("req"), QStringLiteral("-newkey"), QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"), QStringLiteral("-keyout"),
                QStringLiteral("server.key"), QStringLiteral("-out"), QStringLiteral("server.csr"), QStringLiteral("-subj"),
                QStringLiteral("/CN=127.0.0.1")})
        && run({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), QStringLiteral("server.csr"),
                QStringLiteral("-CA"), QStringLiteral("ca.crt"), QStringLiteral("-CAkey"), QStringLiteral("ca.key"),
                QStringLiteral("-CAcreateserial"), QStringLiteral("-out"), QStringLiteral("server.crt"), QStringLiteral("-days"),
                QStringLiteral("2"), QStringLiteral("-extfile"), QStringLiteral("ext.cnf")});
    if (!ok) {
        m_tlsSkip = QStringLiteral("openssl could not make the test certificates");
        return false;
    }
    m_caFile = dir + QStringLiteral("/ca.crt");
    const QList<QSslCertificate> certs = QSslCertificate::fromPath(dir + QStringLiteral("/server.crt"));
    QFile keyFile(dir + QStringLiteral("/server.key"));
    if (certs.isEmpty() || !keyFile.open(QIODevice::ReadOnly)) {
        m_tlsSkip = QStringLiteral("cannot load the test certificate");
        return false;
    }
    const QSslKey key(keyFile.readAll(), QSsl::Ec, QSsl::Pem);
    m_https.sslSetup(certs.first(), key);
    m_https.route("/props/temp", [] {
        return QHttpServerResponse(QByteArrayLiteral("application/json"), QByteArrayLiteral("22.5"));
    });
    m_httpsPort = m_https.listen(QHostAddress::LocalHost, 0);
    return m_httpsPort != 0;
}

bool TestHttpConnector::startCoapServer()
{
    const QString program = testsupport::findProgram(QStringLiteral("coap-server-openssl"));
    if (program.isEmpty())
        return false;
    m_coapPort = testsupport::freeUdpPort();
    m_coapServer.setProcessChannelMode(QProcess::MergedChannels);
    m_coapServer.start(program, {QStringLiteral("-A"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"),
                                 QString::number(m_coapPort)});
    if (!m_coapServer.waitForStarted(5000))
        return false;
    // Serving once it answers a CoAP ping (not after a guessed sleep).
    return testsupport::waitForCoapPort(m_coapPort, 10000) && m_coapServer.state() == QProcess::Running;
}

void TestHttpConnector::initTestCase()
{
    QVERIFY(m_tlsDir.isValid());
    setupRawServer();
    setupWebSocketServer();
    setupHttpServer();
    QVERIFY(m_httpPort != 0);
    m_mosquittoUp = m_mosquitto.start();
    m_coapUp = startCoapServer();
    setupHttps();
}

void TestHttpConnector::cleanupTestCase()
{
    if (m_coapServer.state() != QProcess::NotRunning) {
        m_coapServer.terminate();
        if (!m_coapServer.waitForFinished(3000))
            m_coapServer.kill();
    }
    m_mosquitto.stop();
}

void TestHttpConnector::init()
{
    m_requests.clear();
}

// ---------------------------------------------------------------------------------------------

void TestHttpConnector::thingDescriptionParses()
{
    QString error;
    const auto td = ThingDescription::fromJson(lampTd(), http(QStringLiteral("/td/lamp")), &error);
    QVERIFY2(td, qPrintable(error));
    QCOMPARE(td->title, QStringLiteral("Lamp"));
    QCOMPARE(td->id, QStringLiteral("urn:thingscape:test:lamp"));
    QCOMPARE(td->properties.size(), 5);
    QCOMPARE(td->actions.size(), 1);
    QCOMPARE(td->events.size(), 1);
    const TdAffordance *temp = nullptr;
    for (const TdAffordance &p : td->properties) {
        if (p.name == QLatin1String("temp"))
            temp = &p;
    }
    QVERIFY(temp);
    QCOMPARE(temp->unit, QStringLiteral("°C"));
    QCOMPARE(temp->type, QStringLiteral("number"));
    QVERIFY(temp->readOnly);
    QVERIFY(temp->observable);
    QCOMPARE(temp->minimum.value_or(0), -40.0);
    QCOMPARE(temp->maximum.value_or(0), 125.0);
    QCOMPARE(temp->forms.size(), 2);
    QCOMPARE(temp->forms.at(0).href, http(QStringLiteral("/props/temp")));
    QCOMPARE(temp->forms.at(1).subprotocol, QStringLiteral("sse"));
    QCOMPARE(td->actions.first().forms.first().ops, QStringList{QStringLiteral("invokeaction")});
    QCOMPARE(td->actions.first().type, QStringLiteral("boolean"));
    QVERIFY(td->events.first().observable);
    QVERIFY(td->warnings.isEmpty());

    const auto bridge = ThingDescription::fromJson(bridgeTd(), http(QStringLiteral("/things")), &error);
    QVERIFY2(bridge, qPrintable(error));
    QCOMPARE(bridge->properties.size(), 3);
    for (const TdAffordance &p : bridge->properties) {
        if (p.name == QLatin1String("setpoint"))
            QCOMPARE(p.forms.first().href, QStringLiteral("mqtt://127.0.0.1:%1/bridge/setpoint")
                                               .arg(m_mosquitto.port() ? m_mosquitto.port() : 1));
    }

    const auto cloudy = ThingDescription::fromJson(cloudyTd(), http(QStringLiteral("/td/cloudy")), &error);
    QVERIFY2(cloudy, qPrintable(error));
    QCOMPARE(cloudy->warnings.size(), 1);
    QVERIFY2(cloudy->warnings.first().contains(QLatin1String("oauth2"))
                 && cloudy->warnings.first().contains(QLatin1String("not supported")),
             qPrintable(cloudy->warnings.first()));
}

void TestHttpConnector::thingDescriptionErrors_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QString>("expected");
    const QByteArray ctx = "\"@context\": \"https://www.w3.org/2022/wot/td/v1.1\"";
    QTest::newRow("no forms") << QByteArray("{" + ctx + ", \"title\": \"x\", \"properties\": {\"temp\": {\"type\": \"number\"}}}")
                              << QStringLiteral("TD 'x': property 'temp' has no forms");
    QTest::newRow("empty forms") << QByteArray("{" + ctx + ", \"title\": \"x\", \"actions\": {\"go\": {\"forms\": []}}}")
                                 << QStringLiteral("TD 'x': action 'go' has no forms");
    QTest::newRow("no href") << QByteArray("{" + ctx + ", \"title\": \"x\", \"events\": {\"e\": {\"forms\": [{}]}}}")
                             << QStringLiteral("TD 'x': event 'e': form 1 has no href");
    QTest::newRow("no context") << QByteArray("{\"title\": \"x\"}") << QStringLiteral("TD 'x': missing @context");
    QTest::newRow("no title") << QByteArray("{" + ctx + "}") << QStringLiteral("missing title");
    QTest::newRow("wrong context") << QByteArray("{\"@context\": \"https://schema.org\", \"title\": \"x\"}")
                                   << QStringLiteral("@context does not name the WoT TD vocabulary");
    QTest::newRow("not json") << QByteArray("{\n  \"title\": \"x\",\n  oops\n}")
                              << QStringLiteral("not JSON at line 3, column");
    QTest::newRow("not an object") << QByteArray("[1, 2]") << QStringLiteral("not a JSON object");
    QTest::newRow("undefined security")
        << QByteArray("{" + ctx + ", \"title\": \"x\", \"security\": \"nope\"}")
        << QStringLiteral("security names 'nope', which securityDefinitions does not define");
}

void TestHttpConnector::thingDescriptionErrors()
{
    QFETCH(QByteArray, raw);
    QFETCH(QString, expected);
    QString error;
    const auto td = ThingDescription::fromBytes(raw, QStringLiteral("http://127.0.0.1:1/td"), &error);
    QVERIFY(!td);
    QVERIFY2(error.contains(expected), qPrintable(error));
}

void TestHttpConnector::sseParserHandlesChunksAndFields()
{
    SseParser parser;
    const QByteArray stream = "\xEF\xBB\xBF: comment\r\nretry: 1500\r\nevent: temp\r\nid: 7\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\n"
                              "data:no space\n\ndata\n\nid: 8\ndata: x\r\r";
    QList<SseEvent> events;
    // Fed one byte at a time: line ends split across chunks must not make extra lines.
    for (const char c : stream)
        events += parser.feed(QByteArray(1, c));
    QCOMPARE(events.size(), 4);
    QCOMPARE(events.at(0).type, QStringLiteral("temp"));
    QCOMPARE(events.at(0).data, QByteArray("{\"a\":\n1}"));
    QCOMPARE(events.at(0).lastEventId, QStringLiteral("7"));
    QCOMPARE(events.at(1).type, QStringLiteral("message"));
    QCOMPARE(events.at(1).data, QByteArray("no space"));
    QCOMPARE(events.at(1).lastEventId, QStringLiteral("7"));
    QCOMPARE(events.at(2).data, QByteArray());
    QCOMPARE(events.at(3).lastEventId, QStringLiteral("8"));
    QCOMPARE(parser.retryMs().value_or(0), 1500);
    QCOMPARE(parser.lastEventId(), QStringLiteral("8"));
}

// ---------------------------------------------------------------------------------------------

void TestHttpConnector::discoverRootFindsWotDirectoryAndLinks()
{
    auto c = connector(http(QStringLiteral("/")));
    UpdateLog log;
    log.attach(c.get(), this);
    const Result result = QCoro::waitFor(c->discover(*ResourceId::parse(http(QStringLiteral("/"))), std::chrono::seconds(5)));
    QVERIFY2(result.ok(), qPrintable(result.error));
    c->flush();

    const QStringList ids = log.ids();
    const int mqttPort = m_mosquitto.port() ? m_mosquitto.port() : 1;
    const QStringList expected = {
        http(QStringLiteral("/props/temp")), http(QStringLiteral("/props/brightness")), http(QStringLiteral("/props/status")),
        http(QStringLiteral("/props/counter")), http(QStringLiteral("/props/level")), http(QStringLiteral("/actions/toggle")),
        raw(QStringLiteral("/sse/overheat")), http(QStringLiteral("/secure/value")), http(QStringLiteral("/cloud/x")),
        QStringLiteral("mqtt://127.0.0.1:%1/bridge/humidity").arg(mqttPort),
        QStringLiteral("mqtt://127.0.0.1:%1/bridge/setpoint").arg(mqttPort),
        QStringLiteral("coap://127.0.0.1:%1/time").arg(m_coapPort ? m_coapPort : 1),
        http(QStringLiteral("/props/humidity")), // from link-format only
    };
    for (const QString &uri : expected)
        QVERIFY2(ids.contains(uri), qPrintable(uri + QStringLiteral(" not in ") + ids.join(QLatin1Char(' '))));

    const Metadata temp = log.metadataFor(http(QStringLiteral("/props/temp")));
    QCOMPARE(temp.title.valueOr({}), QStringLiteral("Temperature"));
    QCOMPARE(temp.title.source, MetaSource::ThingDescription);
    QCOMPARE(temp.unit.valueOr({}), QStringLiteral("°C"));
    QCOMPARE(temp.device.valueOr({}), QStringLiteral("Lamp"));
    QCOMPARE(temp.observable.valueOr(false), true);
    QCOMPARE(temp.writable.valueOr(true), false);
    QCOMPARE(temp.resourceTypes.valueOr({}), QStringList{QStringLiteral("temperature")}); // merged from link-format
    QCOMPARE(temp.extra.value(QLatin1String("affordance")).toString(), QStringLiteral("property"));
    QCOMPARE(temp.extra.value(QLatin1String("type")).toString(), QStringLiteral("number"));
    QCOMPARE(temp.extra.value(QLatin1String("minimum")).toDouble(), -40.0);
    QCOMPARE(temp.extra.value(QLatin1String("maximum")).toDouble(), 125.0);
    QCOMPARE(temp.extra.value(QLatin1String("forms")).toArray().size(), 2);

    const Metadata status = log.metadataFor(http(QStringLiteral("/props/status")));
    QCOMPARE(status.extra.value(QLatin1String("enum")).toArray().size(), 2);
    const Metadata toggle = log.metadataFor(http(QStringLiteral("/actions/toggle")));
    QCOMPARE(toggle.extra.value(QLatin1String("affordance")).toString(), QStringLiteral("action"));
    QCOMPARE(toggle.writable.valueOr(false), true);
    const Metadata overheat = log.metadataFor(raw(QStringLiteral("/sse/overheat")));
    QCOMPARE(overheat.extra.value(QLatin1String("affordance")).toString(), QStringLiteral("event"));
    const Metadata humidity = log.metadataFor(QStringLiteral("mqtt://127.0.0.1:%1/bridge/humidity").arg(mqttPort));
    QCOMPARE(humidity.device.valueOr({}), QStringLiteral("Bridge"));
    QCOMPARE(humidity.unit.valueOr({}), QStringLiteral("%"));
    const Metadata setpoint = log.metadataFor(QStringLiteral("mqtt://127.0.0.1:%1/bridge/setpoint").arg(mqttPort));
    QCOMPARE(setpoint.commandUri.valueOr({}), QStringLiteral("mqtt://127.0.0.1:%1/bridge/setpoint/set").arg(mqttPort));

    // The broken entries of the directory are reported, each naming its problem.
    const QString notice = result.notice;
    QVERIFY2(notice.contains(QLatin1String("TD 'NoForms': property 'temp' has no forms")), qPrintable(notice));
    QVERIFY2(notice.contains(QLatin1String("TD 'NoContext': missing @context")), qPrintable(notice));
    QVERIFY2(notice.contains(QLatin1String("missing title")), qPrintable(notice));
    QVERIFY2(notice.contains(QLatin1String("entry 8 of")) && notice.contains(QLatin1String("not a JSON object")),
             qPrintable(notice));
    QVERIFY2(notice.contains(QLatin1String("oauth2")), qPrintable(notice));
    QCOMPARE(c->discoveryProblems().size(), 5);

    // Readable properties were read once each, so they have values at once; actions were not.
    QCOMPARE(requestsTo("/props/brightness").size(), 1);
    QVERIFY(requestsTo("/actions/toggle").isEmpty());
}

void TestHttpConnector::discoverTdAtUrl()
{
    auto c = connector(http(QStringLiteral("/td/lamp")));
    UpdateLog log;
    log.attach(c.get(), this);
    const Result result = QCoro::waitFor(c->discover(*ResourceId::parse(http(QStringLiteral("/td/lamp"))), std::chrono::seconds(5)));
    QVERIFY2(result.ok(), qPrintable(result.error));
    c->flush();
    QCOMPARE(log.ids().size(), 7);
    // A TD at the URL is enough: the well-known places are not asked.
    QVERIFY(requestsTo("/.well-known/wot").isEmpty());
    QVERIFY(requestsTo("/things").isEmpty());
    QVERIFY(result.notice.isEmpty());
}

void TestHttpConnector::discoverDirectoryPage()
{
    auto c = connector(http(QStringLiteral("/")));
    UpdateLog log;
    log.attach(c.get(), this);
    const Result result = QCoro::waitFor(
        c->discover(*ResourceId::parse(http(QStringLiteral("/directory/paged"))), std::chrono::seconds(5)));
    QVERIFY2(result.ok(), qPrintable(result.error));
    c->flush();
    QCOMPARE(log.ids().size(), 8);
    QCOMPARE(log.metadataFor(http(QStringLiteral("/secure/value"))).device.valueOr({}), QStringLiteral("Vault"));
}

void TestHttpConnector::discoverBrokenTdNamesPosition()
{
    auto c = connector(http(QStringLiteral("/broken/td")));
    const Result result = QCoro::waitFor(c->discover(*ResourceId::parse(http(QStringLiteral("/broken/td"))), std::chrono::seconds(5)));
    QVERIFY(!result.ok());
    QCOMPARE(result.kind, ErrorKind::Protocol);
    QVERIFY2(result.error.contains(QLatin1String("not JSON at line 3, column")), qPrintable(result.error));
    QVERIFY2(result.error.contains(QLatin1String("/broken/td")), qPrintable(result.error));
}

void TestHttpConnector::discoverLinkFormat()
{
    auto c = connector(http(QStringLiteral("/.well-known/core")));
    UpdateLog log;
    log.attach(c.get(), this);
    const Result result = QCoro::waitFor(
        c->discover(*ResourceId::parse(http(QStringLiteral("/.well-known/core"))), std::chrono::seconds(5)));
    QVERIFY2(result.ok(), qPrintable(result.error));
    c->flush();
    QCOMPARE(log.ids().size(), 3);
    const Metadata temp = log.metadataFor(http(QStringLiteral("/props/temp")));
    QCOMPARE(temp.resourceTypes.valueOr({}), QStringList{QStringLiteral("temperature")});
    QCOMPARE(temp.contentFormat.valueOr(-1), 50);
    QCOMPARE(temp.observable.valueOr(false), true);
    QCOMPARE(temp.title.valueOr({}), QStringLiteral("Temperature"));
    QCOMPARE(temp.title.source, MetaSource::LinkFormat);
    const Metadata brightness = log.metadataFor(http(QStringLiteral("/props/brightness")));
    QCOMPARE(brightness.interfaces.valueOr({}), QStringList{QStringLiteral("core.a")});
}

void TestHttpConnector::discoverPlainUrlIsOneResource()
{
    auto c = connector(http(QStringLiteral("/plain")));
    UpdateLog log;
    log.attach(c.get(), this);
    const Result result = QCoro::waitFor(c->discover(*ResourceId::parse(http(QStringLiteral("/plain"))), std::chrono::seconds(5)));
    QVERIFY2(result.ok(), qPrintable(result.error));
    c->flush();
    QCOMPARE(log.ids(), QStringList{http(QStringLiteral("/plain"))});
    const QList<Update> values = log.valuesFor(http(QStringLiteral("/plain")));
    QCOMPARE(values.size(), 1);
    QCOMPARE(values.first().value->raw, QByteArray("hello"));
    QVERIFY(requestsTo("/.well-known/wot").isEmpty());

    // A missing URL is an error, not an empty success.
    auto d = connector(http(QStringLiteral("/missing")));
    const Result missing = QCoro::waitFor(d->discover(*ResourceId::parse(http(QStringLiteral("/missing"))), std::chrono::seconds(5)));
    QCOMPARE(missing.kind, ErrorKind::NotFound);
}

// ---------------------------------------------------------------------------------------------

void TestHttpConnector::readProperty()
{
    auto c = connector(http(QStringLiteral("/")));
    UpdateLog log;
    log.attach(c.get(), this);
    const Result connected = QCoro::waitFor(c->connectToEndpoint());
    QVERIFY2(connected.ok(), qPrintable(connected.error));
    QCOMPARE(c->state(), ConnectorState::Connected);
    QVERIFY(QCoro::waitFor(c->discover(*ResourceId::parse(http(QStringLiteral("/td/lamp"))), std::chrono::seconds(5))).ok());
    // Discovery read the properties once already: count from here.
    c->flush();
    log.updates.clear();
    m_requests.clear();
    const ReadResult read = QCoro::waitFor(c->read(*ResourceId::parse(http(QStringLiteral("/props/temp"))), std::chrono::seconds(3)));
    QVERIFY2(read.result.ok(), qPrintable(read.result.error));
    QCOMPARE(read.value.raw, QByteArray("21.5"));
    QCOMPARE(read.value.toDouble(), 21.5);
    const QList<ServerRequest> requests = requestsTo("/props/temp");
    QCOMPARE(requests.size(), 1);
    QCOMPARE(requests.first().header("Accept"), QByteArray("application/json")); // the form's contentType
    c->flush();
    const QList<Update> values = log.valuesFor(http(QStringLiteral("/props/temp")));
    QCOMPARE(values.size(), 1);
    QCOMPARE(values.first().info, QStringLiteral("GET 200"));

    // Events and actions are not read.
    const ReadResult event = QCoro::waitFor(c->read(*ResourceId::parse(raw(QStringLiteral("/sse/overheat"))), std::chrono::seconds(3)));
    QCOMPARE(event.result.kind, ErrorKind::Unsupported);
}

void TestHttpConnector::writeProperty()
{
    auto c = connector(http(QStringLiteral("/")));
    UpdateLog log;
    log.attach(c.get(), this);
    QVERIFY(QCoro::waitFor(c->discover(*ResourceId::parse(http(QStringLiteral("/td/lamp"))), std::chrono::seconds(5))).ok());
    c->flush();
    log.updates.clear();
    m_requests.clear();
    const ResourceId id = *ResourceId::parse(http(QStringLiteral("/props/brightness")));
    const Result written = QCoro::waitFor(c->write(id, "42", WriteOptions{}));
    QVERIFY2(written.ok(), qPrintable(written.error));
    QCOMPARE(m_brightness, QByteArray("42"));
    const QList<ServerRequest> puts = requestsTo("/props/brightness");
    QCOMPARE(puts.size(), 1);
    QCOMPARE(puts.first().method, QByteArray("PUT"));
    QCOMPARE(puts.first().header("Content-Type"), QByteArray("application/json"));
    c->flush();
    const QList<Update> out = log.forId(id.toString(), Direction::Out);
    QCOMPARE(out.size(), 1);
    QCOMPARE(out.first().info, QStringLiteral("PUT 204"));
    QCOMPARE(out.first().value->raw, QByteArray("42"));

    const ReadResult read = QCoro::waitFor(c->read(id, std::chrono::seconds(3)));
    QCOMPARE(read.value.raw, QByteArray("42"));

    // A read-only property refuses writes before sending anything.
    const Result readOnly = QCoro::waitFor(c->write(*ResourceId::parse(http(QStringLiteral("/props/temp"))), "1", WriteOptions{}));
    QCOMPARE(readOnly.kind, ErrorKind::Unsupported);
    QVERIFY(requestsTo("/props/temp").isEmpty());
}

void TestHttpConnector::writeWithChosenMethod()
{
    auto c = connector(http(QStringLiteral("/")));
    WriteOptions options;
    options.method = QStringLiteral("post");
    options.mediaType = QStringLiteral("text/plain");
    const Result written = QCoro::waitFor(c->write(*ResourceId::parse(http(QStringLiteral("/props/brightness"))), "55", options));
    QVERIFY2(written.ok(), qPrintable(written.error));
    const QList<ServerRequest> posts = requestsTo("/props/brightness");
    QCOMPARE(posts.size(), 1);
    QCOMPARE(posts.first().method, QByteArray("POST"));
    QCOMPARE(posts.first().header("Content-Type"), QByteArray("text/plain"));
    QCOMPARE(m_brightness, QByteArray("55"));
}

void TestHttpConnector::invokeAction()
{
    auto c = connector(http(QStringLiteral("/")));
    UpdateLog log;
    log.attach(c.get(), this);
    QVERIFY(QCoro::waitFor(c->discover(*ResourceId::parse(http(QStringLiteral("/td/lamp"))), std::chrono::seconds(5))).ok());
    const ResourceId id = *ResourceId::parse(http(QStringLiteral("/actions/toggle")));
    const Result invoked = QCoro::waitFor(c->write(id, "true", WriteOptions{}));
    QVERIFY2(invoked.ok(), qPrintable(invoked.error));
    const QList<ServerRequest> posts = requestsTo("/actions/toggle");
    QCOMPARE(posts.size(), 1);
    QCOMPARE(posts.first().method, QByteArray("POST"));
    QCOMPARE(posts.first().body, QByteArray("true"));
    c->flush();
    QCOMPARE(log.forId(id.toString(), Direction::Out).size(), 1);
    QCOMPARE(log.forId(id.toString(), Direction::Out).first().info, QStringLiteral("POST 200"));
    const QList<Update> output = log.valuesFor(id.toString());
    QCOMPARE(output.size(), 1);
    QCOMPARE(output.first().value->raw, QByteArray("{\"on\":true}"));
}

// ---------------------------------------------------------------------------------------------

void TestHttpConnector::notFoundNamesStatusAndUrl()
{
    auto c = connector(http(QStringLiteral("/")));
    const ReadResult read = QCoro::waitFor(c->read(*ResourceId::parse(http(QStringLiteral("/missing"))), std::chrono::seconds(3)));
    QCOMPARE(read.result.kind, ErrorKind::NotFound);
    QVERIFY2(read.result.error.contains(QLatin1String("404")), qPrintable(read.result.error));
    QVERIFY2(read.result.error.contains(http(QStringLiteral("/missing"))), qPrintable(read.result.error));
    QVERIFY2(read.result.error.contains(QLatin1String("no such thing here")), qPrintable(read.result.error));
}

void TestHttpConnector::serverErrorShowsBody()
{
    auto c = connector(http(QStringLiteral("/")));
    const Result written = QCoro::waitFor(c->write(*ResourceId::parse(http(QStringLiteral("/error"))), "1", WriteOptions{}));
    QCOMPARE(written.kind, ErrorKind::Protocol);
    QVERIFY2(written.error.contains(QLatin1String("500")) && written.error.contains(QLatin1String("sensor on fire")),
             qPrintable(written.error));
}

void TestHttpConnector::refusedConnectionNamesHostPort()
{
    const quint16 port = testsupport::freeTcpPort();
    const QString uri = QStringLiteral("http://127.0.0.1:%1/x").arg(port);
    auto c = connector(uri);
    const Result connected = QCoro::waitFor(c->connectToEndpoint());
    QCOMPARE(connected.kind, ErrorKind::Connection);
    QVERIFY2(connected.error.contains(QStringLiteral("127.0.0.1:%1").arg(port)), qPrintable(connected.error));
    QVERIFY2(connected.error.contains(QLatin1String("refused")), qPrintable(connected.error));
    QCOMPARE(c->state(), ConnectorState::Error);
    const ReadResult read = QCoro::waitFor(c->read(*ResourceId::parse(uri), std::chrono::seconds(3)));
    QCOMPARE(read.result.kind, ErrorKind::Connection);

    auto unknown = connector(QStringLiteral("http://no-such-host.invalid:8080/"));
    const ReadResult unknownRead = QCoro::waitFor(
        unknown->read(*ResourceId::parse(QStringLiteral("http://no-such-host.invalid:8080/")), std::chrono::seconds(5)));
    QVERIFY(!unknownRead.result.ok());
    QVERIFY2(unknownRead.result.error.contains(QLatin1String("no-such-host.invalid:8080")), qPrintable(unknownRead.result.error));
}

void TestHttpConnector::slowEndpointTimesOut()
{
    EndpointConfig config = configFor(raw(QStringLiteral("/slow")));
    config.requestTimeoutMs = 500;
    auto c = connector(raw(QStringLiteral("/slow")), &config);
    QElapsedTimer timer;
    timer.start();
    const ReadResult read = QCoro::waitFor(c->read(*ResourceId::parse(raw(QStringLiteral("/slow"))), std::chrono::milliseconds(500)));
    QCOMPARE(read.result.kind, ErrorKind::Timeout);
    QVERIFY2(read.result.error.contains(QStringLiteral("127.0.0.1:%1").arg(m_raw.port())), qPrintable(read.result.error));
    QVERIFY(timer.elapsed() < 3000);

    // The endpoint's own timeout applies when the caller gives none.
    timer.restart();
    const ReadResult again = QCoro::waitFor(c->read(*ResourceId::parse(raw(QStringLiteral("/slow"))), std::chrono::milliseconds(0)));
    QCOMPARE(again.result.kind, ErrorKind::Timeout);
    QVERIFY(timer.elapsed() < 3000);
}

void TestHttpConnector::redirects()
{
    auto c = connector(http(QStringLiteral("/")));
    const ReadResult same = QCoro::waitFor(c->read(*ResourceId::parse(http(QStringLiteral("/redirect/same"))), std::chrono::seconds(3)));
    QVERIFY2(same.result.ok(), qPrintable(same.result.error));
    QCOMPARE(same.value.raw, QByteArray("21.5"));
    const ReadResult other = QCoro::waitFor(c->read(*ResourceId::parse(http(QStringLiteral("/redirect/other"))), std::chrono::seconds(3)));
    QVERIFY(!other.result.ok());
    QVERIFY(m_raw.requestsFor("/plain").isEmpty());
}

void TestHttpConnector::redirectLoopIsNamed()
{
    auto c = connector(http(QStringLiteral("/")));
    const ReadResult loop = QCoro::waitFor(c->read(*ResourceId::parse(http(QStringLiteral("/redirect/loop"))), std::chrono::seconds(3)));
    QCOMPARE(loop.result.kind, ErrorKind::Protocol);
    QVERIFY2(loop.result.error.contains(QLatin1String("too many redirects (loop at ")), qPrintable(loop.result.error));
    QVERIFY2(!loop.result.error.contains(QLatin1String("same origin")), qPrintable(loop.result.error));
    // Stopped at the first repeat, not after dozens of rounds.
    QVERIFY(requestsTo("/redirect/loop").size() + requestsTo("/redirect/loop2").size() <= HttpClient::kMaxRedirects);
}

void TestHttpConnector::truncatedBodiesAreErrors_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("expected");
    QTest::newRow("Content-Length 1000, 10 bytes") << QStringLiteral("/lie/length") << QStringLiteral("truncated body: 10 of 1000 bytes");
    QTest::newRow("chunk 7fffffff, then close") << QStringLiteral("/chunk/huge") << QStringLiteral("broke off after 10 bytes");
    QTest::newRow("chunk size zzzz") << QStringLiteral("/chunk/bad") << QStringLiteral("invalid chunk size 'zzzz'");
    QTest::newRow("chunk longer than its size") << QStringLiteral("/chunk/long")
                                                << QStringLiteral("a chunk does not end where its size says");
    QTest::newRow("no last chunk") << QStringLiteral("/chunk/unfinished") << QStringLiteral("broke off after 5 bytes");
}

void TestHttpConnector::truncatedBodiesAreErrors()
{
    QFETCH(QString, path);
    QFETCH(QString, expected);
    auto c = connector(raw(path));
    UpdateLog log;
    log.attach(c.get(), this);
    const ReadResult read = QCoro::waitFor(c->read(*ResourceId::parse(raw(path)), std::chrono::seconds(5)));
    QVERIFY2(!read.result.ok(), qPrintable(QStringLiteral("reported as success: '%1'").arg(QString::fromUtf8(read.value.raw))));
    QVERIFY2(read.result.error.contains(raw(path)), qPrintable(read.result.error));
    if (!expected.isEmpty())
        QVERIFY2(read.result.error.contains(expected), qPrintable(read.result.error));
    c->flush();
    QVERIFY(log.valuesFor(raw(path)).isEmpty()); // no partial value in the store

    // A well-formed chunked body still reads whole.
    const ReadResult good = QCoro::waitFor(c->read(*ResourceId::parse(raw(QStringLiteral("/chunk/good"))), std::chrono::seconds(5)));
    QVERIFY2(good.result.ok(), qPrintable(good.result.error));
    QCOMPARE(good.value.raw, QByteArray("hello world"));
}

void TestHttpConnector::oversizeBodiesAreRefused_data()
{
    QTest::addColumn<QString>("path");
    QTest::newRow("Content-Length") << QStringLiteral("/big/length");
    QTest::newRow("chunked") << QStringLiteral("/big/chunked");
}

void TestHttpConnector::oversizeBodiesAreRefused()
{
    QFETCH(QString, path);
    EndpointConfig config = configFor(raw(path));
    config.maxMessageBytes = 64 * 1024;
    auto c = connector(raw(path), &config);
    const ReadResult read = QCoro::waitFor(c->read(*ResourceId::parse(raw(path)), std::chrono::seconds(5)));
    QCOMPARE(read.result.kind, ErrorKind::Protocol);
    QVERIFY2(read.result.error.contains(QLatin1String("size limit of 64 KiB")), qPrintable(read.result.error));
    QVERIFY2(read.result.error.contains(raw(path)), qPrintable(read.result.error));
    if (path == QLatin1String("/big/length"))
        QVERIFY2(read.result.error.contains(QLatin1String("1 MiB")), qPrintable(read.result.error));

    // Within the limit the same body is read whole.
    config.maxMessageBytes = 4 * 1024 * 1024;
    auto roomy = connector(raw(path), &config);
    const ReadResult whole = QCoro::waitFor(roomy->read(*ResourceId::parse(raw(path)), std::chrono::seconds(5)));
    QVERIFY2(whole.result.ok(), qPrintable(whole.result.error));
    QCOMPARE(whole.value.raw.size(), qsizetype(1024 * 1024));
}

void TestHttpConnector::oversizePollIsShownWithItsSize()
{
    const QString uri = raw(QStringLiteral("/big/length"));
    EndpointConfig config = configFor(uri);
    config.maxMessageBytes = 64 * 1024;
    config.pollIntervalMs = 5000;
    auto c = connector(uri, &config);
    UpdateLog log;
    log.attach(c.get(), this);
    const Result observed = QCoro::waitFor(c->observe(*ResourceId::parse(uri)));
    QVERIFY2(observed.ok(), qPrintable(observed.error));
    QTRY_VERIFY_WITH_TIMEOUT(!log.valuesFor(uri).isEmpty(), 10000);
    const Value value = *log.valuesFor(uri).first().value;
    QVERIFY(value.isOversize());
    QCOMPARE(value.oversizeBytes, qint64(1024 * 1024));
    QVERIFY(value.raw.isEmpty());
    QCOMPARE(value.kind(), ValueKind::Error);
    QVERIFY2(value.shortText().contains(QLatin1String("oversize")), qPrintable(value.shortText()));
    QVERIFY2(value.error.contains(QLatin1String("1 MiB")), qPrintable(value.error.get()));
}

void TestHttpConnector::sseEventOverTheLimitIsBounded()
{
    // The parser alone: a 1 MiB line with a 1 KiB limit never holds more than the limit.
    SseParser parser;
    parser.setMaxBytes(1024);
    QList<SseEvent> events;
    const QByteArray line = "data: " + QByteArray(1024 * 1024, 'a');
    for (qsizetype at = 0; at < line.size(); at += 4096)
        events += parser.feed(line.mid(at, 4096));
    events += parser.feed("\n\ndata: 7\n\n");
    QCOMPARE(events.size(), 2);
    QVERIFY(events.at(0).data.isEmpty());
    QVERIFY2(events.at(0).oversizeBytes >= 1024 * 1024, qPrintable(QString::number(events.at(0).oversizeBytes)));
    QCOMPARE(events.at(1).data, QByteArray("7"));
    QCOMPARE(events.at(1).oversizeBytes, qint64(0));

    // End to end: the oversize event is shown as such, the next one arrives as a value.
    const QString uri = raw(QStringLiteral("/big/sse"));
    EndpointConfig config = configFor(uri);
    config.maxMessageBytes = 64 * 1024;
    config.pollIntervalMs = 5000;
    auto c = connector(uri, &config);
    UpdateLog log;
    log.attach(c.get(), this);
    const Result observed = QCoro::waitFor(c->observe(*ResourceId::parse(uri)));
    QVERIFY2(observed.ok(), qPrintable(observed.error));
    QTRY_VERIFY_WITH_TIMEOUT(log.valuesFor(uri).size() >= 2, 10000);
    const QList<Update> values = log.valuesFor(uri);
    QVERIFY(values.at(0).value->isOversize());
    QVERIFY(values.at(0).value->oversizeBytes > 64 * 1024);
    QCOMPARE(values.at(1).value->toDouble(), 42.0);
}

void TestHttpConnector::callerTimeoutCoversConnecting()
{
    // A server that accepts and never answers, with the endpoint's own timeout much longer.
    RawHttpServer silent;
    QVERIFY(silent.listen());
    silent.route("/", [](const RawHttpRequest &, QTcpSocket *) {});
    const QString uri = QStringLiteral("http://127.0.0.1:%1/").arg(silent.port());
    EndpointConfig config = configFor(uri);
    config.requestTimeoutMs = 60000;
    auto c = connector(uri, &config);
    QElapsedTimer timer;
    timer.start();
    const ReadResult read = QCoro::waitFor(c->read(*ResourceId::parse(uri), std::chrono::milliseconds(1000)));
    QCOMPARE(read.result.kind, ErrorKind::Timeout);
    QVERIFY2(timer.elapsed() < 20000, qPrintable(QString::number(timer.elapsed()))); // not the endpoint's 60 s
    WriteOptions options;
    options.timeout = std::chrono::milliseconds(1000);
    timer.restart();
    const Result written = QCoro::waitFor(c->write(*ResourceId::parse(uri), "1", options));
    QCOMPARE(written.kind, ErrorKind::Timeout);
    QVERIFY2(timer.elapsed() < 20000, qPrintable(QString::number(timer.elapsed())));

    // Connecting takes the endpoint's timeout (the command line sets it from --timeout).
    config.requestTimeoutMs = 1000;
    auto quick = connector(uri, &config);
    timer.restart();
    const Result connected = QCoro::waitFor(quick->connectToEndpoint());
    QCOMPARE(connected.kind, ErrorKind::Timeout);
    QVERIFY2(timer.elapsed() < 20000, qPrintable(QString::number(timer.elapsed())));
}

void TestHttpConnector::propertiesHaveValuesAfterDiscovery()
{
    auto c = connector(http(QStringLiteral("/")));
    ResourceStore store;
    connect(c.get(), &Connector::updatesReady, &store, &ResourceStore::ingest);
    const Result discovered = QCoro::waitFor(c->discover(*ResourceId::parse(http(QStringLiteral("/td/lamp"))), std::chrono::seconds(5)));
    QVERIFY2(discovered.ok(), qPrintable(discovered.error));
    c->flush();
    // No read was asked for: every readable property has its value, the others none.
    for (const char *path : {"/props/temp", "/props/brightness", "/props/status", "/props/counter", "/props/level"}) {
        const ResourceId id = *ResourceId::parse(http(QString::fromLatin1(path)));
        QTRY_VERIFY2_WITH_TIMEOUT(store.find(id) && store.find(id)->hasValue(), path, 10000);
    }
    QCOMPARE(store.find(*ResourceId::parse(http(QStringLiteral("/props/temp"))))->value().toDouble(), 21.5);
    const ResourceId action = *ResourceId::parse(http(QStringLiteral("/actions/toggle")));
    QVERIFY(store.find(action) && !store.find(action)->hasValue());
    QVERIFY(requestsTo("/actions/toggle").isEmpty());
}

// ---------------------------------------------------------------------------------------------

void TestHttpConnector::basicAuth()
{
    const ResourceId id = *ResourceId::parse(http(QStringLiteral("/secure/value")));
    auto anonymous = connector(http(QStringLiteral("/")));
    const ReadResult denied = QCoro::waitFor(anonymous->read(id, std::chrono::seconds(3)));
    QCOMPARE(denied.result.kind, ErrorKind::Auth);
    QVERIFY2(denied.result.error.contains(QLatin1String("401")), qPrintable(denied.result.error));

    EndpointConfig config = configFor(http(QStringLiteral("/")));
    config.username = QStringLiteral("alice");
    config.password = QStringLiteral("wonderland");
    auto alice = connector(http(QStringLiteral("/")), &config);
    const ReadResult allowed = QCoro::waitFor(alice->read(id, std::chrono::seconds(3)));
    QVERIFY2(allowed.result.ok(), qPrintable(allowed.result.error));
    QCOMPARE(allowed.value.raw, QByteArray("\"s3cret\""));

    config.password = QStringLiteral("wrong");
    auto mallory = connector(http(QStringLiteral("/")), &config);
    QCOMPARE(QCoro::waitFor(mallory->read(id, std::chrono::seconds(3))).result.kind, ErrorKind::Auth);

    // Credentials never go to another origin.
    auto toOther = connector(http(QStringLiteral("/")), &config);
    QVERIFY(QCoro::waitFor(toOther->read(*ResourceId::parse(raw(QStringLiteral("/plain"))), std::chrono::seconds(3))).result.ok());
    QVERIFY(m_raw.requestsFor("/plain").constLast().header("Authorization").isEmpty());
}

void TestHttpConnector::bearerAuth()
{
    const ResourceId id = *ResourceId::parse(http(QStringLiteral("/bearer/value")));
    EndpointConfig config = configFor(http(QStringLiteral("/")));
    config.bearerToken = QStringLiteral("tok123");
    auto c = connector(http(QStringLiteral("/")), &config);
    const ReadResult read = QCoro::waitFor(c->read(id, std::chrono::seconds(3)));
    QVERIFY2(read.result.ok(), qPrintable(read.result.error));
    QCOMPARE(read.value.raw, QByteArray("7"));
}

void TestHttpConnector::tdSecurityBasic()
{
    // Both a token and a user are configured; the TD says basic, so basic is sent.
    EndpointConfig config = configFor(http(QStringLiteral("/")));
    config.username = QStringLiteral("alice");
    config.password = QStringLiteral("wonderland");
    config.bearerToken = QStringLiteral("tok123");
    auto c = connector(http(QStringLiteral("/")), &config);
    QVERIFY(QCoro::waitFor(c->discover(*ResourceId::parse(http(QStringLiteral("/td/vault"))), std::chrono::seconds(5))).ok());
    const ReadResult read = QCoro::waitFor(c->read(*ResourceId::parse(http(QStringLiteral("/secure/value"))), std::chrono::seconds(3)));
    QVERIFY2(read.result.ok(), qPrintable(read.result.error));
    QVERIFY(requestsTo("/secure/value").constLast().header("Authorization").startsWith("Basic "));
}

void TestHttpConnector::unsupportedSecuritySchemeIsReported()
{
    auto c = connector(http(QStringLiteral("/")));
    const Result result = QCoro::waitFor(c->discover(*ResourceId::parse(http(QStringLiteral("/td/cloudy"))), std::chrono::seconds(5)));
    QVERIFY2(result.ok(), qPrintable(result.error));
    QVERIFY2(result.notice.contains(QLatin1String("'oauth2'")) && result.notice.contains(QLatin1String("not supported")),
             qPrintable(result.notice));
    const ReadResult read = QCoro::waitFor(c->read(*ResourceId::parse(http(QStringLiteral("/cloud/x"))), std::chrono::seconds(3)));
    QCOMPARE(read.result.kind, ErrorKind::Auth);
    QVERIFY2(read.result.error.contains(QLatin1String("401")) && read.result.error.contains(QLatin1String("'oauth2'"))
                 && read.result.error.contains(QLatin1String("not supported")),
             qPrintable(read.result.error));
}

void TestHttpConnector::httpsVerifiedWithCa()
{
    if (!m_httpsPort) {
        REQUIRE_BINARY(openssl, "openssl", "openssl")
        QFAIL(qPrintable(m_tlsSkip));
    }
    const QString uri = QStringLiteral("https://127.0.0.1:%1/props/temp").arg(m_httpsPort);
    EndpointConfig config = configFor(uri);
    config.caFile = m_caFile;
    auto c = connector(uri, &config);
    const ReadResult read = QCoro::waitFor(c->read(*ResourceId::parse(uri), std::chrono::seconds(5)));
    QVERIFY2(read.result.ok(), qPrintable(read.result.error));
    QCOMPARE(read.value.raw, QByteArray("22.5"));

    config.caFile = m_tlsDir.path() + QStringLiteral("/no-such-ca.pem");
    auto broken = connector(uri, &config);
    const ReadResult unreadable = QCoro::waitFor(broken->read(*ResourceId::parse(uri), std::chrono::seconds(5)));
    QCOMPARE(unreadable.result.kind, ErrorKind::Tls);
    QVERIFY2(unreadable.result.error.contains(QLatin1String("no-such-ca.pem")), qPrintable(unreadable.result.error));
}

void TestHttpConnector::httpsUntrustedRejected()
{
    if (!m_httpsPort) {
        REQUIRE_BINARY(openssl, "openssl", "openssl")
        QFAIL(qPrintable(m_tlsSkip));
    }
    const QString uri = QStringLiteral("https://127.0.0.1:%1/props/temp").arg(m_httpsPort);
    auto c = connector(uri);
    const Result connected = QCoro::waitFor(c->connectToEndpoint());
    QCOMPARE(connected.kind, ErrorKind::Tls);
    QVERIFY2(connected.error.contains(QStringLiteral("127.0.0.1:%1").arg(m_httpsPort)), qPrintable(connected.error));
    const ReadResult read = QCoro::waitFor(c->read(*ResourceId::parse(uri), std::chrono::seconds(5)));
    QCOMPARE(read.result.kind, ErrorKind::Tls);
}

void TestHttpConnector::httpsInsecureOptIn()
{
    if (!m_httpsPort) {
        REQUIRE_BINARY(openssl, "openssl", "openssl")
        QFAIL(qPrintable(m_tlsSkip));
    }
    const QString uri = QStringLiteral("https://127.0.0.1:%1/props/temp").arg(m_httpsPort);
    EndpointConfig config = configFor(uri);
    config.insecure = true;
    auto c = connector(uri, &config);
    const Result connected = QCoro::waitFor(c->connectToEndpoint());
    QVERIFY2(connected.ok(), qPrintable(connected.error));
    QVERIFY2(connected.notice.contains(QLatin1String("insecure")), qPrintable(connected.notice));
    const ReadResult read = QCoro::waitFor(c->read(*ResourceId::parse(uri), std::chrono::seconds(5)));
    QVERIFY2(read.result.ok(), qPrintable(read.result.error));
    QCOMPARE(read.value.raw, QByteArray("22.5"));
}

// ---------------------------------------------------------------------------------------------

void TestHttpConnector::perResourcePollInterval()
{
    // Given a resource polled at the endpoint's interval (200 ms here)
    auto c = connector(http(QStringLiteral("/")));
    QVERIFY(QCoro::waitFor(c->discover(*ResourceId::parse(http(QStringLiteral("/td/lamp"))), std::chrono::seconds(5))).ok());
    const auto id = *ResourceId::parse(http(QStringLiteral("/props/status")));
    // When it gets its own, slower interval before it is observed
    c->setPollInterval(id, 1500);
    QCOMPARE(c->config().pollIntervalFor(id), 1500);
    // Discovery reads every readable property once: let that read land first.
    QTRY_VERIFY_WITH_TIMEOUT(!requestsTo("/props/status").isEmpty(), 10000);
    const qint64 observedAt = QDeadlineTimer::current().deadline();
    QVERIFY(QCoro::waitFor(c->observe(id)).ok());
    // Then it is polled at its own pace, not the endpoint's 200 ms. Judged by the server's own
    // timestamps of the requests after observe: the gap between the second and the third is a
    // poll interval (the first may be a late discovery read or observe's own first read, which
    // can land close together). A starved event loop only widens gaps, so it cannot fail this.
    const auto since = [this](qint64 fromMs) {
        QList<ServerRequest> polls = requestsTo("/props/status");
        polls.removeIf([fromMs](const ServerRequest &r) { return r.atMs < fromMs; });
        return polls;
    };
    QTRY_VERIFY_WITH_TIMEOUT(since(observedAt).size() >= 3, 20000);
    {
        const QList<ServerRequest> polls = since(observedAt);
        const qint64 gap = polls.at(2).atMs - polls.at(1).atMs;
        QVERIFY2(gap >= 1000, qPrintable(QString::number(gap)));
    }
    // And a faster one applies to the running poll at once: five more polls come, and come at
    // the new pace: four gaps of 100 ms, far below the 6 s or more that four gaps of the old 1.5 s
    // interval take (the bound leaves room for a loaded machine).
    c->setPollInterval(id, 100);
    const int fast = int(requestsTo("/props/status").size());
    QTRY_VERIFY_WITH_TIMEOUT(int(requestsTo("/props/status").size()) - fast >= 5, 15000);
    {
        const QList<ServerRequest> polls = requestsTo("/props/status");
        const qint64 span = polls.at(fast + 4).atMs - polls.at(fast).atMs;
        QVERIFY2(span < 5000, qPrintable(QString::number(span)));
    }
    c->unobserve(id);
    // Back to the endpoint's interval, and the setting is kept in the endpoint config
    c->setPollInterval(id, 0);
    QCOMPARE(c->config().pollIntervalFor(id), 200);
    EndpointConfig config = c->config();
    config.pollIntervals.insert(id.toString(), 750);
    QCOMPARE(EndpointConfig::fromJson(config.toJson()).pollIntervalFor(id), 750);
}

void TestHttpConnector::pollingWithEtag()
{
    auto c = connector(http(QStringLiteral("/")));
    UpdateLog log;
    log.attach(c.get(), this);
    QVERIFY(QCoro::waitFor(c->discover(*ResourceId::parse(http(QStringLiteral("/td/lamp"))), std::chrono::seconds(5))).ok());
    // What discovery read first is not what is observed here.
    c->flush();
    log.updates.clear();
    m_requests.clear();
    const QString uri = http(QStringLiteral("/props/status"));
    const Result observed = QCoro::waitFor(c->observe(*ResourceId::parse(uri)));
    QVERIFY2(observed.ok(), qPrintable(observed.error));
    QVERIFY2(observed.notice.contains(QLatin1String("polling")), qPrintable(observed.notice));
    QCOMPARE(c->observationMode(*ResourceId::parse(uri)), QStringLiteral("polling"));

    QTRY_VERIFY_WITH_TIMEOUT(requestsTo("/props/status").size() >= 3, 5000);
    c->flush();
    const QList<ServerRequest> polls = requestsTo("/props/status");
    QVERIFY(polls.at(0).header("If-None-Match").isEmpty());
    QCOMPARE(polls.at(1).header("If-None-Match"), QByteArray("\"1\""));
    // Three polls, one value: the 304s cost nothing.
    QCOMPARE(log.valuesFor(uri).size(), 1);
    QCOMPARE(log.valuesFor(uri).first().value->raw, QByteArray("\"ok\""));

    m_status = "\"fault\"";
    ++m_statusVersion;
    QTRY_COMPARE_WITH_TIMEOUT(log.valuesFor(uri).size(), 2, 5000);
    QCOMPARE(log.valuesFor(uri).constLast().value->raw, QByteArray("\"fault\""));
    c->unobserve(*ResourceId::parse(uri));
    m_status = "\"ok\"";
    m_statusVersion = 1;
}

void TestHttpConnector::serverSentEvents()
{
    auto c = connector(http(QStringLiteral("/")));
    UpdateLog log;
    log.attach(c.get(), this);
    QVERIFY(QCoro::waitFor(c->discover(*ResourceId::parse(http(QStringLiteral("/td/lamp"))), std::chrono::seconds(5))).ok());
    // What discovery read first is not what is observed here.
    c->flush();
    log.updates.clear();
    m_requests.clear();
    const QString uri = http(QStringLiteral("/props/temp"));
    const int before = m_raw.requestsFor("/sse/temp").size();
    const Result observed = QCoro::waitFor(c->observe(*ResourceId::parse(uri)));
    QVERIFY2(observed.ok(), qPrintable(observed.error));
    QCOMPARE(c->observationMode(*ResourceId::parse(uri)), QStringLiteral("server-sent events"));
    // Three events, the stream is cut, the client comes back with Last-Event-ID and gets more.
    QTRY_VERIFY_WITH_TIMEOUT(log.valuesFor(uri).size() >= 5, 5000);
    const QList<RawHttpRequest> requests = m_raw.requestsFor("/sse/temp").mid(before);
    QVERIFY(requests.size() >= 2);
    QCOMPARE(requests.at(0).header("Accept"), QByteArray("text/event-stream"));
    QVERIFY(requests.at(0).header("Last-Event-ID").isEmpty());
    QCOMPARE(requests.at(1).header("Last-Event-ID"), QByteArray("3"));
    const QList<Update> values = log.valuesFor(uri);
    QCOMPARE(values.at(0).value->raw, QByteArray("{\"value\":\n1}"));
    QCOMPARE(values.at(3).value->raw, QByteArray("{\"value\":\n4}"));
    QCOMPARE(values.at(0).info, QStringLiteral("SSE update id 1"));
    QVERIFY(requestsTo("/props/temp").isEmpty()); // no polling on the side

    // An event affordance streams the same way.
    const QString event = raw(QStringLiteral("/sse/overheat"));
    QVERIFY(QCoro::waitFor(c->observe(*ResourceId::parse(event))).ok());
    QTRY_VERIFY_WITH_TIMEOUT(log.valuesFor(event).size() >= 2, 5000);
    c->unobserve(*ResourceId::parse(uri));
    c->unobserve(*ResourceId::parse(event));
}

void TestHttpConnector::eventNamingAPropertyRefreshesIt()
{
    // Given a Thing with two plain (not observable) properties and an event stream whose
    // events name the property that changed
    auto level = std::make_shared<QByteArray>("10");
    auto stream = std::make_shared<QPointer<QTcpSocket>>();
    m_http.route("/dimmer/level", [this, level](const QHttpServerRequest &request) {
        record(request);
        return QHttpServerResponse(QByteArrayLiteral("application/json"), *level);
    });
    m_http.route("/dimmer/mode", [this](const QHttpServerRequest &request) {
        record(request);
        return QHttpServerResponse(QByteArrayLiteral("application/json"), QByteArrayLiteral("\"auto\""));
    });
    m_raw.route("/sse/dimmer", [stream](const RawHttpRequest &, QTcpSocket *socket) {
        RawHttpServer::writeHead(socket, 200, "OK", {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}});
        socket->write(": hello\n\n");
        *stream = socket;
    });
    const QJsonObject td = parseObject(QStringLiteral(R"({
      "@context": "%1",
      "id": "urn:thingscape:test:dimmer",
      "title": "Dimmer",
      "securityDefinitions": {"nosec_sc": {"scheme": "nosec"}},
      "security": "nosec_sc",
      "properties": {
        "level": {"type": "integer", "readOnly": true, "forms": [{"href": "%2"}]},
        "mode": {"type": "string", "readOnly": true, "forms": [{"href": "%3"}]}
      },
      "events": {
        "changed": {"data": {"type": "object"},
                    "forms": [{"href": "%4", "subprotocol": "sse", "contentType": "text/event-stream"}]}
      }
    })")
                                           .arg(kTdContext, http(QStringLiteral("/dimmer/level")),
                                                http(QStringLiteral("/dimmer/mode")), raw(QStringLiteral("/sse/dimmer"))));
    m_http.route("/td/dimmer", [this, td](const QHttpServerRequest &request) {
        record(request);
        return QHttpServerResponse(QByteArrayLiteral("application/td+json"), json(td));
    });

    auto c = connector(http(QStringLiteral("/")));
    ResourceStore store;
    connect(c.get(), &Connector::updatesReady, &store, &ResourceStore::ingest);
    const Result discovered =
        QCoro::waitFor(c->discover(*ResourceId::parse(http(QStringLiteral("/td/dimmer"))), std::chrono::seconds(5)));
    QVERIFY2(discovered.ok(), qPrintable(discovered.error));
    const ResourceId levelId = *ResourceId::parse(http(QStringLiteral("/dimmer/level")));
    QTRY_VERIFY_WITH_TIMEOUT(store.find(levelId) && store.find(levelId)->hasValue(), 10000);
    QCOMPARE(store.find(levelId)->value().raw, QByteArray("10"));
    QTRY_COMPARE_WITH_TIMEOUT(requestsTo("/dimmer/mode").size(), 1, 10000);
    const qsizetype levelReads = requestsTo("/dimmer/level").size();

    const ResourceId eventId = *ResourceId::parse(raw(QStringLiteral("/sse/dimmer")));
    const Result observed = QCoro::waitFor(c->observe(eventId));
    QVERIFY2(observed.ok(), qPrintable(observed.error));
    QTRY_VERIFY_WITH_TIMEOUT(!stream->isNull(), 10000);

    // When the device's level changes and its event says so (the value is not read by anyone)
    *level = "55";
    (*stream)->write("event: changed\ndata: {\"level\": 55}\n\n");
    // Then the property is read again and the store has the new value
    QTRY_COMPARE_WITH_TIMEOUT(store.find(levelId)->value().raw, QByteArray("55"), 10000);
    QCOMPARE(requestsTo("/dimmer/level").size(), levelReads + 1);
    // And the event itself is in the store under the event's name
    QVERIFY(store.find(eventId) && store.find(eventId)->hasValue());
    // And the property the event did not name was not read again
    QCOMPARE(requestsTo("/dimmer/mode").size(), 1);

    // An event that names it by its data alone refreshes it too.
    *level = "70";
    (*stream)->write("event: changed\ndata: \"level\"\n\n");
    QTRY_COMPARE_WITH_TIMEOUT(store.find(levelId)->value().raw, QByteArray("70"), 10000);
    QCOMPARE(requestsTo("/dimmer/mode").size(), 1);
    c->unobserve(eventId);
}

void TestHttpConnector::serverSentEventsDetectedWithoutTd()
{
    auto c = connector(raw(QStringLiteral("/sse/plain")));
    UpdateLog log;
    log.attach(c.get(), this);
    const QString uri = raw(QStringLiteral("/sse/plain"));
    const Result observed = QCoro::waitFor(c->observe(*ResourceId::parse(uri)));
    QVERIFY2(observed.ok(), qPrintable(observed.error));
    QTRY_VERIFY_WITH_TIMEOUT(log.valuesFor(uri).size() >= 4, 5000);
    QCOMPARE(c->observationMode(*ResourceId::parse(uri)), QStringLiteral("server-sent events"));
    c->unobserve(*ResourceId::parse(uri));
}

void TestHttpConnector::longPolling()
{
    auto c = connector(http(QStringLiteral("/")));
    UpdateLog log;
    log.attach(c.get(), this);
    QVERIFY(QCoro::waitFor(c->discover(*ResourceId::parse(http(QStringLiteral("/td/lamp"))), std::chrono::seconds(5))).ok());
    // What discovery read first is not what is observed here.
    c->flush();
    log.updates.clear();
    m_requests.clear();
    const QString uri = http(QStringLiteral("/props/counter"));
    const Result observed = QCoro::waitFor(c->observe(*ResourceId::parse(uri)));
    QVERIFY2(observed.ok(), qPrintable(observed.error));
    QCOMPARE(c->observationMode(*ResourceId::parse(uri)), QStringLiteral("long polling"));
    QTRY_VERIFY_WITH_TIMEOUT(log.valuesFor(uri).size() >= 3, 5000);
    const QList<Update> values = log.valuesFor(uri);
    // Each answer is followed at once by the next request: consecutive counter values.
    QCOMPARE(values.at(1).value->raw.toInt(), values.at(0).value->raw.toInt() + 1);
    QCOMPARE(values.at(2).value->raw.toInt(), values.at(1).value->raw.toInt() + 1);
    c->unobserve(*ResourceId::parse(uri));
}

void TestHttpConnector::webSocket()
{
    auto c = connector(http(QStringLiteral("/")));
    UpdateLog log;
    log.attach(c.get(), this);
    QVERIFY(QCoro::waitFor(c->discover(*ResourceId::parse(http(QStringLiteral("/td/lamp"))), std::chrono::seconds(5))).ok());
    // What discovery read first is not what is observed here.
    c->flush();
    log.updates.clear();
    m_requests.clear();
    const QString uri = http(QStringLiteral("/props/level"));
    const Result observed = QCoro::waitFor(c->observe(*ResourceId::parse(uri)));
    QVERIFY2(observed.ok(), qPrintable(observed.error));
    QCOMPARE(c->observationMode(*ResourceId::parse(uri)), QStringLiteral("WebSocket"));
    QTRY_VERIFY_WITH_TIMEOUT(log.valuesFor(uri).size() >= 3, 5000);
    QCOMPARE(m_wsPaths.constLast(), QStringLiteral("/level"));
    const QList<Update> values = log.valuesFor(uri);
    QCOMPARE(values.at(0).value->raw, QByteArray("1.5"));
    QCOMPARE(values.at(1).value->toDouble(), 3.0);
    QCOMPARE(values.at(0).info, QStringLiteral("WebSocket text"));
    c->unobserve(*ResourceId::parse(uri));
}

void TestHttpConnector::unobserveStops()
{
    auto c = connector(http(QStringLiteral("/")));
    UpdateLog log;
    log.attach(c.get(), this);
    const QString uri = http(QStringLiteral("/props/temp"));
    QVERIFY(QCoro::waitFor(c->observe(*ResourceId::parse(uri))).ok());
    QTRY_VERIFY_WITH_TIMEOUT(requestsTo("/props/temp").size() >= 2, 5000);
    c->unobserve(*ResourceId::parse(uri));
    QVERIFY(c->observationMode(*ResourceId::parse(uri)).isEmpty());
    const int polls = requestsTo("/props/temp").size();
    // Showing that polling stopped needs time to pass; instead of a sleep, let another resource
    // of the same endpoint be polled four more times (at least three 200 ms intervals of the
    // connector's polling running after the unobserve), then look.
    const auto marker = *ResourceId::parse(http(QStringLiteral("/props/status")));
    const int markerBefore = int(requestsTo("/props/status").size());
    QVERIFY(QCoro::waitFor(c->observe(marker)).ok());
    QTRY_VERIFY_WITH_TIMEOUT(int(requestsTo("/props/status").size()) - markerBefore >= 4, 10000);
    c->unobserve(marker);
    QCOMPARE(requestsTo("/props/temp").size(), polls);

    // Observing a missing resource fails at once, with the reason.
    const Result missing = QCoro::waitFor(c->observe(*ResourceId::parse(http(QStringLiteral("/missing")))));
    QCOMPARE(missing.kind, ErrorKind::NotFound);
    QVERIFY(c->observationMode(*ResourceId::parse(http(QStringLiteral("/missing")))).isEmpty());
}

void TestHttpConnector::worksOnAnotherThread()
{
    QThread thread;
    thread.start();
    auto *c = new HttpConnector(configFor(http(QStringLiteral("/"))));
    c->moveToThread(&thread);
    UpdateLog log;
    log.attach(c, this);
    std::optional<ReadResult> result;
    const ResourceId id = *ResourceId::parse(http(QStringLiteral("/props/temp")));
    QMetaObject::invokeMethod(c, [c, id, this, &result] {
        readInThread(c, id, this, [&result](ReadResult r) { result = r; });
    });
    QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), 5000);
    QVERIFY2(result->result.ok(), qPrintable(result->result.error));
    QCOMPARE(result->value.raw, QByteArray("21.5"));
    // The batch timer went along to the thread: the update arrives, queued.
    QTRY_COMPARE_WITH_TIMEOUT(log.valuesFor(id.toString()).size(), 1, 3000);

    // Observation too: its timers and replies live on the connector's thread.
    const QString sse = raw(QStringLiteral("/sse/plain"));
    std::optional<Result> observed;
    QMetaObject::invokeMethod(c, [c, sse, this, &observed] {
        observeInThread(c, *ResourceId::parse(sse), this, [&observed](Result r) { observed = r; });
    });
    QTRY_VERIFY_WITH_TIMEOUT(observed.has_value(), 5000);
    QVERIFY2(observed->ok(), qPrintable(observed->error));
    QTRY_VERIFY_WITH_TIMEOUT(log.valuesFor(sse).size() >= 3, 5000);

    QMetaObject::invokeMethod(c, &QObject::deleteLater);
    thread.quit();
    QVERIFY(thread.wait(5000));
}

// ---------------------------------------------------------------------------------------------

void TestHttpConnector::mqttForms()
{
    REQUIRE_BINARY(mosquitto, "mosquitto", "mosquitto")
    REQUIRE_BINARY(mosquittoPub, "mosquitto_pub", "mosquitto-clients")
    QVERIFY2(m_mosquittoUp, qPrintable(m_mosquitto.log()));
    const QString port = QString::number(m_mosquitto.port());
    auto publish = [&](const QString &topic, const QString &payload, bool retain) {
        QStringList args = {QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), port,
                            QStringLiteral("-t"), topic, QStringLiteral("-m"), payload};
        if (retain)
            args << QStringLiteral("-r");
        return QProcess::execute(mosquittoPub, args) == 0;
    };
    QVERIFY(publish(QStringLiteral("bridge/humidity"), QStringLiteral("55"), true));

    auto c = connector(http(QStringLiteral("/")));
    UpdateLog log;
    log.attach(c.get(), this);
    QVERIFY(QCoro::waitFor(c->discover(*ResourceId::parse(http(QStringLiteral("/td/bridge"))), std::chrono::seconds(5))).ok());
    const QString humidity = QStringLiteral("mqtt://127.0.0.1:%1/bridge/humidity").arg(port);
    const ReadResult read = QCoro::waitFor(c->read(*ResourceId::parse(humidity), std::chrono::seconds(5)));
    QVERIFY2(read.result.ok(), qPrintable(read.result.error));
    QCOMPARE(read.value.raw, QByteArray("55"));

    const Result observed = QCoro::waitFor(c->observe(*ResourceId::parse(humidity)));
    QVERIFY2(observed.ok(), qPrintable(observed.error));
    // Retained: it arrives whether the subscription's SUBACK came before it (delivered live) or
    // after (delivered on subscribing); no sleep "to let it subscribe".
    QVERIFY(publish(QStringLiteral("bridge/humidity"), QStringLiteral("56"), true));
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(log.updates.cbegin(), log.updates.cend(), [&](const Update &u) {
        return u.id.toString() == humidity && u.value && u.value->raw == "56";
    }), 5000);

    // Writing goes to the writeproperty form's topic, re-posted under the resource.
    const QString setpoint = QStringLiteral("mqtt://127.0.0.1:%1/bridge/setpoint").arg(port);
    const Result written = QCoro::waitFor(c->write(*ResourceId::parse(setpoint), "21", WriteOptions{}));
    QVERIFY2(written.ok(), qPrintable(written.error));
    c->unobserve(*ResourceId::parse(humidity));
}

void TestHttpConnector::coapForms()
{
    REQUIRE_BINARY(coapServer, "coap-server-openssl", "libcoap3-bin")
    QVERIFY(m_coapUp);
    auto c = connector(http(QStringLiteral("/")));
    UpdateLog log;
    log.attach(c.get(), this);
    QVERIFY(QCoro::waitFor(c->discover(*ResourceId::parse(http(QStringLiteral("/td/bridge"))), std::chrono::seconds(5))).ok());
    const QString clock = QStringLiteral("coap://127.0.0.1:%1/time").arg(m_coapPort);
    const ReadResult read = QCoro::waitFor(c->read(*ResourceId::parse(clock), std::chrono::seconds(5)));
    QVERIFY2(read.result.ok(), qPrintable(read.result.error));
    QVERIFY2(!read.value.raw.isEmpty(), "the CoAP server's clock answered nothing");
    const Result observed = QCoro::waitFor(c->observe(*ResourceId::parse(clock)));
    QVERIFY2(observed.ok(), qPrintable(observed.error));
    QCOMPARE(c->observationMode(*ResourceId::parse(clock)), QStringLiteral("coap"));
    // coap-server's clock notifies once a second.
    QTRY_VERIFY_WITH_TIMEOUT(log.valuesFor(clock).size() >= 2, 6000);
    c->unobserve(*ResourceId::parse(clock));
}

// ---------------------------------------------------------------------------------------------

QString TestHttpConnector::cliProgram() const
{
    const QString dir = qEnvironmentVariable("THINGSCAPE_BINARY_DIR");
    if (dir.isEmpty())
        return {};
    const QString program = dir + QStringLiteral("/app/thingscape");
    return QFileInfo::exists(program) ? program : QString();
}

std::optional<QPair<int, QString>> TestHttpConnector::runCli(const QStringList &args, int timeoutMs)
{
    QProcess process;
    process.setProgram(cliProgram());
    process.setArguments(args);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    process.setProcessEnvironment(env);
    process.start();
    if (!process.waitForStarted(5000))
        return std::nullopt;
    // The servers live on this thread: keep the event loop turning while the CLI talks to them.
    QDeadlineTimer deadline(timeoutMs);
    while (process.state() != QProcess::NotRunning && !deadline.hasExpired())
        QTest::qWait(20);
    if (process.state() != QProcess::NotRunning) {
        process.kill();
        process.waitForFinished(2000);
        return std::nullopt;
    }
    const QString out = QString::fromUtf8(process.readAllStandardOutput());
    const QString err = QString::fromUtf8(process.readAllStandardError());
    if (process.exitCode() != 0)
        qInfo().noquote() << "thingscape" << args.join(QLatin1Char(' ')) << "->" << process.exitCode() << err;
    return QPair<int, QString>(process.exitCode(), out + QStringLiteral("\n--stderr--\n") + err);
}

void TestHttpConnector::cliDiscover()
{
    QVERIFY2(!cliProgram().isEmpty(), "the thingscape binary is not built (THINGSCAPE_BINARY_DIR/app/thingscape)");
    const auto result = runCli({QStringLiteral("discover"), http(QStringLiteral("/")), QStringLiteral("--json")});
    QVERIFY(result);
    QVERIFY2(result->first == 0, qPrintable(result->second));
    QStringList uris;
    QHash<QString, QJsonObject> byUri;
    const QStringList lines = result->second.section(QStringLiteral("\n--stderr--\n"), 0, 0).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (const QString &line : lines) {
        const QJsonObject object = QJsonDocument::fromJson(line.toUtf8()).object();
        uris << object.value(QLatin1String("uri")).toString();
        byUri.insert(uris.constLast(), object);
    }
    const int mqttPort = m_mosquitto.port() ? m_mosquitto.port() : 1;
    for (const QString &uri : {http(QStringLiteral("/props/temp")), http(QStringLiteral("/actions/toggle")),
                               raw(QStringLiteral("/sse/overheat")),
                               QStringLiteral("mqtt://127.0.0.1:%1/bridge/humidity").arg(mqttPort),
                               QStringLiteral("coap://127.0.0.1:%1/time").arg(m_coapPort ? m_coapPort : 1)})
        QVERIFY2(uris.contains(uri), qPrintable(uri + QStringLiteral(" not in:\n") + result->second));
    QCOMPARE(byUri.value(http(QStringLiteral("/props/temp"))).value(QLatin1String("title")).toString(),
             QStringLiteral("Temperature"));
    QCOMPARE(byUri.value(http(QStringLiteral("/props/temp"))).value(QLatin1String("unit")).toString(), QStringLiteral("°C"));
}

void TestHttpConnector::cliGetPutWatch()
{
    QVERIFY2(!cliProgram().isEmpty(), "the thingscape binary is not built (THINGSCAPE_BINARY_DIR/app/thingscape)");
    const auto get = runCli({QStringLiteral("get"), http(QStringLiteral("/props/temp")), QStringLiteral("--json")});
    QVERIFY(get);
    QVERIFY2(get->first == 0, qPrintable(get->second));
    const QJsonObject value = QJsonDocument::fromJson(get->second.section(QLatin1Char('\n'), 0, 0).toUtf8()).object();
    QCOMPARE(value.value(QLatin1String("uri")).toString(), http(QStringLiteral("/props/temp")));
    QCOMPARE(value.value(QLatin1String("value")).toDouble(), 21.5);

    const auto put = runCli({QStringLiteral("put"), http(QStringLiteral("/props/brightness")), QStringLiteral("64"),
                             QStringLiteral("--format"), QStringLiteral("json")});
    QVERIFY(put);
    QCOMPARE(put->first, 0);
    QCOMPARE(m_brightness, QByteArray("64"));

    const auto missing = runCli({QStringLiteral("get"), http(QStringLiteral("/missing"))});
    QVERIFY(missing);
    QCOMPARE(missing->first, 1); // NotFound
    QVERIFY2(missing->second.contains(QLatin1String("404")), qPrintable(missing->second));

    // A body broken after the status line is an error, not a shorter value.
    for (const char *path : {"/chunk/huge", "/chunk/bad", "/lie/length"}) {
        const auto broken = runCli({QStringLiteral("get"), raw(QString::fromLatin1(path))});
        QVERIFY(broken);
        QVERIFY2(broken->first == 3, qPrintable(QStringLiteral("%1: exit %2: %3").arg(path).arg(broken->first).arg(broken->second)));
        QVERIFY2(!broken->second.contains(QLatin1String("hello")) && !broken->second.contains(QLatin1String("world")),
                 qPrintable(broken->second));
    }

    const auto watch = runCli({QStringLiteral("watch"), raw(QStringLiteral("/sse/plain")), QStringLiteral("--count"),
                               QStringLiteral("3"), QStringLiteral("--json"), QStringLiteral("--timeout"), QStringLiteral("10")});
    QVERIFY(watch);
    QCOMPARE(watch->first, 0);
    const QStringList lines = watch->second.section(QStringLiteral("\n--stderr--\n"), 0, 0).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3);
    QCOMPARE(QJsonDocument::fromJson(lines.first().toUtf8()).object().value(QLatin1String("uri")).toString(),
             raw(QStringLiteral("/sse/plain")));
}

QTEST_GUILESS_MAIN(TestHttpConnector)
#include "tst_httpconnector.moc"
