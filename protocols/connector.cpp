#include "connector.h"

#include <QCoreApplication>

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
    if (m_pending.isEmpty())
        return;
    UpdateBatch batch;
    batch.swap(m_pending);
    Q_EMIT updatesReady(batch);
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
    m_pending.append(std::move(update));
    if (!m_batchTimer.isActive())
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
