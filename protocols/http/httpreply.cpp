#include "httpreply.h"
#include "httpconnectionpool.h"

#include <QNetworkAccessManager>
#include <QSslSocket>
#include <QTcpSocket>

#include <algorithm>

namespace thingscape {

namespace {

constexpr qint64 kReadSlice = 256 * 1024;
constexpr qint64 kMaxLineBytes = 16 * 1024;

bool isTls(const QUrl &url)
{
    const QString scheme = url.scheme().toLower();
    return scheme == QLatin1String("https") || scheme == QLatin1String("wss");
}

int portOf(const QUrl &url)
{
    return url.port(isTls(url) ? 443 : 80);
}

bool sameOrigin(const QUrl &a, const QUrl &b)
{
    return isTls(a) == isTls(b) && a.host().compare(b.host(), Qt::CaseInsensitive) == 0 && portOf(a) == portOf(b);
}

// Qt's own mapping of an error status to an error code (QNetworkReplyHttpImpl), so that callers
// see the same codes as before.
QNetworkReply::NetworkError errorForStatus(int status)
{
    switch (status) {
    case 400:
    case 418:
        return QNetworkReply::ProtocolInvalidOperationError;
    case 401:
        return QNetworkReply::AuthenticationRequiredError;
    case 403:
        return QNetworkReply::ContentAccessDenied;
    case 404:
        return QNetworkReply::ContentNotFoundError;
    case 405:
        return QNetworkReply::ContentOperationNotPermittedError;
    case 407:
        return QNetworkReply::ProxyAuthenticationRequiredError;
    case 409:
        return QNetworkReply::ContentConflictError;
    case 410:
        return QNetworkReply::ContentGoneError;
    case 500:
        return QNetworkReply::InternalServerError;
    case 501:
        return QNetworkReply::OperationNotImplementedError;
    case 503:
        return QNetworkReply::ServiceUnavailableError;
    default:
        return status > 500 ? QNetworkReply::UnknownServerError : QNetworkReply::UnknownContentError;
    }
}

QNetworkAccessManager::Operation operationFor(const QByteArray &verb)
{
    if (verb == "GET")
        return QNetworkAccessManager::GetOperation;
    if (verb == "HEAD")
        return QNetworkAccessManager::HeadOperation;
    return QNetworkAccessManager::CustomOperation;
}

// A chunk size: hexadecimal digits, then optional extensions after ';'. Anything else is not
// a chunk size (Qt 6.4 reads it as 0 and ends the body).
bool parseChunkSize(QByteArray line, qint64 *size)
{
    const qsizetype semicolon = line.indexOf(';');
    if (semicolon >= 0)
        line.truncate(semicolon);
    line = line.trimmed();
    if (line.isEmpty())
        return false;
    qsizetype zeros = 0;
    while (zeros + 1 < line.size() && line.at(zeros) == '0')
        ++zeros;
    line.remove(0, zeros);
    if (line.size() > 15) // 2^60 bytes: no body is that long
        return false;
    qint64 value = 0;
    for (const char c : std::as_const(line)) {
        int digit = -1;
        if (c >= '0' && c <= '9')
            digit = c - '0';
        else if (c >= 'a' && c <= 'f')
            digit = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            digit = c - 'A' + 10;
        if (digit < 0)
            return false;
        value = value * 16 + digit;
    }
    *size = value;
    return true;
}

} // namespace

HttpReply::HttpReply(const QNetworkRequest &request, const QByteArray &verb, const QByteArray &body, QObject *parent,
                     HttpConnectionPool *pool)
    : QNetworkReply(parent)
    , m_verb(verb)
    , m_body(body)
    , m_pool(pool)
{
    QNetworkRequest stored = request;
    const QNetworkAccessManager::Operation operation = operationFor(verb);
    if (operation == QNetworkAccessManager::CustomOperation)
        stored.setAttribute(QNetworkRequest::CustomVerbAttribute, verb);
    setRequest(stored);
    setUrl(request.url());
    setOperation(operation);
    open(QIODevice::ReadOnly | QIODevice::Unbuffered);
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, [this] {
        // As Qt's transfer timeout does it.
        fail(OperationCanceledError, tr("Operation canceled"));
    });
    // Started from the event loop, as Qt's replies are: the caller connects its slots first.
    QMetaObject::invokeMethod(this, &HttpReply::connectToPeer, Qt::QueuedConnection);
}

