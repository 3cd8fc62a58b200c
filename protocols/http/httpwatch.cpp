#include "httpwatch.h"

#include "model/codecs/codecs.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QNetworkReply>
#include <QSslError>
#include <QWebSocket>

namespace thingscape {

namespace {

bool isEventStream(const QString &contentType)
{
    return contentType.section(QLatin1Char(';'), 0, 0).trimmed().compare(QLatin1String("text/event-stream"),
                                                                       Qt::CaseInsensitive)
        == 0;
}

// Streams stay open for long; a quiet one is reopened rather than reported as broken.
constexpr int kStreamIdleMs = 60000;

} // namespace

QString httpWatchModeName(HttpWatchMode mode)
{
    switch (mode) {
    case HttpWatchMode::Auto:
    case HttpWatchMode::Poll:
        return QStringLiteral("polling");
    case HttpWatchMode::Sse:
        return QStringLiteral("server-sent events");
    case HttpWatchMode::LongPoll:
        return QStringLiteral("long polling");
    case HttpWatchMode::WebSocket:
        return QStringLiteral("WebSocket");
    }
    return {};
}

HttpWatch::HttpWatch(HttpClient *client, const ResourceId &id, const QUrl &url, HttpWatchMode mode,
                     const HttpRequestOptions &options, int intervalMs, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_id(id)
    , m_url(url)
    , m_mode(mode)
    , m_options(options)
    , m_intervalMs(std::max(intervalMs, 50))
    , m_timer(this)
    , m_startGrace(this)
{
    m_timer.setSingleShot(true);
    m_startGrace.setSingleShot(true);
    m_sse.setMaxBytes(std::max<qint64>(1, client->config().maxMessageBytes));
    connect(&m_timer, &QTimer::timeout, this, &HttpWatch::next);
    // A held long poll or a quiet stream has nothing to say yet: no error in this time is a start.
    connect(&m_startGrace, &QTimer::timeout, this, [this] { reportStart(Result::success()); });
}

HttpWatch::~HttpWatch()
{
    stopReply();
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

void HttpWatch::stopReply()
{
    if (!m_reply)
        return;
    m_reply->disconnect(this);
    m_reply->abort();
    m_reply.reset();
}

void HttpWatch::start()
{
    if (const QString error = m_client->configError(); !error.isEmpty()) {
        reportStart(Result::failure(ErrorKind::Tls, error));
        return;
    }
    if (m_mode == HttpWatchMode::LongPoll)
        m_startGrace.start(std::min(1000, m_client->config().requestTimeoutMs));
    next();
}

void HttpWatch::next()
{
    switch (m_mode) {
    case HttpWatchMode::Auto:
    case HttpWatchMode::Poll:
    case HttpWatchMode::LongPoll:
        poll();
        break;
    case HttpWatchMode::Sse:
        openSse();
        break;
    case HttpWatchMode::WebSocket:
        openWebSocket();
        break;
    }
}

void HttpWatch::reportStart(const Result &result)
{
    if (m_startResult)
        return;
    m_startGrace.stop();
    m_startResult = result;
    Q_EMIT started(result);
}

void HttpWatch::reportFailure(const Result &result)
{
    if (!m_startResult) {
        reportStart(result);
        return;
    }
    // One error update per outage, not one per retry.
    if (m_failing)
        return;
    m_failing = true;
    Update update;
    update.id = m_id;
    update.state = ResourceState::Error;
    update.info = result.error;
    postUpdate(std::move(update));
}

void HttpWatch::postUpdate(Update update)
{
    // A value with the same state as the last update posted carries no state: the connector
    // merges value-only updates of a resource that wait in its pending batch (an event stream
    // faster than its consumer), and a value alone keeps the resource online in the store.
    if (update.state) {
        if (update.value && m_postedState == update.state)
            update.state.reset();
        else
            m_postedState = update.state;
    }
    Q_EMIT received(update);
}

void HttpWatch::setIntervalMs(int ms)
{
    m_intervalMs = std::max(ms, 50);
    if ((m_mode == HttpWatchMode::Poll || m_mode == HttpWatchMode::Auto) && m_timer.isActive())
        scheduleNext(m_intervalMs);
}

void HttpWatch::scheduleNext(int ms)
{
    m_timer.start(std::max(ms, 0));
}

void HttpWatch::poll()
{
    if (m_reply)
        return;
    HttpRequestOptions options = m_options;
    options.verb = "GET";
    if (m_mode == HttpWatchMode::LongPoll)
        options.timeoutMs = std::max(kStreamIdleMs, m_client->config().requestTimeoutMs);
    if (!m_etag.isEmpty())
        options.headers.append(qMakePair(QByteArray("If-None-Match"), m_etag));
    else if (!m_lastModified.isEmpty())
        options.headers.append(qMakePair(QByteArray("If-Modified-Since"), m_lastModified));
    m_replyIsStream = false;
    m_reply = m_client->start(m_url, options);
    if (m_mode == HttpWatchMode::Auto)
        connect(m_reply.get(), &QNetworkReply::metaDataChanged, this, &HttpWatch::onMetaData);
    connect(m_reply.get(), &QNetworkReply::finished, this, &HttpWatch::onPollFinished);
}

void HttpWatch::onMetaData()
{
    if (!m_reply || m_replyIsStream)
        return;
    const QString contentType = m_reply->header(QNetworkRequest::ContentTypeHeader).toString();
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 200 || !isEventStream(contentType))
        return;
    // The resource is an event stream: keep this reply open and read it as one.
    m_mode = HttpWatchMode::Sse;
    m_replyIsStream = true;
    m_reply->disconnect(this);
    connect(m_reply.get(), &QNetworkReply::readyRead, this, &HttpWatch::onSseData);
    connect(m_reply.get(), &QNetworkReply::finished, this, &HttpWatch::onSseFinished);
    reportStart(Result::success());
    // What the body collector read before we knew: the start of the stream.
    deliverSse(m_sse.feed(HttpClient::takeBody(m_reply.get())));
    if (m_reply && m_reply->bytesAvailable() > 0)
        onSseData();
}

void HttpWatch::onPollFinished()
{
    ReplyPtr reply = std::move(m_reply);
    if (!reply)
        return;
    const HttpResponse response = m_client->evaluate(reply.get());
    const int next = m_mode == HttpWatchMode::LongPoll ? 0 : m_intervalMs;
    if (response.oversizeBytes > 0) {
        // The resource answered, with too much: show that it did, with the size.
        reportStart(Result::success());
        m_failing = false;
        Update update;
        update.id = m_id;
        update.value = Value::oversized(response.oversizeBytes, m_client->config().maxMessageBytes,
                                        QDateTime::currentMSecsSinceEpoch(), response.oversizeAtLeast);
        update.state = ResourceState::Online;
        update.info = QStringLiteral("GET %1 (oversize)").arg(response.status);
        postUpdate(std::move(update));
        scheduleNext(m_mode == HttpWatchMode::LongPoll ? m_intervalMs : next);
        return;
    }
    if (!response.result.ok()) {
        reportFailure(response.result);
        if (m_startResult && m_startResult->ok())
            scheduleNext(m_intervalMs);
        return;
    }
    reportStart(Result::success());
    m_failing = false;
    if (response.status == 304) {
        scheduleNext(next);
        return;
    }
    m_etag = response.etag;
    m_lastModified = response.lastModified;
    if (m_mode == HttpWatchMode::LongPoll && response.status == 204) {
        scheduleNext(0);
        return;
    }
    Update update;
    update.id = m_id;
    update.value = codecs::decode(response.body, ContentFormat::Unknown, response.contentType,
                                  QDateTime::currentMSecsSinceEpoch());
    update.state = ResourceState::Online;
    update.info = QStringLiteral("GET %1").arg(response.status);
    postUpdate(std::move(update));
    scheduleNext(next);
}

void HttpWatch::openSse()
{
    stopReply();
    HttpRequestOptions options = m_options;
    options.verb = "GET";
    options.accept = QStringLiteral("text/event-stream");
    options.timeoutMs = std::max(kStreamIdleMs, m_client->config().requestTimeoutMs);
    options.headers.append(qMakePair(QByteArray("Cache-Control"), QByteArray("no-cache")));
    options.stream = true;
    if (!m_sse.lastEventId().isEmpty())
        options.headers.append(qMakePair(QByteArray("Last-Event-ID"), m_sse.lastEventId().toUtf8()));
    m_sse.reset();
    m_postedState.reset(); // a reopened stream says again that the resource is online
    m_replyIsStream = true;
    m_reply = m_client->start(m_url, options);
    connect(m_reply.get(), &QNetworkReply::metaDataChanged, this, [this] {
        const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QString contentType = m_reply->header(QNetworkRequest::ContentTypeHeader).toString();
        if (status == 200 && isEventStream(contentType)) {
            reportStart(Result::success());
            m_failing = false;
        }
    });
    connect(m_reply.get(), &QNetworkReply::readyRead, this, &HttpWatch::onSseData);
    connect(m_reply.get(), &QNetworkReply::finished, this, &HttpWatch::onSseFinished);
}

void HttpWatch::onSseData()
{
    if (!m_reply)
        return;
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 200 || !isEventStream(m_reply->header(QNetworkRequest::ContentTypeHeader).toString()))
        return; // an error page: onSseFinished reports it
    deliverSse(m_sse.feed(m_reply->readAll()));
}

void HttpWatch::deliverSse(const QList<SseEvent> &events)
{
    for (const SseEvent &event : events) {
        Update update;
        update.id = m_id;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        update.value = event.oversizeBytes > 0
            ? Value::oversized(event.oversizeBytes, m_sse.maxBytes(), now, true)
            : codecs::decode(HttpClient::ownBytes(event.data), ContentFormat::Unknown, {}, now);
        update.state = ResourceState::Online;
        update.info = event.lastEventId.isEmpty() ? QStringLiteral("SSE %1").arg(event.type)
                                                  : QStringLiteral("SSE %1 id %2").arg(event.type, event.lastEventId);
        postUpdate(std::move(update));
    }
}

void HttpWatch::onSseFinished()
{
    ReplyPtr reply = std::move(m_reply);
    if (!reply)
        return;
    const HttpResponse response = m_client->evaluate(reply.get());
    const bool wasStream = response.status == 200 && isEventStream(response.contentType);
    if (!response.result.ok() || !wasStream) {
        Result failure = response.result;
        if (failure.ok())
            failure = Result::failure(ErrorKind::Protocol,
                                      tr("GET %1: %2 with '%3', not an event stream")
                                          .arg(m_url.toString())
                                          .arg(response.status)
                                          .arg(response.contentType));
        // A stream cut by its idle timeout is not a failure: reopen it.
        if (!(failure.kind == ErrorKind::Timeout && m_startResult))
            reportFailure(failure);
    }
    if (m_startResult && !m_startResult->ok())
        return;
    scheduleNext(m_sse.retryMs().value_or(m_intervalMs));
}

void HttpWatch::openWebSocket()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket.release()->deleteLater();
    }
    m_socket = std::make_unique<QWebSocket>();
    QWebSocket *socket = m_socket.get();
    // A bigger message closes the socket (1009, too much data): noted below, then reopened.
    const qint64 limit = std::max<qint64>(1, m_client->config().maxMessageBytes);
    socket->setMaxAllowedIncomingMessageSize(quint64(limit));
    socket->setMaxAllowedIncomingFrameSize(quint64(limit));
    const QString hostPort = QStringLiteral("%1:%2").arg(m_url.host()).arg(
        m_url.port(m_url.scheme() == QLatin1String("wss") ? 443 : 80));
    connect(socket, &QWebSocket::connected, this, [this] {
        m_failing = false;
        reportStart(Result::success());
    });
    auto deliver = [this](const QByteArray &bytes, const QString &info) {
        Update update;
        update.id = m_id;
        update.value = codecs::decode(HttpClient::ownBytes(bytes), ContentFormat::Unknown, {}, QDateTime::currentMSecsSinceEpoch());
        update.state = ResourceState::Online;
        update.info = info;
        postUpdate(std::move(update));
    };
    connect(socket, &QWebSocket::textMessageReceived, this,
            [deliver](const QString &text) { deliver(text.toUtf8(), QStringLiteral("WebSocket text")); });
    connect(socket, &QWebSocket::binaryMessageReceived, this,
            [deliver](const QByteArray &bytes) { deliver(bytes, QStringLiteral("WebSocket binary")); });
    const bool insecure = m_client->config().insecure;
    connect(socket, &QWebSocket::sslErrors, this, [socket, insecure](const QList<QSslError> &errors) {
        QStringList texts;
        for (const QSslError &error : errors)
            texts << error.errorString();
        socket->setProperty("thingscape_sslErrors", texts);
        if (insecure)
            socket->ignoreSslErrors(errors);
    });
    // Qt 6.4 names the signal error(); errorOccurred() came in 6.5.
    connect(socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this, [this, socket, hostPort](QAbstractSocket::SocketError error) {
        const QStringList sslErrors = socket->property("thingscape_sslErrors").toStringList();
        reportFailure(HttpClient::describeNetworkError(
            hostPort, error, sslErrors.isEmpty() ? socket->errorString() : sslErrors.join(QLatin1String("; "))));
    });
    connect(socket, &QWebSocket::disconnected, this, [this, socket, limit] {
        if (socket->closeCode() == QWebSocketProtocol::CloseCodeTooMuchData) {
            Update update;
            update.id = m_id;
            update.value = Value::oversized(limit + 1, limit, QDateTime::currentMSecsSinceEpoch(), true);
            update.state = ResourceState::Online;
            update.info = QStringLiteral("WebSocket (oversize)");
            postUpdate(std::move(update));
        }
        if (m_startResult && m_startResult->ok())
            scheduleNext(m_intervalMs);
    });
    HttpRequestOptions options = m_options;
    options.timeoutMs = 0;
    socket->open(m_client->makeRequest(m_url, options));
}

} // namespace thingscape
