#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace thingscape {

// The one clock all tiles redraw on: at most kMaxHz frames a second, and none while nothing
// asked for one. Data arriving calls requestFrame(); tiles draw on frame(), never per message.
class FrameClock : public QObject
{
    Q_OBJECT

public:
    static constexpr int kMaxHz = 20;
    static constexpr int kIntervalMs = 1000 / kMaxHz;

    explicit FrameClock(QObject *parent = nullptr);

    // Something changed: a frame comes within kIntervalMs (coalescing every request until then).
    void requestFrame();
    bool isPending() const { return m_timer.isActive(); }
    quint64 frameCount() const { return m_frames; }

Q_SIGNALS:
    void frame();

private:
    void tick();

    QTimer m_timer;
    QElapsedTimer m_sinceLast;
    quint64 m_frames = 0;
};

} // namespace thingscape
