#pragma once

#include "connector.h"

#include "model/endpointconfig.h"

#include <QHash>
#include <QSet>
#include <QObject>
#include <QPointer>
#include <QThread>

#include <chrono>
#include <functional>

namespace thingscape {

class IngestQueue;
class ResourceStore;

// The live side of a workspace's endpoints: one connector per endpoint, all living on one
// I/O thread, their update batches handed to the store on the GUI thread (queued, one per
// batch). Everything here is called from the GUI thread; connector calls are posted to the
// I/O thread and their results come back as callbacks on the GUI thread.
class EndpointManager : public QObject
{
    Q_OBJECT

public:
    struct Status
    {
        ConnectorState state = ConnectorState::Disconnected;
        QString lastError;
        QDateTime nextRetry;
        bool discovering = false;
    };

    explicit EndpointManager(ResourceStore *store, QObject *parent = nullptr);
    ~EndpointManager() override;

    // Adds (or replaces, by config.id) an endpoint; returns its id (generated when empty).
    QString add(EndpointConfig config);
    // Removes the endpoint with its child endpoints and the resources it found under other
    // hosts (a Thing Description's SSE server).
    void remove(const QString &id);
    // The user's endpoints, the ones a workspace keeps (no child endpoints).
    QList<EndpointConfig> endpoints() const;
    // Endpoints made for another's Thing Description forms (mqtt://, coap://) where no
    // endpoint carried that host:port: shown, connected and removed with their parent.
    QStringList childEndpoints(const QString &parentId) const;
    // The endpoint a child endpoint was made for; empty for the user's own.
    QString parentOf(const QString &id) const;
    EndpointConfig endpoint(const QString &id) const;
    // The endpoint whose URL (scheme://host:port) carries the resource, or empty.
    QString endpointFor(const ResourceId &id) const;
    Status status(const QString &id) const;
    // How its connector's batches reach the store (backpressure), for tests and diagnostics.
    Connector::HandOverStats handOverStats(const QString &id) const;
    int connectedCount() const;
    // Off: batches are only announced (updatesArrived), the store never sees them. The command
    // line prints straight from the batches and keeps no model.
    void setStoreIngest(bool on) { m_storeIngest = on; }
    bool storeIngest() const { return m_storeIngest; }
    // Off: a connector made from now on never merges pending updates (the command line prints
    // every message; the window shows the latest value when it falls behind).
    void setCoalescing(bool on) { m_coalescing = on; }
    // A connector made from now on hands over at most this many updates a batch (see
    // Connector::setHandOverLimit()); by default all that wait.
    void setHandOverLimit(qsizetype updates) { m_handOverLimit = updates; }
    // The store takes what arrives in slices of about this many ms of this thread each, one per
    // event-loop turn (see IngestQueue); 0, the default: each batch whole as it arrives.
    void setApplySliceMs(int ms);
    // Updates received and not yet in the store.
    qsizetype updatesWaiting() const;
    // Runs then once everything received so far is in the store (now when nothing waits). An
    // operation's result (read, write, discover...) reaches its callback this way, after the
    // updates it produced.
    void whenDelivered(std::function<void()> then);

    // Connects, then discovers, then observes every resource discovery marked observable.
    void connectEndpoint(const QString &id);
    // Also disconnects the endpoint's child endpoints.
    void disconnectEndpoint(const QString &id);

