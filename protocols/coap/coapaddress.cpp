#include "coapaddress.h"

#include <coap3/coap.h>

#include <arpa/inet.h>
#include <net/if.h>

#include <cstring>

namespace thingscape {

bool toCoapAddress(const QHostAddress &host, quint16 port, coap_address_t *out)
{
    coap_address_init(out);
    if (host.protocol() == QAbstractSocket::IPv4Protocol) {
        out->size = sizeof(out->addr.sin);
        out->addr.sin.sin_family = AF_INET;
        out->addr.sin.sin_addr.s_addr = htonl(host.toIPv4Address());
        out->addr.sin.sin_port = htons(port);
        return true;
    }
    if (host.protocol() == QAbstractSocket::IPv6Protocol) {
        out->size = sizeof(out->addr.sin6);
        out->addr.sin6.sin6_family = AF_INET6;
        const Q_IPV6ADDR v6 = host.toIPv6Address();
        memcpy(&out->addr.sin6.sin6_addr, v6.c, 16);
        out->addr.sin6.sin6_port = htons(port);
        if (!host.scopeId().isEmpty()) {
            bool numeric = false;
            uint scope = host.scopeId().toUInt(&numeric);
            if (!numeric)
                scope = if_nametoindex(host.scopeId().toLocal8Bit().constData());
            out->addr.sin6.sin6_scope_id = scope;
        }
        return true;
    }
    return false;
}

} // namespace thingscape
