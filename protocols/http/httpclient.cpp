#include "httpclient.h"
#include "httpconnectionpool.h"
#include "httpreply.h"
#include "replywait.h"

#include "model/codecs/codecs.h"
#include "model/value.h"

#include <QAbstractSocket>
#include <QCoreApplication>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>
#include <QSet>
#include <QSslCertificate>
#include <QSslError>
#include <QSslKey>


#include <utility>

namespace thingscape {

namespace {

QString hostPortOf(const QUrl &url)
{
    const QString host = url.host().contains(QLatin1Char(':')) ? QStringLiteral("[%1]").arg(url.host()) : url.host();
    const int defaultPort = url.scheme() == QLatin1String("https") || url.scheme() == QLatin1String("wss") ? 443 : 80;
    return QStringLiteral("%1:%2").arg(host).arg(url.port(defaultPort));
}

const char kSslErrorsProperty[] = "thingscape_sslErrors";
const char kBodyCollectorName[] = "thingscape_body";

// Qt's own buffer between its HTTP thread and us: small, so a fast peer waits for us instead of
// filling memory.
constexpr qint64 kReadBufferBytes = 1024 * 1024;

// Reads a reply's body as it comes, up to the endpoint's limit (a bigger body is not read: the
// reply is aborted and the size noted), and stops a redirect loop at its first repeat.
class BodyCollector : public QObject
{
public:
    BodyCollector(QNetworkReply *reply, qint64 limit, bool stream)
        : QObject(reply)
        , m_reply(reply)
        , m_limit(limit)
    {
        setObjectName(QLatin1String(kBodyCollectorName));
        m_seen.insert(reply->request().url());
        connect(reply, &QNetworkReply::redirected, this, &BodyCollector::onRedirected);
        collecting = !stream;
        if (stream)
            return;
        connect(reply, &QNetworkReply::metaDataChanged, this, &BodyCollector::onMetaData);
        connect(reply, &QNetworkReply::readyRead, this, &BodyCollector::onReadyRead);
    }

    QByteArray body;
    qint64 received = 0;
    qint64 oversizeBytes = 0;
    bool oversizeAtLeast = false;
    QUrl loopAt;
    int redirects = 0;
    bool collecting = false;

    // The caller reads the rest itself (the answer turned out to be an event stream).
    QByteArray stop()
    {
        disconnect(m_reply, &QNetworkReply::metaDataChanged, this, nullptr);
        disconnect(m_reply, &QNetworkReply::readyRead, this, nullptr);
        collecting = false;
        return std::exchange(body, QByteArray());
    }

    // What is still in the reply, added to the body (within the limit).
    void drain()
    {
        if (m_reply->isOpen() && m_reply->bytesAvailable() > 0)
            onReadyRead();
    }

private:
    void onMetaData()
    {
        if (oversizeBytes > 0 || m_reply->operation() == QNetworkAccessManager::HeadOperation)
            return;
        const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status >= 300 && status < 400)
            return; // a redirect's own body is not read
        bool ok = false;
        const qint64 length = m_reply->header(QNetworkRequest::ContentLengthHeader).toLongLong(&ok);
        if (ok && length > m_limit) {
            oversizeBytes = length;
            m_reply->abort();
        }
    }

    void onReadyRead()
    {
        if (oversizeBytes > 0)
            return;
        const QByteArray chunk = m_reply->readAll();
        received += chunk.size();
        if (body.size() + chunk.size() > m_limit) {
            oversizeBytes = received;
            oversizeAtLeast = true;
            body = QByteArray();
            m_reply->abort();
            return;
        }
        body += chunk;
    }

    void onRedirected(const QUrl &url)
    {
        ++redirects;
        const QUrl target = m_reply->request().url().resolved(url);
        if (m_seen.contains(target) && loopAt.isEmpty()) {
            loopAt = target;
            m_reply->abort();
            return;
        }
        m_seen.insert(target);
    }

    QNetworkReply *m_reply; // Not owned: our parent.
    qint64 m_limit;
    QSet<QUrl> m_seen;
};

BodyCollector *collectorOf(const QNetworkReply *reply)
{
    // Always made by start() with the reply as parent; static_cast avoids a moc'd class here.
    return static_cast<BodyCollector *>(reply->findChild<QObject *>(QLatin1String(kBodyCollectorName),
                                                                      Qt::FindDirectChildrenOnly));
}

} // namespace

