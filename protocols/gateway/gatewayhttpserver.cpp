#include "gatewayhttpserver.h"

#include "gatewayid.h"
#include "gatewayrepresentation.h"
#include "gatewaystreams.h"
#include "gatewaythings.h"

#include "model/codecs/codecs.h"
#include "model/codecs/linkformat.h"
#include "model/resource.h"
#include "model/resourcestore.h"
#include "protocols/endpointmanager.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDateTime>
#include <QHttpServerRequest>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaEnum>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrlQuery>
#include <QWebSocket>

#include <algorithm>
#include <cctype>
#include <memory>

#include <sys/socket.h>

namespace thingscape {

namespace {

constexpr int kDefaultPage = 100;
constexpr int kMaxPage = 1000;
// Headers and framing around a body: a request bigger than the body limit and this is refused
// before it is read whole.
constexpr qint64 kHeaderAllowance = 64 * 1024;
// How long a refused client may go on sending (discarded) before its connection is cut.
constexpr int kLingerMs = 5000;
// On a socket: the bytes of the request being read so far.
constexpr char kRequestBytes[] = "thingscape.requestBytes";

QByteArray statusText(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
    }
}

QByteArray header(const QHttpServerRequest &request, const QByteArray &name)
{
    const auto headers = request.headers();
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

QByteArray compactJson(const QJsonValue &value)
{
    return GatewayRepresentation::compactJson(value);
}

bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    // Compare digests: the time taken says nothing about how much of the token matched.
    const QByteArray da = QCryptographicHash::hash(a, QCryptographicHash::Sha256);
    const QByteArray db = QCryptographicHash::hash(b, QCryptographicHash::Sha256);
    unsigned char diff = 0;
    for (int i = 0; i < da.size(); ++i)
        diff |= static_cast<unsigned char>(da.at(i) ^ db.at(i));
    return diff == 0;
}

QString clientName(const QTcpSocket *socket)
{
    QHostAddress address = socket->peerAddress();
    bool ok = false;
    const QHostAddress v4(address.toIPv4Address(&ok));
    if (ok)
        address = v4;
    return QStringLiteral("http %1:%2").arg(address.toString()).arg(socket->peerPort());
}

QString addressKey(QHostAddress address)
{
    bool ok = false;
    const QHostAddress v4(address.toIPv4Address(&ok));
    return ok ? v4.toString() : address.toString();
}

} // namespace

struct GatewayHttpServer::Reply
{
    int status = 200;
    QByteArray contentType;
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;

    static Reply error(int status, const QString &message)
    {
        Reply reply;
        reply.status = status;
        reply.contentType = "application/json";
        reply.body = compactJson(QJsonObject{{QStringLiteral("error"), message}, {QStringLiteral("status"), status}}) + '\n';
        return reply;
    }
    static Reply json(const QJsonValue &value, int status = 200)
    {
        Reply reply;
        reply.status = status;
        reply.contentType = "application/json";
        reply.body = compactJson(value);
        return reply;
    }
};

// Admits each connection through the gateway (per-client limits) and watches its unread bytes
// before the HTTP server parses them, so an oversized request is refused, not buffered.
class GatewayHttpServer::TcpServer : public QTcpServer
{
public:
    explicit TcpServer(GatewayHttpServer *gateway)
        : QTcpServer(gateway)
        , m_gateway(gateway)
    {
    }

protected:
    void incomingConnection(qintptr handle) override
    {
        auto *socket = new QTcpSocket(this);
        if (!socket->setSocketDescriptor(handle)) {
            delete socket;
            return;
        }
        if (m_gateway->admit(socket))
            addPendingConnection(socket);
    }

private:
    GatewayHttpServer *m_gateway; // Not owned: our parent.
};

GatewayHttpServer::GatewayHttpServer(ResourceStore *store, EndpointManager *endpoints, const GatewayOptions &options,
                                     QObject *parent)
    : QAbstractHttpServer(parent)
    , m_store(store)
    , m_endpoints(endpoints)
    , m_options(options)
{
    m_clock.start();
    if (m_options.streamThread) {
        m_streamThread.setObjectName(QStringLiteral("gateway streams"));
        m_streamThread.start();
        // Made on its thread, so that everything it holds (servers, timers) lives there too.
        QObject context;
        context.moveToThread(&m_streamThread);
        QMetaObject::invokeMethod(
            &context, [this] { m_streams = new GatewayStreams(m_store, this, m_options.maxBodyBytes); }, Qt::BlockingQueuedConnection);
        QMetaObject::invokeMethod(&context, [&context] { context.moveToThread(nullptr); }, Qt::BlockingQueuedConnection);
    } else {
        m_streams = new GatewayStreams(m_store, this, m_options.maxBodyBytes);
    }
    connect(m_store, &ResourceStore::valueEvents, m_streams, &GatewayStreams::onValueEvents);
    connect(m_streams, &GatewayStreams::clientsChanged, this, &GatewayHttpServer::clientsChanged);
    connect(this, &QAbstractHttpServer::newWebSocketConnection, this, &GatewayHttpServer::acceptWebSockets);
}

