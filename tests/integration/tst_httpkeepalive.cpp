// HTTP/1.1 persistent connections of the HTTP client and connector, against real servers started
// here: a QHttpServer on a QTcpServer that counts its connections, and a small keep-alive server
// of our own that closes connections the way real servers do (after an idle timeout, or just as
// a request arrives on a kept one).

#include "protocols/http/httpclient.h"
#include "protocols/http/httpconnectionpool.h"
#include "protocols/http/httpconnector.h"

#include <QCoro/QCoroTask>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QPointer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace thingscape;

namespace {

// Counts the connections QHttpServer gets.
class CountingTcpServer : public QTcpServer
{
public:
    int connections = 0;

protected:
    void incomingConnection(qintptr handle) override
    {
        ++connections;
        QTcpServer::incomingConnection(handle);
    }
};

// A QHttpServer with routes of the test's, on a QTcpServer that counts its connections.
struct CountedHttpServer
{
    QHttpServer http;
    CountingTcpServer tcp;

    bool listen()
    {
        if (!tcp.listen(QHostAddress::LocalHost, 0))
            return false;
        http.bind(&tcp);
        return true;
    }
    quint16 port() const { return tcp.serverPort(); }
};

// HTTP/1.1 with keep-alive, answering "<path> #<n>" with a Content-Length. What it does with a
// kept connection is the test's choice.
class KeepAliveServer : public QObject
{
public:
    enum class Mode {
        Keep,                   // keeps every connection open
        CloseAfterAnswer,       // closes right after each answer (an idle timeout of zero)
        CloseOnSecondRequest,   // a second request on a connection: closed unanswered
    };

    Mode mode = Mode::Keep;
    int connections = 0;
    int closedByPeer = 0;
    QList<QByteArray> answered; // "METHOD /path"
    QList<QByteArray> dropped;

    ~KeepAliveServer() override
    {
        // Open sockets die with m_server, after our hashes: they must not call back into us.
        for (QTcpSocket *socket : m_server.findChildren<QTcpSocket *>()) {
            socket->disconnect(this);
            socket->abort();
        }
    }

    bool listen()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                ++connections;
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onData(socket); });
                connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
                    if (!m_closing.contains(socket))
                        ++closedByPeer;
                    m_closing.remove(socket);
                    m_buffers.remove(socket);
                    m_served.remove(socket);
                    socket->deleteLater();
                });
            }
        });
        return m_server.listen(QHostAddress::LocalHost, 0);
    }
    quint16 port() const { return m_server.serverPort(); }

private:
    void onData(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        for (;;) {
            const qsizetype end = buffer.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            const QByteArray head = buffer.left(end);
            qint64 length = 0;
            for (const QByteArray &line : head.split('\n')) {
                if (line.toLower().startsWith("content-length:"))
                    length = line.mid(15).trimmed().toLongLong();
            }
            if (buffer.size() < end + 4 + length)
                return;
            buffer.remove(0, end + 4 + length);
            const QList<QByteArray> requestLine = head.left(head.indexOf('\r')).split(' ');
            const QByteArray what = requestLine.value(0) + ' ' + requestLine.value(1);
            int &served = m_served[socket];
            if (mode == Mode::CloseOnSecondRequest && served >= 1) {
                dropped << what;
                close(socket);
                return;
            }
            ++served;
            answered << what;
            const QByteArray body = requestLine.value(1) + " #" + QByteArray::number(answered.size());
            socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + QByteArray::number(body.size())
                          + "\r\n\r\n" + (requestLine.value(0) == "HEAD" ? QByteArray() : body));
            if (mode == Mode::CloseAfterAnswer) {
                close(socket);
                return;
            }
        }
    }

    void close(QTcpSocket *socket)
    {
        m_closing.insert(socket);
        socket->disconnectFromHost();
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QHash<QTcpSocket *, int> m_served;
    QSet<QTcpSocket *> m_closing;
};

EndpointConfig configFor(quint16 port)
{
    EndpointConfig config;
    config.url = *ResourceId::parse(QStringLiteral("http://127.0.0.1:%1").arg(port));
    config.name = config.url.toString();
    config.requestTimeoutMs = 10000;
    config.pollIntervalMs = 20;
    return config;
}

HttpResponse get(HttpClient &client, quint16 port, const QString &path, const QByteArray &verb = "GET")
{
    HttpRequestOptions options;
    options.verb = verb;
    if (verb == "POST" || verb == "PUT")
        options.body = "{}";
    return QCoro::waitFor(client.send(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(path)), options));
}

} // namespace

class TestHttpKeepAlive : public QObject
{
    Q_OBJECT

private slots:
    void pollsShareOneConnection();
    void connectorPollsShareOneConnection();
    void serverClosingAnIdleConnectionLosesNoRequest();
    void staleKeptConnectionIsRetriedOnceForIdempotentRequests();
    void nonIdempotentRequestsNeverTakeAKeptConnection();
    void connectionsThePeerWillCloseAreNotKept();
    void idleConnectionsAreClosedAfterTheTimeout();
};

