// The gateway under load, against baselines measured in the same run:
//  1. GET /resources/{id} with keep-alive from a load generator of our own (LoadClient below:
//     `ab -k` cannot serve, see there) on loopback, against a
//     bare QHttpServer answering a constant: requests/s and p99 latency, medians of the rounds,
//     and the ratio gateway / bare.
//  2. N SSE clients (1,000; on their own thread) each subscribed to a resource updated at 10 Hz:
//     every client must get every update (none falls behind); delivery latency p50 / p99 / max,
//     and the stall of the window's thread (open on the same engine) meanwhile. Twice: with the
//     gateway's streams on their own thread (as it serves), and on the window's thread (as
//     before they had one), each against an idle baseline of its own.
// ctest runs the quick mode (few requests, 50 clients for 1 s): it checks that every request
// was answered and every client got every update, and asserts no timing. Run it by hand for
// figures: build/tests/bench/bench_gateway [--clients N] [--seconds S] [--requests N].

#include "model/codecs/codecs.h"
#include "model/resourcestore.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/secretprovider.h"
#include "protocols/gateway/gateway.h"
#include "protocols/gateway/gatewayid.h"
#include "ui/mainwindow.h"
#include "ui/windowmodels.h"

#include <QApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QHttpServer>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <functional>
#include <cstdio>
#include <mutex>
#include <vector>

#include <sys/resource.h>

using namespace thingscape;

namespace {

double median(std::vector<double> values)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, size_t(p * double(values.size())))];
}

// A keep-alive HTTP/1.1 load generator on its own thread: `connections` sockets, each sending
// its next GET as soon as the previous answer is complete, until `total` answers came.
// (ab -k speaks HTTP/1.0 keep-alive, which the bare QHttpServer 6.4 does not honour.)
class LoadClient : public QObject
{
public:
    struct Figures
    {
        double rps = 0;
        double p99Ms = 0;
        int answered = 0;
        int failed = 0;
    };

    void run(quint16 port, const QByteArray &path, int connections, int total)
    {
        m_request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        m_total = total;
        m_wall.start();
        for (int i = 0; i < connections; ++i) {
            auto *socket = new QTcpSocket(this);
            auto buffer = std::make_shared<QByteArray>();
            auto started = std::make_shared<QElapsedTimer>();
            connect(socket, &QTcpSocket::connected, socket, [this, socket, started] { send(socket, *started); });
            connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer, started] {
                *buffer += socket->readAll();
                for (;;) {
                    const qsizetype end = buffer->indexOf("\r\n\r\n");
                    if (end < 0)
                        return;
                    const qsizetype at = buffer->toLower().indexOf("content-length:");
                    const qsizetype length = at >= 0 && at < end
                        ? buffer->mid(at + 15, buffer->indexOf("\r\n", at) - at - 15).trimmed().toLongLong()
                        : 0;
                    if (buffer->size() < end + 4 + length)
                        return;
                    if (!buffer->startsWith("HTTP/1.1 200"))
                        ++m_failed;
                    buffer->remove(0, end + 4 + length);
                    m_latenciesMs.push_back(double(started->nsecsElapsed()) / 1e6);
                    if (int(m_latenciesMs.size()) >= m_total) {
                        finish();
                        return;
                    }
                    if (m_sent < m_total)
                        send(socket, *started);
                }
            });
            socket->connectToHost(QHostAddress::LocalHost, port);
        }
    }
    bool isDone() const { return m_done.load(); }
    Figures figures() const
    {
        Figures f;
        f.answered = int(m_latenciesMs.size());
        f.failed = m_failed;
        f.rps = m_elapsedMs > 0 ? double(f.answered) * 1000.0 / m_elapsedMs : 0;
        f.p99Ms = percentile(m_latenciesMs, 0.99);
        return f;
    }

