#pragma once

#include <QHash>
#include <QObject>

#include <functional>
#include <map>

class QTimer;

namespace thingscape {

// The rule engine's time: now, and callbacks at a time (hold times, delays, staleness,
// schedules). The system one runs on timers; tests use the manual one and move time on
// themselves, so thresholds with hold times are checked without waiting or sleeping. Used
// only on the rule engine's thread.
class RuleClock
{
public:
    using Handle = quint64;

    virtual ~RuleClock();
    virtual qint64 nowMs() const = 0;
    // Calls fn (on this thread) once nowMs() >= atMs. Handles are never 0.
    virtual Handle callAt(qint64 atMs, std::function<void()> fn) = 0;
    // Forgets a pending call; unknown or spent handles are ignored.
    virtual void cancel(Handle handle) = 0;
};

// Wall-clock time (ms since the epoch) and precise timers.
class SystemRuleClock : public RuleClock
{
public:
    SystemRuleClock();
    ~SystemRuleClock() override;
    qint64 nowMs() const override;
    Handle callAt(qint64 atMs, std::function<void()> fn) override;
    void cancel(Handle handle) override;

private:
    QObject m_context;
    QHash<Handle, QTimer *> m_timers; // children of m_context
    Handle m_last = 0;
};

// Time that moves only when advance() says so.
class ManualRuleClock : public RuleClock
{
public:
    explicit ManualRuleClock(qint64 startMs);
    qint64 nowMs() const override { return m_now; }
    Handle callAt(qint64 atMs, std::function<void()> fn) override;
    void cancel(Handle handle) override;
    // Moves time on by ms, running every call due on the way, in time order, each with
    // nowMs() at its own time.
    void advance(qint64 ms);

private:
    qint64 m_now;
    std::multimap<qint64, Handle> m_due;
    QHash<Handle, std::function<void()>> m_calls;
    Handle m_last = 0;
};

} // namespace thingscape
