#include "dashboardsdock.h"

#include "dashboardview.h"
#include "tiledialog.h"
#include "tilefactory.h"
#include "tilewidget.h"

#include "model/resourcestore.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/recorder.h"
#include "protocols/engine/secretprovider.h"

#include <QDateTime>
#include <QInputDialog>
#include <QMenu>
#include <QTabBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolButton>
#include <QUndoCommand>
#include <QUndoStack>
#include <QVBoxLayout>

namespace thingscape {

namespace {

// One edit of the dashboards list: both states kept whole (a workspace has few dashboards).
class DashboardsCommand : public QUndoCommand
{
public:
    DashboardsCommand(DashboardsDock *dock, QList<Dashboard> before, QList<Dashboard> after, const QString &text)
        : QUndoCommand(text)
        , m_dock(dock)
        , m_before(std::move(before))
        , m_after(std::move(after))
    {
    }

    void undo() override { m_dock->applySnapshot(m_before); }
    void redo() override { m_dock->applySnapshot(m_after); }

private:
    DashboardsDock *m_dock; // Not owned: the dock outlives the window's undo stack entries it pushed.
    QList<Dashboard> m_before;
    QList<Dashboard> m_after;
};

// The tile of dashboard index in a (detached) copy of the dashboards, or null.
Tile *findTile(QList<Dashboard> *dashboards, int index, const QString &tileId)
{
    if (index < 0 || index >= dashboards->size())
        return nullptr;
    Dashboard &dashboard = (*dashboards)[index];
    const qsizetype at = dashboard.indexOf(tileId);
    return at < 0 ? nullptr : &dashboard.tiles[at];
}

} // namespace

DashboardsDock::DashboardsDock(Engine *engine, QUndoStack *undoStack, QWidget *parent)
    : QDockWidget(tr("Dashboards"), parent)
    , m_engine(engine)
    , m_undoStack(undoStack)
    , m_source(engine->store())
    , m_recorded(&m_source)
    , m_tabs(new QTabWidget(this))
    , m_ageTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("dashboardsDock"));
    m_context.source = &m_recorded;
    m_context.store = engine->store();
    m_context.endpoints = engine->endpoints();

    auto *content = new QWidget(this);
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 0);
    m_tabs->setDocumentMode(true);
    m_tabs->setMovable(false);
    auto *corner = new QWidget(m_tabs);
    auto *cornerLayout = new QHBoxLayout(corner);
    cornerLayout->setContentsMargins(0, 0, 0, 0);
    auto *addTileButton = new QToolButton(corner);
    addTileButton->setText(tr("Add tile"));
    addTileButton->setObjectName(QStringLiteral("addTile"));
    addTileButton->setPopupMode(QToolButton::InstantPopup);
    auto *addMenu = new QMenu(addTileButton);
    const std::pair<TileKind, QString> kinds[] = {
        {TileKind::LineChart, tr("Line chart")}, {TileKind::Gauge, tr("Gauge")},         {TileKind::Value, tr("Value")},
        {TileKind::State, tr("State")},          {TileKind::LastSeen, tr("Last seen")}, {TileKind::Control, tr("Control")},
        {TileKind::Log, tr("Log")},
    };
    for (const auto &[kind, name] : kinds) {
        const TileKind k = kind;
        addMenu->addAction(name, this, [this, k] {
            int index = currentIndex();
            if (index < 0)
                index = addDashboard(tr("Dashboard"));
            Tile tile;
            tile.kind = k;
            tile.columnSpan = k == TileKind::LineChart || k == TileKind::Log || k == TileKind::LastSeen ? 2 : 1;
            if (addTile(index, tile))
                editTileDialog(index, m_dashboards.at(index).tiles.last().id);
        });
    }
    addTileButton->setMenu(addMenu);
    auto *boardButton = new QToolButton(corner);
    boardButton->setText(tr("Dashboard"));
    boardButton->setObjectName(QStringLiteral("dashboardMenu"));
    boardButton->setPopupMode(QToolButton::InstantPopup);
    auto *boardMenu = new QMenu(boardButton);
    boardMenu->addAction(tr("New dashboard…"), this, [this] {
        bool ok = false;
        const QString name = QInputDialog::getText(this, tr("New dashboard"), tr("Name:"), QLineEdit::Normal,
                                                   tr("Dashboard %1").arg(m_dashboards.size() + 1), &ok);
        if (ok && !name.trimmed().isEmpty())
            addDashboard(name.trimmed());
    });
    boardMenu->addAction(tr("Rename…"), this, [this] {
        const int index = currentIndex();
        if (index < 0)
            return;
        bool ok = false;
        const QString name = QInputDialog::getText(this, tr("Rename dashboard"), tr("Name:"), QLineEdit::Normal,
                                                   m_dashboards.at(index).name, &ok);
        if (ok && !name.trimmed().isEmpty())
            renameDashboard(index, name.trimmed());
    });
    boardMenu->addAction(tr("Remove"), this, [this] {
        if (currentIndex() >= 0)
            removeDashboard(currentIndex());
    });
    boardButton->setMenu(boardMenu);
    cornerLayout->addWidget(addTileButton);
    cornerLayout->addWidget(boardButton);
    m_tabs->setCornerWidget(corner, Qt::TopRightCorner);
    layout->addWidget(m_tabs);
    setWidget(content);

    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        if (!m_rebuilding)
            redrawNow();
    });
    connect(engine->store(), &ResourceStore::batchApplied, this, &DashboardsDock::onBatch);
    connect(&m_clock, &FrameClock::frame, this, &DashboardsDock::onFrame);
    connect(engine, &Engine::loaded, this, &DashboardsDock::loadFromEngine);
    connect(&m_recorded, &RecordingSeriesSource::filled, &m_clock, &FrameClock::requestFrame);
    connect(engine->recorder(), &Recorder::stateChanged, this, &DashboardsDock::followRecording);
    followRecording();
    // Ages, "since" and live time windows move with time alone: once a second, while shown.
    m_ageTimer->setInterval(1000);
    connect(m_ageTimer, &QTimer::timeout, this, [this] {
        DashboardView *view = currentView();
        if (view && view->isVisible() && view->followsClock())
            m_clock.requestFrame();
    });
    m_ageTimer->start();
    loadFromEngine();
}

