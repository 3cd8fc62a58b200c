#pragma once

#include "gatewayoptions.h"

#include "model/resourceid.h"
#include "model/valueevent.h"
#include <QAbstractHttpServer>
#include <QElapsedTimer>
#include <QHash>
#include <QThread>

class QTcpServer;

namespace thingscape {

class EndpointManager;
class GatewayStreams;
class Resource;
class ResourceStore;

// The gateway's HTTP face: every resource of the live model as REST resources (/resources,
// /resources/{id} with content negotiation, ETag, writes through the endpoint manager), live
// updates as Server-Sent Events and over a WebSocket (/ws), CoRE link-format, generated WoT
// Thing Descriptions and an OpenAPI description. Every path, header and body is treated as
// hostile: a bad one gets a 4xx with a message, never more than the limits allow. Requests are
// answered on the store's thread; event streams and WebSockets are handed over to a thread of
// their own once their request is read (GatewayStreams).
class GatewayHttpServer : public QAbstractHttpServer
{
    Q_OBJECT

public:
    GatewayHttpServer(ResourceStore *store, EndpointManager *endpoints, const GatewayOptions &options,
                      QObject *parent = nullptr);
    ~GatewayHttpServer() override;

    // Binds options.httpAddress:httpPort; false with *error set on failure.
    bool start(QString *error);
    quint16 port() const { return m_port; }
    int connectionCount() const { return m_connectionCount; }
    int eventStreamCount() const;
    int webSocketCount() const;
    quint64 requestCount() const { return m_requests; }

Q_SIGNALS:
    void clientsChanged();

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    struct Client
    {
        int connections = 0;
        double tokens = 0;
        qint64 lastRefillMs = 0;
        bool primed = false;
    };
    struct Reply;
    class TcpServer;

    bool admit(QTcpSocket *socket);
    // 413 for a request over the body limit, read no further.
    void refuse(QTcpSocket *socket, const QString &message);
    bool isLimited(const QHostAddress &address) const;
    bool takeRequestToken(const QHostAddress &address);
    bool authorised(const QHttpServerRequest &request) const;
    bool authorisedToken(const QByteArray &authorization, const QString &queryToken) const;
    void send(QTcpSocket *socket, const QHttpServerRequest &request, const Reply &reply);
    void dispatch(const QHttpServerRequest &request, QTcpSocket *socket);
    Reply listResources(const QHttpServerRequest &request) const;
    Reply getResource(const QHttpServerRequest &request, const Resource &resource) const;
    void writeResource(const QHttpServerRequest &request, QTcpSocket *socket, const Resource &resource);
    const Resource *findResource(QStringView id, Reply *failure) const;
    QString baseUrl(const QHttpServerRequest &request) const;
    QJsonObject openApi(const QHttpServerRequest &request) const;
    void acceptWebSockets();
    void handOverEventStream(QTcpSocket *socket, const ResourceId &id, const QByteArray &first);

    ResourceStore *m_store;         // Not owned.
    EndpointManager *m_endpoints;   // Not owned.
    GatewayOptions m_options;
    quint16 m_port = 0;
    int m_connectionCount = 0;
    quint64 m_requests = 0;
    QHash<QString, Client> m_clients; // by address text
    QElapsedTimer m_clock;
    QTcpServer *m_tcpServer = nullptr; // Owned (a child of this).
    QThread m_streamThread;
    GatewayStreams *m_streams = nullptr; // Owned; lives on m_streamThread.
};

} // namespace thingscape
