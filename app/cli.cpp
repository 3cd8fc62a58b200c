#include "cli.h"

#include "commandline.h"
#include "recordingverbs.h"
#include "runverb.h"
#include "serveverb.h"
#include "verbrunner.h"

#include <QCoreApplication>
#include <QTextStream>
#include <QTimer>

#include <cstdio>

namespace thingscape {

namespace {

QString usage()
{
    return QCoreApplication::translate("cli",
        "Usage: thingscape [--demo] [WORKSPACE]\n"
        "       thingscape VERB URL [options]\n"
        "\n"
        "A desktop manager for systems of things: MQTT, CoAP and HTTP / Web of Things.\n"
        "\n"
        "Verbs (no display needed):\n"
        "  discover URL [--timeout S] [--json]       list the resources found under URL (MQTT: the\n"
        "                                            retained topics, once the broker sent them all)\n"
        "  get URL [--timeout S] [--json]            print the current value\n"
        "  put URL VALUE [--format text|json|cbor] [--qos N] [--retain]\n"
        "                                            write (MQTT: publish) a value\n"
        "  put URL --file FILE | put URL -           the value from a file or standard input\n"
        "                                            (as is, binary-safe, unless --format json|cbor)\n"
        "  watch URL [--count N] [--timeout S] [--json] [--qos N] [--session ID]\n"
        "                                            print updates as they come; MQTT --session\n"
        "                                            keeps a persistent session (client id ID) so\n"
        "                                            QoS 1/2 messages wait for us across outages\n"
        "  run WORKSPACE [--for S] [--dry-run] [--share GROUP]\n"
        "                                            run the workspace's rules and bridges, one\n"
        "                                            JSON line per rule run; --share splits MQTT\n"
        "                                            messages among instances of one group\n"
        "  serve WORKSPACE --http ADDR:PORT [--coap ADDR:PORT] [--token-file F] [--read-only]\n"
        "                                            serve the workspace's live model over HTTP\n"
        "                                            (REST, SSE, WebSocket, WoT TDs) and CoAP\n"
        "  run WORKSPACE --record [PATH]             also record every message (SQLite file PATH or\n"
        "                                            a postgresql:// URL; default: beside WORKSPACE)\n"
        "  run WORKSPACE --http ADDR:PORT [...]      also serve the gateway (serve's options)\n"
        "  export DB [--from T] [--to T] [--resource URI]... [--format csv|jsonl|senml|senml-cbor]\n"
        "            [--output FILE]                 a recorded time range (T: ISO 8601, epoch\n"
        "                                            seconds, now, -15m, -2h, -7d)\n"
        "  replay DB --to URL [--prefix P] [--speed N|max] [--from T] [--until T] [--resource URI]...\n"
        "                                            publish / write a recorded range again\n"
        "\n"
        "--timeout covers connecting as well. Outages and reconnects are told on stderr.\n"
        "Text output shows control characters and bidi overrides escaped (\\x1b, <U+202E>).\n"
        "\n"
        "Connection options (every verb):\n"
        "  --user NAME  --password-file FILE (or THINGSCAPE_PASSWORD)\n"
        "  --ca FILE  --cert FILE  --key FILE  --insecure\n"
        "  --psk-identity ID  --psk-key-file FILE      (CoAP DTLS)\n"
        "  --mqtt-version 3.1.1|5  --client-id ID      (MQTT)\n"
        "  --interface NAME                            (CoAP multicast discovery)\n"
        "\n"
        "Options:\n"
        "  --demo       start the built-in simulated site and open it\n"
        "  --help       show this help\n"
        "  --version    show the version\n"
        "\n"
        "Exit codes: 0 success, 1 nothing found or timed out, 2 usage error (run: a broken\n"
        "workspace), 3 connection or protocol error (run: no endpoint could be reached).\n");
}

} // namespace

bool runHeadless(const QStringList &args, int *exitCode)
{
    if (args.size() < 2)
        return false;
    const QString &first = args.at(1);
    QTextStream out(stdout);
    if (first == QLatin1String("--version") || first == QLatin1String("-v")) {
        out << "thingscape " << THINGSCAPE_VERSION << Qt::endl;
        *exitCode = ExitSuccess;
        return true;
    }
    if (first == QLatin1String("--help") || first == QLatin1String("-h")) {
        out << usage();
        *exitCode = ExitSuccess;
        return true;
    }
    if (first == QLatin1String("run") && !args.contains(QLatin1String("--help")) && !args.contains(QLatin1String("-h"))) {
        *exitCode = runRules(args);
        return true;
    }
    if (first == QLatin1String("serve") && !args.contains(QLatin1String("--help")) && !args.contains(QLatin1String("-h"))) {
        *exitCode = serveGateway(args);
        return true;
    }
    if ((first == QLatin1String("export") || first == QLatin1String("replay")) && !args.contains(QLatin1String("--help"))
        && !args.contains(QLatin1String("-h"))) {
        *exitCode = first == QLatin1String("export") ? runExport(args) : runReplay(args);
        return true;
    }
    if (!CommandLine::isVerb(first) && first != QLatin1String("run") && first != QLatin1String("serve")
        && first != QLatin1String("export") && first != QLatin1String("replay"))
        return false;
    if (args.contains(QLatin1String("--help")) || args.contains(QLatin1String("-h"))) {
        out << usage();
        *exitCode = ExitSuccess;
        return true;
    }
    QString error;
    const auto command = CommandLine::parse(args, &error);
    if (!command) {
        QTextStream err(stderr);
        err << "thingscape: " << error << '\n'
            << QCoreApplication::translate("cli", "Try 'thingscape --help'.") << Qt::endl;
        *exitCode = ExitUsage;
        return true;
    }
    VerbRunner runner(*command);
    // The verb is a coroutine on the event loop; it ends the loop with its exit code.
    QTimer::singleShot(0, &runner, [&runner] { runner.runAndExit(); });
    *exitCode = QCoreApplication::exec();
    return true;
}

} // namespace thingscape
