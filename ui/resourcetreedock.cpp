#include "resourcetreedock.h"

#include "livetreeview.h"
#include "treecelldelegate.h"
#include "treeheaderview.h"
#include "treedecorationproxy.h"

#include "model/proxychain.h"
#include "model/treestatsproxy.h"

#include "model/resource.h"
#include "model/rule.h"
#include "model/resourcefilterproxymodel.h"
#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "protocols/endpointmanager.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QCompleter>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QJsonObject>
#include <QPushButton>
#include <QStringListModel>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPointer>
#include <QScrollBar>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>
#include <iterator>
#include <memory>

namespace thingscape {

namespace {

// QTreeView lays out again on every expand() unless a layout is pending anyway: unfolding
// hundreds of rows one by one cost O(rows) each.
class TreeView : public LiveTreeView
{
public:
    using LiveTreeView::LiveTreeView;
    using QTreeView::scheduleDelayedItemsLayout;
};

QString idsText(const QList<ResourceId> &ids)
{
    QStringList lines;
    for (const ResourceId &id : ids)
        lines.append(id.toString());
    return lines.join(QLatin1Char('\n'));
}

} // namespace

ResourceTreeDock::ResourceTreeDock(ResourceStore *store, ResourceTreeModel *model, EndpointManager *endpoints,
                                   QWidget *parent)
    : QDockWidget(tr("Resources"), parent)
    , m_store(store)
    , m_model(model)
    , m_endpoints(endpoints)
    , m_decoration(new TreeDecorationProxy(model, this))
    , m_stats(new TreeStatsProxy(m_decoration, model, this))
    , m_sort(new QSortFilterProxyModel(this))
    , m_filter(new ResourceFilterProxyModel(this))
    , m_search(new QLineEdit(this))
    , m_mode(new QComboBox(this))
    , m_filterError(new QLabel(this))
    , m_filterStatus(new QLabel(this))
    , m_view(new TreeView(this))
    , m_highlightTimer(new QTimer(this))
    , m_fitTimer(new QTimer(this))
    , m_filterTimer(new QTimer(this))
    , m_copyUri(new QAction(tr("&Copy URI"), this))
    , m_observe(new QAction(tr("&Observe"), this))
    , m_stopObserving(new QAction(tr("&Stop observing"), this))
{
    setObjectName(QStringLiteral("resourceTreeDock"));
    // A view the user works in: rows arriving by the hundred thousand go in small slices.
    m_model->setInsertAtOnce(kInsertAtOnce);
    // The filter is attached only while a pattern is set: attached, it maps rows as they arrive
    // (and a 100,000-row load left it mappings that took 90 ms to drop on the first keystroke).
    // Connected before the view gets either model, so this runs before the selection model
    // moves the current row to a neighbour: a row that goes clears the details, never swaps them.
    for (QAbstractItemModel *shown : {static_cast<QAbstractItemModel *>(m_filter), static_cast<QAbstractItemModel *>(m_stats), static_cast<QAbstractItemModel *>(m_sort)}) {
        connect(shown, &QAbstractItemModel::rowsAboutToBeRemoved, this,
                [this, shown](const QModelIndex &parent, int first, int last) {
                    if (m_view->model() == shown)
                        noteRowsVanishing(parent, first, last);
                });
        connect(shown, &QAbstractItemModel::rowsRemoved, this, &ResourceTreeDock::clearVanishedCurrent);
    }

    m_search->setObjectName(QStringLiteral("treeSearch"));
    m_search->setPlaceholderText(tr("Filter resources (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    m_mode->setObjectName(QStringLiteral("treeSearchMode"));
    m_mode->addItem(tr("Text"), int(ResourceFilterProxyModel::Mode::Substring));
    m_mode->addItem(tr("MQTT filter"), int(ResourceFilterProxyModel::Mode::MqttWildcard));
    m_mode->addItem(tr("Regex"), int(ResourceFilterProxyModel::Mode::Regex));
    m_mode->setToolTip(tr("Text: substring of name or URI. MQTT filter: '+' one level, '#' the rest. "
                          "Regex: a regular expression on the URI."));
    m_filterError->setTextFormat(Qt::PlainText);
    m_filterError->setStyleSheet(QStringLiteral("color: palette(highlight);"));
    m_filterError->hide();
    m_filterStatus->setObjectName(QStringLiteral("treeFilterStatus"));
    m_filterStatus->setTextFormat(Qt::PlainText);
    m_filterStatus->setEnabled(false); // greyed: a note, not a control
    m_filterStatus->hide();

    m_view->setObjectName(QStringLiteral("resourceTree"));
    m_view->setHeader(new TreeHeaderView(m_view));
    m_view->setModel(m_stats);
    m_view->setUniformRowHeights(true);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setDragEnabled(true);
    m_view->setDragDropMode(QAbstractItemView::DragOnly);
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    m_view->setAlternatingRowColors(true);
    // Nothing in the tree is edited in place (endpoints are renamed in Connections).
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    // Long URIs keep their scheme, host and last level in view.
    m_view->setTextElideMode(Qt::ElideMiddle);
    // Columns are sized to their content by fitColumns(); the Name column takes what is left.
    m_view->header()->setStretchLastSection(false);
    m_view->header()->setSectionResizeMode(QHeaderView::Interactive);
    m_view->header()->setMinimumSectionSize(m_view->fontMetrics().horizontalAdvance(QStringLiteral("MQTT")));
    // Fitted to the rows in view only (refitted as it scrolls): by default a fit measured 1,000
    // rows x 5 columns of text, 50 ms a time on an unfolded tree, once a second under load.
    m_view->header()->setResizeContentsPrecision(0);
    m_view->viewport()->installEventFilter(this);
    m_view->installEventFilter(this);
    // Counts, rates and times in short forms, the exact figure in the cell's tooltip.
    m_cells = new TreeCellDelegate(ResourceTreeModel::LastUpdateColumn,
                                   m_stats->columnOf(TreeStatsProxy::ResourcesColumn), m_view);
    m_view->setItemDelegate(m_cells);

    auto *searchRow = new QHBoxLayout;
    searchRow->addWidget(m_search, 1);
    searchRow->addWidget(m_filterStatus);
    searchRow->addWidget(m_mode);
    auto *content = new QWidget(this);
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(searchRow);
    layout->addWidget(m_filterError);
    layout->addWidget(m_view, 1);
    setWidget(content);

    QSettings settings;
    m_mode->setCurrentIndex(settings.value(QStringLiteral("tree/searchMode"), 0).toInt());
    connect(m_filter, &ResourceFilterProxyModel::aboutToApply, this, &ResourceTreeDock::beforeFilterApplied);
    connect(m_filter, &ResourceFilterProxyModel::applied, this, &ResourceTreeDock::afterFilterApplied);
    m_filterTimer->setSingleShot(true);
    m_filterTimer->setInterval(kFilterDelayMs);
    connect(m_filterTimer, &QTimer::timeout, this, &ResourceTreeDock::applyFilterNow);
    connect(m_search, &QLineEdit::textChanged, this, &ResourceTreeDock::applyFilter);
    connect(m_mode, &QComboBox::currentIndexChanged, this, [this](int index) {
        QSettings().setValue(QStringLiteral("tree/searchMode"), index);
        applyFilterNow();
    });
    connect(m_view, &QTreeView::customContextMenuRequested, this, &ResourceTreeDock::showContextMenu);
    connectSelection();

    // Column widths follow the content, computed once things settle, never per message.
    m_fitTimer->setSingleShot(true);
    connect(m_fitTimer, &QTimer::timeout, this, &ResourceTreeDock::fitColumns);
    for (QAbstractItemModel *shown : {static_cast<QAbstractItemModel *>(m_filter), static_cast<QAbstractItemModel *>(m_stats), static_cast<QAbstractItemModel *>(m_sort)}) {
        const auto ifShown = [this, shown](auto f) {
            return [this, shown, f] {
                if (m_view->model() == shown)
                    f();
            };
        };
        connect(shown, &QAbstractItemModel::rowsInserted, this, ifShown([this] { scheduleFit(false); }));
        if (shown == m_filter) {
            // Matches arriving or going change the count.
            connect(shown, &QAbstractItemModel::rowsInserted, this, &ResourceTreeDock::updateFilterStatus);
            connect(shown, &QAbstractItemModel::rowsRemoved, this, &ResourceTreeDock::updateFilterStatus);
        }
        connect(shown, &QAbstractItemModel::rowsRemoved, this, ifShown([this] { scheduleFit(true); }));
        connect(shown, &QAbstractItemModel::modelReset, this, ifShown([this] { scheduleFit(true); }));
        connect(shown, &QAbstractItemModel::layoutChanged, this, ifShown([this] { scheduleFit(true); }));
        // New values may need more room, but a second's delay is fine and costs far less.
        connect(shown, &QAbstractItemModel::dataChanged, this, ifShown([this] {
                    if (!m_fitTimer->isActive())
                        m_fitTimer->start(1000);
                }));
    }
    connect(m_view, &QTreeView::expanded, this, [this](const QModelIndex &index) {
        noteUserFold(index, true);
        scheduleFit(false);
    });
    connect(m_view->verticalScrollBar(), &QScrollBar::valueChanged, this, [this] { scheduleFit(false); });
    connect(m_view, &QTreeView::collapsed, this, [this](const QModelIndex &index) {
        noteUserFold(index, false);
        scheduleFit(true);
    });
    connect(m_view->header(), &QHeaderView::sectionResized, this, [this](int column) {
        if (!m_fitting)
            m_userSizedColumns.insert(column);
    });
    // A double click on a divider hands the column back to automatic sizing.
    connect(m_view->header(), &QHeaderView::sectionHandleDoubleClicked, this, [this](int column) {
        m_userSizedColumns.remove(column);
        scheduleFit(true);
    });

    // The count and rate columns are redrawn where they show, not signalled row by row (a
    // million new rows would be); a sort by them needs the rows (see sortBy()).
    m_stats->setRowSignals(false);
    connect(m_stats, &TreeStatsProxy::statsRefreshed, this, [this] {
        m_view->viewport()->update();
        if (!m_fitTimer->isActive())
            m_fitTimer->start(1000);
    });

    // The highlight fades by itself: repaint for a moment after each batch, then stop.
    m_highlightTimer->setInterval(100);
    connect(m_highlightTimer, &QTimer::timeout, this, [this] {
        m_view->viewport()->update();
        if (m_sinceLastBatch.elapsed() > TreeDecorationProxy::kHighlightMs + 200)
            m_highlightTimer->stop();
    });
    connect(m_store, &ResourceStore::batchApplied, this, [this] {
        m_sinceLastBatch.start();
        if (!m_highlightTimer->isActive())
            m_highlightTimer->start();
    });

    // Ctrl+C copies the URIs while the tree has the focus; elsewhere it stays the usual copy.
    m_copyUri->setObjectName(QStringLiteral("copyUriAction"));
    m_copyUri->setShortcut(QKeySequence::Copy);
    m_copyUri->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(m_copyUri, &QAction::triggered, this, &ResourceTreeDock::copySelectedUris);
    m_view->addAction(m_copyUri);
    m_observe->setObjectName(QStringLiteral("observeAction"));
    m_observe->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_B));
    connect(m_observe, &QAction::triggered, this, [this] { observeSelected(true); });
    m_stopObserving->setObjectName(QStringLiteral("stopObservingAction"));
    m_stopObserving->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_B));
    connect(m_stopObserving, &QAction::triggered, this, [this] { observeSelected(false); });
    updateActions();
    setUpSorting();
    setUpColumns();
}