int DashboardsDock::currentIndex() const
{
    return m_tabs->currentIndex();
}

void DashboardsDock::setCurrentIndex(int index)
{
    m_tabs->setCurrentIndex(index);
}

DashboardView *DashboardsDock::view(int index) const
{
    return qobject_cast<DashboardView *>(m_tabs->widget(index));
}

DashboardView *DashboardsDock::currentView() const
{
    return view(m_tabs->currentIndex());
}

void DashboardsDock::loadFromEngine()
{
    DashboardProblem problem;
    const auto parsed = Dashboard::parseList(m_engine->dashboardsJson(), &problem);
    if (parsed) {
        m_problem.clear();
        m_dashboards = *parsed;
    } else {
        // Kept in the engine as they were (a save writes them back untouched); not shown.
        m_problem = tr("The workspace's dashboards were not loaded: %1 at %2").arg(problem.message, problem.pointer());
        m_dashboards.clear();
    }
    rebuild();
}

void DashboardsDock::applySnapshot(const QList<Dashboard> &dashboards)
{
    m_dashboards = dashboards;
    m_problem.clear();
    m_engine->setDashboards(Dashboard::listToJson(m_dashboards));
    rebuild();
}

void DashboardsDock::rebuild()
{
    m_rebuilding = true;
    const int current = std::max(0, m_tabs->currentIndex());
    while (m_tabs->count() > 0) {
        QWidget *old = m_tabs->widget(0);
        m_tabs->removeTab(0);
        delete old;
    }
    for (const Dashboard &dashboard : std::as_const(m_dashboards)) {
        auto *view = new DashboardView(dashboard, m_context, m_tabs);
        const int index = m_tabs->addTab(view, dashboard.name);
        Q_UNUSED(index);
        const QString name = dashboard.name;
        auto indexOfView = [this, view] { return m_tabs->indexOf(view); };
        connect(view, &DashboardView::resourcesDropped, this,
                [this, indexOfView](const QList<ResourceId> &ids) { addResources(indexOfView(), ids); });
        connect(view, &DashboardView::sourcesDropped, this,
                [this, indexOfView](const QList<TileSource> &sources) { addSources(indexOfView(), sources); });
        connect(view, &DashboardView::editRequested, this,
                [this, indexOfView](const QString &id) { editTileDialog(indexOfView(), id); });
        connect(view, &DashboardView::duplicateRequested, this,
                [this, indexOfView](const QString &id) { duplicateTile(indexOfView(), id); });
        connect(view, &DashboardView::removeRequested, this,
                [this, indexOfView](const QString &id) { removeTile(indexOfView(), id); });
        // The moved tile keeps the focus, so Ctrl+arrows can go on.
        connect(view, &DashboardView::moveRequested, this, [this, indexOfView](const QString &id, int dx, int dy) {
            moveTile(indexOfView(), id, dx, dy);
            focusTile(id);
        });
        connect(view, &DashboardView::resizeRequested, this, [this, indexOfView](const QString &id, int dw, int dh) {
            resizeTile(indexOfView(), id, dw, dh);
            focusTile(id);
        });
    }
    if (m_tabs->count() > 0)
        m_tabs->setCurrentIndex(std::min(current, m_tabs->count() - 1));
    m_rebuilding = false;
    watch();
    redrawNow();
}

