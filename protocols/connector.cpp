#include "connector.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QLoggingCategory>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <iterator>
#include <utility>

namespace thingscape {

namespace {

Q_LOGGING_CATEGORY(lcMemory, "thingscape.memory", QtWarningMsg)

// A backlog this large, once taken, leaves its blocks free in the heap of the thread that made
// them (glibc keeps a freed block in its arena; only the top of a heap goes back by itself):
// hand the free pages back then.
constexpr qsizetype kTrimAfterBacklog = 20000;
constexpr qint64 kTrimAtMostEveryMs = 5000;

// Whether it trimmed (at most once per kTrimAtMostEveryMs across connectors).
bool releaseFreeHeap()
{
    static std::atomic<qint64> lastMs{0};
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    qint64 last = lastMs.load();
    if (now - last < kTrimAtMostEveryMs || !lastMs.compare_exchange_strong(last, now))
        return false;
#ifdef __GLIBC__
    QElapsedTimer clock;
    clock.start();
    const int released = malloc_trim(0);
    qCDebug(lcMemory, "malloc_trim after a backlog: %s in %.1f ms", released ? "released memory" : "nothing to release",
            double(clock.nsecsElapsed()) / 1e6);
#endif
    return true;
}

} // namespace

QString connectorStateName(ConnectorState state)
{
    switch (state) {
    case ConnectorState::Disconnected:
        return QCoreApplication::translate("Connector", "disconnected");
    case ConnectorState::Connecting:
        return QCoreApplication::translate("Connector", "connecting");
    case ConnectorState::Connected:
        return QCoreApplication::translate("Connector", "connected");
    case ConnectorState::BackingOff:
        return QCoreApplication::translate("Connector", "waiting to reconnect");
    case ConnectorState::Error:
        return QCoreApplication::translate("Connector", "error");
    }
    return {};
}

Connector::Connector(const EndpointConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_batchTimer(this) // a child, so moveToThread() takes it along
{
    qRegisterMetaType<thingscape::UpdateBatch>();
    m_batchTimer.setSingleShot(true);
    m_batchTimer.setInterval(m_batchIntervalMs);
    connect(&m_batchTimer, &QTimer::timeout, this, &Connector::flush);
}

Connector::~Connector() = default;

void Connector::setBatchIntervalMs(int ms)
{
    m_batchIntervalMs = std::clamp(ms, 0, 1000);
    m_batchTimer.setInterval(m_batchIntervalMs);
}

void Connector::flush()
{
    m_batchTimer.stop();
    sendPending();
}

void Connector::flushThen(std::function<void()> then)
{
    flush();
    if (m_pendingCount == 0)
        then();
    else
        m_afterSend.append(std::move(then)); // after the batch in flight has been taken
}

void Connector::setAcknowledgedHandOver(bool on)
{
    m_acknowledged = on;
    if (!on && m_inFlight)
        handOverTaken();
}

void Connector::setHandOverLimit(qsizetype updates)
{
    m_handOverLimit = std::max<qsizetype>(1, updates);
}

void Connector::setPendingLimit(qsizetype updates)
{
    m_pendingLimit = std::max<qsizetype>(1, updates);
    m_coalesceAt = m_pendingLimit;
}

Connector::HandOverStats Connector::handOverStats() const
{
    HandOverStats stats;
    stats.sent = m_sent.load();
    stats.taken = m_taken.load();
    stats.coalesced = m_coalesced.load();
    stats.inFlightCoalesced = m_inFlightCoalesced.load();
    stats.inFlightSinceMs = m_inFlightSinceMs.load();
    stats.peakPending = m_peakPending.load();
    return stats;
}

void Connector::acknowledgeHandOver()
{
    QMetaObject::invokeMethod(this, &Connector::handOverTaken, Qt::QueuedConnection);
}

void Connector::handOverTaken()
{
    if (!m_inFlight)
        return;
    m_inFlight = false;
    ++m_taken;
    // A big load has been absorbed (the last of it was just taken).
    if (m_pendingCount == 0 && m_backlogPeak >= kTrimAfterBacklog && releaseFreeHeap())
        m_backlogPeak = 0;
    if (m_pendingCount == 0 || m_batchTimer.isActive())
        return;
    // What waited goes out once it is a batch interval old: no faster than without backpressure.
    const qint64 age = QDateTime::currentMSecsSinceEpoch() - m_pendingSinceMs;
    m_batchTimer.start(int(std::clamp<qint64>(m_batchIntervalMs - age, 0, m_batchIntervalMs)));
}

qsizetype Connector::chunkCapacity() const
{
    return m_acknowledged && m_handOverLimit < std::numeric_limits<qsizetype>::max() ? m_handOverLimit
                                                                                  : std::numeric_limits<qsizetype>::max();
}

void Connector::appendPending(Update &&update)
{
    const qsizetype capacity = chunkCapacity();
    if (m_pending.empty() || m_pending.back().size() >= capacity) {
        UpdateBatch &chunk = m_pending.emplace_back();
        // Growing from empty moves every Update at each reallocation: start at the last size.
        chunk.reserve(std::min(capacity, std::max<qsizetype>(m_reserve, 16)));
    }
    m_pending.back().append(std::move(update));
    ++m_pendingCount;
}

UpdateBatch Connector::takePending(qsizetype n)
{
    UpdateBatch batch;
    if (m_pending.empty())
        return batch;
    UpdateBatch &front = m_pending.front();
    if (front.size() == n || (front.size() < n && m_pending.size() == 1)) {
        // The common case: a whole chunk, handed over as it is.
        batch.swap(front);
        m_pending.pop_front();
        m_pendingCount -= batch.size();
        return batch;
    }
    batch.reserve(std::min(n, m_pendingCount));
    while (batch.size() < n && !m_pending.empty()) {
        UpdateBatch &chunk = m_pending.front();
        const qsizetype take = std::min(n - batch.size(), chunk.size());
        std::move(chunk.begin(), chunk.begin() + take, std::back_inserter(batch));
        if (take == chunk.size())
            m_pending.pop_front();
        else
            chunk.remove(0, take); // from the front: Qt moves its begin, no shift
        m_pendingCount -= take;
    }
    return batch;
}

void Connector::sendPending()
{
    if (m_pendingCount == 0 || (m_acknowledged && m_inFlight))
        return;
    const bool bite = m_acknowledged && m_pendingCount > m_handOverLimit;
    // The oldest first; the rest keeps its age, so it goes as soon as this is taken.
    UpdateBatch batch = takePending(bite ? m_handOverLimit : m_pendingCount);
    m_reserve = batch.size();
    m_inFlightSinceMs = m_pendingSinceMs;
    m_inFlightCoalesced = m_pendingCoalesced;
    m_pendingCoalesced = 0;
    // What a bite leaves is merged as soon as it passes the limit, as after a whole batch; above
    // it (distinct resources) once it doubled since the last merge, or since this bite if that is
    // sooner. Never later: a backlog that grows faster than bites go out would move the
    // threshold ahead of itself at every bite and never be merged (issue 12, steady load).
    m_coalesceAt = m_pendingCount > m_pendingLimit ? std::min(m_coalesceAt, 2 * m_pendingCount) : m_pendingLimit;
    ++m_sent;
    if (m_acknowledged)
        m_inFlight = true;
    m_batchTimer.setInterval(m_batchIntervalMs);
    Q_EMIT updatesReady(batch);
    if (bite)
        return; // what runs after the send waits for the rest
    // Results of operations queue up behind the updates they produced.
    const QList<std::function<void()>> after = std::exchange(m_afterSend, {});
    for (const std::function<void()> &then : after)
        then();
}

void Connector::coalescePending()
{
    // Newest first: an update whose resource gets a later value is only needed for what
    // else it carries (metadata, state, removal, an outgoing message).
    // Where in kept the later value of a resource is; kNoFold: there is one, but a removal came
    // between (nothing folds across it). One lookup per update.
    constexpr qsizetype kNoFold = -1;
    QHash<ResourceId, qsizetype> laterValue;
    std::vector<Update> kept;
    kept.reserve(size_t(m_pendingCount));
    quint64 merged = 0;
    std::deque<UpdateBatch> chunks = std::exchange(m_pending, {});
    m_pendingCount = 0;
    for (auto chunk = chunks.rbegin(); chunk != chunks.rend(); ++chunk) {
        for (qsizetype i = chunk->size() - 1; i >= 0; --i) {
            Update &update = (*chunk)[i];
            const bool incomingValue = update.direction == Direction::In && update.value && !update.remove;
            if (incomingValue) {
                const bool valueOnly = !update.state && update.metadata.isEmpty();
                const auto later = laterValue.find(update.id);
                if (later != laterValue.end()) {
                    const bool folds = *later != kNoFold;
                    // Its metadata goes into the later value's (which wins where both set a field);
                    // its state does not matter: a later value without a state means online.
                    if (folds && !valueOnly && !update.metadata.isEmpty()
                        && !update.metadata.isSameObject(kept[size_t(*later)].metadata)) {
                        Metadata folded = update.metadata.get();
                        folded.merge(kept[size_t(*later)].metadata.get());
                        kept[size_t(*later)].metadata = MetadataRef(std::move(folded));
                    }
                    if (valueOnly || folds) {
                        if (!update.derived)
                            ++merged;
                        continue;
                    }
                    *later = qsizetype(kept.size());
                } else {
                    laterValue.insert(update.id, qsizetype(kept.size()));
                }
            } else if (update.remove) {
                if (const auto later = laterValue.find(update.id); later != laterValue.end())
                    *later = kNoFold; // nothing folds across a removal
            }
            kept.push_back(std::move(update));
        }
        chunk->clear();
    }
    chunks.clear();
    for (auto update = kept.rbegin(); update != kept.rend(); ++update)
        appendPending(std::move(*update));
    m_pendingCoalesced += merged;
    m_coalesced += merged;
    // Distinct resources can keep it above the limit; coalesce again only once it doubled,
    // so a flood over many resources stays linear.
    m_coalesceAt = std::max(m_pendingLimit, 2 * m_pendingCount);
}

void Connector::setPollInterval(const ResourceId &id, int ms)
{
    if (ms > 0)
        m_config.pollIntervals.insert(id.toString(), ms);
    else
        m_config.pollIntervals.remove(id.toString());
    pollIntervalChanged(id);
}

void Connector::pollIntervalChanged(const ResourceId &)
{
}

void Connector::post(Update update)
{
    if (m_pendingCount == 0)
        m_pendingSinceMs = QDateTime::currentMSecsSinceEpoch();
    appendPending(std::move(update));
    if (m_pendingCount > m_peakPending.load())
        m_peakPending = m_pendingCount;
    m_backlogPeak = std::max(m_backlogPeak, m_pendingCount);
    if (m_pendingCount > m_coalesceAt)
        coalescePending();
    // With a batch in flight, its acknowledgement starts the timer.
    if (!m_batchTimer.isActive() && !(m_acknowledged && m_inFlight))
        m_batchTimer.start();
}

void Connector::setState(ConnectorState state, const QString &error, const QDateTime &nextRetry)
{
    const bool changed = state != m_state || error != m_lastError || nextRetry != m_nextRetry;
    m_state = state;
    if (!error.isEmpty() || state == ConnectorState::Connected)
        m_lastError = error;
    m_nextRetry = nextRetry;
    if (changed) {
        Q_EMIT stateChanged(state);
        Q_EMIT statusChanged(state, m_lastError, m_nextRetry);
    }
}

Capabilities Connector::capabilities() const
{
    return {};
}

QList<ResourceId> Connector::initialObservations() const
{
    return {};
}

QCoro::Task<ClearResult> Connector::clearRetained(const ResourceId &id, bool recursive)
{
    Q_UNUSED(recursive);
    co_return ClearResult{Result::failure(ErrorKind::Unsupported,
                                          QCoreApplication::translate("Connector", "%1: %2 keeps no retained values")
                                              .arg(id.toString(), id.scheme())),
                          0};
}

QCoro::Task<RawResponse> Connector::request(const RawRequest &request)
{
    RawResponse response;
    response.result = Result::failure(ErrorKind::Unsupported,
                                      QCoreApplication::translate("Connector", "%1: no raw requests over %2")
                                          .arg(request.target.toString(), request.target.scheme()));
    co_return response;
}

} // namespace thingscape
