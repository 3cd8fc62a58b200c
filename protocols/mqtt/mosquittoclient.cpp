#include "mosquittoclient.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFileInfo>
#include <QSocketNotifier>
#include <QThread>
#include <QTimer>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

namespace thingscape {

namespace {

// Enough to drain a burst without starving the rest of the event loop.
constexpr int kMaxReadsPerActivation = 2000;
constexpr int kMiscIntervalMs = 1000;
// Closing: at most this long to send what is queued (in at most this many write turns) and,
// after DISCONNECT, to read until the broker closes.
constexpr int kFlushBeforeCloseMs = 500;
constexpr int kMaxFlushTurns = 64;
// A PUBLISH is its payload plus the topic (up to 64 KiB), packet id and properties.
constexpr qint64 kPacketHeaderSlack = 64 * 1024 + 1024;
// The largest packet MQTT can frame: 256 MiB of remaining length plus the fixed header.
constexpr qint64 kMaxMqttPacket = 268435455 + 5;

void initLibrary()
{
    static std::once_flag once;
    std::call_once(once, [] {
        mosquitto_lib_init();
        // OpenSSL writes with write(), not send(MSG_NOSIGNAL): a TLS broker that goes away would
        // kill the process with SIGPIPE. Leave any handler the application installed alone.
        struct sigaction current = {};
        if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL)
            std::signal(SIGPIPE, SIG_IGN);
    });
}

QString fromUtf8(const char *text)
{
    return text ? QString::fromUtf8(text) : QString();
}

} // namespace

MosquittoClient::MosquittoClient(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<thingscape::MqttMessage>();
}

MosquittoClient::~MosquittoClient()
{
    destroyHandle();
}

void MosquittoClient::destroyHandle()
{
    m_readNotifier.reset();
    m_writeNotifier.reset();
    m_socket = -1;
    if (m_mosq) {
        mosquitto_destroy(m_mosq);
        m_mosq = nullptr;
    }
    m_events.clear();
}

QString MosquittoClient::errorString(int mosqErrorCode, int sysErrno)
{
    if (mosqErrorCode == MOSQ_ERR_ERRNO && sysErrno != 0)
        return QString::fromLocal8Bit(std::strerror(sysErrno)).toLower();
    switch (mosqErrorCode) {
    case MOSQ_ERR_CONN_LOST:
        return tr("the connection was lost");
    case MOSQ_ERR_KEEPALIVE:
        return tr("the broker stopped answering (keep-alive timeout)");
    case MOSQ_ERR_TLS:
        return tr("TLS failure");
    case MOSQ_ERR_NO_CONN:
        return tr("not connected");
    case MOSQ_ERR_EAI:
        return tr("unknown host");
    default:
        return fromUtf8(mosquitto_strerror(mosqErrorCode));
    }
}

