#pragma once

#include "model/resourceid.h"

#include <QWidget>

class QPlainTextEdit;
class QStackedWidget;
class QTableWidget;
class QTabWidget;
class QTimer;

namespace thingscape {

class ElidedLabel;
class EndpointManager;
class HistoryChart;
class NodeDetails;
class PayloadDiffView;
class Resource;
class ResourceStore;
struct StoreBatch;
class ValueFieldTree;
class WriteBox;

// Everything about the selected tree row. A resource: metadata and where each came from, the
// current value in several views (text, JSON tree, CBOR diagnostic, hex), its history as a
// chart and a table, and a write box; refreshed at most once per frame while updates arrive.
// A row without a resource (an endpoint, a folder, a WoT Thing): what NodeDetails shows.
class DetailsView : public QWidget
{
    Q_OBJECT

public:
    DetailsView(ResourceStore *store, EndpointManager *endpoints, QWidget *parent = nullptr);

    void showResource(const ResourceId &id);
    ResourceId resourceId() const { return m_id; }
    WriteBox *writeBox() const { return m_writeBox; }
    NodeDetails *nodeDetails() const { return m_node; }
    HistoryChart *chart() const { return m_chart; }
    PayloadDiffView *payloads() const { return m_payloads; }
    // The value as a tree of fields (a field drags onto a dashboard).
    ValueFieldTree *valueTree() const { return m_tree; }
    // The heading as shown (decoded, not percent-encoded).
    QString heading() const;
    QString shownUri() const;
    // URIs as people read them: MQTT topics and paths decoded (a %2F in a path stays, it is data).
    static QString displayUri(const ResourceId &id);

private:
    void onBatch(const StoreBatch &batch);
    void refresh();
    void fillMetadata(const Resource *resource);
    void fillValue(const Resource *resource);
    void fillCurrentTab();
    void fillHistoryTable(const Resource *resource);
    void showNode();

    ResourceStore *m_store;        // Not owned.
    EndpointManager *m_endpoints;  // Not owned.
    ResourceId m_id;
    ElidedLabel *m_title;
    ElidedLabel *m_uri;
    QStackedWidget *m_pages;
    QWidget *m_resourcePage;
    NodeDetails *m_node;
    QTableWidget *m_metadata;
    QTabWidget *m_valueTabs;
    QPlainTextEdit *m_text;
    ValueFieldTree *m_tree;
    QPlainTextEdit *m_diagnostic;
    QPlainTextEdit *m_hex;
    HistoryChart *m_chart;
    QTableWidget *m_historyTable;
    PayloadDiffView *m_payloads; // the last payloads and their differences
    WriteBox *m_writeBox;
    QTimer *m_refreshTimer;
    quint64 m_shownUpdateCount = 0;
    const Resource *m_shown = nullptr; // Not owned; compared, never dereferenced after removal.
    bool m_tabsStale = true;
};

} // namespace thingscape
