#pragma once

#include "model/resourceid.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace thingscape {

enum class TileKind {
    LineChart, // "chart": many series against time
    Gauge,     // "gauge": one number between min and max, with thresholds
    Value,     // "value": a big number with unit, trend arrow and sparkline
    State,     // "state": bool / enum as a coloured label with "since"
    LastSeen,  // "lastseen": a table of resources with their age
    Control,   // "control": a switch, slider, spin box, choice, text or button writing a resource
    Log,       // "log": the last N messages of the sources
};

QString tileKindName(TileKind kind);
std::optional<TileKind> tileKindFromName(const QString &name);

// One thing a tile shows: a resource, optionally a field inside its value (a JSON pointer into
// the decoded JSON / CBOR) or a SenML record of a pack (the record's own resource).
struct TileSource
{
    ResourceId resource;
    QString pointer; // "" or "/sensors/0/temp"
    QString record;  // SenML record name (bn + n): the series is the record's resource (resource/record)
    QString label;   // shown in the legend; empty: the resource's title
    QString color;   // "#rrggbb"; empty: picked from the palette
    QJsonObject extra;

    // The resource the values come from (the record's resource for a SenML record).
    ResourceId seriesId() const;
    QJsonObject toJson() const;

    friend bool operator==(const TileSource &, const TileSource &) = default;
};

struct Tile
{
    QString id; // unique within its dashboard, stable across saves
    TileKind kind = TileKind::LineChart;
    QString title;
    int column = 0;
    int row = 0;
    int columnSpan = 1;
    int rowSpan = 1;
    QList<TileSource> sources;
    // Kind-specific settings kept as they are: "window" (s), "min", "max", "thresholds",
    // "control" ("switch", "slider", ...), "value" (a button's fixed value), "lines"...
    QJsonObject options;
    QJsonObject extra;

    QJsonObject toJson() const;

    friend bool operator==(const Tile &, const Tile &) = default;
};

// A problem in the dashboards list: what and where (JSON pointer segments from the file's top:
// "dashboards", "1", "tiles", "0", "column"), for Workspace::locate.
struct DashboardProblem
{
    QString message;
    QStringList where;
    QString pointer() const { return QLatin1Char('/') + where.join(QLatin1Char('/')); }
};

// One dashboard of a workspace: a named grid of tiles.
struct Dashboard
{
    static constexpr int kMaxGrid = 64; // columns and rows a tile may reach
    static constexpr int kDefaultColumns = 4;

    QString name;
    int columns = kDefaultColumns;
    QList<Tile> tiles;
    QJsonObject extra;

    QJsonObject toJson() const;
    // An id no tile of this dashboard has.
    QString freeTileId() const;
    qsizetype indexOf(const QString &tileId) const;
    // Whether the cells of tile would overlap another tile (ignoring the tile with its own id).
    bool overlaps(const Tile &tile) const;
    // The first place with room for a tile of that size, scanning rows top-down.
    void placeFree(Tile *tile) const;

    friend bool operator==(const Dashboard &, const Dashboard &) = default;

    // Parses the workspace's "dashboards" array: nothing half-parsed, stops at the first
    // problem with its position. Unknown keys at every level are kept.
    static std::optional<QList<Dashboard>> parseList(const QJsonArray &json, DashboardProblem *problem);
    static QJsonArray listToJson(const QList<Dashboard> &dashboards);
};

} // namespace thingscape