bool ResourceTreeDock::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_view->viewport() && event->type() == QEvent::Resize)
        scheduleFit(true);
    // '*' unfolds everything below the current row: capped, since on a million rows the view
    // froze for 19 s and took 1.2 GB for it.
    if (watched == m_view && event->type() == QEvent::KeyPress
        && static_cast<QKeyEvent *>(event)->key() == Qt::Key_Asterisk) {
        const QModelIndex current = m_view->currentIndex();
        if (current.isValid()) {
            m_view->expand(current);
            if (expandBelow(current, kExpandCap))
                Q_EMIT statusMessage(tr("Unfolded the first %1 rows; the rest stays folded").arg(kExpandCap));
        }
        return true;
    }
    return QDockWidget::eventFilter(watched, event);
}

void ResourceTreeDock::connectSelection()
{
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex &current) {
                // A row on its way out moved the current index: clearVanishedCurrent() decides.
                if (m_currentVanishing)
                    return;
                // A row picked while a filter's first rows show is what stays.
                if (current.isValid())
                    m_keptForWholeResult = false;
                setShownResource(
                    ResourceId::parse(current.data(ResourceTreeModel::ResourceIdRole).toString()).value_or(ResourceId()));
                updateActions();
            });
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &ResourceTreeDock::updateActions);
}

