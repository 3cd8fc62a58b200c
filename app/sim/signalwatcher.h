#pragma once

#include <QObject>

#include <memory>

class QSocketNotifier;

namespace thingscape::sim {

// Turns SIGINT / SIGTERM into a Qt signal (self-pipe): the handler only writes a byte,
// everything else happens on the event loop.
class SignalWatcher : public QObject
{
    Q_OBJECT

public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

    bool isValid() const { return m_notifier != nullptr; }
    // Also turns SIGUSR1 into holdRequested() (thingscape-sim: hold every value).
    void watchHoldSignal();

signals:
    void terminationRequested(int signalNumber);
    void holdRequested();

private:
    void readSignal();

    std::unique_ptr<QSocketNotifier> m_notifier;
};

} // namespace thingscape::sim
