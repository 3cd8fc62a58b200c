// Dashboards in the window: every tile kind bound to the simulator's real MQTT, CoAP and HTTP
// resources updates as values arrive; a switch writes through each protocol and then shows
// what the device reports; JSON-pointer series; save and reopen; undo / redo of tile edits.
#include "simulator.h"
#include "testsupport.h"
#include "testwindow.h"

#include "model/dashboard/demodashboard.h"
#include "model/dashboard/seriessource.h"
#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/secretprovider.h"
#include "protocols/endpointmanager.h"
#include "ui/dashboard/controltile.h"
#include "ui/dashboard/dashboardsdock.h"
#include "ui/dashboard/dashboardview.h"
#include "ui/dashboard/gaugetile.h"
#include "ui/dashboard/lastseentile.h"
#include "ui/dashboard/linecharttile.h"
#include "ui/dashboard/logtile.h"
#include "ui/dashboard/statetile.h"
#include "ui/dashboard/tiledialog.h"
#include "ui/dashboard/tilefactory.h"
#include "ui/dashboard/valuetile.h"
#include "ui/detailsview.h"
#include "ui/mainwindow.h"
#include "ui/resourcetreedock.h"
#include "ui/valuefieldtree.h"
#include "ui/treedecorationproxy.h"
#include "ui/windowmodels.h"
#include "ui/workspacecontroller.h"
#include "ui/writebox.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QMimeData>
#include <QMouseEvent>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

using namespace thingscape;

namespace {

struct Window : testsupport::TestWindow
{
    Window()
    {
        dock()->show();
        dock()->raise();
    }

    DashboardsDock *dock() const { return window->dashboardsDock(); }
    template<typename T>
    T *tile(const QString &id) const
    {
        return qobject_cast<T *>(dock()->currentView() ? dock()->currentView()->tile(id) : nullptr);
    }
};

// Presses the left button on a tile's handle at the centre of one grid cell, moves to the centre
// of another and lets go there, as a user's drag: events straight to the handle, positions as the
// grid lays them out.
void dragHandle(DashboardView *view, QWidget *handle, QPoint fromCell, QPoint toCell)
{
    QWidget *canvas = view->widget();
    const auto send = [handle](QEvent::Type type, const QPoint &global, Qt::MouseButtons buttons) {
        QMouseEvent event(type, handle->mapFromGlobal(global), global, Qt::LeftButton, buttons, Qt::NoModifier);
        QCoreApplication::sendEvent(handle, &event);
    };
    const auto centre = [view, canvas](QPoint cell) {
        return canvas->mapToGlobal(view->cellsRect(cell.x(), cell.y(), 1, 1).center());
    };
    send(QEvent::MouseButtonPress, centre(fromCell), Qt::LeftButton);
    send(QEvent::MouseMove, centre(toCell), Qt::LeftButton);
    // The view may have scrolled to follow the drag: let go where the cell is now.
    send(QEvent::MouseMove, centre(toCell), Qt::LeftButton);
    send(QEvent::MouseButtonRelease, centre(toCell), Qt::NoButton);
}

QRect placeOf(const Dashboard &dashboard, const QString &id)
{
    const Tile &tile = dashboard.tiles.at(dashboard.indexOf(id));
    return QRect(tile.column, tile.row, tile.columnSpan, tile.rowSpan);
}

// Defined below the test class: moc stops reading at a raw string literal.
Dashboard plainDashboard();

} // namespace

class TestDashboards : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void tilesOfEachKindFollowTheSite();
    void switchTilesWriteThroughEachProtocol();
    void dashboardsSurviveSaveAndReopen();
    void tileEditsUndoAndRedo();
    void droppedResourcesAndSystemsMakeTiles();
    void brokenDashboardsAreNamedAndKept();
    void tileDialogNamesMistakes();
    void tilesMoveAndResizeWithMouseAndKeys();
    void detailsFieldDropsAndActionButtons();
};

namespace {

Dashboard plainDashboard()
{
    DashboardProblem problem;
    const auto parsed = Dashboard::parseList(
        QJsonDocument::fromJson(R"([{"name": "Plain", "columns": 4, "layoutHint": "keep me", "tiles": [
            {"id": "a", "kind": "chart", "column": 0, "row": 0, "columnSpan": 2,
             "sources": [{"resource": "mqtt://127.0.0.1:1/x", "pointer": "/t", "color": "#123456"}], "options": {"window": 60}},
            {"id": "b", "kind": "gauge", "column": 2, "row": 0, "sources": ["coap://127.0.0.1:2/y"], "options": {"min": 0, "max": 50}},
            {"id": "c", "kind": "log", "column": 3, "row": 0, "sources": ["http://127.0.0.1:3/z"]}]}])")
            .array(),
        &problem);
    return parsed ? parsed->first() : Dashboard();
}

} // namespace