GatewayHttpServer::~GatewayHttpServer()
{
    GatewayStreams *streams = m_streams;
    if (m_streamThread.isRunning())
        QMetaObject::invokeMethod(streams, [streams] { delete streams; }, Qt::BlockingQueuedConnection);
    else
        delete streams;
    m_streams = nullptr;
    m_streamThread.quit();
    m_streamThread.wait();
}

int GatewayHttpServer::eventStreamCount() const
{
    return m_streams->eventStreamCount();
}

int GatewayHttpServer::webSocketCount() const
{
    return m_streams->webSocketCount();
}

bool GatewayHttpServer::start(QString *error)
{
    if (!m_options.isLoopbackOnly() && m_options.token.isEmpty()) {
        *error = tr("refusing to serve on %1 without a bearer token: only loopback may go without one")
                     .arg(m_options.httpAddress.toString());
        return false;
    }
    auto *server = new TcpServer(this);
    if (!server->listen(m_options.httpAddress, m_options.httpPort)) {
        *error = tr("cannot serve HTTP on %1:%2: %3")
                     .arg(m_options.httpAddress.toString())
                     .arg(m_options.httpPort)
                     .arg(server->errorString());
        delete server;
        return false;
    }
    m_port = server->serverPort();
    m_tcpServer = server;
    bind(server);
    return true;
}

bool GatewayHttpServer::isLimited(const QHostAddress &address) const
{
    return m_options.limitLoopback || !address.isLoopback();
}

bool GatewayHttpServer::admit(QTcpSocket *socket)
{
    const QHostAddress address = socket->peerAddress();
    const QString key = addressKey(address);
    Client &client = m_clients[key];
    if (isLimited(address) && client.connections >= m_options.maxConnectionsPerClient) {
        const QByteArray body = compactJson(QJsonObject{
            {QStringLiteral("error"), tr("too many connections from %1 (at most %2)").arg(key).arg(m_options.maxConnectionsPerClient)},
            {QStringLiteral("status"), 503}});
        socket->write("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
                      "Connection: close\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        socket->disconnectFromHost();
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        return false;
    }
    ++client.connections;
    ++m_connectionCount;
    // A child's destruction, not the socket's signal: handing a socket to the WebSocket server
    // disconnects every signal of the socket.
    auto *tracker = new QObject(socket);
    connect(tracker, &QObject::destroyed, this, [this, key] {
        --m_connectionCount;
        auto it = m_clients.find(key);
        if (it != m_clients.end() && --it->connections <= 0 && it->tokens >= 2.0 * m_options.maxRequestsPerSecond)
            m_clients.erase(it);
        Q_EMIT clientsChanged();
    });
    // Connected before the HTTP server's own reader: runs first on every arrival, and counts
    // what the request has brought so far (that reader takes everything each time).
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] {
        const qint64 soFar = socket->property(kRequestBytes).toLongLong() + socket->bytesAvailable();
        socket->setProperty(kRequestBytes, soFar);
        qint64 declared = -1;
        if (soFar == socket->bytesAvailable()) {
            // The first bytes of a request: a Content-Length over the limit is refused at once,
            // before its body comes.
            const QByteArray head = socket->peek(kHeaderAllowance);
            const qsizetype end = head.indexOf("\r\n\r\n");
            const qsizetype at = head.toLower().indexOf("\r\ncontent-length:");
            if (at >= 0 && (end < 0 || at < end))
                declared = head.mid(at + 17, head.indexOf("\r\n", at + 2) - at - 17).trimmed().toLongLong();
        }
        if (declared > m_options.maxBodyBytes)
            refuse(socket, tr("a body of %1 bytes is over the limit of %2 bytes").arg(declared).arg(m_options.maxBodyBytes));
        else if (soFar > m_options.maxBodyBytes + kHeaderAllowance)
            refuse(socket, tr("request larger than %1 bytes").arg(m_options.maxBodyBytes));
    });
    Q_EMIT clientsChanged();
    return true;
}

