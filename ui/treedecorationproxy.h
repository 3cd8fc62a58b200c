#pragma once

#include <QIdentityProxyModel>

namespace thingscape {

class ResourceTreeModel;

// Adds what only a widget view needs to the GUI-free tree model: protocol and state icons,
// a fading highlight on rows that just changed, and drag data (resource URIs).
class TreeDecorationProxy : public QIdentityProxyModel
{
    Q_OBJECT

public:
    static constexpr int kHighlightMs = 1500;
    static inline const char *kMimeType = "application/x-thingscape-resource-ids";

    explicit TreeDecorationProxy(ResourceTreeModel *source, QObject *parent = nullptr);

    QVariant data(const QModelIndex &index, int role) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QStringList mimeTypes() const override;
    QMimeData *mimeData(const QModelIndexList &indexes) const override;
    Qt::DropActions supportedDragActions() const override;

private:
    ResourceTreeModel *m_tree; // Not owned.
};

} // namespace thingscape
