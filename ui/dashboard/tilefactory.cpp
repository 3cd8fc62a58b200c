#include "tilefactory.h"

#include "controltile.h"
#include "gaugetile.h"
#include "lastseentile.h"
#include "linecharttile.h"
#include "logtile.h"
#include "statetile.h"
#include "valuetile.h"

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

Tile TileFactory::tileFor(const ResourceId &id, TileKind kind)
{
    Tile tile;
    tile.kind = kind;
    tile.columnSpan = kind == TileKind::LineChart || kind == TileKind::Log || kind == TileKind::LastSeen ? 2 : 1;
    TileSource source;
    source.resource = id;
    tile.sources.append(source);
    return tile;
}

} // namespace thingscape