HttpResponse HttpResponse::failed(const Result &result)
{
    HttpResponse response;
    response.result = result;
    return response;
}

void ReplyDeleter::operator()(QNetworkReply *reply) const
{
    if (reply)
        reply->deleteLater();
}

HttpClient::HttpClient(const EndpointConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_pool(new HttpConnectionPool(this))
{
}

HttpClient::~HttpClient() = default;

void HttpClient::setConnectionReuse(bool on)
{
    if (on == (m_pool != nullptr))
        return;
    if (on) {
        m_pool = new HttpConnectionPool(this);
    } else {
        delete m_pool;
        m_pool = nullptr;
    }
}

QNetworkAccessManager *HttpClient::manager()
{
    if (!m_manager) {
        m_manager = new QNetworkAccessManager(this);
        m_manager->setRedirectPolicy(QNetworkRequest::SameOriginRedirectPolicy);
        // Credentials come only from the endpoint settings, never from a cache across endpoints.
        m_manager->setAutoDeleteReplies(false);
    }
    return m_manager;
}

void HttpClient::prepareSsl()
{
    if (m_ssl)
        return;
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    if (!m_config.caFile.isEmpty()) {
        QList<QSslCertificate> cas = QSslCertificate::fromPath(m_config.caFile, QSsl::Pem);
        if (cas.isEmpty())
            cas = QSslCertificate::fromPath(m_config.caFile, QSsl::Der);
        if (cas.isEmpty())
            m_sslError = tr("cannot read a CA certificate from '%1'").arg(m_config.caFile);
        ssl.addCaCertificates(cas);
    }
    if (!m_config.certFile.isEmpty()) {
        const QList<QSslCertificate> certs = QSslCertificate::fromPath(m_config.certFile, QSsl::Pem);
        QFile keyFile(m_config.keyFile.isEmpty() ? m_config.certFile : m_config.keyFile);
        if (certs.isEmpty()) {
            m_sslError = tr("cannot read a client certificate from '%1'").arg(m_config.certFile);
        } else if (!keyFile.open(QIODevice::ReadOnly)) {
            m_sslError = tr("cannot read the client key '%1': %2").arg(keyFile.fileName(), keyFile.errorString());
        } else {
            const QByteArray pem = keyFile.readAll();
            QSslKey key(pem, QSsl::Rsa, QSsl::Pem, QSsl::PrivateKey, m_config.keyPassword.toUtf8());
            if (key.isNull())
                key = QSslKey(pem, QSsl::Ec, QSsl::Pem, QSsl::PrivateKey, m_config.keyPassword.toUtf8());
            if (key.isNull())
                m_sslError = tr("cannot read the client key '%1' (wrong password?)").arg(keyFile.fileName());
            ssl.setLocalCertificate(certs.first());
            ssl.setPrivateKey(key);
        }
    }
    m_ssl = ssl;
}

QString HttpClient::configError()
{
    prepareSsl();
    return m_sslError;
}

QSslConfiguration HttpClient::sslConfiguration()
{
    prepareSsl();
    return *m_ssl;
}

bool HttpClient::sameOrigin(const QUrl &url) const
{
    const QString scheme = url.scheme().toLower();
    const QString endpointScheme = m_config.url.scheme();
    auto secureOf = [](const QString &s) { return s == QLatin1String("https") || s == QLatin1String("wss"); };
    if (secureOf(scheme) != secureOf(endpointScheme))
        return false;
    const int defaultPort = secureOf(scheme) ? 443 : 80;
    return url.host().toLower() == m_config.url.host() && url.port(defaultPort) == m_config.url.port();
}

QNetworkRequest HttpClient::makeRequest(const QUrl &url, const HttpRequestOptions &options)
{
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::SameOriginRedirectPolicy);
    request.setMaximumRedirectsAllowed(kMaxRedirects);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    request.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("thingscape/" THINGSCAPE_VERSION));
    const int timeoutMs = options.timeoutMs < 0 ? m_config.requestTimeoutMs : options.timeoutMs;
    if (timeoutMs > 0)
        request.setTransferTimeout(timeoutMs);
    if (!options.accept.isEmpty())
        request.setRawHeader("Accept", options.accept.toUtf8());
    if (!options.contentType.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, options.contentType);
    for (const auto &header : options.headers)
        request.setRawHeader(header.first, header.second);

    // Credentials only ever go to the endpoint they were given for.
    if (sameOrigin(url)) {
        HttpAuth auth = options.auth;
        if (auth == HttpAuth::Auto) {
            if (!m_config.bearerToken.isEmpty())
                auth = HttpAuth::Bearer;
            else if (!m_config.username.isEmpty())
                auth = HttpAuth::Basic;
        }
        if (auth == HttpAuth::Bearer && !m_config.bearerToken.isEmpty())
            request.setRawHeader("Authorization", "Bearer " + m_config.bearerToken.toUtf8());
        else if (auth == HttpAuth::Basic && !m_config.username.isEmpty())
            request.setRawHeader("Authorization",
                                 "Basic " + (m_config.username + QLatin1Char(':') + m_config.password).toUtf8().toBase64());
    }
    const QString scheme = url.scheme().toLower();
    if (scheme == QLatin1String("https") || scheme == QLatin1String("wss"))
        request.setSslConfiguration(sslConfiguration());
    return request;
}