void TestDashboards::tilesOfEachKindFollowTheSite()
{
    REQUIRE_PROGRAM("mosquitto", "mosquitto");
    testsupport::Simulator sim;
    QVERIFY(sim.start({QStringLiteral("--seed"), QStringLiteral("5"), QStringLiteral("--rate"), QStringLiteral("4")}));
    Window w;
    w.addSimulator(sim);
    w.dock()->applySnapshot({DemoDashboard::make(sim.mqtt, sim.coap, sim.http)});
    QTRY_COMPARE_WITH_TIMEOUT(w.session->endpoints()->connectedCount(), 3, 20000);

    // The chart: a CoAP, an MQTT and an HTTP series, each filling as values arrive
    auto *temps = w.tile<LineChartTile>(QStringLiteral("temps"));
    QVERIFY(temps);
    QTRY_VERIFY_WITH_TIMEOUT(temps->drawn().size() == 3 && !temps->drawn().at(0).points.empty()
                                 && !temps->drawn().at(1).points.empty() && !temps->drawn().at(2).points.empty(),
                             30000);
    const size_t lab = temps->drawn().at(0).points.size();
    QTRY_VERIFY_WITH_TIMEOUT(temps->drawn().at(0).points.size() > lab, 30000);
    // Two units, two axes; the legend carries each series' last value
    QTRY_COMPARE_WITH_TIMEOUT(temps->surface()->axisTitles().size(), 2, 20000);
    QVERIFY2(temps->drawn().at(0).name.startsWith(QStringLiteral("Lab (CoAP): ")), qPrintable(temps->drawn().at(0).name));
    QVERIFY(temps->isLive());

    // The JSON-pointer chart follows the door sensor's fields
    auto *fields = w.tile<LineChartTile>(QStringLiteral("doorsensor"));
    QVERIFY(fields);
    const ResourceId telemetry = *ResourceId::parse(sim.mqtt + QStringLiteral("/site/door-sensor/telemetry"));
    QTRY_VERIFY_WITH_TIMEOUT(fields->drawn().size() == 2 && !fields->drawn().at(1).points.empty(), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const Resource *r = w.session->store()->find(telemetry);
            return r && !fields->drawn().at(1).points.empty()
                   && fields->drawn().at(1).points.back().value == r->value().decoded.toMap().value(QStringLiteral("battery")).toDouble()
                   && fields->drawn().at(0).points.back().value
                          == r->value().decoded.toMap().value(QStringLiteral("temperature")).toDouble();
        }(),
        30000);

    // Gauge, value (a SenML record), state, last seen, log, controls
    auto *gauge = w.tile<GaugeTile>(QStringLiteral("co2"));
    QTRY_VERIFY_WITH_TIMEOUT(gauge->value().has_value(), 30000);
    QCOMPARE(gauge->minimum(), 400.0);
    QCOMPARE(gauge->bands().size(), 3);
    auto *power = w.tile<ValueTile>(QStringLiteral("power"));
    QTRY_VERIFY_WITH_TIMEOUT(power->valueText().endsWith(QStringLiteral(" W")), 30000);
    auto *door = w.tile<StateTile>(QStringLiteral("door"));
    QTRY_VERIFY_WITH_TIMEOUT(door->stateText() == QLatin1String("open") || door->stateText() == QLatin1String("closed"), 30000);
    QVERIFY(door->sinceText().startsWith(QStringLiteral("since ")));
    QCOMPARE(door->stateColor(), QColor(door->stateText() == QLatin1String("open") ? "#e0a000" : "#2ca02c"));
    auto *seen = w.tile<LastSeenTile>(QStringLiteral("seen"));
    QCOMPARE(seen->table()->rowCount(), 4);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (int row = 0; row < 4; ++row) {
                if (!seen->table()->item(row, 1) || seen->table()->item(row, 1)->text() == LastSeenTile::tr("never seen"))
                    return false;
            }
            return true;
        }(),
        30000);
    auto *log = w.tile<LogTile>(QStringLiteral("log"));
    QTRY_VERIFY_WITH_TIMEOUT(!log->lines().isEmpty(), 30000);
    for (const char *id : {"plug", "light", "lamp"}) {
        auto *control = w.tile<ControlTile>(QLatin1String(id));
        QTRY_VERIFY2_WITH_TIMEOUT(control->reportedText().startsWith(QStringLiteral("Reported: ")), id, 30000);
        QCOMPARE(control->writeBox()->editor(), WriteBox::Editor::Switch);
    }
    // Paused, the window stays where it is while values keep coming; Live follows again
    temps->setPaused(true);
    const qint64 to = temps->toMs();
    auto inWindow = [&] {
        return std::count_if(temps->drawn().at(0).points.begin(), temps->drawn().at(0).points.end(),
                             [&](const SeriesPoint &p) { return p.timeMs <= to; });
    };
    const auto drawn = inWindow();
    QTRY_VERIFY_WITH_TIMEOUT(w.session->store()->find(*ResourceId::parse(sim.coap + QStringLiteral("/sensors/temperature")))
                                     ->lastUpdateMs() > to,
                             30000);
    QCOMPARE(temps->toMs(), to);
    temps->refresh(QDateTime::currentMSecsSinceEpoch(), true);
    QCOMPARE(temps->toMs(), to);
    QCOMPARE(inWindow(), drawn); // only the next point beyond the edge may join, to draw the line to it
    temps->goLive();
    QVERIFY(temps->toMs() > to);
    // Zoom in around the middle, then back to live
    const qint64 span = temps->toMs() - temps->fromMs();
    temps->zoom(temps->fromMs() + span / 2, 0.5);
    QVERIFY(!temps->isLive());
    QVERIFY(temps->toMs() - temps->fromMs() < span);
    temps->goLive();
    QCOMPARE(temps->toMs() - temps->fromMs(), span);
    // Exports: PNG, SVG and CSV of what the chart shows
    QTemporaryDir out;
    QVERIFY(temps->exportPng(out.filePath(QStringLiteral("c.png"))));
    QVERIFY(QImage(out.filePath(QStringLiteral("c.png"))).width() > 100);
    QVERIFY(temps->exportSvg(out.filePath(QStringLiteral("c.svg"))));
    QFile svg(out.filePath(QStringLiteral("c.svg")));
    QVERIFY(svg.open(QIODevice::ReadOnly));
    const QByteArray svgText = svg.readAll();
    QVERIFY(svgText.contains("<svg") && svgText.count("<polyline") == 3);
    QVERIFY(temps->exportCsv(out.filePath(QStringLiteral("c.csv"))));
    QFile csv(out.filePath(QStringLiteral("c.csv")));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QList<QByteArray> rows = csv.readAll().split('\n');
    QCOMPARE(rows.first(), QByteArray("time,series,value,unit"));
    QVERIFY(rows.size() > 4);
    QVERIFY(rows.at(1).contains("/sensors/temperature"));
    testsupport::saveShot(w.window.get(), QStringLiteral("dashboard-window"));
    testsupport::saveShot(w.dock()->currentView(), QStringLiteral("dashboard-tiles"));
    if (!qEnvironmentVariableIsEmpty("THINGSCAPE_SCREENSHOT_DIR")) {
        // The whole dashboard as a user gives it the screen: floated at 1366x768.
        w.dock()->setFloating(true);
        w.dock()->resize(1366, 768);
        // Some history for the picture only (THINGSCAPE_SCREENSHOT_WAIT seconds); nothing is judged.
        QTest::qWait(int(qEnvironmentVariable("THINGSCAPE_SCREENSHOT_WAIT", QStringLiteral("1.5")).toDouble() * 1000));
        w.dock()->redrawNow();
        testsupport::saveShot(w.dock(), QStringLiteral("dashboard-full"));
        // And its last row (the WoT action's button), scrolled to
        w.dock()->currentView()->ensureWidgetVisible(w.dock()->currentView()->tile(QStringLiteral("toggle")));
        testsupport::saveShot(w.dock(), QStringLiteral("dashboard-full-bottom"));
    }
}

