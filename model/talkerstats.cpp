#include "talkerstats.h"

#include "resourcestore.h"

#include <QDateTime>

#include <algorithm>
#include <limits>

namespace thingscape {

namespace {

constexpr qint64 kSweepEveryMs = 60 * 1000;

quint32 saturating(quint64 a)
{
    return quint32(std::min<quint64>(a, std::numeric_limits<quint32>::max()));
}

template<typename Ring>
void addRing(Ring &ring, qint64 bucketMs, qint64 nowMs, quint32 messages, quint32 bytes)
{
    const quint32 index = quint32(nowMs / bucketMs);
    auto &bucket = ring[index % ring.size()];
    if (bucket.index != index) {
        bucket.index = index;
        bucket.messages = 0;
        bucket.bytes = 0;
    }
    bucket.messages = saturating(quint64(bucket.messages) + messages);
    bucket.bytes = saturating(quint64(bucket.bytes) + bytes);
}

template<typename Ring>
void sumRing(const Ring &ring, qint64 bucketMs, qint64 nowMs, double *messages, double *bytes)
{
    const quint32 now = quint32(nowMs / bucketMs);
    quint64 m = 0;
    quint64 b = 0;
    for (const auto &bucket : ring) {
        // The buckets of the window ending now: the current one and the N - 1 before it.
        if (bucket.index <= now && now - bucket.index < ring.size()) {
            m += bucket.messages;
            b += bucket.bytes;
        }
    }
    const double seconds = double(bucketMs * qint64(ring.size())) / 1000.0;
    *messages = double(m) / seconds;
    *bytes = double(b) / seconds;
}

} // namespace

TalkerStats::TalkerStats(ResourceStore *store, QObject *parent)
    : QObject(parent)
{
    if (store) {
        connect(store, &ResourceStore::batchApplied, this,
                [this](const StoreBatch &batch) { ingest(batch, QDateTime::currentMSecsSinceEpoch()); });
    }
}

TalkerStats::~TalkerStats() = default;

qint64 TalkerStats::windowMs(Window window)
{
    switch (window) {
    case Window::TenSeconds: return 10'000;
    case Window::OneMinute: return 60'000;
    case Window::TenMinutes: return 600'000;
    }
    return 10'000;
}

QList<ResourceId> TalkerStats::chainOf(const ResourceId &id)
{
    QList<ResourceId> chain;
    if (!id.isValid())
        return chain;
    const ResourceId endpoint = id.endpoint();
    chain.append(endpoint);
    const QStringList segments = id.pathSegments();
    QString path;
    // Every folder level down to (not including) the resource itself.
    for (qsizetype i = 0; i + 1 < segments.size(); ++i) {
        path += QLatin1Char('/') + segments.at(i);
        chain.append(ResourceId::fromParts(id.scheme(), id.host(), id.port(), path));
    }
    if (id != endpoint)
        chain.append(id);
    return chain;
}

TalkerStats::Node *TalkerStats::find(const ResourceId &id) const
{
    return m_byUri.value(id.toString());
}

TalkerStats::Node *TalkerStats::obtain(const ResourceId &id)
{
    if (Node *node = find(id))
        return node;
    Node *parent = nullptr;
    for (const ResourceId &level : chainOf(id)) {
        Node *node = find(level);
        if (!node) {
            auto made = std::make_unique<Node>();
            made->id = level;
            made->parent = parent;
            made->rank = quint32(m_nodes.size());
            if (parent)
                ++parent->children;
            node = made.get();
            m_byUri.insert(level.toString(), node);
            m_nodes.push_back(std::move(made));
        }
        parent = node;
    }
    return parent;
}

void TalkerStats::add(Rings &rings, qint64 nowMs, quint32 messages, quint32 bytes)
{
    addRing(rings.twoSeconds, 2'000, nowMs, messages, bytes);
    addRing(rings.tenSeconds, 10'000, nowMs, messages, bytes);
    addRing(rings.oneMinute, 60'000, nowMs, messages, bytes);
}

void TalkerStats::rate(const Rings &rings, Window window, qint64 nowMs, double *messages, double *bytes)
{
    switch (window) {
    case Window::TenSeconds: sumRing(rings.twoSeconds, 2'000, nowMs, messages, bytes); break;
    case Window::OneMinute: sumRing(rings.tenSeconds, 10'000, nowMs, messages, bytes); break;
    case Window::TenMinutes: sumRing(rings.oneMinute, 60'000, nowMs, messages, bytes); break;
    }
}

void TalkerStats::ingest(const StoreBatch &batch, qint64 nowMs)
{
    for (const Resource *resource : batch.added) {
        Node *node = obtain(resource->id());
        if (node->isResource)
            continue;
        node->isResource = true;
        for (Node *n = node; n; n = n->parent)
            ++n->resources;
    }
    for (const ResourceId &id : batch.removed) {
        Node *node = find(id);
        if (!node || !node->isResource)
            continue;
        node->isResource = false;
        for (Node *n = node; n; n = n->parent)
            --n->resources;
    }
    // Per resource first, then up the tree once per resource: a batch of 10,000 messages on
    // 10 topics costs 10 walks up, not 10,000.
    struct Delta
    {
        quint64 messages = 0;
        quint64 bytes = 0;
    };
    QHash<ResourceId, Delta> deltas;
    for (const Message &message : batch.messages) {
        if (message.direction != Direction::In)
            continue;
        Delta &delta = deltas[message.id];
        ++delta.messages;
        delta.bytes += quint64(message.size());
    }
    for (auto it = deltas.cbegin(); it != deltas.cend(); ++it) {
        Node *node = obtain(it.key());
        for (Node *n = node; n; n = n->parent) {
            n->messages += it->messages;
            n->bytes += it->bytes;
            n->lastMs = nowMs;
            if (n->touched != m_touchStamp) {
                n->touched = m_touchStamp;
                m_touched.push_back(n);
            }
            if (!n->rings)
                n->rings = std::make_unique<Rings>();
            add(*n->rings, nowMs, saturating(it->messages), saturating(it->bytes));
        }
    }
    if (nowMs - m_lastSweepMs > kSweepEveryMs)
        sweep(nowMs);
    Q_EMIT updated();
}

void TalkerStats::sweep(qint64 nowMs)
{
    m_lastSweepMs = nowMs;
    const qint64 quiet = windowMs(Window::TenMinutes) + 60'000;
    for (const auto &node : m_nodes) {
        if (node->rings && nowMs - node->lastMs > quiet)
            node->rings.reset();
    }
}

qsizetype TalkerStats::activeCount() const
{
    return std::count_if(m_nodes.cbegin(), m_nodes.cend(), [](const auto &node) { return node->rings != nullptr; });
}

TalkerStats::Stats TalkerStats::statsOf(const Node &node, Window window, qint64 nowMs) const
{
    Stats stats;
    stats.id = node.id;
    stats.isResource = node.isResource;
    stats.resources = node.resources;
    stats.messages = node.messages;
    stats.bytes = node.bytes;
    stats.lastMs = node.lastMs;
    if (node.rings)
        rate(*node.rings, window, nowMs, &stats.messagesPerSecond, &stats.bytesPerSecond);
    return stats;
}

std::optional<TalkerStats::Stats> TalkerStats::stats(const ResourceId &id, Window window, qint64 nowMs) const
{
    const Node *node = find(id);
    if (!node)
        return std::nullopt;
    return statsOf(*node, window, nowMs);
}

std::optional<TalkerStats::Stats> TalkerStats::stats(const QString &uri, Window window, qint64 nowMs) const
{
    const Node *node = m_byUri.value(uri);
    if (!node)
        return std::nullopt;
    return statsOf(*node, window, nowMs);
}

QList<TalkerStats::Touched> TalkerStats::takeTouched()
{
    std::sort(m_touched.begin(), m_touched.end(), [](const Node *a, const Node *b) { return a->rank < b->rank; });
    QList<Touched> touched;
    touched.reserve(qsizetype(m_touched.size()));
    for (const Node *node : m_touched)
        touched.append(Touched{node->rank, node->id});
    m_touched.clear();
    ++m_touchStamp;
    return touched;
}

QList<TalkerStats::Stats> TalkerStats::top(Window window, bool byBytes, Kind kind, int count, qint64 nowMs) const
{
    QList<Stats> all;
    for (const auto &node : m_nodes) {
        if (!node->rings || nowMs - node->lastMs > windowMs(window))
            continue;
        // A subtree is a node with nodes below it; a resource with children counts as both.
        const bool subtree = node->children > 0;
        if (kind == Kind::Resources && !node->isResource)
            continue;
        if (kind == Kind::Subtrees && !subtree)
            continue;
        Stats stats = statsOf(*node, window, nowMs);
        if (stats.messagesPerSecond > 0)
            all.append(stats);
    }
    auto key = [byBytes](const Stats &s) { return byBytes ? s.bytesPerSecond : s.messagesPerSecond; };
    const qsizetype n = std::min<qsizetype>(count, all.size());
    std::partial_sort(all.begin(), all.begin() + n, all.end(), [&key](const Stats &a, const Stats &b) {
        if (key(a) != key(b))
            return key(a) > key(b);
        return a.id < b.id;
    });
    all.resize(n);
    return all;
}

} // namespace thingscape