void GatewayHttpServer::refuse(QTcpSocket *socket, const QString &message)
{
    // The HTTP server reads no more of it: nothing more is buffered.
    disconnect(socket, nullptr, this, nullptr);
    const QByteArray body = compactJson(QJsonObject{{QStringLiteral("error"), message}, {QStringLiteral("status"), 413}});
    socket->write("HTTP/1.1 413 Content Too Large\r\nContent-Type: application/json\r\nConnection: close\r\n"
                  "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    // Closing with the client's bytes unread would reset the connection, and the client could
    // lose the answer with it: send it, end our side, and discard what still comes a while.
    connect(socket, &QTcpSocket::readyRead, socket, [socket] { socket->skip(socket->bytesAvailable()); });
    auto finishWrites = [socket] {
        if (socket->bytesToWrite() == 0 && socket->state() == QAbstractSocket::ConnectedState)
            ::shutdown(int(socket->socketDescriptor()), SHUT_WR);
    };
    connect(socket, &QTcpSocket::bytesWritten, socket, finishWrites);
    socket->skip(socket->bytesAvailable());
    socket->flush();
    finishWrites();
    QTimer::singleShot(kLingerMs, socket, [socket] { socket->abort(); });
}

bool GatewayHttpServer::takeRequestToken(const QHostAddress &address)
{
    if (!isLimited(address))
        return true;
    Client &client = m_clients[addressKey(address)];
    const qint64 now = m_clock.elapsed();
    const double burst = 2.0 * m_options.maxRequestsPerSecond;
    if (!client.primed) {
        client.primed = true;
        client.tokens = burst;
        client.lastRefillMs = now;
    }
    client.tokens = std::min(burst, client.tokens + double(now - client.lastRefillMs) * m_options.maxRequestsPerSecond / 1000.0);
    client.lastRefillMs = now;
    if (client.tokens < 1)
        return false;
    client.tokens -= 1;
    return true;
}

bool GatewayHttpServer::authorisedToken(const QByteArray &authorization, const QString &queryToken) const
{
    if (m_options.token.isEmpty())
        return true;
    const QByteArray expected = m_options.token.toUtf8();
    if (authorization.startsWith("Bearer ") && constantTimeEquals(authorization.mid(7).trimmed(), expected))
        return true;
    return !queryToken.isEmpty() && constantTimeEquals(queryToken.toUtf8(), expected);
}

bool GatewayHttpServer::authorised(const QHttpServerRequest &request) const
{
    return authorisedToken(header(request, "authorization"),
                           request.query().queryItemValue(QStringLiteral("access_token"), QUrl::FullyDecoded));
}

void GatewayHttpServer::send(QTcpSocket *socket, const QHttpServerRequest &request, const Reply &reply)
{
    const bool head = request.method() == QHttpServerRequest::Method::Head;
    const QByteArray connection = header(request, "connection").toLower();
    const bool close = connection.contains("close");
    QByteArray out = "HTTP/1.1 " + QByteArray::number(reply.status) + ' ' + statusText(reply.status) + "\r\n";
    if (!reply.contentType.isEmpty() && reply.status != 204 && reply.status != 304)
        out += "Content-Type: " + reply.contentType + "\r\n";
    for (const auto &[name, value] : reply.headers)
        out += name + ": " + value + "\r\n";
    if (reply.status != 204 && reply.status != 304)
        out += "Content-Length: " + QByteArray::number(reply.body.size()) + "\r\n";
    if (close)
        out += "Connection: close\r\n";
    else if (connection.contains("keep-alive"))
        out += "Connection: keep-alive\r\n";
    out += "\r\n";
    if (!head && reply.status != 204 && reply.status != 304)
        out += reply.body;
    socket->write(out);
    if (close)
        socket->disconnectFromHost();
}

void GatewayHttpServer::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    send(socket, request, Reply::error(404, tr("nothing here")));
}

bool GatewayHttpServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    // QHttpServer 6.4 shows a WebSocket upgrade here before it hands the socket over to its
    // WebSocket server: nothing to answer (acceptWebSockets() checks the path and the token).
    if (header(request, "upgrade").compare("websocket", Qt::CaseInsensitive) == 0)
        return true;
    ++m_requests;
    socket->setProperty(kRequestBytes, 0);
    if (!takeRequestToken(socket->peerAddress())) {
        Reply reply = Reply::error(429, tr("too many requests from %1 (at most %2 a second)")
                                            .arg(addressKey(socket->peerAddress()))
                                            .arg(m_options.maxRequestsPerSecond));
        reply.headers.append(std::make_pair(QByteArray("Retry-After"), QByteArray("1")));
        send(socket, request, reply);
        return true;
    }
    if (!authorised(request)) {
        Reply reply = Reply::error(401, tr("a bearer token is required (Authorization: Bearer TOKEN)"));
        reply.headers.append(std::make_pair(QByteArray("WWW-Authenticate"), QByteArray("Bearer realm=\"thingscape\"")));
        send(socket, request, reply);
        return true;
    }
    if (request.body().size() > m_options.maxBodyBytes) {
        Reply reply = Reply::error(413, tr("body of %1 bytes is over the limit of %2 bytes")
                                            .arg(request.body().size())
                                            .arg(m_options.maxBodyBytes));
        send(socket, request, reply);
        socket->disconnectFromHost();
        return true;
    }
    dispatch(request, socket);
    return true;
}

const Resource *GatewayHttpServer::findResource(QStringView id, Reply *failure) const
{
    QString error;
    const std::optional<ResourceId> uri = GatewayId::decode(id, &error);
    if (!uri) {
        *failure = Reply::error(400, error);
        return nullptr;
    }
    const Resource *resource = m_store->find(*uri);
    if (!resource)
        *failure = Reply::error(404, tr("no resource %1 in the live model").arg(uri->toString()));
    return resource;
}

