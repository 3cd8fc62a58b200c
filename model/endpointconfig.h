#pragma once

#include "resourceid.h"

#include <QHash>
#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace thingscape {

// Everything needed to talk to one endpoint (a broker, a CoAP server, an HTTP device).
// Secrets (password, key password, PSK) are held here at run time but never written by
// toJson(): the UI keeps them in QtKeychain, the command line reads them from files.
struct EndpointConfig
{
    QString id;          // stable id within a workspace (a UUID), also the keychain key
    QString name;        // shown to the user
    ResourceId url;      // scheme://host:port (path: discovery root / MQTT filter)
    bool autoConnect = true;

    // Credentials and TLS / DTLS
    QString username;
    QString password;     // secret
    QString caFile;       // empty: system CAs
    QString certFile;
    QString keyFile;
    QString keyPassword;  // secret
    bool insecure = false; // explicit opt-out of peer verification
    QString pskIdentity;  // CoAP DTLS
    QByteArray pskKey;    // secret

    // MQTT
    QString clientId;     // empty: generated
    int mqttVersion = 4;  // 4 = 3.1.1, 5 = 5.0
    int keepAliveSeconds = 30;
    bool cleanSession = true;
    QStringList filters = {QStringLiteral("#"), QStringLiteral("$SYS/#")};
    QString willTopic;
    QByteArray willPayload;
    int willQos = 0;
    bool willRetain = false;

    // HTTP / CoAP
    int pollIntervalMs = 2000;
    QHash<QString, int> pollIntervals; // per resource URI: its own polling interval (ms)
    int requestTimeoutMs = 10000;
    QString bearerToken;  // secret

    // The largest message (HTTP body, SSE event, WebSocket message, MQTT packet) taken from
    // this endpoint; a bigger one is shown as oversize (its size kept), not buffered.
    static constexpr qint64 kDefaultMaxMessageBytes = 16 * 1024 * 1024;
    qint64 maxMessageBytes = kDefaultMaxMessageBytes;

    QJsonObject extra;    // unknown keys kept from the workspace file

    // The resource's own polling interval, else the endpoint's.
    int pollIntervalFor(const ResourceId &id) const;

    QJsonObject toJson() const;
    static EndpointConfig fromJson(const QJsonObject &json, QString *error = nullptr);
    bool hasSecrets() const { return !password.isEmpty() || !keyPassword.isEmpty() || !pskKey.isEmpty() || !bearerToken.isEmpty(); }
};

} // namespace thingscape
