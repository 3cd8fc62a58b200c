#pragma once

#include "headlessverb.h"

#include "protocols/gateway/gatewayoptions.h"

#include <QByteArray>
#include <QStringList>

namespace thingscape {

class Gateway;

// `thingscape serve WORKSPACE --http ADDR:PORT [--coap ADDR:PORT] [--token-file F]
// [--read-only] [--max-body BYTES] [--for S]`: loads a workspace, connects its endpoints and
// serves their live model through the gateway until --for seconds pass or SIGINT / SIGTERM.
// Prints one JSON line on stdout once serving ({"http": URL, "coap": URL}). Exit 2 for usage,
// a broken workspace or an address that cannot be bound. args: the program, "serve", then its
// arguments.
int serveGateway(const QStringList &args);

// The gateway's command-line options, taken by `serve` and by `run --http`.
struct GatewayVerbOptions
{
    GatewayOptions gateway;
    bool httpGiven = false;
    QString tokenFile;
};

// --http, --coap, --token-file, --read-only, --max-body.
OptionMatch parseGatewayOption(const QStringList &args, qsizetype &i, GatewayVerbOptions *options, QString *error);
// The bearer token: from --token-file, else (beyond loopback only) the environment, the kept
// one, or a new one kept owner-only, which *notice then tells once. false with *error.
bool resolveGatewayToken(GatewayVerbOptions *options, QString *notice, QString *error);
// {"http": URL, "coap": URL} and a newline: printed once serving.
QByteArray gatewayReadyLine(const Gateway &gateway);

} // namespace thingscape
