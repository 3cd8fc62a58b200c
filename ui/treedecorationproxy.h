#pragma once

#include <QIdentityProxyModel>

namespace thingscape {

class ResourceTreeModel;
class TalkerStats;

// Adds what only a widget view needs to the GUI-free tree model: protocol and state icons,
// a fading highlight on rows that just changed, and drag data (resource URIs).
class TreeDecorationProxy : public QIdentityProxyModel
{
    Q_OBJECT

public:
    static constexpr int kHighlightMs = 1500;
    static inline const char *kMimeType = "application/x-thingscape-resource-ids";

    explicit TreeDecorationProxy(ResourceTreeModel *source, QObject *parent = nullptr);
    // Who talks most: each row's tooltip then tells the resources below it, the messages
    // received and the rates (read when the tooltip is asked for, counted per store batch).
    void setTalkerStats(TalkerStats *stats) { m_talkers = stats; }

    QVariant data(const QModelIndex &index, int role) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QStringList mimeTypes() const override;
    QMimeData *mimeData(const QModelIndexList &indexes) const override;
    Qt::DropActions supportedDragActions() const override;

private:
    QVariant withTalkerStats(const QModelIndex &index) const;

    ResourceTreeModel *m_tree; // Not owned.
    TalkerStats *m_talkers = nullptr; // Not owned.
};

} // namespace thingscape