HttpReply::~HttpReply()
{
    closeSocket();
}

void HttpReply::connectToPeer()
{
    if (m_stage == Stage::Done)
        return;
    const QUrl target = url();
    m_stage = Stage::Connecting;
    m_in.clear();
    m_headerBytes = 0;
    m_status = 0;
    m_peerClosed = false;
    m_peerKeepsAlive = false;
    m_keepAliveMs = -1;
    // A request that must not go twice never takes a kept connection: it could be the one the
    // server is closing just now, and then we could not tell whether the request arrived.
    if (m_pool && !m_retried && idempotent()) {
        if (QTcpSocket *kept = m_pool->take(target, this)) {
            m_socket = kept;
            m_keptSocket = true;
            if (auto *ssl = qobject_cast<QSslSocket *>(m_socket))
                m_encrypted = ssl->isEncrypted();
            m_socket->setReadBufferSize(std::max<qint64>(readBufferSize(), 0));
            watchSocket();
            touch();
            sendRequest();
            return;
        }
    }
    m_keptSocket = false;
    if (m_pool)
        m_pool->noteOpened();
    if (isTls(target)) {
        auto *ssl = new QSslSocket(this);
        ssl->setSslConfiguration(request().sslConfiguration());
        connect(ssl, &QSslSocket::sslErrors, this, [this, ssl](const QList<QSslError> &errors) {
            Q_EMIT sslErrors(errors);
            // Only the errors the caller listed (the user's explicit opt-in); there is no
            // ignore-everything (the list-less overload of QNetworkReply is left a no-op).
            if (!m_ignoredErrors.isEmpty())
                ssl->ignoreSslErrors(m_ignoredErrors);
        });
        connect(ssl, &QSslSocket::encrypted, this, [this] {
            m_encrypted = true;
            sendRequest();
        });
        m_socket = ssl;
    } else {
        m_socket = new QTcpSocket(this);
        connect(m_socket, &QTcpSocket::connected, this, &HttpReply::sendRequest);
    }
    // A fast peer waits for us: what we do not take stays in the kernel.
    m_socket->setReadBufferSize(std::max<qint64>(readBufferSize(), 0));
    watchSocket();
    touch();
    if (auto *ssl = qobject_cast<QSslSocket *>(m_socket))
        ssl->connectToHostEncrypted(target.host(), quint16(portOf(target)));
    else
        m_socket->connectToHost(target.host(), quint16(portOf(target)));
}

void HttpReply::watchSocket()
{
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpReply::onSocketReadable);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &HttpReply::touch);
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpReply::onSocketDisconnected);
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        if (m_stage == Stage::Done || !m_socket)
            return;
        NetworkError code = UnknownNetworkError;
        switch (error) {
        case QAbstractSocket::RemoteHostClosedError:
            onSocketDisconnected();
            return;
        case QAbstractSocket::ConnectionRefusedError:
            code = ConnectionRefusedError;
            break;
        case QAbstractSocket::HostNotFoundError:
            code = HostNotFoundError;
            break;
        case QAbstractSocket::SocketTimeoutError:
            code = TimeoutError;
            break;
        case QAbstractSocket::SslHandshakeFailedError:
        case QAbstractSocket::SslInternalError:
        case QAbstractSocket::SslInvalidUserDataError:
            code = SslHandshakeFailedError;
            break;
        default:
            break;
        }
        fail(code, m_socket->errorString());
    });
}

bool HttpReply::idempotent() const
{
    return m_verb == "GET" || m_verb == "HEAD" || m_verb == "PUT" || m_verb == "DELETE" || m_verb == "OPTIONS";
}

