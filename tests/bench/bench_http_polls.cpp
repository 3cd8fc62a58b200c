// HTTP polls per second from the client, with persistent connections against one connection per
// request (the client before keep-alive: "Connection: close"), against a QHttpServer on its own
// thread, in alternating rounds within the same run. Prints polls/s, the client thread's CPU time
// per poll and the server's connections, per round and as medians with the keep / close ratio.
// ctest runs the quick mode: every poll answered, 1 connection against N, no timing asserted.
// By hand: build/tests/bench/bench_http_polls [polls per round] [rounds]

#include "benchstats.h"

#include "protocols/http/httpclient.h"
#include "protocols/http/httpconnectionpool.h"

#include <QCoreApplication>
#include <QCoro/QCoroTask>
#include <QElapsedTimer>
#include <QHttpServer>
#include <QHttpServerResponse>
#include <QTcpServer>
#include <QTest>
#include <QThread>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <vector>

using namespace thingscape;

namespace {

class CountingTcpServer : public QTcpServer
{
public:
    std::atomic<int> connections{0};

protected:
    void incomingConnection(qintptr handle) override
    {
        ++connections;
        QTcpServer::incomingConnection(handle);
    }
};

// A QHttpServer with one small JSON value, on a thread of its own.
class ServerThread : public QThread
{
public:
    ~ServerThread() override
    {
        quit();
        wait();
    }
    quint16 port = 0;
    CountingTcpServer *tcp = nullptr; // Owned by the thread's run().
    std::atomic<bool> ready{false};

protected:
    void run() override
    {
        QHttpServer http;
        http.route("/sensor", [] { return QHttpServerResponse(QByteArrayLiteral("application/json"), QByteArrayLiteral("{\"t\":21.5}")); });
        CountingTcpServer server;
        server.listen(QHostAddress::LocalHost, 0);
        http.bind(&server);
        tcp = &server;
        port = server.serverPort();
        ready = true;
        exec();
        tcp = nullptr;
    }
};

double cpuMs(clockid_t clock)
{
    timespec ts{};
    clock_gettime(clock, &ts);
    return double(ts.tv_sec) * 1000.0 + double(ts.tv_nsec) / 1e6;
}

struct Round
{
    double pollsPerSecond = 0;
    double cpuUsPerPoll = 0;
    double serverCpuUsPerPoll = 0; // the rest of the process: the server's thread
    int connections = 0;
    int failed = 0;
};

Round runRound(quint16 port, ServerThread &server, bool reuse, int polls)
{
    EndpointConfig config;
    config.url = *ResourceId::parse(QStringLiteral("http://127.0.0.1:%1").arg(port));
    config.requestTimeoutMs = 10000;
    HttpClient client(config);
    client.setConnectionReuse(reuse);
    const QUrl url(QStringLiteral("http://127.0.0.1:%1/sensor").arg(port));
    const int before = server.tcp->connections;
    Round round;
    QElapsedTimer wall;
    wall.start();
    const double cpu0 = cpuMs(CLOCK_THREAD_CPUTIME_ID);
    const double process0 = cpuMs(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 0; i < polls; ++i) {
        const HttpResponse response = QCoro::waitFor(client.send(url, HttpRequestOptions{}));
        if (!response.result.ok() || response.body != "{\"t\":21.5}")
            ++round.failed;
    }
    const double cpu = cpuMs(CLOCK_THREAD_CPUTIME_ID) - cpu0;
    const double process = cpuMs(CLOCK_PROCESS_CPUTIME_ID) - process0;
    round.serverCpuUsPerPoll = (process - cpu) * 1000.0 / polls;
    const double seconds = double(wall.nsecsElapsed()) / 1e9;
    round.pollsPerSecond = polls / seconds;
    round.cpuUsPerPoll = cpu * 1000.0 / polls;
    round.connections = server.tcp->connections - before;
    return round;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const bool quick = qEnvironmentVariableIsSet("THINGSCAPE_BENCH_QUICK");
    const int polls = argc > 1 ? QByteArray(argv[1]).toInt() : (quick ? 50 : 5000);
    const int rounds = argc > 2 ? QByteArray(argv[2]).toInt() : (quick ? 1 : 5);

    ServerThread server;
    server.start();
    while (!server.ready)
        QThread::msleep(1);

    std::vector<double> keepRate, closeRate, keepCpu, closeCpu, keepServerCpu, closeServerCpu;
    bool ok = true;
    std::printf("%d sequential polls a round, %d rounds, alternating (close first, then keep-alive)\n", polls, rounds);
    for (int r = 0; r < rounds; ++r) {
        const Round close = runRound(server.port, server, false, polls);
        const Round keep = runRound(server.port, server, true, polls);
        std::printf("round %d: close %.0f polls/s, CPU/poll client %.1f us server %.1f us, %d connections | keep-alive "
                    "%.0f polls/s, CPU/poll client %.1f us server %.1f us, %d connections\n",
                    r + 1, close.pollsPerSecond, close.cpuUsPerPoll, close.serverCpuUsPerPoll, close.connections,
                    keep.pollsPerSecond, keep.cpuUsPerPoll, keep.serverCpuUsPerPoll, keep.connections);
        closeRate.push_back(close.pollsPerSecond);
        keepRate.push_back(keep.pollsPerSecond);
        closeCpu.push_back(close.cpuUsPerPoll);
        keepCpu.push_back(keep.cpuUsPerPoll);
        closeServerCpu.push_back(close.serverCpuUsPerPoll);
        keepServerCpu.push_back(keep.serverCpuUsPerPoll);
        if (close.failed || keep.failed) {
            std::printf("FAIL: %d / %d polls not answered\n", close.failed, keep.failed);
            ok = false;
        }
        if (keep.connections != 1 || close.connections != polls) {
            std::printf("FAIL: keep-alive used %d connections (want 1), close %d (want %d)\n", keep.connections,
                        close.connections, polls);
            ok = false;
        }
    }
    const double keepMedian = bench::median(keepRate);
    const double closeMedian = bench::median(closeRate);
    std::printf("median: close %.0f polls/s, keep-alive %.0f polls/s: %.2fx; CPU per poll %.1f -> %.1f us (%.2fx)\n",
                closeMedian, keepMedian, keepMedian / closeMedian, bench::median(closeCpu),
                bench::median(keepCpu), bench::median(closeCpu) / bench::median(keepCpu));
    std::printf("median server CPU per request: close %.1f us, keep-alive %.1f us (%.2fx)\n",
                bench::median(closeServerCpu), bench::median(keepServerCpu),
                bench::median(closeServerCpu) / bench::median(keepServerCpu));
    std::printf("%s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}
