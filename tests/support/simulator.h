#pragma once

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

    QString mqtt;
    QString coap;
    QString http;

private:
    QProcess m_process;
};

} // namespace testsupport
