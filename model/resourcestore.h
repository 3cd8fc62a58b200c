#pragma once

#include "growingindex.h"
#include "message.h"
#include "payloadledger.h"
#include "resource.h"
#include "resourcestoreslots.h"
#include "update.h"
#include "valueevent.h"

#include <QHash>
#include <QMutex>
#include <QObject>

#include <deque>
#include <atomic>
#include <memory>
#include <unordered_map>
#include <vector>

namespace thingscape {

// What one ingested batch did, handed to the models in one signal.
struct StoreBatch
{
    QList<const Resource *> added;   // new resources (in the order first seen)
    QList<const Resource *> changed; // existing resources whose value, metadata or state changed (each once)
    QList<ResourceId> removed;       // already deleted when the signal is emitted
    QList<Message> messages;         // every message in and out, in order
};

class EventSubscription;

// Something besides the history whose memory the store's budget covers (the message stream):
// it charges what it keeps with ResourceStore::keep() and lets go of its oldest payloads when
// the store asks, oldest first across the history and every client.
class BudgetClient
{
public:
    virtual ~BudgetClient() = default;
    // When the oldest payload it could let go of arrived (ms since the epoch); none: INT64_MAX.
    virtual qint64 oldestDroppableMs() const = 0;
    // Lets go of that payload (calling ResourceStore::letGo()); false when there was none.
    virtual bool dropOldestPayload() = 0;
};

// How batches reached the store: whether ingestion keeps up with what the connectors receive.
struct IngestStats
{
    quint64 handOvers = 0;   // batches taken from connectors
    quint64 coalesced = 0;   // stream messages merged away in a connector's overfull pending batch
    qint64 lastWaitMs = 0;   // how long the last batch's oldest update waited to be taken
    qint64 maxWaitMs = 0;
    qint64 lastBehindMs = 0; // when a batch last waited over kBehindWaitMs or came coalesced (ms since epoch)
    quint64 behindCount = 0; // batches that did
};

// One consumer of the value events, as the status bar shows it.
struct SubscriptionInfo
{
    QString name;
    qsizetype capacity = 0;
    qsizetype queued = 0;
    quint64 dropped = 0;
    quint64 received = 0;
};

// Owns every resource. Lives on the GUI thread; connectors hand it batches of updates.
// An update costs O(1) amortised: a hash lookup, a history append and a budget check.
class ResourceStore : public QObject
{
    Q_OBJECT

public:
    static constexpr int kDefaultHistoryCapacity = 1000;
    // History and stream together. A 5,000 msg/s flood fills it in about 1.5 minutes, so memory is
    // flat from then on (bench_store_memory --steady); the history then reaches back that far.
    static constexpr qint64 kDefaultMemoryBudget = 96ll * 1024 * 1024;

    explicit ResourceStore(QObject *parent = nullptr);
    ~ResourceStore() override;

    static constexpr qint64 kBehindWaitMs = 1000;

    void ingest(const UpdateBatch &updates);
    // The same; updates whose cause is unknown get this one (the endpoint that sent them).
    void ingestFrom(const Cause &cause, const UpdateBatch &updates);

    // A connector's batch was taken after its oldest update waited waitedMs, with coalesced
    // stream messages merged away before it (see Connector). Feeds ingestStats().
    void noteHandOver(qint64 waitedMs, quint64 coalesced);
    IngestStats ingestStats() const { return m_ingestStats; }

    // Value events for a consumer on any thread: call it on that thread (the subscription
    // lives there and wakes it there). Events flow until the last reference is dropped.
    // Thread-safe.
    std::shared_ptr<EventSubscription> subscribe(const QString &name, qsizetype capacity);
    // Every live subscription with its counts. Thread-safe.
    QList<SubscriptionInfo> subscriptions() const;
    quint64 valueEventCount() const { return m_nextEventSeq - 1; }

    const Resource *find(const ResourceId &id) const;
    // Every resource whose URI starts with the prefix (an endpoint, a topic subtree...), sorted by URI.
    QList<const Resource *> findByPrefix(const QString &uriPrefix) const;
    // The resource at uri and every one below it, by whole path segments: under
    // "mqtt://h:1883/home/a" is ".../home/a/x", not ".../home/ab"; under "mqtt://h:1883" is
    // not "mqtt://h:18830/...". Sorted by URI.
    QList<const Resource *> findUnder(const QString &uri) const;
    // The same, in no particular order (no sort: for counting under a node of a million).
    QList<const Resource *> findUnderUnordered(const QString &uri) const;
    QList<const Resource *> resources() const;
    qsizetype size() const { return qsizetype(m_resources.size()); }

    // Removes the resources (and records it in one batch signal).
    void remove(const QList<ResourceId> &ids);
    void removeByPrefix(const QString &uriPrefix);
    void removeUnder(const QString &uri);
    void clear();

