#include "endpointmanager.h"

#include "connectorfactory.h"

#include "model/resourcestore.h"

#include <QCoreApplication>
#include <QUuid>

#include <chrono>

namespace thingscape {

namespace {

// Runs a connector coroutine on the connector's thread and hands its result back on the
// caller's (receiver's) thread.
template<typename R, typename Start, typename Done>
void runOn(Connector *connector, QObject *receiver, Start start, Done done)
{
    QMetaObject::invokeMethod(
        connector,
        [connector, receiver, start = std::move(start), done = std::move(done)]() mutable {
            QCoro::connect(start(connector), connector, [connector, receiver, done](const R &result) {
                // Updates the operation produced reach the GUI thread before its result does.
                connector->flush();
                QMetaObject::invokeMethod(
                    receiver, [done, result]() mutable { done(result); }, Qt::QueuedConnection);
            });
        },
        Qt::QueuedConnection);
}

// The same, for a connector that may be missing: then done gets the failure at once.
// done may be empty.
template<typename R, typename Start>
void runOrFail(Connector *connector, const R &failure, QObject *receiver, Start start,
               const std::function<void(const R &)> &done)
{
    if (!connector) {
        if (done)
            done(failure);
        return;
    }
    runOn<R>(connector, receiver, std::move(start), [done](const R &result) {
        if (done)
            done(result);
    });
}

} // namespace

EndpointManager::EndpointManager(ResourceStore *store, QObject *parent)
    : QObject(parent)
    , m_store(store)
{
    m_ioThread.setObjectName(QStringLiteral("thingscape-io"));
    m_ioThread.start();
}

EndpointManager::~EndpointManager()
{
    for (Entry &entry : m_entries)
        destroyConnector(entry, true);
    m_ioThread.quit();
    m_ioThread.wait();
}

QString EndpointManager::add(EndpointConfig config)
{
    if (config.id.isEmpty())
        config.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    if (config.name.isEmpty())
        config.name = config.url.hostPort();
    const QString id = config.id;
    const bool existed = m_entries.contains(id);
    Entry &entry = m_entries[id];
    if (existed) {
        destroyConnector(entry);
        forgetForeign(id);
    }
    entry.config = config;
    entry.status = Status();
    if (!existed) {
        m_order.append(id);
        Q_EMIT endpointAdded(id);
    } else {
        Q_EMIT endpointChanged(id);
        Q_EMIT endpointConfigChanged(id);
    }
    return id;
}

void EndpointManager::remove(const QString &id)
{
    auto it = m_entries.find(id);
    if (it == m_entries.end())
        return;
    destroyConnector(*it);
    m_entries.erase(it);
    forgetForeign(id);
    m_order.removeAll(id);
    Q_EMIT endpointRemoved(id);
}

QList<EndpointConfig> EndpointManager::endpoints() const
{
    QList<EndpointConfig> configs;
    for (const QString &id : m_order)
        configs.append(m_entries.value(id).config);
    return configs;
}

EndpointConfig EndpointManager::endpoint(const QString &id) const
{
    return m_entries.value(id).config;
}

void EndpointManager::ingestFrom(const QString &endpointId, const UpdateBatch &updates)
{
    auto it = m_entries.find(endpointId);
    if (it != m_entries.end()) {
        const QString own = it->config.url.endpointUri();
        for (const Update &update : updates) {
            if (update.direction == Direction::In && !update.remove && update.id.endpointUri() != own)
                m_foreignOwner.insert(update.id, endpointId);
        }
    }
    Q_EMIT updatesArrived(endpointId, updates);
    m_store->ingest(updates);
}

QString EndpointManager::endpointFor(const ResourceId &id) const
{
    const QString owner = m_foreignOwner.value(id);
    if (!owner.isEmpty() && m_entries.contains(owner))
        return owner;
    const QString uri = id.endpointUri();
    for (const QString &key : m_order) {
        if (m_entries.value(key).config.url.endpointUri() == uri)
            return key;
    }
    return {};
}

EndpointManager::Status EndpointManager::status(const QString &id) const
{
    return m_entries.value(id).status;
}

int EndpointManager::connectedCount() const
{
    int count = 0;
    for (const Entry &entry : m_entries) {
        if (entry.status.state == ConnectorState::Connected)
            ++count;
    }
    return count;
}

void EndpointManager::ensureConnector(Entry &entry)
{
    if (entry.connector)
        return;
    QString error;
    std::unique_ptr<Connector> connector = createConnector(entry.config, &error);
    if (!connector) {
        entry.status.state = ConnectorState::Error;
        entry.status.lastError = error;
        return;
    }
    Connector *raw = connector.release();
    raw->moveToThread(&m_ioThread);
    const QString id = entry.config.id;
    // Batches still queued from a connector that was replaced or removed are dropped.
    connect(raw, &Connector::updatesReady, this, [this, id, raw](const UpdateBatch &updates) {
        auto it = m_entries.find(id);
        if (it != m_entries.end() && it->connector == raw)
            ingestFrom(id, updates);
    }, Qt::QueuedConnection);
    connect(raw, &Connector::statusChanged, this,
            [this, id, raw](ConnectorState state, const QString &lastError, const QDateTime &nextRetry) {
                auto it = m_entries.find(id);
                if (it == m_entries.end() || it->connector != raw)
                    return;
                it->status.state = state;
                it->status.lastError = lastError;
                it->status.nextRetry = nextRetry;
                Q_EMIT endpointChanged(id);
            },
            Qt::QueuedConnection);
    entry.connector = raw;
}

void EndpointManager::destroyConnector(Entry &entry, bool wait)
{
    if (!entry.connector)
        return;
    Connector *connector = entry.connector;
    entry.connector = nullptr;
    entry.filtersObserved = false;
    disconnect(connector, nullptr, this, nullptr);
    if (!m_ioThread.isRunning()) {
        delete connector;
        return;
    }
    // Only shutdown waits; removing or editing an endpoint never blocks the GUI thread.
    QMetaObject::invokeMethod(
        connector,
        [connector] {
            connector->disconnectFromEndpoint();
            delete connector;
        },
        wait ? Qt::BlockingQueuedConnection : Qt::QueuedConnection);
}

void EndpointManager::forgetForeign(const QString &id)
{
    for (auto owned = m_foreignOwner.begin(); owned != m_foreignOwner.end();) {
        if (owned.value() == id)
            owned = m_foreignOwner.erase(owned);
        else
            ++owned;
    }
}

void EndpointManager::connectEndpoint(const QString &id)
{
    auto it = m_entries.find(id);
    if (it == m_entries.end())
        return;
    ensureConnector(*it);
    if (!it->connector) {
        Q_EMIT endpointChanged(id);
        return;
    }
    it->status.state = ConnectorState::Connecting;
    Q_EMIT endpointChanged(id);
    runOn<Result>(
        it->connector, this, [](Connector *c) { return c->connectToEndpoint(); },
        [this, id](const Result &result) {
            auto entry = m_entries.find(id);
            if (entry == m_entries.end())
                return;
            if (!result.ok()) {
                entry->status.lastError = result.error;
                Q_EMIT endpointChanged(id);
                return;
            }
            // MQTT discovery only listens for its window: keep the endpoint's filters
            // subscribed first, so nothing published in between is missed.
            if (entry->config.url.protocol() == Protocol::Mqtt && !entry->filtersObserved) {
                // Once per connector: it re-subscribes by itself after reconnects.
                entry->filtersObserved = true;
                for (const QString &filter : entry->config.filters)
                    observe(ResourceId::fromTopic(entry->config.url.endpoint(), filter));
            }
            discover(id, [this, id](const Result &) { autoObserve(id); });
        });
}

void EndpointManager::open(const QString &id, ResultCallback done)
{
    auto it = m_entries.find(id);
    if (it == m_entries.end()) {
        done(Result::failure(ErrorKind::Usage, tr("no endpoint '%1'").arg(id)));
        return;
    }
    ensureConnector(*it);
    if (!it->connector) {
        Q_EMIT endpointChanged(id);
        done(Result::failure(ErrorKind::Usage, it->status.lastError));
        return;
    }
    it->status.state = ConnectorState::Connecting;
    Q_EMIT endpointChanged(id);
    runOn<Result>(
        it->connector, this, [](Connector *c) { return c->connectToEndpoint(); },
        [this, id, done](const Result &result) {
            auto entry = m_entries.find(id);
            if (entry != m_entries.end() && !result.ok()) {
                entry->status.lastError = result.error;
                Q_EMIT endpointChanged(id);
            }
            done(result);
        });
}

void EndpointManager::disconnectEndpoint(const QString &id)
{
    auto it = m_entries.find(id);
    if (it == m_entries.end() || !it->connector)
        return;
    Connector *connector = it->connector;
    QMetaObject::invokeMethod(connector, [connector] { connector->disconnectFromEndpoint(); }, Qt::QueuedConnection);
}

void EndpointManager::discover(const QString &id, ResultCallback done, const ResourceId &under,
                               std::chrono::milliseconds window)
{
    auto it = m_entries.find(id);
    if (it == m_entries.end() || !it->connector) {
        if (done)
            done(Result::failure(ErrorKind::Usage, tr("the endpoint is not connected")));
        return;
    }
    it->status.discovering = true;
    Q_EMIT endpointChanged(id);
    const ResourceId root = under.isValid() ? under : it->config.url;
    runOn<Result>(
        it->connector, this,
        [root, window](Connector *c) { return c->discover(root, window); },
        [this, id, done](const Result &result) {
            auto entry = m_entries.find(id);
            if (entry != m_entries.end()) {
                entry->status.discovering = false;
                if (!result.ok())
                    entry->status.lastError = result.error;
                Q_EMIT endpointChanged(id);
            }
            if (done)
                done(result);
        });
}

void EndpointManager::autoObserve(const QString &id)
{
    auto it = m_entries.find(id);
    if (it == m_entries.end() || !it->connector)
        return;
    // MQTT discovery already subscribes; CoAP and HTTP observe what says it is observable.
    if (it->config.url.protocol() == Protocol::Mqtt)
        return;
    QList<const Resource *> candidates = m_store->findUnder(it->config.url.endpointUri());
    for (auto owned = m_foreignOwner.cbegin(); owned != m_foreignOwner.cend(); ++owned) {
        if (owned.value() == id) {
            if (const Resource *resource = m_store->find(owned.key()))
                candidates.append(resource);
        }
    }
    for (const Resource *resource : std::as_const(candidates)) {
        if (resource->metadata().observable.valueOr(false))
            observe(resource->id());
    }
}

Connector *EndpointManager::connectorFor(const ResourceId &id, Result *failure) const
{
    const QString key = endpointFor(id);
    Connector *connector = key.isEmpty() ? nullptr : m_entries.value(key).connector;
    if (!connector && failure) {
        *failure = Result::failure(ErrorKind::Usage,
                                   key.isEmpty() ? tr("%1: no endpoint in this workspace carries it").arg(id.toString())
                                                 : tr("%1: the endpoint is not connected").arg(id.toString()));
    }
    return connector;
}

void EndpointManager::read(const ResourceId &id, ReadCallback done, std::chrono::milliseconds timeout)
{
    Result failure;
    Connector *connector = connectorFor(id, &failure);
    runOrFail<ReadResult>(
        connector, ReadResult{failure, id, {}}, this,
        [id, timeout](Connector *c) { return c->read(id, timeout); }, done);
}

void EndpointManager::write(const ResourceId &id, const QByteArray &payload, const WriteOptions &options,
                            ResultCallback done)
{
    Result failure;
    Connector *connector = connectorFor(id, &failure);
    runOrFail<Result>(
        connector, failure, this, [id, payload, options](Connector *c) { return c->write(id, payload, options); },
        done);
}

void EndpointManager::observe(const ResourceId &id, ResultCallback done)
{
    Result failure;
    Connector *connector = connectorFor(id, &failure);
    runOrFail<Result>(connector, failure, this, [id](Connector *c) { return c->observe(id); }, done);
}

void EndpointManager::setPollInterval(const ResourceId &id, int ms)
{
    const QString key = endpointFor(id);
    auto it = m_entries.find(key);
    if (it == m_entries.end())
        return;
    if (ms > 0)
        it->config.pollIntervals.insert(id.toString(), ms);
    else
        it->config.pollIntervals.remove(id.toString());
    if (Connector *connector = it->connector)
        QMetaObject::invokeMethod(connector, [connector, id, ms] { connector->setPollInterval(id, ms); }, Qt::QueuedConnection);
    Q_EMIT endpointConfigChanged(key);
}

int EndpointManager::pollInterval(const ResourceId &id) const
{
    const auto it = m_entries.constFind(endpointFor(id));
    return it == m_entries.constEnd() ? 0 : it->config.pollIntervalFor(id);
}

void EndpointManager::unobserve(const ResourceId &id)
{
    Connector *connector = connectorFor(id, nullptr);
    if (!connector)
        return;
    QMetaObject::invokeMethod(connector, [connector, id] { connector->unobserve(id); }, Qt::QueuedConnection);
}

} // namespace thingscape
