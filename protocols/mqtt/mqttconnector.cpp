#include "mqttconnector.h"

#include "mosquittoclient.h"

#include "model/codecs/codecs.h"
#include "protocols/wakeup.h"

#include <QCoro/QCoroTimer>
#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QHostAddress>
#include <QHostInfo>
#include <QPointer>
#include <QRandomGenerator>
#include <QTimer>
#include <QUuid>

#include <mosquitto.h>

#include <cerrno>

namespace thingscape {

namespace {

constexpr int kMaxBackoffMs = 30000;
constexpr std::chrono::milliseconds kSubscribeTimeout{10000};
constexpr qsizetype kMaxCachedTopics = 500000;
constexpr qsizetype kMaxCachedTopicsRaw = 16384;
// Without an end marker (the broker refused it), discovery ends after this long without a new
// retained message.
constexpr qint64 kQuietMs = 1500;
// With an end marker sent, this long without it and without a new retained message means the
// broker dropped it.
constexpr qint64 kMarkerLostMs = 10000;
// A window that ends with retained messages younger than this was cut short.
constexpr qint64 kStillArrivingMs = 500;

bool isWildcard(const QString &topic)
{
    return topic.contains(QLatin1Char('#')) || topic.contains(QLatin1Char('+'));
}

bool isAuthFailure(int protocolVersion, int rc)
{
    if (protocolVersion == 5)
        return rc == 134 || rc == 135 || rc == 140;
    return rc == 4 || rc == 5;
}

QString seconds(std::chrono::milliseconds ms)
{
    return QString::number(double(ms.count()) / 1000.0, 'g', 3);
}

} // namespace

MqttConnector::MqttConnector(const EndpointConfig &config, QObject *parent)
    : Connector(config, parent)
    , m_wakeup(new Wakeup(this))
    , m_subscribeQos(config.cleanSession ? 0 : 1)
    , m_homeAssistant(config.url)
    , m_homie(config.url)
{
    // A subscription QoS asked for explicitly (the command line's watch --qos).
    if (const QJsonValue qos = config.extra.value(QStringLiteral("subscribeQos")); qos.isDouble())
        m_subscribeQos = std::clamp(qos.toInt(), 0, 2);
    m_rawValues = config.extra.value(QStringLiteral("rawValues")).toBool();
    if (!m_rawValues)
        m_topics.setBound(kMaxCachedTopics, [](const TopicInfo &info) { return !info.retainedOnBroker; });
    m_discoverEndsWhenComplete = config.extra.value(QStringLiteral("discoverEndsWhenComplete")).toBool();
    m_clientId = config.clientId;
    if (m_clientId.isEmpty())
        m_clientId = QStringLiteral("thingscape-") + QUuid::createUuid().toString(QUuid::Id128).left(12);
    m_syncTopic = QStringLiteral("thingscape/sync/") + m_clientId;
}

MqttConnector::~MqttConnector()
{
    m_wantConnected = false;
    if (m_client && m_client->isSocketOpen())
        m_client->disconnect();
}

Capabilities MqttConnector::capabilities() const
{
    return Capability::RetainedValues | Capability::Wildcards | Capability::Observe | Capability::DiscoveryObserves;
}

QList<ResourceId> MqttConnector::initialObservations() const
{
    // Discovery only listens for its window: the endpoint's filters stay subscribed, so
    // nothing published in between is missed.
    QList<ResourceId> ids;
    for (const QString &filter : config().filters)
        ids.append(ResourceId::fromTopic(config().url.endpoint(), filter));
    return ids;
}

bool MqttConnector::filterCovers(const QString &outer, const QString &inner)
{
    const QList<QStringView> o = QStringView(outer).split(QLatin1Char('/'));
    const QList<QStringView> i = QStringView(inner).split(QLatin1Char('/'));
    // A wildcard first level never matches a $ topic ($SYS/...).
    if (inner.startsWith(QLatin1Char('$')) && !outer.startsWith(QLatin1Char('$')))
        return false;
    for (qsizetype k = 0; k < o.size(); ++k) {
        if (o[k] == QLatin1String("#"))
            return true;
        if (k >= i.size() || i[k] == QLatin1String("#"))
            return false;
        if (o[k] == QLatin1String("+"))
            continue;
        if (o[k] != i[k])
            return false;
    }
    return o.size() == i.size();
}

QString MqttConnector::droppedCounterTopic()
{
    return QStringLiteral("$SYS/broker/publish/messages/dropped");
}

bool MqttConnector::coveredByActiveFilter(const QString &filter) const
{
    for (const QString &active : m_activeFilters) {
        if (active != m_syncTopic && active != droppedCounterTopic() && filterCovers(active, filter))
            return true;
    }
    return false;
}

void MqttConnector::setSubscribeQos(int qos)
{
    m_subscribeQos = std::clamp(qos, 0, 2);
}

QString MqttConnector::describeHost() const
{
    return config().url.hostPort();
}

Result MqttConnector::notConnected() const
{
    QString why = tr("not connected to %1").arg(describeHost());
    if (!lastError().isEmpty())
        why += QLatin1String(" (") + lastError() + QLatin1Char(')');
    return Result::failure(ErrorKind::Connection, why);
}

void MqttConnector::ensureClient()
{
    if (m_client)
        return;
    // Created here, not in the constructor, so that it lives in the thread the connector was moved to.
    m_client = std::make_unique<MosquittoClient>();
    connect(m_client.get(), &MosquittoClient::connectAcknowledged, this, &MqttConnector::onConnectAcknowledged);
    connect(m_client.get(), &MosquittoClient::connectionLost, this, &MqttConnector::onConnectionLost);
    connect(m_client.get(), &MosquittoClient::messageReceived, this, &MqttConnector::onMessage);
    connect(m_client.get(), &MosquittoClient::published, this, &MqttConnector::onPublished);
    connect(m_client.get(), &MosquittoClient::subscribed, this, &MqttConnector::onSubscribed);
    // The command line's watch --count on a persistent session: nothing read beyond the count,
    // so nothing beyond it is acknowledged and lost to the next session.
    if (const QJsonValue limit = config().extra.value(QStringLiteral("messageLimit")); limit.isDouble())
        m_client->setMessageLimit(qint64(limit.toDouble()), m_syncTopic);
    m_reconnectTimer = new QTimer(this);
    m_reconnectTimer->setSingleShot(true);
    connect(m_reconnectTimer, &QTimer::timeout, this, [this] { reconnectInBackground(); });
}

QCoro::Task<bool> MqttConnector::waitUntil(const std::function<bool()> &done, std::chrono::milliseconds timeout)
{
    return waitUntil(m_wakeup, done, timeout);
}

QCoro::Task<bool> MqttConnector::waitUntil(Wakeup *wakeup, const std::function<bool()> &done,
                                           std::chrono::milliseconds timeout)
{
    QPointer<MqttConnector> self(this);
    QPointer<Wakeup> alive(wakeup);
    const QDeadlineTimer deadline(timeout);
    while (!done()) {
        const qint64 remaining = deadline.remainingTime();
        if (remaining == 0)
            co_return false;
        if (!alive)
            co_return false;
        co_await wakeup->wait(std::chrono::milliseconds(remaining < 0 ? 1 << 30 : remaining));
        if (!self)
            co_return false;
    }
    co_return true;
}

QCoro::Task<Result> MqttConnector::connectToEndpoint()
{
    QPointer<MqttConnector> self(this);
    m_wantConnected = true;
    if (state() == ConnectorState::Connected)
        co_return Result::success();
    if (m_attemptRunning) {
        const std::function<bool()> attemptOver = [this] { return !m_attemptRunning; };
        co_await waitUntil(attemptOver, std::chrono::milliseconds(config().requestTimeoutMs + 1000));
        if (!self)
            co_return Result::failure(ErrorKind::Connection, QString());
        co_return state() == ConnectorState::Connected ? Result::success() : notConnected();
    }
    ensureClient();
    m_reconnectTimer->stop();
    co_return co_await attemptConnection();
}

QCoro::Task<> MqttConnector::reconnectInBackground()
{
    if (!m_wantConnected || m_attemptRunning || state() == ConnectorState::Connected)
        co_return;
    co_await attemptConnection();
}

QCoro::Task<Result> MqttConnector::attemptConnection()
{
    QPointer<MqttConnector> self(this);
    const EndpointConfig cfg = config();
    const QString where = describeHost();
    m_attemptRunning = true;
    setState(ConnectorState::Connecting);
    auto finish = [this](Result result) {
        m_attemptRunning = false;
        if (result.ok()) {
            m_attempt = 0;
            setState(ConnectorState::Connected);
            resubscribe();
        } else if (!m_wantConnected) {
            setState(ConnectorState::Disconnected, result.error);
        } else if (result.kind == ErrorKind::Connection) {
            scheduleReconnect(result.error);
        } else {
            setState(ConnectorState::Error, result.error);
        }
        m_wakeup->notify();
        return result;
    };

    if (!m_configured) {
        QString error;
        if (!m_client->configure(cfg, m_clientId, &error))
            co_return finish(Result::failure(ErrorKind::Usage, tr("cannot connect to %1: %2").arg(where, error)));
        m_configured = true;
    }

    // Resolve without blocking; libmosquitto would call getaddrinfo() on this thread.
    QString address = cfg.url.host();
    QHostAddress literal;
    if (!literal.setAddress(address)) {
        auto lookup = std::make_shared<std::optional<QHostInfo>>();
        QHostInfo::lookupHost(address, this, [this, lookup](const QHostInfo &info) {
            *lookup = info;
            m_wakeup->notify();
        });
        const std::function<bool()> resolved = [lookup] { return lookup->has_value(); };
        co_await waitUntil(resolved, std::chrono::milliseconds(cfg.requestTimeoutMs));
        if (!self)
            co_return Result::failure(ErrorKind::Connection, QString());
        if (!lookup->has_value() || (*lookup)->error() != QHostInfo::NoError || (*lookup)->addresses().isEmpty())
            co_return finish(Result::failure(ErrorKind::Connection,
                                             tr("cannot connect to %1: unknown host").arg(where)));
        QList<QHostAddress> addresses = (*lookup)->addresses();
        // Brokers often listen on IPv4 only; "localhost" lists ::1 first.
        std::stable_partition(addresses.begin(), addresses.end(), [](const QHostAddress &a) {
            return a.protocol() == QAbstractSocket::IPv4Protocol;
        });
        // TLS checks the certificate against the name given to the library, so keep the name
        // there (the lookup above has warmed the resolver) unless nothing is verified.
        if (!cfg.url.isSecure() || cfg.insecure)
            address = addresses.first().toString();
    }

    m_lastConnackRc = -1;
    m_lossSeen = false;
    int errorCode = 0;
    if (!m_client->connectAsync(address, cfg.url.port(), cfg.keepAliveSeconds, &errorCode)) {
        const int sysErrno = errno;
        const ErrorKind kind = errorCode == MOSQ_ERR_TLS ? ErrorKind::Tls : ErrorKind::Connection;
        QString why = MosquittoClient::errorString(errorCode, sysErrno);
        if (errorCode == MOSQ_ERR_TLS && !m_client->lastLogError().isEmpty())
            why += QLatin1String(" (") + m_client->lastLogError() + QLatin1Char(')');
        co_return finish(Result::failure(kind, tr("cannot connect to %1: %2").arg(where, why)));
    }
    const std::chrono::milliseconds timeout(cfg.requestTimeoutMs);
    const std::function<bool()> settled = [this] { return m_lastConnackRc >= 0 || m_lossSeen; };
    const bool answered = co_await waitUntil(settled, timeout);
    if (!self)
        co_return Result::failure(ErrorKind::Connection, QString());
    if (!answered) {
        m_client->abort();
        co_return finish(Result::failure(ErrorKind::Connection,
                                         tr("cannot connect to %1: no answer within %2 s").arg(where, seconds(timeout))));
    }
    if (m_lastConnackRc == 0)
        co_return finish(Result::success());
    if (m_lastConnackRc > 0) {
        const int version = m_client->protocolVersion();
        const QString reason = QString::fromUtf8(version == 5 ? mosquitto_reason_string(m_lastConnackRc)
                                                              : mosquitto_connack_string(m_lastConnackRc));
        const bool auth = isAuthFailure(version, m_lastConnackRc);
        co_return finish(Result::failure(auth ? ErrorKind::Auth : ErrorKind::Protocol,
                                         tr("%1 refused the connection: %2").arg(where, reason.toLower())));
    }
    QString why = MosquittoClient::errorString(m_lastLossRc, m_lastLossErrno);
    ErrorKind kind = ErrorKind::Connection;
    if (m_lastLossRc == MOSQ_ERR_TLS) {
        kind = ErrorKind::Tls;
        if (!m_client->lastLogError().isEmpty())
            why += QLatin1String(" (") + m_client->lastLogError() + QLatin1Char(')');
    }
    co_return finish(Result::failure(kind, tr("cannot connect to %1: %2").arg(where, why)));
}

void MqttConnector::scheduleReconnect(const QString &error)
{
    const int exponent = std::min(m_attempt, 5);
    const double base = std::min(kMaxBackoffMs, 1000 << exponent);
    // Jitter keeps a fleet of clients from reconnecting in lockstep after a broker restart.
    const double jitter = 0.8 + 0.4 * QRandomGenerator::global()->generateDouble();
    const int delay = std::min(kMaxBackoffMs, int(base * jitter));
    ++m_attempt;
    m_reconnectTimer->start(delay);
    setState(ConnectorState::BackingOff, error, QDateTime::currentDateTimeUtc().addMSecs(delay));
}

void MqttConnector::resubscribe()
{
    m_activeFilters.clear();
    for (auto it = m_observed.cbegin(); it != m_observed.cend(); ++it) {
        int errorCode = 0;
        if (m_client->subscribe(it.key(), m_subscribeQos, &errorCode) > 0)
            m_activeFilters.insert(it.key());
    }
}

void MqttConnector::disconnectFromEndpoint()
{
    m_wantConnected = false;
    if (m_reconnectTimer)
        m_reconnectTimer->stop();
    if (m_client && m_client->isSocketOpen())
        m_client->disconnect();
    m_activeFilters.clear();
    setState(ConnectorState::Disconnected);
    m_wakeup->notify();
    wakeAckWaiters();
}

void MqttConnector::wakeAckWaiters()
{
    for (Wakeup *waiter : std::as_const(m_ackWaiters))
        waiter->notify();
    for (Wakeup *waiter : std::as_const(m_subackWaiters))
        waiter->notify();
}

void MqttConnector::dropConnection()
{
    if (m_client)
        m_client->abort();
}

void MqttConnector::onConnectAcknowledged(int rc, bool sessionPresent)
{
    // Even when the broker kept the session, re-subscribing (on success) is harmless.
    Q_UNUSED(sessionPresent);
    m_lastConnackRc = rc;
    m_wakeup->notify();
}

void MqttConnector::onConnectionLost(int rc, int sysErrno)
{
    m_lossSeen = true;
    m_lastLossRc = rc;
    m_lastLossErrno = sysErrno;
    m_activeFilters.clear();
    if (state() == ConnectorState::Connected) {
        if (m_wantConnected && rc != MOSQ_ERR_SUCCESS)
            scheduleReconnect(tr("connection to %1 lost: %2")
                                  .arg(describeHost(), MosquittoClient::errorString(rc, sysErrno)));
        else
            setState(ConnectorState::Disconnected);
    }
    m_wakeup->notify();
    wakeAckWaiters();
}

void MqttConnector::onPublished(int mid, int reasonCode)
{
    // A QoS 0 "sent" can come inside publish() itself, before the caller knows its mid:
    // keep every ack, and prune the unclaimed ones when they pile up.
    m_acks.insert(mid, Ack{reasonCode, ++m_ackSerial});
    if (m_acks.size() > 1024) {
        for (auto it = m_acks.begin(); it != m_acks.end();) {
            if (!m_ackWaiters.contains(it.key()) && it->serial + 256 < m_ackSerial)
                it = m_acks.erase(it);
            else
                ++it;
        }
    }
    if (Wakeup *waiter = m_ackWaiters.value(mid))
        waiter->notify();
}

void MqttConnector::claimAck(int mid, quint64 publishedAfter, Wakeup *waiter)
{
    // An ack for this mid from before the publish belongs to an earlier message.
    const auto it = m_acks.constFind(mid);
    if (it != m_acks.constEnd() && it->serial <= publishedAfter)
        m_acks.erase(it);
    m_ackWaiters.insert(mid, waiter);
}

void MqttConnector::onSubscribed(int mid, const QList<int> &grantedQos)
{
    if (Wakeup *waiter = m_subackWaiters.value(mid)) {
        m_subacks.insert(mid, grantedQos);
        waiter->notify();
    }
}

MqttConnector::TopicInfo &MqttConnector::topicInfo(const QString &topic, bool *created)
{
    TopicInfo *info = m_topics.find(topic);
    if (!info) {
        // Bounded: a broker with endless unique topics must not grow this without end.
        // The command line meets most topics once (discovery) or a few over and over (watch):
        // a small cache serves both without a million-entry table. The window's table keeps the
        // topics retained on the broker (for clearing them) and drops the rest, a few per new
        // topic (see the constructor).
        if (m_rawValues && m_topics.size() >= kMaxCachedTopicsRaw)
            m_topics.clear();
        info = &m_topics.insert(ResourceId::fromTopic(config().url, topic));
    }
    *created = !info->known;
    info->known = true;
    return *info;
}

QSet<QString> MqttConnector::retainedTopics() const
{
    QSet<QString> topics;
    m_topics.forEach([&topics](const TopicInfo &info) {
        if (info.retainedOnBroker)
            topics.insert(info.id.topic());
    });
    return topics;
}

bool MqttConnector::takeDiscoveryMessage(const MqttMessage &message)
{
    if (message.topic == m_syncTopic) {
        if (!m_syncToken.isEmpty() && message.payload == m_syncToken) {
            m_syncSeen = true;
            m_wakeup->notify();
        }
        return true;
    }
    if (m_probingDrops && message.topic == droppedCounterTopic() && !coveredByActiveFilter(message.topic)) {
        bool ok = false;
        const qint64 dropped = message.payload.trimmed().toLongLong(&ok);
        if (ok) {
            if (!m_droppedFirst)
                m_droppedFirst = message.retain ? dropped : 0;
            m_droppedLast = dropped;
        }
        return true;
    }
    return false;
}

void MqttConnector::onMessage(const MqttMessage &message)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const QString &topic = message.topic;
    if (topic.startsWith(QLatin1Char('$')) || topic == m_syncTopic) {
        if (takeDiscoveryMessage(message))
            return;
    }
    if (message.retain)
        m_lastRetainedMs = now;
    bool created = false;
    // The command line meets a retained message once per topic (discovery's burst, a watch's
    // subscribe): caching it would only churn the small cache kept for repeating topics.
    TopicInfo uncached;
    TopicInfo *cached = nullptr;
    if (m_rawValues && message.retain && !m_topics.find(topic)) {
        uncached.id = ResourceId::fromTopic(config().url, topic);
        created = true;
    } else {
        cached = &topicInfo(topic, &created);
    }
    TopicInfo &info = cached ? *cached : uncached;
    const ResourceId id = info.id;
    // For clearing retained topics, which the command line (raw values) never does.
    if (!m_rawValues) {
        if (message.retain && !message.payload.isEmpty())
            info.retainedOnBroker = true;
        else if (message.payload.isEmpty())
            info.retainedOnBroker = false;
    }