void TestDashboards::switchTilesWriteThroughEachProtocol()
{
    REQUIRE_PROGRAM("mosquitto", "mosquitto");
    testsupport::Simulator sim;
    QVERIFY(sim.start({QStringLiteral("--seed"), QStringLiteral("6")}));
    Window w;
    w.addSimulator(sim);
    w.dock()->applySnapshot({DemoDashboard::make(sim.mqtt, sim.coap, sim.http)});
    QTRY_COMPARE_WITH_TIMEOUT(w.session->endpoints()->connectedCount(), 3, 20000);
    const struct
    {
        const char *tile;
        QString uri;
    } switches[] = {
        {"plug", sim.mqtt + QStringLiteral("/thingscape/plug/state")},
        {"light", sim.coap + QStringLiteral("/actuators/light")},
        {"lamp", sim.http + QStringLiteral("/things/smart-lamp/properties/on")},
    };
    for (const auto &s : switches) {
        auto *control = w.tile<ControlTile>(QLatin1String(s.tile));
        QVERIFY(control);
        const ResourceId id = *ResourceId::parse(s.uri);
        QTRY_VERIFY2_WITH_TIMEOUT(control->reportedText().startsWith(QStringLiteral("Reported: ")), s.tile, 30000);
        auto *toggle = control->writeBox()->findChild<QCheckBox *>(QStringLiteral("writeSwitch"));
        QVERIFY(toggle && toggle->isVisible());
        const bool wasOn = toggle->isChecked();
        const quint64 updates = w.session->store()->find(id)->updateCount();
        // When the switch is flipped on the tile
        QTest::mouseClick(toggle, Qt::LeftButton, {}, QPoint(8, toggle->height() / 2));
        // Then the write goes out and succeeds
        QTRY_COMPARE_WITH_TIMEOUT(control->outcomeText(), QStringLiteral("Written."), 15000);
        // And the device reports the new state, which the tile shows
        if (id.protocol() != Protocol::Mqtt)
            w.session->endpoints()->read(id, {});
        QTRY_VERIFY2_WITH_TIMEOUT(w.session->store()->find(id)->updateCount() > updates
                                      && control->writeBox()->spec().isOn(w.session->store()->find(id)->value()) == !wasOn,
                                  s.tile, 20000);
        const QString reported = WriteSpec::stateText(w.session->store()->find(id)->value());
        QTRY_VERIFY2_WITH_TIMEOUT(control->reportedText().contains(reported), qPrintable(control->reportedText()), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(toggle->isChecked(), !wasOn, 10000);
    }
    // A write that fails says why on the tile
    auto *lamp = w.tile<ControlTile>(QStringLiteral("lamp"));
    lamp->write("\"not a bool\"", WriteOptions());
    QTRY_VERIFY_WITH_TIMEOUT(lamp->outcomeText().startsWith(QStringLiteral("Write failed: ")), 15000);
    QVERIFY2(lamp->outcomeText().contains(QStringLiteral("400")), qPrintable(lamp->outcomeText()));
    testsupport::saveShot(w.dock()->currentView(), QStringLiteral("dashboard-controls"));
}

void TestDashboards::dashboardsSurviveSaveAndReopen()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("dash.json"));
    QList<Dashboard> saved;
    {
        Window w;
        w.dock()->applySnapshot({plainDashboard()});
        QVERIFY(w.dock()->moveTile(0, QStringLiteral("c"), 0, 1));
        QCOMPARE(w.dock()->addDashboard(QStringLiteral("Second")), 1);
        QVERIFY(w.window->workspace()->isDirty());
        QVERIFY(w.window->workspace()->saveAs(path));
        saved = w.dock()->dashboards();
    }
    Window w;
    QVERIFY(w.window->workspace()->open(path));
    QCOMPARE(w.dock()->dashboards(), saved);
    QCOMPARE(w.dock()->dashboards().at(0).tiles.at(2).row, 1);
    QCOMPARE(w.dock()->dashboards().at(0).extra.value(QStringLiteral("layoutHint")).toString(), QStringLiteral("keep me"));
    QCOMPARE(w.dock()->view(0)->tiles().size(), 3);
    QVERIFY(w.dock()->problem().isEmpty());
    QVERIFY(!w.window->workspace()->isDirty());
}

