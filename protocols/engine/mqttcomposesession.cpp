#include "mqttcomposesession.h"

#include "model/codecs/codecs.h"
#include "protocols/mqtt/mosquittoclient.h"

#include <QHostAddress>
#include <QHostInfo>
#include <QUuid>

namespace thingscape {

MqttComposeSession::MqttComposeSession(EndpointConfig config, ComposeRequest request, QByteArray payload, Done done,
                                       QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_request(std::move(request))
    , m_payload(std::move(payload))
    , m_done(std::move(done))
    , m_client(std::make_unique<MosquittoClient>())
{
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, [this] {
        fail(ErrorKind::Timeout, m_published ? tr("no reply on %1 within %2 ms").arg(m_request.responseTopic).arg(m_request.timeoutMs)
                                             : tr("%1: no answer within %2 ms").arg(m_config.url.hostPort()).arg(m_request.timeoutMs));
    });
    connect(m_client.get(), &MosquittoClient::connectAcknowledged, this, [this](int rc, bool) { onConnected(rc); });
    connect(m_client.get(), &MosquittoClient::subscribed, this, [this](int mid, const QList<int> &) { onSubscribed(mid); });
    connect(m_client.get(), &MosquittoClient::published, this, &MqttComposeSession::onPublished);
    connect(m_client.get(), &MosquittoClient::messageReceived, this, &MqttComposeSession::onMessage);
    connect(m_client.get(), &MosquittoClient::connectionLost, this, &MqttComposeSession::onLost);
}

MqttComposeSession::~MqttComposeSession()
{
    if (m_client)
        m_client->abort();
}

void MqttComposeSession::start()
{
    m_clock.start();
    m_timeout.start(std::max(1, m_request.timeoutMs));
    const auto target = ResourceId::parse(m_request.uri);
    m_topic = target ? target->topic() : QString();
    if (m_topic.isEmpty()) {
        fail(ErrorKind::Usage, tr("%1: no topic to publish to").arg(m_request.uri));
        return;
    }
    if (m_topic.contains(QLatin1Char('+')) || m_topic.contains(QLatin1Char('#'))) {
        fail(ErrorKind::Usage, tr("%1: a topic to publish to cannot hold the wildcards + or #").arg(m_topic));
        return;
    }
    if (m_request.waitForReply && m_request.responseTopic.isEmpty()) {
        fail(ErrorKind::Usage, tr("waiting for a reply needs a response topic"));
        return;
    }
    m_config.mqttVersion = 5;
    m_config.cleanSession = true;
    m_config.willTopic.clear();
    const QString clientId = QStringLiteral("thingscape-compose-") + QUuid::createUuid().toString(QUuid::Id128).left(12);
    QString error;
    if (!m_client->configure(m_config, clientId, &error)) {
        fail(ErrorKind::Usage, tr("%1: %2").arg(m_config.url.hostPort(), error));
        return;
    }
    const QString host = m_config.url.host();
    auto connectTo = [this](const QString &address) {
        int errorCode = 0;
        if (!m_client->connectAsync(address, m_config.url.port(), std::max(5, m_config.keepAliveSeconds), &errorCode))
            fail(ErrorKind::Connection, tr("%1: %2").arg(m_config.url.hostPort(), MosquittoClient::errorString(errorCode)));
    };
    QHostAddress literal;
    if (literal.setAddress(host) || m_config.url.isSecure()) {
        connectTo(host);
        return;
    }
    QPointer<MqttComposeSession> self(this);
    QHostInfo::lookupHost(host, this, [self, connectTo, host](const QHostInfo &info) {
        if (!self || self->m_finished)
            return;
        if (info.error() != QHostInfo::NoError || info.addresses().isEmpty()) {
            self->fail(ErrorKind::Connection, tr("%1: unknown host (%2)").arg(host, info.errorString()));
            return;
        }
        connectTo(info.addresses().constFirst().toString());
    });
}

void MqttComposeSession::cancel()
{
    m_finished = true;
    m_timeout.stop();
    if (m_client)
        m_client->disconnect();
    deleteLater();
}

void MqttComposeSession::onConnected(int rc)
{
    if (m_finished)
        return;
    if (rc != 0) {
        fail(rc == 4 || rc == 5 || rc == 134 || rc == 135 ? ErrorKind::Auth : ErrorKind::Protocol,
             tr("%1 refused the connection (code %2)").arg(m_config.url.hostPort()).arg(rc));
        return;
    }
    if (m_request.waitForReply) {
        int errorCode = 0;
        m_subscribeMid = m_client->subscribe(m_request.responseTopic, 1, &errorCode);
        if (m_subscribeMid < 0)
            fail(ErrorKind::Protocol, tr("cannot subscribe to %1: %2").arg(m_request.responseTopic,
                                                                         MosquittoClient::errorString(errorCode)));
        return;
    }
    publish();
}

void MqttComposeSession::onSubscribed(int mid)
{
    if (!m_finished && mid == m_subscribeMid)
        publish();
}

void MqttComposeSession::publish()
{
    MqttPublishProperties properties;
    properties.contentType = m_request.contentType;
    properties.responseTopic = m_request.responseTopic;
    properties.correlationData = m_request.correlationData;
    properties.userProperties = m_request.userProperties;
    properties.messageExpirySeconds = quint32(std::clamp<qint64>(m_request.messageExpirySeconds, 0, 0xffffffffLL));
    int errorCode = 0;
    m_publishMid = m_client->publish(m_topic, m_payload, std::clamp(m_request.qos, 0, 2), m_request.retain, properties,
                                     &errorCode);
    if (m_publishMid < 0)
        fail(ErrorKind::Protocol, tr("cannot publish to %1: %2").arg(m_topic, MosquittoClient::errorString(errorCode)));
}

void MqttComposeSession::onPublished(int mid, int reasonCode)
{
    if (m_finished || mid != m_publishMid)
        return;
    ComposeResponse response;
    response.status = reasonCode;
    if (reasonCode >= 128) {
        response.result = Result::failure(ErrorKind::Protocol,
                                          tr("the broker refused the message to %1 (reason code %2)").arg(m_topic).arg(reasonCode));
        finish(response);
        return;
    }
    response.statusText = m_request.qos == 0 ? tr("sent (QoS 0)")
                                             : tr("acknowledged (QoS %1, reason code %2)").arg(m_request.qos).arg(reasonCode);
    m_published = true;
    if (!m_request.waitForReply) {
        finish(response);
        return;
    }
    m_ack = response;
}

void MqttComposeSession::onMessage(const MqttMessage &message)
{
    if (m_finished || !m_request.waitForReply || message.topic != m_request.responseTopic)
        return;
    // A reply to someone else's request on a shared response topic is not ours.
    if (!m_request.correlationData.isEmpty() && message.correlationData != m_request.correlationData)
        return;
    ComposeResponse response;
    response.status = 0;
    response.statusText = tr("reply on %1").arg(message.topic);
    response.replyTopic = message.topic;
    response.payload = message.payload;
    response.mediaType = message.contentType;
    response.contentFormat = message.contentType.isEmpty() ? -1 : codecs::contentFormatForMediaType(message.contentType);
    response.fields.append({tr("Topic"), message.topic});
    response.fields.append({tr("QoS"), QString::number(message.qos)});
    if (message.retain)
        response.fields.append({tr("Retain"), tr("yes")});
    if (!message.contentType.isEmpty())
        response.fields.append({tr("Content type"), message.contentType});
    if (!message.correlationData.isEmpty())
        response.fields.append({tr("Correlation data"), QString::fromLatin1(message.correlationData.toHex(' '))});
    if (!message.responseTopic.isEmpty())
        response.fields.append({tr("Response topic"), message.responseTopic});
    for (const auto &[name, value] : message.userProperties)
        response.fields.append({name, value});
    finish(response);
}

void MqttComposeSession::onLost(int rc, int sysErrno)
{
    if (m_finished)
        return;
    fail(ErrorKind::Connection, tr("%1: %2").arg(m_config.url.hostPort(), MosquittoClient::errorString(rc, sysErrno)));
}

void MqttComposeSession::fail(ErrorKind kind, const QString &error)
{
    ComposeResponse response;
    response.result = Result::failure(kind, error);
    finish(response);
}

void MqttComposeSession::finish(ComposeResponse response)
{
    if (m_finished)
        return;
    m_finished = true;
    m_timeout.stop();
    response.roundTrip = std::chrono::milliseconds(m_clock.isValid() ? m_clock.elapsed() : 0);
    response.time = QDateTime::currentDateTimeUtc();
    if (m_client)
        m_client->disconnect();
    if (m_done)
        m_done(response);
    deleteLater();
}

} // namespace thingscape
