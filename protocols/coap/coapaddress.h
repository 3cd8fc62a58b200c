#pragma once

#include <QHostAddress>

struct coap_address_t;

namespace thingscape {

// host:port as libcoap's address (IPv4, or IPv6 with its scope); false for anything else.
// Shared by the client context and the server.
bool toCoapAddress(const QHostAddress &host, quint16 port, coap_address_t *out);

} // namespace thingscape
