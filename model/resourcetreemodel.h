#pragma once

#include "growingindex.h"
#include "resourceid.h"

#include <QAbstractItemModel>
#include <QHash>
#include <QSet>
#include <QStringView>

#include <algorithm>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QTimer;

namespace thingscape {

class Resource;
class ResourceStore;
struct StoreBatch;

// The resource tree: endpoint (scheme://host:port) -> path levels (MQTT topic levels,
// CoAP / HTTP path segments) -> resource. A path level that is itself a resource is one row.
// Each store batch (or each slice of a large one, see kInsertAtOnceRows) becomes at most one
// insert per contiguous run of new siblings, one
// dataChanged per changed row (or one per parent when more than half of its rows changed)
// and one remove per contiguous run of vanished rows, so views and selections stay stable.
class ResourceTreeModel : public QAbstractItemModel
{
    Q_OBJECT

public:
    enum Column {
        NameColumn,
        ValueColumn,
        UnitColumn,
        LastUpdateColumn,
        ProtocolColumn,
        ColumnCount,
    };
    Q_ENUM(Column)

    enum Role {
        ResourceIdRole = Qt::UserRole + 1, // QString: the row's URI (also for path levels without a resource)
        ProtocolRole,                      // QString: "mqtt", "coap" or "http"
        StateRole,                         // QString: resource state, or the endpoint's state text
        StateOkRole,                       // bool: false when the endpoint or resource reports a problem
        IsEndpointRole,                    // bool
        HasResourceRole,                   // bool: the row carries a resource (not just a path level)
        LastUpdateRole,                    // qint64: ms since the epoch of the last value, 0 if none
        PathRole,                          // QString: MQTT topic / path without the leading '/'
        EndpointRole,                      // QString: scheme://host:port of the row
    };
    Q_ENUM(Role)

    // A store batch's new resources go in at once up to this many (setInsertAtOnce()); past it
    // they go in slices of about kInsertSliceMs on the event loop, so a million arriving never
    // freeze a view, and until their turn indexForId() does not find them.
    static constexpr qsizetype kInsertAtOnceRows = 20000;
    static constexpr int kInsertSliceMs = 8;
    void setInsertAtOnce(qsizetype resources) { m_insertAtOnce = std::max<qsizetype>(1, resources); }
    // A slice takes chunks of kInsertChunk resources until sliceMs have passed (0: one chunk).
    static constexpr qsizetype kInsertChunk = 512;
    void setInsertSliceMs(int sliceMs) { m_insertSliceMs = std::max(0, sliceMs); }
    // Resources of store batches not yet in the tree.
    qsizetype waitingResources() const { return qsizetype(m_toAdd.size()); }

