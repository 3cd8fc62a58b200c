#include "frameclock.h"

namespace thingscape {

FrameClock::FrameClock(QObject *parent)
    : QObject(parent)
{
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &FrameClock::tick);
}

void FrameClock::requestFrame()
{
    if (m_timer.isActive())
        return;
    // A frame as soon as the last one is kIntervalMs old: never faster, and no later.
    const qint64 since = m_sinceLast.isValid() ? m_sinceLast.elapsed() : kIntervalMs;
    m_timer.start(int(std::max<qint64>(0, kIntervalMs - since)));
}

void FrameClock::tick()
{
    m_sinceLast.start();
    ++m_frames;
    Q_EMIT frame();
}

} // namespace thingscape
