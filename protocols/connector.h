#pragma once

#include "model/endpointconfig.h"
#include "model/update.h"

#include <QCoro/QCoroTask>
#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <utility>

namespace thingscape {

enum class ConnectorState {
    Disconnected,
    Connecting,
    Connected,
    BackingOff, // waiting to reconnect: see Connector::nextRetry()
    Error,      // gave up (or needs the user): see Connector::lastError()
};

QString connectorStateName(ConnectorState state);

// Why an operation failed; the command-line verbs map these to exit codes
// (Timeout/NotFound: 1, Usage: 2, the rest: 3).
enum class ErrorKind {
    None,
    Timeout,
    NotFound,
    Usage,       // bad argument (URL, value, option)
    Connection,  // refused, unreachable, unknown host, closed
    Tls,         // handshake or verification failed
    Auth,        // not authorised, bad credentials
    Protocol,    // the peer answered with an error (4.04, 500, MQTT reason code)
    Unsupported,
};

struct Result
{
    ErrorKind kind = ErrorKind::None;
    QString error;  // names the thing and the cause, ready to show
    QString notice; // on success: how it went differently than asked ("not observable: polling every 2 s")

    bool ok() const { return kind == ErrorKind::None; }
    static Result success() { return {}; }
    static Result failure(ErrorKind kind, const QString &error) { return Result{kind, error, {}}; }
};

struct ReadResult
{
    Result result;
    ResourceId id;
    Value value;
};

struct WriteOptions
{
    int contentFormat = ContentFormat::Unknown; // CoAP Content-Format; also mapped to a MIME type
    QString mediaType;                           // MQTT 5 content type / HTTP Content-Type, overrides
    int qos = 0;                                 // MQTT
    bool retain = false;                         // MQTT
    QList<QPair<QString, QString>> userProperties; // MQTT 5
    QString method;                              // CoAP / HTTP: PUT (default), POST, DELETE...
    bool confirmable = true;                     // CoAP
    std::chrono::milliseconds timeout{10000};
    Cause cause = Cause::user();                 // stamped on the outgoing message's value event
};

struct ClearResult
{
    Result result;
    int cleared = 0; // topics whose retained message the broker acknowledged clearing
};

// A request as the protocol spells it, for a request panel: nothing mapped or guessed.
struct RawRequest
{
    ResourceId target;
    QString method = QStringLiteral("GET");        // CoAP: GET POST PUT DELETE FETCH PATCH iPATCH; HTTP: any token
    QList<QPair<int, QByteArray>> coapOptions;     // CoAP: option number -> raw value (any number, custom ones too)
    QList<QPair<QByteArray, QByteArray>> headers;  // HTTP
    QByteArray payload;
    bool confirmable = true;                       // CoAP
    std::chrono::milliseconds timeout{10000};
};

struct RawResponse
{
    Result result;                                 // failure: no answer at all (a 4.04 or a 500 is an answer)
    int status = 0;                                // HTTP status, CoAP class * 100 + detail (205)
    QString statusText;                            // "2.05 Content", "200 OK"
    QList<QPair<int, QByteArray>> coapOptions;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray payload;
    std::chrono::milliseconds roundTrip{0};
};

// What a connector can do, so that callers ask instead of branching on the protocol.
enum class Capability {
    RetainedValues = 0x01, // clearRetained() works; values may be retained by the peer
    Wildcards = 0x02,      // observe() takes filters
    Observe = 0x04,        // the peer pushes changes (else observe() polls)
    BlockWise = 0x08,      // large bodies travel in blocks
    RawRequest = 0x10,     // request() works
    DiscoveryObserves = 0x20, // discover() already subscribes: nothing to observe after it
};
Q_DECLARE_FLAGS(Capabilities, Capability)

class Connector;

// Lends a connector the connectors of other endpoints it needs (a Thing Description's
// mqtt:// and coap:// forms), so that they are the workspace's: an endpoint already carrying
// that scheme://host:port (with its credentials and TLS settings), else a child endpoint the
// user sees. Called, and resolved, on the asking connector's thread; the connector lent lives
// there too and may go at any time (hence the QPointer).
class EndpointBroker
{
public:
    virtual ~EndpointBroker() = default;
    virtual QCoro::Task<std::pair<QPointer<Connector>, Result>> connectorFor(ResourceId endpoint) = 0;
};

// One endpoint (broker, CoAP server, HTTP device), whatever the protocol. Read, write and
// observe mean the same to the caller on every protocol. Everything is non-blocking: the
// coroutines resume on the connector's thread. Updates go out in batches through
// updatesReady(), one hand-over per ~25 ms, never one per message.
class Connector : public QObject
{
    Q_OBJECT

public:
    explicit Connector(const EndpointConfig &config, QObject *parent = nullptr);
    ~Connector() override;