QString GatewayHttpServer::baseUrl(const QHttpServerRequest &request) const
{
    // The Host the client used, when it is a plain host[:port]; else the bound address.
    const QByteArray host = header(request, "host");
    bool plain = !host.isEmpty() && host.size() < 256;
    for (const char c : host) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '-' || c == '[' || c == ']'))
            plain = false;
    }
    if (plain)
        return QStringLiteral("http://%1/").arg(QString::fromLatin1(host));
    QHostAddress address = m_options.httpAddress;
    if (address == QHostAddress::Any || address == QHostAddress::AnyIPv4)
        address = QHostAddress::LocalHost;
    const QString name = address.protocol() == QAbstractSocket::IPv6Protocol ? QStringLiteral("[%1]").arg(address.toString())
                                                                             : address.toString();
    return QStringLiteral("http://%1:%2/").arg(name).arg(m_port);
}

void GatewayHttpServer::dispatch(const QHttpServerRequest &request, QTcpSocket *socket)
{
    if (!request.url().isValid())
        return send(socket, request, Reply::error(400, tr("malformed request target")));
    const QString path = request.url().path();
    const auto method = request.method();
    const bool get = method == QHttpServerRequest::Method::Get || method == QHttpServerRequest::Method::Head;
    auto notAllowed = [&](const QByteArray &allow) {
        Reply reply = Reply::error(405, tr("%1 is not allowed on %2 (allowed: %3)")
                                            .arg(QString::fromLatin1(QMetaEnum::fromType<QHttpServerRequest::Method>().valueToKey(int(method))),
                                                 path.left(200), QString::fromLatin1(allow)));
        reply.headers.append(std::make_pair(QByteArray("Allow"), QByteArray(allow)));
        send(socket, request, reply);
    };
    auto options = [&](const QByteArray &allow) {
        Reply reply;
        reply.status = 204;
        reply.headers.append(std::make_pair(QByteArray("Allow"), QByteArray(allow)));
        send(socket, request, reply);
    };

    static const QString resourcesPrefix = QStringLiteral("/resources/");
    if (path == QLatin1String("/resources")) {
        if (method == QHttpServerRequest::Method::Options)
            return options("GET, HEAD, OPTIONS");
        if (!get)
            return notAllowed("GET, HEAD, OPTIONS");
        return send(socket, request, listResources(request));
    }
    if (path.startsWith(resourcesPrefix)) {
        const QStringView id = QStringView(path).mid(resourcesPrefix.size());
        Reply failure;
        const Resource *resource = findResource(id, &failure);
        if (!resource)
            return send(socket, request, failure);
        if (method == QHttpServerRequest::Method::Options)
            return options("GET, HEAD, PUT, POST, OPTIONS");
        if (get) {
            if (header(request, "accept").contains("text/event-stream") && method == QHttpServerRequest::Method::Get) {
                const QByteArray first = resource->hasValue()
                    ? "event: value\ndata: " + compactJson(GatewayRepresentation::valueJson(resource->value())) + "\n\n"
                    : QByteArray();
                return handOverEventStream(socket, resource->id(), first);
            }
            return send(socket, request, getResource(request, *resource));
        }
        if (method == QHttpServerRequest::Method::Put || method == QHttpServerRequest::Method::Post)
            return writeResource(request, socket, *resource);
        return notAllowed("GET, HEAD, PUT, POST, OPTIONS");
    }
    if (!get) {
        if (method == QHttpServerRequest::Method::Options)
            return options("GET, HEAD, OPTIONS");
        return notAllowed("GET, HEAD, OPTIONS");
    }
    if (path == QLatin1String("/.well-known/core")) {
        QList<codecs::Link> links;
        QList<const Resource *> resources = m_store->resources();
        std::sort(resources.begin(), resources.end(), [](const Resource *a, const Resource *b) { return a->id() < b->id(); });
        for (const Resource *resource : std::as_const(resources))
            links.append(GatewayRepresentation::link(*resource, GatewayRepresentation::href(*resource)));
        Reply reply;
        reply.contentType = "application/link-format";
        reply.body = codecs::serialiseLinkFormat(links);
        return send(socket, request, reply);
    }
    const bool bearer = !m_options.token.isEmpty();
    if (path == QLatin1String("/.well-known/wot") || path == QLatin1String("/things")) {
        Reply reply = Reply::json(GatewayThings::all(*m_store, baseUrl(request), bearer));
        reply.contentType = "application/json";
        return send(socket, request, reply);
    }
    if (path.startsWith(QLatin1String("/things/"))) {
        QString error;
        const std::optional<QString> device = GatewayId::decodeText(QStringView(path).mid(8), &error);
        if (!device)
            return send(socket, request, Reply::error(400, tr("malformed thing id: %1").arg(error)));
        const auto devices = GatewayThings::devices(*m_store);
        const auto it = devices.find(*device);
        if (it == devices.end())
            return send(socket, request, Reply::error(404, tr("no device \"%1\" in the live model").arg(device->left(200))));
        Reply reply = Reply::json(GatewayThings::thingDescription(it.key(), it.value(), baseUrl(request), bearer));
        reply.contentType = "application/td+json";
        return send(socket, request, reply);
    }
    if (path == QLatin1String("/openapi.json"))
        return send(socket, request, Reply::json(openApi(request)));
    if (path == QLatin1String("/ws"))
        return send(socket, request, Reply::error(426, tr("/ws is a WebSocket: connect with Upgrade: websocket")));
    if (path == QLatin1String("/") || path.isEmpty()) {
        return send(socket, request, Reply::json(QJsonObject{
            {QStringLiteral("resources"), QStringLiteral("/resources")},
            {QStringLiteral("core"), QStringLiteral("/.well-known/core")},
            {QStringLiteral("things"), QStringLiteral("/.well-known/wot")},
            {QStringLiteral("openapi"), QStringLiteral("/openapi.json")},
            {QStringLiteral("websocket"), QStringLiteral("/ws")},
        }));
    }
    send(socket, request, Reply::error(404, tr("nothing at %1").arg(path.left(200))));
}