void TestDashboards::tileEditsUndoAndRedo()
{
    Window w;
    w.dock()->applySnapshot({plainDashboard()});
    QUndoStack *undo = w.window->undoStack();
    undo->clear();
    const QList<Dashboard> start = w.dock()->dashboards();
    QList<QList<Dashboard>> states{start};
    // add, move, resize, duplicate, edit, remove: each one step
    Tile added;
    added.kind = TileKind::Value;
    added.sources.append(TileSource{*ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:1/v")), {}, {}, {}, {}, {}});
    QVERIFY(w.dock()->addTile(0, added));
    states.append(w.dock()->dashboards());
    const QString addedId = w.dock()->dashboards().at(0).tiles.last().id;
    QCOMPARE(w.dock()->dashboards().at(0).tiles.last().row, 1); // the first row is full
    QVERIFY(w.dock()->moveTile(0, addedId, 1, 0));
    states.append(w.dock()->dashboards());
    QVERIFY(w.dock()->resizeTile(0, addedId, 1, 1));
    states.append(w.dock()->dashboards());
    QVERIFY(!w.dock()->resizeTile(0, addedId, 5, 0)); // beyond the grid: refused, no step
    QVERIFY(w.dock()->duplicateTile(0, QStringLiteral("b")));
    states.append(w.dock()->dashboards());
    Tile edited = w.dock()->dashboards().at(0).tiles.at(0);
    edited.title = QStringLiteral("Renamed");
    edited.options.insert(QStringLiteral("window"), 3600);
    QVERIFY(w.dock()->replaceTile(0, edited));
    states.append(w.dock()->dashboards());
    QVERIFY(w.dock()->removeTile(0, QStringLiteral("c")));
    states.append(w.dock()->dashboards());
    QCOMPARE(undo->count(), states.size() - 1);
    QCOMPARE(w.dock()->view(0)->tiles().size(), 4);
    QCOMPARE(qobject_cast<LineChartTile *>(w.dock()->view(0)->tile(QStringLiteral("a")))->windowMs(), 3600000);
    // Undo walks back through every state, the view and the workspace with it
    for (qsizetype i = states.size() - 2; i >= 0; --i) {
        undo->undo();
        QCOMPARE(w.dock()->dashboards(), states.at(i));
        QCOMPARE(w.dock()->view(0)->tiles().size(), states.at(i).at(0).tiles.size());
        QCOMPARE(w.session->engine()->dashboardsJson(), Dashboard::listToJson(states.at(i)));
    }
    // Redo walks forward again
    for (qsizetype i = 1; i < states.size(); ++i) {
        undo->redo();
        QCOMPARE(w.dock()->dashboards(), states.at(i));
    }
}

void TestDashboards::droppedResourcesAndSystemsMakeTiles()
{
    Window w;
    ResourceStore *store = w.session->store();
    // Given a numeric sensor and a text state in the store
    Update number;
    number.id = *ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:1/room/temp"));
    Value v;
    v.timeMs = 1000;
    v.raw = "21.5";
    v.decoded = QCborValue(21.5);
    number.value = v;
    Update text;
    text.id = *ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:1/room/mode"));
    Value t;
    t.timeMs = 1000;
    t.raw = "eco";
    t.decoded = QCborValue(QStringLiteral("eco"));
    text.value = t;
    store->ingest({number, text});
    w.dock()->applySnapshot({plainDashboard()});
    // When both are dropped on the dashboard from the tree
    QMimeData mime;
    mime.setData(QString::fromLatin1(TreeDecorationProxy::kMimeType),
                 QByteArray("mqtt://127.0.0.1:1/room/temp\nmqtt://127.0.0.1:1/room/mode"));
    QWidget *viewport = w.dock()->currentView()->viewport();
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, {});
    QApplication::sendEvent(viewport, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, {});
    QApplication::sendEvent(viewport, &drop);
    // Then a chart for the number and a state for the text are added in one undo step
    QTRY_COMPARE(w.dock()->dashboards().at(0).tiles.size(), 5);
    const QList<Tile> &tiles = w.dock()->dashboards().at(0).tiles;
    QCOMPARE(tiles.at(3).kind, TileKind::LineChart);
    QCOMPARE(tiles.at(3).sources.first().resource, number.id);
    QCOMPARE(tiles.at(4).kind, TileKind::State);
    for (const Tile &tile : tiles)
        QVERIFY(!w.dock()->dashboards().at(0).overlaps(tile));
    w.window->undoStack()->undo();
    QCOMPARE(w.dock()->dashboards().at(0).tiles.size(), 3);
    // And a system becomes a dashboard of its own
    System system;
    system.name = QStringLiteral("Room");
    system.resources = {number.id, text.id};
    QCOMPARE(w.dock()->dashboardFromSystem(system), 1);
    QCOMPARE(w.dock()->dashboards().at(1).name, QStringLiteral("Room"));
    QCOMPARE(w.dock()->dashboards().at(1).tiles.size(), 3); // chart, state, last seen
    QCOMPARE(w.dock()->currentIndex(), 1);
}

void TestDashboards::brokenDashboardsAreNamedAndKept()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("broken.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"thingscape": 1, "dashboards": [{"name": "x", "tiles": [{"kind": "pie"}]}]})");
    file.close();
    Window w;
    QVERIFY(w.window->workspace()->open(path));
    QVERIFY(w.dock()->dashboards().isEmpty());
    QVERIFY2(w.dock()->problem().contains(QStringLiteral("/dashboards/0/tiles/0/kind")), qPrintable(w.dock()->problem()));
    // Kept as they were: a save writes them back
    QCOMPARE(w.window->workspace()->snapshot().dashboards().at(0).toObject().value(QStringLiteral("name")).toString(),
             QStringLiteral("x"));
}