void ResourceTreeDock::showModel(QAbstractItemModel *model)
{
    QItemSelectionModel *old = m_view->selectionModel();
    m_view->setModel(model);
    // The view made a new one and leaves the old one to whoever made it. Deleted now, not
    // later: this never runs from the old one's own signals.
    if (old && old != m_view->selectionModel())
        delete old;
    connectSelection();
    applyHiddenColumns();
}

QModelIndex ResourceTreeDock::toTree(const QModelIndex &viewIndex) const
{
    return mapDownTo(m_model, viewIndex);
}

QModelIndex ResourceTreeDock::toView(const QModelIndex &treeIndex) const
{
    return mapUpFrom(m_model, m_view->model(), treeIndex);
}

bool ResourceTreeDock::expandBelow(const QModelIndex &parent, int cap)
{
    // Depth first, in order, so the first matches show down to their leaves. A row unfolds
    // when its children fit; the tree's own count (at least what the filter shows) answers
    // that without making the filter map a row it will not show.
    static_cast<TreeView *>(m_view)->scheduleDelayedItemsLayout();
    const QAbstractItemModel *model = m_view->model();
    int shown = model->rowCount(parent);
    bool capped = false;
    struct Frame
    {
        QModelIndex index;
        int next;
        int rows;
    };
    std::vector<Frame> stack{Frame{parent, 0, model->rowCount(parent)}};
    while (!stack.empty() && shown < cap) {
        Frame &top = stack.back();
        if (top.next >= top.rows) {
            stack.pop_back();
            continue;
        }
        const QModelIndex child = model->index(top.next++, 0, top.index);
        const int treeRows = m_model->rowCount(toTree(child));
        if (treeRows == 0)
            continue;
        // Too many in the tree: the filter may still show few of them. Counted from the filter's
        // marks (up to what fits), not by mapping the row: at 1,000,000 that mapped hundreds of
        // thousands of rows that stay folded.
        if (shown + treeRows > cap && model == m_filter) {
            const int fits = cap - shown;
            int filtered = m_filter->shownChildrenUpTo(toTree(child), fits + 1);
            if (filtered < 0 && treeRows <= kExpandCountLimit)
                filtered = model->rowCount(child);
            if (filtered < 0 || filtered > fits) {
                capped = true;
                continue;
            }
        } else if (shown + treeRows > cap) {
            capped = true;
            continue;
        }
        const int rows = model->rowCount(child);
        shown += rows;
        m_view->expand(child);
        stack.push_back(Frame{child, 0, rows});
    }
    return capped || shown >= cap;
}

QList<QPersistentModelIndex> ResourceTreeDock::expandedTreeRows() const
{
    // Only the unfolded part is walked.
    QList<QPersistentModelIndex> rows;
    const QAbstractItemModel *model = m_view->model();
    QList<QModelIndex> stack{QModelIndex()};
    while (!stack.isEmpty()) {
        const QModelIndex at = stack.takeLast();
        const int count = model->rowCount(at);
        for (int row = 0; row < count; ++row) {
            const QModelIndex child = model->index(row, 0, at);
            if (m_view->isExpanded(child)) {
                rows.append(toTree(child));
                stack.append(child);
            }
        }
    }
    return rows;
}

void ResourceTreeDock::setShownResource(const ResourceId &id)
{
    if (id == m_shown)
        return;
    m_shown = id;
    Q_EMIT currentResourceChanged(id);
}

void ResourceTreeDock::noteRowsVanishing(const QModelIndex &parent, int first, int last)
{
    if (!m_view->selectionModel())
        return;
    for (QModelIndex index = m_view->currentIndex(); index.isValid(); index = index.parent()) {
        if (index.parent() == parent && index.row() >= first && index.row() <= last) {
            m_currentVanishing = true;
            return;
        }
    }
}

void ResourceTreeDock::clearVanishedCurrent()
{
    if (!m_currentVanishing)
        return;
    // The selection stays where it is or goes: it never moves to a row the user did not pick.
    m_view->selectionModel()->clear();
    m_currentVanishing = false;
    setShownResource(ResourceId());
    updateActions();
}

bool ResourceTreeDock::isObserved(const ResourceId &id) const
{
    const auto asked = m_userObserved.constFind(id);
    if (asked != m_userObserved.cend())
        return asked.value();
    const Resource *resource = m_store->find(id);
    if (!resource)
        return false;
    // MQTT topics arrive through the endpoint's subscriptions; CoAP and HTTP resources that
    // say they are observable are observed when the endpoint connects.
    return id.protocol() == Protocol::Mqtt || resource->metadata().observable.valueOr(false);
}

void ResourceTreeDock::updateActions()
{
    const QList<ResourceId> ids = selectedResources();
    bool anyObserved = false;
    bool anyUnobserved = false;
    for (const ResourceId &id : ids) {
        if (isObserved(id))
            anyObserved = true;
        else
            anyUnobserved = true;
    }
    m_observe->setEnabled(anyUnobserved);
    m_stopObserving->setEnabled(anyObserved);
    m_copyUri->setEnabled(m_view->currentIndex().isValid() || m_view->selectionModel()->hasSelection());
}

void ResourceTreeDock::scheduleFit(bool allowShrink)
{
    m_fitMayShrink = m_fitMayShrink || allowShrink;
    if (!m_fitTimer->isActive() || m_fitTimer->remainingTime() > 150)
        m_fitTimer->start(150);
}

