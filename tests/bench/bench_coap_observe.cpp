// Observe throughput: one loopback libcoap server with many observable resources, each
// changing rateHz times a second; the connector observes all of them. Reports notifications
// received against those the server built, and the connector thread's CPU time per
// notification, next to a bare libcoap client (that only counts) measured in the same run.
//
// THINGSCAPE_BENCH_QUICK=1 (set by ctest): fewer resources and seconds, asserts sanity only.
#include "protocols/coap/coapconnector.h"
#include "testsupport.h"
#include "tst_coap_server.h"

#include <coap3/coap.h>

#include <QCoreApplication>
#include <QCoro/QCoroTask>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>

#include <arpa/inet.h>
#include <sys/resource.h>

#include <cstdio>

using namespace thingscape;

namespace {

// QTest::qWait() sleeps 10 ms between event batches, which would overflow the socket buffer
// at this rate: run a real event loop instead.
void runEventLoop(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

double threadCpuSeconds()
{
    rusage usage{};
    getrusage(RUSAGE_THREAD, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct Figures
{
    qint64 changes = 0;
    qint64 sent = 0;
    qint64 received = 0;
    double cpuSeconds = 0;
    double wallSeconds = 0;

    double lostPercent() const { return sent > 0 ? 100.0 * double(sent - received) / double(sent) : 0.0; }
    double cpuMicrosPerNotification() const { return received > 0 ? cpuSeconds * 1e6 / double(received) : 0.0; }
};

void print(const char *name, const Figures &f)
{
    std::printf("%-10s changes %8lld  sent %8lld  received %8lld  lost %6.3f %%  cpu %7.3f s  %6.2f us/notification  (%.1f s, %.0f/s)\n",
                name, static_cast<long long>(f.changes), static_cast<long long>(f.sent), static_cast<long long>(f.received), f.lostPercent(), f.cpuSeconds,
                f.cpuMicrosPerNotification(), f.wallSeconds, double(f.received) / std::max(0.001, f.wallSeconds));
    std::fflush(stdout);
}

// Pause the server, let the wire drain, then count from a quiet state.
template<typename Counter>
Figures measure(testsupport::LibcoapServer &server, Counter received, int seconds, const std::function<void(int)> &run)
{
    server.pauseChanges(true);
    run(400);
    const qint64 sent0 = server.observableResponses();
    const qint64 changes0 = server.changes();
    const qint64 received0 = received();
    const double cpu0 = threadCpuSeconds();
    QElapsedTimer wall;
    wall.start();
    server.pauseChanges(false);
    run(seconds * 1000);
    server.pauseChanges(true);
    run(600);
    Figures figures;
    figures.wallSeconds = double(wall.elapsed()) / 1000.0;
    figures.cpuSeconds = threadCpuSeconds() - cpu0;
    figures.sent = server.observableResponses() - sent0;
    figures.changes = server.changes() - changes0;
    figures.received = received() - received0;
    return figures;
}

// The baseline: a libcoap client on its own context, driven by a plain blocking loop.
struct BareClient
{
    static inline qint64 count = 0;

    static coap_response_t onResponse(coap_session_t *, const coap_pdu_t *, const coap_pdu_t *, const coap_mid_t)
    {
        ++count;
        return COAP_RESPONSE_OK;
    }
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const bool quick = qEnvironmentVariableIntValue("THINGSCAPE_BENCH_QUICK") != 0;
    const int resources = quick ? 100 : 1000;
    const int rateHz = 10;
    const int seconds = quick ? 3 : 20;
    std::printf("CoAP observe benchmark: %d resources x %d notifications/s for %d s%s\n", resources, rateHz, seconds,
                quick ? " (quick mode)" : "");

    testsupport::LibcoapServer server;
    server.addObservableSet(resources, rateHz);
    const quint16 port = testsupport::freeUdpPort();
    if (!server.start(port)) {
        std::fprintf(stderr, "cannot start the libcoap server on port %u\n", port);
        return 1;
    }
    server.pauseChanges(true);

    // The connector.
    Figures connectorFigures;
    {
        EndpointConfig config;
        config.url = *ResourceId::parse(QStringLiteral("coap://127.0.0.1:%1").arg(port));
        config.requestTimeoutMs = 10000;
        CoapConnector connector(config);
        qint64 values = 0;
        QObject::connect(&connector, &Connector::updatesReady, &connector, [&values](const UpdateBatch &batch) {
            for (const Update &update : batch) {
                if (update.value)
                    ++values;
            }
        });
        int registered = 0;
        int failed = 0;
        for (int i = 0; i < resources; ++i) {
            const ResourceId id = *ResourceId::parse(QStringLiteral("coap://127.0.0.1:%1/obs/%2").arg(port).arg(i));
            connector.observe(id).then([&registered, &failed](const Result &result) {
                ++(result.ok() ? registered : failed);
            });
        }
        QElapsedTimer waited;
        waited.start();
        while (registered + failed < resources && waited.elapsed() < 30000)
            runEventLoop(20);
        std::printf("connector: %d observations registered, %d failed\n", registered, failed);
        if (registered == 0)
            return 1;
        connectorFigures = measure(
            server, [&connector] { return connector.notificationsReceived(); }, seconds,
            [&connector](int ms) {
                runEventLoop(ms);
                connector.flush();
            });
        print("connector", connectorFigures);
        connector.disconnectFromEndpoint();
    }
    server.stop();

    // The bare libcoap client, against a fresh server (no observers left from the connector).
    Figures bareFigures;
    testsupport::LibcoapServer bareServer;
    bareServer.addObservableSet(resources, rateHz);
    const quint16 barePort = testsupport::freeUdpPort();
    if (!bareServer.start(barePort)) {
        std::fprintf(stderr, "cannot start the libcoap server on port %u\n", barePort);
        return 1;
    }
    bareServer.pauseChanges(true);
    {
        coap_context_t *context = coap_new_context(nullptr);
        coap_context_set_block_mode(context, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
        coap_register_response_handler(context, &BareClient::onResponse);
        coap_address_t address;
        coap_address_init(&address);
        address.size = sizeof(address.addr.sin);
        address.addr.sin.sin_family = AF_INET;
        address.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.addr.sin.sin_port = htons(barePort);
        coap_session_t *session = coap_new_client_session(context, nullptr, &address, COAP_PROTO_UDP);
        for (int i = 0; i < resources; ++i) {
            coap_pdu_t *pdu = coap_new_pdu(COAP_MESSAGE_CON, COAP_REQUEST_CODE_GET, session);
            uint8_t token[8];
            size_t length = 0;
            coap_session_new_token(session, &length, token);
            coap_add_token(pdu, length, token);
            uint8_t observe[4];
            coap_add_option(pdu, COAP_OPTION_OBSERVE, coap_encode_var_safe(observe, sizeof(observe), 0), observe);
            coap_add_option(pdu, COAP_OPTION_URI_PATH, 3, reinterpret_cast<const uint8_t *>("obs"));
            const QByteArray index = QByteArray::number(i);
            coap_add_option(pdu, COAP_OPTION_URI_PATH, size_t(index.size()), reinterpret_cast<const uint8_t *>(index.constData()));
            coap_send(session, pdu);
            coap_io_process(context, COAP_IO_NO_WAIT);
        }
        auto runFor = [context](int ms) {
            QElapsedTimer timer;
            timer.start();
            while (timer.elapsed() < ms)
                coap_io_process(context, uint32_t(std::max<qint64>(1, ms - timer.elapsed())));
        };
        runFor(1000);
        bareFigures = measure(bareServer, [] { return BareClient::count; }, seconds, runFor);
        print("bare", bareFigures);
        coap_session_release(session);
        coap_free_context(context);
    }
    bareServer.stop();

    if (bareFigures.cpuMicrosPerNotification() > 0)
        std::printf("connector / bare libcoap CPU per notification: %.2fx\n",
                    connectorFigures.cpuMicrosPerNotification() / bareFigures.cpuMicrosPerNotification());
    std::printf("target: under 0.1 %% lost -> %s\n", connectorFigures.lostPercent() < 0.1 ? "met" : "NOT met");

    // Sanity only (never timing): notifications flowed and were not mostly lost.
    const bool sane = connectorFigures.received > 0 && connectorFigures.lostPercent() < 5.0;
    if (!sane)
        std::fprintf(stderr, "FAIL: the connector received %lld of %lld notifications\n",
                     static_cast<long long>(connectorFigures.received), static_cast<long long>(connectorFigures.sent));
    return sane ? 0 : 1;
}
