#include "signalwatcher.h"
#include "simoptions.h"
#include "sitesimulator.h"

#include "app/catalogue.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTranslator>

#include <coap3/coap.h>
#include <mosquitto.h>

#include <cstdio>
#include <random>

using namespace thingscape::sim;

namespace {

// Parses the command line into *options; on a bad value prints why and returns false.
bool parseOptions(const QCoreApplication &app, SimOptions *options, bool *printEndpoints)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "A simulated site of things on loopback, speaking the real protocols: MQTT (a private\n"
        "mosquitto: Home Assistant discovery, Homie, JSON telemetry), CoAP (observable sensors,\n"
        "SenML, actuators, block-wise, Resource Directory registration) and HTTP (W3C WoT Thing\n"
        "Descriptions, properties, actions, SSE events). Ctrl-C or SIGTERM stops it cleanly."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption mqttPort(QStringLiteral("mqtt-port"), QStringLiteral("MQTT broker port (0 = free)."),
                                      QStringLiteral("port"), QStringLiteral("0"));
    const QCommandLineOption coapPort(QStringLiteral("coap-port"), QStringLiteral("CoAP UDP port (0 = free)."),
                                      QStringLiteral("port"), QStringLiteral("0"));
    const QCommandLineOption httpPort(QStringLiteral("http-port"), QStringLiteral("HTTP port (0 = free)."),
                                      QStringLiteral("port"), QStringLiteral("0"));
    const QCommandLineOption noMqtt(QStringLiteral("no-mqtt"), QStringLiteral("Do not start the MQTT part."));
    const QCommandLineOption noCoap(QStringLiteral("no-coap"), QStringLiteral("Do not start the CoAP part."));
    const QCommandLineOption noHttp(QStringLiteral("no-http"), QStringLiteral("Do not start the HTTP part."));
    const QCommandLineOption devices(QStringLiteral("devices"),
                                     QStringLiteral("Copies of the site (ids get -1..-N when N > 1)."),
                                     QStringLiteral("N"), QStringLiteral("1"));
    const QCommandLineOption rate(QStringLiteral("rate"),
                                  QStringLiteral("Per-device update rate in Hz (telemetry, CoAP sensors, SSE)."),
                                  QStringLiteral("HZ"), QStringLiteral("1"));
    const QCommandLineOption seed(QStringLiteral("seed"), QStringLiteral("Random seed (default: random)."),
                                  QStringLiteral("S"));
    const QCommandLineOption print(QStringLiteral("print-endpoints"),
                                   QStringLiteral("Print the endpoint URLs as one JSON line once listening."));
    const QCommandLineOption rd(QStringLiteral("rd"),
                                QStringLiteral("Register the CoAP server in this Resource Directory."),
                                QStringLiteral("coap://host:port"));
    parser.addOptions({mqttPort, coapPort, httpPort, noMqtt, noCoap, noHttp, devices, rate, seed, print, rd});
    parser.process(app);

    const auto port = [&](const QCommandLineOption &option, quint16 *out) {
        bool ok = false;
        const uint value = parser.value(option).toUInt(&ok);
        if (!ok || value > 65535) {
            std::fprintf(stderr, "thingscape-sim: --%s must be a port number 0-65535, not '%s'\n",
                         qPrintable(option.names().constFirst()), qPrintable(parser.value(option)));
            return false;
        }
        *out = quint16(value);
        return true;
    };
    if (!port(mqttPort, &options->mqttPort) || !port(coapPort, &options->coapPort) ||
        !port(httpPort, &options->httpPort))
        return false;
    options->mqtt = !parser.isSet(noMqtt);
    options->coap = !parser.isSet(noCoap);
    options->http = !parser.isSet(noHttp);
    bool ok = false;
    options->devices = parser.value(devices).toInt(&ok);
    if (!ok || options->devices < 1 || options->devices > 1000) {
        std::fprintf(stderr, "thingscape-sim: --devices must be 1-1000, not '%s'\n", qPrintable(parser.value(devices)));
        return false;
    }
    options->rate = parser.value(rate).toDouble(&ok);
    if (!ok || options->rate < 0.1 || options->rate > 1000.0) {
        std::fprintf(stderr, "thingscape-sim: --rate must be 0.1-1000 Hz, not '%s'\n", qPrintable(parser.value(rate)));
        return false;
    }
    if (parser.isSet(seed)) {
        options->seed = parser.value(seed).toUInt(&ok);
        if (!ok) {
            std::fprintf(stderr, "thingscape-sim: --seed must be a non-negative integer, not '%s'\n",
                         qPrintable(parser.value(seed)));
            return false;
        }
    } else {
        options->seed = std::random_device{}();
    }
    options->rdUrl = parser.value(rd);
    if (!options->rdUrl.isEmpty() && !options->coap) {
        std::fprintf(stderr, "thingscape-sim: --rd needs the CoAP part (drop --no-coap)\n");
        return false;
    }
    *printEndpoints = parser.isSet(print);
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("Thingscape"));
    QCoreApplication::setApplicationName(QStringLiteral("thingscape-sim"));
    QCoreApplication::setApplicationVersion(QStringLiteral(THINGSCAPE_VERSION));
    // Its plurals ("1 device set", "5 device sets") come from the application's catalogue.
    QTranslator catalogue;
    thingscape::installCatalogue(app, catalogue);

    SimOptions options;
    bool printEndpoints = false;
    if (!parseOptions(app, &options, &printEndpoints))
        return 2;

    SignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &SignalWatcher::terminationRequested, &app, [](int) { QCoreApplication::quit(); });
    signalWatcher.watchHoldSignal();

    mosquitto_lib_init();
    coap_startup();
    coap_set_log_level(LOG_WARNING);
    int exitCode = 0;
    {
        SiteSimulator site(options);
        if (printEndpoints) {
            QObject::connect(&site, &SiteSimulator::ready, &app, [&site] {
                const QByteArray line = site.endpointsJson() + '\n';
                std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
                std::fflush(stdout);
            });
        }
        QObject::connect(&signalWatcher, &SignalWatcher::holdRequested, &site, [&site, printEndpoints] {
            const QByteArray line = site.hold() + '\n';
            if (printEndpoints) {
                std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
                std::fflush(stdout);
            }
        });
        QString error;
        if (!site.start(&error)) {
            std::fprintf(stderr, "thingscape-sim: %s\n", qPrintable(error));
            exitCode = 1;
        } else {
            exitCode = app.exec();
        }
    }
    coap_cleanup();
    mosquitto_lib_cleanup();
    return exitCode;
}