    QList<Update> derived;
    const bool haConfig = m_homeAssistant.isConfigTopic(topic);
    if (haConfig) {
        derived = m_homeAssistant.handleConfig(topic, message.payload);
        if (message.payload.isEmpty()) {
            Update removal;
            removal.id = id;
            removal.remove = true;
            derived.append(removal);
        }
    }
    if (m_homeAssistant.isAvailabilityTopic(topic))
        derived += m_homeAssistant.handleAvailability(topic, message.payload);
    std::optional<ResourceState> valueState;
    if (m_homie.handles(topic))
        derived += m_homie.handleMessage(topic, message.payload, &valueState);
    // A message after a removal describes the topic anew (and `info` must not outlive this).
    auto forgetRemoved = [this, &derived] {
        for (const Update &update : std::as_const(derived)) {
            if (!update.remove)
                continue;
            if (TopicInfo *removed = m_topics.find(TopicTable::topicOf(update.id)))
                removed->known = false;
        }
    };
    if (haConfig && message.payload.isEmpty()) {
        forgetRemoved();
        for (Update &update : derived)
            post(std::move(update));
        return;
    }

    Update update;
    update.id = id;
    // Over the endpoint's limit: shown as oversize with its size, not decoded or kept.
    if (message.payload.size() > config().maxMessageBytes) {
        update.value = Value::oversized(message.payload.size(), config().maxMessageBytes, now);
    } else if (m_rawValues && m_reads.empty()) {
        // Decoded, where at all, by whoever prints it.
        Value value;
        value.timeMs = now;
        value.raw = message.payload;
        if (!message.contentType.isEmpty())
            value.contentFormat = codecs::contentFormatForMediaType(message.contentType);
        update.value = std::move(value);
    } else {
        update.value = codecs::decode(message.payload, ContentFormat::Unknown, message.contentType, now);
    }
    // Metadata only when it changes: an empty one spares the store a merge per message.
    const bool retainChanged = created || info.retained != message.retain;
    const int contentFormat = message.contentType.isEmpty() ? -1 : codecs::contentFormatForMediaType(message.contentType);
    if (retainChanged || contentFormat >= 0) {
        Metadata meta;
        if (retainChanged)
            meta.retained.set(message.retain, MetaSource::Protocol);
        info.retained = message.retain;
        if (created)
            meta.observable.set(true, MetaSource::Protocol); // every topic can be subscribed to
        if (contentFormat >= 0)
            meta.contentFormat.set(contentFormat, MetaSource::Protocol);
        update.metadata = MetadataRef::interned(std::move(meta)); // one object for every topic alike
    }
    update.state = valueState;
    update.info = messageInfo(message);

