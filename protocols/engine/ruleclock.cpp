#include "ruleclock.h"

#include <QDateTime>
#include <QTimer>

#include <algorithm>
#include <limits>

namespace thingscape {

RuleClock::~RuleClock() = default;

SystemRuleClock::SystemRuleClock() = default;

SystemRuleClock::~SystemRuleClock() = default;

qint64 SystemRuleClock::nowMs() const
{
    return QDateTime::currentMSecsSinceEpoch();
}

RuleClock::Handle SystemRuleClock::callAt(qint64 atMs, std::function<void()> fn)
{
    const Handle handle = ++m_last;
    auto *timer = new QTimer(&m_context);
    timer->setSingleShot(true);
    timer->setTimerType(Qt::PreciseTimer);
    QObject::connect(timer, &QTimer::timeout, &m_context, [this, handle, fn = std::move(fn)] {
        if (QTimer *spent = m_timers.take(handle))
            spent->deleteLater();
        fn();
    });
    m_timers.insert(handle, timer);
    timer->start(int(std::clamp<qint64>(atMs - nowMs(), 0, std::numeric_limits<int>::max())));
    return handle;
}

void SystemRuleClock::cancel(Handle handle)
{
    if (QTimer *timer = m_timers.take(handle)) {
        timer->stop();
        timer->deleteLater();
    }
}

ManualRuleClock::ManualRuleClock(qint64 startMs)
    : m_now(startMs)
{
}

RuleClock::Handle ManualRuleClock::callAt(qint64 atMs, std::function<void()> fn)
{
    const Handle handle = ++m_last;
    m_due.emplace(std::max(atMs, m_now), handle);
    m_calls.insert(handle, std::move(fn));
    return handle;
}

void ManualRuleClock::cancel(Handle handle)
{
    m_calls.remove(handle);
}

void ManualRuleClock::advance(qint64 ms)
{
    const qint64 end = m_now + std::max<qint64>(0, ms);
    while (!m_due.empty() && m_due.begin()->first <= end) {
        const auto [at, handle] = *m_due.begin();
        m_due.erase(m_due.begin());
        const auto call = m_calls.find(handle);
        if (call == m_calls.end())
            continue;
        const std::function<void()> fn = std::move(call.value());
        m_calls.erase(call);
        m_now = at;
        fn();
    }
    m_now = end;
}

} // namespace thingscape
