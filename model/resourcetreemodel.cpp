#include "resourcetreemodel.h"

#include "naturalcompare.h"
#include "plaintooltip.h"
#include "resourcestore.h"
#include "compactchildren.h"
#include "fixedsizepool.h"
#include "sharedstringslice.h"

#include <QCborArray>
#include <QCborMap>
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <unordered_map>

namespace thingscape {

using Key = SharedStringSlice;

// 56 bytes a row, from a pool (it was a 96-byte heap chunk plus 32 for a single child's vector):
// the key shares its resource's URI, the children are one word (CompactChildren), labels (SenML
// names) and endpoint ids live in side tables, the flags share a word with the row.
struct ResourceTreeModel::Node
{
    static void *operator new(size_t size);
    static void operator delete(void *node);

    Node *parent = nullptr; // Not owned.
    const Resource *resource = nullptr; // Not owned (the store's).
    Key key;              // the path level; for endpoints the endpoint URI
    CompactChildren<Node> children; // sorted by key (keyLess); rows renumbered lazily
    quint32 serial = 0;   // when it was made (compared with a walk's serial)
    mutable quint32 matchStamp = 0; // the walk's mark when it or a row below it matched
    int row : 29 = 0;     // index in parent->children; current once the parent's refreshRows() ran
    bool isEndpoint : 1 = false;
    bool hasLabel : 1 = false;           // shown by its label (m_labels) instead of its key
    mutable bool selfMatch : 1 = false;  // its own text matched (when matchStamp is the walk's mark)

    void renumberChildren(size_t from) { children.markStale(from); }
    void refreshRows() { children.refreshRows(); }
};

namespace {

// The rows' pool (objectSize: a row's). Never destroyed: a model in a static may outlive any
// other static.
FixedSizePool &nodePool(size_t objectSize)
{
    static auto *pool = new FixedSizePool(objectSize);
    return *pool;
}

} // namespace

void *ResourceTreeModel::Node::operator new(size_t size)
{
    Q_ASSERT(size == sizeof(Node));
    Q_UNUSED(size);
    return nodePool(sizeof(Node)).allocate();
}

void ResourceTreeModel::Node::operator delete(void *node)
{
    nodePool(sizeof(Node)).deallocate(node);
}

// Depth first with one buffer for the topic and one for the URI; MQTT rows below an endpoint
// get their text by appending their level. Endpoints, CoAP / HTTP rows (queries, trailing
// slashes) and rows named by their full URI take the slow way (the text data() builds).
struct ResourceTreeModel::MatchWalk
{
    struct Frame
    {
        const Node *node;
        size_t next;
        qsizetype pathSize;
        qsizetype uriSize;
        bool fast;        // its children can take the fast way
        bool plain;       // its URI is its path verbatim (nothing percent-encoded)
        bool uriContains; // its URI contains the substring, so every URI below it does
    };

