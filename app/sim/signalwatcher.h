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

signals:
    void terminationRequested(int signalNumber);

private:
    void readSignal();

    std::unique_ptr<QSocketNotifier> m_notifier;
};

} // namespace thingscape::sim