bool HttpReply::retryOnNewConnection(NetworkError code)
{
    // Only a kept connection that failed before any byte of the answer: the server closed it
    // while idle. Anything later (or a timeout, an abort) is the request's own failure.
    const bool nothingYet = (m_stage == Stage::Connecting || m_stage == Stage::StatusLine) && m_in.isEmpty()
        && m_headerBytes == 0;
    if (!m_keptSocket || m_retried || !nothingYet || code == OperationCanceledError || !idempotent())
        return false;
    m_retried = true;
    m_keptSocket = false;
    closeSocket();
    m_stage = Stage::Connecting;
    QMetaObject::invokeMethod(this, &HttpReply::connectToPeer, Qt::QueuedConnection);
    return true;
}

void HttpReply::releaseSocket()
{
    const bool reusable = m_pool && m_socket && m_peerKeepsAlive && !m_peerClosed && m_in.isEmpty()
        && m_socket->state() == QAbstractSocket::ConnectedState && m_socket->bytesAvailable() == 0
        && m_socket->bytesToWrite() == 0;
    if (!reusable) {
        closeSocket();
        return;
    }
    QTcpSocket *socket = std::exchange(m_socket, nullptr);
    socket->disconnect(this);
    m_pool->put(url(), socket, m_keepAliveMs);
}

void HttpReply::sendRequest()
{
    if (m_stage != Stage::Connecting || !m_socket)
        return;
    const QUrl target = url();
    QByteArray path = target.path(QUrl::FullyEncoded).toLatin1();
    if (path.isEmpty())
        path = "/";
    if (target.hasQuery())
        path += '?' + target.query(QUrl::FullyEncoded).toLatin1();
    QByteArray host = target.host(QUrl::FullyEncoded).toLatin1();
    if (host.contains(':'))
        host = '[' + host + ']';
    if (target.port() >= 0 && target.port() != (isTls(target) ? 443 : 80))
        host += ':' + QByteArray::number(target.port());

    QByteArray head = m_verb + ' ' + path + " HTTP/1.1\r\nHost: " + host + "\r\n";
    const QNetworkRequest req = request();
    for (const QByteArray &name : req.rawHeaderList()) {
        const QByteArray lower = name.toLower();
        if (lower == "host" || lower == "connection" || lower == "content-length")
            continue;
        head += name + ": " + req.rawHeader(name) + "\r\n";
    }
    if (!m_body.isEmpty() || (m_verb != "GET" && m_verb != "HEAD" && m_verb != "DELETE" && m_verb != "OPTIONS"))
        head += "Content-Length: " + QByteArray::number(m_body.size()) + "\r\n";
    head += m_pool ? QByteArray("\r\n") : QByteArray("Connection: close\r\n\r\n");
    m_socket->write(head);
    if (!m_body.isEmpty())
        m_socket->write(m_body);
    m_stage = Stage::StatusLine;
    touch();
    process();
}

void HttpReply::onSocketReadable()
{
    touch();
    process();
}

void HttpReply::onSocketDisconnected()
{
    m_peerClosed = true;
    process();
}

void HttpReply::touch()
{
    const int ms = request().transferTimeout();
    if (ms > 0 && m_stage != Stage::Done)
        m_timeout.start(ms);
}

bool HttpReply::paused() const
{
    return readBufferSize() > 0 && buffered() >= readBufferSize();
}

bool HttpReply::takeLine(QByteArray *line, qint64 maxBytes)
{
    for (;;) {
        const qsizetype end = m_in.indexOf('\n');
        if (end >= 0) {
            *line = m_in.left(end);
            if (line->endsWith('\r'))
                line->chop(1);
            m_in.remove(0, end + 1);
            return true;
        }
        if (m_in.size() > maxBytes) {
            fail(ProtocolFailure, tr("a line of the response is longer than %1 bytes").arg(maxBytes));
            return false;
        }
        if (!m_socket || m_socket->bytesAvailable() <= 0)
            return false;
        m_in += m_socket->read(std::min<qint64>(m_socket->bytesAvailable(), kReadSlice));
    }
}