    RowPredicate matches;
    QString needle;       // folded to lower case when asciiNeedle
    bool asciiNeedle = false;
    // An ASCII needle without '/' lies inside one level: a plain row's URI contains it when its
    // parent's does or its own key does, so no topic or URI text is built at all.
    bool lean = false;
    quint32 stamp = 0;
    quint32 mark = 0;     // what the rows carry; new on each (re)start, so marks of an
                          // abandoned pass never count
    quint32 serial = 0;   // rows above this were made after the walk started
    quint64 removals = 0; // the model's count when the walk (re)started
    bool done = false;
    qint64 matchCount = 0; // resources that matched by themselves (this pass, and new ones since)
    qint64 rowsMatched = 0; // rows this pass found matching by themselves so far
    // The mark of the walk this one narrows: rows without it (or this walk's) are skipped with
    // all below them. Only on the first pass: a restart finds both marks mixed.
    quint32 narrowMark = 0;
    std::vector<Frame> stack;
    QString path;
    QString uri;
    QString emptyName;
};

namespace {

// The walk's rows are scattered in memory: a cache miss or more per row, one after another.
// Asking ahead for the siblings still to come (their row, then their key's text and their first
// child) lets those misses overlap instead (the rows are not changed, only read earlier).
template<typename Children>
inline void prefetchSiblings(const Children &children, size_t next)
{
    const size_t size = children.size();
    if (next + 8 < size)
        __builtin_prefetch(children[next + 8].get());
    if (next + 4 < size) {
        const auto *ahead = children[next + 4].get();
        __builtin_prefetch(ahead->key.view().data());
        if (!ahead->children.empty())
            __builtin_prefetch(ahead->children.data());
    }
    if (next + 2 < size) {
        const auto *ahead = children[next + 2].get();
        if (!ahead->children.empty())
            __builtin_prefetch(ahead->children.front().get());
    }
    if (next + 1 < size) {
        const auto *ahead = children[next + 1].get();
        if (!ahead->children.empty())
            __builtin_prefetch(ahead->children.front()->key.view().data());
    }
}

} // namespace

namespace {

// Natural order (s9 before s10), case-insensitive first so "Kitchen" sits next to "kitchen";
// the case-sensitive tie-break keeps the order total, since both can exist as distinct levels.
bool keyLess(QStringView a, QStringView b)
{
    return naturalLess(a, b);
}

// The levels under the endpoint, as views into the id's own path string (shared, not copied).
// For CoAP / HTTP, "/a/" and "/a" and different queries are different resources, so they get
// different leaf names.
std::vector<Key> keysFor(const ResourceId &id)
{
    std::vector<Key> keys;
    const QString &path = id.path();
    const bool mqtt = id.protocol() == Protocol::Mqtt;
    if (path.size() > 1) {
        qsizetype start = 1;
        while (true) {
            const qsizetype slash = path.indexOf(QLatin1Char('/'), start);
            const qsizetype end = slash < 0 ? path.size() : slash;
            keys.emplace_back(path, start, end - start);
            if (slash < 0)
                break;
            start = slash + 1;
        }
        if (!mqtt && path.endsWith(QLatin1Char('/'))) {
            // "/a/" is the leaf "a/", not "a" and an empty level.
            keys.pop_back();
            if (!keys.empty()) {
                const QStringView last = keys.back().view();
                const qsizetype offset = last.data() - path.constData();
                keys.back() = Key(path, offset, last.size() + 1);
            }
        }
    }
    if (!mqtt && !id.query().isEmpty()) {
        const QString last = keys.empty() ? QString() : keys.back().toString();
        if (keys.empty())
            keys.emplace_back();
        keys.back() = Key(last + QLatin1Char('?') + id.query());
    }
    return keys;
}

bool isSenmlFormat(int format)
{
    return format == ContentFormat::SenmlJson || format == ContentFormat::SensmlJson
        || format == ContentFormat::SenmlCbor || format == ContentFormat::SensmlCbor;
}

// The record's own name ("n") for a full SenML name (bn + n) in a pack, or empty when no
// record of the pack resolves to it. JSON packs use text labels, CBOR packs integer ones.
QString senmlOwnName(const QCborValue &pack, const QString &fullName)
{
    if (!pack.isArray())
        return {};
    QString base;
    for (const QCborValue &record : pack.toArray()) {
        if (!record.isMap())
            continue;
        const QCborMap map = record.toMap();
        const QCborValue bn = map.contains(QStringLiteral("bn")) ? map.value(QStringLiteral("bn")) : map.value(-2);
        if (bn.isString())
            base = bn.toString();
        const QCborValue n = map.contains(QStringLiteral("n")) ? map.value(QStringLiteral("n")) : map.value(0);
        const QString own = n.isString() ? n.toString() : QString();
        if (base + own == fullName)
            return own.isEmpty() ? fullName : own;
    }
    return {};
}

QString timeText(qint64 ms)
{
    if (ms <= 0)
        return {};
    const QDateTime time = QDateTime::fromMSecsSinceEpoch(ms).toLocalTime();
    if (time.date() == QDate::currentDate())
        return time.toString(QStringLiteral("HH:mm:ss.zzz"));
    return time.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

} // namespace

ResourceTreeModel::ResourceTreeModel(ResourceStore *store, QObject *parent)
    : QAbstractItemModel(parent)
    , m_store(store)
    , m_root(std::make_unique<Node>())
    , m_insertTimer(new QTimer(this))
{
    m_insertTimer->setInterval(0);
    connect(m_insertTimer, &QTimer::timeout, this, [this] {
        if (addWaiting(m_insertSliceMs))
            m_insertTimer->stop();
    });
    if (!m_store)
        return;
    QSet<Node *> dirty;
    addResources(m_store->resources(), &dirty);
    connect(m_store, &ResourceStore::batchApplied, this, &ResourceTreeModel::onBatchApplied);
}

ResourceTreeModel::~ResourceTreeModel() = default;

// --- tree navigation ---

ResourceTreeModel::Node *ResourceTreeModel::nodeFor(const QModelIndex &index) const
{
    if (!index.isValid() || index.model() != this)
        return m_root.get();
    return static_cast<Node *>(index.internalPointer());
}

int ResourceTreeModel::rowOf(const Node *node) const
{
    node->parent->refreshRows();
    Q_ASSERT(node->parent->children[size_t(node->row)].get() == node);
    return node->row;
}

QModelIndex ResourceTreeModel::indexFor(const Node *node, int column) const
{
    if (!node || node == m_root.get())
        return {};
    return createIndex(rowOf(node), column, const_cast<Node *>(node));
}

ResourceTreeModel::Node *ResourceTreeModel::findChild(const Node *parent, QStringView key) const
{
    if (parent == m_root.get())
        return m_endpointNodes.value(key.toString());
    const auto &children = parent->children;
    const auto it = std::lower_bound(children.begin(), children.end(), key,
                                     [](const auto &n, QStringView k) { return keyLess(n->key.view(), k); });
    if (it == children.end() || (*it)->key.view() != key)
        return nullptr;
    return it->get();
}

const Resource *ResourceTreeModel::NodeResource::operator()(const Node *node) const
{
    return node->resource;
}

ResourceTreeModel::Node *ResourceTreeModel::findNode(const ResourceId &id) const
{
    if (!id.isValid())
        return nullptr;
    Node *node = m_endpointNodes.value(id.endpointUri());
    for (const Key &key : keysFor(id)) {
        if (!node)
            return nullptr;
        node = findChild(node, key.view());
    }
    if (!node)
        return nullptr;
    // Another URI on the same path (e.g. "http://h" and "http://h/") has a row named by the
    // full URI beside it (see addResources()). Its resource may be gone already: only the
    // row's key is read.
    Node *container = node->isEndpoint ? node : node->parent;
    if (Node *own = findChild(container, id.toString()))
        return own;
    return node;
}

const ResourceTreeModel::Node *ResourceTreeModel::endpointOf(const Node *node) const
{
    while (node && !node->isEndpoint)
        node = node->parent;
    return node;
}

bool ResourceTreeModel::isPinned(const Node *node) const
{
    return node->isEndpoint && m_endpointInfo.value(node->key.toString()).pinned;
}

ResourceTreeModel::Node *ResourceTreeModel::containerFor(const QString &endpointUri) const
{
    const QString parent = m_endpointParent.value(endpointUri);
    Node *node = parent.isEmpty() ? nullptr : m_endpointNodes.value(parent);
    return node ? node : m_root.get();
}

QModelIndex ResourceTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount || (parent.isValid() && parent.column() != 0))
        return {};
    const Node *parentNode = nodeFor(parent);
    if (row >= int(parentNode->children.size()))
        return {};
    return createIndex(row, column, parentNode->children[size_t(row)].get());
}

QModelIndex ResourceTreeModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return {};
    return indexFor(nodeFor(child)->parent);
}

int ResourceTreeModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid() && parent.column() != 0)
        return 0;
    return int(nodeFor(parent)->children.size());
}

int ResourceTreeModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

bool ResourceTreeModel::hasChildren(const QModelIndex &parent) const
{
    return rowCount(parent) > 0;
}

QModelIndex ResourceTreeModel::indexForId(const ResourceId &id) const
{
    return indexFor(findNode(id));
}

const Resource *ResourceTreeModel::resourceAt(const QModelIndex &index) const
{
    if (!index.isValid())
        return nullptr;
    return nodeFor(index)->resource;
}

std::unique_ptr<ResourceTreeModel::Node> ResourceTreeModel::makeNode()
{
    static_assert(sizeof(Node) <= 56, "a row fits a 64-byte heap block");
    auto node = std::make_unique<Node>();
    // Saturates after 4 billion rows: rows made after that count as old for a walk, and
    // markNewRows() has marked them anyway.
    if (m_lastSerial < UINT32_MAX)
        ++m_lastSerial;
    node->serial = m_lastSerial;
    return node;
}