    const EndpointConfig &config() const { return m_config; }
    ConnectorState state() const { return m_state; }
    QString lastError() const { return m_lastError; }
    QDateTime nextRetry() const { return m_nextRetry; }

    // Resolves once connected, or with the reason the first attempt failed (reconnects go on
    // in the background where the protocol has connections).
    virtual QCoro::Task<Result> connectToEndpoint() = 0;
    virtual void disconnectFromEndpoint() = 0;
    // Finds resources under root and posts them as updates (metadata, and values where the
    // protocol hands them out). Returns when discovery is complete or the window has passed.
    virtual QCoro::Task<Result> discover(const ResourceId &root, std::chrono::milliseconds window) = 0;
    virtual QCoro::Task<ReadResult> read(const ResourceId &id, std::chrono::milliseconds timeout) = 0;
    virtual QCoro::Task<Result> write(const ResourceId &id, const QByteArray &payload, const WriteOptions &options) = 0;
    // Starts delivering the resource's updates (MQTT: a filter, wildcards allowed).
    virtual QCoro::Task<Result> observe(const ResourceId &id) = 0;
    virtual void unobserve(const ResourceId &id) = 0;

    // What this connector can do; constant for its lifetime (callable before moveToThread()).
    virtual Capabilities capabilities() const;
    // What to observe once connected, kept by the connector across its reconnects (MQTT: the
    // endpoint's filters). Constant for the lifetime, like capabilities().
    virtual QList<ResourceId> initialObservations() const;
    // Deletes a retained value (recursive: every retained one under id too). Unsupported
    // unless capabilities() has RetainedValues.
    virtual QCoro::Task<ClearResult> clearRetained(const ResourceId &id, bool recursive);
    // One request exactly as given. Unsupported unless capabilities() has RawRequest.
    virtual QCoro::Task<RawResponse> request(const RawRequest &request);

    // A resource's own polling interval (where it is polled: HTTP without a stream, CoAP
    // without Observe); a running poll takes it from its next round. 0 goes back to the
    // endpoint's interval.
    void setPollInterval(const ResourceId &id, int ms);

    // Where to ask for other endpoints' connectors; without one a connector makes its own.
    void setEndpointBroker(std::shared_ptr<EndpointBroker> broker) { m_broker = std::move(broker); }
    EndpointBroker *endpointBroker() const { return m_broker.get(); }

    // Sends the queued updates at once (used before a verb exits); with acknowledged
    // hand-over, as soon as the batch in flight has been taken.
    void flush();
    // flush(), then: then runs once everything queued so far has been sent.
    void flushThen(std::function<void()> then);
    int batchIntervalMs() const { return m_batchIntervalMs; }
    void setBatchIntervalMs(int ms);

