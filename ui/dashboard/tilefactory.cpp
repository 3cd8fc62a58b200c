#include "tilefactory.h"

#include "controltile.h"
#include "gaugetile.h"
#include "lastseentile.h"
#include "linecharttile.h"
#include "logtile.h"
#include "statetile.h"
#include "valuetile.h"

#include "model/dashboard/seriessource.h"
#include "model/resource.h"
#include "ui/writespec.h"

namespace thingscape {

TileWidget *TileFactory::create(const Tile &tile, const TileContext &context, QWidget *parent)
{
    switch (tile.kind) {
    case TileKind::LineChart:
        return new LineChartTile(tile, context, parent);
    case TileKind::Gauge:
        return new GaugeTile(tile, context, parent);
    case TileKind::Value:
        return new ValueTile(tile, context, parent);
    case TileKind::State:
        return new StateTile(tile, context, parent);
    case TileKind::LastSeen:
        return new LastSeenTile(tile, context, parent);
    case TileKind::Control:
        return new ControlTile(tile, context, parent);
    case TileKind::Log:
        return new LogTile(tile, context, parent);
    }
    return new LogTile(tile, context, parent);
}

TileKind TileFactory::suggestedKind(const Resource *resource)
{
    if (!resource)
        return TileKind::LineChart;
    if (isAction(resource))
        return TileKind::Control;
    const WriteSpec spec = WriteSpec::forResource(*resource);
    if (!spec.readOnly && (spec.editor == WriteSpec::Editor::Switch || spec.editor == WriteSpec::Editor::Choice))
        return TileKind::Control;
    if (!spec.readOnly && spec.editor == WriteSpec::Editor::Number && spec.stepped)
        return TileKind::Control;
    if (resource->hasValue() && resource->value().kind() == ValueKind::Bool)
        return TileKind::State;
    if (resource->hasValue() && resource->value().isNumeric())
        return TileKind::LineChart;
    if (resource->hasValue() && resource->value().kind() == ValueKind::String)
        return TileKind::State;
    return TileKind::Log;
}

TileKind TileFactory::suggestedKind(const Resource *resource, const QString &pointer)
{
    if (!resource || !resource->hasValue())
        return TileKind::LineChart;
    const Value value = resource->value();
    const QCborValue field = value.isOversize() || value.isLargePending() ? QCborValue(QCborValue::Undefined)
                                                                           : SeriesSource::fieldAt(value.decoded.get(), pointer);
    if (field.isInteger() || field.isDouble())
        return TileKind::LineChart;
    if (field.isBool() || field.isString())
        return TileKind::State;
    return TileKind::Log;
}

bool TileFactory::isAction(const Resource *resource)
{
    return resource && resource->metadata().extra.value(QStringLiteral("affordance")).toString() == QLatin1String("action");
}

Tile TileFactory::tileFor(const ResourceId &id, TileKind kind, const Resource *resource)
{
    Tile tile;
    if (kind == TileKind::Control && isAction(resource))
        tile.options.insert(QStringLiteral("control"), QStringLiteral("button"));
    tile.kind = kind;
    tile.columnSpan = kind == TileKind::LineChart || kind == TileKind::Log || kind == TileKind::LastSeen ? 2 : 1;
    TileSource source;
    source.resource = id;
    tile.sources.append(source);
    return tile;
}

} // namespace thingscape
