#pragma once

#include "model/system.h"

#include <QDockWidget>

class QListWidget;
class QTableWidget;
class QTimer;
class QToolButton;
class QUndoStack;

namespace thingscape {

class ResourceStore;

// Named systems: resources from any endpoint and protocol grouped and shown side by side.
// Resources are dropped in from the tree (or added from its context menu). Every edit goes
// through the undo stack.
class SystemsDock : public QDockWidget
{
    Q_OBJECT

public:
    SystemsDock(ResourceStore *store, QUndoStack *undoStack, QWidget *parent = nullptr);

    QList<System> systems() const { return m_systems; }
    // Replaces all systems without an undo step (loading a workspace).
    void setSystems(const QList<System> &systems);
    QStringList systemNames() const;
    QString currentSystem() const;
    QTableWidget *resourceTable() const { return m_table; }

    // Undoable edits.
    void addResources(const QString &systemName, const QList<ResourceId> &ids);
    QString createSystem(const QString &name, const QList<ResourceId> &ids = {});
    void removeSystem(const QString &name);
    void renameSystem(const QString &from, const QString &to);
    void removeResources(const QString &systemName, const QList<ResourceId> &ids);

    // Used by the undo commands.
    void applySnapshot(const QList<System> &systems);

Q_SIGNALS:
    void systemsChanged();
    void resourceActivated(const thingscape::ResourceId &id);
    // The user asked for a dashboard of this system's resources.
    void dashboardRequested(const thingscape::System &system);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void rememberTitle(System &system, const ResourceId &id) const;
    void commit(const QString &text, const QList<System> &after);
    void refreshList();
    void refreshTable();
    QString uniqueName(const QString &base) const;
    int indexOf(const QString &name) const;

    ResourceStore *m_store;   // Not owned.
    QUndoStack *m_undoStack;  // Not owned.
    QList<System> m_systems;
    QListWidget *m_list;
    QTableWidget *m_table;
    QToolButton *m_add;
    QToolButton *m_rename;
    QToolButton *m_remove;
    QToolButton *m_removeResource;
    QTimer *m_refreshTimer;
};

} // namespace thingscape
