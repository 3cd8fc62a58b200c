#pragma once

#include "model/resourceid.h"
#include "model/valueevent.h"
#include "protocols/http/sseserver.h"

#include <QHash>
#include <QObject>
#include <QSet>

#include <atomic>

class QTcpSocket;
class QWebSocket;

namespace thingscape {

class ResourceStore;

// The gateway's live updates (Server-Sent Events and WebSockets) on a thread of their own: the
// HTTP server hands each stream's socket over once its request is read, and the store's value
// events come here queued, so a thousand subscribers cost the window's thread one posted batch,
// not a thousand socket writes. The store is only read on its own thread (a WebSocket
// subscription asks it there, through storeContext).
class GatewayStreams : public QObject
{
    Q_OBJECT

public:
    // storeContext lives on the store's thread; store is read only inside calls queued to it.
    GatewayStreams(const ResourceStore *store, QObject *storeContext, qint64 maxMessageBytes);
    ~GatewayStreams() override;

    // On this object's thread, the socket already moved to it: answers with the event-stream
    // headers and first (the current value, may be empty), then every update of id.
    void adoptEventStream(QTcpSocket *socket, const ResourceId &id, const QByteArray &first);
    // On this object's thread, the socket already moved to it, authorised and at /ws; tcp (may
    // be null): the connection it reads, when it is not the WebSocket's child; said: what the
    // client sent before the hand-over, handled first.
    void adoptWebSocket(QWebSocket *socket, QTcpSocket *tcp, const QStringList &said);
    void onValueEvents(const ValueEvents &events);

    // Any thread.
    int eventStreamCount() const { return m_eventStreams.load(); }
    int webSocketCount() const { return m_webSocketCount.load(); }

Q_SIGNALS:
    void clientsChanged();

private:
    // A resource a WebSocket asked for, as the store answered on its thread.
    struct Lookup
    {
        ResourceId id;
        bool known = false;
        QString current; // its current value as an update message; empty without one
    };

    void onWebSocketMessage(QWebSocket *socket, const QString &message);
    void handleWebSocketMessage(QWebSocket *socket, const QString &message);
    void finishSubscribe(QWebSocket *socket, const QList<Lookup> &found);
    void dropWebSocket(QWebSocket *socket);
    void dropEventStream(const ResourceId &id);

    const ResourceStore *m_store; // Not owned; read only on storeContext's thread.
    QObject *m_storeContext;      // Not owned.
    qint64 m_maxMessageBytes;
    SseServer m_sse;
    QHash<ResourceId, int> m_sseIds; // subscribed streams per resource
    QSet<QWebSocket *> m_webSockets;                       // Owned (children of this).
    QHash<ResourceId, QSet<QWebSocket *>> m_wsSubscribers; // Not owned: in m_webSockets.
    QHash<QWebSocket *, QSet<ResourceId>> m_wsSubscriptions;
    // Messages that came while the socket's subscription was being looked up: handled after
    // it, in order.
    QHash<QWebSocket *, QStringList> m_wsWaiting;
    std::atomic<int> m_eventStreams{0};
    std::atomic<int> m_webSocketCount{0};
};

} // namespace thingscape
