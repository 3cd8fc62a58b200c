#pragma once

#include "homeassistantdiscovery.h"
#include "homiediscovery.h"
#include "mqttmessage.h"
#include "topictable.h"

#include "protocols/connector.h"

#include <QHash>
#include <QSet>

#include <functional>
#include <map>
#include <memory>
#include <optional>

class QTimer;

namespace thingscape {

class MosquittoClient;
class Wakeup;

// MQTT 3.1.1 / 5 through libmosquitto, non-blocking on the event loop of the connector's
// thread. Every topic seen becomes a resource; Home Assistant discovery configs and Homie
// attributes describe them. Reconnects with exponential backoff and jitter (1 s doubling to
// 30 s) and re-subscribes.
class MqttConnector : public Connector
{
    Q_OBJECT

public:
    explicit MqttConnector(const EndpointConfig &config, QObject *parent = nullptr);
    ~MqttConnector() override;

    QCoro::Task<Result> connectToEndpoint() override;
    void disconnectFromEndpoint() override;
    QCoro::Task<Result> discover(const ResourceId &root, std::chrono::milliseconds window) override;
    QCoro::Task<ReadResult> read(const ResourceId &id, std::chrono::milliseconds timeout) override;
    QCoro::Task<Result> write(const ResourceId &id, const QByteArray &payload, const WriteOptions &options) override;
    QCoro::Task<Result> observe(const ResourceId &id) override;
    void unobserve(const ResourceId &id) override;

    // Clears the retained message of a topic; recursive (or a filter ending in `#`): every
    // retained topic seen under it too. Publishes empty retained messages to the topics
    // themselves, never to a Home Assistant / Homie command topic.
    QCoro::Task<ClearResult> clearRetained(const ResourceId &id, bool recursive) override;
    Capabilities capabilities() const override;
    QList<ResourceId> initialObservations() const override;
    // The topics seen with a retained message, for clearing.
    QSet<QString> retainedTopics() const;
    // QoS of the subscriptions; default 0 with a clean session, 1 with a persistent one.
    int subscribeQos() const { return m_subscribeQos; }
    void setSubscribeQos(int qos);
    // Drops the connection without DISCONNECT (the broker then sends the will and, for a
    // persistent session, queues messages); the connector reconnects as after any loss.
    void dropConnection();
    QString clientId() const { return m_clientId; }
    // True when filter `outer` matches every topic `inner` can match: a subscription to outer
    // already delivers inner's messages, retained ones included.
    static bool filterCovers(const QString &outer, const QString &inner);
    // The broker's drop counter topic, read during discovery to tell an incomplete count.
    static QString droppedCounterTopic();

private:
    using TopicInfo = TopicTable::Entry;
    struct PendingRead
    {
        QString topic;
        std::optional<Value> value;
    };

    void ensureClient();
    // One connection attempt: resolve, connect, wait for CONNACK. Sets the state.
    QCoro::Task<Result> attemptConnection();
    QCoro::Task<> reconnectInBackground();
    void scheduleReconnect(const QString &error);
    void resubscribe();
    void onConnectAcknowledged(int rc, bool sessionPresent);
    void onConnectionLost(int rc, int sysErrno);
    void onMessage(const MqttMessage &message);
    TopicInfo &topicInfo(const QString &topic, bool *created);
    static QString messageInfo(const MqttMessage &message);
    void onPublished(int mid, int reasonCode);
    void onSubscribed(int mid, const QList<int> &grantedQos);
    // Waits until done() holds, re-checking whenever something progressed. done is taken by
    // reference: callers keep it in a named local, since GCC 12 mishandles temporaries with
    // destructors inside co_await expressions.
    QCoro::Task<bool> waitUntil(const std::function<bool()> &done, std::chrono::milliseconds timeout);
    // The same, woken by the given Wakeup only (one per acknowledgement wait).
    QCoro::Task<bool> waitUntil(Wakeup *wakeup, const std::function<bool()> &done, std::chrono::milliseconds timeout);
    // Wakes every acknowledgement waiter: the connection went, none of them will be answered.
    void wakeAckWaiters();
    QCoro::Task<Result> subscribeAndWait(const QString &filter, std::chrono::milliseconds timeout, int qos = -1);
    bool coveredByActiveFilter(const QString &filter) const;
    // Discovery's own messages (its end marker, the broker's drop counter): taken, never posted.
    bool takeDiscoveryMessage(const MqttMessage &message);
    void unsubscribeFilter(const QString &filter);
    QString commandTopicFor(const QString &topic) const;
    QString describeHost() const;
    Result notConnected() const;

    std::unique_ptr<MosquittoClient> m_client;
    QTimer *m_reconnectTimer = nullptr; // Owned by this (a child: follows moveToThread()).
    Wakeup *m_wakeup;                   // Owned by this (a child); wakes waitUntil().
    QString m_clientId;
    int m_subscribeQos = 0;
    bool m_wantConnected = false;
    bool m_attemptRunning = false;
    int m_attempt = 0;
    bool m_configured = false;
    int m_lastConnackRc = -1; // of the attempt running, -1 until CONNACK
    bool m_lossSeen = false;  // during the attempt running
    int m_lastLossRc = 0;
    int m_lastLossErrno = 0;
    QHash<QString, int> m_observed;      // filter -> observers
    QSet<QString> m_activeFilters;       // subscribed on the broker right now
    struct Ack
    {
        int reason = 0;
        quint64 serial = 0; // when it arrived, to tell a stale ack from one for a reused mid
    };
    QHash<int, Ack> m_acks;              // mid -> reason code (PUBACK/PUBCOMP/sent)
    quint64 m_ackSerial = 0;
    QHash<int, QList<int>> m_subacks;    // mid -> granted QoS
    // Acknowledgements nobody waits for (reads, resubscribes, late answers after a timeout)
    // must neither pile up nor, once mids wrap, answer a new request. Each wait has its own
    // Wakeup, so an ack wakes only the coroutine waiting for that mid (with many writes in
    // flight, waking all of them on every ack is quadratic).
    QHash<int, Wakeup *> m_ackWaiters;    // mid -> its waiter's Wakeup (Not owned: the waiting coroutine's)
    QHash<int, Wakeup *> m_subackWaiters; // the same for SUBACKs
    void claimAck(int mid, quint64 publishedAfter, Wakeup *waiter);
    std::map<quint64, PendingRead> m_reads;
    quint64 m_nextReadToken = 1;
    // Topics seen: their ids, what the store knows of them, which are retained on the broker.
    // Bounded (see the constructor and topicInfo()), except by the topics the broker holds retained.
    TopicTable m_topics;
    // The command line decodes only what it prints: values go out with their raw bytes only.
    bool m_rawValues = false;
    // The command line's discovery ends once the broker has sent everything it had (the end
    // marker came back), not at the end of its window.
    bool m_discoverEndsWhenComplete = false;
    // Discovery's end marker: a message to our own topic, queued by the broker behind every
    // retained message of the subscriptions made before it. Never posted as a resource.
    QString m_syncTopic;
    QByteArray m_syncToken;
    bool m_syncSeen = false;
    qint64 m_lastRetainedMs = 0; // when the last retained message arrived
    // The broker's $SYS drop counter, while discovery runs: first and last value seen.
    bool m_probingDrops = false;
    std::optional<qint64> m_droppedFirst;
    std::optional<qint64> m_droppedLast;
    HomeAssistantDiscovery m_homeAssistant;
    HomieDiscovery m_homie;
};

} // namespace thingscape
