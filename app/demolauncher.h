#pragma once

#include "model/workspace.h"

#include <QObject>
#include <QProcess>

#include <memory>
#include <optional>

namespace thingscape {

class WorkspaceController;

// Starts thingscape-sim as a child process, waits for the endpoint URLs it prints, and builds
// the demo workspace from them. The simulator stops when the launcher is destroyed.
// A demo workspace carries "demo": true; saved and opened again, it starts the simulator
// again and moves the demo endpoints (and every URI under them) to the simulator's new ports.
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
    static bool isDemoWorkspace(const Workspace &workspace);
    // The saved demo workspace with its demo endpoints moved to the given URLs: endpoint URLs,
    // system resources and any other URI under them (dashboards, rules) follow.
    static Workspace rebind(const Workspace &saved, const QString &mqtt, const QString &coap, const QString &http);

    // Starts the simulator again for a saved demo workspace; reopened() or failed() follow.
    void reopen(const Workspace &saved, const QString &path);
    // Opens saved demo workspaces of this controller through reopen(), and applies the result;
    // when the simulator cannot start, the workspace opens as it was and failed() says why.
    void attach(WorkspaceController *controller);

Q_SIGNALS:
    void ready(const thingscape::Workspace &workspace);
    void failed(const QString &error);
    void reopened(const thingscape::Workspace &workspace, const QString &path);

private:
    void readOutput();
    void fail(const QString &error);

    std::unique_ptr<QProcess> m_process;
    QByteArray m_buffer;
    bool m_ready = false;
    bool m_failed = false;
    std::optional<Workspace> m_saved; // being reopened
    QString m_savedPath;
};

} // namespace thingscape