bool MosquittoClient::configure(const EndpointConfig &config, const QString &clientId, QString *error)
{
    initLibrary();
    destroyHandle();
    auto fail = [this, error](const QString &why) {
        if (error)
            *error = why;
        destroyHandle();
        return false;
    };
    m_mosq = mosquitto_new(clientId.toUtf8().constData(), config.cleanSession, this);
    if (!m_mosq)
        return fail(errno == EINVAL ? tr("a persistent session needs a client id")
                                    : tr("cannot create an MQTT client: %1").arg(QString::fromLocal8Bit(std::strerror(errno))));
    m_protocolVersion = config.mqttVersion == 5 ? 5 : 4;
    mosquitto_int_option(m_mosq, MOSQ_OPT_PROTOCOL_VERSION,
                         m_protocolVersion == 5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
    if (m_protocolVersion == 5 && config.maxMessageBytes > 0
        && config.maxMessageBytes + kPacketHeaderSlack < kMaxMqttPacket) {
        // MQTT 5 Maximum-Packet-Size: the broker drops what we would not keep anyway instead
        // of sending it. libmosquitto 2.0 sends CONNECT properties only through the blocking
        // mosquitto_connect_bind_v5(), but that copies them into the handle before it checks
        // the host; with no host it returns MOSQ_ERR_INVAL without connecting, and
        // mosquitto_connect_async() / mosquitto_reconnect_async() send what it kept.
        // (Checked against 2.0.11 by tst_mqttconnector::brokerDropsOverMaximumPacketSize.)
        mosquitto_property *props = nullptr;
        mosquitto_property_add_int32(&props, MQTT_PROP_MAXIMUM_PACKET_SIZE,
                                     uint32_t(config.maxMessageBytes + kPacketHeaderSlack));
        const int rc = mosquitto_connect_bind_v5(m_mosq, nullptr, 0, 60, nullptr, props);
        mosquitto_property_free_all(&props);
        if (rc != MOSQ_ERR_INVAL)
            return fail(tr("cannot set the MQTT 5 maximum packet size: %1").arg(errorString(rc)));
    }
    mosquitto_connect_v5_callback_set(m_mosq, &MosquittoClient::onConnect);
    mosquitto_disconnect_v5_callback_set(m_mosq, &MosquittoClient::onDisconnect);
    mosquitto_message_v5_callback_set(m_mosq, &MosquittoClient::onMessage);
    mosquitto_publish_v5_callback_set(m_mosq, &MosquittoClient::onPublish);
    mosquitto_subscribe_v5_callback_set(m_mosq, &MosquittoClient::onSubscribe);
    mosquitto_unsubscribe_v5_callback_set(m_mosq, &MosquittoClient::onUnsubscribe);

    if (!config.username.isEmpty() || !config.password.isEmpty()) {
        const QByteArray user = config.username.toUtf8();
        const QByteArray password = config.password.toUtf8();
        if (mosquitto_username_pw_set(m_mosq, user.constData(), password.isEmpty() ? nullptr : password.constData())
            != MOSQ_ERR_SUCCESS)
            return fail(tr("the user name is not valid UTF-8"));
    }
    if (!config.willTopic.isEmpty()) {
        const int rc = mosquitto_will_set(m_mosq, config.willTopic.toUtf8().constData(), int(config.willPayload.size()),
                                          config.willPayload.constData(), std::clamp(config.willQos, 0, 2),
                                          config.willRetain);
        if (rc != MOSQ_ERR_SUCCESS)
            return fail(tr("the last-will topic '%1' is not valid: %2").arg(config.willTopic, errorString(rc)));
    }
    if (config.url.isSecure()) {
        for (const QString &file : {config.caFile, config.certFile, config.keyFile}) {
            if (!file.isEmpty() && !QFileInfo(file).isReadable())
                return fail(tr("cannot read '%1'").arg(file));
        }
        if (config.certFile.isEmpty() != config.keyFile.isEmpty())
            return fail(tr("a client certificate needs its key, and a key its certificate"));
        const QByteArray ca = config.caFile.toLocal8Bit();
        const QByteArray cert = config.certFile.toLocal8Bit();
        const QByteArray key = config.keyFile.toLocal8Bit();
        m_keyPassword = config.keyPassword.toUtf8();
        if (ca.isEmpty())
            mosquitto_int_option(m_mosq, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
        // Always our password callback: OpenSSL's default one would prompt on the terminal.
        const int rc = mosquitto_tls_set(m_mosq, ca.isEmpty() ? nullptr : ca.constData(),
                                         ca.isEmpty() ? "/etc/ssl/certs" : nullptr,
                                         cert.isEmpty() ? nullptr : cert.constData(),
                                         key.isEmpty() ? nullptr : key.constData(), &MosquittoClient::onKeyPassword);
        if (rc != MOSQ_ERR_SUCCESS)
            return fail(tr("TLS setup failed: %1").arg(errorString(rc, errno)));
        if (config.insecure) {
            mosquitto_tls_insecure_set(m_mosq, true);
            mosquitto_tls_opts_set(m_mosq, 0 /* SSL_VERIFY_NONE */, nullptr, nullptr);
        }
    }
    return true;
}

bool MosquittoClient::connectAsync(const QString &host, quint16 port, int keepAlive, int *errorCode)
{
    if (!m_mosq) {
        *errorCode = MOSQ_ERR_INVAL;
        return false;
    }
    m_lastLogError.clear();
    // The library's log tells why TLS or a connect failed. Only while connecting: with a log
    // callback set, libmosquitto formats a debug line (vsnprintf) for every packet in and out,
    // about a third of its cost per message (onConnect takes it off again).
    mosquitto_log_callback_set(m_mosq, &MosquittoClient::onLog);
    m_handshaking = true;
    errno = 0;
    const int rc = mosquitto_connect_async(m_mosq, host.toUtf8().constData(), port, std::clamp(keepAlive, 5, 65535));
    const int savedErrno = errno;
    if (rc != MOSQ_ERR_SUCCESS) {
        *errorCode = rc;
        errno = savedErrno;
        m_handshaking = false;
        updateNotifiers();
        return false;
    }
    updateNotifiers();
    return true;
}

QDeadlineTimer MosquittoClient::closeDeadline()
{
    // On a GUI application's main thread nothing waits.
    const QCoreApplication *app = QCoreApplication::instance();
    const bool guiThread = app && app->thread() == QThread::currentThread() && app->inherits("QGuiApplication");
    return QDeadlineTimer(guiThread ? 0 : kFlushBeforeCloseMs);
}

void MosquittoClient::flushOutgoing(QDeadlineTimer deadline)
{
    // libmosquitto writes what it queued (PUBACKs among them) only while the socket takes it,
    // and closing drops the rest: the broker would then send those QoS 1 messages again when
    // the session resumes. A few write turns, bounded in time.
    for (int turn = 0; turn < kMaxFlushTurns && mosquitto_want_write(m_mosq); ++turn) {
        const int socket = mosquitto_socket(m_mosq);
        if (socket < 0)
            return;
        pollfd pfd{socket, POLLOUT, 0};
        if (::poll(&pfd, 1, int(deadline.remainingTime())) <= 0)
            return;
        errno = 0;
        if (mosquitto_loop_write(m_mosq, 1) != MOSQ_ERR_SUCCESS)
            return;
    }
}

void MosquittoClient::drainAndClose(int fd, QDeadlineTimer deadline)
{
    // Our end of the connection after DISCONNECT: shut for writing (a FIN after it), and read
    // and drop what the broker still sends until it closes, so that the close is no reset:
    // on a reset the broker may give up the connection before it has read our last PUBACKs.
    ::shutdown(fd, SHUT_WR);
    char buffer[16384];
    for (;;) {
        pollfd pfd{fd, POLLIN, 0};
        if (::poll(&pfd, 1, int(deadline.remainingTime())) <= 0)
            break;
        if (::read(fd, buffer, sizeof buffer) <= 0)
            break;
    }
    ::close(fd);
}

void MosquittoClient::disconnect()
{
    if (!m_mosq)
        return;
    const QDeadlineTimer deadline = closeDeadline();
    int held = -1;
    if (mosquitto_socket(m_mosq) >= 0) {
        flushOutgoing(deadline);
        // A second descriptor keeps the connection open past the library's close.
        held = ::dup(mosquitto_socket(m_mosq));
    }
    mosquitto_disconnect(m_mosq);
    const bool closedByLibrary = mosquitto_socket(m_mosq) < 0; // DISCONNECT written
    afterLibraryCall(MOSQ_ERR_SUCCESS);
    if (held >= 0) {
        if (closedByLibrary)
            drainAndClose(held, deadline);
        else
            ::close(held);
    }
}

void MosquittoClient::abort()
{
    if (m_mosq && mosquitto_socket(m_mosq) >= 0)
        ::shutdown(mosquitto_socket(m_mosq), SHUT_RDWR);
}

bool MosquittoClient::isSocketOpen() const
{
    return m_mosq && mosquitto_socket(m_mosq) >= 0;
}

int MosquittoClient::publish(const QString &topic, const QByteArray &payload, int qos, bool retain,
                             const QString &contentType, const QList<QPair<QString, QString>> &userProperties,
                             int *errorCode)
{
    MqttPublishProperties properties;
    properties.contentType = contentType;
    properties.userProperties = userProperties;
    return publish(topic, payload, qos, retain, properties, errorCode);
}

int MosquittoClient::publish(const QString &topic, const QByteArray &payload, int qos, bool retain,
                             const MqttPublishProperties &properties, int *errorCode)
{
    if (!m_mosq) {
        *errorCode = MOSQ_ERR_NO_CONN;
        return -1;
    }
    mosquitto_property *props = nullptr;
    if (m_protocolVersion == 5) {
        if (!properties.contentType.isEmpty())
            mosquitto_property_add_string(&props, MQTT_PROP_CONTENT_TYPE, properties.contentType.toUtf8().constData());
        if (!properties.responseTopic.isEmpty())
            mosquitto_property_add_string(&props, MQTT_PROP_RESPONSE_TOPIC,
                                          properties.responseTopic.toUtf8().constData());
        if (!properties.correlationData.isEmpty())
            mosquitto_property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, properties.correlationData.constData(),
                                          uint16_t(std::min<qsizetype>(properties.correlationData.size(), 65535)));
        if (properties.messageExpirySeconds > 0)
            mosquitto_property_add_int32(&props, MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, properties.messageExpirySeconds);
        for (const auto &[name, value] : properties.userProperties)
            mosquitto_property_add_string_pair(&props, MQTT_PROP_USER_PROPERTY, name.toUtf8().constData(),
                                               value.toUtf8().constData());
    }
    int mid = 0;
    const int rc = mosquitto_publish_v5(m_mosq, &mid, topic.toUtf8().constData(), int(payload.size()),
                                        payload.constData(), qos, retain, props);
    mosquitto_property_free_all(&props);
    afterLibraryCall(MOSQ_ERR_SUCCESS);
    if (rc != MOSQ_ERR_SUCCESS) {
        *errorCode = rc;
        return -1;
    }
    return mid;
}

int MosquittoClient::subscribe(const QString &filter, int qos, int *errorCode)
{
    if (!m_mosq) {
        *errorCode = MOSQ_ERR_NO_CONN;
        return -1;
    }
    int mid = 0;
    const int rc = mosquitto_subscribe(m_mosq, &mid, filter.toUtf8().constData(), qos);
    afterLibraryCall(MOSQ_ERR_SUCCESS);
    if (rc != MOSQ_ERR_SUCCESS) {
        *errorCode = rc;
        return -1;
    }
    return mid;
}

int MosquittoClient::unsubscribe(const QString &filter, int *errorCode)
{
    if (!m_mosq) {
        *errorCode = MOSQ_ERR_NO_CONN;
        return -1;
    }
    int mid = 0;
    const int rc = mosquitto_unsubscribe(m_mosq, &mid, filter.toUtf8().constData());
    afterLibraryCall(MOSQ_ERR_SUCCESS);
    if (rc != MOSQ_ERR_SUCCESS) {
        *errorCode = rc;
        return -1;
    }
    return mid;
}

void MosquittoClient::onReadable()
{
    if (!m_mosq)
        return;
    int rc = MOSQ_ERR_SUCCESS;
    // loop_read handles about one packet per call: drain what the socket holds.
    for (int i = 0; i < kMaxReadsPerActivation && m_messagesLeft != 0; ++i) {
        errno = 0;
        rc = mosquitto_loop_read(m_mosq, 1);
        if (rc != MOSQ_ERR_SUCCESS || errno == EAGAIN || errno == EWOULDBLOCK || mosquitto_socket(m_mosq) < 0)
            break;
    }
    afterLibraryCall(rc);
}

void MosquittoClient::onWritable()
{
    if (!m_mosq)
        return;
    errno = 0;
    int rc = mosquitto_loop_write(m_mosq, 1);
    // The TLS handshake only advances from loop_read, whichever way the socket is ready.
    if (rc == MOSQ_ERR_SUCCESS && m_handshaking && mosquitto_socket(m_mosq) >= 0) {
        errno = 0;
        rc = mosquitto_loop_read(m_mosq, 1);
    }
    afterLibraryCall(rc);
}

void MosquittoClient::onMiscTimer()
{
    if (!m_mosq || mosquitto_socket(m_mosq) < 0)
        return;
    const int rc = mosquitto_loop_misc(m_mosq);
    afterLibraryCall(rc == MOSQ_ERR_NO_CONN ? MOSQ_ERR_SUCCESS : rc);
}

void MosquittoClient::afterLibraryCall(int rc)
{
    const int savedErrno = errno;
    const bool hadSocket = m_socket >= 0;
    updateNotifiers();
    if (rc != MOSQ_ERR_SUCCESS && hadSocket && m_socket < 0) {
        // The library closed the socket; make sure the loss is reported once.
        const bool reported = std::any_of(m_events.begin(), m_events.end(), [](const Event &event) {
            return std::holds_alternative<DisconnectEvent>(event);
        });
        if (!reported)
            m_events.emplace_back(DisconnectEvent{rc, savedErrno});
    }
    if (m_dispatching)
        return;
    dispatch();
}

void MosquittoClient::updateNotifiers()
{
    const int socket = m_mosq ? mosquitto_socket(m_mosq) : -1;
    if (socket != m_socket) {
        m_readNotifier.reset();
        m_writeNotifier.reset();
        m_socket = socket;
        if (socket >= 0) {
            m_readNotifier = std::make_unique<QSocketNotifier>(socket, QSocketNotifier::Read);
            connect(m_readNotifier.get(), &QSocketNotifier::activated, this, &MosquittoClient::onReadable);
            m_writeNotifier = std::make_unique<QSocketNotifier>(socket, QSocketNotifier::Write);
            connect(m_writeNotifier.get(), &QSocketNotifier::activated, this, &MosquittoClient::onWritable);
            if (!m_miscTimer) {
                m_miscTimer = new QTimer(this);
                m_miscTimer->setInterval(kMiscIntervalMs);
                connect(m_miscTimer, &QTimer::timeout, this, &MosquittoClient::onMiscTimer);
            }
            m_miscTimer->start();
        } else if (m_miscTimer) {
            m_miscTimer->stop();
        }
    }
    if (m_writeNotifier)
        m_writeNotifier->setEnabled(mosquitto_want_write(m_mosq));
    if (m_readNotifier && m_messagesLeft == 0)
        m_readNotifier->setEnabled(false);
}

void MosquittoClient::setMessageLimit(qint64 messages, const QString &uncounted)
{
    m_messagesLeft = std::max<qint64>(messages, -1);
    m_uncountedTopic = uncounted.toUtf8();
    updateNotifiers();
}

void MosquittoClient::scheduleDispatch()
{
    if (m_dispatchScheduled)
        return;
    m_dispatchScheduled = true;
    QMetaObject::invokeMethod(this, [this] {
        m_dispatchScheduled = false;
        dispatch();
    }, Qt::QueuedConnection);
}

void MosquittoClient::dispatch()
{
    if (m_dispatching) {
        scheduleDispatch();
        return;
    }
    m_dispatching = true;
    while (!m_events.empty()) {
        std::vector<Event> events;
        events.swap(m_events);
        for (Event &event : events) {
            if (auto *message = std::get_if<MqttMessage>(&event)) {
                Q_EMIT messageReceived(*message);
            } else if (auto *connack = std::get_if<ConnectEvent>(&event)) {
                m_handshaking = false;
                Q_EMIT connectAcknowledged(connack->rc, connack->sessionPresent);
            } else if (auto *lost = std::get_if<DisconnectEvent>(&event)) {
                m_handshaking = false;
                Q_EMIT connectionLost(lost->rc, lost->sysErrno);
            } else if (auto *publish = std::get_if<PublishEvent>(&event)) {
                Q_EMIT published(publish->mid, publish->reasonCode);
            } else if (auto *suback = std::get_if<SubscribeEvent>(&event)) {
                Q_EMIT subscribed(suback->mid, suback->granted);
            } else if (auto *unsuback = std::get_if<UnsubscribeEvent>(&event)) {
                Q_EMIT unsubscribed(unsuback->mid);
            }
        }
    }
    m_dispatching = false;
    updateNotifiers();
}

// The callbacks below run inside libmosquitto calls: they only queue.

void MosquittoClient::onConnect(struct mosquitto *mosq, void *obj, int rc, int flags, const mosquitto_property *)
{
    if (rc == 0)
        mosquitto_log_callback_set(mosq, nullptr);
    static_cast<MosquittoClient *>(obj)->m_events.emplace_back(ConnectEvent{rc, (flags & 1) != 0});
}

void MosquittoClient::onDisconnect(struct mosquitto *, void *obj, int rc, const mosquitto_property *)
{
    const int savedErrno = errno;
    static_cast<MosquittoClient *>(obj)->m_events.emplace_back(DisconnectEvent{rc, savedErrno});
}

void MosquittoClient::onMessage(struct mosquitto *, void *obj, const struct mosquitto_message *message,
                                const mosquitto_property *props)
{
    auto *client = static_cast<MosquittoClient *>(obj);
    if (client->m_messagesLeft > 0 && client->m_uncountedTopic != message->topic)
        --client->m_messagesLeft;
    MqttMessage copy;
    copy.topic = QString::fromUtf8(message->topic);
    copy.payload = QByteArray(static_cast<const char *>(message->payload), message->payloadlen);
    copy.qos = message->qos;
    copy.retain = message->retain;
    if (props) {
        char *contentType = nullptr;
        if (mosquitto_property_read_string(props, MQTT_PROP_CONTENT_TYPE, &contentType, false)) {
            copy.contentType = QString::fromUtf8(contentType);
            free(contentType);
        }
        char *responseTopic = nullptr;
        if (mosquitto_property_read_string(props, MQTT_PROP_RESPONSE_TOPIC, &responseTopic, false)) {
            copy.responseTopic = QString::fromUtf8(responseTopic);
            free(responseTopic);
        }
        void *correlation = nullptr;
        uint16_t correlationLength = 0;
        if (mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &correlation, &correlationLength, false)) {
            copy.correlationData = QByteArray(static_cast<const char *>(correlation), correlationLength);
            free(correlation);
        }
        uint32_t expiry = 0;
        if (mosquitto_property_read_int32(props, MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, &expiry, false))
            copy.messageExpirySeconds = expiry;
        bool skipFirst = false;
        const mosquitto_property *prop = props;
        while (true) {
            char *name = nullptr;
            char *value = nullptr;
            prop = mosquitto_property_read_string_pair(prop, MQTT_PROP_USER_PROPERTY, &name, &value, skipFirst);
            if (!prop)
                break;
            copy.userProperties.append({QString::fromUtf8(name), QString::fromUtf8(value)});
            free(name);
            free(value);
            skipFirst = true;
        }
    }
    static_cast<MosquittoClient *>(obj)->m_events.emplace_back(std::move(copy));
}

