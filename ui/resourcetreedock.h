#pragma once

#include "model/resourceid.h"

#include <QDockWidget>
#include <QElapsedTimer>
#include <QHash>
#include <QPersistentModelIndex>
#include <QSet>

class QAbstractItemModel;
class QAction;
class QComboBox;
class QDialog;
class QLabel;
class QLineEdit;
class QMenu;
class QSortFilterProxyModel;
class QTimer;
class QTreeView;

namespace thingscape {

class EndpointManager;
class ResourceFilterProxyModel;
class ResourceStore;
class ResourceTreeModel;
class TreeCellDelegate;
class TreeDecorationProxy;
class TreeStatsProxy;

// The resource tree: every endpoint and its resources, live values, state icons, a search box
// (substring, MQTT wildcard, regular expression) and the per-resource actions.
//
// Built for a million rows: without a filter the view shows the tree through the decoration
// proxy alone (a QSortFilterProxyModel would build a mapping per unfolded row); with one it
// shows the filter, applied in one layout change with the tree folded first and only the first
// kExpandCap rows of matches unfolded. On a large tree a keystroke after a pause applies at
// once; keys typed faster than kFilterDelayMs apart wait for typing to settle.
class ResourceTreeDock : public QDockWidget
{
    Q_OBJECT

public:
    ResourceTreeDock(ResourceStore *store, ResourceTreeModel *model, EndpointManager *endpoints,
                     QWidget *parent = nullptr);

    QTreeView *view() const { return m_view; }
    QLineEdit *searchField() const { return m_search; }
    QComboBox *searchMode() const { return m_mode; }
    ResourceFilterProxyModel *filterModel() const { return m_filter; }
    ResourceId currentResource() const;
    QList<ResourceId> selectedResources() const;
    void selectResource(const ResourceId &id);
    // The names offered in "Add to system"; set by whoever owns the systems.
    void setSystemNames(const QStringList &names);

    // Rows the filter (and '*' on a row) unfold at most; the rest stays folded.
    static constexpr int kExpandCap = 500;
    // Rows with more children than this are not counted through the filter to decide.
    static constexpr int kExpandCountLimit = 200000;
    // With more resources than this, keys typed within kFilterDelayMs of the one before wait
    // for typing to settle (the first one never waits).
    static constexpr qsizetype kFilterDelayRows = 20000;
    // New resources the tree takes at once from a store batch; the rest follow in slices.
    static constexpr qsizetype kInsertAtOnce = 2000;
    static constexpr int kFilterDelayMs = 100;
    // Applies the text in the search field now (instead of when typing settles); on a large
    // tree the result shows when filterApplied() says so.
    void applyFilterNow();
    // Who talks most as columns (resources below, messages, rates); and the tree's order: by
    // name (natural, the tree's own, sortColumn -1 or 0) or, from the header, by last update or
    // one of those columns. Remembered in the settings; selection, unfolded rows and filter stay.
    TreeStatsProxy *statsModel() const { return m_stats; }
    void sortBy(int column, Qt::SortOrder order);
    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }
    // Columns shown or hidden from the header's context menu (every one but Name), remembered
    // in the settings. By default the unit (the value says it then), the protocol (the endpoint's
    // icon says it), the resources below and the byte rate are hidden, so the rest fit the dock
    // of a 1,366-pixel window.
    void setColumnShown(int column, bool shown);
    bool isColumnShown(int column) const;
    // The header's context menu: a check box per column, fit to content, default columns.
    QMenu *makeColumnsMenu(QWidget *parent);

    void readSelected();
    void observeSelected(bool observe);
    void copySelectedUris();
    void clearRetainedSelected();
    // "New rule triggered by this…": asks for a rule triggered by the current resource.
    void newRuleForCurrent();
    // "Bridge to…": asks for the target (a completer over the store's URIs), checks it as a
    // bridge from `from` and says what is wrong in the dialog; emits bridgeRequested on OK.
    // The dialog is opened window-modal and returned (it deletes itself on close).
    QDialog *bridgeFrom(const ResourceId &from);

