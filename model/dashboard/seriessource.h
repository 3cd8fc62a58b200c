#pragma once

#include "model/resourceid.h"
#include "model/value.h"

#include <QCborValue>
#include <QList>

#include <optional>
#include <vector>

namespace thingscape {

struct SeriesPoint
{
    qint64 timeMs = 0;
    double value = 0;

    friend bool operator==(const SeriesPoint &, const SeriesPoint &) = default;
};

// Where tiles read their data: keyed by resource URI, never by a Resource* that a view would
// have to forget when the resource goes. Everything comes sorted by time, even when a device
// stamps its own times out of order (SenML "t"). The in-memory history backs it now
// (HistorySeriesSource); a recording can back it later without the tiles knowing.
class SeriesSource
{
public:
    virtual ~SeriesSource() = default;

    // The numbers of the resource's values (the field at pointer, when given) with
    // fromMs <= time <= toMs, oldest first. Values without a number there are skipped.
    virtual std::vector<SeriesPoint> points(const ResourceId &id, const QString &pointer, qint64 fromMs,
                                            qint64 toMs) const = 0;
    // The last maxCount whole values with fromMs <= time <= toMs, oldest first.
    virtual QList<Value> values(const ResourceId &id, qint64 fromMs, qint64 toMs, qsizetype maxCount) const = 0;
    // Changes whenever the resource's data changes (0 for an unknown resource): tiles redraw
    // only what changed.
    virtual quint64 revision(const ResourceId &id) const = 0;

    // The value inside a decoded value at a JSON pointer (RFC 6901, "~0" and "~1" escapes;
    // array indices); undefined when there is nothing there. An empty pointer is the whole value.
    static QCborValue fieldAt(const QCborValue &value, const QString &pointer);
    // The number at pointer in a value: numbers, booleans (0 / 1) and numeric text.
    static std::optional<double> numberAt(const Value &value, const QString &pointer);
};

} // namespace thingscape
