#pragma once

#include <QHostAddress>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace thingscape {

// How a gateway serves: where, to whom, and within which limits. Kept in a workspace under its
// "gateway" key (without the token: that is a secret).
struct GatewayOptions
{
    QHostAddress httpAddress = QHostAddress(QHostAddress::LocalHost);
    quint16 httpPort = 8080;          // 0: a free one
    bool coap = false;
    QHostAddress coapAddress = QHostAddress(QHostAddress::LocalHost);
    quint16 coapPort = 5683;          // 0: a free one
    bool readOnly = false;
    // Required on every request when set; a gateway not bound to loopback refuses to start
    // without one.
    QString token;
    qint64 maxBodyBytes = 1024 * 1024;
    // Per client address; loopback clients are exempt unless limitLoopback.
    int maxConnectionsPerClient = 64;
    int maxRequestsPerSecond = 200;   // sustained, with a burst of twice as many
    bool limitLoopback = false;
    bool enabled = false;             // the window: switched on when the workspace opens
    // Event streams and WebSockets on a thread of their own; false (benchmarks' baseline
    // only, never saved): on the caller's thread, as before they had one.
    bool streamThread = true;

    bool isLoopbackOnly() const;
    // "127.0.0.1:8080" -> address and port; false with *error for anything else.
    static bool parseAddress(const QString &text, QHostAddress *address, quint16 *port, QString *error);
    QJsonObject toJson() const;
    // nullopt with *error naming the key for a wrong type or value.
    static std::optional<GatewayOptions> fromJson(const QJsonObject &json, QString *error);

    friend bool operator==(const GatewayOptions &, const GatewayOptions &) = default;
};

} // namespace thingscape