GatewayHttpServer::Reply GatewayHttpServer::listResources(const QHttpServerRequest &request) const
{
    const QUrlQuery query = request.query();
    auto value = [&](const char *key) { return query.queryItemValue(QLatin1String(key), QUrl::FullyDecoded); };
    bool ok = true;
    const QString offsetText = value("offset");
    const QString limitText = value("limit");
    const int offset = offsetText.isEmpty() ? 0 : offsetText.toInt(&ok);
    if (!ok || offset < 0)
        return Reply::error(400, tr("offset must be a whole number from 0, not \"%1\"").arg(offsetText.left(50)));
    const int limit = limitText.isEmpty() ? kDefaultPage : limitText.toInt(&ok);
    if (!ok || limit < 1 || limit > kMaxPage)
        return Reply::error(400, tr("limit must be a whole number from 1 to %1, not \"%2\"").arg(kMaxPage).arg(limitText.left(50)));
    const QString protocol = value("protocol").toLower();
    if (!protocol.isEmpty() && protocol != QLatin1String("mqtt") && protocol != QLatin1String("coap")
        && protocol != QLatin1String("http"))
        return Reply::error(400, tr("protocol must be mqtt, coap or http, not \"%1\"").arg(protocol.left(50)));
    QString endpoint = value("endpoint");
    if (!endpoint.isEmpty()) {
        const EndpointConfig config = m_endpoints->endpoint(endpoint);
        if (!config.id.isEmpty()) {
            endpoint = config.url.endpointUri();
        } else {
            const std::optional<ResourceId> url = ResourceId::parse(endpoint);
            if (!url)
                return Reply::error(400, tr("endpoint must be an endpoint id or scheme://host:port, not \"%1\"").arg(endpoint.left(200)));
            endpoint = url->endpointUri();
        }
    }
    const QString prefix = value("prefix");
    const QString rt = value("rt");

    QList<const Resource *> candidates =
        !prefix.isEmpty() ? m_store->findByPrefix(prefix)
                          : (!endpoint.isEmpty() ? m_store->findUnder(endpoint) : m_store->resources());
    if (prefix.isEmpty() && endpoint.isEmpty())
        std::sort(candidates.begin(), candidates.end(), [](const Resource *a, const Resource *b) { return a->id() < b->id(); });
    QList<const Resource *> matching;
    for (const Resource *resource : std::as_const(candidates)) {
        if (!protocol.isEmpty() && protocolName(resource->id().protocol()) != protocol)
            continue;
        if (!endpoint.isEmpty() && resource->id().endpointUri() != endpoint)
            continue;
        if (!rt.isEmpty() && !resource->metadata().resourceTypes.valueOr({}).contains(rt))
            continue;
        matching.append(resource);
    }
    const qsizetype total = matching.size();
    const QList<const Resource *> page = matching.mid(std::min<qsizetype>(offset, total), limit);

    QUrlQuery next = query;
    next.removeAllQueryItems(QStringLiteral("offset"));
    next.removeAllQueryItems(QStringLiteral("access_token"));
    next.addQueryItem(QStringLiteral("offset"), QString::number(offset + limit));
    const QString nextHref = QStringLiteral("/resources?") + next.toString(QUrl::FullyEncoded);
    const bool more = offset + limit < total;

    const QByteArray accept = header(request, "accept");
    Reply reply;
    if (accept.contains("application/link-format")) {
        QList<codecs::Link> links;
        for (const Resource *resource : page)
            links.append(GatewayRepresentation::link(*resource, GatewayRepresentation::href(*resource)));
        reply.contentType = "application/link-format";
        reply.body = codecs::serialiseLinkFormat(links);
    } else {
        QJsonArray items;
        for (const Resource *resource : page)
            items.append(GatewayRepresentation::resourceJson(*resource));
        QJsonObject json{{QStringLiteral("total"), double(total)},
                         {QStringLiteral("offset"), offset},
                         {QStringLiteral("limit"), limit},
                         {QStringLiteral("items"), items}};
        if (more)
            json.insert(QStringLiteral("next"), nextHref);
        reply = Reply::json(json);
    }
    reply.headers.append(std::make_pair(QByteArray("X-Total-Count"), QByteArray(QByteArray::number(total))));
    if (more)
        reply.headers.append(std::make_pair(QByteArray("Link"), QByteArray("<" + nextHref.toUtf8() + ">; rel=\"next\"")));
    return reply;
}

