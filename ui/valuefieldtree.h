#pragma once

#include "model/resourceid.h"

#include <QCborValue>
#include <QTreeWidget>

namespace thingscape {

// A decoded value (JSON / CBOR) as a tree of keys and values. Every field carries its JSON
// pointer, and fields drag out as "this resource, this field" (a dashboard makes a tile of it).
class ValueFieldTree : public QTreeWidget
{
    Q_OBJECT

public:
    // Fields dragged out: one "URI<TAB>pointer" a line.
    static inline const char *kMimeType = "application/x-thingscape-resource-fields";
    static constexpr int PointerRole = Qt::UserRole + 1;

    explicit ValueFieldTree(QWidget *parent = nullptr);

    // Shows value of the resource id: a container's fields, else the value itself.
    void showValue(const ResourceId &id, const QCborValue &value);
    // The item at a JSON pointer ("/sensors/0/temp"), or null.
    QTreeWidgetItem *itemAt(const QString &pointer) const;
    // What dragging these items carries (null when none names a field).
    QMimeData *dragData(const QList<QTreeWidgetItem *> &items) const;
    // (resource, pointer) pairs of a field mime, as dropped.
    static QList<std::pair<ResourceId, QString>> fieldsOf(const QMimeData *mime);

protected:
    QStringList mimeTypes() const override;
    QMimeData *mimeData(const QList<QTreeWidgetItem *> &items) const override;

private:
    ResourceId m_id;
};

} // namespace thingscape
