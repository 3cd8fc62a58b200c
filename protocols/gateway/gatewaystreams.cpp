#include "gatewaystreams.h"

#include "gatewayid.h"
#include "gatewayrepresentation.h"

#include "model/resource.h"
#include "model/resourcestore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QTcpSocket>
#include <QWebSocket>

namespace thingscape {

namespace {

constexpr qsizetype kMaxWebSocketSubscriptions = 10000;

QByteArray streamKey(const ResourceId &id)
{
    return id.toString().toUtf8();
}

QString errorMessage(const QString &error)
{
    return QString::fromUtf8(GatewayRepresentation::compactJson(QJsonObject{{QStringLiteral("error"), error}}));
}

} // namespace

GatewayStreams::GatewayStreams(const ResourceStore *store, QObject *storeContext, qint64 maxMessageBytes)
    : m_store(store)
    , m_storeContext(storeContext)
    , m_maxMessageBytes(maxMessageBytes)
{
}

GatewayStreams::~GatewayStreams()
{
    // Sockets go while the tables their signals update still exist.
    for (QWebSocket *socket : std::as_const(m_webSockets))
        disconnect(socket, nullptr, this, nullptr);
    qDeleteAll(m_webSockets);
    m_webSockets.clear();
    const QList<QTcpSocket *> streams = findChildren<QTcpSocket *>(Qt::FindDirectChildrenOnly);
    for (QTcpSocket *socket : streams)
        disconnect(socket, nullptr, this, nullptr);
    qDeleteAll(streams);
}

void GatewayStreams::adoptEventStream(QTcpSocket *socket, const ResourceId &id, const QByteArray &first)
{
    socket->setParent(this);
    ++m_sseIds[id];
    ++m_eventStreams;
    connect(socket, &QObject::destroyed, this, [this, id] { dropEventStream(id); });
    m_sse.adopt(streamKey(id), socket);
    if (!first.isEmpty())
        socket->write(first);
    Q_EMIT clientsChanged();
}

void GatewayStreams::dropEventStream(const ResourceId &id)
{
    auto it = m_sseIds.find(id);
    if (it != m_sseIds.end() && --*it <= 0)
        m_sseIds.erase(it);
    --m_eventStreams;
    Q_EMIT clientsChanged();
}

void GatewayStreams::adoptWebSocket(QWebSocket *socket, QTcpSocket *tcp, const QStringList &said)
{
    socket->setParent(this);
    if (tcp) {
        // Gone with the WebSocket, whether or not the WebSocket deletes it itself.
        tcp->setParent(this);
        connect(socket, &QObject::destroyed, tcp, &QObject::deleteLater);
    }
    socket->setMaxAllowedIncomingMessageSize(quint64(m_maxMessageBytes));
    socket->setMaxAllowedIncomingFrameSize(quint64(m_maxMessageBytes));
    m_webSockets.insert(socket);
    ++m_webSocketCount;
    connect(socket, &QWebSocket::textMessageReceived, this, [this, socket](const QString &message) {
        onWebSocketMessage(socket, message);
    });
    connect(socket, &QWebSocket::binaryMessageReceived, this, [socket] {
        socket->sendTextMessage(QStringLiteral(R"({"error":"send JSON text messages: {\"subscribe\": [ids or URIs]}"})"));
    });
    connect(socket, &QWebSocket::disconnected, this, [this, socket] { dropWebSocket(socket); });
    Q_EMIT clientsChanged();
    for (const QString &message : said)
        onWebSocketMessage(socket, message);
    if (socket->state() != QAbstractSocket::ConnectedState)
        dropWebSocket(socket);
}

void GatewayStreams::onValueEvents(const ValueEvents &events)
{
    if (m_sseIds.isEmpty() && m_wsSubscribers.isEmpty())
        return;
    for (const ValueEvent &event : events) {
        if (event.direction != Direction::In)
            continue;
        const bool sse = m_sseIds.contains(event.id);
        const auto ws = m_wsSubscribers.constFind(event.id);
        if (!sse && ws == m_wsSubscribers.constEnd())
            continue;
        const QJsonValue value = GatewayRepresentation::valueJson(event.value);
        if (sse)
            m_sse.publish(streamKey(event.id), "value", GatewayRepresentation::compactJson(value));
        if (ws != m_wsSubscribers.constEnd()) {
            const QString message = GatewayRepresentation::webSocketUpdate(event.id, value, event.value.timeMs);
            for (QWebSocket *socket : *ws)
                socket->sendTextMessage(message);
        }
    }
}

void GatewayStreams::onWebSocketMessage(QWebSocket *socket, const QString &message)
{
    const auto waiting = m_wsWaiting.find(socket);
    if (waiting != m_wsWaiting.end())
        waiting->append(message);
    else
        handleWebSocketMessage(socket, message);
}

void GatewayStreams::handleWebSocketMessage(QWebSocket *socket, const QString &message)
{
    auto fail = [socket](const QString &error) { socket->sendTextMessage(errorMessage(error)); };
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(message.toUtf8(), &parseError);
    if (document.isNull() || !document.isObject())
        return fail(tr("not a JSON object (%1): send {\"subscribe\": [ids or URIs]} or {\"unsubscribe\": [...]}")
                        .arg(document.isNull() ? parseError.errorString() : tr("another JSON value")));
    const QJsonObject object = document.object();
    const bool subscribe = object.contains(QLatin1String("subscribe"));
    const QJsonValue list = object.value(subscribe ? QLatin1String("subscribe") : QLatin1String("unsubscribe"));
    if (!list.isArray())
        return fail(tr("\"subscribe\" / \"unsubscribe\" must be an array of resource ids or URIs"));
    QList<ResourceId> ids;
    for (const QJsonValue &entry : list.toArray()) {
        const QString text = entry.toString();
        QString error;
        std::optional<ResourceId> id = text.contains(QLatin1String("://")) ? ResourceId::parse(text, &error)
                                                                          : GatewayId::decode(text, &error);
        if (!entry.isString() || !id) {
            fail(tr("\"%1\" is neither a resource id nor a URI: %2").arg(text.left(200), error));
            continue;
        }
        ids.append(*id);
    }
    if (!subscribe) {
        QJsonArray done;
        QSet<ResourceId> &mine = m_wsSubscriptions[socket];
        for (const ResourceId &id : std::as_const(ids)) {
            mine.remove(id);
            auto it = m_wsSubscribers.find(id);
            if (it != m_wsSubscribers.end()) {
                it->remove(socket);
                if (it->isEmpty())
                    m_wsSubscribers.erase(it);
            }
            done.append(GatewayId::encode(id));
        }
        socket->sendTextMessage(QString::fromUtf8(GatewayRepresentation::compactJson(QJsonObject{{QStringLiteral("unsubscribed"), done}})));
        return;
    }
    // Which of them the live model knows, and their values: asked on the store's thread.
    m_wsWaiting.insert(socket, {});
    QPointer<QWebSocket> guard(socket);
    const ResourceStore *store = m_store;
    QMetaObject::invokeMethod(m_storeContext, [this, store, ids, guard] {
        QList<Lookup> found;
        for (const ResourceId &id : ids) {
            Lookup lookup;
            lookup.id = id;
            if (const Resource *resource = store->find(id)) {
                lookup.known = true;
                if (resource->hasValue())
                    lookup.current = GatewayRepresentation::webSocketUpdate(id, GatewayRepresentation::valueJson(resource->value()),
                                                                            resource->value().timeMs);
            }
            found.append(lookup);
        }
        // This object outlives its store context's calls: the gateway deletes it, on the
        // store's thread, after its own last queued call.
        QMetaObject::invokeMethod(this, [this, guard, found] {
            if (guard)
                finishSubscribe(guard, found);
        });
    });
}

void GatewayStreams::finishSubscribe(QWebSocket *socket, const QList<Lookup> &found)
{
    QJsonArray done;
    QSet<ResourceId> &mine = m_wsSubscriptions[socket];
    for (const Lookup &lookup : found) {
        if (mine.size() >= kMaxWebSocketSubscriptions) {
            socket->sendTextMessage(errorMessage(tr("at most %1 subscriptions per WebSocket").arg(kMaxWebSocketSubscriptions)));
            break;
        }
        if (!lookup.known) {
            socket->sendTextMessage(errorMessage(tr("no resource %1 in the live model").arg(lookup.id.toString())));
            continue;
        }
        mine.insert(lookup.id);
        m_wsSubscribers[lookup.id].insert(socket);
        done.append(GatewayId::encode(lookup.id));
        if (!lookup.current.isEmpty())
            socket->sendTextMessage(lookup.current);
    }
    socket->sendTextMessage(QString::fromUtf8(GatewayRepresentation::compactJson(QJsonObject{{QStringLiteral("subscribed"), done}})));
    const QStringList waiting = m_wsWaiting.take(socket);
    for (qsizetype i = 0; i < waiting.size(); ++i) {
        if (m_wsWaiting.contains(socket)) {
            // Another subscription went out to the store: the rest waits behind it.
            m_wsWaiting[socket].append(waiting.mid(i));
            return;
        }
        handleWebSocketMessage(socket, waiting.at(i));
    }
}

void GatewayStreams::dropWebSocket(QWebSocket *socket)
{
    for (const ResourceId &id : m_wsSubscriptions.take(socket)) {
        auto it = m_wsSubscribers.find(id);
        if (it != m_wsSubscribers.end()) {
            it->remove(socket);
            if (it->isEmpty())
                m_wsSubscribers.erase(it);
        }
    }
    m_wsWaiting.remove(socket);
    if (m_webSockets.remove(socket))
        --m_webSocketCount;
    disconnect(socket, nullptr, this, nullptr);
    socket->deleteLater();
    Q_EMIT clientsChanged();
}

} // namespace thingscape