GatewayHttpServer::Reply GatewayHttpServer::getResource(const QHttpServerRequest &request, const Resource &resource) const
{
    QString error;
    const std::optional<GatewayBody> body = GatewayRepresentation::forAccept(resource, header(request, "accept"), &error);
    if (!body)
        return Reply::error(406, error);
    const QByteArray etag = GatewayRepresentation::etag(resource, *body);
    Reply reply;
    reply.headers.append(std::make_pair(QByteArray("ETag"), QByteArray(etag)));
    reply.headers.append(std::make_pair(QByteArray("Cache-Control"), QByteArray("no-cache")));
    reply.headers.append(std::make_pair(QByteArray("Vary"), QByteArray("Accept")));
    const QByteArray ifNoneMatch = header(request, "if-none-match");
    if (!ifNoneMatch.isEmpty()) {
        for (const QByteArray &tag : ifNoneMatch.split(',')) {
            const QByteArray trimmed = tag.trimmed();
            if (trimmed == etag || trimmed == "W/" + etag || trimmed == "*") {
                reply.status = 304;
                return reply;
            }
        }
    }
    reply.contentType = body->mediaType;
    reply.body = body->body;
    return reply;
}

void GatewayHttpServer::writeResource(const QHttpServerRequest &request, QTcpSocket *socket, const Resource &resource)
{
    if (m_options.readOnly)
        return send(socket, request, Reply::error(403, tr("this gateway is read-only: writes are refused")));
    if (!resource.metadata().writable.valueOr(true))
        return send(socket, request, Reply::error(405, tr("%1 is read-only").arg(resource.id().toString())));
    const QUrlQuery query = request.query();
    WriteOptions options;
    const QString qos = query.queryItemValue(QStringLiteral("qos"));
    if (!qos.isEmpty()) {
        if (qos != QLatin1String("0") && qos != QLatin1String("1") && qos != QLatin1String("2"))
            return send(socket, request, Reply::error(400, tr("qos must be 0, 1 or 2, not \"%1\"").arg(qos.left(20))));
        options.qos = qos.toInt();
    }
    const QString retain = query.queryItemValue(QStringLiteral("retain"));
    if (!retain.isEmpty()) {
        if (retain != QLatin1String("true") && retain != QLatin1String("false"))
            return send(socket, request, Reply::error(400, tr("retain must be true or false, not \"%1\"").arg(retain.left(20))));
        options.retain = retain == QLatin1String("true");
    }
    const QByteArray contentType = header(request, "content-type");
    if (!contentType.isEmpty()) {
        const QString mediaType = QString::fromLatin1(contentType).section(QLatin1Char(';'), 0, 0).trimmed();
        options.mediaType = mediaType;
        options.contentFormat = codecs::contentFormatForMediaType(mediaType);
    }
    QByteArray payload = request.body();
    if (options.contentFormat == ContentFormat::Json) {
        // A JSON string (what a WoT client sends for a string property) is written as its text
        // to a resource whose value is no JSON text itself ("on", not "\"on\"").
        const QJsonValue value = QJsonDocument::fromJson("[" + payload + "]").array().at(0);
        const bool jsonText = resource.hasValue() && resource.value().raw.trimmed().startsWith('"');
        if (value.isString() && !jsonText) {
            payload = value.toString().toUtf8();
            options.contentFormat = ContentFormat::Text;
            options.mediaType = QStringLiteral("text/plain");
        }
    }
    options.method = request.method() == QHttpServerRequest::Method::Post ? QStringLiteral("POST") : QStringLiteral("PUT");
    options.cause = Cause::gateway(clientName(socket));
    QPointer<QTcpSocket> guard(socket);
    // The request dies with this call: keep what the answer needs.
    const bool close = header(request, "connection").toLower().contains("close");
    const bool keepAlive = header(request, "connection").toLower().contains("keep-alive");
    const QString uri = resource.id().toString();
    m_endpoints->write(resource.id(), payload, options, [this, guard, close, keepAlive, uri](const Result &result) {
        if (!guard || guard->state() != QAbstractSocket::ConnectedState)
            return;
        Reply reply = result.ok() ? Reply{} : Reply::error(GatewayRepresentation::writeStatus(result.kind), tr("writing %1 failed: %2").arg(uri, result.error));
        if (result.ok())
            reply.status = 204;
        QByteArray out = "HTTP/1.1 " + QByteArray::number(reply.status) + ' ' + statusText(reply.status) + "\r\n";
        if (reply.status != 204)
            out += "Content-Type: " + reply.contentType + "\r\nContent-Length: " + QByteArray::number(reply.body.size()) + "\r\n";
        if (close)
            out += "Connection: close\r\n";
        else if (keepAlive)
            out += "Connection: keep-alive\r\n";
        out += "\r\n";
        if (reply.status != 204)
            out += reply.body;
        guard->write(out);
        if (close)
            guard->disconnectFromHost();
    });
}