ResourceId ResourceTreeModel::endpointIdOf(const Node *node) const
{
    return node ? m_endpointIds.value(node->key.toString()) : ResourceId();
}

void ResourceTreeModel::setLabel(Node *node, const QString &label)
{
    node->hasLabel = !label.isEmpty();
    if (node->hasLabel)
        m_labels.insert(node, label);
    else
        m_labels.remove(node);
}

const ResourceTreeModel::Node *ResourceTreeModel::walkedNode(const QModelIndex &index, quint32 stamp,
                                                             bool underWay) const
{
    if (!index.isValid() || index.model() != this || stamp == 0 || !m_walk || stamp != m_walk->stamp
        || m_walk->mark == 0 || (!underWay && !m_walk->done))
        return nullptr;
    const Node *node = nodeFor(index);
    return node->serial > m_walk->serial ? nullptr : node;
}

std::optional<bool> ResourceTreeModel::matchedInWalk(const QModelIndex &index, quint32 stamp) const
{
    const Node *node = walkedNode(index, stamp);
    return node ? std::optional<bool>(node->matchStamp == m_walk->mark && node->selfMatch) : std::nullopt;
}

std::optional<bool> ResourceTreeModel::subtreeMatchedInWalk(const QModelIndex &index, quint32 stamp) const
{
    // A walk under way answers too, from what it has marked so far (rows it has not reached yet
    // say no): a filter shows its first matches at once, and unfolding a row mid-walk reads marks
    // instead of matching every row below it.
    const Node *node = walkedNode(index, stamp, true);
    return node ? std::optional<bool>(node->matchStamp == m_walk->mark) : std::nullopt;
}

int ResourceTreeModel::subtreeMatchedChildren(const QModelIndex &parent, quint32 stamp, int limit) const
{
    if (stamp == 0 || !m_walk || stamp != m_walk->stamp || m_walk->mark == 0
        || (parent.isValid() && parent.model() != this))
        return -1;
    // Rows newer than the walk carry marks too (markNewRows()): counted as they are.
    const quint32 mark = m_walk->mark;
    const auto &children = nodeFor(parent)->children;
    int count = 0;
    for (size_t i = 0; i < children.size() && count < limit; ++i) {
        if (i + 8 < children.size())
            __builtin_prefetch(children[i + 8].get());
        if (children[i]->matchStamp == mark)
            ++count;
    }
    return count;
}

qint64 ResourceTreeModel::rowsMatchedSoFar(quint32 stamp) const
{
    return stamp != 0 && m_walk && stamp == m_walk->stamp ? m_walk->rowsMatched : -1;
}

qint64 ResourceTreeModel::matchesInWalk(quint32 stamp) const
{
    return stamp != 0 && m_walk && stamp == m_walk->stamp && m_walk->done ? m_walk->matchCount : -1;
}

void ResourceTreeModel::endMatchWalk(quint32 stamp) const
{
    if (m_walk && m_walk->stamp == stamp)
        m_walk.reset();
}

quint32 ResourceTreeModel::nextWalkStamp() const
{
    return ++m_walkStamp == 0 ? ++m_walkStamp : m_walkStamp;
}

void ResourceTreeModel::markUpwards(const Node *node, quint32 mark, bool *grewOld) const
{
    for (Node *up = node->parent; up && up != m_root.get() && up->matchStamp != mark; up = up->parent) {
        up->matchStamp = mark;
        if (grewOld && m_walk && up->serial <= m_walk->serial)
            *grewOld = true;
    }
}

// --- filtering ---


bool ResourceTreeModel::rowMatches(const QModelIndex &index, const RowPredicate &matches) const
{
    if (!index.isValid() || index.model() != this)
        return false;
    return nodeMatches(nodeFor(index), matches);
}

bool ResourceTreeModel::nodeMatches(const Node *node, const RowPredicate &matches) const
{
    const QString name = displayName(node);
    const QString path = nodePath(node);
    const QString uri = nodeId(node).toString();
    return matches(RowText{name, path, uri, node->isEndpoint});
}

