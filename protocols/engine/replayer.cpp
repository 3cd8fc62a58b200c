#include "replayer.h"

#include "protocols/connector.h"
#include "protocols/endpointmanager.h"

#include <QCoreApplication>
#include <QTimer>

#include <cmath>

namespace thingscape {

namespace {

constexpr int kPage = 2000;
constexpr int kMaxInFlight = 64;

} // namespace

Replayer::Replayer(RecordingDatabase *db, EndpointManager *endpoints, QObject *parent)
    : QObject(parent)
    , m_db(db)
    , m_endpoints(endpoints)
{
}

Replayer::~Replayer() = default;

ResourceId Replayer::mapped(const QString &recordedUri, const ReplayOptions &options)
{
    const std::optional<ResourceId> source = ResourceId::parse(recordedUri);
    if (!source)
        return {};
    QString path = source->protocol() == Protocol::Mqtt ? source->topic() : source->path().mid(1);
    if (!options.prefix.isEmpty()) {
        QString prefix = options.prefix;
        while (prefix.endsWith(QLatin1Char('/')))
            prefix.chop(1);
        while (prefix.startsWith(QLatin1Char('/')))
            prefix.remove(0, 1);
        path = path.isEmpty() ? prefix : prefix + QLatin1Char('/') + path;
    }
    const ResourceId endpoint = options.target.endpoint();
    if (endpoint.protocol() == Protocol::Mqtt)
        return ResourceId::fromTopic(endpoint, path);
    return ResourceId::fromParts(endpoint.scheme(), endpoint.host(), endpoint.port(), QLatin1Char('/') + path);
}

void Replayer::start(const ReplayOptions &options)
{
    m_options = options;
    QString error;
    const std::optional<qint64> total = m_db->count(options.uris, options.fromMs, options.toMs, &error);
    if (!total) {
        QTimer::singleShot(0, this, [this, error] { finish(false, error); });
        return;
    }
    m_total = *total;
    m_clock.start();
    QTimer::singleShot(0, this, &Replayer::pump);
}

void Replayer::cancel()
{
    finish(false, tr("cancelled"));
}

bool Replayer::fill()
{
    if (m_exhausted || m_queue.size() >= size_t(kPage / 2))
        return true;
    QString error;
    int taken = 0;
    const bool ok = m_db->forEach(
        m_options.uris, m_options.fromMs, m_options.toMs,
        [&](const RecordedMessage &message) {
            m_lastId = message.id;
            // Only what peers sent: the writes we made are not part of a device's log.
            if (message.direction == Direction::In)
                m_queue.push_back(message);
            else
                ++m_sent;
            return ++taken < kPage;
        },
        &error, m_lastId);
    if (!ok) {
        finish(false, error);
        return false;
    }
    if (taken < kPage)
        m_exhausted = true;
    return true;
}

void Replayer::pump()
{
    m_pumpScheduled = false;
    if (m_done)
        return;
    if (!m_endpoints) {
        finish(false, tr("the endpoints are gone"));
        return;
    }
    if (!fill())
        return;
    while (!m_queue.empty() && m_inFlight < kMaxInFlight) {
        const RecordedMessage &next = m_queue.front();
        if (m_firstTimeMs < 0)
            m_firstTimeMs = next.timeMs;
        if (m_options.speed > 0) {
            const qint64 dueMs = qint64(std::llround(double(next.timeMs - m_firstTimeMs) / m_options.speed));
            const qint64 waitMs = dueMs - m_clock.elapsed();
            if (waitMs > 0) {
                if (!m_pumpScheduled) {
                    m_pumpScheduled = true;
                    QTimer::singleShot(std::chrono::milliseconds(waitMs), Qt::PreciseTimer, this, &Replayer::pump);
                }
                return;
            }
        }
        const ResourceId target = mapped(next.uri, m_options);
        if (!target.isValid()) {
            finish(false, tr("cannot map %1 onto %2").arg(next.uri, m_options.target.toString()));
            return;
        }
        WriteOptions options;
        options.contentFormat = next.contentFormat;
        options.qos = m_options.qos;
        options.cause = Cause::user();
        ++m_inFlight;
        const QByteArray payload = next.raw;
        m_queue.pop_front();
        QPointer<Replayer> guard = this;
        m_endpoints->write(target, payload, options, [guard, target](const Result &result) {
            if (!guard || guard->m_done)
                return;
            --guard->m_inFlight;
            if (!result.ok()) {
                guard->finish(false, tr("%1: %2").arg(target.toString(), result.error));
                return;
            }
            ++guard->m_sent;
            if (guard->m_sent % 100 == 0)
                Q_EMIT guard->progress(guard->m_sent, guard->m_total);
            if (!guard->m_pumpScheduled) {
                guard->m_pumpScheduled = true;
                QTimer::singleShot(0, guard, &Replayer::pump);
            }
        });
        if (m_done)
            return;
        if (!fill())
            return;
    }
    if (m_queue.empty() && m_exhausted && m_inFlight == 0) {
        Q_EMIT progress(m_sent, m_total);
        finish(true, {});
    }
}

void Replayer::finish(bool ok, const QString &error)
{
    if (m_done)
        return;
    m_done = true;
    Q_EMIT finished(ok, error);
}

} // namespace thingscape
