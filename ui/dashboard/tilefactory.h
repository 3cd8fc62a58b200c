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
    // A WoT action or a writable bool / enum / number -> control; a number -> chart; bool / text state -> state;
    // anything else -> log. Unknown (not yet seen) -> chart.
    static TileKind suggestedKind(const Resource *resource);
    // For a field of the resource's value (a JSON pointer): a number -> chart; a bool or text ->
    // state; anything else (a container, nothing there yet) -> log.
    static TileKind suggestedKind(const Resource *resource, const QString &pointer);
    // A tile of that kind for the resource, sized for its kind (not placed); a control of a WoT
    // action is a button that invokes it.
    static Tile tileFor(const ResourceId &id, TileKind kind, const Resource *resource = nullptr);
    // Whether the resource is a WoT action (from its Thing Description).
    static bool isAction(const Resource *resource);
};

} // namespace thingscape
