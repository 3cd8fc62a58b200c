#pragma once

#include "model/endpointconfig.h"

#include <QStringList>

#include <chrono>
#include <optional>

namespace thingscape {

enum class Verb {
    Discover,
    Get,
    Put,
    Watch,
};

// One command-line verb with its URL, options and connection settings, as parsed.
struct CliCommand
{
    Verb verb = Verb::Get;
    ResourceId url;
    QString value;                        // put: from the command line
    std::optional<QByteArray> rawValue;   // put: the bytes of --file F or of '-' (standard input)
    std::optional<std::chrono::milliseconds> timeout;
    bool json = false;
    QString format = QStringLiteral("text"); // put
    int qos = 0;                          // put; watch: the subscription's QoS
    bool qosSet = false;
    QString session;                      // watch: MQTT client id of a persistent session
    bool retain = false;                  // put
    int count = 0;                        // watch; 0: no limit
    EndpointConfig endpoint;              // url's endpoint, credentials, TLS
};

// The verbs' argument syntax: a public interface, kept stable.
class CommandLine
{
public:
    static bool isVerb(const QString &word);
    // args: the program, the verb, then its arguments. Returns nullopt and *error (ready to
    // print) on a usage error; files named by options (password, PSK key) are read here.
    static std::optional<CliCommand> parse(const QStringList &args, QString *error);
};

} // namespace thingscape