void TestDashboards::tileDialogNamesMistakes()
{
    const Dashboard d = plainDashboard();
    TileDialog dialog(d.tiles.at(0), d.columns);
    QVERIFY(dialog.problem().isEmpty());
    QCOMPARE(dialog.tile(), d.tiles.at(0));
    dialog.sourcesEdit()->setPlainText(QStringLiteral("mqtt://127.0.0.1:1/x /t\ngopher://nowhere/y"));
    QVERIFY2(dialog.problem().contains(QStringLiteral("source line 2")), qPrintable(dialog.problem()));
    dialog.sourcesEdit()->setPlainText(QStringLiteral("mqtt://127.0.0.1:1/x /t\ncoap://127.0.0.1:5/m record=power"));
    QVERIFY(dialog.problem().isEmpty());
    QCOMPARE(dialog.tile().sources.size(), 2);
    QCOMPARE(dialog.tile().sources.at(0).color, QStringLiteral("#123456")); // kept with its source
    QCOMPARE(dialog.tile().sources.at(1).record, QStringLiteral("power"));
    dialog.optionsEdit()->setPlainText(QStringLiteral("{\"window\": "));
    QVERIFY(dialog.problem().startsWith(QStringLiteral("Options: ")));
}

void TestDashboards::tilesMoveAndResizeWithMouseAndKeys()
{
    Window w;
    w.dock()->applySnapshot({plainDashboard()});
    QUndoStack *undo = w.window->undoStack();
    undo->clear();
    const QList<Dashboard> start = w.dock()->dashboards();
    auto place = [&w](const char *id) { return placeOf(w.dock()->dashboards().at(0), QLatin1String(id)); };
    QCOMPARE(place("b"), QRect(2, 0, 1, 1));

    // The grid laid out as the user sees it (after every rebuild)
    auto laidOut = [&w](const char *id) {
        DashboardView *view = w.dock()->currentView();
        const QRect cell = placeOf(w.dock()->dashboards().at(0), QLatin1String(id));
        TileWidget *tile = view ? view->tile(QLatin1String(id)) : nullptr;
        return tile && tile->isVisible()
               && tile->geometry() == view->cellsRect(cell.x(), cell.y(), cell.width(), cell.height());
    };
    QTRY_VERIFY(laidOut("b"));
    // When the gauge's title is dragged one cell down (grabbed in its own cell)
    DashboardView *view = w.dock()->currentView();
    dragHandle(view, view->tile(QStringLiteral("b"))->titleHandle(), {2, 0}, {2, 1});
    // Then it moves there, in one undo step
    QTRY_COMPARE(place("b"), QRect(2, 1, 1, 1));
    QCOMPARE(undo->count(), 1);

    // When the log's grip is dragged into the cell below it
    QTRY_VERIFY(laidOut("c"));
    view = w.dock()->currentView();
    dragHandle(view, view->tile(QStringLiteral("c"))->resizeGrip(), {3, 0}, {3, 1});
    // Then it spans two rows, in one more step
    QTRY_COMPARE(place("c"), QRect(3, 0, 1, 2));
    QCOMPARE(undo->count(), 2);

    // When a drag would put the gauge onto the chart, nothing changes and nothing is pushed
    QTRY_VERIFY(laidOut("b"));
    view = w.dock()->currentView();
    dragHandle(view, view->tile(QStringLiteral("b"))->titleHandle(), {2, 1}, {1, 0});
    QCoreApplication::processEvents(); // the request is queued: let it run and be refused
    QCOMPARE(place("b"), QRect(2, 1, 1, 1));
    QCOMPARE(undo->count(), 2);

    // When the gauge has the focus and Ctrl+Left, then Ctrl+Shift+Down are pressed
    view = w.dock()->currentView();
    view->tile(QStringLiteral("b"))->setFocus();
    QTest::keyClick(view->tile(QStringLiteral("b")), Qt::Key_Left, Qt::ControlModifier);
    QTRY_COMPARE(place("b"), QRect(1, 1, 1, 1));
    // Then the moved tile keeps the focus for the next key
    QTRY_VERIFY(w.dock()->currentView()->tile(QStringLiteral("b"))->hasFocus()
                || QApplication::focusWidget() == w.dock()->currentView()->tile(QStringLiteral("b")));
    QTest::keyClick(w.dock()->currentView()->tile(QStringLiteral("b")), Qt::Key_Down,
                    Qt::ControlModifier | Qt::ShiftModifier);
    QTRY_COMPARE(place("b"), QRect(1, 1, 1, 2));
    QCOMPARE(undo->count(), 4);

    // And every step undoes, back to the start
    for (int i = 0; i < 4; ++i)
        undo->undo();
    QCOMPARE(w.dock()->dashboards(), start);
    undo->redo();
    QCOMPARE(place("b"), QRect(2, 1, 1, 1));
}

