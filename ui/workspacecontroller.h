#pragma once

#include "model/system.h"
#include "model/workspace.h"

#include <QObject>
#include <QStringList>

#include <functional>
#include <memory>

class QLockFile;
class QTimer;
class QWidget;

namespace thingscape {

class Engine;
class ResourceTreeModel;
class WindowModels;

// The workspace file behind a window: new / open / save / save as / recent files, the dirty
// flag, autosave to a recovery file, and the offer to recover after a crash. The engine
// loads, applies and saves; this adds the dialogs, hands systems and the window layout to
// their owners in the window, and asks for secrets in this window.
class WorkspaceController : public QObject
{
    Q_OBJECT

public:
    static constexpr int kAutosaveIntervalMs = 30000;
    static constexpr int kMaxRecentFiles = 8;

    WorkspaceController(WindowModels *models, QWidget *window);
    ~WorkspaceController() override;

    QString path() const;
    QString displayName() const;
    bool isDirty() const { return m_dirty; }
    void markDirty();
    QStringList recentFiles() const;

    void newWorkspace();
    bool open(const QString &path);
    void openDialog();
    bool save();
    bool saveAs(const QString &path);
    void saveAsDialog();
    // Asks to save unsaved changes; false when the user cancels.
    bool maybeSave();
    // Applies a workspace through the engine (endpoints connect where autoConnect is set).
    void apply(const Workspace &workspace, const QString &path);
    Workspace snapshot() const;

    // Lets the app open a workspace that needs something started first (a saved demo site
    // starts its simulator again). The handler returns true when it took the workspace over.
    using OpenHandler = std::function<bool(const Workspace &workspace, const QString &path)>;
    void setOpenHandler(OpenHandler handler) { m_openHandler = std::move(handler); }

    void setSystems(const QList<System> &systems);
    void setLayoutProvider(std::function<QByteArray()> save, std::function<void(const QByteArray &)> restore);

    // Crash recovery. The directory holds a lock while the app runs and the recovery file.
    static QString stateDirectory();
    QString recoveryPath() const;
    // True when a previous run died with unsaved changes left in the recovery file.
    bool hasRecovery() const;
    // Offers recovery with a question box; returns true when recovered.
    bool offerRecovery();
    bool recover();
    bool writeRecovery();
    void shutDownCleanly();
    // For an exit the user did not ask for here (a signal): unsaved work stays recoverable.
    void shutDownKeepingWork();

Q_SIGNALS:
    void systemsLoaded(const QList<thingscape::System> &systems);
    void stateChanged();
    void message(const QString &text);

private:
    void setClean();
    // The engine's layout with the window's state as it is now.
    QJsonObject currentLayout() const;
    void addRecent(const QString &path);

    Engine *m_engine;  // Not owned.
    ResourceTreeModel *m_tree; // Not owned.
    QWidget *m_window; // Not owned.
    bool m_dirty = false;
    bool m_previousRunCrashed = false;
    std::function<QByteArray()> m_saveLayout;
    std::function<void(const QByteArray &)> m_restoreLayout;
    OpenHandler m_openHandler;
    std::unique_ptr<QLockFile> m_runLock;
    QTimer *m_autosave;
};

} // namespace thingscape
