#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>
#include <QUrl>

class QTcpSocket;

namespace thingscape {

// The idle HTTP/1.1 connections of one client (one endpoint), kept for the next request to the
// same origin (scheme, host, port): at most kMaxIdlePerOrigin each, closed after an idle timeout
// (the client's, or shorter where the server's Keep-Alive header says so). A kept connection the
// peer closes, or that says anything while idle, is dropped at once. Lives on the client's
// thread; the sockets it holds are its children.
class HttpConnectionPool : public QObject
{
    Q_OBJECT

public:
    static constexpr int kMaxIdlePerOrigin = 6;
    static constexpr int kDefaultIdleTimeoutMs = 30000;

    explicit HttpConnectionPool(QObject *parent = nullptr);
    ~HttpConnectionPool() override;

    static QString originOf(const QUrl &url);

    // The most recently kept connection to url's origin that still looks open, handed to
    // newOwner (its parent); nullptr when there is none.
    QTcpSocket *take(const QUrl &url, QObject *newOwner);
    // Keeps a connection whose last exchange ended cleanly, for idleMs at most (< 0: the
    // pool's timeout). The caller has disconnected its own slots.
    void put(const QUrl &url, QTcpSocket *socket, int idleMs = -1);

    void setIdleTimeoutMs(int ms) { m_idleTimeoutMs = ms; }
    int idleTimeoutMs() const { return m_idleTimeoutMs; }
    int idleCount() const;
    // Connections opened by replies of this pool's client, and requests that went over a
    // kept one (for benches and tests).
    quint64 opened() const { return m_opened; }
    quint64 reused() const { return m_reused; }
    void noteOpened() { ++m_opened; }

private:
    struct Idle
    {
        QTcpSocket *socket; // Owned (child).
        qint64 deadline;    // on m_clock
    };

    void drop(QTcpSocket *socket);
    void sweep();
    void schedule();

    QHash<QString, QList<Idle>> m_idle; // oldest first
    QElapsedTimer m_clock;
    QTimer m_sweep;
    int m_idleTimeoutMs = kDefaultIdleTimeoutMs;
    quint64 m_opened = 0;
    quint64 m_reused = 0;
};

} // namespace thingscape
