#pragma once

#include <QLineEdit>

class QAbstractItemModel;

namespace thingscape {

// A resource URI field: completes over the known URIs (a model the caller shares between
// fields) and takes a resource dragged from the tree. edited() on every change by the user,
// typed or dropped (never on setText()).
class ResourceUriEdit : public QLineEdit
{
    Q_OBJECT

public:
    explicit ResourceUriEdit(QAbstractItemModel *knownUris, QWidget *parent = nullptr);

Q_SIGNALS:
    void edited(const QString &uri);

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dragMoveEvent(QDragMoveEvent *event) override;
    void dropEvent(QDropEvent *event) override;
};

} // namespace thingscape
