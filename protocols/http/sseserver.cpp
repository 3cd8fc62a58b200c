#include "sseserver.h"

#include <QTcpSocket>

namespace thingscape {

namespace {

constexpr qsizetype kMaxRequest = 16 * 1024;
// A slow reader is dropped rather than buffered without bound.
constexpr qint64 kMaxBacklog = 4 * 1024 * 1024;

} // namespace

SseServer::SseServer(QObject *parent)
    : QObject(parent)
{
    connect(&m_server, &QTcpServer::newConnection, this, &SseServer::accept);
    // Comments keep proxies and idle timeouts from closing a quiet stream.
    m_keepAlive.setInterval(15000);
    connect(&m_keepAlive, &QTimer::timeout, this, [this] {
        for (QTcpSocket *socket : std::as_const(m_subscribers))
            socket->write(": keep-alive\n\n");
    });
}

SseServer::~SseServer()
{
    for (QTcpSocket *socket : m_server.findChildren<QTcpSocket *>())
        disconnect(socket, nullptr, this, nullptr);
}

bool SseServer::listen(const QHostAddress &address, quint16 port, QString *error)
{
    if (!m_server.listen(address, port)) {
        *error = QStringLiteral("cannot listen for SSE on %1:%2: %3")
                     .arg(address.toString())
                     .arg(port)
                     .arg(m_server.errorString());
        return false;
    }
    m_keepAlive.start();
    return true;
}

void SseServer::addPath(const QByteArray &path)
{
    m_paths.insert(path);
}

void SseServer::accept()
{
    while (QTcpSocket *socket = m_server.nextPendingConnection()) {
        m_requests.insert(socket, {});
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { readRequest(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] { drop(socket); });
    }
}

void SseServer::readRequest(QTcpSocket *socket)
{
    const auto it = m_requests.find(socket);
    if (it == m_requests.end()) {
        socket->readAll();   // A subscriber has nothing more to say.
        return;
    }
    it->append(socket->readAll());
    const qsizetype end = it->indexOf("\r\n\r\n");
    if (end < 0) {
        if (it->size() > kMaxRequest)
            drop(socket);
        return;
    }
    const QByteArray request = *it;
    m_requests.erase(it);
    const QList<QByteArray> requestLine = request.left(request.indexOf("\r\n")).split(' ');
    QByteArray path = requestLine.value(1);
    path = path.left(path.indexOf('?') >= 0 ? path.indexOf('?') : path.size());
    if (requestLine.value(0) != "GET" || !m_paths.contains(path)) {
        const QByteArray body = "no such event stream\n";
        socket->write("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: " +
                      QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
        socket->disconnectFromHost();
        return;
    }
    subscribe(path, socket);
}

void SseServer::adopt(const QByteArray &path, QTcpSocket *socket)
{
    connect(socket, &QTcpSocket::disconnected, this, [this, socket] { drop(socket); });
    connect(socket, &QObject::destroyed, this, [this, socket, path] { m_subscribers.remove(path, socket); });
    subscribe(path, socket);
}

void SseServer::subscribe(const QByteArray &path, QTcpSocket *socket)
{
    socket->write("HTTP/1.1 200 OK\r\n"
                  "Content-Type: text/event-stream\r\n"
                  "Cache-Control: no-cache\r\n"
                  "Connection: keep-alive\r\n"
                  "Access-Control-Allow-Origin: *\r\n"
                  "\r\n"
                  "retry: 2000\n\n");
    m_subscribers.insert(path, socket);
    // Adopted streams come without listen(): the keep-alives start with the first of them.
    if (!m_keepAlive.isActive())
        m_keepAlive.start();
}

void SseServer::publish(const QByteArray &path, const QByteArray &event, const QByteArray &json)
{
    const QList<QTcpSocket *> sockets = m_subscribers.values(path);
    if (sockets.isEmpty())
        return;
    const QByteArray message =
        "id: " + QByteArray::number(m_nextId++) + "\nevent: " + event + "\ndata: " + json + "\n\n";
    for (QTcpSocket *socket : sockets) {
        if (socket->bytesToWrite() > kMaxBacklog) {
            drop(socket);
            socket->abort();
            continue;
        }
        socket->write(message);
        // Out now, while the kernel takes it: a thousand subscribers otherwise cost a thousand
        // write notifiers switched on and off on the next turn of the event loop.
        socket->flush();
    }
}

void SseServer::drop(QTcpSocket *socket)
{
    m_requests.remove(socket);
    for (auto it = m_subscribers.begin(); it != m_subscribers.end();) {
        if (it.value() == socket)
            it = m_subscribers.erase(it);
        else
            ++it;
    }
    disconnect(socket, nullptr, this, nullptr);
    socket->deleteLater();
}

} // namespace thingscape