    // Backpressure (the endpoint manager turns it on): at most one batch in flight; updates
    // keep joining the pending batch until the consumer calls acknowledgeHandOver(). Past
    // pendingLimit() updates the pending batch keeps only the latest value per resource
    // (metadata, state and outgoing messages all stay); the stream messages merged away are
    // counted. Off (the default), each batch goes out on its timer.
    static constexpr qsizetype kDefaultPendingLimit = 10000;
    void setAcknowledgedHandOver(bool on);
    void setPendingLimit(qsizetype updates);
    // With backpressure, a batch handed over carries at most this many updates (default: all
    // that wait); the rest goes as soon as it is taken. A window applies a flood of a million
    // retained topics in bites it can take without freezing, not in batches that grew while
    // it was busy with the previous one.
    void setHandOverLimit(qsizetype updates);
    struct HandOverStats
    {
        quint64 sent = 0;             // batches sent
        quint64 taken = 0;            // of them acknowledged
        quint64 coalesced = 0;        // stream messages merged away, in total
        quint64 inFlightCoalesced = 0; // of them in the batch in flight
        qint64 inFlightSinceMs = 0;   // when the oldest update in the batch in flight was queued
        qsizetype peakPending = 0;    // the largest pending batch so far
    };
    // Thread-safe.
    HandOverStats handOverStats() const;
    // Thread-safe: the batch in flight was taken; the next may go.
    void acknowledgeHandOver();

Q_SIGNALS:
    void stateChanged(thingscape::ConnectorState state);
    // The same moment with its details by value, for receivers on another thread (the
    // getters are not safe to call from there).
    void statusChanged(thingscape::ConnectorState state, const QString &lastError, const QDateTime &nextRetry);
    void updatesReady(const thingscape::UpdateBatch &updates);

protected:
    void setState(ConnectorState state, const QString &error = {}, const QDateTime &nextRetry = {});
    // Queues one update for the next batch.
    void post(Update update);
    EndpointConfig &mutableConfig() { return m_config; }
    // Called after setPollInterval(): restart a running poll if it needs to.
    virtual void pollIntervalChanged(const ResourceId &id);

private:
    EndpointConfig m_config;
    std::shared_ptr<EndpointBroker> m_broker;
    ConnectorState m_state = ConnectorState::Disconnected;
    QString m_lastError;
    QDateTime m_nextRetry;
    void sendPending();
    void handOverTaken();
    void coalescePending();
    void appendPending(Update &&update);
    // The oldest n updates (all when fewer wait), moved out of the pending chunks.
    UpdateBatch takePending(qsizetype n);
    qsizetype chunkCapacity() const;

    // What waits, oldest first, in chunks of at most the hand-over limit (one chunk without a
    // limit): a bite is handed over without copying, and a backlog of a million updates is
    // many small blocks that go as they are taken, not one array that grows by doubling.
    std::deque<UpdateBatch> m_pending;
    qsizetype m_pendingCount = 0;
    qsizetype m_reserve = 0;        // a new chunk's capacity without a limit: the last batch's size
    qsizetype m_backlogPeak = 0;    // the largest backlog since it was last empty
    QTimer m_batchTimer;
    int m_batchIntervalMs = 25;
    bool m_acknowledged = false;
    bool m_inFlight = false;
    qsizetype m_pendingLimit = kDefaultPendingLimit;
    qsizetype m_handOverLimit = std::numeric_limits<qsizetype>::max();
    qsizetype m_coalesceAt = kDefaultPendingLimit;
    qint64 m_pendingSinceMs = 0;
    quint64 m_pendingCoalesced = 0;
    QList<std::function<void()>> m_afterSend;
    // Read from the consumer's thread.
    std::atomic<quint64> m_sent{0};
    std::atomic<quint64> m_taken{0};
    std::atomic<quint64> m_coalesced{0};
    std::atomic<quint64> m_inFlightCoalesced{0};
    std::atomic<qint64> m_inFlightSinceMs{0};
    std::atomic<qsizetype> m_peakPending{0};
};

} // namespace thingscape

Q_DECLARE_OPERATORS_FOR_FLAGS(thingscape::Capabilities)
