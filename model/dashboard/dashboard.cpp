#include "dashboard.h"

#include "model/workspace.h"

#include <QCoreApplication>
#include <QSet>

namespace thingscape {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("Dashboard", text);
}

struct KindName
{
    TileKind kind;
    const char *name;
};

constexpr KindName kKindNames[] = {
    {TileKind::LineChart, "chart"}, {TileKind::Gauge, "gauge"},       {TileKind::Value, "value"},
    {TileKind::State, "state"},     {TileKind::LastSeen, "lastseen"}, {TileKind::Control, "control"},
    {TileKind::Log, "log"},
};

// Reads the fields of one JSON object, remembering which keys it knows, and stops at the first
// problem with its position.
class Reader
{
public:
    Reader(const QJsonObject &json, QStringList where, DashboardProblem *problem)
        : m_json(json)
        , m_where(std::move(where))
        , m_problem(problem)
    {
    }

    bool ok() const { return m_ok; }

    QJsonValue take(const char *key)
    {
        m_known.insert(QLatin1String(key));
        return m_json.value(QLatin1String(key));
    }

    void fail(const QString &message, const QString &key = {})
    {
        if (!m_ok)
            return;
        m_ok = false;
        if (m_problem) {
            m_problem->message = message;
            m_problem->where = m_where;
            if (!key.isEmpty())
                m_problem->where.append(key);
        }
    }

    QString string(const char *key, bool required = false)
    {
        const QJsonValue value = take(key);
        if (value.isUndefined() && !required)
            return {};
        if (!value.isString() || (required && value.toString().isEmpty())) {
            fail(required ? tr("\"%1\" must be a non-empty string, not %2").arg(QLatin1String(key), Workspace::typeName(value))
                          : tr("\"%1\" must be a string, not %2").arg(QLatin1String(key), Workspace::typeName(value)),
                 // A missing key is shown where its object is.
                 value.isUndefined() ? QString() : QString(QLatin1String(key)));
            return {};
        }
        return value.toString();
    }

    int integer(const char *key, int fallback, int min, int max)
    {
        const QJsonValue value = take(key);
        if (value.isUndefined())
            return fallback;
        const double d = value.toDouble(-1e300);
        if (!value.isDouble() || d != double(qint64(d)) || d < min || d > max) {
            fail(tr("\"%1\" must be a whole number from %2 to %3, not %4")
                     .arg(QLatin1String(key))
                     .arg(min)
                     .arg(max)
                     .arg(value.isDouble() ? QString::number(d) : Workspace::typeName(value)),
                 QLatin1String(key));
            return fallback;
        }
        return int(d);
    }

    QJsonObject rest() const
    {
        QJsonObject extra;
        for (auto it = m_json.begin(); it != m_json.end(); ++it) {
            if (!m_known.contains(it.key()))
                extra.insert(it.key(), it.value());
        }
        return extra;
    }

    const QStringList &where() const { return m_where; }

private:
    QJsonObject m_json;
    QStringList m_where;
    DashboardProblem *m_problem;
    QSet<QString> m_known;
    bool m_ok = true;
};

bool failAt(DashboardProblem *problem, const QStringList &where, const QString &message)
{
    if (problem) {
        problem->message = message;
        problem->where = where;
    }
    return false;
}

std::optional<TileSource> parseSource(const QJsonValue &json, const QStringList &where, DashboardProblem *problem)
{
    TileSource source;
    // A bare string is a resource URI: the short form people write by hand.
    QJsonObject object;
    if (json.isString())
        object.insert(QStringLiteral("resource"), json);
    else if (json.isObject())
        object = json.toObject();
    else {
        failAt(problem, where, tr("a source must be a URI or an object, not %1").arg(Workspace::typeName(json)));
        return std::nullopt;
    }
    Reader reader(object, where, problem);
    const QString uri = reader.string("resource", true);
    if (!reader.ok())
        return std::nullopt;
    QString why;
    const auto id = ResourceId::parse(uri, &why);
    if (!id) {
        reader.fail(tr("\"resource\": %1").arg(why), QStringLiteral("resource"));
        return std::nullopt;
    }
    source.resource = *id;
    source.pointer = reader.string("pointer");
    if (reader.ok() && !source.pointer.isEmpty() && !source.pointer.startsWith(QLatin1Char('/')))
        reader.fail(tr("\"pointer\" must be a JSON pointer starting with '/', not '%1'").arg(source.pointer),
                    QStringLiteral("pointer"));
    if (reader.ok())
        source.record = reader.string("record");
    if (reader.ok())
        source.label = reader.string("label");
    if (reader.ok())
        source.color = reader.string("color");
    if (!reader.ok())
        return std::nullopt;
    source.extra = reader.rest();
    return source;
}

