#include "endpointmanager.h"

#include "connectorfactory.h"
#include "ingestqueue.h"
#include "wakeup.h"

#include "model/resourcestore.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QPointer>
#include <QTimer>
#include <QUuid>

#include <chrono>
#include <limits>

namespace thingscape {

namespace {

// Operations queued for the I/O thread and dropped there unrun, counted on the thread that
// dropped them (the manager's, in ~EndpointManager).
thread_local qint64 t_droppedOperations = 0;

// The failure an operation gets when its endpoint goes (removed, replaced) before it answered.
Result endpointGone(const QString &what)
{
    return Result::failure(ErrorKind::Connection,
                           EndpointManager::tr("%1: the endpoint was removed or replaced before it answered").arg(what));
}

// Runs a connector coroutine on the connector's thread and hands its result back on the
// caller's (receiver's) thread, exactly once: a connector deleted mid-operation drops its
// coroutine's result, so then done gets `gone`.
template<typename R, typename Start, typename Done>
void runOn(Connector *connector, EndpointManager *receiver, Start start, Done done, const R &gone)
{
    // Its own context for the connector's end: destroyConnector() cuts the connector's ties to
    // the receiver. Deleted once answered, or with the receiver.
    QPointer<QObject> guard = new QObject(receiver);
    auto answered = std::make_shared<bool>(false); // only touched on the receiver's thread
    auto answer = [answered, guard, done = std::move(done)](const R &result) mutable {
        if (std::exchange(*answered, true))
            return;
        if (guard)
            guard->deleteLater();
        done(result);
    };
    QObject::connect(
        connector, &QObject::destroyed, guard, [answer, gone]() mutable { answer(gone); }, Qt::QueuedConnection);
    std::shared_ptr<bool> started(new bool(false), [](bool *ran) {
        if (!*ran)
            ++t_droppedOperations;
        delete ran;
    });
    QMetaObject::invokeMethod(
        connector,
        [connector, receiver, start = std::move(start), answer, started]() mutable {
            *started = true;
            QCoro::connect(start(connector), connector, [connector, receiver, answer](const R &result) {
                // Updates the operation produced reach the GUI thread, and the store, before its
                // result does.
                connector->flushThen([receiver, answer, result]() mutable {
                    QMetaObject::invokeMethod(
                        receiver,
                        [receiver, answer, result]() mutable {
                            receiver->whenDelivered([answer, result]() mutable { answer(result); });
                        },
                        Qt::QueuedConnection);
                });
            });
        },
        Qt::QueuedConnection);
}

// The same, for a connector that may be missing: then done gets the failure at once.
// done may be empty.
template<typename R, typename Start>
void runOrFail(Connector *connector, const R &failure, EndpointManager *receiver, Start start,
               const std::function<void(const R &)> &done, const R &gone)
{
    if (!connector) {
        if (done)
            done(failure);
        return;
    }
    runOn<R>(connector, receiver, std::move(start), [done](const R &result) {
        if (done)
            done(result);
    }, gone);
}

} // namespace

// Lives with the connector it serves, on the I/O thread: asks the manager on its thread and
// waits (without blocking) for the answer to come back.
class EndpointManager::Broker : public EndpointBroker
{
public:
    Broker(EndpointManager *manager, QString requester)
        : m_manager(manager)
        , m_requester(std::move(requester))
    {
    }

    QCoro::Task<std::pair<QPointer<Connector>, Result>> connectorFor(ResourceId endpoint) override
    {
        struct Reply
        {
            QPointer<Connector> connector;
            Result result;
            bool done = false;
        };
        auto reply = std::make_shared<Reply>();
        auto wakeup = std::make_shared<Wakeup>();
        EndpointManager *manager = m_manager;
        QObject *io = manager->m_ioContext;
        const QString requester = m_requester;
        const std::weak_ptr<Wakeup> weak = wakeup;
        QMetaObject::invokeMethod(
            manager,
            [manager, io, endpoint, requester, reply, weak] {
                Result failure;
                Connector *lent = manager->lend(endpoint, requester, &failure);
                // Back on the I/O thread, before anything posted later (a deletion of the
                // connector) runs there: the QPointer is made while it is alive.
                QMetaObject::invokeMethod(
                    io,
                    [lent, failure, reply, weak] {
                        reply->connector = lent;
                        reply->result = failure;
                        reply->done = true;
                        if (const std::shared_ptr<Wakeup> wake = weak.lock())
                            wake->notify();
                    },
                    Qt::QueuedConnection);
            },
            Qt::QueuedConnection);
        const QDeadlineTimer deadline(std::chrono::seconds(30));
        while (!reply->done && !deadline.hasExpired())
            co_await wakeup->wait(std::chrono::milliseconds(std::max<qint64>(1, deadline.remainingTime())));
        if (!reply->done)
            co_return std::pair<QPointer<Connector>, Result>{
                nullptr, Result::failure(ErrorKind::Timeout, tr("%1: the workspace did not answer").arg(endpoint.toString()))};
        co_return std::pair<QPointer<Connector>, Result>{reply->connector, reply->result};
    }

private:
    static QString tr(const char *text) { return QCoreApplication::translate("EndpointManager", text); }