void GatewayHttpServer::handOverEventStream(QTcpSocket *socket, const ResourceId &id, const QByteArray &first)
{
    // From here on the stream thread reads and writes it: no more of this server's readers.
    disconnect(socket, nullptr, this, nullptr);
    QPointer<QTcpSocket> guard(socket);
    // Moved once the HTTP server is done with this request (it looks at the socket after us).
    QMetaObject::invokeMethod(
        this,
        [this, guard, id, first] {
            if (!guard || guard->state() != QAbstractSocket::ConnectedState)
                return;
            QTcpSocket *socket = guard.data();
            socket->setParent(nullptr);
            socket->moveToThread(m_streams->thread());
            GatewayStreams *streams = m_streams;
            QMetaObject::invokeMethod(streams, [streams, socket, id, first] { streams->adoptEventStream(socket, id, first); });
        },
        Qt::QueuedConnection);
}

void GatewayHttpServer::acceptWebSockets()
{
    while (hasPendingWebSocketConnections()) {
        std::unique_ptr<QWebSocket> socket = nextPendingWebSocketConnection();
        if (!socket)
            continue;
        const QUrl url = socket->requestUrl();
        // Closed once the HTTP server is done with the connection (this runs inside its
        // reader, which would read on from a socket closed under it).
        auto refuseLater = [this](QWebSocket *refused, const QString &reason) {
            QMetaObject::invokeMethod(
                refused,
                [refused, reason] {
                    refused->close(QWebSocketProtocol::CloseCodePolicyViolated, reason);
                    refused->deleteLater();
                },
                Qt::QueuedConnection);
        };
        if (url.path() != QLatin1String("/ws")) {
            refuseLater(socket.release(), tr("no WebSocket at %1: use /ws").arg(url.path().left(100)));
            continue;
        }
        const QString queryToken = QUrlQuery(url).queryItemValue(QStringLiteral("access_token"), QUrl::FullyDecoded);
        if (!authorisedToken(socket->request().rawHeader("Authorization"), queryToken)) {
            refuseLater(socket.release(), tr("a bearer token is required"));
            continue;
        }
        // Handed over once the HTTP server is done with the connection (this runs inside its
        // reader); what the client says meanwhile is kept for the stream thread.
        QWebSocket *waiting = socket.release();
        auto early = std::make_shared<QStringList>();
        const QMetaObject::Connection keep = connect(waiting, &QWebSocket::textMessageReceived, this,
                                                     [early](const QString &message) { early->append(message); });
        QPointer<QWebSocket> guard(waiting);
        QMetaObject::invokeMethod(
            this,
            [this, guard, early, keep] {
                disconnect(keep);
                if (!guard)
                    return;
                QWebSocket *moved = guard.data();
                // It reads through the TCP socket this server accepted, which stays our
                // server's child: both go to the stream thread.
                QTcpSocket *tcp = nullptr;
                if (moved->findChildren<QTcpSocket *>().isEmpty() && m_tcpServer) {
                    const QList<QTcpSocket *> accepted = m_tcpServer->findChildren<QTcpSocket *>(Qt::FindDirectChildrenOnly);
                    for (QTcpSocket *candidate : accepted) {
                        if (candidate->peerPort() == moved->peerPort() && candidate->peerAddress() == moved->peerAddress())
                            tcp = candidate;
                    }
                }
                QThread *target = m_streams->thread();
                if (tcp) {
                    tcp->setParent(nullptr);
                    tcp->moveToThread(target);
                }
                moved->setParent(nullptr);
                moved->moveToThread(target);
                GatewayStreams *streams = m_streams;
                const QStringList said = *early;
                QMetaObject::invokeMethod(streams, [streams, moved, tcp, said] { streams->adoptWebSocket(moved, tcp, said); });
            },
            Qt::QueuedConnection);
    }
}

