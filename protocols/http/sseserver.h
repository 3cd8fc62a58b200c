#pragma once

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QMultiHash>
#include <QObject>
#include <QSet>
#include <QTcpServer>
#include <QTimer>

class QTcpSocket;

namespace thingscape {

// A minimal Server-Sent Events endpoint on its own port: QHttpServer 6.4 cannot keep a
// response open and stream it, so Thing Descriptions point their event forms here. Shared by
// the simulator and the gateway.
class SseServer : public QObject
{
    Q_OBJECT

public:
    explicit SseServer(QObject *parent = nullptr);
    ~SseServer() override;

    // Loopback only unless an address is given.
    bool listen(quint16 port, QString *error) { return listen(QHostAddress::LocalHost, port, error); }
    bool listen(const QHostAddress &address, quint16 port, QString *error);
    quint16 port() const { return m_server.serverPort(); }

    // Paths (e.g. /things/smart-lamp/events/stateChanged) that accept subscriptions.
    void addPath(const QByteArray &path);
    bool hasSubscribers(const QByteArray &path) const { return m_subscribers.contains(path); }
    void publish(const QByteArray &path, const QByteArray &event, const QByteArray &json);
    // A GET that another server read (the gateway's HTTP server, which cannot stream) becomes a
    // subscriber of path: answered with the event-stream headers here, dropped when it closes
    // or falls behind. Not owned: the server that accepted it deletes it.
    void adopt(const QByteArray &path, QTcpSocket *socket);
    qsizetype subscriberCount() const { return m_subscribers.size(); }

private:
    void accept();
    void readRequest(QTcpSocket *socket);
    // Answers with the event-stream headers; from then on socket gets path's events.
    void subscribe(const QByteArray &path, QTcpSocket *socket);
    void drop(QTcpSocket *socket);

    QTcpServer m_server;
    QSet<QByteArray> m_paths;
    QHash<QTcpSocket *, QByteArray> m_requests;             // Not owned: children of m_server.
    QMultiHash<QByteArray, QTcpSocket *> m_subscribers;     // Not owned: children of m_server.
    QTimer m_keepAlive;
    quint64 m_nextId = 1;
};

} // namespace thingscape