    bool readAnswered = false;
    for (auto &[token, read] : m_reads) {
        if (!read.value && read.topic == topic) {
            read.value = update.value;
            readAnswered = true;
        }
    }
    post(std::move(update));
    forgetRemoved();
    for (Update &extra : derived)
        post(std::move(extra));
    if (readAnswered)
        m_wakeup->notify();
}

QString MqttConnector::messageInfo(const MqttMessage &message)
{
    // Shared strings for the common case: no allocation per message.
    static const QString plain[3][2] = {
        {QStringLiteral("qos 0"), QStringLiteral("qos 0 retained")},
        {QStringLiteral("qos 1"), QStringLiteral("qos 1 retained")},
        {QStringLiteral("qos 2"), QStringLiteral("qos 2 retained")},
    };
    QString info = plain[std::clamp(message.qos, 0, 2)][message.retain ? 1 : 0];
    if (!message.contentType.isEmpty())
        info += QStringLiteral(" content-type ") + message.contentType;
    for (const auto &[name, value] : message.userProperties)
        info += QStringLiteral(" %1=%2").arg(name, value);
    return info;
}

QString MqttConnector::commandTopicFor(const QString &topic) const
{
    const QString command = m_homeAssistant.commandTopicFor(topic);
    return command.isEmpty() ? m_homie.commandTopicFor(topic) : command;
}