void DashboardsDock::followRecording()
{
    const QString database = m_engine->recorder()->database();
    if (!database.isEmpty() && !database.startsWith(QLatin1String("postgres")))
        m_recorded.setDatabase(database);
}

void DashboardsDock::focusTile(const QString &tileId)
{
    if (DashboardView *view = currentView()) {
        if (TileWidget *tile = view->tile(tileId))
            tile->setFocus(Qt::OtherFocusReason);
    }
}

void DashboardsDock::watch()
{
    m_watched.clear();
    for (const Dashboard &dashboard : std::as_const(m_dashboards)) {
        for (const Tile &tile : dashboard.tiles) {
            for (const TileSource &source : tile.sources)
                m_watched.insert(source.seriesId());
        }
    }
}

void DashboardsDock::onBatch(const StoreBatch &batch)
{
    if (m_clock.isPending() || m_watched.isEmpty())
        return;
    for (const QList<const Resource *> *list : {&batch.changed, &batch.added}) {
        for (const Resource *resource : *list) {
            if (m_watched.contains(resource->id())) {
                m_clock.requestFrame();
                return;
            }
        }
    }
}

void DashboardsDock::onFrame()
{
    DashboardView *view = currentView();
    if (view && view->isVisible())
        view->refresh(QDateTime::currentMSecsSinceEpoch());
}

void DashboardsDock::redrawNow()
{
    if (DashboardView *view = currentView())
        view->refresh(QDateTime::currentMSecsSinceEpoch(), true);
}

void DashboardsDock::edit(const QList<Dashboard> &after, const QString &text)
{
    if (after == m_dashboards)
        return;
    m_undoStack->push(new DashboardsCommand(this, m_dashboards, after, text));
}

int DashboardsDock::addDashboard(const QString &name)
{
    QList<Dashboard> after = m_dashboards;
    Dashboard dashboard;
    dashboard.name = name;
    after.append(dashboard);
    edit(after, tr("New dashboard %1").arg(name));
    m_tabs->setCurrentIndex(int(after.size()) - 1);
    return int(after.size()) - 1;
}

void DashboardsDock::removeDashboard(int index)
{
    if (index < 0 || index >= m_dashboards.size())
        return;
    QList<Dashboard> after = m_dashboards;
    const QString name = after.takeAt(index).name;
    edit(after, tr("Remove dashboard %1").arg(name));
}