void TestDashboards::detailsFieldDropsAndActionButtons()
{
    REQUIRE_PROGRAM("mosquitto", "mosquitto");
    testsupport::Simulator sim;
    QVERIFY(sim.start({QStringLiteral("--seed"), QStringLiteral("8"), QStringLiteral("--rate"), QStringLiteral("4")}));
    Window w;
    w.addSimulator(sim);
    w.dock()->applySnapshot({});
    QTRY_COMPARE_WITH_TIMEOUT(w.session->endpoints()->connectedCount(), 3, 20000);
    ResourceStore *store = w.session->store();

    // Given the door sensor's JSON telemetry shown as a tree in the details view
    const ResourceId telemetry = *ResourceId::parse(sim.mqtt + QStringLiteral("/site/door-sensor/telemetry"));
    QTRY_VERIFY_WITH_TIMEOUT(store->find(telemetry) && store->find(telemetry)->hasValue(), 20000);
    w.window->treeDock()->selectResource(telemetry);
    QTRY_COMPARE(w.window->details()->resourceId(), telemetry);
    ValueFieldTree *fields = w.window->details()->valueTree();
    auto *tabs = w.window->details()->findChild<QTabWidget *>(QStringLiteral("valueTabs"));
    QVERIFY(tabs);
    tabs->setCurrentWidget(fields);
    QTRY_VERIFY(fields->itemAt(QStringLiteral("/temperature")));
    QTreeWidgetItem *temperature = fields->itemAt(QStringLiteral("/temperature"));
    QCOMPARE(temperature->text(0), QStringLiteral("temperature"));

    // When that field is dragged onto the (empty) dashboard
    std::unique_ptr<QMimeData> mime(fields->dragData({temperature}));
    QVERIFY(mime);
    QCOMPARE(ValueFieldTree::fieldsOf(mime.get()).size(), 1);
    QUndoStack *undo = w.window->undoStack();
    const int steps = undo->count();
    w.dock()->addDashboard(QStringLiteral("Fields"));
    DashboardView *view = w.dock()->currentView();
    QVERIFY(view);
    const QPoint at = view->viewport()->rect().center();
    QDragEnterEvent enter(at, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(view->viewport(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(at, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(view->viewport(), &drop);

    // Then a chart tile follows the field, by JSON pointer, in one undo step
    QTRY_COMPARE(w.dock()->dashboards().at(0).tiles.size(), 1);
    const Tile made = w.dock()->dashboards().at(0).tiles.first();
    QCOMPARE(made.kind, TileKind::LineChart);
    QCOMPARE(made.sources.size(), 1);
    QCOMPARE(made.sources.first().resource, telemetry);
    QCOMPARE(made.sources.first().pointer, QStringLiteral("/temperature"));
    QCOMPARE(undo->count(), steps + 2); // the new dashboard, then the tile
    auto *chart = w.tile<LineChartTile>(made.id);
    QVERIFY(chart);
    QTRY_VERIFY_WITH_TIMEOUT(!chart->drawn().isEmpty() && !chart->drawn().first().points.empty(), 20000);
    // The drawn point is the field's number (the whole value is an object, no number)
    const Value now = store->find(telemetry)->value();
    QVERIFY(!SeriesSource::numberAt(now, QString()));
    QTRY_COMPARE_WITH_TIMEOUT(chart->drawn().first().points.back().value,
                              *SeriesSource::numberAt(store->find(telemetry)->value(), QStringLiteral("/temperature")), 20000);

    // And a text field makes a state tile
    QTreeWidgetItem *text = nullptr;
    for (int i = 0; i < fields->topLevelItemCount() && !text; ++i) {
        const QString pointer = fields->topLevelItem(i)->data(0, ValueFieldTree::PointerRole).toString();
        if (SeriesSource::fieldAt(now.decoded.get(), pointer).isString())
            text = fields->topLevelItem(i);
    }
    if (text) {
        std::unique_ptr<QMimeData> textMime(fields->dragData({text}));
        QDropEvent textDrop(at, Qt::CopyAction, textMime.get(), Qt::LeftButton, Qt::NoModifier);
        // A drop goes where the drag entered (Qt's drag manager): enter first, as a drag does.
        QDragEnterEvent textEnter(at, Qt::CopyAction, textMime.get(), Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(w.dock()->currentView()->viewport(), &textEnter);
        QCoreApplication::sendEvent(w.dock()->currentView()->viewport(), &textDrop);
        QTRY_COMPARE(w.dock()->dashboards().at(0).tiles.size(), 2);
        const Tile stateTile = w.dock()->dashboards().at(0).tiles.last();
        QCOMPARE(stateTile.kind, TileKind::State);
        QCOMPARE(stateTile.sources.first().pointer, text->data(0, ValueFieldTree::PointerRole).toString());
    }

    // Given the lamp's Toggle action, from its Thing Description
    const ResourceId toggle = *ResourceId::parse(sim.http + QStringLiteral("/things/smart-lamp/actions/toggle"));
    const ResourceId on = *ResourceId::parse(sim.http + QStringLiteral("/things/smart-lamp/properties/on"));
    QTRY_VERIFY_WITH_TIMEOUT(TileFactory::isAction(store->find(toggle)), 20000);
    // When it is dropped from the tree, it becomes a button that invokes it
    w.dock()->addResources(w.dock()->currentIndex(), {toggle});
    const Tile button = w.dock()->dashboards().at(0).tiles.last();
    QCOMPARE(button.kind, TileKind::Control);
    QCOMPARE(button.options.value(QStringLiteral("control")).toString(), QStringLiteral("button"));
    auto *control = w.tile<ControlTile>(button.id);
    QVERIFY(control && control->button());
    QTRY_COMPARE(control->button()->text(), QStringLiteral("Invoke Toggle"));

    // When it is pressed
    w.session->endpoints()->read(on, {});
    QTRY_VERIFY_WITH_TIMEOUT(store->find(on) && store->find(on)->hasValue(), 20000);
    const bool before = store->find(on)->value().decoded.get().toBool();
    QTest::mouseClick(control->button(), Qt::LeftButton);
    // Then the action was invoked at the device (a POST: the simulator refuses anything else)
    QTRY_COMPARE_WITH_TIMEOUT(control->outcomeText(), QStringLiteral("Invoked."), 15000);
    // And the tile shows the action's output: the lamp's new state
    QTRY_VERIFY_WITH_TIMEOUT(control->reportedText().startsWith(QStringLiteral("Output: ")), 15000);
    QVERIFY2(control->reportedText().contains(before ? QStringLiteral("false") : QStringLiteral("true")),
             qPrintable(control->reportedText()));
    // And the lamp itself says so
    w.session->endpoints()->read(on, {});
    QTRY_COMPARE_WITH_TIMEOUT(store->find(on)->value().decoded.get().toBool(), !before, 15000);

    // And a button on an action the device does not have says why it failed, on the tile
    Tile broken = button;
    broken.id.clear();
    broken.sources = {TileSource{*ResourceId::parse(sim.http + QStringLiteral("/things/smart-lamp/actions/nosuch")), {}, {}, {}, {}, {}}};
    QVERIFY(w.dock()->addTile(w.dock()->currentIndex(), broken));
    auto *failing = w.tile<ControlTile>(w.dock()->dashboards().at(0).tiles.last().id);
    QVERIFY(failing && failing->button());
    QTest::mouseClick(failing->button(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(failing->outcomeText().startsWith(QStringLiteral("Write failed: ")), 15000);
    testsupport::saveShot(w.dock()->currentView(), QStringLiteral("dashboard-fields-actions"));
}

QTEST_MAIN(TestDashboards)
#include "tst_dashboards.moc"
