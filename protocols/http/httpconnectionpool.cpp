#include "httpconnectionpool.h"

#include <QTcpSocket>

#include <algorithm>
#include <limits>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#include <cerrno>
#endif

namespace thingscape {

namespace {

// Whether the kernel holds nothing for an idle connection: no close (FIN) and no bytes that our
// event loop has not seen yet. Spares a request (and its retry) on a connection already closed.
bool kernelQuiet(const QTcpSocket *socket)
{
#ifdef Q_OS_UNIX
    const qintptr fd = socket->socketDescriptor();
    if (fd < 0)
        return false;
    char byte = 0;
    const ssize_t n = ::recv(int(fd), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
#else
    Q_UNUSED(socket);
    return true;
#endif
}

} // namespace

HttpConnectionPool::HttpConnectionPool(QObject *parent)
    : QObject(parent)
    , m_sweep(this) // moves with us when the client moves to the I/O thread
{
    m_clock.start();
    m_sweep.setSingleShot(true);
    connect(&m_sweep, &QTimer::timeout, this, &HttpConnectionPool::sweep);
}

HttpConnectionPool::~HttpConnectionPool()
{
    for (const QList<Idle> &list : std::as_const(m_idle)) {
        for (const Idle &idle : list) {
            idle.socket->disconnect(this);
            idle.socket->abort();
        }
    }
}

QString HttpConnectionPool::originOf(const QUrl &url)
{
    const QString scheme = url.scheme().toLower();
    const bool tls = scheme == QLatin1String("https") || scheme == QLatin1String("wss");
    return QStringLiteral("%1://%2:%3").arg(tls ? QStringLiteral("https") : QStringLiteral("http"),
                                            url.host().toLower())
        .arg(url.port(tls ? 443 : 80));
}

QTcpSocket *HttpConnectionPool::take(const QUrl &url, QObject *newOwner)
{
    const auto it = m_idle.find(originOf(url));
    if (it == m_idle.end())
        return nullptr;
    QTcpSocket *found = nullptr;
    while (!it->isEmpty() && !found) {
        QTcpSocket *socket = it->takeLast().socket;
        socket->disconnect(this);
        // Closed meanwhile, or saying something unasked (a close notice, garbage): not usable.
        if (socket->state() == QAbstractSocket::ConnectedState && socket->bytesAvailable() == 0 && kernelQuiet(socket)) {
            found = socket;
        } else {
            socket->abort();
            socket->deleteLater();
        }
    }
    if (it->isEmpty())
        m_idle.erase(it);
    if (found) {
        found->setParent(newOwner);
        ++m_reused;
    }
    return found;
}

void HttpConnectionPool::put(const QUrl &url, QTcpSocket *socket, int idleMs)
{
    const int keepMs = idleMs < 0 ? m_idleTimeoutMs : std::min(idleMs, m_idleTimeoutMs);
    if (keepMs <= 0 || socket->state() != QAbstractSocket::ConnectedState || socket->bytesAvailable() > 0) {
        socket->abort();
        socket->deleteLater();
        return;
    }
    socket->setParent(this);
    QList<Idle> &list = m_idle[originOf(url)];
    list.append(Idle{socket, m_clock.elapsed() + keepMs});
    while (list.size() > kMaxIdlePerOrigin) {
        QTcpSocket *oldest = list.takeFirst().socket;
        oldest->disconnect(this);
        oldest->abort();
        oldest->deleteLater();
    }
    // Anything from an idle connection ends it: the peer closed it, or broke the protocol.
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { drop(socket); });
    connect(socket, &QTcpSocket::disconnected, this, [this, socket] { drop(socket); });
    connect(socket, &QTcpSocket::errorOccurred, this, [this, socket] { drop(socket); });
    schedule();
}

int HttpConnectionPool::idleCount() const
{
    int n = 0;
    for (const QList<Idle> &list : m_idle)
        n += int(list.size());
    return n;
}

void HttpConnectionPool::drop(QTcpSocket *socket)
{
    for (auto it = m_idle.begin(); it != m_idle.end(); ++it) {
        const auto at = std::find_if(it->begin(), it->end(), [socket](const Idle &idle) { return idle.socket == socket; });
        if (at == it->end())
            continue;
        it->erase(at);
        if (it->isEmpty())
            m_idle.erase(it);
        socket->disconnect(this);
        socket->abort();
        socket->deleteLater();
        return;
    }
}

void HttpConnectionPool::sweep()
{
    const qint64 now = m_clock.elapsed();
    QList<QTcpSocket *> expired;
    for (const QList<Idle> &list : std::as_const(m_idle)) {
        for (const Idle &idle : list) {
            if (idle.deadline <= now)
                expired.append(idle.socket);
        }
    }
    for (QTcpSocket *socket : std::as_const(expired))
        drop(socket);
    schedule();
}

void HttpConnectionPool::schedule()
{
    qint64 next = std::numeric_limits<qint64>::max();
    for (const QList<Idle> &list : std::as_const(m_idle)) {
        for (const Idle &idle : list)
            next = std::min(next, idle.deadline);
    }
    if (next == std::numeric_limits<qint64>::max()) {
        m_sweep.stop();
        return;
    }
    m_sweep.start(int(std::clamp<qint64>(next - m_clock.elapsed(), 0, std::numeric_limits<int>::max())));
}

} // namespace thingscape