void DashboardsDock::renameDashboard(int index, const QString &name)
{
    if (index < 0 || index >= m_dashboards.size())
        return;
    QList<Dashboard> after = m_dashboards;
    after[index].name = name;
    edit(after, tr("Rename dashboard to %1").arg(name));
}

bool DashboardsDock::addTile(int index, Tile tile)
{
    if (index < 0 || index >= m_dashboards.size())
        return false;
    QList<Dashboard> after = m_dashboards;
    Dashboard &dashboard = after[index];
    tile.id = dashboard.freeTileId();
    dashboard.placeFree(&tile);
    if (dashboard.overlaps(tile))
        return false;
    dashboard.tiles.append(tile);
    edit(after, tr("Add %1 tile").arg(tileKindName(tile.kind)));
    return true;
}

bool DashboardsDock::replaceTile(int index, const Tile &tile)
{
    if (index < 0 || index >= m_dashboards.size())
        return false;
    QList<Dashboard> after = m_dashboards;
    const qsizetype at = after[index].indexOf(tile.id);
    if (at < 0 || after[index].overlaps(tile))
        return false;
    after[index].tiles[at] = tile;
    edit(after, tr("Edit tile %1").arg(tile.title.isEmpty() ? tile.id : tile.title));
    return true;
}

bool DashboardsDock::duplicateTile(int index, const QString &tileId)
{
    if (index < 0 || index >= m_dashboards.size())
        return false;
    const qsizetype at = m_dashboards.at(index).indexOf(tileId);
    if (at < 0)
        return false;
    Tile copy = m_dashboards.at(index).tiles.at(at);
    QList<Dashboard> after = m_dashboards;
    copy.id = after[index].freeTileId();
    after[index].placeFree(&copy);
    if (after[index].overlaps(copy))
        return false;
    after[index].tiles.insert(at + 1, copy);
    edit(after, tr("Duplicate tile"));
    return true;
}

bool DashboardsDock::removeTile(int index, const QString &tileId)
{
    if (index < 0 || index >= m_dashboards.size())
        return false;
    QList<Dashboard> after = m_dashboards;
    const qsizetype at = after[index].indexOf(tileId);
    if (at < 0)
        return false;
    after[index].tiles.removeAt(at);
    edit(after, tr("Remove tile"));
    return true;
}

bool DashboardsDock::moveTile(int index, const QString &tileId, int dx, int dy)
{
    QList<Dashboard> after = m_dashboards;
    Tile *found = findTile(&after, index, tileId);
    if (!found)
        return false;
    Dashboard &dashboard = after[index];
    Tile tile = *found;
    tile.column += dx;
    tile.row += dy;
    if (tile.column < 0 || tile.row < 0 || tile.column + tile.columnSpan > dashboard.columns
        || tile.row + tile.rowSpan > Dashboard::kMaxGrid)
        return false;
    // A tile in the way swaps places with it when they have the same size.
    for (Tile &other : dashboard.tiles) {
        if (other.id != tile.id && other.column == tile.column && other.row == tile.row
            && other.columnSpan == tile.columnSpan && other.rowSpan == tile.rowSpan) {
            other.column -= dx;
            other.row -= dy;
            break;
        }
    }
    *found = tile;
    Dashboard check = dashboard;
    for (const Tile &t : std::as_const(check.tiles)) {
        if (check.overlaps(t))
            return false;
    }
    edit(after, tr("Move tile"));
    return true;
}

bool DashboardsDock::resizeTile(int index, const QString &tileId, int dw, int dh)
{
    QList<Dashboard> after = m_dashboards;
    Tile *found = findTile(&after, index, tileId);
    if (!found)
        return false;
    const Dashboard &dashboard = after.at(index);
    Tile tile = *found;
    tile.columnSpan += dw;
    tile.rowSpan += dh;
    if (tile.columnSpan < 1 || tile.rowSpan < 1 || tile.column + tile.columnSpan > dashboard.columns
        || tile.row + tile.rowSpan > Dashboard::kMaxGrid || dashboard.overlaps(tile))
        return false;
    *found = tile;
    edit(after, tr("Resize tile"));
    return true;
}