namespace {

// Characters ResourceId keeps as they are in a URI's path (see ResourceId::rebuild()).
bool plainInUri(QStringView segment)
{
    for (QChar c : segment) {
        const char16_t u = c.unicode();
        if ((u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9'))
            continue;
        switch (u) {
        case u'-': case u'.': case u'_': case u'~': case u'!': case u'$': case u'&': case u'\'':
        case u'(': case u')': case u'*': case u'+': case u',': case u';': case u'=': case u':': case u'@':
            continue;
        default:
            return false;
        }
    }
    return true;
}

char16_t asciiLower(char16_t c)
{
    return c >= u'A' && c <= u'Z' ? char16_t(c + (u'a' - u'A')) : c;
}

// Case-insensitive search for an ASCII needle already in lower case: a short haystack costs a
// few comparisons, where QStringView::contains() folds both sides through Unicode tables.
bool containsAsciiFolded(QStringView haystack, QStringView lowerNeedle)
{
    const qsizetype n = lowerNeedle.size();
    const char16_t first = lowerNeedle.front().unicode();
    for (qsizetype i = 0; i + n <= haystack.size(); ++i) {
        if (asciiLower(haystack[i].unicode()) != first)
            continue;
        qsizetype j = 1;
        while (j < n && asciiLower(haystack[i + j].unicode()) == lowerNeedle[j].unicode())
            ++j;
        if (j == n)
            return true;
    }
    return false;
}

} // namespace

quint32 ResourceTreeModel::startMatchWalk(const RowPredicate &matches, const QString &uriSubstring,
                                          quint32 narrows) const
{
    const quint32 narrowMark = narrows != 0 && m_walk && m_walk->stamp == narrows && m_walk->done ? m_walk->mark : 0;
    m_walk = std::make_unique<MatchWalk>();
    m_walk->narrowMark = narrowMark;
    m_walk->matches = matches;
    m_walk->asciiNeedle = std::all_of(uriSubstring.cbegin(), uriSubstring.cend(), [](QChar c) { return c.unicode() < 128; });
    m_walk->needle = m_walk->asciiNeedle ? uriSubstring.toLower() : uriSubstring;
    m_walk->lean = m_walk->asciiNeedle && !uriSubstring.isEmpty() && !uriSubstring.contains(QLatin1Char('/'));
    m_walk->emptyName = tr("(empty)");
    m_walk->stamp = nextWalkStamp();
    m_walk->removals = m_removals - 1; // starts on the first continue
    return m_walk->stamp;
}

bool ResourceTreeModel::hasMatchWalk(quint32 stamp) const
{
    return m_walk && m_walk->stamp == stamp;
}

quint32 ResourceTreeModel::markMatchingRows(const RowPredicate &matches, const QString &uriSubstring) const
{
    const quint32 stamp = startMatchWalk(matches, uriSubstring);
    continueMatchWalk(stamp, -1);
    return stamp;
}

bool ResourceTreeModel::continueMatchWalk(quint32 stamp, qint64 budgetMs) const
{
    if (!m_walk || m_walk->stamp != stamp)
        return false;
    MatchWalk &walk = *m_walk;
    if (walk.done)
        return true;
    if (walk.removals != m_removals) {
        // (Re)start: rows the stack points at may be gone. Rows made since keep their marks.
        if (walk.mark != 0)
            walk.narrowMark = 0;
        walk.removals = m_removals;
        walk.serial = m_lastSerial;
        walk.mark = nextWalkStamp();
        walk.matchCount = 0;
        walk.rowsMatched = 0;
        walk.stack.clear();
        walk.stack.push_back(MatchWalk::Frame{m_root.get(), 0, 0, 0, false, false, false});
    }
    QElapsedTimer clock;
    clock.start();
    const qsizetype needle = walk.needle.size();
    const auto uriContains = [&walk](QStringView text) {
        return walk.asciiNeedle ? containsAsciiFolded(text, walk.needle) : text.contains(walk.needle, Qt::CaseInsensitive);
    };
    QString &path = walk.path;
    QString &uri = walk.uri;
    std::vector<MatchWalk::Frame> &stack = walk.stack;
    int sinceCheck = 0;
    while (!stack.empty()) {
        if (budgetMs >= 0 && ++sinceCheck >= 512) {
            sinceCheck = 0;
            if (clock.elapsed() >= budgetMs)
                return false;
        }
        MatchWalk::Frame &top = stack.back();
        if (top.next >= top.node->children.size()) {
            stack.pop_back();
            continue;
        }
        prefetchSiblings(top.node->children, top.next);
        const Node *node = top.node->children[top.next++].get();
        const MatchWalk::Frame parent = top;
        if (parent.fast && parent.uriContains && !node->isEndpoint) {
            // The parent's URI contains the substring, so every URI below it does: mark the
            // subtree without reading a key or building a string (the parent is marked).
            node->matchStamp = walk.mark;
            node->selfMatch = true;
            walk.matchCount += node->resource && node->serial <= walk.serial ? 1 : 0;
            ++walk.rowsMatched;
            if (!node->children.empty())
                stack.push_back(MatchWalk::Frame{node, 0, parent.pathSize, parent.uriSize, true, parent.plain, true});
            continue;
        }
        if (walk.narrowMark != 0 && node->matchStamp != walk.narrowMark && node->matchStamp != walk.mark)
            continue; // nothing in or below it matched the wider pattern: nothing can match this one
        bool matched = false;
        MatchWalk::Frame frame{node, 0, 0, 0, false, false, false};
        const QStringView key = node->key.view();
        const bool leanRow = walk.lean && parent.fast && !node->isEndpoint && !node->hasLabel && !key.isEmpty()
            && plainInUri(key);
        if (leanRow) {
            // Plain keys only ('/' and "://" are not plain, so never a row named by its URI): the
            // name, the topic and the URI say the same, and the needle lies inside one level.
            frame.fast = true;
            frame.plain = true;
            frame.uriContains = containsAsciiFolded(key, walk.needle);
            matched = frame.uriContains;
        } else {
            path.truncate(parent.pathSize);
            uri.truncate(parent.uriSize);
            const bool namedByUri = node->resource && key.size() > 3 && key.contains(u"://")
                && key == node->resource->id().toString();
            if (!walk.lean && !node->isEndpoint && parent.fast && !node->hasLabel && !namedByUri) {
                if (!parent.node->isEndpoint)
                    path += QLatin1Char('/');
                path += key;
                uri += QLatin1Char('/');
                const bool plainKey = plainInUri(key);
                frame.plain = parent.plain && plainKey;
                if (plainKey)
                    uri += key;
                else
                    uri += QString::fromLatin1(QUrl::toPercentEncoding(key.toString(), "!$&'()*+,;=:@"));
                if (needle > 0) {
                    // A new occurrence ends in what this row added.
                    frame.uriContains = parent.uriContains
                        || uriContains(QStringView(uri).mid(std::max<qsizetype>(0, parent.uriSize - needle + 1)));
                }
                // The name is the key, inside the path, inside the URI when that is plain: then the
                // URI test said it all.
                const bool uriSaysAll = needle > 0 && frame.plain && !key.isEmpty();
                matched = frame.uriContains;
                if (!matched && !uriSaysAll) {
                    const QString resourceUri = node->resource ? node->resource->id().toString() : QString();
                    matched = walk.matches(RowText{key.isEmpty() ? QStringView(walk.emptyName) : key, path,
                                                   node->resource ? QStringView(resourceUri) : QStringView(uri), false});
                }
                frame.fast = true;
            } else {
                const QString name = displayName(node);
                const QString nodePathText = nodePath(node);
                const QString uriText = nodeId(node).toString();
                frame.uriContains = needle > 0 && uriContains(uriText);
                matched = frame.uriContains || walk.matches(RowText{name, nodePathText, uriText, node->isEndpoint});
                if (node->isEndpoint) {
                    // Its MQTT topics grow from the endpoint's URI.
                    const ResourceId endpoint = endpointIdOf(node);
                    frame.fast = endpoint.protocol() == Protocol::Mqtt;
                    frame.plain = true;
                    path.clear();
                    uri = endpoint.toString();
                }
            }
        }
        node->selfMatch = matched;
        if (matched) {
            // Rows newer than the pass were counted as they came (markNewRows()).
            walk.matchCount += node->resource && node->serial <= walk.serial ? 1 : 0;
            ++walk.rowsMatched;
            // The rows above it show too: the filter answers each row from its own mark.
            node->matchStamp = walk.mark;
            markUpwards(node, walk.mark, nullptr);
        }
        if (!node->children.empty()) {
            frame.pathSize = path.size();
            frame.uriSize = uri.size();
            stack.push_back(frame);
        }
    }
    walk.done = true;
    walk.path = QString();
    walk.uri = QString();
    return true;
}

// --- display ---

ResourceId ResourceTreeModel::nodeId(const Node *node) const
{
    if (node->resource)
        return node->resource->id();
    if (node->isEndpoint)
        return endpointIdOf(node);
    const ResourceId endpoint = endpointIdOf(endpointOf(node));
    if (endpoint.protocol() == Protocol::Mqtt)
        return ResourceId::fromTopic(endpoint, nodePath(node));
    return ResourceId::fromParts(endpoint.scheme(), endpoint.host(), endpoint.port(),
                                 QLatin1Char('/') + nodePath(node));
}

QString ResourceTreeModel::nodePath(const Node *node) const
{
    if (node->resource) {
        const ResourceId &id = node->resource->id();
        return id.protocol() == Protocol::Mqtt ? id.topic() : id.path().mid(1);
    }
    QStringList keys;
    for (const Node *n = node; n && !n->isEndpoint; n = n->parent)
        keys.prepend(n->key.toString());
    return keys.join(QLatin1Char('/'));
}

QString ResourceTreeModel::displayName(const Node *node) const
{
    if (node->isEndpoint) {
        const EndpointInfo info = m_endpointInfo.value(node->key.toString());
        if (!info.name.isEmpty())
            return info.name;
        // Where the workspace has endpoints, a row that is none of them (a Thing's event server
        // on another port) says so: the status bar counts the workspace's endpoints only.
        if (!info.pinned && hasPinnedEndpoints())
            return tr("%1 (found by discovery)").arg(endpointIdOf(node).hostPort());
        return endpointIdOf(node).hostPort();
    }
    if (node->hasLabel)
        return m_labels.value(node);
    // An empty MQTT level ("a//b", "/a") would be an invisible row.
    return node->key.view().isEmpty() ? tr("(empty)") : node->key.toString();
}

QString ResourceTreeModel::displayText(const Node *node, int column) const
{
    const Resource *resource = node->resource;
    switch (column) {
    case NameColumn:
        return displayName(node);
    case ValueColumn:
        return resource && resource->hasValue() ? resource->value().shortText() : QString();
    case UnitColumn:
        return resource ? resource->metadata().unit.valueOr(QString()) : QString();
    case LastUpdateColumn:
        return resource ? timeText(resource->lastUpdateMs()) : QString();
    case ProtocolColumn:
        if (resource || node->isEndpoint)
            return nodeId(node).scheme().toUpper();
        return {};
    default:
        return {};
    }
}

QString ResourceTreeModel::toolTip(const Node *node) const
{
    QStringList lines;
    if (node->isEndpoint) {
        const EndpointInfo info = m_endpointInfo.value(node->key.toString());
        lines << displayName(node) << endpointIdOf(node).toString();
        if (!info.stateText.isEmpty())
            lines << tr("State: %1").arg(info.stateText);
    }
    if (const Resource *resource = node->resource) {
        if (!node->isEndpoint)
            lines << resource->id().toString();
        if (resource->metadata().title.isSet())
            lines << *resource->metadata().title;
        lines << tr("State: %1").arg(resourceStateName(resource->state()));
    } else if (!node->isEndpoint) {
        lines << nodeId(node).toString();
    }
    return lines.join(QLatin1Char('\n'));
}

QVariant ResourceTreeModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this)
        return {};
    const Node *node = nodeFor(index);
    const Resource *resource = node->resource;
    switch (role) {
    case Qt::DisplayRole:
        return displayText(node, index.column());
    case Qt::ToolTipRole:
        // Names, topics and queries come from peers: never rich text.
        return plainToolTip(toolTip(node));
    case Qt::TextAlignmentRole:
        if (index.column() == ValueColumn && resource && resource->value().isNumeric())
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case ResourceIdRole:
        return nodeId(node).toString();
    case ProtocolRole:
        return protocolName(endpointIdOf(endpointOf(node)).protocol());
    case StateRole:
        if (resource)
            return resourceStateName(resource->state());
        if (node->isEndpoint)
            return m_endpointInfo.value(node->key.toString()).stateText;
        return QString();
    case StateOkRole:
        if (node->isEndpoint && !m_endpointInfo.value(node->key.toString(), EndpointInfo()).ok)
            return false;
        if (resource)
            return resource->state() != ResourceState::Error && resource->state() != ResourceState::Offline;
        return true;
    case IsEndpointRole:
        return node->isEndpoint;
    case HasResourceRole:
        return resource != nullptr;
    case LastUpdateRole:
        return resource ? resource->lastUpdateMs() : qint64(0);
    case PathRole:
        return nodePath(node);
    case EndpointRole:
        return endpointOf(node)->key.toString();
    default:
        return {};
    }
}