    using ResultCallback = std::function<void(const Result &)>;
    using ReadCallback = std::function<void(const ReadResult &)>;
    // Connects only: no discovery, no observations (a command-line verb asks for exactly what
    // it needs). done gets the first attempt's outcome; reconnects go on as with connectEndpoint.
    void open(const QString &id, ResultCallback done);
    void read(const ResourceId &id, ReadCallback done,
              std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
    void write(const ResourceId &id, const QByteArray &payload, const WriteOptions &options, ResultCallback done);
    void observe(const ResourceId &id, ResultCallback done = {});
    void unobserve(const ResourceId &id);
    // Under root (default: the endpoint's URL), for at most window.
    void discover(const QString &endpointId, ResultCallback done = {}, const ResourceId &root = {},
                  std::chrono::milliseconds window = std::chrono::milliseconds(3000));
    // Deletes a retained value on the peer (recursive: every retained value under id too),
    // never through a write (a Home Assistant / Homie command topic would redirect that).
    using ClearCallback = std::function<void(const ClearResult &)>;
    void clearRetained(const ResourceId &id, bool recursive, ClearCallback done);
    // One request exactly as given (CoAP method and options, HTTP method, headers and body),
    // through the endpoint that carries request.target.
    using RawCallback = std::function<void(const RawResponse &)>;
    void request(const RawRequest &request, RawCallback done);
    // Connects a throw-away connector for config on the I/O thread, reports, and destroys
    // it there; touches no endpoint of the workspace. done runs later on this object's
    // thread (also for a config no connector carries). Returns a ticket for cancelTest().
    quint64 testConnection(const EndpointConfig &config, std::chrono::milliseconds timeout, ResultCallback done);
    // Drops the test's result (done is not called) and stops its attempt.
    void cancelTest(quint64 ticket);
    // What the endpoint's connector can do (none until it has one).
    Capabilities capabilities(const QString &id) const;
    // A resource's own polling interval (0: the endpoint's), kept in its endpoint's config.
    void setPollInterval(const ResourceId &id, int ms);
    int pollInterval(const ResourceId &id) const;

Q_SIGNALS:
    void endpointAdded(const QString &id);
    void endpointRemoved(const QString &id);
    void endpointChanged(const QString &id); // config or status
    void endpointConfigChanged(const QString &id); // settings a workspace keeps
    // An endpoint delivered resources under another scheme://host:port that no endpoint of
    // its own carries (a TD's SSE server on another port): they belong to ownerId, in the
    // tree too. Emitted before the store gets them.
    void foreignEndpointSeen(const QString &ownerId, const thingscape::ResourceId &endpoint);
    // Every batch an endpoint's connector handed over, in arrival order, just before the
    // store takes it (the command line's watch prints each update, not the coalesced state).
    void updatesArrived(const QString &endpointId, const thingscape::UpdateBatch &updates);

private:
    struct Entry
    {
        EndpointConfig config;
        Connector *connector = nullptr; // Owned; lives on m_ioThread, deleted there.
        Status status;
        Capabilities capabilities;      // of the connector, read once when it is made
        QList<ResourceId> initialObservations; // the same
        bool initialObserved = false;   // once per connector: it keeps them across reconnects
        QString parent;                 // child endpoints: the endpoint they were made for
    };
    class Broker;
    friend class Broker;

    Connector *connectorFor(const ResourceId &id, Result *failure) const;
    QString insert(EndpointConfig config, const QString &parent);
    // For Broker, on this thread: the connector of an endpoint carrying endpoint's
    // host:port other than requester, made (as a child of requester) when there is none.
    Connector *lend(const ResourceId &endpoint, const QString &requester, Result *failure);
    bool carried(const QString &endpointUri) const; // by an endpoint of the user's
    void destroyConnector(Entry &entry, bool wait = false);
    void forgetForeign(const QString &id);
    void ensureConnector(Entry &entry);
    void autoObserve(const QString &id);

    // Notes resources found under other hosts and emits updatesArrived (the store takes the
    // batch through m_ingest).
    void announce(const QString &endpointId, const UpdateBatch &updates);

    struct TestRun
    {
        QPointer<Connector> connector; // lives on m_ioThread: only checked there
        ResultCallback done;
    };

    ResourceStore *m_store; // Not owned.
    QObject *m_ioContext;   // Owned; lives on m_ioThread, for calls that need a receiver there.
    QHash<quint64, TestRun> m_tests;
    quint64 m_lastTest = 0;
    // Resources an endpoint discovered outside its own scheme://host:port (a Thing
    // Description's MQTT or CoAP forms, an SSE server on another port): calls for them go to
    // the connector that found them.
    QHash<ResourceId, QString> m_foreignOwner;
    QSet<QString> m_foreignEndpoints; // "ownerId endpointUri" already announced
    QThread m_ioThread;
    bool m_storeIngest = true;
    bool m_coalescing = true;
    qsizetype m_handOverLimit = 0; // 0: no limit
    IngestQueue *m_ingest;         // Owned (a child).
    QHash<QString, Entry> m_entries;
    QStringList m_order;
};

} // namespace thingscape
