#include "statusindicators.h"

#include "windowmodels.h"

#include "model/resourcestore.h"
#include "protocols/endpointmanager.h"

#include <QDateTime>
#include <QLabel>
#include <QStatusBar>
#include <QTimer>

namespace thingscape {

StatusIndicators::StatusIndicators(WindowModels *session, QStatusBar *bar)
    : QObject(bar)
    , m_session(session)
    , m_endpoints(new QLabel(bar))
    , m_resources(new QLabel(bar))
    , m_rate(new QLabel(bar))
    , m_timer(new QTimer(this))
{
    m_endpoints->setObjectName(QStringLiteral("statusEndpoints"));
    m_resources->setObjectName(QStringLiteral("statusResources"));
    m_rate->setObjectName(QStringLiteral("statusRate"));
    for (QLabel *label : {m_endpoints, m_resources, m_rate}) {
        label->setTextFormat(Qt::PlainText);
        bar->addPermanentWidget(label);
    }
    m_timer->setInterval(1000);
    connect(m_timer, &QTimer::timeout, this, &StatusIndicators::tick);
    m_timer->start();
    connect(m_session->endpoints(), &EndpointManager::endpointChanged, this,
            [this] { m_endpoints->setText(endpointsText()); });
    tick();
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

QString StatusIndicators::rateText() const
{
    return m_rate->text();
}

void StatusIndicators::tick()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const quint64 in = m_session->store()->messagesIn();
    const quint64 out = m_session->store()->messagesOut();
    if (m_lastTickMs > 0 && now > m_lastTickMs) {
        const double seconds = double(now - m_lastTickMs) / 1000.0;
        m_rate->setText(tr("In: %1/s  Out: %2/s")
                            .arg(double(in - m_lastIn) / seconds, 0, 'f', 0)
                            .arg(double(out - m_lastOut) / seconds, 0, 'f', 0));
    } else {
        m_rate->setText(tr("In: 0/s  Out: 0/s"));
    }
    m_lastIn = in;
    m_lastOut = out;
    m_lastTickMs = now;
    m_endpoints->setText(endpointsText());
    m_resources->setText(resourcesText());
}

} // namespace thingscape
