#pragma once

#include <QMainWindow>

class QSystemTrayIcon;
class QUndoStack;

namespace thingscape {

class DashboardsDock;
class ComposeDock;
class Composer;
class DetailsView;
class GatewayController;
class ResourceTreeDock;
class WindowModels;
class StatusIndicators;
class StreamDock;
class RulesDock;
class SystemsDock;
class RecordingController;
class TalkerStats;
class TopTalkersDock;
class WorkspaceController;

// The window frame: assembles the docks, the details view, menus, toolbar and status bar,
// and routes actions to the parts that own them. It holds no logic of its own.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(WindowModels *session, QWidget *parent = nullptr);
    ~MainWindow() override;

    WindowModels *session() const { return m_session; }
    ResourceTreeDock *treeDock() const { return m_treeDock; }
    StreamDock *streamDock() const { return m_streamDock; }
    SystemsDock *systemsDock() const { return m_systemsDock; }
    RulesDock *rulesDock() const { return m_rulesDock; }
    DashboardsDock *dashboardsDock() const { return m_dashboardsDock; }
    ComposeDock *composeDock() const { return m_composeDock; }
    Composer *composer() const { return m_composer; }
    TopTalkersDock *topTalkersDock() const { return m_talkersDock; }
    DetailsView *details() const { return m_details; }
    WorkspaceController *workspace() const { return m_workspace; }
    QUndoStack *undoStack() const { return m_undoStack; }
    GatewayController *gateway() const { return m_gateway; }
    RecordingController *recording() const { return m_recording; }

    void openConnections();
    void restoreWindowState();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void updateTitle();

    WindowModels *m_session; // Not owned.
    QUndoStack *m_undoStack;
    DetailsView *m_details;
    ResourceTreeDock *m_treeDock;
    StreamDock *m_streamDock;
    SystemsDock *m_systemsDock;
    RulesDock *m_rulesDock;
    StatusIndicators *m_status;
    WorkspaceController *m_workspace;
    DashboardsDock *m_dashboardsDock = nullptr;
    RecordingController *m_recording = nullptr; // Child.
    Composer *m_composer = nullptr;       // Owned (QObject child).
    ComposeDock *m_composeDock = nullptr; // Owned (QObject child).
    TalkerStats *m_talkers = nullptr;     // Owned (QObject child).
    TopTalkersDock *m_talkersDock = nullptr; // Owned (QObject child).
    QSystemTrayIcon *m_tray = nullptr; // created at the first notice, where there is a tray
    GatewayController *m_gateway = nullptr; // Owned by the status bar.
};

} // namespace thingscape
