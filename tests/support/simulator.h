#pragma once

#include <QJsonObject>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace testsupport {

// thingscape-sim (from $THINGSCAPE_BINARY_DIR/app, else the build directory two levels above
// the running binary) as a child process that dies with the
// test; start() waits for the endpoint URLs it prints. The destructor stops it with SIGTERM.
class Simulator
{
public:
    Simulator() = default;
    Simulator(const Simulator &) = delete;
    Simulator &operator=(const Simulator &) = delete;
    ~Simulator();

    // args go after --print-endpoints. True once every part not switched off (--no-http...)
    // printed its URL.
    bool start(const QStringList &args = {});
    // SIGUSR1: the simulator stops updating and says what it sent last; returns that line's
    // "held" object ({"telemetry": {"door-sensor-1": 812, ...}}), empty if none came in time.
    QJsonObject hold(int timeoutMs = 30000);

    QString mqtt;
    QString coap;
    QString http;

private:
    QProcess m_process;
};

} // namespace testsupport
