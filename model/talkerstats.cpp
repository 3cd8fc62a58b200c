#include "talkerstats.h"

#include "resourcestore.h"

#include <QDateTime>
#include <QVarLengthArray>

#include <algorithm>
#include <limits>
#include <utility>

namespace thingscape {

namespace {

constexpr qint64 kSweepEveryMs = 60 * 1000;
constexpr qint64 kShortestBucketMs = 2'000; // the 10-s ring's: the others' are multiples of it

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

// Whether bucket `index` is in the window ending now: the current bucket and the size - 1 before it.
bool inWindow(quint32 index, quint32 now, size_t size)
{
    return index <= now && now - index < size;
}

void perSecond(quint64 m, quint64 b, qint64 bucketMs, size_t size, double *messages, double *bytes)
{
    const double seconds = double(bucketMs * qint64(size)) / 1000.0;
    *messages = double(m) / seconds;
    *bytes = double(b) / seconds;
}

template<typename Ring>
void sumRing(const Ring &ring, qint64 bucketMs, qint64 nowMs, double *messages, double *bytes)
{
    const quint32 now = quint32(nowMs / bucketMs);
    quint64 m = 0;
    quint64 b = 0;
    for (const auto &bucket : ring) {
        if (inWindow(bucket.index, now, ring.size())) {
            m += bucket.messages;
            b += bucket.bytes;
        }
    }
    perSecond(m, b, bucketMs, ring.size(), messages, bytes);
}

// The same for a ring that would hold one bucket: `messages` and `bytes` at atMs.
void sumOne(quint32 m, quint32 b, qint64 atMs, qint64 bucketMs, size_t size, qint64 nowMs, double *messages,
            double *bytes)
{
    const bool in = inWindow(quint32(atMs / bucketMs), quint32(nowMs / bucketMs), size);
    perSecond(in ? m : 0, in ? b : 0, bucketMs, size, messages, bytes);
}

} // namespace

TalkerStats::TalkerStats(ResourceStore *store, QObject *parent)
    : QObject(parent)
{
    // A node per tree level: a million topics make two million (see bench_talkers --memory).
    static_assert(sizeof(void *) != 8 || sizeof(Node) <= 48, "TalkerStats::Node grew: keep its fields unpadded");
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
        // As fromParts() spells it, sharing the endpoint's parts (no copy of scheme and host).
        chain.append(ResourceId::fromTopic(endpoint, path.mid(1)));
    }
    if (id != endpoint)
        chain.append(id);
    return chain;
}

QStringView TalkerStats::NodeUri::operator()(quint32 slot) const
{
    return owner->uriOf(owner->m_nodes[slot - 1]);
}

quint32 TalkerStats::find(QStringView uri) const
{
    const quint32 slot = m_index.find(uri);
    return slot == 0 ? kNone : slot - 1;
}

void TalkerStats::index(quint32 node)
{
    m_index.insert(node + 1);
}

QStringView TalkerStats::uriOf(const Node &node) const
{
    const QString &uri = m_ids[node.id].uri();
    return node.prefix == 0 ? QStringView(uri) : QStringView(uri).left(node.prefix);
}

ResourceId TalkerStats::idOf(const Node &node) const
{
    const ResourceId &id = m_ids[node.id];
    if (node.prefix == 0)
        return id;
    // The id's URI ends with its topic as it is (see obtain()).
    const QString &uri = id.uri();
    const qsizetype base = uri.size() - id.pathView().size();
    return ResourceId::fromTopic(id, uri.mid(base + 1, node.prefix - base - 1));
}

