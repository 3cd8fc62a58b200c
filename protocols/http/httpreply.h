#pragma once

#include <QByteArray>
#include <QList>
#include <QNetworkReply>
#include <QPointer>
#include <QSslError>
#include <QTimer>

class QTcpSocket;

namespace thingscape {

// One HTTP/1.1 exchange on its own connection, as a QNetworkReply, so that everything that
// reads replies stays as it is. Qt 6.4's QNetworkAccessManager reads a chunk size that is not
// hexadecimal ("zzzz") as 0, the end of the body, and reports success with a cut body; this
// frames the response itself and reports any error after the status line as one: a broken
// chunk size or chunk end, a Content-Length not reached, a chunked body without its last chunk.
//
// What it keeps from Qt: TLS through QSslSocket with the request's QSslConfiguration (the
// peer's name checked against the URL's host; sslErrors() emitted so the caller may ignore
// them on an explicit opt-in), the request's transfer timeout (reset by every byte), its
// redirect policy (same origin only, at most maximumRedirectsAllowed(), each one announced
// with redirected(); 303 turns into GET), the read buffer size (a fast peer waits for us), and
// Qt's error codes for 4xx / 5xx statuses.
//
// With a pool, connections are HTTP/1.1 persistent: an idempotent request goes over a kept
// connection to its origin where there is one (others always open their own), and a connection
// whose answer ended cleanly (framed by length or chunks, the peer not saying "close") goes back
// to the pool. If a kept connection turns out closed before any byte of the answer came (the
// server's idle timeout crossing our request), the request is sent once more on a new one.
// Without a pool every request says "Connection: close".
class HttpConnectionPool;

class HttpReply : public QNetworkReply
{
    Q_OBJECT

public:
    HttpReply(const QNetworkRequest &request, const QByteArray &verb, const QByteArray &body,
              QObject *parent = nullptr, HttpConnectionPool *pool = nullptr);
    ~HttpReply() override;

    void abort() override;
    qint64 bytesAvailable() const override;
    bool isSequential() const override { return true; }
    void setReadBufferSize(qint64 size) override;

    static constexpr qint64 kMaxHeaderBytes = 64 * 1024;

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    void ignoreSslErrorsImplementation(const QList<QSslError> &errors) override;

private:
    enum class Stage {
        Connecting,
        StatusLine,
        Headers,
        Body,        // Content-Length: m_remaining bytes
        BodyToClose, // neither length nor chunked: until the peer closes
        ChunkSize,
        ChunkData,
        ChunkEnd,
        Trailers,
        Done,
    };

    void connectToPeer();
    void watchSocket();
    bool idempotent() const;
    bool retryOnNewConnection(NetworkError code);
    void releaseSocket();
    void sendRequest();
    void onSocketReadable();
    void onSocketDisconnected();
    void process();
    bool takeLine(QByteArray *line, qint64 maxBytes);
    bool handleStatusLine(const QByteArray &line);
    void headersDone();
    bool followRedirect(const QString &location);
    void deliver(const QByteArray &data);
    void complete();
    void fail(NetworkError code, const QString &text);
    void closeSocket();
    void touch();
    bool paused() const;
    qint64 buffered() const { return m_buffer.size() - m_bufferOffset; }

    QByteArray m_verb;
    QByteArray m_body;
    QTcpSocket *m_socket = nullptr; // Owned (child); replaced on a redirect.
    QTimer m_timeout;
    Stage m_stage = Stage::Connecting;
    QByteArray m_in;     // read from the socket, not parsed yet
    QByteArray m_buffer; // body bytes for the reader, from m_bufferOffset on
    qsizetype m_bufferOffset = 0;
    qint64 m_remaining = 0;
    qint64 m_headerBytes = 0;
    int m_status = 0;
    QString m_reason;
    QList<QPair<QByteArray, QByteArray>> m_headers; // of the answer being read
    int m_redirects = 0;
    bool m_encrypted = false;
    bool m_peerClosed = false;
    bool m_processing = false;
    QList<QSslError> m_ignoredErrors;
    QPointer<HttpConnectionPool> m_pool;
    bool m_keptSocket = false; // this attempt went over a kept connection
    bool m_retried = false;
    bool m_peerKeepsAlive = false; // the answer being read lets the connection be kept
    int m_keepAliveMs = -1;        // how long the peer keeps it idle (< 0: not said)
};

} // namespace thingscape