void HttpReply::process()
{
    if (m_processing)
        return;
    m_processing = true;
    while (m_stage != Stage::Done && m_stage != Stage::Connecting && !isFinished()) {
        const bool inBody = m_stage == Stage::Body || m_stage == Stage::BodyToClose || m_stage == Stage::ChunkData;
        if (inBody && paused())
            break;
        if (m_in.isEmpty() && m_socket && m_socket->bytesAvailable() > 0)
            m_in = m_socket->read(std::min<qint64>(m_socket->bytesAvailable(), kReadSlice));
        if (m_in.isEmpty()) {
            if (!m_peerClosed || (m_socket && m_socket->bytesAvailable() > 0))
                break;
            // The peer closed and everything it sent is read: only a body that ends with the
            // connection (or the trailers of a complete chunked one) ends well here.
            if (m_stage == Stage::BodyToClose || m_stage == Stage::Trailers)
                complete();
            else
                fail(RemoteHostClosedError, tr("Connection closed"));
            break;
        }
        QByteArray line;
        switch (m_stage) {
        case Stage::StatusLine:
            if (!takeLine(&line, kMaxLineBytes))
                break;
            m_headerBytes += line.size() + 2;
            if (!handleStatusLine(line))
                break;
            m_stage = Stage::Headers;
            m_headers.clear();
            continue;
        case Stage::Headers: {
            if (!takeLine(&line, kMaxLineBytes))
                break;
            m_headerBytes += line.size() + 2;
            if (m_headerBytes > kMaxHeaderBytes) {
                fail(ProtocolFailure, tr("the response headers are longer than %1 bytes").arg(kMaxHeaderBytes));
                break;
            }
            if (line.isEmpty()) {
                headersDone();
                continue;
            }
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0) {
                fail(ProtocolFailure, tr("malformed header line '%1'").arg(QString::fromLatin1(line.left(80))));
                break;
            }
            m_headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
            continue;
        }
        case Stage::Body:
        case Stage::ChunkData: {
            const qint64 take = std::min<qint64>(m_remaining, m_in.size());
            const QByteArray data = m_in.left(take);
            m_in.remove(0, take);
            m_remaining -= take;
            const bool chunked = m_stage == Stage::ChunkData;
            const bool last = m_remaining == 0;
            if (last && chunked)
                m_stage = Stage::ChunkEnd;
            deliver(data);
            if (last && !chunked)
                complete();
            continue;
        }
        case Stage::BodyToClose: {
            const QByteArray data = std::exchange(m_in, QByteArray());
            deliver(data);
            continue;
        }
        case Stage::ChunkSize: {
            if (!takeLine(&line, kMaxLineBytes))
                break;
            qint64 size = 0;
            if (!parseChunkSize(line, &size)) {
                fail(ProtocolFailure, tr("invalid chunk size '%1'").arg(QString::fromLatin1(line.left(40))));
                break;
            }
            m_remaining = size;
            m_stage = size == 0 ? Stage::Trailers : Stage::ChunkData;
            continue;
        }
        case Stage::ChunkEnd:
            while (m_in.size() < 2 && m_socket && m_socket->bytesAvailable() > 0)
                m_in += m_socket->read(std::min<qint64>(m_socket->bytesAvailable(), kReadSlice));
            if (m_in.size() < 2) {
                if (m_in != "\r")
                    fail(ProtocolFailure, tr("a chunk does not end where its size says"));
                break;
            }
            if (!m_in.startsWith("\r\n")) {
                fail(ProtocolFailure, tr("a chunk does not end where its size says"));
                break;
            }
            m_in.remove(0, 2);
            m_stage = Stage::ChunkSize;
            continue;
        case Stage::Trailers:
            if (!takeLine(&line, kMaxLineBytes))
                break;
            m_headerBytes += line.size() + 2;
            if (m_headerBytes > kMaxHeaderBytes) {
                fail(ProtocolFailure, tr("the response trailers are longer than %1 bytes").arg(kMaxHeaderBytes));
                break;
            }
            if (line.isEmpty())
                complete();
            continue;
        case Stage::Connecting:
        case Stage::Done:
            break;
        }
        // A partial line (or a failure): wait for more, unless no more can come.
        if (!isFinished() && m_peerClosed && (!m_socket || m_socket->bytesAvailable() <= 0)) {
            if (m_stage == Stage::Trailers)
                complete();
            else
                fail(RemoteHostClosedError, tr("Connection closed"));
        }
        break;
    }
    m_processing = false;
}