void ResourceTreeDock::fitColumns()
{
    // Every column as wide as its widest shown cell (and its header), so nothing is cut but a
    // long value; the Name column takes the spare width. Widths only grow while values change, so columns do
    // not jitter; they shrink when rows go, fold or the tree is resized.
    QHeaderView *header = m_view->header();
    const auto *view = static_cast<const QAbstractItemView *>(m_view);
    const bool mayShrink = m_fitMayShrink;
    m_fitMayShrink = false;
    m_fitting = true;
    int others = 0;
    for (int column = ResourceTreeModel::NameColumn + 1; column < m_view->model()->columnCount(); ++column) {
        if (header->isSectionHidden(column))
            continue;
        if (!m_userSizedColumns.contains(column)) {
            int width = std::max(view->sizeHintForColumn(column), header->sectionSizeHint(column));
            // A long value (a SenML pack's JSON) would push the columns after it out of view:
            // the Value column takes at most a third of the tree, the value elided and whole
            // in the cell's tooltip and the details.
            const int cap = column == ResourceTreeModel::ValueColumn
                                ? std::max(header->sectionSizeHint(column), m_view->viewport()->width() / 3)
                                : std::numeric_limits<int>::max();
            if (!mayShrink)
                width = std::max(width, std::min(cap, header->sectionSize(column)));
            width = std::min(width, cap);
            header->resizeSection(column, width);
        }
        others += header->sectionSize(column);
    }
    if (!m_userSizedColumns.contains(ResourceTreeModel::NameColumn)) {
        const int needed = std::max(view->sizeHintForColumn(ResourceTreeModel::NameColumn),
                                    header->sectionSizeHint(ResourceTreeModel::NameColumn));
        header->resizeSection(ResourceTreeModel::NameColumn, std::max(needed, m_view->viewport()->width() - others));
    }
    m_fitting = false;
}

void ResourceTreeDock::applyFilter()
{
    // On a large tree a burst of keys would walk it per key: keys that come fast wait for
    // typing to settle. A key after a pause applies at once (the answer is what the user waits
    // for; a walk still going when the next key comes is abandoned for the new one).
    // Counted from when the last key was handled: keys that queued up behind it are a burst.
    const bool burst = m_sinceLastKey.isValid() && m_sinceLastKey.elapsed() < kFilterDelayMs;
    if (m_store->size() > kFilterDelayRows && (burst || m_filterTimer->isActive()))
        m_filterTimer->start();
    else
        applyFilterNow();
    m_sinceLastKey.start();
}

void ResourceTreeDock::applyFilterNow()
{
    m_filterTimer->stop();
    const auto mode = ResourceFilterProxyModel::Mode(m_mode->currentData().toInt());
    // The filter matches the tree (in slices on a large one) and then applies it in one
    // layout change, with beforeFilterApplied() and afterFilterApplied() around it.
    if (!m_search->text().isEmpty() && !m_filter->sourceModel()) {
        m_filter->setSourceModel(m_stats);
        applySortTo(m_filter);
    }
    m_filter->setFilter(mode, m_search->text());
    const bool valid = m_filter->isValid();
    m_filterError->setVisible(!valid);
    m_filterError->setText(valid ? QString() : m_filter->errorString());
    updateFilterStatus();
}

void ResourceTreeDock::updateFilterStatus()
{
    QString text;
    if (m_filter->isApplying()) {
        text = tr("filtering…");
    } else if (const qint64 matches = m_filter->matchCount(); matches >= 0) {
        text = matches == 1 ? tr("1 match") : tr("%L1 matches").arg(matches);
    }
    m_filterStatus->setText(text);
    m_filterStatus->setVisible(!text.isEmpty());
}

void ResourceTreeDock::beforeFilterApplied()
{
    const bool filtering = !m_filter->pattern().isEmpty();
    m_keptWasFiltering = m_view->model() == m_filter;
    // What stays: the current row and the selection, as rows of the tree (unless a walk's first
    // matches left them out: then those of before it).
    if (!m_keptForWholeResult) {
        m_keptCurrent = toTree(m_view->currentIndex());
        m_keptSelection.clear();
        for (const QModelIndex &index : m_view->selectionModel()->selectedRows())
            m_keptSelection.append(toTree(index));
    }
    if (filtering && !m_keptWasFiltering)
        m_unfilteredExpanded = expandedTreeRows();
    // What the user folded and unfolded among a walk's first matches stays for its whole
    // result, not for another pattern's.
    if (m_firstRowsWalk == 0 || m_firstRowsWalk != m_filter->walkSerial() || !filtering) {
        m_userUnfolded.clear();
        m_userFolded.clear();
    }
    m_firstRowsWalk = 0;
    // Every unfolded row is a persistent index the filter's change has to map: fold first.
    if (m_keptWasFiltering)
        m_view->collapseAll();
}

void ResourceTreeDock::afterFilterApplied()
{
    const bool filtering = !m_filter->pattern().isEmpty();
    const bool wasFiltering = m_keptWasFiltering;
    if (filtering != wasFiltering)
        showModel(filtering ? static_cast<QAbstractItemModel *>(m_filter) : unfilteredModel());

    QItemSelectionModel *selection = m_view->selectionModel();
    const QModelIndex shownCurrent = toView(m_keptCurrent);
    // Only the walk's first matches show: a row it has not reached yet may still match.
    const bool firstRows = filtering && m_filter->isApplying();
    const bool keptForWholeResult = m_keptForWholeResult;
    m_keptForWholeResult = firstRows && m_keptCurrent.isValid() && !shownCurrent.isValid();
    if (m_keptForWholeResult) {
        // Not shown yet, maybe later: the details stay on it meanwhile.
        m_currentVanishing = true;
        selection->clear();
        m_currentVanishing = false;
    } else if (m_keptCurrent.isValid() && !shownCurrent.isValid()) {
        // Filtered out: the selection goes, it never moves to a row the user did not pick.
        selection->clear();
        setShownResource(ResourceId());
        updateActions();
    } else if (filtering != wasFiltering || keptForWholeResult) {
        QItemSelection kept;
        for (const QPersistentModelIndex &row : std::as_const(m_keptSelection)) {
            const QModelIndex shownRow = toView(row);
            if (shownRow.isValid())
                kept.select(shownRow, shownRow.siblingAtColumn(m_view->model()->columnCount(shownRow.parent()) - 1));
        }
        selection->select(kept, QItemSelectionModel::ClearAndSelect);
        if (shownCurrent.isValid())
            selection->setCurrentIndex(shownCurrent, QItemSelectionModel::NoUpdate);
    }
    if (!m_keptForWholeResult) {
        m_keptCurrent = QPersistentModelIndex();
        m_keptSelection.clear();
    }
    if (!filtering && m_view->model() != m_filter && m_filter->sourceModel())
        m_filter->setSourceModel(nullptr);
    if (filtering) {
        m_autoUnfolding = true;
        expandBelow({}, kExpandCap);
        m_autoUnfolding = false;
        restoreUserFolds();
        if (firstRows)
            m_firstRowsWalk = m_filter->walkSerial();
    } else if (wasFiltering && !m_unfilteredExpanded.isEmpty()) {
        for (const QPersistentModelIndex &row : std::as_const(m_unfilteredExpanded))
            m_view->expand(toView(row));
        m_unfilteredExpanded.clear();
    }
    // A new model starts with default column widths: fit them now, not a timer later, so the
    // rows just shown are never drawn in 100-pixel columns.
    if (filtering != wasFiltering)
        fitColumns();
    if (shownCurrent.isValid())
        m_view->scrollTo(shownCurrent);
    updateFilterStatus();
    if (firstRows)
        Q_EMIT filterFirstRowsShown();
    else
        Q_EMIT filterApplied();
}

