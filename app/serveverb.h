#pragma once

#include <QStringList>

namespace thingscape {

// `thingscape serve WORKSPACE --http ADDR:PORT [--coap ADDR:PORT] [--token-file F]
// [--read-only] [--for S]`: loads a workspace, connects its endpoints and serves their live
// model through the gateway until --for seconds pass or SIGINT / SIGTERM. Prints one JSON line
// on stdout once serving ({"http": URL, "coap": URL}). Exit 2 for usage, a broken workspace or
// an address that cannot be bound. args: the program, "serve", then its arguments.
int serveGateway(const QStringList &args);

} // namespace thingscape