    EndpointManager *m_manager; // Not owned; outlives every connector (see ~EndpointManager).
    QString m_requester;
};

EndpointManager::EndpointManager(ResourceStore *store, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_ioContext(new QObject)
    , m_ingest(new IngestQueue(
          [this](const QString &endpointId, const UpdateBatch &updates) {
              m_store->ingestFrom(Cause::endpoint(endpointId), updates);
          },
          this))
{
    m_ioThread.setObjectName(QStringLiteral("thingscape-io"));
    m_ioContext->moveToThread(&m_ioThread);
    m_ioThread.start();
}

EndpointManager::~EndpointManager()
{
    // Quitting never waits behind a backlog on the I/O thread (operations queued by the
    // thousand, under a flood): what has not started there is dropped. Nothing answers an
    // operation any more, so the connectors' deaths need not be reported to their callers
    // either (thousands of queued reports, each removed one by one with its context).
    const qint64 droppedBefore = t_droppedOperations;
    for (const Entry &entry : std::as_const(m_entries)) {
        if (!entry.connector)
            continue;
        QCoreApplication::removePostedEvents(entry.connector, QEvent::MetaCall);
        QObject::disconnect(entry.connector, &QObject::destroyed, nullptr, nullptr);
    }
    if (const qint64 dropped = t_droppedOperations - droppedBefore; dropped > 0)
        qWarning("Closing the endpoints: dropped %lld queued operation(s) that had not started.", dropped);
    for (Entry &entry : m_entries)
        destroyConnector(entry, true);
    // Test connectors still connecting go now, so that none reports to a deleted manager.
    QList<QPointer<Connector>> tests;
    for (const TestRun &run : std::as_const(m_tests))
        tests.append(run.connector);
    m_tests.clear();
    QMetaObject::invokeMethod(
        m_ioContext,
        [tests] {
            for (const QPointer<Connector> &connector : tests) {
                if (connector) {
                    connector->disconnectFromEndpoint();
                    delete connector.data();
                }
            }
        },
        Qt::BlockingQueuedConnection);
    m_ioThread.quit();
    m_ioThread.wait();
    delete m_ioContext;
}

QString EndpointManager::add(EndpointConfig config)
{
    return insert(std::move(config), QString());
}

QString EndpointManager::insert(EndpointConfig config, const QString &parent)
{
    if (config.id.isEmpty())
        config.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    if (config.name.isEmpty())
        config.name = config.url.hostPort();
    const QString id = config.id;
    const bool existed = m_entries.contains(id);
    if (existed) {
        // Its children were made for the connector that goes now.
        for (const QString &child : childEndpoints(id))
            remove(child);
    }
    Entry &entry = m_entries[id];
    if (existed) {
        destroyConnector(entry);
        forgetForeign(id);
    }
    entry.config = config;
    entry.status = Status();
    entry.parent = parent;
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
    for (const QString &child : childEndpoints(id))
        remove(child);
    it = m_entries.find(id);
    destroyConnector(*it);
    m_entries.erase(it);
    // What it found under hosts no endpoint carries leaves with it.
    QList<ResourceId> foreign;
    for (auto owned = m_foreignOwner.cbegin(); owned != m_foreignOwner.cend(); ++owned) {
        if (owned.value() == id && !carried(owned.key().endpointUri()))
            foreign.append(owned.key());
    }
    forgetForeign(id);
    if (!foreign.isEmpty())
        m_store->remove(foreign);
    m_order.removeAll(id);
    Q_EMIT endpointRemoved(id);
}

QStringList EndpointManager::childEndpoints(const QString &parentId) const
{
    QStringList children;
    for (const QString &key : m_order) {
        if (m_entries.value(key).parent == parentId && !parentId.isEmpty())
            children.append(key);
    }
    return children;
}

QString EndpointManager::parentOf(const QString &id) const
{
    return m_entries.value(id).parent;
}

bool EndpointManager::carried(const QString &endpointUri) const
{
    for (const Entry &entry : m_entries) {
        if (entry.parent.isEmpty() && entry.config.url.endpointUri() == endpointUri)
            return true;
    }
    return false;
}

Connector *EndpointManager::lend(const ResourceId &endpoint, const QString &requester, Result *failure)
{
    const QString uri = endpoint.endpointUri();
    // The user's endpoint first (its credentials and TLS settings), then a child made earlier.
    QString found;
    for (const QString &key : std::as_const(m_order)) {
        const Entry &entry = m_entries[key];
        if (key == requester || entry.config.url.endpointUri() != uri)
            continue;
        if (entry.parent.isEmpty()) {
            found = key;
            break;
        }
        if (found.isEmpty())
            found = key;
    }
    if (found.isEmpty()) {
        const auto parent = m_entries.constFind(requester);
        if (parent == m_entries.constEnd()) {
            *failure = Result::failure(ErrorKind::Connection, tr("%1: the endpoint asking for it is gone").arg(uri));
            return nullptr;
        }
        EndpointConfig config;
        config.url = endpoint.endpoint();
        config.name = tr("%1 (for %2)").arg(config.url.hostPort(), parent->config.name);
        config.filters = {}; // only what the Thing Description names, not the whole broker
        config.pollIntervalMs = parent->config.pollIntervalMs;
        config.requestTimeoutMs = parent->config.requestTimeoutMs;
        config.autoConnect = false;
        found = insert(config, requester);
    }
    Entry &entry = m_entries[found];
    ensureConnector(entry);
    if (!entry.connector) {
        *failure = Result::failure(ErrorKind::Unsupported, tr("%1: %2").arg(uri, entry.status.lastError));
        Q_EMIT endpointChanged(found);
    }
    return entry.connector;
}

QList<EndpointConfig> EndpointManager::endpoints() const
{
    QList<EndpointConfig> configs;
    for (const QString &id : m_order) {
        const Entry &entry = m_entries[id];
        if (entry.parent.isEmpty())
            configs.append(entry.config);
    }
    return configs;
}

EndpointConfig EndpointManager::endpoint(const QString &id) const
{
    return m_entries.value(id).config;
}

void EndpointManager::announce(const QString &endpointId, const UpdateBatch &updates)
{
    auto it = m_entries.find(endpointId);
    if (it != m_entries.end()) {
        const ResourceId &own = it->config.url;
        // Compared part by part: building each update's endpoint URI costs an allocation per message.
        auto isForeign = [&own](const ResourceId &id) {
            return id.port() != own.port() || id.host() != own.host() || id.scheme() != own.scheme();
        };
        for (const Update &update : updates) {
            if (update.direction == Direction::In && !update.remove && isForeign(update.id)) {
                m_foreignOwner.insert(update.id, endpointId);
                const QString foreign = update.id.endpointUri();
                const QString key = endpointId + QLatin1Char(' ') + foreign;
                if (!m_foreignEndpoints.contains(key) && !carried(foreign)) {
                    m_foreignEndpoints.insert(key);
                    Q_EMIT foreignEndpointSeen(endpointId, update.id.endpoint());
                }
            }
        }
    }
    Q_EMIT updatesArrived(endpointId, updates);
}

void EndpointManager::setApplySliceMs(int ms)
{
    m_ingest->setSliceMs(ms);
}

qsizetype EndpointManager::updatesWaiting() const
{
    return m_ingest->waiting();
}

void EndpointManager::whenDelivered(std::function<void()> then)
{
    m_ingest->whenApplied(std::move(then));
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
    connector->setEndpointBroker(std::make_shared<Broker>(this, entry.config.id));
    entry.capabilities = connector->capabilities();
    entry.initialObservations = connector->initialObservations();
    Connector *raw = connector.release();
    raw->setAcknowledgedHandOver(true);
    if (m_handOverLimit > 0)
        raw->setHandOverLimit(m_handOverLimit);
    if (!m_coalescing)
        raw->setPendingLimit(std::numeric_limits<qsizetype>::max());
    raw->moveToThread(&m_ioThread);
    const QString id = entry.config.id;
    // Batches still queued from a connector that was replaced or removed are dropped.
    connect(raw, &Connector::updatesReady, this, [this, id, raw](const UpdateBatch &updates) {
        auto it = m_entries.find(id);
        if (it == m_entries.end() || it->connector != raw)
            return;
        // Backpressure: the connector holds its next batch until this one is taken.
        const Connector::HandOverStats handOver = raw->handOverStats();
        const qint64 waited = handOver.inFlightSinceMs > 0
            ? std::max<qint64>(0, QDateTime::currentMSecsSinceEpoch() - handOver.inFlightSinceMs)
            : 0;
        announce(id, updates);
        if (!m_storeIngest) {
            raw->acknowledgeHandOver();
            return;
        }
        m_store->noteHandOver(waited, handOver.inFlightCoalesced);
        // The store takes it now or in slices; the connector may send its next batch as soon
        // as nothing of its own waits ahead of this one.
        m_ingest->push(id, raw, updates, [raw] { raw->acknowledgeHandOver(); });
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
    entry.initialObserved = false;
    disconnect(connector, nullptr, this, nullptr);
    // What it sent and the store has not taken yet goes with it.
    m_ingest->dropSource(connector);
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
    const QString prefix = id + QLatin1Char(' ');
    for (auto seen = m_foreignEndpoints.begin(); seen != m_foreignEndpoints.end();) {
        if (seen->startsWith(prefix))
            seen = m_foreignEndpoints.erase(seen);
        else
            ++seen;
    }
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
    Connector *connector = it->connector;
    runOn<Result>(
        connector, this, [](Connector *c) { return c->connectToEndpoint(); },
        [this, id, connector](const Result &result) {
            // Only for the connector asked: a replaced one's answer says nothing about this.
            auto entry = m_entries.find(id);
            if (entry == m_entries.end() || entry->connector != connector)
                return;
            if (!result.ok()) {
                entry->status.lastError = result.error;
                Q_EMIT endpointChanged(id);
                return;
            }
            // What the connector asks to observe goes first (MQTT: its filters, so that
            // nothing published while discovery listens is missed); once per connector,
            // which keeps them across its reconnects.
            if (!entry->initialObserved) {
                entry->initialObserved = true;
                for (const ResourceId &observed : std::as_const(entry->initialObservations))
                    observe(observed);
            }
            // A child endpoint carries only what its parent's Thing Description names.
            if (entry->parent.isEmpty())
                discover(id, [this, id](const Result &) { autoObserve(id); });
        },
        endpointGone(it->config.url.endpointUri()));
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
        },
        endpointGone(it->config.url.endpointUri()));
}

void EndpointManager::disconnectEndpoint(const QString &id)
{
    for (const QString &child : childEndpoints(id))
        disconnectEndpoint(child);
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
    Connector *connector = it->connector;
    runOn<Result>(
        connector, this,
        [root, window](Connector *c) { return c->discover(root, window); },
        [this, id, done, connector](const Result &result) {
            auto entry = m_entries.find(id);
            if (entry != m_entries.end() && entry->connector == connector) {
                entry->status.discovering = false;
                if (!result.ok())
                    entry->status.lastError = result.error;
                Q_EMIT endpointChanged(id);
            }
            if (done)
                done(result);
        },
        endpointGone(root.endpointUri()));
}

void EndpointManager::autoObserve(const QString &id)
{
    auto it = m_entries.find(id);
    if (it == m_entries.end() || !it->connector)
        return;
    // Where discovery already subscribes there is nothing to add; elsewhere observe what
    // says it is observable.
    if (it->capabilities.testFlag(Capability::DiscoveryObserves))
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
        [id, timeout](Connector *c) { return c->read(id, timeout); }, done,
        ReadResult{endpointGone(id.toString()), id, {}});
}

Connector::HandOverStats EndpointManager::handOverStats(const QString &id) const
{
    const Connector *connector = m_entries.value(id).connector;
    return connector ? connector->handOverStats() : Connector::HandOverStats();
}

void EndpointManager::write(const ResourceId &id, const QByteArray &payload, const WriteOptions &options,
                            ResultCallback done)
{
    Result failure;
    Connector *connector = connectorFor(id, &failure);
    runOrFail<Result>(
        connector, failure, this, [id, payload, options](Connector *c) { return c->write(id, payload, options); },
        done, endpointGone(id.toString()));
}

void EndpointManager::observe(const ResourceId &id, ResultCallback done)
{
    Result failure;
    Connector *connector = connectorFor(id, &failure);
    runOrFail<Result>(connector, failure, this, [id](Connector *c) { return c->observe(id); }, done,
                      endpointGone(id.toString()));
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

Capabilities EndpointManager::capabilities(const QString &id) const
{
    const auto it = m_entries.constFind(id);
    return it == m_entries.constEnd() ? Capabilities() : it->capabilities;
}

void EndpointManager::clearRetained(const ResourceId &id, bool recursive, ClearCallback done)
{
    Result failure;
    Connector *connector = connectorFor(id, &failure);
    runOrFail<ClearResult>(
        connector, ClearResult{failure, 0}, this,
        [id, recursive](Connector *c) { return c->clearRetained(id, recursive); }, done,
        ClearResult{endpointGone(id.toString()), 0});
}

void EndpointManager::request(const RawRequest &request, RawCallback done)
{
    Result failure;
    Connector *connector = connectorFor(request.target, &failure);
    RawResponse failed;
    failed.result = failure;
    RawResponse gone;
    gone.result = endpointGone(request.target.toString());
    runOrFail<RawResponse>(
        connector, failed, this, [request](Connector *c) { return c->request(request); }, done, gone);
}

quint64 EndpointManager::testConnection(const EndpointConfig &config, std::chrono::milliseconds timeout,
                                        ResultCallback done)
{
    const QString target = config.url.hostPort();
    QString error;
    std::unique_ptr<Connector> made = createConnector(config, &error);
    if (!made) {
        const Result failure = Result::failure(ErrorKind::Usage, tr("%1: %2").arg(target, error));
        QMetaObject::invokeMethod(this, [done, failure] { if (done) done(failure); }, Qt::QueuedConnection);
        return 0;
    }
    // Made here, then used and destroyed only on the I/O thread (libcoap and libmosquitto
    // are not thread-safe). The first of answer and timeout reports; the connector goes once
    // its attempt is over (a pending connect still uses it), never from inside it.
    const quint64 ticket = ++m_lastTest;
    Connector *connector = made.release();
    m_tests.insert(ticket, TestRun{QPointer<Connector>(connector), done});
    connector->moveToThread(&m_ioThread);
    // Called on the I/O thread; the destructor deletes every test connector before this
    // object goes, so `this` is alive whenever a connector can still report.
    auto report = [this, ticket](const Result &result) {
        QMetaObject::invokeMethod(
            this,
            [this, ticket, result] {
                // A cancelled test's result is dropped.
                const TestRun run = m_tests.take(ticket);
                if (run.done)
                    run.done(result);
            },
            Qt::QueuedConnection);
    };
    QMetaObject::invokeMethod(
        connector,
        [connector, timeout, target, report]() {
            auto finished = std::make_shared<bool>(false);
            auto finish = [report, finished](const Result &result) {
                if (!*finished) {
                    *finished = true;
                    report(result);
                }
            };
            auto *timer = new QTimer(connector);
            timer->setSingleShot(true);
            QObject::connect(timer, &QTimer::timeout, connector, [connector, finish, target, timeout] {
                // A named count: a call in translate()'s count argument sends Qt 6.4's lupdate
                // into an endless loop.
                const int seconds = int(std::max<qint64>(1, timeout.count() / 1000));
                finish(Result::failure(ErrorKind::Timeout,
                                       QCoreApplication::translate("EndpointManager", "%1: no answer within %n s.",
                                                                   nullptr, seconds)
                                           .arg(target)));
                // Stops reconnecting; the attempt then ends and the connector goes.
                connector->disconnectFromEndpoint();
            });
            timer->start(timeout);
            QCoro::connect(connector->connectToEndpoint(), connector, [connector, finish, target](const Result &result) {
                Result named = result;
                // The connector names the thing in most errors; make sure the host is there.
                if (!named.ok() && !named.error.contains(target))
                    named.error = QCoreApplication::translate("EndpointManager", "%1: %2")
                                      .arg(target, named.error.isEmpty() ? QCoreApplication::translate(
                                                                               "EndpointManager", "the connection failed")
                                                                         : named.error);
                finish(named);
                // From the event loop, never inside the connector's coroutine chain, which
                // is still unwinding here.
                QMetaObject::invokeMethod(
                    connector,
                    [connector] {
                        connector->disconnectFromEndpoint();
                        delete connector;
                    },
                    Qt::QueuedConnection);
            });
        },
        Qt::QueuedConnection);
    return ticket;
}

void EndpointManager::cancelTest(quint64 ticket)
{
    const TestRun run = m_tests.take(ticket);
    const QPointer<Connector> connector = run.connector;
    if (!connector && !run.done)
        return;
    // Checked on the I/O thread, where the connector lives and dies.
    QMetaObject::invokeMethod(
        m_ioContext,
        [connector] {
            if (connector)
                connector->disconnectFromEndpoint();
        },
        Qt::QueuedConnection);
}

} // namespace thingscape