bool HttpReply::handleStatusLine(const QByteArray &line)
{
    // HTTP/1.1 200 OK
    const QList<QByteArray> parts = line.split(' ');
    bool ok = false;
    const int status = parts.size() >= 2 ? parts.at(1).toInt(&ok) : 0;
    if (!line.startsWith("HTTP/1.") || !ok || parts.at(1).size() != 3 || status < 100) {
        fail(ProtocolFailure, tr("not an HTTP response: '%1'").arg(QString::fromLatin1(line.left(80))));
        return false;
    }
    m_status = status;
    m_peerKeepsAlive = line.startsWith("HTTP/1.1"); // 1.0 keeps it only when it says so
    const qsizetype reasonAt = line.indexOf(' ', line.indexOf(' ') + 1);
    m_reason = reasonAt > 0 ? QString::fromLatin1(line.mid(reasonAt + 1)) : QString();
    return true;
}

void HttpReply::headersDone()
{
    auto header = [this](const QByteArray &name) {
        QByteArray value;
        for (const auto &[key, v] : std::as_const(m_headers)) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                value = value.isEmpty() ? v : value + ", " + v;
        }
        return value;
    };
    if (m_status >= 100 && m_status < 200) {
        // 100 Continue and friends: the real answer follows.
        m_stage = Stage::StatusLine;
        m_status = 0;
        return;
    }
    const bool redirect = m_status == 301 || m_status == 302 || m_status == 303 || m_status == 307 || m_status == 308;
    if (redirect && !header("Location").isEmpty() && followRedirect(QString::fromUtf8(header("Location"))))
        return;

    // The final answer: its status and headers become the reply's.
    const QList<QByteArray> connection = header("Connection").toLower().split(',');
    for (const QByteArray &option : connection) {
        if (option.trimmed() == "close")
            m_peerKeepsAlive = false;
        else if (option.trimmed() == "keep-alive")
            m_peerKeepsAlive = true;
    }
    for (const QByteArray &parameter : header("Keep-Alive").split(',')) {
        const QByteArray trimmed = parameter.trimmed().toLower();
        bool ok = false;
        const int seconds = trimmed.startsWith("timeout=") ? trimmed.mid(8).toInt(&ok) : 0;
        // A second's margin: our next request must not cross the server's close.
        if (ok)
            m_keepAliveMs = std::max(0, seconds * 1000 - 1000);
    }
    QList<QByteArray> names;
    for (const auto &[key, v] : std::as_const(m_headers)) {
        if (!names.contains(key))
            names.append(key);
    }
    for (const QByteArray &name : std::as_const(names))
        setRawHeader(name, header(name));
    setAttribute(QNetworkRequest::HttpStatusCodeAttribute, m_status);
    setAttribute(QNetworkRequest::HttpReasonPhraseAttribute, m_reason);
    setAttribute(QNetworkRequest::ConnectionEncryptedAttribute, m_encrypted);

    const QByteArray transferEncoding = header("Transfer-Encoding").toLower();
    const QByteArray contentLength = header("Content-Length");
    Stage next = Stage::BodyToClose;
    if (m_verb == "HEAD" || m_status == 204 || m_status == 304) {
        next = Stage::Done;
    } else if (!transferEncoding.isEmpty()) {
        next = transferEncoding.split(',').constLast().trimmed() == "chunked" ? Stage::ChunkSize : Stage::BodyToClose;
    } else if (!contentLength.isEmpty()) {
        bool ok = !contentLength.contains(',');
        const qint64 length = ok ? contentLength.toLongLong(&ok) : -1;
        if (!ok || length < 0) {
            fail(ProtocolFailure, tr("invalid Content-Length '%1'").arg(QString::fromLatin1(contentLength.left(40))));
            return;
        }
        m_remaining = length;
        next = length == 0 ? Stage::Done : Stage::Body;
    }
    m_stage = next == Stage::Done ? Stage::Body : next; // Done only through complete()
    Q_EMIT metaDataChanged();
    if (isFinished())
        return; // aborted by a slot (a body over the limit)
    if (next == Stage::Done)
        complete();
}