void TestHttpKeepAlive::pollsShareOneConnection()
{
    // Given a QHttpServer that counts its connections
    CountedHttpServer server;
    int requests = 0;
    server.http.route("/value", [&requests] { return QHttpServerResponse(QByteArrayLiteral("text/plain"), QByteArray::number(++requests)); });
    QVERIFY(server.listen());
    const quint16 port = server.port();

    // When a client polls it 20 times, one request after the other
    HttpClient client(configFor(port));
    for (int i = 1; i <= 20; ++i) {
        const HttpResponse response = get(client, port, QStringLiteral("/value"));
        QVERIFY2(response.result.ok(), qPrintable(response.result.error));
        QCOMPARE(response.body, QByteArray::number(i));
    }
    // Then all 20 went over one connection
    QCOMPARE(server.tcp.connections, 1);
    QCOMPARE(client.connectionPool()->opened(), quint64(1));
    QCOMPARE(client.connectionPool()->reused(), quint64(19));

    // And without reuse, each takes its own (what the client did before)
    HttpClient closing(configFor(port));
    closing.setConnectionReuse(false);
    QVERIFY(!closing.connectionPool());
    for (int i = 0; i < 5; ++i)
        QVERIFY(get(closing, port, QStringLiteral("/value")).result.ok());
    QCOMPARE(server.tcp.connections, 6);
}

void TestHttpKeepAlive::connectorPollsShareOneConnection()
{
    // Given a QHttpServer counting its connections and a resource the connector polls
    CountedHttpServer server;
    int polls = 0;
    server.http.route("/sensor", [&polls] { return QHttpServerResponse(QByteArrayLiteral("application/json"), QByteArray::number(++polls)); });
    QVERIFY(server.listen());
    CountingTcpServer &tcp = server.tcp;
    HttpConnector connector(configFor(tcp.serverPort()));
    connector.setBatchIntervalMs(5);
    const Result connected = QCoro::waitFor(connector.connectToEndpoint());
    QVERIFY2(connected.ok(), qPrintable(connected.error));
    const auto id = *ResourceId::parse(QStringLiteral("http://127.0.0.1:%1/sensor").arg(tcp.serverPort()));

    // When it observes the resource (polling every 20 ms): past its first polls (which may meet
    // the observation's own first read and take a second connection), 15 more polls
    const Result observed = QCoro::waitFor(connector.observe(id));
    QVERIFY2(observed.ok(), qPrintable(observed.error));
    QTRY_VERIFY_WITH_TIMEOUT(polls >= 3, 60000);
    const int before = tcp.connections;
    const int pollsBefore = polls;
    QTRY_VERIFY_WITH_TIMEOUT(polls >= pollsBefore + 15, 60000);
    connector.unobserve(id);

    // Then they took no new connection: they went over the kept ones
    QVERIFY2(tcp.connections == before,
             qPrintable(QStringLiteral("%1 connections before, %2 after %3 polls").arg(before).arg(tcp.connections).arg(polls)));
}

void TestHttpKeepAlive::serverClosingAnIdleConnectionLosesNoRequest()
{
    // Given a server that closes every connection right after its answer (an idle timeout)
    KeepAliveServer server;
    server.mode = KeepAliveServer::Mode::CloseAfterAnswer;
    QVERIFY(server.listen());
    HttpClient client(configFor(server.port()));

    for (int i = 1; i <= 5; ++i) {
        // When a request comes after the close reached us
        const HttpResponse response = get(client, server.port(), QStringLiteral("/a"));
        // Then it is answered, on a new connection
        QVERIFY2(response.result.ok(), qPrintable(response.result.error));
        QCOMPARE(response.body, QByteArray("/a #") + QByteArray::number(i));
        QTRY_COMPARE_WITH_TIMEOUT(client.connectionPool()->idleCount(), 0, 10000);
    }
    QCOMPARE(server.connections, 5);
    QCOMPARE(server.answered.size(), 5);
}

void TestHttpKeepAlive::staleKeptConnectionIsRetriedOnceForIdempotentRequests()
{
    // Given a kept connection the server closes as the next request arrives on it (its idle
    // timeout crossing our request: the close has not reached us when we send)
    KeepAliveServer server;
    server.mode = KeepAliveServer::Mode::CloseOnSecondRequest;
    QVERIFY(server.listen());
    const QByteArray verbs[] = {"GET", "HEAD", "PUT", "DELETE"};
    int expectedAnswers = 0;
    for (const QByteArray &verb : verbs) {
        HttpClient client(configFor(server.port()));
        QVERIFY(get(client, server.port(), QStringLiteral("/first")).result.ok());
        ++expectedAnswers;
        QCOMPARE(client.connectionPool()->idleCount(), 1);

        // When an idempotent request goes over it
        const HttpResponse response = get(client, server.port(), QStringLiteral("/second"), verb);

        // Then it is sent once more on a new connection and answered
        QVERIFY2(response.result.ok(), qPrintable(verb + ": " + response.result.error));
        QCOMPARE(response.status, 200);
        ++expectedAnswers;
        QCOMPARE(server.answered.size(), expectedAnswers);
        QCOMPARE(server.answered.constLast(), verb + " /second");
        QCOMPARE(server.dropped.constLast(), verb + " /second");
        QCOMPARE(client.connectionPool()->reused(), quint64(1));
        QCOMPARE(client.connectionPool()->opened(), quint64(2));
    }
    QCOMPARE(server.dropped.size(), 4);
    QCOMPARE(server.connections, 8);
}