    int historyCapacity() const { return m_historyCapacity; }
    void setHistoryCapacity(int points);
    qint64 memoryBudget() const { return m_memoryBudget; }
    void setMemoryBudget(qint64 bytes);
    // Bytes of the history points (each point's payload counted in full).
    qint64 historyBytes() const { return m_historyBytes; }
    // What the memory budget covers: the history points and what budget clients (the message
    // stream) keep, a large payload shared between them counted once, and the decoded forms of
    // the values it holds (charged when a value is first read, see decodedBytes()).
    qint64 keptBytes() const { return m_keptBytes + decodedBytes(); }
    // What the decoded forms (JSON trees, strings) of values the store took cost, from when they
    // are decoded (on first use, on any thread) until the last copy of the value goes.
    qint64 decodedBytes() const { return m_decoded->bytes.load(std::memory_order_relaxed); }
    // Everything the store holds: the resource records and their index, metadata, current
    // values, and keptBytes(). For the status bar; agrees with the process's RSS growth.
    qint64 memoryBytes() const;
    // Payloads that budget clients let go of for the budget (the stream keeps the row).
    quint64 payloadsDroppedByBudget() const { return m_payloadsDroppedByBudget; }
    // Large payloads held by the history or the stream, each counted once.
    const PayloadLedger &payloadLedger() const { return m_ledger; }

    // For budget clients: charge / release what they keep (a fixed cost, plus the payload,
    // which is counted once however many share it).
    void keep(qsizetype fixedBytes, const QByteArray &payload);
    void letGo(qsizetype fixedBytes, const QByteArray &payload);
    void addBudgetClient(BudgetClient *client);
    void removeBudgetClient(BudgetClient *client);
    // Drops the oldest history points and client payloads until keptBytes() fits the budget.
    void enforceMemoryBudget();
    quint64 droppedByCapacity() const { return m_droppedByCapacity; }
    quint64 droppedByBudget() const { return m_droppedByBudget; }
    quint64 messagesIn() const { return m_messagesIn; }
    quint64 messagesOut() const { return m_messagesOut; }

Q_SIGNALS:
    void batchApplied(const thingscape::StoreBatch &batch);
    // Every value change of one ingested batch, in arrival order, after batchApplied (for
    // consumers on this thread; others subscribe()).
    void valueEvents(const thingscape::ValueEvents &events);
    void ingestStatsChanged();

private:
    Resource *obtain(const ResourceId &id, StoreBatch &batch, bool *created);
    void appendValue(Resource *resource, const Value &value);
    void trimToCapacity(Resource *resource);
    void enforceBudget();
    qsizetype dropOldestPoint(Resource *resource);
    void eraseResource(Resource *resource);
    void collectByPrefix(const QString &uriPrefix, QList<const Resource *> *found) const;
    void collectUnder(const QString &uri, QList<const Resource *> *found) const;
    MetadataRef shareMetadata(Metadata &&metadata);
    static qint64 recordCost(const Resource *resource);
    void compactBudgetQueue();
    void publish(const ValueEvents &events);
    bool wantsEvents() const;

    // The records, by key (a slot's handle), and an index of their handles by URI text, read
    // from the record (no copy of it), in a table that grows without a pause (see GrowingIndex):
    // 4 bytes a slot, where a pointer index by URI and another by key took 16.
    struct UriOf
    {
        const ResourceStoreSlots *records = nullptr;
        QStringView operator()(quint32 handle) const { return records->at(handle)->id().uri(); }
    };
    ResourceStoreSlots m_resources;
    GrowingIndex<quint32, QStringView, UriOf> m_byId;
    // A history point in the store-wide order: its resource's key and its seq, in 12 bytes (the
    // seq in two halves keeps it 4-aligned; a std::pair took 16).
    struct BudgetEntry
    {
        quint32 key;
        quint32 seqLow;
        quint32 seqHigh;
        quint64 seq() const { return (quint64(seqHigh) << 32) | seqLow; }
    };
    // Store-wide order of history points, oldest first.
    std::deque<BudgetEntry> m_budgetQueue;
    quint64 m_nextSeq = 1;
    int m_historyCapacity = kDefaultHistoryCapacity;
    qint64 m_memoryBudget = kDefaultMemoryBudget;
    qint64 m_historyBytes = 0;
    quint64 m_droppedByCapacity = 0;
    quint64 m_droppedByBudget = 0;
    quint64 m_messagesIn = 0;
    quint64 m_messagesOut = 0;
    qsizetype m_livePoints = 0;
    qint64 m_keptBytes = 0;        // what the budget covers (history + clients, payloads once)
    qint64 m_recordBytes = 0;      // resource records, their ids and index entries
    qint64 m_currentOnlyBytes = 0; // current values the budget dropped from their history
    QExplicitlySharedDataPointer<detail::MetadataAccount> m_metadataBytes; // charged by the objects themselves
    QExplicitlySharedDataPointer<detail::DecodeAccount> m_decoded; // charged by the values themselves
    quint64 m_payloadsDroppedByBudget = 0;
    static constexpr qint64 kTrimAfterBytes = 32ll * 1024 * 1024;
    qint64 m_freedSinceTrim = 0;
    PayloadLedger m_ledger;
    std::vector<BudgetClient *> m_budgetClients; // Not owned.
    // The last metadata merge: the next resource announced the same way shares its result.
    struct MergeCache
    {
        MetadataRef base;
        MetadataRef update;
        MetadataRef result;
    };
    MergeCache m_mergeCache;
    quint64 m_nextEventSeq = 1;
    IngestStats m_ingestStats;
    mutable QMutex m_subscribersMutex;
    std::vector<std::weak_ptr<EventSubscription>> m_subscribers; // guarded by m_subscribersMutex
};

} // namespace thingscape

Q_DECLARE_METATYPE(thingscape::StoreBatch)