QVariant ResourceTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case ValueColumn:
        return tr("Value");
    case UnitColumn:
        return tr("Unit");
    case LastUpdateColumn:
        return tr("Last update");
    case ProtocolColumn:
        return tr("Protocol");
    default:
        return {};
    }
}

QHash<int, QByteArray> ResourceTreeModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractItemModel::roleNames();
    names.insert(ResourceIdRole, "resourceId");
    names.insert(ProtocolRole, "protocol");
    names.insert(StateRole, "state");
    names.insert(StateOkRole, "stateOk");
    names.insert(IsEndpointRole, "isEndpoint");
    names.insert(HasResourceRole, "hasResource");
    names.insert(LastUpdateRole, "lastUpdate");
    names.insert(PathRole, "path");
    names.insert(EndpointRole, "endpoint");
    return names;
}

bool ResourceTreeModel::hasPinnedEndpoints() const
{
    return std::any_of(m_endpointInfo.cbegin(), m_endpointInfo.cend(), [](const EndpointInfo &info) { return info.pinned; });
}

void ResourceTreeModel::endpointNamesChanged()
{
    QSet<Node *> endpoints;
    for (Node *node : std::as_const(m_endpointNodes))
        endpoints.insert(node);
    emitChanged(endpoints);
}

QString ResourceTreeModel::senmlLabel(const Node *node) const
{
    // A SenML record is a child of its pack's resource, keyed by its full name (bn + n): show
    // its own name, as four records all called "urn:dev:energy-meter:…" cannot be told apart.
    const Node *parent = node->parent;
    if (!parent || !parent->resource || !parent->resource->hasValue())
        return {};
    const Value &pack = parent->resource->value();
    if (!isSenmlFormat(pack.contentFormat) && !isSenmlFormat(parent->resource->metadata().contentFormat.valueOr(-1)))
        return {};
    const QString key = node->key.toString();
    const QString own = senmlOwnName(pack.decoded, key);
    return own == key ? QString() : own;
}

