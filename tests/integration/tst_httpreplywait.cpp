// An HTTP reply that finishes in the same event-loop turn as its waiter's own timeout, as on a
// busy I/O thread: the reply's transfer timeout and the waiter's (a little later) both come
// due while the thread is blocked. QCoro 0.8's qCoro(reply).waitForFinished(timeout) then
// resumes at its timeout and frees its frame while the queued resumption for the reply's
// finished() is still posted: that one ran on the freed frame (QTimer::stop on a timer that
// no longer exists, SIGSEGV on the I/O thread under the simulator's load).
//
// The peer is a real server on loopback that takes the request and blocks the thread past
// both deadlines before it returns: blocking longer only makes the condition surer. Freed
// memory is scribbled over (M_PERTURB), so a resumption of a freed frame crashes every time.
#include "rawhttpserver.h"

#include "protocols/connector.h"
#include "protocols/http/httpclient.h"
#include "protocols/http/httpconnector.h"

#include <QCoreApplication>
#include <QCoro/QCoroTask>
#include <QElapsedTimer>
#include <QPointer>
#include <QTcpSocket>
#include <QTest>

#include <malloc.h>

#include <chrono>
#include <thread>

using namespace thingscape;
using testsupport::RawHttpRequest;
using testsupport::RawHttpServer;

namespace {

constexpr int kTimeoutMs = 100;
// Past the reply's transfer timeout and the waiter's (timeout + 250 ms) however the clock ran.
constexpr int kBlockMs = kTimeoutMs + 250 + 400;

EndpointConfig configFor(quint16 port)
{
    EndpointConfig config;
    config.url = ResourceId::parse(QStringLiteral("http://127.0.0.1:%1/").arg(port))->endpoint();
    config.name = QStringLiteral("stalling peer");
    config.requestTimeoutMs = kTimeoutMs;
    return config;
}

// What a busy I/O thread does to the timers: none of them run until it returns.
void blockThread()
{
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < kBlockMs)
        std::this_thread::sleep_for(std::chrono::milliseconds(kBlockMs - clock.elapsed()));
}

} // namespace

class TestHttpReplyWait : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void clientTimeoutAndFinishInOneTurn();
    void connectorTimeoutAndFinishInOneTurn();
    void answeredRequestStillReads();

private:
    // Delivers whatever was posted (the queued resumptions), then the deferred deletes.
    static void drain();

    RawHttpServer m_server;
    int m_stalled = 0;
};

void TestHttpReplyWait::initTestCase()
{
    mallopt(M_PERTURB, 0xa5);
    QVERIFY(m_server.listen());
    m_server.route("/stall", [this](const RawHttpRequest &, QTcpSocket *) {
        ++m_stalled;
        blockThread(); // and never answers
    });
    m_server.route("/ok", [](const RawHttpRequest &, QTcpSocket *socket) {
        RawHttpServer::respond(socket, 200, "OK", "text/plain", "fine");
    });
}

void TestHttpReplyWait::init()
{
    m_stalled = 0;
}

void TestHttpReplyWait::drain()
{
    for (int i = 0; i < 5; ++i) {
        QCoreApplication::sendPostedEvents();
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
        QCoreApplication::processEvents();
    }
}

void TestHttpReplyWait::clientTimeoutAndFinishInOneTurn()
{
    // Given a client whose requests time out after 100 ms and a peer that stalls the thread
    HttpClient client(configFor(m_server.port()));
    const QUrl url(QStringLiteral("http://127.0.0.1:%1/stall").arg(m_server.port()));

    // When the reply times out in the same turn as its waiter
    for (int round = 0; round < 3; ++round) {
        const HttpResponse response = QCoro::waitFor(client.send(url, HttpRequestOptions{}));
        drain();

        // Then the request fails as a timeout, once, and nothing runs on a freed frame
        QCOMPARE(response.status, 0);
        QVERIFY(!response.result.ok());
        QVERIFY2(!response.result.error.isEmpty(), "the failure says why");
    }
    QCOMPARE(m_stalled, 3);
}

void TestHttpReplyWait::connectorTimeoutAndFinishInOneTurn()
{
    // Given a connector's raw request with a 100 ms timeout to a peer that stalls the thread
    HttpConnector connector(configFor(m_server.port()));
    RawRequest raw;
    raw.target = *ResourceId::parse(QStringLiteral("http://127.0.0.1:%1/stall").arg(m_server.port()));
    raw.timeout = std::chrono::milliseconds(kTimeoutMs);

    // When the reply times out in the same turn as its waiter
    for (int round = 0; round < 3; ++round) {
        const RawResponse response = QCoro::waitFor(connector.request(raw));
        drain();

        // Then it is a failure without a status, and nothing runs on a freed frame
        QCOMPARE(response.status, 0);
        QVERIFY(!response.result.ok());
    }
    QCOMPARE(m_stalled, 3);
}

void TestHttpReplyWait::answeredRequestStillReads()
{
    // Given the same client and a peer that answers at once
    HttpClient client(configFor(m_server.port()));
    const QUrl url(QStringLiteral("http://127.0.0.1:%1/ok").arg(m_server.port()));

    // When it is read, Then the answer arrives whole
    const HttpResponse response = QCoro::waitFor(client.send(url, HttpRequestOptions{}));
    drain();
    QVERIFY2(response.result.ok(), qPrintable(response.result.error));
    QCOMPARE(response.status, 200);
    QCOMPARE(response.body, QByteArray("fine"));
}

QTEST_GUILESS_MAIN(TestHttpReplyWait)
#include "tst_httpreplywait.moc"