    explicit ResourceTreeModel(ResourceStore *store, QObject *parent = nullptr);
    ~ResourceTreeModel() override;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    bool hasChildren(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // The row of a resource, an endpoint or a path level; invalid if there is none.
    QModelIndex indexForId(const ResourceId &id) const;
    // The resource a row carries, or nullptr for path levels and resource-less endpoints.
    const Resource *resourceAt(const QModelIndex &index) const;

    // What a filter looks at in one row: the Name column, PathRole and ResourceIdRole, as
    // views that are valid during the call only.
    struct RowText
    {
        QStringView name;
        QStringView path;
        QStringView uri;
        bool isEndpoint = false;
    };
    using RowPredicate = std::function<bool(const RowText &)>;
    // Marks every row whose own text matches, in one walk over the tree that builds no strings
    // per row (the topic and the URI grow and shrink in one buffer each), and returns the walk's
    // stamp for matchedInWalk(). A row matches when its URI contains uriSubstring (case-
    // insensitive; checked only on what a row adds to its parent's URI) or when the predicate
    // says so; rows that uriSubstring answers for completely skip the predicate. A filter over
    // a million rows costs one pass, not a million data() calls.
    quint32 markMatchingRows(const RowPredicate &matches, const QString &uriSubstring = {}) const;
    // The same in slices, so a million rows never freeze the window: start, then continue until
    // it says done. One walk at a time: starting another abandons the one before. A walk that a
    // removal interrupts starts over by itself. narrows: the stamp of the latest walk, done,
    // when every row this one can match matched in it too (a narrowing keystroke): rows it
    // found nothing in or below are not visited again.
    quint32 startMatchWalk(const RowPredicate &matches, const QString &uriSubstring = {}, quint32 narrows = 0) const;
    // Goes on for about budgetMs (at least one row); true once the walk with that stamp is done.
    bool continueMatchWalk(quint32 stamp, qint64 budgetMs) const;
    // Whether the walk with that stamp is still the model's (done or not).
    bool hasMatchWalk(quint32 stamp) const;
    // Rows the walk with that stamp has found matching by themselves so far (this pass); -1
    // when it is not the model's walk.
    qint64 rowsMatchedSoFar(quint32 stamp) const;
    // Whether the walk with that stamp matched the row; nullopt when the row is newer than the
    // walk or a later walk took its place (only the latest walk's marks are kept), and while the
    // walk is under way.
    std::optional<bool> matchedInWalk(const QModelIndex &index, quint32 stamp) const;
    // Whether the walk with that stamp matched the row or a row below it (what a filter that
    // keeps the path to every match shows); nullopt as for matchedInWalk(). Kept up to date as
    // rows come and go: new matching rows mark the rows above them (matchWalkGrew() when a row
    // older than the walk gains a mark), and rows that showed only for removed ones lose theirs
    // (with a dataChanged). A walk under way answers from what it has marked so far (false for
    // rows it has not reached yet).
    std::optional<bool> subtreeMatchedInWalk(const QModelIndex &index, quint32 stamp) const;
    // How many of parent's children the walk with that stamp marked (they or a row below them
    // matched; so far, while it is under way), counting no further than limit; -1 when that walk cannot answer. Reads the
    // marks only: a filter decides what to unfold without mapping rows it will not show.
    int subtreeMatchedChildren(const QModelIndex &parent, quint32 stamp, int limit) const;
    // Resources the done walk with that stamp found matching by themselves, and those that
    // arrived matching since (rows removed since are still counted); -1 when it cannot say.
    qint64 matchesInWalk(quint32 stamp) const;
    // Drops the walk with that stamp (a filter cleared): rows then arrive without being matched.
    void endMatchWalk(quint32 stamp) const;
    // The predicate on one row, with its text built as data() builds it.
    bool rowMatches(const QModelIndex &index, const RowPredicate &matches) const;

    // Shows the endpoint even before (and after) it has resources, under the given name
    // (empty: host:port).
    void addEndpoint(const ResourceId &endpoint, const QString &name = {});
    // Forgets the name and state; the row goes once it carries no resources.
    void removeEndpoint(const ResourceId &endpoint);
    void setEndpointState(const ResourceId &endpoint, const QString &stateText, bool ok);
    // Shows endpoint's rows under parent's endpoint row instead of at the top (a child
    // endpoint, or resources an endpoint found under another host:port). A row already
    // shown moves there.
    void setEndpointParent(const ResourceId &endpoint, const ResourceId &parent);

    // Between begin and end, new endpoints wait off-tree and arrive together at the end, one
    // insert per contiguous run of rows: inserting thousands one by one costs the proxies and
    // views above O(rows) each (opening a large workspace was quadratic). Nests; any other
    // change to the tree (a store batch, a removal, a move) first inserts what waits.
    void beginEndpointBatch();
    void endEndpointBatch();
    // Scoped beginEndpointBatch() / endEndpointBatch().
    class EndpointBatch
    {
    public:
        explicit EndpointBatch(ResourceTreeModel *model)
            : m_model(model)
        {
            if (m_model)
                m_model->beginEndpointBatch();
        }
        ~EndpointBatch()
        {
            if (m_model)
                m_model->endEndpointBatch();
        }
        EndpointBatch(const EndpointBatch &) = delete;
        EndpointBatch &operator=(const EndpointBatch &) = delete;

    private:
        ResourceTreeModel *m_model;
    };

Q_SIGNALS:
    // Rows older than the walk with that stamp gained a mark: a filter re-checks its rows.
    void matchWalkGrew(quint32 stamp);

private:
    struct Node;
    struct EndpointInfo
    {
        QString name;
        QString stateText;
        bool ok = true;
        bool pinned = false;
    };

    void onBatchApplied(const StoreBatch &batch);
    void addResources(const QList<const Resource *> &resources, QSet<Node *> *dirty);
    void insertChildren(Node *parent, std::vector<std::unique_ptr<Node>> newChildren);
    void prune(const QList<Node *> &candidates, QSet<Node *> *dirty);
    void emitChanged(const QSet<Node *> &dirty);
    void flushPendingEndpoints();
    // Adds waiting resources: at least atLeast, then more until budgetMs have passed (all of
    // them when budgetMs is negative); true when none wait any more.
    bool addWaiting(qint64 budgetMs, qsizetype atLeast = 0);
    bool nodeMatches(const Node *node, const RowPredicate &matches) const;
    // The row, when the walk with that stamp (done, or also under way) answers for it (it is
    // not newer).
    const Node *walkedNode(const QModelIndex &index, quint32 stamp, bool underWay = false) const;
    quint32 nextWalkStamp() const;
    // Marks the rows above node (grewOld: set when one older than the walk gained its mark).
    void markUpwards(const Node *node, quint32 mark, bool *grewOld) const;
    void markNewRows(const std::vector<const Node *> &roots);
    void unmarkEmptied(Node *parent, QSet<Node *> *dirty);

    Node *nodeFor(const QModelIndex &index) const;
    QModelIndex indexFor(const Node *node, int column = 0) const;
    int rowOf(const Node *node) const;
    Node *findChild(const Node *parent, QStringView key) const;
    Node *findNode(const ResourceId &id) const;
    const Node *endpointOf(const Node *node) const;
    bool isPinned(const Node *node) const;
    // Where an endpoint's row goes: its parent endpoint's row, or the root.
    Node *containerFor(const QString &endpointUri) const;
    ResourceId nodeId(const Node *node) const;
    QString nodePath(const Node *node) const;
    QString displayName(const Node *node) const;
    QString senmlLabel(const Node *node) const;
    bool hasPinnedEndpoints() const;
    void endpointNamesChanged();
    QString displayText(const Node *node, int column) const;
    QString toolTip(const Node *node) const;
    std::unique_ptr<Node> makeNode();
    ResourceId endpointIdOf(const Node *node) const;
    void setLabel(Node *node, const QString &label);

    ResourceStore *m_store; // Not owned.
    std::unique_ptr<Node> m_root;
    // The store's resources by pointer (a slot each, no id copy), in a table that grows without
    // a pause; removed resources are found by their path. A node is in it while its resource is.
    struct NodeResource
    {
        const Resource *operator()(const Node *node) const;
    };
    GrowingIndex<Node *, const Resource *, NodeResource> m_byResource;
    QHash<QString, Node *> m_endpointNodes; // endpoint URI -> node
    QHash<QString, ResourceId> m_endpointIds; // endpoint URI -> its id (kept, a few per endpoint)
    QHash<const Node *, QString> m_labels;    // SenML records shown by their own name
    QHash<QString, EndpointInfo> m_endpointInfo;
    QHash<QString, QString> m_endpointParent; // endpoint URI -> the endpoint URI it shows under
    int m_batchDepth = 0;
    quint32 m_lastSerial = 0;
    struct MatchWalk;
    mutable std::unique_ptr<MatchWalk> m_walk; // the latest walk (done or not)
    mutable quint32 m_walkStamp = 0;           // its stamp
    quint64 m_removals = 0;                    // rows removed or moved: a walk in progress starts over
    // Endpoints added during a batch, not yet in the tree, in the order they came.
    std::vector<std::unique_ptr<Node>> m_pendingEndpoints;
    QSet<QString> m_pendingUris;
    // Resources of store batches waiting for their turn, by id: one may be gone before it.
    std::deque<ResourceId> m_toAdd;
    qsizetype m_insertAtOnce = kInsertAtOnceRows;
    int m_insertSliceMs = kInsertSliceMs;
    QTimer *m_insertTimer;
};

} // namespace thingscape