// --- updates ---

void ResourceTreeModel::onBatchApplied(const StoreBatch &batch)
{
    // Resources of a waiting endpoint go under its row, not a second one.
    flushPendingEndpoints();
    // The removed resources are already deleted: drop the pointers before any signal lets a
    // view read those rows. One still waiting for its turn is not found by its id then.
    QList<Node *> vacated;
    for (const ResourceId &id : batch.removed) {
        Node *node = findNode(id);
        if (node && node->resource) {
            m_byResource.remove(node->resource); // the pointer as a key only: it is deleted
            node->resource = nullptr;
            vacated.append(node);
        }
    }
    for (const Resource *resource : batch.added)
        m_toAdd.push_back(resource->id());
    QSet<Node *> dirty;
    // Adding first lets a vacated path level that gains children in this batch stay.
    if (!vacated.isEmpty())
        addWaiting(-1);
    prune(vacated, &dirty);
    for (const Resource *resource : batch.changed) {
        if (Node *node = m_byResource.find(resource))
            dirty.insert(node);
    }
    emitChanged(dirty);
    // New rows: a batch's worth at once, a flood's in slices.
    if (!addWaiting(m_insertSliceMs, m_insertAtOnce))
        m_insertTimer->start();
}

bool ResourceTreeModel::addWaiting(qint64 budgetMs, qsizetype atLeast)
{
    QElapsedTimer clock;
    clock.start();
    qsizetype done = 0;
    QSet<Node *> dirty;
    while (!m_toAdd.empty()) {
        if (budgetMs >= 0 && done > 0 && done >= atLeast && clock.elapsed() >= budgetMs)
            break;
        const qsizetype count = budgetMs < 0 ? qsizetype(m_toAdd.size())
                                             : std::min(qsizetype(m_toAdd.size()), std::max(kInsertChunk, atLeast - done));
        QList<const Resource *> resources;
        resources.reserve(count);
        for (qsizetype i = 0; i < count; ++i) {
            if (const Resource *resource = m_store->find(m_toAdd.front()))
                resources.append(resource);
            m_toAdd.pop_front();
        }
        addResources(resources, &dirty);
        done += count;
    }
    emitChanged(dirty);
    if (m_toAdd.empty())
        m_toAdd.shrink_to_fit();
    return m_toAdd.empty();
}

void ResourceTreeModel::addResources(const QList<const Resource *> &resources, QSet<Node *> *dirty)
{
    if (resources.isEmpty())
        return;
    // New nodes are built off-tree first: per attached parent its new children, and below
    // those whole new subtrees. Each attached parent then gets one insert per contiguous run.
    std::unordered_map<Node *, std::vector<std::unique_ptr<Node>>> pending;
    std::vector<Node *> pendingOrder;
    QHash<std::pair<const Node *, QStringView>, Node *> fresh; // views into the new nodes' keys
    QSet<Node *> unsorted; // new nodes whose children were appended unsorted

    auto child = [&](Node *parent, bool parentIsNew, const Key &key) -> std::pair<Node *, bool> {
        if (!parentIsNew) {
            if (Node *existing = findChild(parent, key.view()))
                return {existing, false};
        }
        if (Node *made = fresh.value({parent, key.view()}))
            return {made, true};
        auto node = makeNode();
        node->parent = parent;
        node->key = key;
        Node *raw = node.get();
        if (parentIsNew) {
            parent->children.push_back(std::move(node));
            unsorted.insert(parent);
        } else {
            auto &list = pending[parent];
            if (list.empty())
                pendingOrder.push_back(parent);
            list.push_back(std::move(node));
        }
        fresh.insert({parent, raw->key.view()}, raw);
        return {raw, true};
    };

    // Most batches come from one endpoint: its row is looked up once.
    const Resource *lastResource = nullptr;
    Node *lastEndpointNode = nullptr;
    bool lastEndpointIsNew = false;
    for (const Resource *resource : resources) {
        const ResourceId &id = resource->id();
        Node *node = nullptr;
        bool isNew = false;
        if (lastResource && lastEndpointNode && lastResource->id().port() == id.port()
            && lastResource->id().host() == id.host() && lastResource->id().scheme() == id.scheme()) {
            node = lastEndpointNode;
            isNew = lastEndpointIsNew;
        } else {
            const ResourceId endpoint = id.endpoint();
            const QString endpointUri = endpoint.endpointUri();
            node = m_endpointNodes.value(endpointUri);
            if (!node)
                std::tie(node, isNew) = child(containerFor(endpointUri), false, Key(endpointUri));
            if (isNew) {
                node->isEndpoint = true;
                m_endpointIds.insert(endpointUri, endpoint);
            }
        }
        lastResource = resource;
        lastEndpointNode = node;
        lastEndpointIsNew = isNew;
        Node *parent = m_root.get();
        bool parentIsNew = false;
        for (const Key &key : keysFor(id)) {
            parent = node;
            parentIsNew = isNew;
            std::tie(node, isNew) = child(node, isNew, key);
        }
        // Distinct URIs that still map to one path (e.g. "http://h" and "http://h/") get
        // their own row, named by the full URI.
        if (node->resource && node->resource != resource) {
            if (node->isEndpoint) {
                parent = node;
                parentIsNew = isNew;
            }
            std::tie(node, isNew) = child(parent, parentIsNew, Key(id.toString()));
        }
        if (node->resource && node->resource != resource)
            m_byResource.remove(node->resource);
        node->resource = resource;
        setLabel(node, senmlLabel(node));
        m_byResource.insert(node);
        if (!isNew)
            dirty->insert(node);
    }

    for (Node *node : std::as_const(unsorted)) {
        std::sort(node->children.begin(), node->children.end(),
                  [](const auto &a, const auto &b) { return keyLess(a->key.view(), b->key.view()); });
        node->renumberChildren(0);
    }
    std::vector<const Node *> newRoots;
    if (m_walk) {
        for (Node *parent : pendingOrder) {
            for (const auto &node : pending[parent])
                newRoots.push_back(node.get());
        }
    }
    for (Node *parent : pendingOrder)
        insertChildren(parent, std::move(pending[parent]));
    markNewRows(newRoots);
}

