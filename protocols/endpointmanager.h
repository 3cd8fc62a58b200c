#pragma once

#include "connector.h"

#include "model/endpointconfig.h"

#include <QHash>
#include <QObject>
#include <QThread>

#include <chrono>
#include <functional>

namespace thingscape {

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
    void remove(const QString &id);
    QList<EndpointConfig> endpoints() const;
    EndpointConfig endpoint(const QString &id) const;
    // The endpoint whose URL (scheme://host:port) carries the resource, or empty.
    QString endpointFor(const ResourceId &id) const;
    Status status(const QString &id) const;
    int connectedCount() const;

    // Connects, then discovers, then observes every resource discovery marked observable.
    void connectEndpoint(const QString &id);
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
    // A resource's own polling interval (0: the endpoint's), kept in its endpoint's config.
    void setPollInterval(const ResourceId &id, int ms);
    int pollInterval(const ResourceId &id) const;

Q_SIGNALS:
    void endpointAdded(const QString &id);
    void endpointRemoved(const QString &id);
    void endpointChanged(const QString &id); // config or status
    void endpointConfigChanged(const QString &id); // settings a workspace keeps
    // Every batch an endpoint's connector handed over, in arrival order, just before the
    // store takes it (the command line's watch prints each update, not the coalesced state).
    void updatesArrived(const QString &endpointId, const thingscape::UpdateBatch &updates);

private:
    struct Entry
    {
        EndpointConfig config;
        Connector *connector = nullptr; // Owned; lives on m_ioThread, deleted there.
        Status status;
        bool filtersObserved = false;   // MQTT: the endpoint's filters, once per connector
    };

    Connector *connectorFor(const ResourceId &id, Result *failure) const;
    void destroyConnector(Entry &entry, bool wait = false);
    void forgetForeign(const QString &id);
    void ensureConnector(Entry &entry);
    void autoObserve(const QString &id);

    void ingestFrom(const QString &endpointId, const UpdateBatch &updates);

    ResourceStore *m_store; // Not owned.
    // Resources an endpoint discovered outside its own scheme://host:port (a Thing
    // Description's MQTT or CoAP forms, an SSE server on another port): calls for them go to
    // the connector that found them.
    QHash<ResourceId, QString> m_foreignOwner;
    QThread m_ioThread;
    QHash<QString, Entry> m_entries;
    QStringList m_order;
};

} // namespace thingscape
