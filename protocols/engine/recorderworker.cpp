#include "recorderworker.h"

#include "model/eventsubscription.h"
#include "model/recording/recordedmetadata.h"

#include <QCoreApplication>
#include <QDateTime>

#ifdef Q_OS_LINUX
#include <sys/resource.h>
#include <unistd.h>
#endif

namespace thingscape {

namespace {

constexpr int kRetentionMs = 10000;
constexpr qsizetype kIncludedCacheSize = 200000;
// The recorder thread's niceness: when the cores are short it yields to ingest and the window,
// queues (up to the subscription's capacity, drops counted) and catches up in bigger, cheaper
// transactions.
constexpr int kNice = 10;

bool sameMetadata(const MetadataRef &a, const MetadataRef &b)
{
    return a.isSameObject(b) || a.get() == b.get();
}

} // namespace

RecorderWorker::RecorderWorker() = default;

RecorderWorker::~RecorderWorker() = default;

void RecorderWorker::open(const RecordingConfig &config, const QString &database, const QString &password,
                          const std::shared_ptr<EventSubscription> &subscription)
{
    close();
#ifdef Q_OS_LINUX
    // Per thread on Linux; failing (a sandbox) only leaves it at the process's niceness.
    setpriority(PRIO_PROCESS, id_t(gettid()), kNice);
#endif
    m_config = config;
    m_included.clear();
    m_pendingMetadata.clear();
    m_writtenMetadata.clear();
    m_lastSeq = 0;
    m_stats = {};
    m_droppedBefore = 0;
    m_db = std::make_unique<RecordingDatabase>();
    QString error;
    if (!m_db->open(database, password, true, &error)) {
        m_db.reset();
        Q_EMIT failed(error, true);
        return;
    }
    m_stats.database = m_db->name();
    if (!m_batchTimer) {
        m_batchTimer = new QTimer(this);
        connect(m_batchTimer, &QTimer::timeout, this, &RecorderWorker::writeBatch);
        m_retentionTimer = new QTimer(this);
        connect(m_retentionTimer, &QTimer::timeout, this, &RecorderWorker::enforceRetention);
    }
    m_batchTimer->start(std::clamp(config.batchMs, 10, 1000));
    m_retentionTimer->start(kRetentionMs);
    m_subscription = subscription;
    m_droppedBefore = 0;
    m_rateClock.start();
    m_rateRows = 0;
    m_stats.rows = m_db->rowCount();
    m_stats.bytes = m_db->sizeBytes();
    Q_EMIT opened(m_db->name());
    enforceRetention();
    Q_EMIT statsChanged(m_stats);
}

void RecorderWorker::pause()
{
    if (!m_db)
        return;
    writeBatch();
    if (m_subscription)
        m_stats.dropped += m_subscription->dropped() - m_droppedBefore;
    m_subscription.reset();
    m_pendingMetadata.clear();
}

void RecorderWorker::resume(const std::shared_ptr<EventSubscription> &subscription)
{
    if (!m_db || m_subscription)
        return;
    m_subscription = subscription;
    m_droppedBefore = 0;
}

void RecorderWorker::flush()
{
    writeBatch();
}

void RecorderWorker::close()
{
    if (!m_db)
        return;
    writeBatch();
    m_subscription.reset();
    if (m_batchTimer) {
        m_batchTimer->stop();
        m_retentionTimer->stop();
    }
    m_db.reset();
    m_pendingMetadata.clear();
    m_writtenMetadata.clear();
}

void RecorderWorker::noteMetadata(const QList<RecorderMetadata> &metadata, quint64 lastSeq)
{
    if (!m_db || !m_subscription)
        return;
    for (const RecorderMetadata &item : metadata) {
        PendingMetadata &pending = m_pendingMetadata[item.id.uri()];
        pending.id = item.id;
        pending.metadata = item.metadata;
        pending.seq = lastSeq;
    }
}

QList<RecordedResourceMetadata> RecorderWorker::changedMetadata()
{
    QList<RecordedResourceMetadata> changed;
    // Every new MQTT topic shares one metadata object: turned into JSON once.
    bool serialized = false;
    const Metadata *lastSource = nullptr;
    QByteArray lastJson;
    for (auto it = m_pendingMetadata.begin(); it != m_pendingMetadata.end();) {
        const auto written = m_writtenMetadata.find(it.key());
        if (written != m_writtenMetadata.end() && sameMetadata(*written, it->metadata)) {
            *written = it->metadata; // the next comparison is the pointers'
            it = m_pendingMetadata.erase(it);
            continue;
        }
        if (!included(it->id)) {
            it = m_pendingMetadata.erase(it);
            continue;
        }
        const Metadata *source = it->metadata.isNull() ? nullptr : &it->metadata.get();
        if (!serialized || source != lastSource) {
            serialized = true;
            lastSource = source;
            lastJson = lastSource ? RecordedMetadata::toText(*lastSource) : QByteArray();
        }
        changed.append({it.key(), lastJson});
        ++it;
    }
    return changed;
}

void RecorderWorker::metadataWritten()
{
    // What is left pending is what changedMetadata() handed to the database.
    for (auto it = m_pendingMetadata.begin(); it != m_pendingMetadata.end();) {
        if (m_db->hasResource(it.key()))
            m_writtenMetadata.insert(it.key(), it->metadata);
        else if (it->seq > m_lastSeq) {
            ++it; // its value events are still to come: the resource may get its row then
            continue;
        }
        // Else its events went by without a row (not recorded, derived, dropped).
        it = m_pendingMetadata.erase(it);
    }
}

void RecorderWorker::writeBatch()
{
    if (!m_db || !m_subscription)
        return;
    const ValueEvents events = m_subscription->drain();
    if (!events.isEmpty())
        m_lastSeq = std::max(m_lastSeq, events.last().seq);
    const quint64 dropped = m_subscription->dropped();
    m_stats.dropped += dropped - m_droppedBefore;
    m_droppedBefore = dropped;
    QList<RecordedMessage> batch;
    batch.reserve(events.size());
    for (const ValueEvent &event : events) {
        // A SenML record's own event repeats part of the message already recorded whole.
        if (event.derived)
            continue;
        if (!included(event.id)) {
            ++m_stats.skipped;
            continue;
        }
        RecordedMessage message;
        message.timeMs = event.value.timeMs;
        message.uri = event.id.toString();
        message.direction = event.direction;
        message.cause = event.cause;
        message.contentFormat = event.value.contentFormat;
        message.raw = event.value.raw;
        // Numbers are decoded on arrival: a payload still pending is none, and asking it would
        // decode it here (a JSON parse per message, most of what recording cost).
        if (!event.value.isPending() && event.value.isNumeric()) {
            bool ok = false;
            const double number = event.value.toDouble(&ok);
            if (ok)
                message.number = number;
        }
        batch.append(std::move(message));
    }
    const QList<RecordedResourceMetadata> metadata = changedMetadata();
    if (!batch.isEmpty() || !metadata.isEmpty()) {
        QString error;
        if (!m_db->write(batch, metadata, &error)) {
            // A full disk, a lost server: stop taking events (the app goes on) until resumed.
            m_stats.dropped += quint64(batch.size());
            m_subscription.reset();
            m_pendingMetadata.clear();
            Q_EMIT failed(error, false);
            Q_EMIT statsChanged(m_stats);
            return;
        }
        metadataWritten();
        m_stats.written += quint64(batch.size());
        m_rateRows += quint64(batch.size());
    }
    if (m_rateClock.elapsed() >= 1000) {
        m_stats.rate = double(m_rateRows) * 1000.0 / double(m_rateClock.restart());
        m_rateRows = 0;
    } else if (batch.isEmpty()) {
        return;
    }
    m_stats.rows = m_db->rowCount();
    m_stats.bytes = m_db->sizeBytes();
    Q_EMIT statsChanged(m_stats);
}

bool RecorderWorker::included(const ResourceId &id)
{
    if (m_config.include.isEmpty())
        return true;
    // Include entries are parsed per call: each resource is decided once.
    const auto found = m_included.constFind(id);
    if (found != m_included.constEnd())
        return *found;
    if (m_included.size() >= kIncludedCacheSize)
        m_included.clear();
    const bool yes = m_config.includes(id);
    m_included.insert(id, yes);
    return yes;
}

void RecorderWorker::enforceRetention()
{
    if (!m_db || (m_config.maxAgeDays <= 0 && m_config.maxBytes <= 0))
        return;
    const qint64 olderThan = m_config.maxAgeDays > 0
        ? QDateTime::currentMSecsSinceEpoch() - qint64(m_config.maxAgeDays * 86400000.0)
        : 0;
    QString error;
    const std::optional<qint64> deleted = m_db->enforceRetention(olderThan, m_config.maxBytes, &error);
    if (!deleted) {
        Q_EMIT problem(error);
        return;
    }
    if (*deleted > 0) {
        m_stats.retained += *deleted;
        m_stats.rows = m_db->rowCount();
        m_stats.bytes = m_db->sizeBytes();
        Q_EMIT statsChanged(m_stats);
    }
}

} // namespace thingscape