QCoro::Task<Result> MqttConnector::subscribeAndWait(const QString &filter, std::chrono::milliseconds timeout, int qos)
{
    QPointer<MqttConnector> self(this);
    const QString topicFilter = filter;
    int errorCode = 0;
    const int mid = m_client->subscribe(topicFilter, qos < 0 ? m_subscribeQos : qos, &errorCode);
    if (mid < 0) {
        const ErrorKind kind = errorCode == MOSQ_ERR_INVAL || errorCode == MOSQ_ERR_MALFORMED_UTF8 ? ErrorKind::Usage
                                                                                                 : ErrorKind::Connection;
        co_return Result::failure(kind, tr("cannot subscribe to '%1' on %2: %3")
                                            .arg(topicFilter, describeHost(), MosquittoClient::errorString(errorCode)));
    }
    m_activeFilters.insert(topicFilter);
    const auto waiter = std::make_unique<Wakeup>();
    m_subackWaiters.insert(mid, waiter.get());
    const std::function<bool()> subacked = [this, mid] {
        return m_subacks.contains(mid) || state() != ConnectorState::Connected;
    };
    const bool answered = co_await waitUntil(waiter.get(), subacked, timeout);
    if (!self)
        co_return Result::failure(ErrorKind::Connection, QString());
    m_subackWaiters.remove(mid);
    const QList<int> granted = m_subacks.take(mid);
    if (!answered || granted.isEmpty())
        co_return state() == ConnectorState::Connected
            ? Result::failure(ErrorKind::Timeout, tr("%1 did not confirm the subscription to '%2' within %3 s")
                                                       .arg(describeHost(), topicFilter, seconds(timeout)))
            : notConnected();
    if (granted.first() >= 0x80) {
        m_activeFilters.remove(topicFilter);
        co_return Result::failure(ErrorKind::Protocol, tr("%1 refused the subscription to '%2' (not authorised?)")
                                                           .arg(describeHost(), topicFilter));
    }
    co_return Result::success();
}