void DashboardsDock::addResources(int index, const QList<ResourceId> &ids)
{
    QList<TileSource> sources;
    for (const ResourceId &id : ids) {
        TileSource source;
        source.resource = id;
        sources.append(source);
    }
    addSources(index, sources);
}

void DashboardsDock::addSources(int index, const QList<TileSource> &sources)
{
    if (sources.isEmpty())
        return;
    // No dashboard yet: a new one, in the same undo step as its tiles.
    if (index < 0 || index >= m_dashboards.size())
        index = int(m_dashboards.size());
    QList<Dashboard> after = m_dashboards;
    if (index >= after.size()) {
        Dashboard dashboard;
        dashboard.name = tr("Dashboard");
        after.append(dashboard);
    }
    Dashboard &dashboard = after[index];
    Tile chart;
    chart.kind = TileKind::LineChart;
    chart.columnSpan = std::min(2, dashboard.columns);
    QList<Tile> others;
    for (const TileSource &source : sources) {
        const Resource *resource = m_engine->store()->find(source.seriesId());
        const TileKind kind = source.pointer.isEmpty() ? TileFactory::suggestedKind(resource)
                                                       : TileFactory::suggestedKind(resource, source.pointer);
        if (kind == TileKind::LineChart) {
            chart.sources.append(source);
        } else {
            Tile tile = TileFactory::tileFor(source.resource, kind, resource);
            tile.sources = {source};
            others.append(tile);
        }
    }
    if (!chart.sources.isEmpty())
        others.prepend(chart);
    for (Tile &tile : others) {
        tile.columnSpan = std::min(tile.columnSpan, dashboard.columns);
        tile.id = dashboard.freeTileId();
        dashboard.placeFree(&tile);
        if (!dashboard.overlaps(tile))
            dashboard.tiles.append(tile);
    }
    edit(after, tr("Add %n tile(s)", nullptr, int(others.size())));
    m_tabs->setCurrentIndex(index);
}

int DashboardsDock::dashboardFromSystem(const System &system)
{
    QList<Dashboard> after = m_dashboards;
    Dashboard dashboard;
    dashboard.name = system.name;
    Tile seen;
    seen.kind = TileKind::LastSeen;
    seen.title = tr("Last seen");
    seen.columnSpan = 2;
    Tile chart;
    chart.kind = TileKind::LineChart;
    chart.columnSpan = 2;
    QList<Tile> others;
    for (const ResourceId &id : system.resources) {
        TileSource source;
        source.resource = id;
        seen.sources.append(source);
        const Resource *resource = m_engine->store()->find(id);
        const TileKind kind = TileFactory::suggestedKind(resource);
        if (kind == TileKind::LineChart)
            chart.sources.append(source);
        else
            others.append(TileFactory::tileFor(id, kind, resource));
    }
    if (!chart.sources.isEmpty())
        others.prepend(chart);
    others.append(seen);
    for (Tile &tile : others) {
        tile.id = dashboard.freeTileId();
        dashboard.placeFree(&tile);
        dashboard.tiles.append(tile);
    }
    after.append(dashboard);
    edit(after, tr("Dashboard from system %1").arg(system.name));
    m_tabs->setCurrentIndex(int(after.size()) - 1);
    return int(after.size()) - 1;
}

void DashboardsDock::editTileDialog(int index, const QString &tileId)
{
    if (index < 0 || index >= m_dashboards.size())
        return;
    const qsizetype at = m_dashboards.at(index).indexOf(tileId);
    if (at < 0)
        return;
    auto *dialog = new TileDialog(m_dashboards.at(index).tiles.at(at), m_dashboards.at(index).columns, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog, index] { replaceTile(index, dialog->tile()); });
    dialog->open();
}

} // namespace thingscape