ReplyPtr HttpClient::start(const QUrl &url, const HttpRequestOptions &options)
{
    const QNetworkRequest request = makeRequest(url, options);
    QNetworkReply *reply = nullptr;
    const QString scheme = url.scheme().toLower();
    if (scheme == QLatin1String("http") || scheme == QLatin1String("https"))
        // Our own HTTP/1.1 framing: Qt 6.4 takes a broken chunk size for the end of the body.
        reply = new HttpReply(request, options.verb, options.body, this, m_pool);
    else if (options.verb == "GET")
        reply = manager()->get(request);
    else if (options.verb == "HEAD")
        reply = manager()->head(request);
    else
        reply = manager()->sendCustomRequest(request, options.verb, options.body);
    reply->setReadBufferSize(kReadBufferBytes);
    new BodyCollector(reply, std::max<qint64>(1, m_config.maxMessageBytes), options.stream);
    const bool insecure = m_config.insecure;
    connect(reply, &QNetworkReply::sslErrors, reply, [reply, insecure](const QList<QSslError> &errors) {
        QStringList texts;
        for (const QSslError &error : errors)
            texts << error.errorString();
        reply->setProperty(kSslErrorsProperty, texts);
        // Only the errors of this handshake, and only on the user's explicit opt-in.
        if (insecure)
            reply->ignoreSslErrors(errors);
    });
    return ReplyPtr(reply);
}

QString HttpClient::truncated(const QByteArray &body, int maxChars)
{
    QString text = QString::fromUtf8(body).simplified();
    if (text.size() > maxChars)
        text = text.left(maxChars) + QStringLiteral("…");
    return text;
}

Result HttpClient::describeNetworkError(const QString &hostPort, int socketError, const QString &detail)
{
    switch (QAbstractSocket::SocketError(socketError)) {
    case QAbstractSocket::ConnectionRefusedError:
        return Result::failure(ErrorKind::Connection, tr("cannot connect to %1: connection refused").arg(hostPort));
    case QAbstractSocket::HostNotFoundError:
        return Result::failure(ErrorKind::Connection, tr("cannot connect to %1: unknown host").arg(hostPort));
    case QAbstractSocket::SocketTimeoutError:
        return Result::failure(ErrorKind::Timeout, tr("no answer from %1 in time").arg(hostPort));
    case QAbstractSocket::RemoteHostClosedError:
        return Result::failure(ErrorKind::Connection, tr("%1 closed the connection").arg(hostPort));
    case QAbstractSocket::SslHandshakeFailedError:
    case QAbstractSocket::SslInternalError:
    case QAbstractSocket::SslInvalidUserDataError:
        return Result::failure(ErrorKind::Tls, tr("TLS with %1 failed: %2").arg(hostPort, detail));
    case QAbstractSocket::NetworkError:
        return Result::failure(ErrorKind::Connection, tr("cannot reach %1: %2").arg(hostPort, detail));
    default:
        return Result::failure(ErrorKind::Connection, tr("%1: %2").arg(hostPort, detail));
    }
}