void MqttConnector::unsubscribeFilter(const QString &filter)
{
    m_activeFilters.remove(filter);
    if (m_client && state() == ConnectorState::Connected) {
        int errorCode = 0;
        m_client->unsubscribe(filter, &errorCode);
    }
}

QCoro::Task<Result> MqttConnector::discover(const ResourceId &root, std::chrono::milliseconds window)
{
    QPointer<MqttConnector> self(this);
    const ResourceId where = root;
    const QDeadlineTimer deadline(window);
    if (state() != ConnectorState::Connected)
        co_return notConnected();
    const QString topic = where.topic();
    const QStringList filters = topic.isEmpty() ? config().filters : QStringList{topic};

    // The broker's drop counter, first: its retained value comes before anything else.
    const bool probeDrops = !m_probingDrops;
    if (probeDrops) {
        m_probingDrops = true;
        m_droppedFirst.reset();
        m_droppedLast.reset();
        int errorCode = 0;
        m_client->subscribe(droppedCounterTopic(), 0, &errorCode); // answered or not: only a hint
    }
    auto endProbe = [this, probeDrops] {
        if (!probeDrops)
            return;
        m_probingDrops = false;
        if (!coveredByActiveFilter(droppedCounterTopic()))
            unsubscribeFilter(droppedCounterTopic());
    };

    // QoS 1: where the publisher sent QoS 1, the broker queues for us rather than drops.
    const int qos = std::max(1, m_subscribeQos);
    QStringList subscribed;
    QStringList refusals;
    bool anyListening = false;
    for (const QString &filter : filters) {
        // Subscribing again to what a subscription already covers makes the broker send every
        // retained message twice.
        if (coveredByActiveFilter(filter)) {
            anyListening = true;
            continue;
        }
        const Result result = co_await subscribeAndWait(filter, kSubscribeTimeout, qos);
        if (!self)
            co_return Result::failure(ErrorKind::Connection, QString());
        if (result.ok()) {
            subscribed.append(filter);
            anyListening = true;
        } else if (result.kind == ErrorKind::Protocol) {
            refusals.append(result.error);
        } else {
            endProbe();
            co_return result;
        }
    }
    if (!anyListening) {
        endProbe();
        co_return Result::failure(ErrorKind::Protocol, refusals.join(QLatin1String("; ")));
    }

    // The end marker: queued by the broker behind every retained message of the subscriptions
    // above (QoS 0 ones are already on the wire, QoS 1 ones wait in the same queue).
    const QString syncTopic = m_syncTopic;
    const QByteArray syncToken = QUuid::createUuid().toByteArray(QUuid::Id128);
    m_syncToken = syncToken;
    m_syncSeen = false;
    bool marker = false;
    {
        const Result result = co_await subscribeAndWait(syncTopic, kSubscribeTimeout, 1);
        if (!self)
            co_return Result::failure(ErrorKind::Connection, QString());
        if (result.ok()) {
            int errorCode = 0;
            marker = m_client->publish(syncTopic, syncToken, 1, false, QString(), {}, &errorCode) >= 0;
        }
    }
    const qint64 listenFrom = QDateTime::currentMSecsSinceEpoch();
    // Without the marker, the end is when retained messages stop; with it, a marker the broker
    // silently dropped (an ACL) must not hold the verb until its timeout either.
    const qint64 quietMs = marker ? kMarkerLostMs : kQuietMs;
    auto quiet = [this, listenFrom, quietMs] {
        const qint64 last = std::max(m_lastRetainedMs, listenFrom);
        return QDateTime::currentMSecsSinceEpoch() - last >= quietMs;
    };
    if (m_discoverEndsWhenComplete) {
        // Until the marker is back (or, failing that, until the retained messages stop).
        while (!deadline.hasExpired() && !m_syncSeen && !quiet()) {
            const std::function<bool()> markerBack = [this] { return m_syncSeen; };
            const auto slice = std::chrono::milliseconds(std::clamp<qint64>(deadline.remainingTime(), 0, 250));
            co_await waitUntil(markerBack, slice);
            if (!self)
                co_return Result::failure(ErrorKind::Connection, QString());
            if (state() != ConnectorState::Connected)
                break;
        }
    } else {
        // The window as a whole: live messages published meanwhile are discovered too.
        while (!deadline.hasExpired()) {
            co_await QCoro::sleepFor(std::chrono::milliseconds(std::clamp<qint64>(deadline.remainingTime(), 1, 1000)));
            if (!self)
                co_return Result::failure(ErrorKind::Connection, QString());
        }
    }
    const bool synced = m_syncSeen;
    m_syncToken.clear();
    if (state() != ConnectorState::Connected) {
        endProbe();
        co_return notConnected();
    }
    unsubscribeFilter(syncTopic);
    for (const QString &filter : std::as_const(subscribed)) {
        if (!m_observed.contains(filter))
            unsubscribeFilter(filter);
    }
    // Everything found is handed over before the answer, which the caller may act on at once.
    const auto sent = std::make_shared<bool>(false);
    QPointer<Wakeup> wakeup(m_wakeup);
    flushThen([sent, wakeup] {
        *sent = true;
        if (wakeup)
            wakeup->notify();
    });
    const std::function<bool()> handedOver = [sent] { return *sent; };
    co_await waitUntil(handedOver, kSubscribeTimeout);
    if (!self)
        co_return Result::failure(ErrorKind::Connection, QString());

    // Say so when the count may be short, never silently.
    QStringList notes = refusals;
    const qint64 sinceRetained = QDateTime::currentMSecsSinceEpoch() - m_lastRetainedMs;
    if (!synced && m_lastRetainedMs >= listenFrom && sinceRetained < kStillArrivingMs)
        notes.append(tr("retained messages from %1 were still arriving when discovery ended after %2 s: "
                        "the list may be incomplete (give a longer --timeout)")
                         .arg(describeHost(), seconds(window)));
    if (probeDrops && m_droppedLast && m_droppedFirst && *m_droppedLast > *m_droppedFirst)
        notes.append(tr("%1 dropped %2 message(s) while discovery ran (its $SYS drop counter; "
                        "max_queued_messages?): the list may be incomplete")
                         .arg(describeHost())
                         .arg(*m_droppedLast - *m_droppedFirst));
    endProbe();
    Result result = Result::success();
    result.notice = notes.join(QLatin1String("; "));
    co_return result;
}

