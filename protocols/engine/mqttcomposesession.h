#pragma once

#include "composeresponse.h"

#include "model/composerequest.h"
#include "model/endpointconfig.h"
#include "protocols/mqtt/mqttmessage.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>

namespace thingscape {

class MosquittoClient;

// One composed MQTT publish on a connection of its own (MQTT 5, so that every property goes
// whatever version the workspace's endpoint speaks): connect, subscribe to the response topic
// when a reply is awaited, publish, wait for the acknowledgement (and the reply with the same
// correlation data), disconnect. Reports once through done, then deletes itself later.
class MqttComposeSession : public QObject
{
    Q_OBJECT

public:
    using Done = std::function<void(const ComposeResponse &)>;

    MqttComposeSession(EndpointConfig config, ComposeRequest request, QByteArray payload, Done done,
                       QObject *parent = nullptr);
    ~MqttComposeSession() override;

    void start();
    // Stops without reporting.
    void cancel();

private:
    void onConnected(int rc);
    void onSubscribed(int mid);
    void onPublished(int mid, int reasonCode);
    void onMessage(const MqttMessage &message);
    void onLost(int rc, int sysErrno);
    void publish();
    void finish(ComposeResponse response);
    void fail(ErrorKind kind, const QString &error);

    EndpointConfig m_config;
    ComposeRequest m_request;
    QString m_topic;
    QByteArray m_payload;
    Done m_done;
    std::unique_ptr<MosquittoClient> m_client;
    QTimer m_timeout;
    QElapsedTimer m_clock;
    int m_subscribeMid = -1;
    int m_publishMid = -1;
    bool m_published = false;
    bool m_finished = false;
    ComposeResponse m_ack; // the PUBACK, while a reply is awaited
};

} // namespace thingscape