ResourceId ResourceTreeDock::currentResource() const
{
    return ResourceId::parse(m_view->currentIndex().data(ResourceTreeModel::ResourceIdRole).toString())
        .value_or(ResourceId());
}

QList<ResourceId> ResourceTreeDock::selectedResources() const
{
    QList<ResourceId> ids;
    for (const QModelIndex &index : m_view->selectionModel()->selectedRows()) {
        if (!index.data(ResourceTreeModel::HasResourceRole).toBool())
            continue;
        if (auto id = ResourceId::parse(index.data(ResourceTreeModel::ResourceIdRole).toString()))
            ids.append(*id);
    }
    if (ids.isEmpty() && currentResource().isValid()
        && m_view->currentIndex().data(ResourceTreeModel::HasResourceRole).toBool())
        ids.append(currentResource());
    return ids;
}

void ResourceTreeDock::selectResource(const ResourceId &id)
{
    const QModelIndex source = m_model->indexForId(id);
    if (!source.isValid())
        return;
    const QModelIndex index = toView(source);
    if (!index.isValid())
        return;
    m_view->scrollTo(index);
    m_view->setCurrentIndex(index);
}

void ResourceTreeDock::setSystemNames(const QStringList &names)
{
    m_systemNames = names;
}

QList<ResourceId> ResourceTreeDock::resourcesUnder(const QModelIndex &index) const
{
    const QString prefix = index.data(ResourceTreeModel::ResourceIdRole).toString();
    QList<ResourceId> ids;
    for (const Resource *resource : m_store->findUnder(prefix))
        ids.append(resource->id());
    return ids;
}

void ResourceTreeDock::readSelected()
{
    const QList<ResourceId> ids = selectedResources();
    for (const ResourceId &id : ids) {
        QPointer<ResourceTreeDock> self = this;
        m_endpoints->read(id, [self, id](const ReadResult &result) {
            if (self && !result.result.ok())
                Q_EMIT self->statusMessage(tr("Read %1 failed: %2").arg(id.toString(), result.result.error));
        });
    }
    if (!ids.isEmpty())
        Q_EMIT statusMessage(tr("Reading %n resource(s)…", nullptr, int(ids.size())));
}

void ResourceTreeDock::observeSelected(bool observe)
{
    for (const ResourceId &id : selectedResources()) {
        m_userObserved.insert(id, observe);
        if (!observe) {
            m_endpoints->unobserve(id);
            continue;
        }
        QPointer<ResourceTreeDock> self = this;
        m_endpoints->observe(id, [self, id](const Result &result) {
            if (!self)
                return;
            if (!result.ok()) {
                self->m_userObserved.insert(id, false);
                self->updateActions();
                Q_EMIT self->statusMessage(tr("Observe %1 failed: %2").arg(id.toString(), result.error));
            } else if (!result.notice.isEmpty()) {
                Q_EMIT self->statusMessage(result.notice);
            }
        });
    }
    updateActions();
}

void ResourceTreeDock::copySelectedUris()
{
    QStringList uris;
    for (const QModelIndex &index : m_view->selectionModel()->selectedRows())
        uris.append(index.data(ResourceTreeModel::ResourceIdRole).toString());
    if (uris.isEmpty())
        return;
    QApplication::clipboard()->setText(uris.join(QLatin1Char('\n')));
    Q_EMIT statusMessage(tr("Copied %n URI(s)", nullptr, int(uris.size())));
}

void ResourceTreeDock::clearRetainedSelected()
{
    // The connector's own clear (an empty retained message on the topic itself, never on a
    // Home Assistant / Homie command topic): a row with children clears its whole subtree.
    struct Target
    {
        ResourceId id;
        bool recursive = false;
    };
    QList<Target> targets;
    QList<ResourceId> retained;
    for (const QModelIndex &index : m_view->selectionModel()->selectedRows()) {
        const std::optional<ResourceId> id = ResourceId::parse(index.data(ResourceTreeModel::ResourceIdRole).toString());
        if (!id || !m_endpoints->capabilities(m_endpoints->endpointFor(*id)).testFlag(Capability::RetainedValues))
            continue;
        bool any = false;
        for (const ResourceId &under : resourcesUnder(index)) {
            const Resource *resource = m_store->find(under);
            if (resource && resource->metadata().retained.valueOr(false)) {
                any = true;
                if (!retained.contains(under))
                    retained.append(under);
            }
        }
        if (any)
            targets.append(Target{*id, index.model()->hasChildren(index) || id->topic().isEmpty()});
    }
    if (targets.isEmpty()) {
        Q_EMIT statusMessage(tr("Nothing retained to clear here."));
        return;
    }
    const QString where = targets.size() == 1 ? targets.first().id.toString() : tr("%n selected rows", nullptr, int(targets.size()));
    QMessageBox confirm(QMessageBox::Warning, tr("Clear retained"),
                        tr("Clear %n retained topic(s) under %1? Other clients will no longer receive them.", nullptr,
                           int(retained.size()))
                            .arg(where),
                        QMessageBox::Yes | QMessageBox::Cancel, this);
    confirm.setTextFormat(Qt::PlainText);
    confirm.setDetailedText(idsText(retained));
    confirm.setDefaultButton(QMessageBox::Cancel);
    if (confirm.exec() != QMessageBox::Yes)
        return;
    struct Outcome
    {
        qsizetype pending = 0;
        int cleared = 0;
        QStringList errors;
    };
    auto outcome = std::make_shared<Outcome>();
    outcome->pending = targets.size();
    QPointer<ResourceTreeDock> self = this;
    Q_EMIT statusMessage(tr("Clearing %n retained topic(s)…", nullptr, int(retained.size())));
    for (const Target &target : std::as_const(targets)) {
        m_endpoints->clearRetained(target.id, target.recursive, [self, outcome](const ClearResult &result) {
            outcome->cleared += result.cleared;
            if (!result.result.ok())
                outcome->errors.append(result.result.error);
            if (--outcome->pending > 0 || !self)
                return;
            const QString done = tr("Cleared %n retained topic(s)", nullptr, outcome->cleared);
            Q_EMIT self->statusMessage(done);
            if (!outcome->errors.isEmpty()) {
                auto *box = new QMessageBox(QMessageBox::Warning, tr("Clear retained"),
                                            done + QLatin1String(".\n") + outcome->errors.join(QLatin1Char('\n')),
                                            QMessageBox::Ok, self);
                box->setObjectName(QStringLiteral("clearRetainedError"));
                box->setTextFormat(Qt::PlainText);
                box->setAttribute(Qt::WA_DeleteOnClose);
                box->open(); // not exec(): this runs from a callback
            }
        });
    }
}