void MosquittoClient::onPublish(struct mosquitto *, void *obj, int mid, int reasonCode, const mosquitto_property *)
{
    static_cast<MosquittoClient *>(obj)->m_events.emplace_back(PublishEvent{mid, reasonCode});
}

void MosquittoClient::onSubscribe(struct mosquitto *, void *obj, int mid, int count, const int *granted,
                                  const mosquitto_property *)
{
    QList<int> list;
    for (int i = 0; i < count; ++i)
        list.append(granted[i]);
    static_cast<MosquittoClient *>(obj)->m_events.emplace_back(SubscribeEvent{mid, list});
}

void MosquittoClient::onUnsubscribe(struct mosquitto *, void *obj, int mid, const mosquitto_property *)
{
    static_cast<MosquittoClient *>(obj)->m_events.emplace_back(UnsubscribeEvent{mid});
}

void MosquittoClient::onLog(struct mosquitto *, void *obj, int level, const char *text)
{
    if (level == MOSQ_LOG_ERR)
        static_cast<MosquittoClient *>(obj)->m_lastLogError = QString::fromUtf8(text);
}

int MosquittoClient::onKeyPassword(char *buf, int size, int, void *mosq)
{
    // libmosquitto hands OpenSSL its own handle as the callback's user data.
    auto *self = static_cast<MosquittoClient *>(mosquitto_userdata(static_cast<struct mosquitto *>(mosq)));
    if (!self)
        return 0;
    const QByteArray &password = self->m_keyPassword;
    if (size <= 0 || password.size() >= size)
        return 0;
    std::memcpy(buf, password.constData(), size_t(password.size()));
    buf[password.size()] = '\0';
    return int(password.size());
}

} // namespace thingscape