HttpResponse HttpClient::evaluate(QNetworkReply *reply, bool timedOut) const
{
    HttpResponse response;
    const QUrl url = reply->request().url();
    response.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    response.reason = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
    response.contentType = reply->header(QNetworkRequest::ContentTypeHeader).toString();
    response.etag = reply->rawHeader("ETag");
    response.lastModified = reply->rawHeader("Last-Modified");
    BodyCollector *collector = collectorOf(reply);
    qint64 received = 0;
    if (collector) {
        collector->drain();
        response.body = ownBytes(collector->body);
        received = collector->received;
        response.oversizeBytes = collector->oversizeBytes;
        response.oversizeAtLeast = collector->oversizeAtLeast;
    }
    if (reply->isOpen() && reply->bytesAvailable() > 0) {
        response.body += reply->readAll();
        received = response.body.size();
    }

    QString verb;
    switch (reply->operation()) {
    case QNetworkAccessManager::HeadOperation:
        verb = QStringLiteral("HEAD");
        break;
    case QNetworkAccessManager::GetOperation:
        verb = QStringLiteral("GET");
        break;
    case QNetworkAccessManager::PutOperation:
        verb = QStringLiteral("PUT");
        break;
    case QNetworkAccessManager::PostOperation:
        verb = QStringLiteral("POST");
        break;
    case QNetworkAccessManager::DeleteOperation:
        verb = QStringLiteral("DELETE");
        break;
    case QNetworkAccessManager::CustomOperation:
        verb = QString::fromLatin1(reply->request().attribute(QNetworkRequest::CustomVerbAttribute).toByteArray());
        break;
    default:
        break;
    }
    const QString request = QStringLiteral("%1 %2").arg(verb, url.toString());
    const QString hostPort = hostPortOf(url);
    const int timeoutMs = reply->request().transferTimeout();

    if (collector && !collector->loopAt.isEmpty()) {
        response.result = Result::failure(ErrorKind::Protocol, tr("%1: too many redirects (loop at %2)")
                                                                   .arg(request, collector->loopAt.toString()));
        return response;
    }
    if (reply->error() == QNetworkReply::TooManyRedirectsError) {
        response.result = Result::failure(ErrorKind::Protocol, tr("%1: too many redirects (more than %2, the last to %3)")
                                                                   .arg(request)
                                                                   .arg(kMaxRedirects)
                                                                   .arg(reply->url().toString()));
        return response;
    }
    if (response.oversizeBytes > 0) {
        const QString size = Value::sizeText(response.oversizeBytes);
        const QString limit = Value::sizeText(m_config.maxMessageBytes);
        response.result = Result::failure(
            ErrorKind::Protocol,
            response.oversizeAtLeast
                ? tr("%1: the body is over the endpoint's size limit of %2 (more than %3 arrived; not read further)")
                      .arg(request, limit, size)
                : tr("%1: the body (%2) is over the endpoint's size limit of %3 (not read)").arg(request, size, limit));
        response.body.clear();
        return response;
    }

    if (timedOut || (reply->error() == QNetworkReply::OperationCanceledError && response.status == 0)
        || reply->error() == QNetworkReply::TimeoutError) {
        response.result = Result::failure(ErrorKind::Timeout,
                                          tr("%1: no answer from %2 within %3 ms").arg(request, hostPort).arg(timeoutMs));
        return response;
    }
    if (response.status >= 400) {
        ErrorKind kind = ErrorKind::Protocol;
        if (response.status == 404 || response.status == 410)
            kind = ErrorKind::NotFound;
        else if (response.status == 401 || response.status == 403 || response.status == 407)
            kind = ErrorKind::Auth;
        QString message = tr("%1: %2 %3").arg(request).arg(response.status).arg(response.reason);
        const QString body = truncated(response.body);
        if (!body.isEmpty())
            message += QStringLiteral(": ") + body;
        if (response.status == 401 && !reply->request().hasRawHeader("Authorization"))
            message += tr(" (no credentials were sent: give a user name and password or a bearer token)");
        response.result = Result::failure(kind, message);
        return response;
    }
    if (response.status >= 300 && response.status < 400 && response.status != 304) {
        const QString location = QString::fromUtf8(reply->rawHeader("Location"));
        response.result = Result::failure(ErrorKind::Protocol,
                                          tr("%1: %2 redirect to %3 not followed (only redirects within the same origin are)")
                                              .arg(request)
                                              .arg(response.status)
                                              .arg(location));
        return response;
    }
    // After the status line: a body cut short is an error, not a shorter value.
    bool lengthOk = false;
    const qint64 length = reply->header(QNetworkRequest::ContentLengthHeader).toLongLong(&lengthOk);
    const bool bodyExpected = reply->operation() != QNetworkAccessManager::HeadOperation && response.status != 204
        && response.status != 304 && reply->rawHeader("Content-Encoding").isEmpty();
    const bool collected = collector && collector->collecting;
    if (response.status > 0 && reply->error() != QNetworkReply::NoError) {
        response.body.clear();
        if (!collected)
            response.result = Result::failure(ErrorKind::Protocol, tr("%1: the body broke off: %2")
                                                                       .arg(request, reply->errorString()));
        else if (lengthOk && bodyExpected && received < length)
            response.result = Result::failure(ErrorKind::Protocol, tr("%1: truncated body: %2 of %3 bytes (%4)")
                                                                       .arg(request)
                                                                       .arg(received)
                                                                       .arg(length)
                                                                       .arg(reply->errorString()));
        else
            response.result = Result::failure(ErrorKind::Protocol, tr("%1: the body broke off after %2 bytes: %3")
                                                                       .arg(request)
                                                                       .arg(received)
                                                                       .arg(reply->errorString()));
        return response;
    }
    if (response.status > 0 && lengthOk && bodyExpected && collected && received != length) {
        response.result = Result::failure(ErrorKind::Protocol, tr("%1: truncated body: %2 of %3 bytes")
                                                                   .arg(request)
                                                                   .arg(received)
                                                                   .arg(length));
        response.body.clear();
        return response;
    }
    if (reply->error() == QNetworkReply::NoError || response.status > 0)
        return response;

    const QStringList sslErrors = reply->property(kSslErrorsProperty).toStringList();
    switch (reply->error()) {
    case QNetworkReply::ConnectionRefusedError:
        response.result = describeNetworkError(hostPort, QAbstractSocket::ConnectionRefusedError, {});
        break;
    case QNetworkReply::HostNotFoundError:
        response.result = describeNetworkError(hostPort, QAbstractSocket::HostNotFoundError, {});
        break;
    case QNetworkReply::RemoteHostClosedError:
        response.result = describeNetworkError(hostPort, QAbstractSocket::RemoteHostClosedError, {});
        break;
    case QNetworkReply::SslHandshakeFailedError:
        response.result = describeNetworkError(hostPort, QAbstractSocket::SslHandshakeFailedError,
                                               sslErrors.isEmpty() ? reply->errorString() : sslErrors.join(QLatin1String("; ")));
        break;
    case QNetworkReply::InsecureRedirectError:
    case QNetworkReply::TooManyRedirectsError:
        response.result = Result::failure(ErrorKind::Protocol, tr("%1: %2").arg(request, reply->errorString()));
        break;
    default:
        if (!sslErrors.isEmpty())
            response.result = describeNetworkError(hostPort, QAbstractSocket::SslHandshakeFailedError,
                                                   sslErrors.join(QLatin1String("; ")));
        else
            response.result = Result::failure(ErrorKind::Connection,
                                              tr("%1: %2 (%3)").arg(request, reply->errorString(), hostPort));
        break;
    }
    return response;
}

