#pragma once

#include "model/metadataref.h"
#include "model/recording/recordingconfig.h"
#include "model/recording/recordingdatabase.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <memory>

namespace thingscape {

class EventSubscription;

// What the recorder thread tells the owner after each batch.
struct RecorderStats
{
    qint64 rows = -1;      // in the database
    qint64 bytes = -1;     // the database's size
    double rate = 0;       // rows written per second, lately
    quint64 written = 0;   // since recording started
    quint64 dropped = 0;   // value events lost because the recorder fell behind
    quint64 skipped = 0;   // not included by the config
    qint64 retained = 0;   // rows deleted by retention
    QString database;      // where (no password)
};

// A resource's metadata as the store held it after a batch: shared and never changed in place,
// so the recorder thread may read it (it never reads the store).
struct RecorderMetadata
{
    ResourceId id;
    MetadataRef metadata; // null: none
};

// The recorder's half that lives on its own thread: takes the store's value events, writes
// them in one transaction per batch period, enforces retention between batches.
class RecorderWorker : public QObject
{
    Q_OBJECT

public:
    RecorderWorker();
    ~RecorderWorker() override;

    // Called on the worker's thread. The subscription is taken on the owner's thread, so that
    // nothing the store hands over after start() is missed.
    void open(const RecordingConfig &config, const QString &database, const QString &password,
              const std::shared_ptr<EventSubscription> &subscription);
    void pause();
    void resume(const std::shared_ptr<EventSubscription> &subscription);
    // Writes what is queued, then closes the database.
    void close();
    // Writes what is queued now.
    void flush();
    // The metadata of the resources a store batch added or changed, posted before the batch's
    // value events (whose seqs end at lastSeq): written with a resource's first row, and again
    // when it changes.
    void noteMetadata(const QList<RecorderMetadata> &metadata, quint64 lastSeq);

Q_SIGNALS:
    void opened(const QString &database);
    // Opening failed (nothing recorded) or writing failed (recording paused).
    void failed(const QString &error, bool opening);
    // Something went wrong that does not stop recording (retention could not run).
    void problem(const QString &error);
    void statsChanged(const thingscape::RecorderStats &stats);

private:
    void writeBatch();
    void enforceRetention();
    bool included(const ResourceId &id);
    // The metadata to write with the batch: what changed since it was last written.
    QList<RecordedResourceMetadata> changedMetadata();
    // After the database took them: remembers what each row now holds.
    void metadataWritten();

    RecordingConfig m_config;
    std::unique_ptr<RecordingDatabase> m_db;
    std::shared_ptr<EventSubscription> m_subscription;
    QTimer *m_batchTimer = nullptr;
    QTimer *m_retentionTimer = nullptr;
    RecorderStats m_stats;
    quint64 m_droppedBefore = 0;
    QElapsedTimer m_rateClock;
    quint64 m_rateRows = 0;
    QHash<ResourceId, bool> m_included; // the config's answer per resource seen
    struct PendingMetadata
    {
        ResourceId id;
        MetadataRef metadata;
        quint64 seq = 0; // the last value event of the batch it came with
    };
    QHash<QString, PendingMetadata> m_pendingMetadata; // by URI, the latest
    QHash<QString, MetadataRef> m_writtenMetadata; // what each row holds
    quint64 m_lastSeq = 0; // the last value event taken
};

} // namespace thingscape

Q_DECLARE_METATYPE(thingscape::RecorderStats)
