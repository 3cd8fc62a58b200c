#pragma once

#include "seriessource.h"

#include <QPointer>

namespace thingscape {

class ResourceStore;

// A SeriesSource over the store's in-memory history of each resource.
class HistorySeriesSource : public SeriesSource
{
public:
    explicit HistorySeriesSource(const ResourceStore *store);

    std::vector<SeriesPoint> points(const ResourceId &id, const QString &pointer, qint64 fromMs,
                                    qint64 toMs) const override;
    QList<Value> values(const ResourceId &id, qint64 fromMs, qint64 toMs, qsizetype maxCount) const override;
    quint64 revision(const ResourceId &id) const override;

private:
    // The history's values ordered by time (stable: equal times keep their arrival order).
    QList<Value> sortedValues(const ResourceId &id) const;

    QPointer<const ResourceStore> m_store; // Not owned.
};

} // namespace thingscape
