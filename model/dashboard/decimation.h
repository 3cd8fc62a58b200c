#pragma once

#include "seriessource.h"

#include <span>
#include <vector>

namespace thingscape {

// Min / max decimation per pixel column: of the points (sorted by time) within
// [fromMs, toMs], each of `columns` equal slices of time keeps its lowest and its highest point,
// in time order (one point when they are the same). At most two points per column, every spike
// kept. The nearest point on each side outside the range is kept too, so lines reach the edges.
std::vector<SeriesPoint> decimateMinMax(std::span<const SeriesPoint> points, qint64 fromMs, qint64 toMs, int columns);

} // namespace thingscape