void ResourceTreeModel::markNewRows(const std::vector<const Node *> &roots)
{
    // While a filter walks (or shows its walk), new rows that match mark the rows above them,
    // so a row the walk found empty shows once a match arrives below it.
    if (!m_walk || roots.empty())
        return;
    const quint32 mark = m_walk->mark;
    bool grewOld = false;
    std::vector<const Node *> stack(roots.begin(), roots.end());
    while (!stack.empty()) {
        const Node *node = stack.back();
        stack.pop_back();
        node->selfMatch = nodeMatches(node, m_walk->matches);
        if (node->selfMatch && node->resource)
            ++m_walk->matchCount;
        if (node->selfMatch) {
            node->matchStamp = mark;
            markUpwards(node, mark, &grewOld);
        }
        for (const auto &child : node->children)
            stack.push_back(child.get());
    }
    if (grewOld)
        Q_EMIT matchWalkGrew(m_walk->stamp);
}

void ResourceTreeModel::unmarkEmptied(Node *parent, QSet<Node *> *dirty)
{
    // A done walk's marks above rows that went: a row that showed only for them no longer does
    // (its dataChanged lets a filter hide it).
    if (!m_walk || !m_walk->done)
        return;
    const quint32 mark = m_walk->mark;
    for (Node *node = parent; node && node != m_root.get() && node->matchStamp == mark && !node->selfMatch;
         node = node->parent) {
        const bool stillBelow = std::any_of(node->children.cbegin(), node->children.cend(),
                                            [mark](const auto &child) { return child->matchStamp == mark; });
        if (stillBelow)
            return;
        node->matchStamp = 0;
        dirty->insert(node);
    }
}

void ResourceTreeModel::insertChildren(Node *parent, std::vector<std::unique_ptr<Node>> newChildren)
{
    std::sort(newChildren.begin(), newChildren.end(),
              [](const auto &a, const auto &b) { return keyLess(a->key.view(), b->key.view()); });
    const QModelIndex parentIndex = indexFor(parent);
    auto &children = parent->children;
    size_t next = 0;
    while (next < newChildren.size()) {
        // The run starts where its first node sorts among the current children; it extends
        // while the next new node sorts before the existing child at that position.
        const QStringView firstKey = newChildren[next]->key.view();
        const auto at = std::lower_bound(children.begin(), children.end(), firstKey,
                                         [](const auto &n, QStringView k) { return keyLess(n->key.view(), k); });
        const size_t position = size_t(at - children.begin());
        size_t end = next + 1;
        if (at != children.end()) {
            while (end < newChildren.size() && keyLess(newChildren[end]->key.view(), (*at)->key.view()))
                ++end;
        } else {
            end = newChildren.size();
        }
        const int first = int(position);
        const int last = int(position + (end - next)) - 1;
        beginInsertRows(parentIndex, first, last);
        for (size_t i = next; i < end; ++i) {
            if (newChildren[i]->isEndpoint)
                m_endpointNodes.insert(newChildren[i]->key.toString(), newChildren[i].get());
        }
        children.insert(position, newChildren.begin() + qsizetype(next), newChildren.begin() + qsizetype(end));
        parent->renumberChildren(position);
        endInsertRows();
        next = end;
    }
}

void ResourceTreeModel::prune(const QList<Node *> &candidates, QSet<Node *> *dirty)
{
    // A node goes when it carries no resource, is not a pinned endpoint and all its children
    // go; only the topmost node of each vanishing subtree is removed with a signal.
    QSet<Node *> dead;
    QHash<Node *, qsizetype> deadChildren;
    for (Node *candidate : candidates) {
        Node *node = candidate;
        if (dead.contains(node) || node->resource || !node->children.empty() || isPinned(node)) {
            if (!dead.contains(node))
                dirty->insert(node);
            continue;
        }
        while (true) {
            dead.insert(node);
            Node *parent = node->parent;
            if (parent == m_root.get())
                break;
            const qsizetype count = ++deadChildren[parent];
            if (parent->resource || isPinned(parent) || count != qsizetype(parent->children.size()))
                break;
            node = parent;
        }
    }
    if (dead.isEmpty())
        return;

    QHash<Node *, QList<int>> rowsByParent;
    for (Node *node : std::as_const(dead)) {
        if (!dead.contains(node->parent))
            rowsByParent[node->parent].append(rowOf(node));
    }
    for (auto it = rowsByParent.begin(); it != rowsByParent.end(); ++it) {
        Node *parent = it.key();
        QList<int> &rows = it.value();
        std::sort(rows.begin(), rows.end());
        const QModelIndex parentIndex = indexFor(parent);
        // From the last run backwards, so the rows still to remove keep their numbers.
        qsizetype runEnd = rows.size() - 1;
        while (runEnd >= 0) {
            qsizetype runStart = runEnd;
            while (runStart > 0 && rows.at(runStart - 1) == rows.at(runStart) - 1)
                --runStart;
            const int first = rows.at(runStart);
            const int last = rows.at(runEnd);
            beginRemoveRows(parentIndex, first, last);
            for (int row = first; row <= last; ++row) {
                const Node *gone = parent->children[size_t(row)].get();
                if (gone->isEndpoint)
                    m_endpointNodes.remove(gone->key.toString());
                m_labels.remove(gone);
                // Endpoints shown under another and labels go with it (walked only when there are any).
                if (!m_endpointParent.isEmpty() || !m_labels.isEmpty()) {
                    std::vector<const Node *> stack{gone};
                    while (!stack.empty()) {
                        const Node *next = stack.back();
                        stack.pop_back();
                        for (const auto &child : next->children) {
                            if (child->isEndpoint && m_endpointNodes.value(child->key.toString()) == child.get())
                                m_endpointNodes.remove(child->key.toString());
                            m_labels.remove(child.get());
                            if (!child->children.empty())
                                stack.push_back(child.get());
                        }
                    }
                }
            }
            parent->children.erase(parent->children.begin() + first, parent->children.begin() + last + 1);
            parent->renumberChildren(size_t(first));
            ++m_removals;
            endRemoveRows();
            unmarkEmptied(parent, dirty);
            runEnd = runStart - 1;
        }
    }
    for (auto it = dirty->begin(); it != dirty->end();) {
        if (dead.contains(*it))
            it = dirty->erase(it);
        else
            ++it;
    }
}