QJsonObject GatewayHttpServer::openApi(const QHttpServerRequest &request) const
{
    auto text = [](const char *s) { return QString::fromLatin1(s); };
    const QJsonObject idParameter{{text("name"), text("id")}, {text("in"), text("path")}, {text("required"), true},
                                  {text("description"), text("the resource URI as unpadded base64url")},
                                  {text("schema"), QJsonObject{{text("type"), text("string")}, {text("pattern"), text("^[A-Za-z0-9_-]+$")}}}};
    auto error = [&](const char *what) {
        return QJsonObject{{text("description"), text(what)},
                           {text("content"), QJsonObject{{text("application/json"), QJsonObject{{text("schema"), QJsonObject{{text("$ref"), text("#/components/schemas/Error")}}}}}}}};
    };
    auto query = [&](const char *name, const char *type, const char *description) {
        return QJsonObject{{text("name"), text(name)}, {text("in"), text("query")},
                           {text("schema"), QJsonObject{{text("type"), text(type)}}}, {text("description"), text(description)}};
    };
    const QJsonObject valueContent{
        {text("application/json"), QJsonObject{}}, {text("application/cbor"), QJsonObject{}},
        {text("text/plain"), QJsonObject{}}, {text("application/senml+json"), QJsonObject{}},
        {text("application/senml+cbor"), QJsonObject{}}, {text("application/octet-stream"), QJsonObject{}},
        {text("text/event-stream"), QJsonObject{}}};
    const QJsonObject writeResponses{{text("204"), QJsonObject{{text("description"), text("written through to the underlying protocol")}}},
                                     {text("400"), error("malformed id, query or body")}, {text("401"), error("bearer token required")},
                                     {text("403"), error("the gateway is read-only")}, {text("404"), error("no such resource")},
                                     {text("413"), error("body over the limit")}, {text("502"), error("the underlying protocol failed")},
                                     {text("504"), error("the underlying protocol timed out")}};
    QJsonObject security;
    if (!m_options.token.isEmpty())
        security.insert(text("bearer"), QJsonObject{{text("type"), text("http")}, {text("scheme"), text("bearer")}});
    QJsonObject api{
        {text("openapi"), text("3.0.3")},
        {text("info"), QJsonObject{{text("title"), text("Thingscape gateway")}, {text("version"), text("1")},
                                   {text("description"), text("Every resource of the live model (MQTT, CoAP, HTTP), read, written and observed through one REST API.")}}},
        {text("servers"), QJsonArray{QJsonObject{{text("url"), baseUrl(request)}}}},
        {text("paths"), QJsonObject{
            {text("/resources"), QJsonObject{{text("get"), QJsonObject{
                {text("summary"), text("every resource with its URI, protocol, metadata and current value, paged")},
                {text("parameters"), QJsonArray{query("endpoint", "string", "endpoint id or scheme://host:port"),
                                                query("protocol", "string", "mqtt, coap or http"),
                                                query("rt", "string", "a resource type"),
                                                query("prefix", "string", "URI prefix"),
                                                query("offset", "integer", "first item (default 0)"),
                                                query("limit", "integer", "items per page (1-1000, default 100)")}},
                {text("responses"), QJsonObject{{text("200"), QJsonObject{{text("description"), text("a page of resources")},
                    {text("content"), QJsonObject{{text("application/json"), QJsonObject{}}, {text("application/link-format"), QJsonObject{}}}}}},
                                                {text("400"), error("bad filter or paging")}}}}}}},
            {text("/resources/{id}"), QJsonObject{
                {text("parameters"), QJsonArray{idParameter}},
                {text("get"), QJsonObject{{text("summary"), text("the current value (content negotiation, ETag / 304; text/event-stream: live updates)")},
                                          {text("responses"), QJsonObject{{text("200"), QJsonObject{{text("description"), text("the value")}, {text("content"), valueContent}}},
                                                                          {text("304"), QJsonObject{{text("description"), text("not modified")}}},
                                                                          {text("400"), error("malformed id")}, {text("404"), error("no such resource")},
                                                                          {text("406"), error("no acceptable representation")}}}}},
                {text("put"), QJsonObject{{text("summary"), text("write (MQTT publish, CoAP PUT, HTTP PUT); ?qos=0|1|2&retain=true|false for MQTT")},
                                          {text("responses"), writeResponses}}},
                {text("post"), QJsonObject{{text("summary"), text("the same with POST (actions)")}, {text("responses"), writeResponses}}}}},
            {text("/.well-known/core"), QJsonObject{{text("get"), QJsonObject{{text("summary"), text("the model as CoRE link-format")},
                {text("responses"), QJsonObject{{text("200"), QJsonObject{{text("description"), text("links")}}}}}}}}},
            {text("/.well-known/wot"), QJsonObject{{text("get"), QJsonObject{{text("summary"), text("generated WoT Thing Descriptions 1.1, one per device")},
                {text("responses"), QJsonObject{{text("200"), QJsonObject{{text("description"), text("an array of Thing Descriptions")}}}}}}}}},
            {text("/things/{device}"), QJsonObject{{text("get"), QJsonObject{{text("summary"), text("one device's Thing Description")},
                {text("responses"), QJsonObject{{text("200"), QJsonObject{{text("description"), text("a Thing Description")}}}, {text("404"), error("no such device")}}}}}}},
            {text("/ws"), QJsonObject{{text("get"), QJsonObject{{text("summary"), text("WebSocket: send {\"subscribe\": [ids or URIs]}, receive {\"id\", \"uri\", \"value\", \"time\"} per update")},
                {text("responses"), QJsonObject{{text("101"), QJsonObject{{text("description"), text("switching protocols")}}}}}}}}},
        }},
        {text("components"), QJsonObject{{text("schemas"), QJsonObject{{text("Error"), QJsonObject{{text("type"), text("object")},
             {text("properties"), QJsonObject{{text("error"), QJsonObject{{text("type"), text("string")}}}, {text("status"), QJsonObject{{text("type"), text("integer")}}}}}}}}},
                                         {text("securitySchemes"), security}}},
    };
    if (!security.isEmpty())
        api.insert(text("security"), QJsonArray{QJsonObject{{text("bearer"), QJsonArray{}}}});
    return api;
}

} // namespace thingscape
