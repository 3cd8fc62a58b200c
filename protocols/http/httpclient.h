#pragma once

#include "model/endpointconfig.h"
#include "protocols/connector.h"

#include <QCoro/QCoroTask>
#include <QNetworkRequest>
#include <QObject>
#include <QSslConfiguration>
#include <QUrl>

#include <memory>
#include <optional>

class QNetworkAccessManager;
class QNetworkReply;

namespace thingscape {

class HttpConnectionPool;

// Which credentials go with a request.
enum class HttpAuth {
    Auto,   // bearer token if one is set, else basic if a user name is set
    None,
    Basic,
    Bearer,
};

struct HttpRequestOptions
{
    QByteArray verb = QByteArrayLiteral("GET");
    QByteArray body;
    QString accept;
    QString contentType;
    QList<QPair<QByteArray, QByteArray>> headers;
    HttpAuth auth = HttpAuth::Auto;
    int timeoutMs = -1; // -1: the endpoint's request timeout; 0: none
    // The caller reads the body as it comes (event streams): no body limit, no collecting.
    bool stream = false;
};

struct HttpResponse
{
    Result result;
    int status = 0;
    QString reason;
    QByteArray body;
    QString contentType;
    QByteArray etag;
    QByteArray lastModified;
    // > 0: the body was over the endpoint's limit (this many bytes, or at least this many when
    // oversizeAtLeast) and was not read; result says so.
    qint64 oversizeBytes = 0;
    bool oversizeAtLeast = false;

    static HttpResponse failed(const Result &result);
};

struct ReplyDeleter
{
    void operator()(QNetworkReply *reply) const;
};
using ReplyPtr = std::unique_ptr<QNetworkReply, ReplyDeleter>;

// Builds and sends the requests of one endpoint: credentials, TLS (CA file, insecure opt-in),
// same-origin redirects (at most kMaxRedirects, loops refused), timeouts, the endpoint's body
// size limit (a bigger body is not read), and the mapping of failures to ErrorKind with a
// message. A body cut short (Content-Length not reached, a broken chunk) is an error.
// The QNetworkAccessManager is made on first use, on the thread the client then lives on.
class HttpClient : public QObject
{
    Q_OBJECT

public:
    explicit HttpClient(const EndpointConfig &config, QObject *parent = nullptr);
    ~HttpClient() override;

    const EndpointConfig &config() const { return m_config; }
    // Why the TLS settings cannot be used (unreadable CA file), or empty.
    QString configError();

    QNetworkRequest makeRequest(const QUrl &url, const HttpRequestOptions &options);
    // Starts a request; read it as it comes, then hand it to evaluate().
    ReplyPtr start(const QUrl &url, const HttpRequestOptions &options);
    // Stops collecting a reply's body and returns what was collected: the caller reads on
    // (an answer that turned out to be an event stream).
    static QByteArray takeBody(QNetworkReply *reply);
    // The outcome of a finished (or aborted, timedOut) reply.
    HttpResponse evaluate(QNetworkReply *reply, bool timedOut = false) const;
    // Sends and waits for the whole answer (at most the request's timeout).
    QCoro::Task<HttpResponse> send(QUrl url, HttpRequestOptions options);

    // The failure message for a refused / unreachable / TLS problem on host:port.
    static Result describeNetworkError(const QString &hostPort, int socketError, const QString &detail);
    static QString truncated(const QByteArray &body, int maxChars = 200);
    // A payload of its own, not a slice of a bigger buffer it would keep alive (a reply's
    // chunk, a parser's grown line): a value held in a pending batch or the store keeps only
    // its bytes. Large payloads are returned as they are.
    static QByteArray ownBytes(const QByteArray &bytes);
    static constexpr int kMaxRedirects = 10;
    // Adds the endpoint's TLS settings (CA, client certificate) to a configuration.
    QSslConfiguration sslConfiguration();
    bool sameOrigin(const QUrl &url) const;

    // HTTP/1.1 persistent connections, kept per origin (on by default). Off: every request
    // opens its own connection and says "Connection: close" (benches compare the two).
    void setConnectionReuse(bool on);
    // The kept connections (nullptr when reuse is off).
    HttpConnectionPool *connectionPool() const { return m_pool; }

private:
    QNetworkAccessManager *manager();
    void prepareSsl();

    EndpointConfig m_config;
    QNetworkAccessManager *m_manager = nullptr; // Owned (child), made on first use.
    HttpConnectionPool *m_pool = nullptr;       // Owned (child).
    std::optional<QSslConfiguration> m_ssl;
    QString m_sslError;
};

} // namespace thingscape
