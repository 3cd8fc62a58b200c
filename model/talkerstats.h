#pragma once

#include "chunkedlist.h"
#include "growingindex.h"
#include "resourceid.h"

#include <QHash>
#include <QList>
#include <QObject>

#include <array>
#include <optional>
#include <memory>
#include <vector>

namespace thingscape {

class ResourceStore;
struct StoreBatch;

// Who talks most: for every node of the resource tree (endpoint, folder, resource) the
// resources at or below it, the messages and bytes received, when the last came, and the rates
// over the last 10 s, 1 min and 10 min, aggregated up the tree once per store batch (never per
// message on the GUI thread). Rates live in small time-bucket rings, made for a node on its
// second message in the last 10 minutes (the first is kept inline and counted exactly) and
// dropped once it has been quiet for 10 minutes.
class TalkerStats : public QObject
{
    Q_OBJECT

public:
    enum class Window {
        TenSeconds,
        OneMinute,
        TenMinutes,
    };

    struct Stats
    {
        ResourceId id;
        bool isResource = false;  // a resource of the store (it may have children too)
        qint64 resources = 0;     // resources at or below
        quint64 messages = 0;     // received at or below, since the start
        quint64 bytes = 0;
        qint64 lastMs = 0;        // when the last message at or below came (0: never)
        double messagesPerSecond = 0;
        double bytesPerSecond = 0;
    };

    // store may be null (then feed ingest() yourself).
    explicit TalkerStats(ResourceStore *store = nullptr, QObject *parent = nullptr);
    ~TalkerStats() override;

    // One store batch at nowMs: new and removed resources, incoming messages.
    void ingest(const StoreBatch &batch, qint64 nowMs);
    // Counts for a node (a resource's URI, a folder's or an endpoint's scheme://host:port).
    std::optional<Stats> stats(const ResourceId &node, Window window, qint64 nowMs) const;
    // The same by the node's URI text (as ResourceId::toString() spells it), for views that
    // hold the text already.
    std::optional<Stats> stats(const QString &uri, Window window, qint64 nowMs) const;
    // The nodes whose counts changed since the last call (each once), for views that redraw
    // what changed now and then rather than per batch; parents before their children, each
    // with its rank in that order (stable across calls: the order nodes were made in).
    struct Touched
    {
        quint32 rank;
        ResourceId id;
    };
    QList<Touched> takeTouched();
    // The same as ranks only (no ids built): for views that look a node up by rank when they
    // redraw it.
    std::vector<quint32> takeTouchedRanks();
    // The id of the node of that rank (as takeTouched() gave it). A folder's is built here: a
    // node keeps only a shared reference to a resource's URI below it.
    ResourceId nodeId(quint32 rank) const { return idOf(m_nodes[rank]); }
    // stats() without the id (which a folder would build): for views that hold the URI.
    std::optional<Stats> counts(QStringView uri, Window window, qint64 nowMs) const;
    // Forgets which nodes changed (for a view that redraws what it shows instead); returns how
    // many there were.
    qsizetype dropTouched();
    // The busiest nodes by message rate (or byte rate) over the window; resources, subtrees
    // (folders and endpoints) or both. Quiet nodes are left out.
    enum class Kind {
        Resources,
        Subtrees,
        All,
    };
    QList<Stats> top(Window window, bool byBytes, Kind kind, int count, qint64 nowMs) const;
    // Drops the rate rings of nodes quiet for the longest window (done by ingest() now and then).
    void sweep(qint64 nowMs);
    qsizetype nodeCount() const { return qsizetype(m_nodes.size()); }
    qsizetype activeCount() const;
    // The nodes from the endpoint down to id (the endpoint first, id last).
    static QList<ResourceId> chainOf(const ResourceId &id);
    static qint64 windowMs(Window window);

Q_SIGNALS:
    // After each ingested batch.
    void updated();

private:
    struct Bucket
    {
        quint32 index = 0;     // bucket number since the epoch (the slot's time)
        quint32 messages = 0;
        quint32 bytes = 0;     // saturating
    };
    struct Rings
    {
        std::array<Bucket, 5> twoSeconds;   // 10 s
        std::array<Bucket, 6> tenSeconds;   // 1 min
        std::array<Bucket, 10> oneMinute;   // 10 min
    };
    static constexpr quint32 kNone = 0xffffffffu;
    // 48 bytes, the fields ordered for no padding (two million of them at a million topics:
    // a node per tree level). A node that has had one message (or one batch's messages within
    // one 2-s bucket) in the horizon keeps it inline (at lastMs); the rings come with the second.
    // Its id is an index into m_ids: a folder of a plain MQTT topic shares the id of the first
    // resource seen below it and is its URI's first `prefix` characters (0: the node is the id
    // itself), so only nodes that are an id of their own hold one (32 bytes).
    struct Node
    {
        quint64 messages = 0;
        quint64 bytes = 0;
        qint64 lastMs = 0;
        quint32 parent = kNone;  // its index in m_nodes: a parent is always made first
        quint32 resources = 0;
        quint32 id = 0;          // its index in m_ids
        union {
            quint32 oneMessages = 0; // without rings: the messages at lastMs (0: none in the horizon)
            quint32 rings;           // with rings (hasRings): their index in m_rings
        };
        quint32 oneBytes = 0;    // without rings: their bytes (saturating)
        quint16 prefix = 0;
        bool isResource : 1 = false; // a resource of the store
        bool touched : 1 = false;    // in m_touched
        bool hasChildren : 1 = false; // a node's parent is this one
        bool hasRings : 1 = false;
    };

    quint32 obtain(const ResourceId &id);
    quint32 find(QStringView uri) const;
    void index(quint32 node);
    // The node's URI (a view into its id's) and its id (built for a folder).
    QStringView uriOf(const Node &node) const;
    ResourceId idOf(const Node &node) const;
    // Without the id.
    Stats statsOf(const Node &node, Window window, qint64 nowMs) const;
    void count(Node &node, qint64 nowMs, quint64 messages, quint64 bytes);
    // Whether the node counts toward rates (rings, or one message inline).
    static bool isActive(const Node &node) { return node.hasRings || node.oneMessages > 0; }
    quint32 makeRings();
    void dropRings(Node &node);
    static void add(Rings &rings, qint64 nowMs, quint32 messages, quint32 bytes);
    static void rate(const Rings &rings, Window window, qint64 nowMs, double *messages, double *bytes);

    // The nodes by URI: m_nodes' indices + 1 (0: empty), hashed by the node's own id text (no
    // second copy of it), in a table that grows without a pause (2,000,000 nodes at a million
    // topics: rehashing them at once held the GUI thread for up to 420 ms).
    struct NodeUri
    {
        const TalkerStats *owner = nullptr;
        QStringView operator()(quint32 slot) const;
    };
    GrowingIndex<quint32, QStringView, NodeUri> m_index{NodeUri{this}};
    ChunkedList<Node, 1024> m_nodes;     // a node's index is its rank
    ChunkedList<ResourceId, 1024> m_ids; // the ids nodes are or share (nodes are never dropped, nor are these)
    // Rate rings of the nodes that have them; a swept node's slot is reused.
    std::vector<std::unique_ptr<Rings>> m_rings;
    std::vector<quint32> m_freeRings;
    qint64 m_lastSweepMs = 0;
    std::vector<quint32> m_touched; // each node once per takeTouched()
};

} // namespace thingscape
