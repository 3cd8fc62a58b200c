#pragma once

#include "tilecontext.h"

#include "model/dashboard/dashboard.h"

class QWidget;

namespace thingscape {

class Resource;
class TileWidget;

// Makes the widget for a tile's kind, and picks the kind that suits a resource.
class TileFactory
{
public:
    static TileWidget *create(const Tile &tile, const TileContext &context, QWidget *parent = nullptr);
    // Writable bool / enum / number -> control; a number -> chart; bool / text state -> state;
    // anything else -> log. Unknown (not yet seen) -> chart.
    static TileKind suggestedKind(const Resource *resource);
    // A tile of that kind for the resource, sized for its kind (not placed).
    static Tile tileFor(const ResourceId &id, TileKind kind);
};

} // namespace thingscape
