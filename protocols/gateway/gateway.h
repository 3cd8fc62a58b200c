#pragma once

#include "gatewayoptions.h"

#include <QObject>
#include <QString>

#include <memory>

namespace thingscape {

class Engine;
class GatewayCoap;
class GatewayHttpServer;

// Serves an engine's live model to any client: HTTP (REST, SSE, WebSocket, link-format, WoT
// TDs, OpenAPI) and optionally CoAP, writes going through the engine's endpoint manager with a
// gateway cause. `thingscape serve` and the window both run one of these.
class Gateway : public QObject
{
    Q_OBJECT

public:
    explicit Gateway(Engine *engine, QObject *parent = nullptr);
    ~Gateway() override;

    // Stops what runs, then serves with these options; false with *error (nothing serves then).
    bool start(const GatewayOptions &options, QString *error);
    void stop();
    bool isRunning() const { return m_http != nullptr; }
    const GatewayOptions &options() const { return m_options; }
    // The bound ports (a 0 in the options: the one picked).
    quint16 httpPort() const;
    quint16 coapPort() const;
    QString httpUrl() const;
    QString coapUrl() const;
    // Open HTTP connections (event streams and WebSockets included).
    int clientCount() const;
    // "http://127.0.0.1:8080, 3 clients" for a status bar.
    QString summary() const;

    // 32 random bytes as base64url: a bearer token for a gateway bound beyond loopback.
    static QString generateToken();

Q_SIGNALS:
    void stateChanged();
    void clientsChanged();

private:
    Engine *m_engine; // Not owned.
    GatewayOptions m_options;
    std::unique_ptr<GatewayHttpServer> m_http;
    std::unique_ptr<GatewayCoap> m_coap;
};

} // namespace thingscape