QCoro::Task<ReadResult> MqttConnector::read(const ResourceId &id, std::chrono::milliseconds timeout)
{
    QPointer<MqttConnector> self(this);
    const ResourceId target = id;
    const QString topic = target.topic();
    if (topic.isEmpty() || isWildcard(topic))
        co_return ReadResult{Result::failure(ErrorKind::Usage, tr("cannot read '%1': give one topic, not a filter "
                                                                 "(watch takes filters)")
                                                                  .arg(target.toString())),
                             target, {}};
    if (state() != ConnectorState::Connected)
        co_return ReadResult{notConnected(), target, {}};
    const quint64 token = m_nextReadToken++;
    m_reads.emplace(token, PendingRead{topic, std::nullopt});
    // Subscribing again makes the broker send the retained message again, even when observed.
    int errorCode = 0;
    if (m_client->subscribe(topic, m_subscribeQos, &errorCode) < 0) {
        m_reads.erase(token);
        co_return ReadResult{Result::failure(ErrorKind::Usage, tr("cannot read '%1': %2")
                                                                   .arg(topic, MosquittoClient::errorString(errorCode))),
                             target, {}};
    }
    const std::function<bool()> answered = [this, token] {
        const auto it = m_reads.find(token);
        return it == m_reads.end() || it->second.value.has_value() || state() != ConnectorState::Connected;
    };
    co_await waitUntil(answered, timeout);
    if (!self)
        co_return ReadResult{Result::failure(ErrorKind::Connection, QString()), target, {}};
    const std::optional<Value> value = m_reads[token].value;
    m_reads.erase(token);
    const bool otherReads = std::any_of(m_reads.begin(), m_reads.end(),
                                        [&topic](const auto &entry) { return entry.second.topic == topic; });
    if (!m_observed.contains(topic) && !otherReads)
        unsubscribeFilter(topic);
    if (value)
        co_return ReadResult{Result::success(), target, *value};
    if (state() != ConnectorState::Connected)
        co_return ReadResult{notConnected(), target, {}};
    co_return ReadResult{Result::failure(ErrorKind::Timeout, tr("no message on '%1' at %2 within %3 s")
                                                                 .arg(topic, describeHost(), seconds(timeout))),
                         target, {}};
}

