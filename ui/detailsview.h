#pragma once

#include "model/resourceid.h"

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QTableWidget;
class QTabWidget;
class QTimer;
class QTreeWidget;

namespace thingscape {

class EndpointManager;
class HistoryChart;
class Resource;
class ResourceStore;
struct StoreBatch;
class WriteBox;

// Everything about the selected resource: metadata and where each came from, the current
// value in several views (text, JSON tree, CBOR diagnostic, hex), its history as a chart and a
// table, and a write box. Refreshed at most once per frame while updates arrive.
class DetailsView : public QWidget
{
    Q_OBJECT

public:
    DetailsView(ResourceStore *store, EndpointManager *endpoints, QWidget *parent = nullptr);

    void showResource(const ResourceId &id);
    ResourceId resourceId() const { return m_id; }
    WriteBox *writeBox() const { return m_writeBox; }

private:
    void onBatch(const StoreBatch &batch);
    void refresh();
    void fillMetadata(const Resource *resource);
    void fillValue(const Resource *resource);
    void fillCurrentTab();
    void fillHistoryTable(const Resource *resource);

    ResourceStore *m_store;        // Not owned.
    EndpointManager *m_endpoints;  // Not owned.
    ResourceId m_id;
    QLabel *m_title;
    QLabel *m_uri;
    QTableWidget *m_metadata;
    QTabWidget *m_valueTabs;
    QPlainTextEdit *m_text;
    QTreeWidget *m_tree;
    QPlainTextEdit *m_diagnostic;
    QPlainTextEdit *m_hex;
    HistoryChart *m_chart;
    QTableWidget *m_historyTable;
    WriteBox *m_writeBox;
    QTimer *m_refreshTimer;
    quint64 m_shownUpdateCount = 0;
    const Resource *m_shown = nullptr; // Not owned; compared, never dereferenced after removal.
    bool m_tabsStale = true;
};

} // namespace thingscape
