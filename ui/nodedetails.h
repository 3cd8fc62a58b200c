#pragma once

#include "model/resourceid.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QSplitter;
class QTableWidget;
class QTimer;
class QTreeWidget;

namespace thingscape {

class EndpointManager;
class ResourceStore;
struct StoreBatch;

// What a tree row without a resource of its own is: an endpoint (its state, why it failed,
// counts, settings without secrets, Connect / Disconnect), a WoT Thing (title, description,
// affordances), a folder (its children, how many messages arrive), or nothing any more.
// Kept current while shown: on endpoint changes at once, otherwise once a second.
class NodeDetails : public QWidget
{
    Q_OBJECT

public:
    enum class Kind {
        None,
        Endpoint,
        Folder,
        Thing,
        Gone,
    };

    NodeDetails(ResourceStore *store, EndpointManager *endpoints, QWidget *parent = nullptr);

    void showNode(const ResourceId &id);
    ResourceId nodeId() const { return m_id; }
    Kind kind() const { return m_kind; }
    QString title() const { return m_title; }
    // The configured endpoint the node is (Endpoint), else empty.
    QString endpointId() const { return m_endpointId; }
    void refresh();

Q_SIGNALS:
    void titleChanged(const QString &title);

private:
    struct Fact
    {
        QString name;
        QString value;
    };

    void onBatch(const StoreBatch &batch);
    void showFacts(const QList<Fact> &facts);
    void refreshEndpoint(QList<Fact> *facts);
    void refreshContents(QList<Fact> *facts);
    void setTitle(const QString &title);
    void showList(bool show);

    ResourceStore *m_store;       // Not owned.
    EndpointManager *m_endpoints; // Not owned.
    ResourceId m_id;
    Kind m_kind = Kind::None;
    QString m_title;
    QString m_endpointId;
    QLabel *m_summary;
    QLabel *m_error;
    QPushButton *m_connect;
    QPushButton *m_disconnect;
    QPushButton *m_discover;
    QWidget *m_buttons;
    QTableWidget *m_facts;
    QLabel *m_description;
    QLabel *m_listLabel;
    QTreeWidget *m_list;
    QWidget *m_listBox;
    QSplitter *m_splitter;
    bool m_listShown = true;
    QTimer *m_tick;
    QTimer *m_soon;
};

} // namespace thingscape
