#pragma once

#include "model/resourceid.h"

#include <QDockWidget>
#include <QElapsedTimer>

class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;
class QTimer;
class QTreeView;

namespace thingscape {

class EndpointManager;
class ResourceFilterProxyModel;
class ResourceStore;
class ResourceTreeModel;
class TreeDecorationProxy;

// The resource tree: every endpoint and its resources, live values, state icons, a search box
// (substring, MQTT wildcard, regular expression) and the per-resource actions.
class ResourceTreeDock : public QDockWidget
{
    Q_OBJECT

public:
    ResourceTreeDock(ResourceStore *store, ResourceTreeModel *model, EndpointManager *endpoints,
                     QWidget *parent = nullptr);

    QTreeView *view() const { return m_view; }
    QLineEdit *searchField() const { return m_search; }
    QComboBox *searchMode() const { return m_mode; }
    ResourceFilterProxyModel *filterModel() const { return m_filter; }
    ResourceId currentResource() const;
    QList<ResourceId> selectedResources() const;
    void selectResource(const ResourceId &id);
    // The names offered in "Add to system"; set by whoever owns the systems.
    void setSystemNames(const QStringList &names);

    void readSelected();
    void observeSelected(bool observe);
    void copySelectedUris();
    void clearRetainedSelected();

Q_SIGNALS:
    void currentResourceChanged(const thingscape::ResourceId &id);
    void writeRequested(const thingscape::ResourceId &id);
    void addToSystemRequested(const QString &systemName, const QList<thingscape::ResourceId> &ids);
    void newSystemRequested(const QList<thingscape::ResourceId> &ids);
    void statusMessage(const QString &message);

private:
    void showContextMenu(const QPoint &pos);
    void applyFilter();
    QList<ResourceId> resourcesUnder(const QModelIndex &index) const;

    ResourceStore *m_store;         // Not owned.
    ResourceTreeModel *m_model;     // Not owned.
    EndpointManager *m_endpoints;   // Not owned.
    TreeDecorationProxy *m_decoration;
    ResourceFilterProxyModel *m_filter;
    QLineEdit *m_search;
    QComboBox *m_mode;
    QLabel *m_filterError;
    QTreeView *m_view;
    QTimer *m_highlightTimer;
    QElapsedTimer m_sinceLastBatch;
    QStringList m_systemNames;
};

} // namespace thingscape