std::optional<Tile> parseTile(const QJsonValue &json, const QStringList &where, int columns, DashboardProblem *problem)
{
    if (!json.isObject()) {
        failAt(problem, where, tr("a tile must be an object, not %1").arg(Workspace::typeName(json)));
        return std::nullopt;
    }
    Reader reader(json.toObject(), where, problem);
    Tile tile;
    tile.id = reader.string("id");
    const QString kind = reader.ok() ? reader.string("kind", true) : QString();
    if (reader.ok()) {
        const auto parsed = tileKindFromName(kind);
        if (!parsed)
            reader.fail(tr("unknown tile kind '%1' (chart, gauge, value, state, lastseen, control or log)").arg(kind),
                        QStringLiteral("kind"));
        else
            tile.kind = *parsed;
    }
    if (reader.ok())
        tile.title = reader.string("title");
    if (reader.ok())
        tile.column = reader.integer("column", 0, 0, columns - 1);
    if (reader.ok())
        tile.row = reader.integer("row", 0, 0, Dashboard::kMaxGrid - 1);
    if (reader.ok())
        tile.columnSpan = reader.integer("columnSpan", 1, 1, columns - tile.column);
    if (reader.ok())
        tile.rowSpan = reader.integer("rowSpan", 1, 1, Dashboard::kMaxGrid - tile.row);
    if (!reader.ok())
        return std::nullopt;
    const QJsonValue sources = reader.take("sources");
    if (!sources.isUndefined() && !sources.isArray()) {
        reader.fail(tr("\"sources\" must be an array, not %1").arg(Workspace::typeName(sources)), QStringLiteral("sources"));
        return std::nullopt;
    }
    const QJsonArray sourceArray = sources.toArray();
    for (qsizetype i = 0; i < sourceArray.size(); ++i) {
        const auto source = parseSource(sourceArray.at(i), where + QStringList{QStringLiteral("sources"), QString::number(i)},
                                        problem);
        if (!source)
            return std::nullopt;
        tile.sources.append(*source);
    }
    const QJsonValue options = reader.take("options");
    if (!options.isUndefined() && !options.isObject()) {
        reader.fail(tr("\"options\" must be an object, not %1").arg(Workspace::typeName(options)), QStringLiteral("options"));
        return std::nullopt;
    }
    tile.options = options.toObject();
    tile.extra = reader.rest();
    return tile;
}

} // namespace

QString tileKindName(TileKind kind)
{
    for (const KindName &entry : kKindNames) {
        if (entry.kind == kind)
            return QLatin1String(entry.name);
    }
    return {};
}

std::optional<TileKind> tileKindFromName(const QString &name)
{
    for (const KindName &entry : kKindNames) {
        if (name == QLatin1String(entry.name))
            return entry.kind;
    }
    return std::nullopt;
}

ResourceId TileSource::seriesId() const
{
    return record.isEmpty() ? resource : resource.child(record);
}

QJsonObject TileSource::toJson() const
{
    QJsonObject json = extra;
    json.insert(QStringLiteral("resource"), resource.toString());
    if (!pointer.isEmpty())
        json.insert(QStringLiteral("pointer"), pointer);
    if (!record.isEmpty())
        json.insert(QStringLiteral("record"), record);
    if (!label.isEmpty())
        json.insert(QStringLiteral("label"), label);
    if (!color.isEmpty())
        json.insert(QStringLiteral("color"), color);
    return json;
}

QJsonObject Tile::toJson() const
{
    QJsonObject json = extra;
    json.insert(QStringLiteral("id"), id);
    json.insert(QStringLiteral("kind"), tileKindName(kind));
    if (!title.isEmpty())
        json.insert(QStringLiteral("title"), title);
    json.insert(QStringLiteral("column"), column);
    json.insert(QStringLiteral("row"), row);
    json.insert(QStringLiteral("columnSpan"), columnSpan);
    json.insert(QStringLiteral("rowSpan"), rowSpan);
    QJsonArray sourceArray;
    for (const TileSource &source : sources)
        sourceArray.append(source.toJson());
    json.insert(QStringLiteral("sources"), sourceArray);
    if (!options.isEmpty())
        json.insert(QStringLiteral("options"), options);
    return json;
}