quint32 TalkerStats::obtain(const ResourceId &id)
{
    if (const quint32 node = find(id.uri()); node != kNone)
        return node;
    // A node of the id at m_ids[idIndex] (or its first `prefix` characters).
    const auto make = [this](quint32 idIndex, quint32 parent, qsizetype prefix = 0) {
        const quint32 node = quint32(m_nodes.size());
        Node &made = m_nodes.emplace_back();
        made.id = idIndex;
        made.prefix = quint16(prefix);
        made.parent = parent;
        if (parent != kNone)
            m_nodes[parent].hasChildren = true;
        index(node);
        return node;
    };
    // A new MQTT topic: up its URI to the nearest level already known (in a flood of new topics
    // its device's or floor's), and only the levels missing below that are made. Where the topic
    // needs no percent-encoding, a level's URI is the topic's up to a '/', as chainOf() spells it:
    // the level shares the topic's id and keeps where its URI ends. Building every level's id was
    // 60 % of the window's time while a million topics came, and its string 130 bytes a topic.
    if (id.protocol() == Protocol::Mqtt && id.uri().size() <= std::numeric_limits<quint16>::max()) {
        const QString &uri = id.uri();
        const QStringView path = id.pathView();
        if (!path.isEmpty() && QStringView(uri).endsWith(path)) {
            const qsizetype base = uri.size() - path.size(); // the endpoint's URI ends here
            QVarLengthArray<qsizetype, 8> missing;            // where missing levels' URIs end, deepest first
            quint32 known = kNone;
            for (qsizetype cut = uri.lastIndexOf(QLatin1Char('/')); cut >= base;
                 cut = uri.lastIndexOf(QLatin1Char('/'), cut - 1)) {
                known = find(QStringView(uri).left(cut));
                if (known != kNone || cut == base)
                    break;
                missing.append(cut);
            }
            if (known != kNone) {
                const quint32 idIndex = quint32(m_ids.size());
                m_ids.emplace_back(id);
                quint32 parent = known;
                for (qsizetype i = missing.size() - 1; i >= 0; --i)
                    parent = make(idIndex, parent, missing[i]);
                return make(idIndex, parent);
            }
        }
    }
    quint32 parent = kNone;
    for (const ResourceId &level : chainOf(id)) {
        quint32 node = find(level.uri());
        if (node == kNone) {
            m_ids.emplace_back(level);
            node = make(quint32(m_ids.size() - 1), parent);
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

quint32 TalkerStats::makeRings()
{
    if (!m_freeRings.empty()) {
        const quint32 slot = m_freeRings.back();
        m_freeRings.pop_back();
        m_rings[slot] = std::make_unique<Rings>();
        return slot;
    }
    m_rings.push_back(std::make_unique<Rings>());
    return quint32(m_rings.size() - 1);
}

void TalkerStats::dropRings(Node &node)
{
    if (node.hasRings) {
        m_rings[node.rings].reset();
        m_freeRings.push_back(node.rings);
        node.hasRings = false;
    }
    node.oneMessages = 0;
    node.oneBytes = 0;
}

void TalkerStats::count(Node &node, qint64 nowMs, quint64 messages, quint64 bytes)
{
    const qint64 previousMs = node.lastMs;
    node.messages += messages;
    node.bytes += bytes;
    node.lastMs = nowMs;
    if (node.hasRings) {
        add(*m_rings[node.rings], nowMs, saturating(messages), saturating(bytes));
    } else if (node.oneMessages == 0) {
        node.oneMessages = saturating(messages);
        node.oneBytes = saturating(bytes);
    } else if (previousMs / kShortestBucketMs == nowMs / kShortestBucketMs) {
        // The same bucket of every ring: what the rings would sum there.
        node.oneMessages = saturating(quint64(node.oneMessages) + saturating(messages));
        node.oneBytes = saturating(quint64(node.oneBytes) + saturating(bytes));
    } else {
        // The second in the horizon: the rings, with both.
        const quint32 slot = makeRings();
        Rings &rings = *m_rings[slot];
        add(rings, previousMs, node.oneMessages, node.oneBytes);
        add(rings, nowMs, saturating(messages), saturating(bytes));
        node.oneBytes = 0;
        node.rings = slot;
        node.hasRings = true;
    }
}

void TalkerStats::ingest(const StoreBatch &batch, qint64 nowMs)
{
    for (const Resource *resource : batch.added) {
        const quint32 node = obtain(resource->id());
        if (m_nodes[node].isResource)
            continue;
        m_nodes[node].isResource = true;
        for (quint32 n = node; n != kNone; n = m_nodes[n].parent)
            ++m_nodes[n].resources;
    }
    for (const ResourceId &id : batch.removed) {
        const quint32 node = find(id.uri());
        if (node == kNone || !m_nodes[node].isResource)
            continue;
        m_nodes[node].isResource = false;
        for (quint32 n = node; n != kNone; n = m_nodes[n].parent)
            --m_nodes[n].resources;
    }
    // Per resource first, then up the tree once per resource: a batch of 10,000 messages on
    // 10 topics costs 10 walks up, not 10,000.
    struct Delta
    {
        quint64 messages = 0;
        quint64 bytes = 0;
    };
    // By node, and summed up the tree before counting: a batch of 1,000 new topics counts each
    // folder above them once, not once per topic (counting a sum is counting each at one time).
    QHash<quint32, Delta> deltas;
    for (const Message &message : batch.messages) {
        if (message.direction != Direction::In)
            continue;
        Delta &delta = deltas[obtain(message.id)];
        ++delta.messages;
        delta.bytes += quint64(message.size());
    }
    QHash<quint32, Delta> sums;
    sums.reserve(deltas.size() * 2);
    for (auto it = deltas.cbegin(); it != deltas.cend(); ++it) {
        for (quint32 n = it.key(); n != kNone; n = m_nodes[n].parent) {
            Delta &sum = sums[n];
            sum.messages += it->messages;
            sum.bytes += it->bytes;
        }
    }
    for (auto it = sums.cbegin(); it != sums.cend(); ++it) {
        Node &node = m_nodes[it.key()];
        if (!node.touched) {
            node.touched = true;
            m_touched.push_back(it.key());
        }
        count(node, nowMs, it->messages, it->bytes);
    }
    if (nowMs - m_lastSweepMs > kSweepEveryMs)
        sweep(nowMs);
    Q_EMIT updated();
}

void TalkerStats::sweep(qint64 nowMs)
{
    m_lastSweepMs = nowMs;
    const qint64 quiet = windowMs(Window::TenMinutes) + 60'000;
    m_nodes.forEach([&](Node &node) {
        if (isActive(node) && nowMs - node.lastMs > quiet)
            dropRings(node);
    });
}

qsizetype TalkerStats::activeCount() const
{
    qsizetype active = 0;
    m_nodes.forEach([&](const Node &node) { active += isActive(node) ? 1 : 0; });
    return active;
}

TalkerStats::Stats TalkerStats::statsOf(const Node &node, Window window, qint64 nowMs) const
{
    Stats stats;
    stats.isResource = node.isResource;
    stats.resources = node.resources;
    stats.messages = node.messages;
    stats.bytes = node.bytes;
    stats.lastMs = node.lastMs;
    if (node.hasRings) {
        rate(*m_rings[node.rings], window, nowMs, &stats.messagesPerSecond, &stats.bytesPerSecond);
    } else if (node.oneMessages > 0) {
        // The bucket size and count of the window's ring (as rate() reads it).
        const std::pair<qint64, size_t> ring = window == Window::TenSeconds
            ? std::pair<qint64, size_t>(2'000, std::tuple_size_v<decltype(Rings::twoSeconds)>)
            : window == Window::OneMinute ? std::pair<qint64, size_t>(10'000, std::tuple_size_v<decltype(Rings::tenSeconds)>)
                                          : std::pair<qint64, size_t>(60'000, std::tuple_size_v<decltype(Rings::oneMinute)>);
        sumOne(node.oneMessages, node.oneBytes, node.lastMs, ring.first, ring.second, nowMs, &stats.messagesPerSecond,
               &stats.bytesPerSecond);
    }
    return stats;
}

std::optional<TalkerStats::Stats> TalkerStats::stats(const ResourceId &id, Window window, qint64 nowMs) const
{
    std::optional<Stats> found = counts(id.uri(), window, nowMs);
    if (found)
        found->id = id;
    return found;
}

std::optional<TalkerStats::Stats> TalkerStats::stats(const QString &uri, Window window, qint64 nowMs) const
{
    const quint32 node = find(uri);
    if (node == kNone)
        return std::nullopt;
    Stats found = statsOf(m_nodes[node], window, nowMs);
    found.id = idOf(m_nodes[node]);
    return found;
}

std::optional<TalkerStats::Stats> TalkerStats::counts(QStringView uri, Window window, qint64 nowMs) const
{
    const quint32 node = find(uri);
    if (node == kNone)
        return std::nullopt;
    return statsOf(m_nodes[node], window, nowMs);
}

qsizetype TalkerStats::dropTouched()
{
    for (const quint32 node : m_touched)
        m_nodes[node].touched = false;
    return qsizetype(std::exchange(m_touched, {}).size());
}

QList<TalkerStats::Touched> TalkerStats::takeTouched()
{
    std::sort(m_touched.begin(), m_touched.end());
    QList<Touched> touched;
    touched.reserve(qsizetype(m_touched.size()));
    for (const quint32 node : m_touched) {
        m_nodes[node].touched = false;
        touched.append(Touched{node, idOf(m_nodes[node])});
    }
    m_touched.clear();
    return touched;
}

std::vector<quint32> TalkerStats::takeTouchedRanks()
{
    std::sort(m_touched.begin(), m_touched.end());
    for (const quint32 node : m_touched)
        m_nodes[node].touched = false;
    return std::exchange(m_touched, {});
}

QList<TalkerStats::Stats> TalkerStats::top(Window window, bool byBytes, Kind kind, int count, qint64 nowMs) const
{
    // Ranked by node, the ids built for the top ones only (a folder's is built).
    struct Ranked
    {
        quint32 node;
        Stats stats;
    };
    std::vector<Ranked> all;
    for (quint32 n = 0; n < quint32(m_nodes.size()); ++n) {
        const Node &node = m_nodes[n];
        if (!isActive(node) || nowMs - node.lastMs > windowMs(window))
            continue;
        // A subtree is a node with nodes below it; a resource with children counts as both.
        const bool subtree = node.hasChildren;
        if (kind == Kind::Resources && !node.isResource)
            continue;
        if (kind == Kind::Subtrees && !subtree)
            continue;
        Stats stats = statsOf(node, window, nowMs);
        if (stats.messagesPerSecond > 0)
            all.push_back(Ranked{n, stats});
    }
    auto key = [byBytes](const Ranked &r) { return byBytes ? r.stats.bytesPerSecond : r.stats.messagesPerSecond; };
    const size_t n = std::min(size_t(std::max(count, 0)), all.size());
    std::partial_sort(all.begin(), all.begin() + qsizetype(n), all.end(), [this, &key](const Ranked &a, const Ranked &b) {
        if (key(a) != key(b))
            return key(a) > key(b);
        return uriOf(m_nodes[a.node]) < uriOf(m_nodes[b.node]);
    });
    QList<Stats> top;
    top.reserve(qsizetype(n));
    for (size_t i = 0; i < n; ++i) {
        top.append(all[i].stats);
        top.last().id = idOf(m_nodes[all[i].node]);
    }
    return top;
}

} // namespace thingscape
