#pragma once

#include "seriessource.h"

#include <QHash>
#include <QObject>
#include <QPointer>

#include <memory>

class QThread;

namespace thingscape {

// A SeriesSource that reaches into the recording when a chart's window is longer than the
// in-memory history: the live source answers at once, and what lies before its first point
// comes from the recording's decimated query (min and max per bucket), run on a thread of its
// own. Until it is back the chart shows the live part; then filled() and a new revision make
// the tile draw again. Whole values only (the recording keeps one number per message, so a
// JSON-pointer series stays live).
class RecordingSeriesSource : public QObject, public SeriesSource
{
    Q_OBJECT

public:
    static constexpr int kDefaultBuckets = 600;

    explicit RecordingSeriesSource(const SeriesSource *live, QObject *parent = nullptr);
    ~RecordingSeriesSource() override;

    // The recording to read (a SQLite file or a PostgreSQL URL); empty: none, live only.
    void setDatabase(const QString &database, const QString &password = {});
    QString database() const { return m_database; }
    // Buckets per query: about one min / max pair per two pixels of a wide chart.
    void setBuckets(int buckets) { m_buckets = std::max(1, buckets); }
    // Queries running now (tests, status).
    int pendingQueries() const { return m_pending; }
    // Why the last query failed (empty when it did not).
    QString lastError() const { return m_lastError; }

    std::vector<SeriesPoint> points(const ResourceId &id, const QString &pointer, qint64 fromMs,
                                    qint64 toMs) const override;
    QList<Value> values(const ResourceId &id, qint64 fromMs, qint64 toMs, qsizetype maxCount) const override;
    quint64 revision(const ResourceId &id) const override;

Q_SIGNALS:
    // A query came back: the series it was for has more to show.
    void filled(const thingscape::ResourceId &id);

private:
    struct Recorded
    {
        qint64 fromMs = 0; // the range asked for
        qint64 toMs = 0;
        std::vector<SeriesPoint> points; // two a bucket (its min and max), sorted by time
        bool pending = false;
        quint64 generation = 0; // bumped when points arrive
    };

    void query(const ResourceId &id, qint64 fromMs, qint64 toMs) const;
    void arrived(const ResourceId &id, qint64 fromMs, qint64 toMs, std::vector<SeriesPoint> points, const QString &error);

    const SeriesSource *m_live; // Not owned.
    QString m_database;
    QString m_password;
    int m_buckets = kDefaultBuckets;
    mutable QHash<ResourceId, Recorded> m_recorded;
    mutable QList<QPointer<QThread>> m_threads;
    mutable int m_pending = 0;
    QString m_lastError;
};

} // namespace thingscape