QCoro::Task<Result> MqttConnector::write(const ResourceId &id, const QByteArray &payload, const WriteOptions &options)
{
    QPointer<MqttConnector> self(this);
    const ResourceId target = id;
    const QByteArray data = payload;
    const WriteOptions opts = options;
    const QString stateTopic = target.topic();
    if (stateTopic.isEmpty() || isWildcard(stateTopic))
        co_return Result::failure(ErrorKind::Usage, tr("cannot publish to '%1': give one topic, without wildcards")
                                                        .arg(target.toString()));
    if (opts.qos < 0 || opts.qos > 2)
        co_return Result::failure(ErrorKind::Usage, tr("QoS must be 0, 1 or 2, not %1").arg(opts.qos));
    if (state() != ConnectorState::Connected)
        co_return notConnected();
    const QString command = commandTopicFor(stateTopic);
    const QString topic = command.isEmpty() ? stateTopic : command;
    QString contentType = opts.mediaType;
    if (contentType.isEmpty() && opts.contentFormat >= 0)
        contentType = codecs::mediaTypeForContentFormat(opts.contentFormat);
    Result result = Result::success();
    if (m_client->protocolVersion() != 5 && (!opts.mediaType.isEmpty() || !opts.userProperties.isEmpty()))
        result.notice = tr("content type and user properties need MQTT 5: sent without them");

    int errorCode = 0;
    const quint64 ackSerialBefore = m_ackSerial;
    const int mid = m_client->publish(topic, data, opts.qos, opts.retain, contentType, opts.userProperties, &errorCode);
    if (mid < 0) {
        const bool usage = errorCode == MOSQ_ERR_INVAL || errorCode == MOSQ_ERR_PAYLOAD_SIZE
            || errorCode == MOSQ_ERR_MALFORMED_UTF8 || errorCode == MOSQ_ERR_QOS_NOT_SUPPORTED;
        co_return Result::failure(usage ? ErrorKind::Usage : ErrorKind::Connection,
                                  tr("cannot publish to '%1' on %2: %3")
                                      .arg(topic, describeHost(), MosquittoClient::errorString(errorCode)));
    }
    Update sent;
    sent.id = ResourceId::fromTopic(config().url, topic);
    sent.value = codecs::decode(data, opts.contentFormat, contentType, QDateTime::currentMSecsSinceEpoch());
    sent.direction = Direction::Out;
    sent.cause = opts.cause;
    sent.info = QStringLiteral("publish qos %1").arg(opts.qos) + (opts.retain ? QStringLiteral(" retain") : QString());
    post(std::move(sent));

    const int qos = opts.qos;
    const auto waiter = std::make_unique<Wakeup>();
    claimAck(mid, ackSerialBefore, waiter.get());
    const std::function<bool()> acked = [this, mid, qos] {
        return m_acks.contains(mid) || (qos == 0 && state() != ConnectorState::Connected);
    };
    const bool acknowledged = co_await waitUntil(waiter.get(), acked, opts.timeout);
    if (!self)
        co_return Result::failure(ErrorKind::Connection, QString());
    m_ackWaiters.remove(mid);
    if (!acknowledged || !m_acks.contains(mid)) {
        if (state() != ConnectorState::Connected)
            co_return notConnected();
        co_return Result::failure(ErrorKind::Timeout, tr("%1 did not acknowledge the message on '%2' within %3 s")
                                                          .arg(describeHost(), topic, seconds(opts.timeout)));
    }
    const int reason = m_acks.take(mid).reason;
    if (reason >= 0x80)
        co_return Result::failure(ErrorKind::Protocol, tr("%1 refused the message on '%2': %3")
                                                           .arg(describeHost(), topic,
                                                                QString::fromUtf8(mosquitto_reason_string(reason))));
    co_return result;
}

