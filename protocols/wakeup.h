#pragma once

#include <QCoro/QCoroTask>
#include <QObject>

#include <chrono>
#include <list>

namespace thingscape {

// Lets coroutines sleep until something happened or a timeout passed. Unlike awaiting a
// signal with QCoro 0.8's qCoro(obj, signal, timeout), which resumes a destroyed frame when
// the signal is emitted twice before the queued resumption runs, any number of notify()
// calls are safe here: each waiter resumes exactly once, from the event loop.
class Wakeup : public QObject
{
    Q_OBJECT

public:
    explicit Wakeup(QObject *parent = nullptr);
    ~Wakeup() override;

    // Wakes every coroutine waiting now, from the event loop (not from inside this call).
    void notify();
    // Resumes after the next notify() or the timeout, whichever comes first. Waiters whose
    // Wakeup is destroyed resume at their timeout: check what they depend on afterwards.
    QCoro::Task<> wait(std::chrono::milliseconds timeout);

private:
    class Awaiter;

    void resumeAll();

    std::list<Awaiter *> m_waiting; // Not owned: they live in the waiting coroutines' frames.
    bool m_scheduled = false;
};

} // namespace thingscape
