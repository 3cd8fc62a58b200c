#include "rawhttpserver.h"

#include <QTcpSocket>

namespace testsupport {

QByteArray RawHttpRequest::header(const QByteArray &name) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

RawHttpServer::RawHttpServer(QObject *parent)
    : QObject(parent)
    , m_server(this)
{
    connect(&m_server, &QTcpServer::newConnection, this, &RawHttpServer::onConnection);
}

RawHttpServer::~RawHttpServer()
{
    // Open sockets die with m_server, after m_buffers: they must not call back into us then.
    const QList<QTcpSocket *> sockets = m_server.findChildren<QTcpSocket *>();
    for (QTcpSocket *socket : sockets) {
        socket->disconnect(this);
        socket->abort();
    }
}

bool RawHttpServer::listen()
{
    return m_server.listen(QHostAddress::LocalHost, 0);
}

quint16 RawHttpServer::port() const
{
    return m_server.serverPort();
}

void RawHttpServer::route(const QByteArray &path, Handler handler)
{
    m_routes.insert(path, std::move(handler));
}

QList<RawHttpRequest> RawHttpServer::requestsFor(const QByteArray &path) const
{
    QList<RawHttpRequest> out;
    for (const RawHttpRequest &request : m_requests) {
        if (request.path == path || request.path.startsWith(path + '?'))
            out << request;
    }
    return out;
}

void RawHttpServer::onConnection()
{
    while (QTcpSocket *socket = m_server.nextPendingConnection()) {
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onData(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            m_buffers.remove(socket);
            socket->deleteLater();
        });
    }
}

void RawHttpServer::onData(QTcpSocket *socket)
{
    QByteArray &buffer = m_buffers[socket];
    if (buffer.isNull())
        buffer = QByteArray("");
    if (buffer == "\x01") { // already answered: ignore what follows
        socket->readAll();
        return;
    }
    buffer += socket->readAll();
    const qsizetype end = buffer.indexOf("\r\n\r\n");
    if (end < 0)
        return;
    RawHttpRequest request;
    const QList<QByteArray> lines = buffer.left(end).split('\n');
    const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
    request.method = first.value(0);
    request.path = first.value(1);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            request.headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
    }
    const qsizetype length = request.header("Content-Length").toLongLong();
    if (buffer.size() < end + 4 + length)
        return;
    request.body = buffer.mid(end + 4, length);
    buffer = "\x01";
    m_requests.append(request);
    QByteArray path = request.path;
    if (const qsizetype q = path.indexOf('?'); q >= 0)
        path = path.left(q);
    const auto handler = m_routes.find(path);
    if (handler == m_routes.end()) {
        respond(socket, 404, "Not Found", "text/plain", "no route");
        return;
    }
    (*handler)(request, socket);
}

void RawHttpServer::writeHead(QTcpSocket *socket, int status, const QByteArray &reason,
                              const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QByteArray head = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason + "\r\n";
    for (const auto &h : headers)
        head += h.first + ": " + h.second + "\r\n";
    head += "\r\n";
    socket->write(head);
}

void RawHttpServer::respond(QTcpSocket *socket, int status, const QByteArray &reason, const QByteArray &contentType,
                            const QByteArray &body, const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QList<QPair<QByteArray, QByteArray>> all = headers;
    all.append(qMakePair(QByteArray("Content-Type"), contentType));
    all.append(qMakePair(QByteArray("Content-Length"), QByteArray::number(body.size())));
    all.append(qMakePair(QByteArray("Connection"), QByteArray("close")));
    writeHead(socket, status, reason, all);
    socket->write(body);
    socket->disconnectFromHost();
}

} // namespace testsupport