QCoro::Task<Result> MqttConnector::observe(const ResourceId &id)
{
    QPointer<MqttConnector> self(this);
    const ResourceId target = id;
    const QString topic = target.topic();
    const QStringList filters = topic.isEmpty() ? config().filters : QStringList{topic};
    for (const QString &filter : filters)
        ++m_observed[filter];
    if (state() != ConnectorState::Connected) {
        Result pending = Result::success();
        pending.notice = tr("not connected to %1 yet: subscribing once connected").arg(describeHost());
        co_return pending;
    }
    for (const QString &filter : filters) {
        if (m_activeFilters.contains(filter))
            continue;
        const Result result = co_await subscribeAndWait(filter, kSubscribeTimeout);
        if (!self)
            co_return Result::failure(ErrorKind::Connection, QString());
        if (!result.ok()) {
            unobserve(target); // not observed after all: keep the counts right
            co_return result;
        }
    }
    co_return Result::success();
}

void MqttConnector::unobserve(const ResourceId &id)
{
    const QString topic = id.topic();
    const QStringList filters = topic.isEmpty() ? config().filters : QStringList{topic};
    for (const QString &filter : filters) {
        auto it = m_observed.find(filter);
        if (it == m_observed.end())
            continue;
        if (--it.value() <= 0) {
            m_observed.erase(it);
            unsubscribeFilter(filter);
        }
    }
}

QCoro::Task<ClearResult> MqttConnector::clearRetained(const ResourceId &id, bool recursive)
{
    QPointer<MqttConnector> self(this);
    const ResourceId target = id;
    QString topic = target.topic();
    if (topic.contains(QLatin1Char('+')) || (topic.contains(QLatin1Char('#')) && !topic.endsWith(QLatin1Char('#'))))
        co_return ClearResult{Result::failure(ErrorKind::Usage, tr("cannot clear '%1': give a topic or a filter ending in '#'")
                                                                    .arg(target.toString())),
                              0};
    if (topic.endsWith(QLatin1Char('#'))) {
        topic.chop(1);
        if (topic.endsWith(QLatin1Char('/')))
            topic.chop(1); // "a/b" matches "a/b/#" too
        recursive = true;
    }
    if (topic.isEmpty() && !recursive)
        co_return ClearResult{Result::failure(ErrorKind::Usage, tr("cannot clear '%1': give a topic").arg(target.toString())),
                              0};
    if (state() != ConnectorState::Connected)
        co_return ClearResult{notConnected(), 0};
    QStringList topics;
    // One topic is cleared even when we never saw it retained (the broker may hold it);
    // below a topic only what the broker handed out as retained.
    const TopicInfo *own = topic.isEmpty() ? nullptr : m_topics.find(topic);
    if (!topic.isEmpty() && (!recursive || (own && own->retainedOnBroker)))
        topics.append(topic);
    if (recursive) {
        const QString prefix = topic.isEmpty() ? QString() : topic + QLatin1Char('/');
        m_topics.forEach([&](const TopicInfo &info) {
            const QStringView retained = TopicTable::topicOf(info.id);
            if (info.retainedOnBroker && retained.startsWith(prefix) && retained != topic)
                topics.append(retained.toString());
        });
        std::sort(topics.begin(), topics.end());
    }
    const auto waiter = std::make_unique<Wakeup>();
    QList<int> mids;
    auto release = [this, &mids] {
        for (int mid : std::as_const(mids)) {
            m_acks.remove(mid);
            m_ackWaiters.remove(mid);
        }
    };
    for (const QString &clear : std::as_const(topics)) {
        int errorCode = 0;
        const quint64 ackSerialBefore = m_ackSerial;
        const int mid = m_client->publish(clear, QByteArray(), 1, true, QString(), {}, &errorCode);
        if (mid < 0) {
            release();
            co_return ClearResult{Result::failure(ErrorKind::Connection, tr("cannot clear '%1' on %2: %3")
                                                                             .arg(clear, describeHost(),
                                                                                  MosquittoClient::errorString(errorCode))),
                                  0};
        }
        mids.append(mid);
        claimAck(mid, ackSerialBefore, waiter.get());
        if (TopicInfo *cleared = m_topics.find(clear))
            cleared->retainedOnBroker = false;
        Update sent;
        sent.id = ResourceId::fromTopic(config().url, clear);
        sent.direction = Direction::Out;
        sent.info = QStringLiteral("publish qos 1 retain (clear)");
        post(sent);
        Update cleared;
        cleared.id = sent.id;
        cleared.metadata.edit().retained.set(false, MetaSource::Protocol);
        post(std::move(cleared));
    }
    // Counted down as acks arrive: each ack wakes this one waiter, which checks in O(1).
    const std::function<bool()> allAcked = [this, &mids] {
        if (state() != ConnectorState::Connected)
            return true;
        while (!mids.isEmpty() && m_acks.contains(mids.last())) {
            const int mid = mids.takeLast();
            m_acks.remove(mid);
            m_ackWaiters.remove(mid);
        }
        return mids.isEmpty();
    };
    const bool acknowledged = co_await waitUntil(waiter.get(), allAcked, std::chrono::milliseconds(config().requestTimeoutMs));
    if (!self)
        co_return ClearResult{Result::failure(ErrorKind::Connection, QString()), 0};
    const qsizetype unanswered = mids.size();
    release();
    if (!acknowledged || unanswered > 0)
        co_return ClearResult{Result::failure(state() == ConnectorState::Connected ? ErrorKind::Timeout : ErrorKind::Connection,
                                              tr("%1 did not acknowledge clearing %n retained topic(s)", nullptr, int(unanswered))
                                                  .arg(describeHost())),
                              int(topics.size() - unanswered)};
    ClearResult result{Result::success(), int(topics.size())};
    result.result.notice = tr("cleared %n retained topic(s)", nullptr, int(topics.size()));
    co_return result;
}

} // namespace thingscape