void ResourceTreeDock::showContextMenu(const QPoint &pos)
{
    const QModelIndex index = m_view->indexAt(pos);
    if (!index.isValid())
        return;
    const bool hasResource = index.data(ResourceTreeModel::HasResourceRole).toBool();
    const bool mqtt = index.data(ResourceTreeModel::ProtocolRole).toString() == QLatin1String("mqtt");
    const QList<ResourceId> ids = selectedResources();

    QMenu menu(this);
    QAction *read = menu.addAction(tr("&Read now"), this, &ResourceTreeDock::readSelected);
    read->setShortcut(QKeySequence(Qt::Key_F5));
    read->setEnabled(hasResource);
    QAction *write = menu.addAction(tr("&Write…"), this, [this] { Q_EMIT writeRequested(currentResource()); });
    write->setEnabled(hasResource);
    updateActions();
    menu.addAction(m_observe);
    menu.addAction(m_stopObserving);
    if (!mqtt) {
        // HTTP without a stream and CoAP without Observe are polled; each resource can have its own pace.
        menu.addAction(tr("&Polling interval…"), this, [this, ids] {
            if (ids.isEmpty())
                return;
            bool ok = false;
            const double current = m_endpoints->pollInterval(ids.first()) / 1000.0;
            const double seconds = QInputDialog::getDouble(this, tr("Polling interval"),
                                                           tr("Poll every (seconds) when the resource has no stream:"),
                                                           current, 0.1, 86400, 1, &ok);
            if (!ok)
                return;
            for (const ResourceId &id : ids)
                m_endpoints->setPollInterval(id, int(seconds * 1000));
            Q_EMIT statusMessage(tr("Polling %n resource(s) every %1 s", nullptr, int(ids.size())).arg(seconds));
        })->setEnabled(hasResource);
    }
    menu.addSeparator();
    menu.addAction(m_copyUri);
    QMenu *systems = menu.addMenu(tr("Add to s&ystem"));
    systems->setEnabled(!ids.isEmpty());
    for (const QString &name : std::as_const(m_systemNames))
        systems->addAction(name, this, [this, name, ids] { Q_EMIT addToSystemRequested(name, ids); });
    if (!m_systemNames.isEmpty())
        systems->addSeparator();
    systems->addAction(tr("&New system…"), this, [this, ids] { Q_EMIT newSystemRequested(ids); });
    menu.addSeparator();
    menu.addAction(tr("New r&ule triggered by this…"), this, &ResourceTreeDock::newRuleForCurrent)->setEnabled(hasResource);
    menu.addAction(tr("&Bridge to…"), this, [this] { bridgeFrom(currentResource()); })->setEnabled(hasResource);
    if (mqtt) {
        menu.addSeparator();
        menu.addAction(tr("C&lear retained"), this, &ResourceTreeDock::clearRetainedSelected);
    }
    menu.exec(m_view->viewport()->mapToGlobal(pos));
}

void ResourceTreeDock::newRuleForCurrent()
{
    const ResourceId id = currentResource();
    if (!id.isValid())
        return;
    const Resource *resource = m_store->find(id);
    Q_EMIT newRuleRequested(id, resource ? resource->title() : id.toString());
}

QDialog *ResourceTreeDock::bridgeFrom(const ResourceId &from)
{
    if (!from.isValid())
        return nullptr;
    auto *dialog = new QDialog(this);
    dialog->setObjectName(QStringLiteral("bridgeDialog"));
    dialog->setWindowTitle(tr("Bridge to"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    auto *source = new QLabel(from.toString(), dialog);
    source->setTextFormat(Qt::PlainText);
    source->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *target = new QLineEdit(dialog);
    target->setObjectName(QStringLiteral("bridgeTarget"));
    target->setPlaceholderText(tr("mqtt://host:1883/topic, coap://host/path, http://host/thing/property"));
    // Every known URI, so a target is picked by typing a few letters of it; capped so that a
    // store of a million resources does not stall the dialog.
    constexpr qsizetype kMaxCompletions = 100000;
    QStringList uris;
    for (const Resource *resource : m_store->resources()) {
        if (uris.size() >= kMaxCompletions)
            break;
        if (resource->id() != from)
            uris.append(resource->id().toString());
    }
    uris.sort();
    auto *completer = new QCompleter(new QStringListModel(uris, dialog), dialog);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    completer->setFilterMode(Qt::MatchContains);
    completer->setModelSorting(QCompleter::CaseSensitivelySortedModel);
    target->setCompleter(completer);
    auto *problem = new QLabel(dialog);
    problem->setObjectName(QStringLiteral("bridgeProblem"));
    problem->setTextFormat(Qt::PlainText);
    problem->setWordWrap(true);
    problem->hide();
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dialog);
    auto *form = new QFormLayout(dialog);
    form->addRow(tr("Every update of:"), source);
    form->addRow(tr("Is written to:"), target);
    form->addRow(problem);
    form->addRow(buttons);
    dialog->resize(560, dialog->sizeHint().height());
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, dialog, [this, dialog, from, target, problem] {
        // Checked as the rules list would check it; a mistake keeps the dialog and its text.
        QString error;
        const QString text = target->text().trimmed();
        const std::optional<ResourceId> to = ResourceId::parse(text, &error);
        if (text.isEmpty()) {
            error = tr("Enter the URI the updates are written to.");
        } else if (!to) {
            error = tr("Not a resource URI: %1").arg(error);
        } else {
            RuleProblem ruleProblem;
            const QJsonObject bridge{{QStringLiteral("bridge"), from.toString()}, {QStringLiteral("to"), to->toString()}};
            if (!RuleSet::parseRule(bridge, &ruleProblem))
                error = tr("Not a bridge: %1").arg(ruleProblem.message);
        }
        if (!error.isEmpty()) {
            problem->setText(error);
            problem->show();
            // Tall enough for the message at the dialog's width (it wraps).
            dialog->layout()->activate();
            const int height = dialog->layout()->hasHeightForWidth() ? dialog->layout()->totalHeightForWidth(dialog->width())
                                                                     : dialog->sizeHint().height();
            dialog->resize(dialog->width(), std::max(dialog->height(), height));
            target->setFocus();
            return;
        }
        dialog->accept();
        Q_EMIT bridgeRequested(from, *to);
    });
    dialog->setWindowModality(Qt::WindowModal);
    dialog->show();
    target->setFocus();
    return dialog;
}