bool HttpReply::followRedirect(const QString &location)
{
    const QVariant policyValue = request().attribute(QNetworkRequest::RedirectPolicyAttribute);
    const auto policy = policyValue.isValid() ? QNetworkRequest::RedirectPolicy(policyValue.toInt())
                                              : QNetworkRequest::ManualRedirectPolicy;
    const QUrl target = url().resolved(QUrl(location));
    bool allowed = false;
    if (policy == QNetworkRequest::SameOriginRedirectPolicy)
        allowed = sameOrigin(url(), target);
    else if (policy == QNetworkRequest::NoLessSafeRedirectPolicy)
        allowed = !(isTls(url()) && !isTls(target));
    if (!allowed || !target.isValid())
        return false; // the redirect itself is the answer
    if (m_redirects >= request().maximumRedirectsAllowed()) {
        fail(TooManyRedirectsError, tr("Too many redirects"));
        return true;
    }
    ++m_redirects;
    Q_EMIT redirected(target);
    if (isFinished())
        return true; // a slot stopped it (a loop)
    closeSocket();
    if (m_status == 303 || ((m_status == 301 || m_status == 302) && m_verb == "POST")) {
        m_verb = "GET";
        m_body.clear();
        setOperation(QNetworkAccessManager::GetOperation);
    }
    setUrl(target);
    connectToPeer();
    return true;
}

void HttpReply::deliver(const QByteArray &data)
{
    if (data.isEmpty())
        return;
    m_buffer += data;
    Q_EMIT readyRead();
}

void HttpReply::complete()
{
    if (isFinished())
        return;
    m_stage = Stage::Done;
    m_timeout.stop();
    releaseSocket();
    if (m_status >= 400) {
        const NetworkError code = errorForStatus(m_status);
        setError(code, tr("Error transferring %1 - server replied: %2").arg(url().toString(), m_reason));
        Q_EMIT errorOccurred(code);
    }
    setFinished(true);
    Q_EMIT readChannelFinished();
    Q_EMIT finished();
}

void HttpReply::fail(NetworkError code, const QString &text)
{
    if (isFinished())
        return;
    if (retryOnNewConnection(code))
        return;
    m_stage = Stage::Done;
    m_timeout.stop();
    closeSocket();
    setError(code, text);
    Q_EMIT errorOccurred(code);
    setFinished(true);
    Q_EMIT readChannelFinished();
    Q_EMIT finished();
}

void HttpReply::closeSocket()
{
    if (!m_socket)
        return;
    m_socket->disconnect(this);
    m_socket->abort();
    m_socket->deleteLater();
    m_socket = nullptr;
}

void HttpReply::abort()
{
    if (!isFinished())
        fail(OperationCanceledError, tr("Operation canceled"));
    m_buffer.clear();
    m_bufferOffset = 0;
    if (isOpen())
        close();
}

qint64 HttpReply::bytesAvailable() const
{
    return QNetworkReply::bytesAvailable() + buffered();
}

void HttpReply::setReadBufferSize(qint64 size)
{
    QNetworkReply::setReadBufferSize(size);
    if (m_socket)
        m_socket->setReadBufferSize(std::max<qint64>(size, 0));
}

qint64 HttpReply::readData(char *data, qint64 maxSize)
{
    const bool wasPaused = paused();
    const qint64 n = std::min<qint64>(maxSize, buffered());
    if (n > 0) {
        std::copy_n(m_buffer.constData() + m_bufferOffset, n, data);
        m_bufferOffset += n;
        // Moved down only now and then: a reader taking 16 KiB at a time stays linear.
        if (m_bufferOffset == m_buffer.size()) {
            m_buffer.clear();
            m_bufferOffset = 0;
        } else if (m_bufferOffset > kReadSlice && m_bufferOffset > m_buffer.size() / 2) {
            m_buffer.remove(0, m_bufferOffset);
            m_bufferOffset = 0;
        }
    }
    if (wasPaused && !paused())
        QMetaObject::invokeMethod(this, &HttpReply::process, Qt::QueuedConnection);
    if (n == 0 && isFinished())
        return -1;
    return n;
}

void HttpReply::ignoreSslErrorsImplementation(const QList<QSslError> &errors)
{
    m_ignoredErrors = errors;
}

} // namespace thingscape
