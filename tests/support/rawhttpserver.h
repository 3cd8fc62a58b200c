#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPair>
#include <QTcpServer>

#include <functional>

class QTcpSocket;

namespace testsupport {

struct RawHttpRequest
{
    QByteArray method;
    QByteArray path; // with the query
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    QByteArray header(const QByteArray &name) const; // case-insensitive, empty when absent
};

// A tiny HTTP/1.1 server for what QHttpServer 6.4 cannot do: answers that stream (server-sent
// events), that are held back (long polling) or that never come (timeouts). One request per
// connection; the handler owns the answer and may write to the socket at any time.
class RawHttpServer : public QObject
{
    Q_OBJECT

public:
    using Handler = std::function<void(const RawHttpRequest &request, QTcpSocket *socket)>;

    explicit RawHttpServer(QObject *parent = nullptr);
    ~RawHttpServer() override;

    bool listen();
    quint16 port() const;
    void route(const QByteArray &path, Handler handler);
    const QList<RawHttpRequest> &requests() const { return m_requests; }
    QList<RawHttpRequest> requestsFor(const QByteArray &path) const;

    static void writeHead(QTcpSocket *socket, int status, const QByteArray &reason,
                          const QList<QPair<QByteArray, QByteArray>> &headers);
    // A complete answer, then the connection is closed.
    static void respond(QTcpSocket *socket, int status, const QByteArray &reason, const QByteArray &contentType,
                        const QByteArray &body, const QList<QPair<QByteArray, QByteArray>> &headers = {});

private:
    void onConnection();
    void onData(QTcpSocket *socket);

    QTcpServer m_server;
    QHash<QByteArray, Handler> m_routes;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QList<RawHttpRequest> m_requests;
};

} // namespace testsupport