// Sorting: by name the view shows the tree's own natural order through no sorting proxy (one
// would map every unfolded row of a million); by anything else through m_sort, or through the
// filter itself while one shows.

namespace {

const char *const kSortKeys[] = {"resources", "messages", "messageRate", "byteRate"};

} // namespace

QAbstractItemModel *ResourceTreeDock::unfilteredModel() const
{
    return m_sortColumn >= 0 ? static_cast<QAbstractItemModel *>(m_sort) : static_cast<QAbstractItemModel *>(m_stats);
}

void ResourceTreeDock::applySortTo(QSortFilterProxyModel *proxy) const
{
    proxy->setSortRole(TreeStatsProxy::SortKeyRole);
    proxy->sort(m_sortColumn, m_sortOrder);
}

void ResourceTreeDock::setUpSorting()
{
    QHeaderView *header = m_view->header();
    header->setSectionsClickable(true);
    header->setSortIndicatorShown(true);
    header->setSortIndicator(ResourceTreeModel::NameColumn, Qt::AscendingOrder);
    connect(header, &QHeaderView::sortIndicatorChanged, this, [this](int column, Qt::SortOrder order) {
        const bool sortable = column == ResourceTreeModel::LastUpdateColumn
            || column >= m_stats->columnOf(TreeStatsProxy::ResourcesColumn);
        if (column == ResourceTreeModel::NameColumn)
            sortBy(-1, Qt::AscendingOrder);
        else if (!sortable)
            sortBy(m_sortColumn, m_sortOrder); // puts the indicator back
        else
            // Busiest and newest first when a column is picked; a second click turns it round.
            sortBy(column, column == m_sortColumn ? order : Qt::DescendingOrder);
    });
    QSettings settings;
    const QString key = settings.value(QStringLiteral("tree/sortBy")).toString();
    const auto order = settings.value(QStringLiteral("tree/sortOrder"), int(Qt::DescendingOrder)).toInt() == int(Qt::AscendingOrder)
        ? Qt::AscendingOrder
        : Qt::DescendingOrder;
    if (key == QLatin1String("lastUpdate"))
        sortBy(ResourceTreeModel::LastUpdateColumn, order);
    for (int i = 0; i < int(std::size(kSortKeys)); ++i) {
        if (key == QLatin1String(kSortKeys[i]))
            sortBy(m_stats->columnOf(TreeStatsProxy::Column(i)), order);
    }
}

void ResourceTreeDock::sortBy(int column, Qt::SortOrder order)
{
    const int statsFirst = m_stats->columnOf(TreeStatsProxy::ResourcesColumn);
    if (column != ResourceTreeModel::LastUpdateColumn && (column < statsFirst || column >= m_stats->columnCount())) {
        column = -1;
        order = Qt::AscendingOrder;
    }
    if (column != m_sortColumn || order != m_sortOrder) {
        // What stays: the current row, the selection and the unfolded rows, as rows of the tree.
        const bool filtering = m_view->model() == m_filter;
        const QPersistentModelIndex current = toTree(m_view->currentIndex());
        QList<QPersistentModelIndex> selected;
        for (const QModelIndex &index : m_view->selectionModel()->selectedRows())
            selected.append(toTree(index));
        const QList<QPersistentModelIndex> expanded = filtering ? QList<QPersistentModelIndex>() : expandedTreeRows();
        m_sortColumn = column;
        m_sortOrder = order;
        m_stats->setRowSignals(column >= 0);
        QString key;
        if (column == ResourceTreeModel::LastUpdateColumn)
            key = QStringLiteral("lastUpdate");
        else if (column >= statsFirst)
            key = QLatin1String(kSortKeys[column - statsFirst]);
        QSettings settings;
        settings.setValue(QStringLiteral("tree/sortBy"), key);
        settings.setValue(QStringLiteral("tree/sortOrder"), int(order));
        if (column >= 0) {
            if (m_sort->sourceModel() != m_stats)
                m_sort->setSourceModel(m_stats);
            applySortTo(m_sort);
        }
        if (m_filter->sourceModel())
            applySortTo(m_filter); // a layout change: the view keeps its rows by itself
        if (!filtering && m_view->model() != unfilteredModel()) {
            showModel(unfilteredModel());
            for (const QPersistentModelIndex &row : expanded)
                m_view->expand(toView(row));
            QItemSelection kept;
            for (const QPersistentModelIndex &row : std::as_const(selected)) {
                const QModelIndex shownRow = toView(row);
                if (shownRow.isValid())
                    kept.select(shownRow, shownRow.siblingAtColumn(m_view->model()->columnCount(shownRow.parent()) - 1));
            }
            m_view->selectionModel()->select(kept, QItemSelectionModel::ClearAndSelect);
            if (const QModelIndex shownCurrent = toView(current); shownCurrent.isValid())
                m_view->selectionModel()->setCurrentIndex(shownCurrent, QItemSelectionModel::NoUpdate);
            fitColumns();
        }
        if (column < 0 && m_sort->sourceModel())
            m_sort->setSourceModel(nullptr);
        if (m_view->currentIndex().isValid())
            m_view->scrollTo(m_view->currentIndex());
    }
    const QSignalBlocker blocker(m_view->header());
    m_view->header()->setSortIndicator(m_sortColumn < 0 ? int(ResourceTreeModel::NameColumn) : m_sortColumn, m_sortOrder);
    m_view->header()->viewport()->update();
    // Only the sorted column has room for the arrow (TreeHeaderView): the widths change.
    scheduleFit(true);
}

// Folds and unfolds while a filter's first matches show.

