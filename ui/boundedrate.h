#pragma once

#include <QElapsedTimer>
#include <QObject>

#include <functional>

class QTimer;

namespace thingscape {

// Runs an action at most once per interval, however often it is asked for: asked within the
// interval, it runs once at the interval's end. For views that would otherwise lay out or
// repaint per batch at thousands of messages a second.
class BoundedRate : public QObject
{
    Q_OBJECT

public:
    BoundedRate(int intervalMs, std::function<void()> action, QObject *parent = nullptr);

    // True when the action may run now (and it is counted as run); otherwise it is put off to
    // the interval's end, when the action is called (and will be allowed).
    bool allowNow();
    void setInterval(int ms);
    // Runs allowed, and runs put off (each counted once, however many asks joined it).
    quint64 runs() const { return m_runs; }
    quint64 deferred() const { return m_deferred; }

private:
    QElapsedTimer m_sinceRun;
    QTimer *m_pending;
    std::function<void()> m_action;
    quint64 m_runs = 0;
    quint64 m_deferred = 0;
    int m_intervalMs;
};

} // namespace thingscape