QByteArray HttpClient::ownBytes(const QByteArray &bytes)
{
    if (bytes.size() > codecs::kEagerDecodeBytes || (bytes.isDetached() && bytes.capacity() <= bytes.size() + 64))
        return bytes;
    return QByteArray(bytes.constData(), bytes.size());
}

QByteArray HttpClient::takeBody(QNetworkReply *reply)
{
    BodyCollector *collector = collectorOf(reply);
    return collector ? collector->stop() : QByteArray();
}

QCoro::Task<HttpResponse> HttpClient::send(QUrl url, HttpRequestOptions options)
{
    if (const QString error = configError(); !error.isEmpty())
        co_return HttpResponse::failed(Result::failure(ErrorKind::Tls, error));
    const int timeoutMs = options.timeoutMs < 0 ? m_config.requestTimeoutMs : options.timeoutMs;
    ReplyPtr reply = start(url, options);
    QPointer<HttpClient> self(this);
    QPointer<QNetworkReply> guard(reply.get());
    bool finished = reply->isFinished();
    if (!finished) {
        // A little beyond the transfer timeout, so Qt's own timeout usually wins and the
        // connection is cleaned up by it.
        const std::chrono::milliseconds wait = timeoutMs > 0 ? std::chrono::milliseconds(timeoutMs + 250)
                                                             : std::chrono::milliseconds(-1);
        finished = co_await waitForReply(reply.get(), wait);
    }
    if (!self || !guard) {
        (void)reply.release();
        co_return HttpResponse::failed(Result::failure(ErrorKind::Connection, tr("the connection was closed")));
    }
    if (!finished) {
        reply->disconnect();
        reply->abort();
    }
    co_return evaluate(reply.get(), !finished);
}

} // namespace thingscape