void TestHttpKeepAlive::nonIdempotentRequestsNeverTakeAKeptConnection()
{
    // Given a kept connection the server would close unanswered on the next request
    KeepAliveServer server;
    server.mode = KeepAliveServer::Mode::CloseOnSecondRequest;
    QVERIFY(server.listen());
    HttpClient client(configFor(server.port()));
    QVERIFY(get(client, server.port(), QStringLiteral("/first")).result.ok());
    QCOMPARE(client.connectionPool()->idleCount(), 1);

    // When a POST goes (it must not be sent twice)
    const HttpResponse response = get(client, server.port(), QStringLiteral("/action"), "POST");

    // Then it went over a new connection, once, and was answered
    QVERIFY2(response.result.ok(), qPrintable(response.result.error));
    QCOMPARE(server.answered, (QList<QByteArray>{"GET /first", "POST /action"}));
    QVERIFY(server.dropped.isEmpty());
    QCOMPARE(server.connections, 2);
    // And its connection is kept afterwards for the next GET
    QCOMPARE(client.connectionPool()->idleCount(), 2);
}

void TestHttpKeepAlive::connectionsThePeerWillCloseAreNotKept()
{
    // Given a QHttpServer answering with "Connection: close", with HTTP/1.0-style "keep-alive"
    // and with a Keep-Alive timeout of one second (too short to use)
    CountedHttpServer server;
    QHttpServer &http = server.http;
    http.route("/close", [] {
        QHttpServerResponse response(QByteArrayLiteral("text/plain"), QByteArrayLiteral("bye"));
        response.setHeader(QByteArrayLiteral("Connection"), QByteArrayLiteral("close"));
        return response;
    });
    http.route("/short", [] {
        QHttpServerResponse response(QByteArrayLiteral("text/plain"), QByteArrayLiteral("soon"));
        response.setHeader(QByteArrayLiteral("Keep-Alive"), QByteArrayLiteral("timeout=1, max=100"));
        return response;
    });
    http.route("/long", [] {
        QHttpServerResponse response(QByteArrayLiteral("text/plain"), QByteArrayLiteral("later"));
        response.setHeader(QByteArrayLiteral("Keep-Alive"), QByteArrayLiteral("timeout=60"));
        return response;
    });
    QVERIFY(server.listen());
    CountingTcpServer &tcp = server.tcp;
    HttpClient client(configFor(tcp.serverPort()));

    // When each is asked for
    // Then "close" and a one-second timeout are not kept, a long one is
    HttpResponse response = get(client, tcp.serverPort(), QStringLiteral("/close"));
    QCOMPARE(response.body, QByteArray("bye"));
    QCOMPARE(client.connectionPool()->idleCount(), 0);
    response = get(client, tcp.serverPort(), QStringLiteral("/short"));
    QCOMPARE(response.body, QByteArray("soon"));
    QCOMPARE(client.connectionPool()->idleCount(), 0);
    response = get(client, tcp.serverPort(), QStringLiteral("/long"));
    QCOMPARE(response.body, QByteArray("later"));
    QCOMPARE(client.connectionPool()->idleCount(), 1);
    QCOMPARE(tcp.connections, 3);
}

void TestHttpKeepAlive::idleConnectionsAreClosedAfterTheTimeout()
{
    // Given a client keeping idle connections 300 ms, and a server that keeps them forever
    KeepAliveServer server;
    QVERIFY(server.listen());
    HttpClient client(configFor(server.port()));
    client.connectionPool()->setIdleTimeoutMs(300);

    // When a request is answered
    QVERIFY(get(client, server.port(), QStringLiteral("/a")).result.ok());
    QCOMPARE(client.connectionPool()->idleCount(), 1);

    // Then the client closes the connection once it was idle that long, and the next request
    // opens a new one
    QTRY_COMPARE_WITH_TIMEOUT(server.closedByPeer, 1, 30000);
    QCOMPARE(client.connectionPool()->idleCount(), 0);
    QVERIFY(get(client, server.port(), QStringLiteral("/b")).result.ok());
    QCOMPARE(server.connections, 2);
}

QTEST_GUILESS_MAIN(TestHttpKeepAlive)
#include "tst_httpkeepalive.moc"
