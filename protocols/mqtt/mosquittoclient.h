#pragma once

#include "mqttmessage.h"

#include "model/endpointconfig.h"

#include <QDeadlineTimer>
#include <QObject>
#include <QPointer>

#include <memory>
#include <variant>
#include <vector>

struct mosquitto;
struct mosquitto_message;
struct mqtt5__property;
class QSocketNotifier;
class QTimer;

namespace thingscape {

// libmosquitto driven from the Qt event loop of the thread the object lives in: socket
// notifiers on mosquitto_socket(), a timer for mosquitto_loop_misc(), writes only while the
// library wants to write. Library callbacks run inside loop_read/loop_write and only queue
// events; the events are emitted as signals once the library call has returned.
class MosquittoClient : public QObject
{
    Q_OBJECT

public:
    explicit MosquittoClient(QObject *parent = nullptr);
    ~MosquittoClient() override;

    // Creates the library handle with the connection options (client id, session, version,
    // credentials, will, TLS). Returns false with *error on a bad option.
    bool configure(const EndpointConfig &config, const QString &clientId, QString *error);
    // Starts a non-blocking connect. host should be an address (DNS is the caller's job),
    // except where TLS must check the certificate against a name.
    bool connectAsync(const QString &host, quint16 port, int keepAlive, int *errorCode);
    // Sends what the library has queued (acknowledgements), then DISCONNECT, then reads until
    // the broker closes, and closes the socket (a short bounded wait, none on a GUI thread).
    void disconnect();
    // Closes the socket without DISCONNECT: the broker sends the will and keeps the session.
    void abort();
    bool isSocketOpen() const;

    // Each returns a message id (> 0), or -1 with *errorCode (a MOSQ_ERR_* value).
    int publish(const QString &topic, const QByteArray &payload, int qos, bool retain, const QString &contentType,
                const QList<QPair<QString, QString>> &userProperties, int *errorCode);
    int publish(const QString &topic, const QByteArray &payload, int qos, bool retain,
                const MqttPublishProperties &properties, int *errorCode);
    int subscribe(const QString &filter, int qos, int *errorCode);
    int unsubscribe(const QString &filter, int *errorCode);

    // Reads at most this many messages (those on topic `uncounted` aside), then stops reading
    // from the socket: libmosquitto acknowledges every QoS 1/2 message it reads, so what the
    // broker sent beyond stays unacknowledged and is sent again when the session resumes.
    // (Over TLS, records OpenSSL has already decrypted may add a few.)
    void setMessageLimit(qint64 messages, const QString &uncounted);

    int protocolVersion() const { return m_protocolVersion; }
    // The last error the library logged (OpenSSL errors among them), for messages.
    QString lastLogError() const { return m_lastLogError; }

    static QString errorString(int mosqErrorCode, int sysErrno = 0);

Q_SIGNALS:
    // CONNACK: rc 0 is success, else a connack (3.1.1) or reason (5) code.
    void connectAcknowledged(int rc, bool sessionPresent);
    // The connection is gone. rc is a MOSQ_ERR_* value (0: we asked for it); sysErrno the
    // errno for MOSQ_ERR_ERRNO.
    void connectionLost(int rc, int sysErrno);
    void messageReceived(const thingscape::MqttMessage &message);
    // PUBACK / PUBCOMP (QoS > 0) or sent (QoS 0); reasonCode >= 128 is a failure (MQTT 5).
    void published(int mid, int reasonCode);
    void subscribed(int mid, const QList<int> &grantedQos);
    void unsubscribed(int mid);

private:
    struct ConnectEvent
    {
        int rc;
        bool sessionPresent;
    };
    struct DisconnectEvent
    {
        int rc;
        int sysErrno;
    };
    struct PublishEvent
    {
        int mid;
        int reasonCode;
    };
    struct SubscribeEvent
    {
        int mid;
        QList<int> granted;
    };
    struct UnsubscribeEvent
    {
        int mid;
    };
    using Event = std::variant<ConnectEvent, DisconnectEvent, MqttMessage, PublishEvent, SubscribeEvent, UnsubscribeEvent>;

    static void onConnect(struct mosquitto *, void *obj, int rc, int flags, const ::mqtt5__property *props);
    static void onDisconnect(struct mosquitto *, void *obj, int rc, const ::mqtt5__property *props);
    static void onMessage(struct mosquitto *, void *obj, const ::mosquitto_message *message,
                          const ::mqtt5__property *props);
    static void onPublish(struct mosquitto *, void *obj, int mid, int reasonCode, const ::mqtt5__property *props);
    static void onSubscribe(struct mosquitto *, void *obj, int mid, int count, const int *granted,
                            const ::mqtt5__property *props);
    static void onUnsubscribe(struct mosquitto *, void *obj, int mid, const ::mqtt5__property *props);
    static void onLog(struct mosquitto *, void *obj, int level, const char *text);
    static int onKeyPassword(char *buf, int size, int rwflag, void *obj);

    void destroyHandle();
    static QDeadlineTimer closeDeadline();
    void flushOutgoing(QDeadlineTimer deadline);
    static void drainAndClose(int fd, QDeadlineTimer deadline);
    void onReadable();
    void onWritable();
    void onMiscTimer();
    // After any library call: emit what the callbacks queued, follow the socket.
    void afterLibraryCall(int rc);
    void updateNotifiers();
    void dispatch();
    void scheduleDispatch();

    struct mosquitto *m_mosq = nullptr;
    int m_protocolVersion = 4;
    QByteArray m_keyPassword;
    QString m_lastLogError;
    bool m_handshaking = false; // until CONNACK: the TLS handshake is driven from both directions
    int m_socket = -1;
    std::unique_ptr<QSocketNotifier> m_readNotifier;
    std::unique_ptr<QSocketNotifier> m_writeNotifier;
    QTimer *m_miscTimer = nullptr; // Owned by this (a child, so it follows moveToThread()).
    bool m_dispatchScheduled = false;
    bool m_dispatching = false;
    std::vector<Event> m_events;
    qint64 m_messagesLeft = -1; // -1: no limit (setMessageLimit)
    QByteArray m_uncountedTopic;
};

} // namespace thingscape
