#include "boundedrate.h"

#include <QTimer>

#include <algorithm>

namespace thingscape {

BoundedRate::BoundedRate(int intervalMs, std::function<void()> action, QObject *parent)
    : QObject(parent)
    , m_pending(new QTimer(this))
    , m_action(std::move(action))
    , m_intervalMs(std::max(0, intervalMs))
{
    m_pending->setSingleShot(true);
    connect(m_pending, &QTimer::timeout, this, [this] { m_action(); });
}

bool BoundedRate::allowNow()
{
    if (m_sinceRun.isValid() && m_sinceRun.elapsed() < m_intervalMs) {
        if (!m_pending->isActive()) {
            ++m_deferred;
            m_pending->start(int(std::max<qint64>(0, m_intervalMs - m_sinceRun.elapsed())));
        }
        return false;
    }
    m_pending->stop();
    m_sinceRun.start();
    ++m_runs;
    return true;
}

void BoundedRate::setInterval(int ms)
{
    m_intervalMs = std::max(0, ms);
    if (m_pending->isActive())
        m_pending->start(int(std::max<qint64>(0, m_intervalMs - m_sinceRun.elapsed())));
}

} // namespace thingscape
