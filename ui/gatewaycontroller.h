#pragma once

#include "protocols/gateway/gatewayoptions.h"

#include <QObject>

#include <memory>

class QLabel;
class QStatusBar;
class QWidget;

namespace thingscape {

class Gateway;
class WindowModels;

// The window's switch for the gateway serving its current workspace: settings from and to the
// workspace's "gateway" key (started when a workspace that has it enabled opens), the token a
// gateway beyond loopback needs (kept in the keyring, shown once), and its address, clients
// and state in the status bar.
class GatewayController : public QObject
{
    Q_OBJECT

public:
    GatewayController(WindowModels *session, QStatusBar *bar, QWidget *dialogParent);
    ~GatewayController() override;

    Gateway *gateway() const { return m_gateway.get(); }
    QLabel *statusLabel() const { return m_label; }
    // Opens the settings dialog (not modal); OK applies and saves them in the workspace.
    void openDialog();
    // Applies options: starts, restarts or stops the gateway, and keeps them in the workspace.
    void apply(const GatewayOptions &options);

Q_SIGNALS:
    // Something to tell the user (a failure to bind, the generated token).
    void message(const QString &text);

private:
    void workspaceLoaded();
    void start(GatewayOptions options);
    void updateLabel();

    WindowModels *m_session; // Not owned.
    QWidget *m_dialogParent; // Not owned.
    std::unique_ptr<Gateway> m_gateway;
    QLabel *m_label;         // Owned by the status bar.
    QString m_token;         // for this session, once loaded from the keyring or generated
};

} // namespace thingscape
