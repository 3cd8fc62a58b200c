#include "recordingseriessource.h"

#include "model/recording/recordingdatabase.h"

#include <QThread>

#include <algorithm>

namespace thingscape {

RecordingSeriesSource::RecordingSeriesSource(const SeriesSource *live, QObject *parent)
    : QObject(parent)
    , m_live(live)
{
}

RecordingSeriesSource::~RecordingSeriesSource()
{
    // A query holds no pointer to this object (it answers through a QPointer): waiting only
    // keeps its database connection from outliving the application's SQL drivers.
    for (const QPointer<QThread> &thread : std::as_const(m_threads)) {
        if (thread)
            thread->wait();
    }
}

void RecordingSeriesSource::setDatabase(const QString &database, const QString &password)
{
    if (database == m_database && password == m_password)
        return;
    m_database = database;
    m_password = password;
    m_recorded.clear();
}

std::vector<SeriesPoint> RecordingSeriesSource::points(const ResourceId &id, const QString &pointer, qint64 fromMs,
                                                       qint64 toMs) const
{
    std::vector<SeriesPoint> live = m_live ? m_live->points(id, pointer, fromMs, toMs) : std::vector<SeriesPoint>();
    // "Everything" asks from the smallest time there is: the recording starts in 1970 at the earliest.
    fromMs = std::max<qint64>(fromMs, 0);
    if (m_database.isEmpty() || !pointer.isEmpty() || toMs <= fromMs)
        return live;
    // The history covers the window from its first point on: only what is before it is asked for.
    const qint64 liveStart = live.empty() ? toMs : live.front().timeMs;
    if (liveStart <= fromMs)
        return live;
    Recorded &recorded = m_recorded[id];
    // A live window slides every frame: the range asked for is rounded out to a 20th of the
    // window, so one query serves it until it has slid that far.
    const qint64 step = std::max<qint64>(1000, (toMs - fromMs) / 20);
    const qint64 wantFrom = fromMs - fromMs % step;
    const qint64 wantTo = liveStart + (step - liveStart % step);
    const bool covers = recorded.fromMs <= fromMs && recorded.toMs >= liveStart && recorded.generation > 0;
    // A much narrower window than the one cached (a zoom) wants finer buckets.
    const bool tooCoarse = covers && (recorded.toMs - recorded.fromMs) > 4 * (toMs - fromMs);
    if ((!covers || tooCoarse) && !recorded.pending)
        query(id, wantFrom, wantTo);
    std::vector<SeriesPoint> merged;
    const auto first = std::lower_bound(recorded.points.begin(), recorded.points.end(), fromMs,
                                        [](const SeriesPoint &p, qint64 t) { return p.timeMs < t; });
    const auto last = std::lower_bound(first, recorded.points.end(), liveStart,
                                       [](const SeriesPoint &p, qint64 t) { return p.timeMs < t; });
    merged.reserve(size_t(last - first) + live.size());
    merged.insert(merged.end(), first, last);
    merged.insert(merged.end(), live.begin(), live.end());
    return merged;
}

void RecordingSeriesSource::query(const ResourceId &id, qint64 fromMs, qint64 toMs) const
{
    m_recorded[id].pending = true;
    ++m_pending;
    const QString database = m_database;
    const QString password = m_password;
    const int buckets = m_buckets;
    const QString uri = id.toString();
    QPointer<RecordingSeriesSource> self(const_cast<RecordingSeriesSource *>(this));
    QThread *thread = QThread::create([self, database, password, buckets, uri, id, fromMs, toMs] {
        QString error;
        std::vector<SeriesPoint> points;
        RecordingDatabase db;
        if (db.open(database, password, false, &error)) {
            if (const auto series = db.decimated({uri}, fromMs, toMs, buckets, &error)) {
                for (const RecordedBucket &bucket : series->value(uri)) {
                    // Both ends of the bucket's range, so spikes stay; in one column, order is free.
                    points.push_back({bucket.timeMs, bucket.min});
                    if (bucket.max != bucket.min)
                        points.push_back({bucket.timeMs, bucket.max});
                }
            }
            db.close();
        }
        QMetaObject::invokeMethod(
            self.data(),
            [self, id, fromMs, toMs, points = std::move(points), error]() mutable {
                if (self)
                    self->arrived(id, fromMs, toMs, std::move(points), error);
            },
            Qt::QueuedConnection);
    });
    connect(thread, &QThread::finished, thread, &QObject::deleteLater);
    m_threads.removeIf([](const QPointer<QThread> &t) { return t.isNull(); });
    m_threads.append(thread);
    thread->start(QThread::LowPriority);
}

void RecordingSeriesSource::arrived(const ResourceId &id, qint64 fromMs, qint64 toMs, std::vector<SeriesPoint> points,
                                    const QString &error)
{
    --m_pending;
    m_lastError = error;
    Recorded &recorded = m_recorded[id];
    recorded.pending = false;
    recorded.fromMs = fromMs;
    recorded.toMs = toMs;
    std::stable_sort(points.begin(), points.end(), [](const SeriesPoint &a, const SeriesPoint &b) { return a.timeMs < b.timeMs; });
    recorded.points = std::move(points);
    ++recorded.generation;
    Q_EMIT filled(id);
}

QList<Value> RecordingSeriesSource::values(const ResourceId &id, qint64 fromMs, qint64 toMs, qsizetype maxCount) const
{
    return m_live ? m_live->values(id, fromMs, toMs, maxCount) : QList<Value>();
}

quint64 RecordingSeriesSource::revision(const ResourceId &id) const
{
    const quint64 live = m_live ? m_live->revision(id) : 0;
    const auto it = m_recorded.constFind(id);
    return it == m_recorded.constEnd() ? live : live + (it->generation << 40);
}

} // namespace thingscape