    // One action per command, shared by the context menu and the window's Resource menu, so
    // each has one shortcut and is enabled only when it applies to the selection.
    QAction *copyUriAction() const { return m_copyUri; }
    QAction *observeAction() const { return m_observe; }
    QAction *stopObservingAction() const { return m_stopObserving; }
    // As far as this window knows: observed after connecting (observable resources, MQTT
    // topics through the endpoint's subscriptions) or since the user asked.
    bool isObserved(const ResourceId &id) const;

Q_SIGNALS:
    void currentResourceChanged(const thingscape::ResourceId &id);
    void writeRequested(const thingscape::ResourceId &id);
    void addToSystemRequested(const QString &systemName, const QList<thingscape::ResourceId> &ids);
    void newSystemRequested(const QList<thingscape::ResourceId> &ids);
    // A new rule triggered by id (title: how the resource is called) is to be edited.
    void newRuleRequested(const thingscape::ResourceId &id, const QString &title);
    // A bridge from -> to, already checked as a rule, is to be added to the workspace's rules.
    void bridgeRequested(const thingscape::ResourceId &from, const thingscape::ResourceId &to);
    void statusMessage(const QString &message);
    // The search field's text is applied to the tree.
    void filterApplied();
    // Its first matches show while the rest of the tree is still being matched (filterApplied()
    // follows; not on a tree matched in one go).
    void filterFirstRowsShown();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void showContextMenu(const QPoint &pos);
    void applyFilter();
    void updateFilterStatus();
    // Around the filter's layout change: what to keep, then the view around the new result.
    void beforeFilterApplied();
    void afterFilterApplied();
    // Shows model (the filter or the unfiltered tree) in the view, with a new selection model.
    void showModel(QAbstractItemModel *model);
    void connectSelection();
    // A row of the view as a row of the tree model, and back (invalid when not shown).
    QModelIndex toTree(const QModelIndex &viewIndex) const;
    QModelIndex toView(const QModelIndex &treeIndex) const;
    // Unfolds rows below parent breadth first while at most cap rows show; returns whether
    // some stayed folded for the cap.
    bool expandBelow(const QModelIndex &parent, int cap);
    QList<QPersistentModelIndex> expandedTreeRows() const;
    QList<ResourceId> resourcesUnder(const QModelIndex &index) const;
    void setShownResource(const ResourceId &id);
    void noteRowsVanishing(const QModelIndex &parent, int first, int last);
    void clearVanishedCurrent();
    void updateActions();
    void scheduleFit(bool allowShrink);
    void fitColumns();
    // The unfiltered tree as shown: the stats columns, sorted when not by name.
    QAbstractItemModel *unfilteredModel() const;
    void setUpSorting();
    void applySortTo(QSortFilterProxyModel *proxy) const;
    // The header's columns: hidden ones from the settings (or the default), their menu.
    void setUpColumns();
    void readHiddenColumns();
    void applyHiddenColumns();
    void saveHiddenColumns() const;
    // While a filter's first matches show, the rows the user folds or unfolds (kept when the
    // whole result replaces them); then restores them.
    void noteUserFold(const QModelIndex &viewIndex, bool unfolded);
    void restoreUserFolds();

    ResourceStore *m_store;         // Not owned.
    ResourceTreeModel *m_model;     // Not owned.
    EndpointManager *m_endpoints;   // Not owned.
    TreeDecorationProxy *m_decoration;
    TreeCellDelegate *m_cells = nullptr; // the view's
    TreeStatsProxy *m_stats;
    QSortFilterProxyModel *m_sort; // attached only while sorting by something else than name
    int m_sortColumn = -1;
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
    ResourceFilterProxyModel *m_filter;
    QLineEdit *m_search;
    QComboBox *m_mode;
    QLabel *m_filterError;
    QLabel *m_filterStatus; // "filtering…" while a pattern is matched, then how many match
    QTreeView *m_view;
    QTimer *m_highlightTimer;
    QTimer *m_fitTimer;
    QTimer *m_filterTimer;
    // The unfiltered view's unfolded rows (tree model rows) while a filter shows.
    QList<QPersistentModelIndex> m_unfilteredExpanded;
    // What the filter's change keeps: the current row and the selection (tree model rows).
    QPersistentModelIndex m_keptCurrent;
    QList<QPersistentModelIndex> m_keptSelection;
    bool m_keptWasFiltering = false;
    // The kept current row is not among a walk's first matches: kept for its whole result.
    bool m_keptForWholeResult = false;
    // The filter walk whose first matches show (0: none), and what the user unfolded and folded
    // meanwhile (tree rows), put back when its whole result shows.
    quint64 m_firstRowsWalk = 0;
    QList<QPersistentModelIndex> m_userUnfolded;
    QList<QPersistentModelIndex> m_userFolded;
    bool m_autoUnfolding = false; // the dock, not the user, unfolds rows
    QSet<int> m_hiddenColumns;
    QAction *m_copyUri;
    QAction *m_observe;
    QAction *m_stopObserving;
    QElapsedTimer m_sinceLastBatch;
    QElapsedTimer m_sinceLastKey; // the search field's last edit
    QStringList m_systemNames;
    ResourceId m_shown;            // what currentResourceChanged last announced
    bool m_currentVanishing = false; // the current row is being filtered out or removed
    bool m_fitting = false;
    bool m_fitMayShrink = false;
    QSet<int> m_userSizedColumns;  // columns the user sized by hand keep their width
    QHash<ResourceId, bool> m_userObserved; // what the user asked for, overriding the default
};

} // namespace thingscape
