#include "resourcestore.h"

#include "eventsubscription.h"

#include <QDateTime>
#include <QMetaMethod>
#include <QMutexLocker>
#include <QThread>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <limits>

namespace thingscape {

namespace {

qint64 heapBlock(qint64 bytes)
{
    return PayloadLedger::heapBlock(bytes);
}

qint64 stringCost(const QString &text)
{
    return text.isEmpty() ? 0 : heapBlock(16 + 2 * (text.capacity() + 1));
}

qint64 metadataCost(const Metadata &meta)
{
    qint64 cost = heapBlock(qint64(sizeof(detail::MetadataBlock))); // the object with its count
    for (const Sourced<QString> *field : {&meta.title, &meta.description, &meta.unit, &meta.unitCode, &meta.device,
                                          &meta.commandUri}) {
        if (field->isSet())
            cost += stringCost(**field);
    }
    for (const Sourced<QStringList> *list : {&meta.resourceTypes, &meta.interfaces}) {
        if (list->isSet()) {
            cost += heapBlock(16 + 24 * (*list)->size());
            for (const QString &item : **list)
                cost += stringCost(item);
        }
    }
    if (!meta.extra.isEmpty())
        cost += heapBlock(64 * meta.extra.size());
    return cost;
}

} // namespace

ResourceStore::ResourceStore(QObject *parent)
    : QObject(parent)
    , m_byId(UriOf{&m_resources})
    , m_metadataBytes(new detail::MetadataAccount)
    , m_decoded(new detail::DecodeAccount)
{
    qRegisterMetaType<thingscape::StoreBatch>();
    qRegisterMetaType<thingscape::UpdateBatch>();
    qRegisterMetaType<thingscape::ValueEvents>();
}

ResourceStore::~ResourceStore()
{
    m_byId.clear();
    m_resources.clear();
}

qint64 ResourceStore::recordCost(const Resource *resource)
{
    // The record (in a slot: no heap block of its own), its URI text (scheme, host and a plain
    // path are shared or read from it) and its first budget-queue entry; the index and the free
    // slots are counted as they are (memoryBytes()).
    // Its inline current value is counted with the history (or as a current-only value).
    return qint64(sizeof(Resource)) - qint64(sizeof(History::Point)) + stringCost(resource->id().uri())
        + qint64(sizeof(BudgetEntry));
}

qint64 ResourceStore::memoryBytes() const
{
    return m_recordBytes + m_resources.idleBytes() + qint64(m_byId.slotCount() * sizeof(quint32))
        + m_metadataBytes->bytes.load(std::memory_order_relaxed) + m_currentOnlyBytes + keptBytes() + m_ledger.overheadBytes();
}

MetadataRef ResourceStore::shareMetadata(Metadata &&metadata)
{
    const qint64 cost = metadataCost(metadata);
    MetadataRef shared(std::move(metadata));
    shared.chargeTo(m_metadataBytes.data(), cost);
    return shared;
}

namespace {

// Payloads from this size are counted once however many hold them (a history point and a stream
// row share one): below it each holder counts its own, which costs less than a ledger entry. At
// the ledger's own 1 KiB, 300-byte JSON values shown in the stream were counted twice (the figure
// was 1.25 of RSS at 100,000 topics).
constexpr qsizetype kCountOnceBytes = 256;

bool countOnce(const QByteArray &payload)
{
    return payload.size() >= kCountOnceBytes;
}

} // namespace

void ResourceStore::keep(qsizetype fixedBytes, const QByteArray &payload)
{
    m_keptBytes += fixedBytes;
    if (countOnce(payload))
        m_keptBytes += m_ledger.acquire(payload);
    else
        m_keptBytes += PayloadLedger::payloadBytes(payload);
}

void ResourceStore::letGo(qsizetype fixedBytes, const QByteArray &payload)
{
    m_keptBytes -= fixedBytes;
    if (countOnce(payload))
        m_keptBytes -= m_ledger.release(payload);
    else
        m_keptBytes -= PayloadLedger::payloadBytes(payload);
}

void ResourceStore::addBudgetClient(BudgetClient *client)
{
    m_budgetClients.push_back(client);
}

void ResourceStore::removeBudgetClient(BudgetClient *client)
{
    std::erase(m_budgetClients, client);
}

void ResourceStore::enforceMemoryBudget()
{
    enforceBudget();
}

Resource *ResourceStore::obtain(const ResourceId &id, StoreBatch &batch, bool *created)
{
    *created = false;
    if (const quint32 existing = m_byId.find(id.uri()))
        return m_resources.at(existing);
    Resource *resource = m_resources.create(id);
    m_byId.insert(resource->key());
    m_recordBytes += recordCost(resource);
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
            resource->m_metadata.reset();
            changed = true;
        }
        if (!update.metadata.isEmpty()) {
            // Resources announced alike (every new MQTT topic: retained, observable) share one
            // merged object: the same base merged with the same update gives the same result.
            if (!m_mergeCache.result.isNull() && m_mergeCache.base.isSameObject(resource->m_metadata)
                && m_mergeCache.update == update.metadata) {
                if (!resource->m_metadata.isSameObject(m_mergeCache.result)) {
                    resource->m_metadata = m_mergeCache.result;
                    changed = true;
                }
            } else {
                Metadata merged = resource->metadata();
                merged.merge(update.metadata);
                m_mergeCache.base = resource->m_metadata;
                m_mergeCache.update = update.metadata;
                if (!(merged == resource->metadata())) {
                    resource->m_metadata = shareMetadata(std::move(merged));
                    changed = true;
                }
                m_mergeCache.result = resource->m_metadata;
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
            const quint32 handle = m_byId.find(id.uri());
            if (!handle)
                continue;
            Resource *resource = m_resources.at(handle);
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
    History &history = resource->m_history;
    // A current value the budget had dropped from the history is replaced: no longer counted.
    if (history.hasCurrent() && !history.currentInHistory())
        m_currentOnlyBytes -= History::pointCost(history.current());
    ++resource->m_updateCount;
    const quint64 seq = m_nextSeq++;
    const bool grows = history.currentInHistory() && !history.hasOlderStorage();
    history.append(seq, value);
    if (grows && history.hasOlderStorage())
        m_recordBytes += History::kOlderStorageBytes; // structure, outside the budget
    m_historyBytes += History::pointCost(value);
    keep(History::fixedCost(value), value.raw);
    value.chargeDecodingTo(m_decoded.data());
    ++m_livePoints;
    m_budgetQueue.push_back(BudgetEntry{resource->key(), quint32(seq), quint32(seq >> 32)});
    trimToCapacity(resource);
    // Points dropped by capacity leave stale queue entries; sweep them out now and then.
    if (qsizetype(m_budgetQueue.size()) > 2 * m_livePoints + 1024)
        compactBudgetQueue();
}

qsizetype ResourceStore::dropOldestPoint(Resource *resource)
{
    History &history = resource->m_history;
    const bool hadOlderStorage = history.hasOlderStorage();
    const History::Point &oldest = history.oldest();
    const bool isCurrent = history.size() == 1 && history.currentInHistory();
    // Copies share the payload: its ledger entry is released before the point goes.
    const QByteArray raw = oldest.value.raw;
    const qsizetype fixed = History::fixedCost(oldest.value);
    const qsizetype cost = history.dropOldest();
    m_historyBytes -= cost;
    letGo(fixed, raw);
    if (hadOlderStorage && !history.hasOlderStorage())
        m_recordBytes -= History::kOlderStorageBytes;
    if (isCurrent)
        m_currentOnlyBytes += cost; // still held as the resource's value
    --m_livePoints;
    return cost;
}

void ResourceStore::trimToCapacity(Resource *resource)
{
    while (resource->m_history.size() > m_historyCapacity) {
        dropOldestPoint(resource);
        ++m_droppedByCapacity;
    }
}

void ResourceStore::enforceBudget()
{
    const qint64 keptBefore = keptBytes();
    // Oldest first across the history and every client (the message stream).
    while (keptBytes() > m_memoryBudget) {
        Resource *oldestResource = nullptr;
        qint64 storeMs = std::numeric_limits<qint64>::max();
        while (!m_budgetQueue.empty()) {
            const BudgetEntry entry = m_budgetQueue.front();
            // The key's slot may hold a newer resource by now: no point of its has that seq.
            Resource *resource = m_resources.find(entry.key);
            if (!resource || resource->m_history.isEmpty() || resource->m_history.oldest().seq != entry.seq()) {
                m_budgetQueue.pop_front(); // already dropped by the per-resource capacity
                continue;
            }
            oldestResource = resource;
            storeMs = resource->m_history.oldest().value.timeMs;
            break;
        }
        BudgetClient *oldestClient = nullptr;
        qint64 clientMs = std::numeric_limits<qint64>::max();
        for (BudgetClient *client : m_budgetClients) {
            const qint64 ms = client->oldestDroppableMs();
            if (ms < clientMs || (!oldestClient && ms != std::numeric_limits<qint64>::max())) {
                clientMs = ms;
                oldestClient = client;
            }
        }
        if (oldestResource && (!oldestClient || storeMs <= clientMs)) {
            m_budgetQueue.pop_front();
            dropOldestPoint(oldestResource);
            ++m_droppedByBudget;
        } else if (oldestClient && oldestClient->dropOldestPayload()) {
            ++m_payloadsDroppedByBudget;
        } else {
            break; // nothing left that the budget may drop
        }
    }
    if (keptBytes() < keptBefore) {
        m_freedSinceTrim += keptBefore - keptBytes();
        // glibc keeps freed payloads below its mmap threshold (128 KiB) in the heap, so RSS
        // would stay at its peak; give them back now and then (a trim of a few hundred MiB of
        // heap takes milliseconds).
        if (m_freedSinceTrim >= kTrimAfterBytes) {
            m_freedSinceTrim = 0;
#ifdef __GLIBC__
            malloc_trim(0);
#endif
        }
    }
}

void ResourceStore::compactBudgetQueue()
{
    std::deque<BudgetEntry> live;
    for (const auto &entry : m_budgetQueue) {
        const Resource *resource = m_resources.find(entry.key);
        if (!resource)
            continue;
        // A removed resource's entries are older than any point of one that took its slot since.
        const History &history = resource->m_history;
        if (!history.isEmpty() && entry.seq() >= history.oldest().seq)
            live.push_back(entry);
    }
    m_budgetQueue.swap(live);
}

void ResourceStore::eraseResource(Resource *resource)
{
    History &history = resource->m_history;
    while (!history.isEmpty())
        dropOldestPoint(resource);
    if (history.hasCurrent())
        m_currentOnlyBytes -= History::pointCost(history.current());
    m_recordBytes -= recordCost(resource);
    m_byId.remove(resource->id().uri()); // while its URI is there to compare
    m_resources.destroy(resource);
    if (m_resources.size() == 0)
        m_byId.clear(); // an empty store keeps no table
}

const Resource *ResourceStore::find(const ResourceId &id) const
{
    const quint32 handle = m_byId.find(id.uri());
    return handle ? m_resources.at(handle) : nullptr;
}

void ResourceStore::collectByPrefix(const QString &uriPrefix, QList<const Resource *> *found) const
{
    // No string copies: the URI is compared where it lies.
    m_resources.forEach([&](const Resource *resource) {
        if (resource->id().uri().startsWith(uriPrefix))
            found->append(resource);
    });
}

void ResourceStore::collectUnder(const QString &uri, QList<const Resource *> *found) const
{
    QString base = uri;
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    const qsizetype length = base.size();
    m_resources.forEach([&](const Resource *resource) {
        const QString &text = resource->id().uri();
        if (text.startsWith(base) && (text.size() == length || text.at(length) == QLatin1Char('/')))
            found->append(resource);
    });
}

namespace {

void sortByUri(QList<const Resource *> *resources)
{
    std::sort(resources->begin(), resources->end(),
              [](const Resource *a, const Resource *b) { return a->id().uri() < b->id().uri(); });
}

} // namespace

QList<const Resource *> ResourceStore::findByPrefix(const QString &uriPrefix) const
{
    QList<const Resource *> found;
    collectByPrefix(uriPrefix, &found);
    sortByUri(&found);
    return found;
}

QList<const Resource *> ResourceStore::findUnder(const QString &uri) const
{
    QList<const Resource *> found;
    collectUnder(uri, &found);
    sortByUri(&found);
    return found;
}

QList<const Resource *> ResourceStore::findUnderUnordered(const QString &uri) const
{
    QList<const Resource *> found;
    collectUnder(uri, &found);
    return found;
}

QList<const Resource *> ResourceStore::resources() const
{
    // By key: the slots' order.
    QList<const Resource *> all;
    all.reserve(m_resources.size());
    m_resources.forEach([&all](const Resource *resource) { all.append(resource); });
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

// Removal in the order the store holds them (by key: collected in that order), no sort by URI.
void ResourceStore::removeByPrefix(const QString &uriPrefix)
{
    QList<const Resource *> found;
    collectByPrefix(uriPrefix, &found);
    QList<ResourceId> ids;
    ids.reserve(found.size());
    for (const Resource *resource : std::as_const(found))
        ids.append(resource->id());
    remove(ids);
}

void ResourceStore::removeUnder(const QString &uri)
{
    QList<const Resource *> found;
    collectUnder(uri, &found);
    QList<ResourceId> ids;
    ids.reserve(found.size());
    for (const Resource *resource : std::as_const(found))
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
    m_resources.forEach([this](Resource *resource) { trimToCapacity(resource); });
}

void ResourceStore::setMemoryBudget(qint64 bytes)
{
    m_memoryBudget = std::max<qint64>(0, bytes);
    enforceBudget();
}

} // namespace thingscape
