#include "connector.h"

#include <QCoreApplication>
#include <QSet>

#include <algorithm>
#include <iterator>
#include <utility>

namespace thingscape {

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
    if (m_pending.isEmpty())
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
    if (m_pending.isEmpty() || m_batchTimer.isActive())
        return;
    // What waited goes out once it is a batch interval old: no faster than without backpressure.
    const qint64 age = QDateTime::currentMSecsSinceEpoch() - m_pendingSinceMs;
    m_batchTimer.start(int(std::clamp<qint64>(m_batchIntervalMs - age, 0, m_batchIntervalMs)));
}

void Connector::sendPending()
{
    if (m_pending.isEmpty() || (m_acknowledged && m_inFlight))
        return;
    UpdateBatch batch;
    const bool bite = m_acknowledged && m_pending.size() > m_handOverLimit;
    if (bite) {
        // The oldest first; the rest keeps its age, so it goes as soon as this is taken.
        batch = UpdateBatch(std::make_move_iterator(m_pending.begin()),
                            std::make_move_iterator(m_pending.begin() + m_handOverLimit));
        m_pending.remove(0, m_handOverLimit); // from the front: Qt moves its begin, no shift
    } else {
        batch.swap(m_pending);
        // Growing from empty moves every (large) Update at each reallocation: start at the last size.
        m_pending.reserve(batch.size());
    }
    m_inFlightSinceMs = m_pendingSinceMs;
    m_inFlightCoalesced = m_pendingCoalesced;
    m_pendingCoalesced = 0;
    // What a bite leaves is merged as soon as it passes the limit, as after a whole batch; above
    // it (distinct resources) once it doubled.
    m_coalesceAt = bite && m_pending.size() > m_pendingLimit ? 2 * m_pending.size() : m_pendingLimit;
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
    QSet<ResourceId> hasLaterValue;
    QHash<ResourceId, qsizetype> laterValue; // where in kept, unless a removal came between
    UpdateBatch kept;
    kept.reserve(m_pending.size());
    quint64 merged = 0;
    for (qsizetype i = m_pending.size() - 1; i >= 0; --i) {
        Update &update = m_pending[i];
        const bool incomingValue = update.direction == Direction::In && update.value && !update.remove;
        if (incomingValue) {
            const bool valueOnly = !update.state && update.metadata.isEmpty();
            if (hasLaterValue.contains(update.id)) {
                // Its metadata goes into the later value's (which wins where both set a field);
                // its state does not matter: a later value without a state means online.
                if (const auto later = laterValue.constFind(update.id); !valueOnly && later != laterValue.cend()) {
                    Metadata folded = std::move(update.metadata);
                    folded.merge(kept[*later].metadata);
                    kept[*later].metadata = std::move(folded);
                }
                if (valueOnly || laterValue.contains(update.id)) {
                    if (!update.derived)
                        ++merged;
                    continue;
                }
            }
            hasLaterValue.insert(update.id);
            laterValue.insert(update.id, kept.size());
        } else if (update.remove) {
            laterValue.remove(update.id); // nothing folds across a removal
        }
        kept.append(std::move(update));
    }
    std::reverse(kept.begin(), kept.end());
    m_pending = std::move(kept);
    m_pendingCoalesced += merged;
    m_coalesced += merged;
    // Distinct resources can keep it above the limit; coalesce again only once it doubled,
    // so a flood over many resources stays linear.
    m_coalesceAt = std::max(m_pendingLimit, 2 * m_pending.size());
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
    if (m_pending.isEmpty())
        m_pendingSinceMs = QDateTime::currentMSecsSinceEpoch();
    m_pending.append(std::move(update));
    if (m_pending.size() > m_peakPending.load())
        m_peakPending = m_pending.size();
    if (m_pending.size() > m_coalesceAt)
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
