#include "statusindicators.h"

#include "windowmodels.h"

#include "model/resourcestore.h"
#include "protocols/endpointmanager.h"

#include <QDateTime>
#include <QFile>
#include <QLabel>
#include <QStatusBar>
#include <QTimer>

#include <climits>

namespace thingscape {

StatusIndicators::StatusIndicators(WindowModels *session, QStatusBar *bar)
    : QObject(bar)
    , m_session(session)
    , m_endpoints(new QLabel(bar))
    , m_resources(new QLabel(bar))
    , m_memory(new QLabel(bar))
    , m_rate(new QLabel(bar))
    , m_behind(new QLabel(bar))
    , m_timer(new QTimer(this))
{
    m_endpoints->setObjectName(QStringLiteral("statusEndpoints"));
    m_resources->setObjectName(QStringLiteral("statusResources"));
    m_memory->setObjectName(QStringLiteral("statusMemory"));
    m_rate->setObjectName(QStringLiteral("statusRate"));
    m_behind->setObjectName(QStringLiteral("statusBehind"));
    m_behind->setVisible(false);
    for (QLabel *label : {m_behind, m_endpoints, m_resources, m_memory, m_rate}) {
        label->setTextFormat(Qt::PlainText);
        bar->addPermanentWidget(label);
    }
    m_timer->setInterval(1000);
    connect(m_timer, &QTimer::timeout, this, &StatusIndicators::tick);
    m_timer->start();
    connect(m_session->endpoints(), &EndpointManager::endpointChanged, this,
            [this] { m_endpoints->setText(endpointsText()); });
    connect(m_session->store(), &ResourceStore::ingestStatsChanged, this, &StatusIndicators::updateBehind);
    tick();
}

QString StatusIndicators::behindLabelText() const
{
    return m_behind->isVisible() ? m_behind->text() : QString();
}

QString StatusIndicators::behindText(const IngestStats &stats, const QList<SubscriptionInfo> &subscriptions,
                                     qint64 nowMs)
{
    QStringList parts;
    if (stats.lastBehindMs > 0 && nowMs - stats.lastBehindMs <= kBehindShownMs) {
        QString part = tr("Ingestion behind: %n message(s) merged", nullptr, int(std::min<quint64>(stats.coalesced, INT_MAX)));
        if (stats.lastWaitMs > ResourceStore::kBehindWaitMs || stats.maxWaitMs > ResourceStore::kBehindWaitMs)
            part += tr(", waited up to %1 s").arg(double(stats.maxWaitMs) / 1000.0, 0, 'f', 1);
        parts.append(part);
    }
    // A subscriber's losses stay shown: they are data a rule or a recording never saw.
    for (const SubscriptionInfo &subscription : subscriptions) {
        if (subscription.dropped > 0)
            parts.append(tr("%1 dropped %2 event(s)").arg(subscription.name).arg(subscription.dropped));
    }
    return parts.join(QLatin1String("; "));
}

void StatusIndicators::updateBehind()
{
    const IngestStats stats = m_session->store()->ingestStats();
    const QString text = behindText(stats, m_session->store()->subscriptions(), QDateTime::currentMSecsSinceEpoch());
    m_behind->setText(text);
    m_behind->setVisible(!text.isEmpty());
    m_behind->setToolTip(tr("Batches taken: %1\nMessages merged while the window was busy: %2\n"
                            "Longest wait for a batch: %3 ms")
                             .arg(stats.handOvers)
                             .arg(stats.coalesced)
                             .arg(stats.maxWaitMs));
}

QString StatusIndicators::endpointsText() const
{
    return tr("Endpoints: %1/%2 connected")
        .arg(m_session->endpoints()->connectedCount())
        .arg(m_session->endpoints()->endpoints().size());
}

QString StatusIndicators::resourcesText() const
{
    return tr("Resources: %1").arg(m_session->store()->size());
}

QString StatusIndicators::megabytes(qint64 bytes)
{
    const double mb = double(bytes) / (1024.0 * 1024.0);
    return tr("%1 MB").arg(mb, 0, 'f', mb < 10 ? 1 : 0);
}

QString StatusIndicators::memoryText() const
{
    // Everything the store holds (records, metadata, current values, history and the stream's
    // payloads); the budget covers the history and the stream, which the tooltip breaks down.
    const ResourceStore *store = m_session->store();
    return tr("Store: %1").arg(megabytes(store->memoryBytes()));
}

namespace {

// The process's resident memory (Linux), for comparison with the store's own figure; 0 elsewhere.
qint64 residentBytes()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong() * 1024;
    }
    return 0;
}

} // namespace

QString StatusIndicators::rateText() const
{
    return m_rate->text();
}

void StatusIndicators::tick()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const quint64 in = m_session->store()->messagesIn();
    const quint64 out = m_session->store()->messagesOut();
    // A rate alone reads "Out: 0/s" a second after a write: the count of messages sent says
    // that they went.
    double inRate = 0;
    double outRate = 0;
    if (m_lastTickMs > 0 && now > m_lastTickMs) {
        const double seconds = double(now - m_lastTickMs) / 1000.0;
        inRate = double(in - m_lastIn) / seconds;
        outRate = double(out - m_lastOut) / seconds;
    }
    m_rate->setText(tr("In: %1/s  Out: %2/s (%3 sent)")
                        .arg(inRate, 0, 'f', 0)
                        .arg(outRate, 0, 'f', 0)
                        .arg(out));
    m_rate->setToolTip(tr("Messages per second over the last second; %1 received and %2 sent since the start")
                           .arg(in)
                           .arg(out));
    m_lastIn = in;
    m_lastOut = out;
    m_lastTickMs = now;
    m_endpoints->setText(endpointsText());
    m_resources->setText(resourcesText());
    m_memory->setText(memoryText());
    const ResourceStore *store = m_session->store();
    QString memoryTip = tr("Everything the store holds: %1 (resources, metadata, current values, history and the message stream)\n"
                           "History and message stream: %2 of a %3 budget (oldest points and payloads go first beyond it)\n"
                           "Points dropped for the per-resource capacity: %4; for the budget: %5")
                            .arg(megabytes(store->memoryBytes()), megabytes(store->keptBytes()), megabytes(store->memoryBudget()))
                            .arg(store->droppedByCapacity())
                            .arg(store->droppedByBudget());
    if (const qint64 resident = residentBytes(); resident > 0)
        memoryTip += QLatin1Char('\n') + tr("Whole process in memory (RSS): %1").arg(megabytes(resident));
    m_memory->setToolTip(memoryTip);
    updateBehind();
}

} // namespace thingscape