void ResourceTreeModel::emitChanged(const QSet<Node *> &dirty)
{
    QHash<Node *, QList<int>> rowsByParent;
    for (Node *node : dirty)
        rowsByParent[node->parent].append(rowOf(node));
    for (auto it = rowsByParent.begin(); it != rowsByParent.end(); ++it) {
        const Node *parent = it.key();
        QList<int> &rows = it.value();
        const QModelIndex parentIndex = indexFor(parent);
        const int count = int(parent->children.size());
        // Past half, one range is cheaper for the view than many single rows.
        if (rows.size() * 2 > count) {
            Q_EMIT dataChanged(index(0, 0, parentIndex), index(count - 1, ColumnCount - 1, parentIndex));
            continue;
        }
        std::sort(rows.begin(), rows.end());
        for (int row : std::as_const(rows))
            Q_EMIT dataChanged(index(row, 0, parentIndex), index(row, ColumnCount - 1, parentIndex));
    }
}

// --- endpoints ---

void ResourceTreeModel::addEndpoint(const ResourceId &endpoint, const QString &name)
{
    if (!endpoint.isValid())
        return;
    const ResourceId id = endpoint.endpoint();
    const QString uri = id.endpointUri();
    const bool firstPinned = !hasPinnedEndpoints();
    EndpointInfo &info = m_endpointInfo[uri];
    info.name = name;
    info.pinned = true;
    if (firstPinned)
        endpointNamesChanged();
    if (Node *node = m_endpointNodes.value(uri)) {
        emitChanged({node});
        return;
    }
    if (m_pendingUris.contains(uri))
        return;
    auto node = makeNode();
    node->key = Key(uri);
    node->isEndpoint = true;
    m_endpointIds.insert(uri, id);
    if (m_batchDepth > 0) {
        m_pendingUris.insert(uri);
        m_pendingEndpoints.push_back(std::move(node));
        return;
    }
    Node *container = containerFor(uri);
    node->parent = container;
    std::vector<std::unique_ptr<Node>> nodes;
    nodes.push_back(std::move(node));
    insertChildren(container, std::move(nodes));
}

void ResourceTreeModel::beginEndpointBatch()
{
    ++m_batchDepth;
}

void ResourceTreeModel::endEndpointBatch()
{
    Q_ASSERT(m_batchDepth > 0);
    if (m_batchDepth > 0 && --m_batchDepth == 0)
        flushPendingEndpoints();
}

void ResourceTreeModel::flushPendingEndpoints()
{
    // In rounds: an endpoint whose parent endpoint also waits goes in once its parent is in,
    // under it, as it would have one at a time.
    while (!m_pendingEndpoints.empty()) {
        std::vector<std::unique_ptr<Node>> later;
        std::unordered_map<Node *, std::vector<std::unique_ptr<Node>>> byContainer;
        std::vector<Node *> containerOrder;
        std::vector<std::unique_ptr<Node>> ready;
        for (auto &node : m_pendingEndpoints) {
            if (m_pendingUris.contains(m_endpointParent.value(node->key.toString())))
                later.push_back(std::move(node));
            else
                ready.push_back(std::move(node));
        }
        for (auto &node : ready) {
            m_pendingUris.remove(node->key.toString());
            Node *container = containerFor(node->key.toString());
            node->parent = container;
            auto &list = byContainer[container];
            if (list.empty())
                containerOrder.push_back(container);
            list.push_back(std::move(node));
        }
        m_pendingEndpoints = std::move(later);
        if (containerOrder.empty()) {
            // A parent cycle among waiting endpoints: the rest go under their containers as is.
            for (auto &node : m_pendingEndpoints)
                m_endpointParent.remove(node->key.toString());
            continue;
        }
        for (Node *container : containerOrder)
            insertChildren(container, std::move(byContainer[container]));
    }
    m_pendingUris.clear();
}

void ResourceTreeModel::removeEndpoint(const ResourceId &endpoint)
{
    flushPendingEndpoints();
    const QString uri = endpoint.endpointUri();
    m_endpointInfo.remove(uri);
    m_endpointParent.remove(uri);
    for (auto it = m_endpointParent.begin(); it != m_endpointParent.end();) {
        if (it.value() == uri)
            it = m_endpointParent.erase(it);
        else
            ++it;
    }
    if (Node *node = m_endpointNodes.value(uri)) {
        QSet<Node *> dirty;
        prune({node}, &dirty);
        emitChanged(dirty);
    }
    if (!hasPinnedEndpoints())
        endpointNamesChanged();
}

void ResourceTreeModel::setEndpointState(const ResourceId &endpoint, const QString &stateText, bool ok)
{
    if (!endpoint.isValid())
        return;
    const QString uri = endpoint.endpointUri();
    EndpointInfo &info = m_endpointInfo[uri];
    info.stateText = stateText;
    info.ok = ok;
    if (Node *node = m_endpointNodes.value(uri))
        emitChanged({node});
}

void ResourceTreeModel::setEndpointParent(const ResourceId &endpoint, const ResourceId &parent)
{
    const QString uri = endpoint.endpointUri();
    const QString parentUri = parent.endpointUri();
    if (!endpoint.isValid() || !parent.isValid() || uri == parentUri)
        return;
    m_endpointParent.insert(uri, parentUri);
    if (m_pendingUris.contains(uri))
        return; // goes under its parent when the batch ends
    // A row shown now moves under a parent that may still wait.
    flushPendingEndpoints();
    Node *node = m_endpointNodes.value(uri);
    Node *container = containerFor(uri);
    if (!node || node->parent == container)
        return;
    // Already shown elsewhere: one move keeps its subtree (and the view's selection in it).
    Node *from = node->parent;
    const int row = rowOf(node);
    const auto at = std::lower_bound(container->children.begin(), container->children.end(), QStringView(uri),
                                     [](const auto &n, QStringView k) { return keyLess(n->key.view(), k); });
    const int destination = int(at - container->children.begin());
    if (!beginMoveRows(indexFor(from), row, row, indexFor(container), destination))
        return;
    std::unique_ptr<Node> moved = from->children.take(size_t(row));
    from->renumberChildren(size_t(row));
    moved->parent = container;
    container->children.insert(container->children.begin() + destination, std::move(moved));
    container->renumberChildren(size_t(destination));
    ++m_removals;
    endMoveRows();
}

} // namespace thingscape