void ResourceTreeDock::noteUserFold(const QModelIndex &viewIndex, bool unfolded)
{
    if (m_autoUnfolding || m_firstRowsWalk == 0 || m_view->model() != m_filter)
        return;
    const QPersistentModelIndex row = toTree(viewIndex);
    if (!row.isValid())
        return;
    m_userUnfolded.removeAll(row);
    m_userFolded.removeAll(row);
    (unfolded ? m_userUnfolded : m_userFolded).append(row);
}

void ResourceTreeDock::restoreUserFolds()
{
    m_autoUnfolding = true;
    for (const QPersistentModelIndex &row : std::as_const(m_userFolded)) {
        if (const QModelIndex shown = toView(row); shown.isValid())
            m_view->collapse(shown);
    }
    // With the rows above it: where the whole result unfolds less than its first rows did, the
    // row the user opened still shows.
    for (const QPersistentModelIndex &row : std::as_const(m_userUnfolded)) {
        for (QModelIndex shown = toView(row); shown.isValid(); shown = shown.parent())
            m_view->expand(shown);
    }
    m_autoUnfolding = false;
    if (!m_filter->isApplying()) {
        m_userUnfolded.clear();
        m_userFolded.clear();
    }
}

// Columns: which show, from the header's context menu.

namespace {

// Settings keys, by column: the tree's own, then the count and rate columns.
const char *const kTreeColumnKeys[] = {"name", "value", "unit", "lastUpdate", "protocol"};
static_assert(std::size(kTreeColumnKeys) == ResourceTreeModel::ColumnCount);
static_assert(std::size(kSortKeys) == TreeStatsProxy::ColumnCount);

QString columnKey(int column)
{
    if (column < 0)
        return {};
    if (column < int(std::size(kTreeColumnKeys)))
        return QLatin1String(kTreeColumnKeys[column]);
    column -= int(std::size(kTreeColumnKeys));
    return column < int(std::size(kSortKeys)) ? QLatin1String(kSortKeys[column]) : QString();
}

const QString kHiddenColumnsKey = QStringLiteral("tree/hiddenColumns");

} // namespace

void ResourceTreeDock::setUpColumns()
{
    QHeaderView *header = m_view->header();
    header->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(header, &QHeaderView::customContextMenuRequested, this, [this, header](const QPoint &pos) {
        QMenu *menu = makeColumnsMenu(this);
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->popup(header->viewport()->mapToGlobal(pos));
    });
    readHiddenColumns();
}

void ResourceTreeDock::readHiddenColumns()
{
    QSettings settings;
    const QStringList hidden = settings.contains(kHiddenColumnsKey)
        ? settings.value(kHiddenColumnsKey).toStringList()
        : QStringList{columnKey(ResourceTreeModel::UnitColumn), columnKey(ResourceTreeModel::ProtocolColumn),
                      columnKey(m_stats->columnOf(TreeStatsProxy::ResourcesColumn)),
                      columnKey(m_stats->columnOf(TreeStatsProxy::ByteRateColumn))};
    for (int column = ResourceTreeModel::NameColumn + 1; column < m_stats->columnCount(); ++column) {
        if (hidden.contains(columnKey(column)))
            m_hiddenColumns.insert(column);
    }
    applyHiddenColumns();
}

void ResourceTreeDock::applyHiddenColumns()
{
    // Hiding and showing resize sections: not the user's sizing.
    QHeaderView *header = m_view->header();
    const bool wasFitting = m_fitting;
    m_fitting = true;
    for (int column = 0; column < header->count(); ++column) {
        if (header->isSectionHidden(column) != m_hiddenColumns.contains(column))
            header->setSectionHidden(column, m_hiddenColumns.contains(column));
    }
    m_fitting = wasFitting;
    m_cells->setUnitInValue(m_hiddenColumns.contains(ResourceTreeModel::UnitColumn));
    m_view->viewport()->update();
}

void ResourceTreeDock::saveHiddenColumns() const
{
    QStringList keys;
    for (int column = 0; column < m_stats->columnCount(); ++column) {
        if (m_hiddenColumns.contains(column))
            keys.append(columnKey(column));
    }
    QSettings().setValue(kHiddenColumnsKey, keys);
}

bool ResourceTreeDock::isColumnShown(int column) const
{
    return column >= 0 && column < m_stats->columnCount() && !m_hiddenColumns.contains(column);
}

void ResourceTreeDock::setColumnShown(int column, bool shown)
{
    // The names always show: a tree without them says nothing.
    if (column <= ResourceTreeModel::NameColumn || column >= m_stats->columnCount() || isColumnShown(column) == shown)
        return;
    if (shown)
        m_hiddenColumns.remove(column);
    else
        m_hiddenColumns.insert(column);
    saveHiddenColumns();
    applyHiddenColumns();
    // A column shown again is fitted to its content; the Name column takes what is left.
    m_userSizedColumns.remove(column);
    fitColumns();
}

QMenu *ResourceTreeDock::makeColumnsMenu(QWidget *parent)
{
    auto *menu = new QMenu(parent);
    menu->setObjectName(QStringLiteral("treeColumnsMenu"));
    const QAbstractItemModel *model = m_view->model();
    for (int column = 0; column < m_stats->columnCount(); ++column) {
        QString title = model->headerData(column, Qt::Horizontal).toString();
        if (const QString tip = model->headerData(column, Qt::Horizontal, Qt::ToolTipRole).toString(); !tip.isEmpty())
            title = tr("%1 (%2)").arg(title, tip);
        QAction *action = menu->addAction(title);
        action->setObjectName(QStringLiteral("showColumn_") + columnKey(column));
        action->setCheckable(true);
        action->setChecked(isColumnShown(column));
        action->setEnabled(column != ResourceTreeModel::NameColumn);
        connect(action, &QAction::toggled, this, [this, column](bool on) { setColumnShown(column, on); });
    }
    menu->addSeparator();
    QAction *fit = menu->addAction(tr("&Fit columns to their content"), this, [this] {
        m_userSizedColumns.clear();
        m_fitMayShrink = true;
        fitColumns();
    });
    fit->setObjectName(QStringLiteral("fitColumnsAction"));
    QAction *defaults = menu->addAction(tr("&Default columns"), this, [this] {
        QSettings().remove(kHiddenColumnsKey);
        m_hiddenColumns.clear();
        m_userSizedColumns.clear();
        readHiddenColumns();
        m_fitMayShrink = true;
        fitColumns();
    });
    defaults->setObjectName(QStringLiteral("defaultColumnsAction"));
    return menu;
}

} // namespace thingscape
