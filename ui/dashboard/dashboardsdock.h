#pragma once

#include "tilecontext.h"

#include "model/dashboard/dashboard.h"
#include "model/dashboard/frameclock.h"
#include "model/dashboard/historyseriessource.h"
#include "model/dashboard/recordingseriessource.h"
#include "model/system.h"

#include <QDockWidget>
#include <QSet>

class QTabWidget;
class QTimer;
class QToolButton;
class QUndoStack;

namespace thingscape {

class DashboardView;
class Engine;
struct StoreBatch;

// The workspace's dashboards, one tab each. Every edit (dashboards, tiles: add, move, resize,
// edit, duplicate, remove) is an undo step on the window's stack, and goes to the engine so a
// save keeps it. Tiles redraw on one shared frame clock, only while their sources changed.
class DashboardsDock : public QDockWidget
{
    Q_OBJECT

public:
    DashboardsDock(Engine *engine, QUndoStack *undoStack, QWidget *parent = nullptr);

    const QList<Dashboard> &dashboards() const { return m_dashboards; }
    int currentIndex() const;
    void setCurrentIndex(int index);
    DashboardView *currentView() const;
    DashboardView *view(int index) const;
    FrameClock *frameClock() { return &m_clock; }
    // The tiles' source: the in-memory history, and the recording before it.
    const SeriesSource *seriesSource() const { return &m_recorded; }
    RecordingSeriesSource *recordedSource() { return &m_recorded; }
    // Why the workspace's dashboards could not be read (they are kept as they were, unused).
    QString problem() const { return m_problem; }

    // Undoable edits of the dashboards list; they return false (and change nothing) when the
    // edit is not possible (no room, no such tile).
    void edit(const QList<Dashboard> &after, const QString &text);
    int addDashboard(const QString &name);
    void removeDashboard(int index);
    void renameDashboard(int index, const QString &name);
    bool addTile(int index, Tile tile);
    bool replaceTile(int index, const Tile &tile);
    bool duplicateTile(int index, const QString &tileId);
    bool removeTile(int index, const QString &tileId);
    bool moveTile(int index, const QString &tileId, int dx, int dy);
    bool resizeTile(int index, const QString &tileId, int dw, int dh);
    // Tiles of fitting kinds for resources dropped on a dashboard: numbers go into one chart.
    void addResources(int index, const QList<ResourceId> &ids);
    // The same for sources that may name a field (a JSON pointer): the field's current value
    // picks the kind (a number: the chart; a bool or text: a state; else a log).
    void addSources(int index, const QList<TileSource> &sources);
    // A new dashboard from a system's resources.
    int dashboardFromSystem(const System &system);
    void editTileDialog(int index, const QString &tileId);

    // Used by the undo commands and the workspace loading: no undo step.
    void applySnapshot(const QList<Dashboard> &dashboards);
    // Draws the current dashboard now (tests, screenshots).
    void redrawNow();

private:
    void loadFromEngine();
    void rebuild();
    void onBatch(const StoreBatch &batch);
    void onFrame();
    void watch();
    void focusTile(const QString &tileId);
    // Charts read the recording the recorder writes (SQLite; PostgreSQL would need its password).
    void followRecording();

    Engine *m_engine;         // Not owned.
    QUndoStack *m_undoStack;  // Not owned.
    HistorySeriesSource m_source;
    RecordingSeriesSource m_recorded; // over m_source
    FrameClock m_clock;
    TileContext m_context;
    QList<Dashboard> m_dashboards;
    QSet<ResourceId> m_watched;
    QString m_problem;
    QTabWidget *m_tabs;
    QTimer *m_ageTimer;
    bool m_rebuilding = false;
};

} // namespace thingscape
