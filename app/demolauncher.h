#pragma once

#include "model/workspace.h"

#include <QObject>
#include <QProcess>

#include <memory>

namespace thingscape {

// Starts thingscape-sim as a child process, waits for the endpoint URLs it prints, and builds
// the demo workspace from them. The simulator stops when the launcher is destroyed.
class DemoLauncher : public QObject
{
    Q_OBJECT

public:
    explicit DemoLauncher(QObject *parent = nullptr);
    ~DemoLauncher() override;

    // The simulator next to this executable, else on PATH.
    static QString simulatorPath();
    void start(const QStringList &extraArgs = {});
    void stop();
    static Workspace demoWorkspace(const QString &mqtt, const QString &coap, const QString &http);

Q_SIGNALS:
    void ready(const thingscape::Workspace &workspace);
    void failed(const QString &error);

private:
    void readOutput();
    void fail(const QString &error);

    std::unique_ptr<QProcess> m_process;
    QByteArray m_buffer;
    bool m_ready = false;
    bool m_failed = false;
};

} // namespace thingscape