private:
    void send(QTcpSocket *socket, QElapsedTimer &started)
    {
        ++m_sent;
        started.start();
        socket->write(m_request);
    }
    void finish()
    {
        m_elapsedMs = double(m_wall.nsecsElapsed()) / 1e6;
        for (QTcpSocket *socket : findChildren<QTcpSocket *>())
            socket->abort();
        m_done = true;
    }

    QByteArray m_request;
    int m_total = 0;
    int m_sent = 0;
    int m_failed = 0;
    double m_elapsedMs = 0;
    QElapsedTimer m_wall;
    std::vector<double> m_latenciesMs;
    std::atomic<bool> m_done{false};
};

// SSE clients on their own thread, counting the events each one receives and their latency.
class SseClients : public QObject
{
public:
    struct Stats
    {
        std::vector<int> received;       // per client
        std::vector<double> latenciesMs; // every delivery
    };

    void open(quint16 port, const QByteArray &path, int count)
    {
        for (int i = 0; i < count; ++i) {
            auto *socket = new QTcpSocket(this);
            m_buffers.emplace_back();
            m_received.push_back(0);
            const size_t index = m_buffers.size() - 1;
            connect(socket, &QTcpSocket::connected, socket, [socket, path] {
                socket->write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n");
            });
            connect(socket, &QTcpSocket::readyRead, socket, [this, socket, index] { read(socket, index); });
            socket->connectToHost(QHostAddress::LocalHost, port);
        }
    }
    int subscribed() const { return m_subscribed.load(); }
    Stats stats()
    {
        std::lock_guard lock(m_mutex);
        return Stats{m_received, m_latencies};
    }

private:
    void read(QTcpSocket *socket, size_t index)
    {
        QByteArray &buffer = m_buffers[index];
        buffer += socket->readAll();
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        qsizetype end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
            const QByteArray event = buffer.left(end);
            buffer.remove(0, end + 2);
            if (event.startsWith("HTTP/1.1 200"))
                ++m_subscribed;
            // data: {"n":3,"sent":1700000000000} (keys in any order)
            const qsizetype data = event.indexOf("\"sent\":");
            if (data < 0)
                continue;
            qsizetype stop = data + 7;
            while (stop < event.size() && std::isdigit(static_cast<unsigned char>(event.at(stop))))
                ++stop;
            const qint64 sent = event.mid(data + 7, stop - data - 7).toLongLong();
            std::lock_guard lock(m_mutex);
            ++m_received[index];
            m_latencies.push_back(double(now - sent));
        }
    }

    std::vector<QByteArray> m_buffers;
    std::mutex m_mutex;
    std::vector<int> m_received;
    std::vector<double> m_latencies;
    std::atomic<int> m_subscribed{0};
};

// Runs the event loop (the servers live on this thread) until condition holds, checking it
// every 10 ms, or timeoutMs passes.
bool waitUntil(const std::function<bool()> &condition, int timeoutMs)
{
    if (condition())
        return true;
    QEventLoop loop;
    QTimer check;
    QElapsedTimer timer;
    timer.start();
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (condition() || timer.elapsed() > timeoutMs)
            loop.quit();
    });
    check.start(10);
    loop.exec();
    return condition();
}

// How late a 5 ms timer on the window's thread fires, from construction to stop().
class Heartbeat
{
public:
    explicit Heartbeat(QObject *context)
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(5);
        QObject::connect(&m_timer, &QTimer::timeout, context, [this] {
            if (m_beat.isValid())
                m_stallsMs.push_back(std::max(0.0, double(m_beat.nsecsElapsed()) / 1e6 - 5.0));
            m_beat.start();
        });
        m_timer.start();
    }
    std::vector<double> stop()
    {
        m_timer.stop();
        return m_stallsMs;
    }

private:
    QTimer m_timer;
    QElapsedTimer m_beat;
    std::vector<double> m_stallsMs;
};

