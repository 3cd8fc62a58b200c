#pragma once

namespace thingscape {

class EndpointManager;
class ResourceStore;
class SeriesSource;

// What every tile reads from and writes through. Not owned by the tiles.
struct TileContext
{
    const SeriesSource *source = nullptr;
    const ResourceStore *store = nullptr;
    EndpointManager *endpoints = nullptr;
};

} // namespace thingscape
