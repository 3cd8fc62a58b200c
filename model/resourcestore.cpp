#include "resourcestore.h"

#include "eventsubscription.h"

#include <QDateTime>
#include <QMetaMethod>
#include <QMutexLocker>
#include <QThread>

#include <algorithm>

namespace thingscape {

ResourceStore::ResourceStore(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<thingscape::StoreBatch>();
    qRegisterMetaType<thingscape::UpdateBatch>();
    qRegisterMetaType<thingscape::ValueEvents>();
}

ResourceStore::~ResourceStore() = default;

Resource *ResourceStore::obtain(const ResourceId &id, StoreBatch &batch, bool *created)
{
    *created = false;
    if (Resource *existing = m_byId.value(id))
        return existing;
    const quint32 key = m_nextKey++;
    auto owned = std::make_unique<Resource>(id, key);
    Resource *resource = owned.get();
    m_resources.emplace(key, std::move(owned));
    m_byId.insert(id, resource);
    batch.added.append(resource);
    *created = true;
    return resource;
}

void ResourceStore::ingest(const UpdateBatch &updates)
{
    ingestFrom(Cause(), updates);
}

void ResourceStore::ingestFrom(const Cause &cause, const UpdateBatch &updates)
{
    if (updates.isEmpty())
        return;
    StoreBatch batch;
    QSet<quint32> changedKeys;
    QSet<quint32> addedKeys;
    // Removals in order, and which of them still stand (a later update may take one back):
    // a set, so removing N resources costs O(N), not O(N^2).
    QList<ResourceId> removals;
    QSet<ResourceId> pendingRemovals;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const bool collectEvents = wantsEvents();
    ValueEvents events;

    const auto addEvent = [&](const Update &update, const Value &value) {
        const quint64 seq = m_nextEventSeq++;
        if (!collectEvents)
            return;
        ValueEvent event;
        event.seq = seq;
        event.id = update.id;
        event.value = value;
        event.direction = update.direction;
        event.derived = update.derived;
        event.cause = update.cause.isKnown() ? update.cause : cause;
        event.info = update.info;
        events.append(std::move(event));
    };

    for (const Update &update : updates) {
        if (!update.id.isValid())
            continue;
        if (update.direction == Direction::Out) {
            Message message;
            message.timeMs = update.value ? update.value->timeMs : now;
            message.direction = Direction::Out;
            message.id = update.id;
            if (update.value) {
                message.raw = update.value->raw;
                message.contentFormat = update.value->contentFormat;
            }
            message.info = update.info;
            batch.messages.append(message);
            ++m_messagesOut;
            Value sent = update.value.value_or(Value());
            if (sent.timeMs == 0)
                sent.timeMs = now;
            addEvent(update, sent);
            continue;
        }
        if (update.remove) {
            if (!pendingRemovals.contains(update.id)) {
                pendingRemovals.insert(update.id);
                removals.append(update.id);
            }
            continue;
        }
        bool created = false;
        Resource *resource = obtain(update.id, batch, &created);
        if (created)
            addedKeys.insert(resource->key());
        bool changed = false;
        // Removed and announced again in one batch (a Home Assistant config cleared and
        // re-published): the later update wins, on a clean slate of metadata.
        if (pendingRemovals.remove(update.id) && !created) {
            resource->m_metadata = Metadata();
            changed = true;
        }
        if (!update.metadata.isEmpty()) {
            Metadata merged = resource->m_metadata;
            merged.merge(update.metadata);
            if (!(merged == resource->m_metadata)) {
                resource->m_metadata = std::move(merged);
                changed = true;
            }
        }
        if (update.state && *update.state != resource->m_state) {
            resource->m_state = *update.state;
            changed = true;
        }
        if (update.value) {
            Value value = *update.value;
            if (value.timeMs == 0)
                value.timeMs = now;
            appendValue(resource, value);
            if (resource->m_state != ResourceState::Online && !update.state)
                resource->m_state = ResourceState::Online;
            changed = true;
            if (!update.derived) {
                ++resource->m_messageCount;
                Message message;
                message.timeMs = value.timeMs;
                message.direction = Direction::In;
                message.id = update.id;
                message.raw = value.raw;
                message.contentFormat = value.contentFormat;
                message.info = update.info;
                message.error = value.error;
                batch.messages.append(message);
                ++m_messagesIn;
            }
            addEvent(update, value);
        }
        if (changed && !addedKeys.contains(resource->key()) && !changedKeys.contains(resource->key())) {
            changedKeys.insert(resource->key());
            batch.changed.append(resource);
        }
    }
    enforceBudget();

    if (!pendingRemovals.isEmpty()) {
        QSet<quint32> erasedKeys;
        QList<Resource *> doomed;
        for (const ResourceId &id : std::as_const(removals)) {
            if (!pendingRemovals.remove(id)) // taken back by a later update, or a duplicate
                continue;
            Resource *resource = m_byId.value(id);
            if (!resource)
                continue;
            // Added and removed in the same batch: the models never hear of it.
            if (!addedKeys.contains(resource->key()))
                batch.removed.append(id);
            erasedKeys.insert(resource->key());
            doomed.append(resource);
        }
        // One pass each instead of a removeOne() per removed resource.
        const auto erased = [&erasedKeys](const Resource *resource) { return erasedKeys.contains(resource->key()); };
        if (!addedKeys.isEmpty())
            batch.added.removeIf(erased);
        if (!changedKeys.isEmpty())
            batch.changed.removeIf(erased);
        for (Resource *resource : std::as_const(doomed))
            eraseResource(resource);
    }
    if (!(batch.added.isEmpty() && batch.changed.isEmpty() && batch.removed.isEmpty() && batch.messages.isEmpty()))
        Q_EMIT batchApplied(batch);
    if (!events.isEmpty())
        publish(events);
}

void ResourceStore::noteHandOver(qint64 waitedMs, quint64 coalesced)
{
    m_ingestStats.handOvers += 1;
    m_ingestStats.coalesced += coalesced;
    m_ingestStats.lastWaitMs = waitedMs;
    m_ingestStats.maxWaitMs = std::max(m_ingestStats.maxWaitMs, waitedMs);
    if (waitedMs > kBehindWaitMs || coalesced > 0) {
        m_ingestStats.lastBehindMs = QDateTime::currentMSecsSinceEpoch();
        m_ingestStats.behindCount += 1;
        Q_EMIT ingestStatsChanged();
    }
}

bool ResourceStore::wantsEvents() const
{
    if (isSignalConnected(QMetaMethod::fromSignal(&ResourceStore::valueEvents)))
        return true;
    QMutexLocker lock(&m_subscribersMutex);
    return !m_subscribers.empty();
}

void ResourceStore::publish(const ValueEvents &events)
{
    Q_EMIT valueEvents(events);
    std::vector<std::shared_ptr<EventSubscription>> live;
    {
        QMutexLocker lock(&m_subscribersMutex);
        live.reserve(m_subscribers.size());
        std::erase_if(m_subscribers, [&live](const std::weak_ptr<EventSubscription> &weak) {
            std::shared_ptr<EventSubscription> strong = weak.lock();
            if (!strong)
                return true;
            live.push_back(std::move(strong));
            return false;
        });
    }
    for (const std::shared_ptr<EventSubscription> &subscription : live)
        subscription->push(events);
}

namespace {

// A subscription lives on its consumer's thread; whoever drops the last reference, it is
// deleted there.
void deleteSubscription(EventSubscription *subscription)
{
    if (subscription->thread() == QThread::currentThread() || !subscription->thread()
        || subscription->thread()->isFinished())
        delete subscription;
    else
        subscription->deleteLater();
}

} // namespace

std::shared_ptr<EventSubscription> ResourceStore::subscribe(const QString &name, qsizetype capacity)
{
    std::shared_ptr<EventSubscription> subscription(new EventSubscription(name, capacity), &deleteSubscription);
    QMutexLocker lock(&m_subscribersMutex);
    m_subscribers.push_back(subscription);
    return subscription;
}

QList<SubscriptionInfo> ResourceStore::subscriptions() const
{
    QList<SubscriptionInfo> infos;
    QMutexLocker lock(&m_subscribersMutex);
    for (const std::weak_ptr<EventSubscription> &weak : m_subscribers) {
        if (const std::shared_ptr<EventSubscription> subscription = weak.lock()) {
            SubscriptionInfo info;
            info.name = subscription->name();
            info.capacity = subscription->capacity();
            info.queued = subscription->queued();
            info.dropped = subscription->dropped();
            info.received = subscription->received();
            infos.append(info);
        }
    }
    return infos;
}

void ResourceStore::appendValue(Resource *resource, const Value &value)
{
    resource->m_current = value;
    resource->m_hasValue = true;
    resource->m_lastUpdateMs = value.timeMs;
    ++resource->m_updateCount;
    const quint64 seq = m_nextSeq++;
    resource->m_history.append(seq, value);
    m_historyBytes += value.memoryCost();
    ++m_livePoints;
    m_budgetQueue.emplace_back(resource->key(), seq);
    trimToCapacity(resource);
    // Points dropped by capacity leave stale queue entries; sweep them out now and then.
    if (qsizetype(m_budgetQueue.size()) > 2 * m_livePoints + 1024)
        compactBudgetQueue();
}

void ResourceStore::trimToCapacity(Resource *resource)
{
    while (resource->m_history.size() > m_historyCapacity) {
        m_historyBytes -= resource->m_history.dropOldest();
        --m_livePoints;
        ++m_droppedByCapacity;
    }
}

void ResourceStore::enforceBudget()
{
    while (m_historyBytes > m_memoryBudget && !m_budgetQueue.empty()) {
        const auto [key, seq] = m_budgetQueue.front();
        m_budgetQueue.pop_front();
        auto it = m_resources.find(key);
        if (it == m_resources.end())
            continue;
        History &history = it->second->m_history;
        if (history.isEmpty() || history.oldest().seq != seq)
            continue; // already dropped by the per-resource capacity
        m_historyBytes -= history.dropOldest();
        --m_livePoints;
        ++m_droppedByBudget;
    }
}

void ResourceStore::compactBudgetQueue()
{
    std::deque<std::pair<quint32, quint64>> live;
    for (const auto &entry : m_budgetQueue) {
        auto it = m_resources.find(entry.first);
        if (it == m_resources.end())
            continue;
        const History &history = it->second->m_history;
        if (!history.isEmpty() && entry.second >= history.oldest().seq)
            live.push_back(entry);
    }
    m_budgetQueue.swap(live);
}

void ResourceStore::eraseResource(Resource *resource)
{
    m_historyBytes -= resource->m_history.bytes();
    m_livePoints -= resource->m_history.size();
    m_byId.remove(resource->id());
    m_resources.erase(resource->key());
}

const Resource *ResourceStore::find(const ResourceId &id) const
{
    return m_byId.value(id);
}

QList<const Resource *> ResourceStore::findByPrefix(const QString &uriPrefix) const
{
    QList<const Resource *> found;
    for (const auto &[key, resource] : m_resources) {
        if (resource->id().toString().startsWith(uriPrefix))
            found.append(resource.get());
    }
    std::sort(found.begin(), found.end(),
              [](const Resource *a, const Resource *b) { return a->id() < b->id(); });
    return found;
}

QList<const Resource *> ResourceStore::findUnder(const QString &uri) const
{
    QString base = uri;
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    const QString below = base + QLatin1Char('/');
    QList<const Resource *> found;
    for (const Resource *resource : findByPrefix(base)) {
        const QString text = resource->id().toString();
        if (text == base || text.startsWith(below))
            found.append(resource);
    }
    return found;
}

QList<const Resource *> ResourceStore::resources() const
{
    QList<const Resource *> all;
    all.reserve(qsizetype(m_resources.size()));
    for (const auto &[key, resource] : m_resources)
        all.append(resource.get());
    std::sort(all.begin(), all.end(), [](const Resource *a, const Resource *b) { return a->key() < b->key(); });
    return all;
}

void ResourceStore::remove(const QList<ResourceId> &ids)
{
    UpdateBatch updates;
    for (const ResourceId &id : ids) {
        Update update;
        update.id = id;
        update.remove = true;
        updates.append(update);
    }
    ingest(updates);
}

void ResourceStore::removeByPrefix(const QString &uriPrefix)
{
    QList<ResourceId> ids;
    for (const Resource *resource : findByPrefix(uriPrefix))
        ids.append(resource->id());
    remove(ids);
}

void ResourceStore::removeUnder(const QString &uri)
{
    QList<ResourceId> ids;
    for (const Resource *resource : findUnder(uri))
        ids.append(resource->id());
    remove(ids);
}

void ResourceStore::clear()
{
    removeByPrefix(QString());
}

void ResourceStore::setHistoryCapacity(int points)
{
    m_historyCapacity = std::max(1, points);
    for (auto &[key, resource] : m_resources)
        trimToCapacity(resource.get());
}

void ResourceStore::setMemoryBudget(qint64 bytes)
{
    m_memoryBudget = std::max<qint64>(0, bytes);
    enforceBudget();
}

} // namespace thingscape
