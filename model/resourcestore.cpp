#include "resourcestore.h"

#include <QDateTime>

#include <algorithm>

namespace thingscape {

ResourceStore::ResourceStore(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<thingscape::StoreBatch>();
    qRegisterMetaType<thingscape::UpdateBatch>();
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
    if (updates.isEmpty())
        return;
    StoreBatch batch;
    QSet<quint32> changedKeys;
    QSet<quint32> addedKeys;
    QList<ResourceId> removals;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();

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
            continue;
        }
        if (update.remove) {
            if (!removals.contains(update.id))
                removals.append(update.id);
            continue;
        }
        bool created = false;
        Resource *resource = obtain(update.id, batch, &created);
        if (created)
            addedKeys.insert(resource->key());
        bool changed = false;
        // Removed and announced again in one batch (a Home Assistant config cleared and
        // re-published): the later update wins, on a clean slate of metadata.
        if (removals.removeOne(update.id) && !created) {
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
        }
        if (changed && !addedKeys.contains(resource->key()) && !changedKeys.contains(resource->key())) {
            changedKeys.insert(resource->key());
            batch.changed.append(resource);
        }
    }
    enforceBudget();

    for (const ResourceId &id : std::as_const(removals)) {
        Resource *resource = m_byId.value(id);
        if (!resource)
            continue;
        const quint32 key = resource->key();
        if (addedKeys.contains(key)) {
            batch.added.removeOne(resource);
        } else {
            batch.removed.append(id);
        }
        if (changedKeys.contains(key))
            batch.changed.removeOne(resource);
        eraseResource(resource);
    }
    if (batch.added.isEmpty() && batch.changed.isEmpty() && batch.removed.isEmpty() && batch.messages.isEmpty())
        return;
    Q_EMIT batchApplied(batch);
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