void raiseFileLimit()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    raiseFileLimit();
    const bool quick = qEnvironmentVariableIsSet("THINGSCAPE_BENCH_QUICK");
    int clients = quick ? 50 : 1000;
    int seconds = quick ? 1 : 10;
    int requests = quick ? 500 : 20000;
    const int rounds = quick ? 1 : 5;
    const QStringList args = app.arguments();
    for (qsizetype i = 1; i + 1 < args.size(); ++i) {
        if (args.at(i) == QLatin1String("--clients"))
            clients = args.at(i + 1).toInt();
        else if (args.at(i) == QLatin1String("--seconds"))
            seconds = args.at(i + 1).toInt();
        else if (args.at(i) == QLatin1String("--requests"))
            requests = args.at(i + 1).toInt();
    }
    int failures = 0;

    // The live model: 1,000 resources, one of them the one read and the one streamed.
    // The window open on the same engine, as a user serving their workspace would have it.
    WindowModels session;
    MainWindow window(&session);
    window.resize(1366, 768);
    window.show();
    Engine &engine = *session.engine();
    UpdateBatch batch;
    for (int i = 0; i < 1000; ++i) {
        Update update;
        update.id = *ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:1883/bench/sensor%1").arg(i));
        update.value = codecs::decode(QByteArray::number(20 + i % 10) + ".5", ContentFormat::Unknown, {}, QDateTime::currentMSecsSinceEpoch());
        batch.append(update);
    }
    engine.store()->ingest(batch);
    const ResourceId target = batch.at(500).id;
    const QByteArray path = "/resources/" + GatewayId::encode(target).toLatin1();

    Gateway gateway(&engine);
    GatewayOptions options;
    options.httpPort = 0;
    QString error;
    if (!gateway.start(options, &error)) {
        std::fprintf(stderr, "gateway: %s\n", qPrintable(error));
        return 1;
    }
    QHttpServer bare;
    bare.route(QStringLiteral("/constant"), [] { return QByteArray("25.5"); });
    const quint16 barePort = bare.listen(QHostAddress::LocalHost, 0);

    // 1. Requests per second and p99, gateway against the bare server, alternating rounds.
    auto load = [&](quint16 port, const QByteArray &target) {
        QThread thread;
        auto *client = new LoadClient;
        client->moveToThread(&thread);
        thread.start();
        QMetaObject::invokeMethod(client, [client, port, target, requests] { client->run(port, target, 8, requests); });
        waitUntil([&] { return client->isDone(); }, 600000);
        const LoadClient::Figures figures = client->figures();
        QMetaObject::invokeMethod(client, [client] { delete client; }, Qt::BlockingQueuedConnection);
        thread.quit();
        thread.wait();
        return figures;
    };
    {
        std::vector<double> gwRps, gwP99, bareRps, bareP99;
        // Warm-up, not counted: first connections, first allocations, caches.
        load(barePort, "/constant");
        load(gateway.httpPort(), path);
        for (int round = 0; round < rounds; ++round) {
            const LoadClient::Figures base = load(barePort, "/constant");
            const LoadClient::Figures gw = load(gateway.httpPort(), path);
            if (gw.answered != requests || gw.failed != 0 || base.answered != requests) {
                std::printf("FAIL: gateway answered %d of %d requests (%d not 200), bare %d\n", gw.answered, requests, gw.failed,
                            base.answered);
                ++failures;
            }
            bareRps.push_back(base.rps);
            bareP99.push_back(base.p99Ms);
            gwRps.push_back(gw.rps);
            gwP99.push_back(gw.p99Ms);
        }
        const double ratio = median(bareRps) > 0 ? median(gwRps) / median(bareRps) : 0;
        std::printf("GET /resources/{id}, HTTP/1.1 keep-alive, 8 connections, %d requests x %d rounds (medians)\n", requests, rounds);
        std::printf("  bare QHttpServer constant: %.0f req/s, p99 %.2f ms\n", median(bareRps), median(bareP99));
        std::printf("  gateway (JSON of a live resource, ETag): %.0f req/s, p99 %.2f ms\n", median(gwRps), median(gwP99));
        std::printf("  ratio gateway / bare: %.2f (req/s), %.2f (p99)\n", ratio,
                    median(bareP99) > 0 ? median(gwP99) / median(bareP99) : 0);
    }

    // 2. SSE fan-out: N clients, one resource at 10 Hz; the streams on their own thread (as
    // served), and on the window's thread (as before they had one) for comparison.
    auto fanOut = [&](quint16 port, const char *label) {
        QThread clientThread;
        auto *sse = new SseClients;
        sse->moveToThread(&clientThread);
        clientThread.start();
        QMetaObject::invokeMethod(sse, [sse, port, path, clients] { sse->open(port, path, clients); });
        if (!waitUntil([&] { return sse->subscribed() == clients; }, 60000)) {
            std::printf("FAIL: only %d of %d SSE clients subscribed\n", sse->subscribed(), clients);
            ++failures;
        }
        // Baseline: the same heartbeat with the window open and the clients connected, no updates.
        Heartbeat idle(&engine);
        QElapsedTimer idleWall;
        idleWall.start();
        waitUntil([&] { return idleWall.elapsed() >= std::min(seconds, 3) * 1000; }, 60000);
        const std::vector<double> idleStallsMs = idle.stop();
        const int updates = seconds * 10;
        int sent = 0;
        QTimer tick;
        tick.setInterval(100);
        QObject::connect(&tick, &QTimer::timeout, &engine, [&] {
            if (sent >= updates) {
                tick.stop();
                return;
            }
            Update update;
            update.id = target;
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            update.value = codecs::decode("{\"sent\":" + QByteArray::number(now) + ",\"n\":" + QByteArray::number(sent) + "}",
                                          ContentFormat::Json, {}, now);
            engine.store()->ingest({update});
            ++sent;
        });
        QElapsedTimer wall;
        wall.start();
        // GUI stall: how late a 5 ms timer on the window's thread fires while the updates fan out.
        Heartbeat busy(&engine);
        tick.start();
        waitUntil([&] { return sent >= updates; }, seconds * 1000 + 60000);
        const std::vector<double> stallsMs = busy.stop();
        // Everything sent must arrive: give the clients time to drain, then judge.
        const bool allArrived = waitUntil([&] {
            const auto stats = sse->stats();
            return std::all_of(stats.received.begin(), stats.received.end(), [&](int n) { return n >= updates; });
        }, 60000);
        const auto stats = sse->stats();
        const auto behind = std::count_if(stats.received.begin(), stats.received.end(), [&](int n) { return n < updates; });
        std::printf("SSE, %s: %d clients, one resource at 10 Hz for %d s (%d updates each, %lld ms)\n", label, clients, seconds,
                    updates, static_cast<long long>(wall.elapsed()));
        std::printf("  clients that fell behind (missed an update): %lld\n", static_cast<long long>(behind));
        std::printf("  delivery latency: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%zu deliveries)\n", percentile(stats.latenciesMs, 0.5),
                    percentile(stats.latenciesMs, 0.99), percentile(stats.latenciesMs, 1.0), stats.latenciesMs.size());
        std::printf("  GUI stall with the window open (5 ms timer lateness): p99 %.1f ms, max %.1f ms (target p99 < 50 ms)\n",
                    percentile(stallsMs, 0.99), percentile(stallsMs, 1.0));
        std::printf("  baseline, the same window and clients without updates: p99 %.1f ms, max %.1f ms; ratio p99 %.2f\n",
                    percentile(idleStallsMs, 0.99), percentile(idleStallsMs, 1.0),
                    percentile(idleStallsMs, 0.99) > 0 ? percentile(stallsMs, 0.99) / percentile(idleStallsMs, 0.99) : 0.0);
        if (!allArrived || behind > 0) {
            std::printf("FAIL: %lld SSE clients did not get every update\n", static_cast<long long>(behind));
            ++failures;
        }
        QMetaObject::invokeMethod(sse, [sse] { delete sse; }, Qt::BlockingQueuedConnection);
        clientThread.quit();
        clientThread.wait();
    };
    fanOut(gateway.httpPort(), "streams on their own thread");
    {
        Gateway sameThread(&engine);
        GatewayOptions before = options;
        before.streamThread = false;
        if (!sameThread.start(before, &error)) {
            std::fprintf(stderr, "gateway: %s\n", qPrintable(error));
            return 1;
        }
        fanOut(sameThread.httpPort(), "streams on the window's thread (before)");
    }
    return failures == 0 ? 0 : 1;
}