QJsonObject Dashboard::toJson() const
{
    QJsonObject json = extra;
    json.insert(QStringLiteral("name"), name);
    json.insert(QStringLiteral("columns"), columns);
    QJsonArray tileArray;
    for (const Tile &tile : tiles)
        tileArray.append(tile.toJson());
    json.insert(QStringLiteral("tiles"), tileArray);
    return json;
}

QString Dashboard::freeTileId() const
{
    for (int n = int(tiles.size()) + 1;; ++n) {
        const QString id = QStringLiteral("t%1").arg(n);
        if (indexOf(id) < 0)
            return id;
    }
}

qsizetype Dashboard::indexOf(const QString &tileId) const
{
    for (qsizetype i = 0; i < tiles.size(); ++i) {
        if (tiles.at(i).id == tileId)
            return i;
    }
    return -1;
}

bool Dashboard::overlaps(const Tile &tile) const
{
    for (const Tile &other : tiles) {
        if (other.id == tile.id)
            continue;
        const bool apart = tile.column + tile.columnSpan <= other.column || other.column + other.columnSpan <= tile.column
                           || tile.row + tile.rowSpan <= other.row || other.row + other.rowSpan <= tile.row;
        if (!apart)
            return true;
    }
    return false;
}

void Dashboard::placeFree(Tile *tile) const
{
    tile->columnSpan = std::clamp(tile->columnSpan, 1, columns);
    for (int row = 0; row < kMaxGrid; ++row) {
        for (int column = 0; column + tile->columnSpan <= columns; ++column) {
            tile->row = row;
            tile->column = column;
            if (!overlaps(*tile))
                return;
        }
    }
}

std::optional<QList<Dashboard>> Dashboard::parseList(const QJsonArray &json, DashboardProblem *problem)
{
    QList<Dashboard> dashboards;
    for (qsizetype i = 0; i < json.size(); ++i) {
        const QStringList where = {QStringLiteral("dashboards"), QString::number(i)};
        if (!json.at(i).isObject()) {
            failAt(problem, where, tr("a dashboard must be an object, not %1").arg(Workspace::typeName(json.at(i))));
            return std::nullopt;
        }
        Reader reader(json.at(i).toObject(), where, problem);
        Dashboard dashboard;
        dashboard.name = reader.string("name", true);
        if (reader.ok())
            dashboard.columns = reader.integer("columns", kDefaultColumns, 1, kMaxGrid);
        if (!reader.ok())
            return std::nullopt;
        const QJsonValue tiles = reader.take("tiles");
        if (!tiles.isUndefined() && !tiles.isArray()) {
            reader.fail(tr("\"tiles\" must be an array, not %1").arg(Workspace::typeName(tiles)), QStringLiteral("tiles"));
            return std::nullopt;
        }
        const QJsonArray tileArray = tiles.toArray();
        for (qsizetype t = 0; t < tileArray.size(); ++t) {
            const QStringList tileWhere = where + QStringList{QStringLiteral("tiles"), QString::number(t)};
            auto tile = parseTile(tileArray.at(t), tileWhere, dashboard.columns, problem);
            if (!tile)
                return std::nullopt;
            if (!tile->id.isEmpty() && dashboard.indexOf(tile->id) >= 0) {
                failAt(problem, tileWhere + QStringList{QStringLiteral("id")},
                       tr("tile id '%1' is used twice in dashboard '%2'").arg(tile->id, dashboard.name));
                return std::nullopt;
            }
            dashboard.tiles.append(*tile);
        }
        // Ids for tiles written without one, once every given id is known.
        for (Tile &tile : dashboard.tiles) {
            if (tile.id.isEmpty())
                tile.id = dashboard.freeTileId();
        }
        dashboard.extra = reader.rest();
        dashboards.append(dashboard);
    }
    return dashboards;
}

QJsonArray Dashboard::listToJson(const QList<Dashboard> &dashboards)
{
    QJsonArray json;
    for (const Dashboard &dashboard : dashboards)
        json.append(dashboard.toJson());
    return json;
}

} // namespace thingscape
