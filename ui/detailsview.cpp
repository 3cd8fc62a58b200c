#include "detailsview.h"

#include "elidedlabel.h"
#include "historychart.h"
#include "nodedetails.h"
#include "payloaddiffview.h"
#include "payloadtext.h"
#include "valuefieldtree.h"
#include "writebox.h"

#include "model/codecs/codecs.h"
#include "model/codecs/senml.h"
#include "model/resourcestore.h"
#include "protocols/endpointmanager.h"

#include <QCborArray>
#include <QCborMap>
#include <QDateTime>
#include <QFontDatabase>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPointer>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>

namespace thingscape {

namespace {

constexpr int kHistoryRows = 50;
using payloadtext::capped;
using payloadtext::kMaxShownBytes;

QString joined(const QStringList &list)
{
    return list.join(QLatin1Char(' '));
}

// How a payload's format is named on each protocol: CoAP content-format numbers mean nothing
// to MQTT or HTTP.
QString formatLabel(Protocol protocol, int contentFormat)
{
    if (protocol == Protocol::Coap)
        return codecs::contentFormatName(contentFormat);
    const QString mediaType = codecs::mediaTypeForContentFormat(contentFormat);
    return mediaType.isEmpty() ? codecs::contentFormatName(contentFormat) : mediaType;
}

QString decodedAsLabel(int contentFormat)
{
    switch (contentFormat) {
    case ContentFormat::Text:
        return QCoreApplication::translate("DetailsView", "text");
    case ContentFormat::Json:
        return QStringLiteral("JSON");
    case ContentFormat::Cbor:
        return QStringLiteral("CBOR");
    case ContentFormat::SenmlJson:
    case ContentFormat::SensmlJson:
        return QStringLiteral("SenML JSON");
    case ContentFormat::SenmlCbor:
    case ContentFormat::SensmlCbor:
        return QStringLiteral("SenML CBOR");
    case ContentFormat::OctetStream:
        return QCoreApplication::translate("DetailsView", "binary");
    default:
        return {};
    }
}

QPlainTextEdit *makeTextView(QWidget *parent, bool monospace)
{
    auto *view = new QPlainTextEdit(parent);
    view->setReadOnly(true);
    view->setLineWrapMode(monospace ? QPlainTextEdit::NoWrap : QPlainTextEdit::WidgetWidth);
    if (monospace)
        view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    return view;
}

} // namespace

DetailsView::DetailsView(ResourceStore *store, EndpointManager *endpoints, QWidget *parent)
    : QWidget(parent)
    , m_store(store)
    , m_endpoints(endpoints)
    , m_title(new ElidedLabel(Qt::ElideRight, this))
    , m_uri(new ElidedLabel(Qt::ElideMiddle, this))
    , m_pages(new QStackedWidget(this))
    , m_resourcePage(new QWidget(this))
    , m_node(new NodeDetails(store, endpoints, this))
    , m_metadata(new QTableWidget(0, 3, this))
    , m_valueTabs(new QTabWidget(this))
    , m_text(makeTextView(this, false))
    , m_tree(new ValueFieldTree(this))
    , m_diagnostic(makeTextView(this, true))
    , m_hex(makeTextView(this, true))
    , m_chart(new HistoryChart(this))
    , m_historyTable(new QTableWidget(0, 2, this))
    , m_writeBox(new WriteBox(this))
    , m_refreshTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("detailsView"));
    m_title->setObjectName(QStringLiteral("detailsTitle"));
    m_uri->setObjectName(QStringLiteral("detailsUri"));
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.3);
    titleFont.setBold(true);
    m_title->setFont(titleFont);

    m_metadata->setObjectName(QStringLiteral("metadataTable"));
    m_metadata->setHorizontalHeaderLabels({tr("Property"), tr("Value"), tr("Source")});
    m_metadata->verticalHeader()->hide();
    m_metadata->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_metadata->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_metadata->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    m_metadata->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_metadata->setSelectionBehavior(QAbstractItemView::SelectRows);
    // Long values (URIs, JSON) keep both ends; the whole text is in the tooltip.
    m_metadata->setTextElideMode(Qt::ElideMiddle);
    m_metadata->setWordWrap(false);
    const int rowHeight = fontMetrics().height() + 6;
    m_metadata->verticalHeader()->setDefaultSectionSize(rowHeight);

    m_valueTabs->setObjectName(QStringLiteral("valueTabs"));
    m_valueTabs->addTab(m_text, tr("&Text"));
    m_valueTabs->addTab(m_tree, tr("&Tree"));
    m_valueTabs->addTab(m_diagnostic, tr("&CBOR diagnostic"));
    m_valueTabs->addTab(m_hex, tr("&Hex"));

    m_historyTable->setObjectName(QStringLiteral("historyTable"));
    m_historyTable->setHorizontalHeaderLabels({tr("Time"), tr("Value")});
    m_historyTable->verticalHeader()->hide();
    m_historyTable->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_historyTable->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_historyTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_historyTable->setTextElideMode(Qt::ElideMiddle);
    m_historyTable->verticalHeader()->setDefaultSectionSize(rowHeight);

    auto *historyTabs = new QTabWidget(this);
    historyTabs->addTab(m_chart, tr("Chart"));
    historyTabs->addTab(m_historyTable, tr("Last values"));
    m_payloads = new PayloadDiffView(this);
    historyTabs->addTab(m_payloads, tr("Payloads && diff"));

    // Metadata and the current value side by side, the history under them.
    auto *top = new QSplitter(Qt::Horizontal, this);
    top->addWidget(m_metadata);
    top->addWidget(m_valueTabs);
    top->setStretchFactor(0, 3);
    top->setStretchFactor(1, 2);
    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(top);
    splitter->addWidget(historyTabs);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    auto *resourceLayout = new QVBoxLayout(m_resourcePage);
    resourceLayout->setContentsMargins(0, 0, 0, 0);
    resourceLayout->addWidget(splitter, 1);
    resourceLayout->addWidget(m_writeBox);
    m_pages->addWidget(m_resourcePage);
    m_pages->addWidget(m_node);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addWidget(m_uri);
    layout->addWidget(m_pages, 1);

    connect(m_node, &NodeDetails::titleChanged, this, [this](const QString &title) {
        if (m_pages->currentWidget() == m_node)
            m_title->setFullText(title);
    });

    connect(m_store, &ResourceStore::batchApplied, this, &DetailsView::onBatch);
    // Only the tab on show is rendered; the others when they are opened.
    connect(m_valueTabs, &QTabWidget::currentChanged, this, [this] {
        if (m_tabsStale)
            fillCurrentTab();
    });
    m_refreshTimer->setSingleShot(true);
    m_refreshTimer->setInterval(50);
    connect(m_refreshTimer, &QTimer::timeout, this, &DetailsView::refresh);
    connect(m_writeBox, &WriteBox::writeRequested, this,
            [this](const ResourceId &id, const QByteArray &payload, const WriteOptions &options) {
                QPointer<WriteBox> box = m_writeBox;
                m_endpoints->write(id, payload, options, [box](const Result &result) {
                    if (box)
                        box->showResult(result);
                });
            });
    showResource(ResourceId());
}

QString DetailsView::displayUri(const ResourceId &id)
{
    if (!id.isValid())
        return {};
    if (id.isEndpoint())
        return id.endpointUri();
    if (id.protocol() == Protocol::Mqtt)
        return id.endpointUri() + QLatin1Char('/') + id.topic();
    // Decodes what is safe to decode; delimiters such as %2F stay encoded.
    return QUrl(id.toString()).toDisplayString();
}

QString DetailsView::heading() const
{
    return m_title->fullText();
}

QString DetailsView::shownUri() const
{
    return m_uri->fullText();
}

void DetailsView::showResource(const ResourceId &id)
{
    m_id = id;
    m_shownUpdateCount = ~0ull;
    const Resource *resource = id.isEndpoint() ? nullptr : m_store->find(id);
    m_shown = resource;
    m_writeBox->setResource(resource);
    m_chart->setResource(resource);
    refresh();
}

void DetailsView::showNode()
{
    if (m_shown || m_pages->currentWidget() != m_node || m_node->nodeId() != m_id) {
        m_shown = nullptr;
        m_writeBox->setResource(nullptr);
        m_chart->setResource(nullptr);
        m_metadata->setRowCount(0);
        m_text->clear();
        m_tree->clear();
        m_diagnostic->clear();
        m_hex->clear();
        m_historyTable->setRowCount(0);
        m_pages->setCurrentWidget(m_node);
        m_node->showNode(m_id);
    }
    m_title->setFullText(m_node->title());
    m_uri->setFullText(displayUri(m_id));
}

void DetailsView::onBatch(const StoreBatch &batch)
{
    if (!m_id.isValid())
        return;
    for (const ResourceId &removed : batch.removed) {
        if (removed == m_id) {
            m_chart->setResource(nullptr);
            m_writeBox->setResource(nullptr);
            m_shown = nullptr;
            m_shownUpdateCount = ~0ull;
            m_refreshTimer->start();
            return;
        }
    }
    const Resource *current = m_store->find(m_id);
    const bool touched = std::any_of(batch.changed.begin(), batch.changed.end(),
                                     [current](const Resource *r) { return r == current; })
        || std::any_of(batch.added.begin(), batch.added.end(), [current](const Resource *r) { return r == current; });
    if (touched && !m_refreshTimer->isActive())
        m_refreshTimer->start();
}

void DetailsView::refresh()
{
    if (!m_id.isValid()) {
        m_pages->setCurrentWidget(m_resourcePage);
        m_title->setFullText(tr("No resource selected"));
        m_uri->setFullText(tr("Select a resource in the tree to see its details."));
        m_metadata->setRowCount(0);
        m_text->clear();
        m_tree->clear();
        m_diagnostic->clear();
        m_hex->clear();
        m_historyTable->setRowCount(0);
        m_chart->setResource(nullptr);
        m_writeBox->setResource(nullptr);
        m_node->showNode(ResourceId());
        return;
    }
    // An endpoint row is the endpoint, even where its "/" is a resource too.
    const Resource *resource = m_id.isEndpoint() ? nullptr : m_store->find(m_id);
    if (!resource) {
        showNode();
        return;
    }
    if (m_pages->currentWidget() != m_resourcePage) {
        m_pages->setCurrentWidget(m_resourcePage);
        m_node->showNode(ResourceId());
        m_shown = nullptr;
    }
    if (resource != m_shown) {
        // The same id may come back as a new resource (re-announced): rebind what holds it.
        m_shown = resource;
        m_writeBox->setResource(resource);
        m_chart->setResource(resource);
        m_shownUpdateCount = ~0ull;
    } else {
        // New value or metadata: the write box follows unless the user is editing.
        m_writeBox->updateFrom(resource);
    }
    m_title->setFullText(resource->title());
    m_uri->setFullText(displayUri(resource->id()));
    fillMetadata(resource);
    if (resource->updateCount() != m_shownUpdateCount) {
        m_shownUpdateCount = resource->updateCount();
        fillValue(resource);
        fillHistoryTable(resource);
        m_chart->setResource(resource);
    }
}

void DetailsView::fillMetadata(const Resource *resource)
{
    struct Row
    {
        QString name;
        QString value;
        MetaSource source;
    };
    const Metadata &m = resource->metadata();
    QList<Row> rows;
    auto add = [&rows](const QString &name, const QString &value, MetaSource source) {
        if (!value.isEmpty())
            rows.append({name, value, source});
    };
    add(tr("Protocol"), resource->id().scheme(), MetaSource::None);
    add(tr("State"), resourceStateName(resource->state()), MetaSource::None);
    if (m.title.isSet())
        add(tr("Title"), *m.title, m.title.source);
    if (m.description.isSet())
        add(tr("Description"), *m.description, m.description.source);
    if (m.device.isSet())
        add(tr("Device"), *m.device, m.device.source);
    if (m.resourceTypes.isSet())
        add(tr("Resource types (rt)"), joined(*m.resourceTypes), m.resourceTypes.source);
    if (m.interfaces.isSet())
        add(tr("Interfaces (if)"), joined(*m.interfaces), m.interfaces.source);
    const Protocol protocol = resource->id().protocol();
    if (m.contentFormat.isSet())
        add(protocol == Protocol::Coap ? tr("Content format (ct)") : tr("Content type"),
            formatLabel(protocol, *m.contentFormat), m.contentFormat.source);
    else if (protocol == Protocol::Mqtt && resource->hasValue())
        add(tr("Content type"), tr("none sent"), MetaSource::Protocol);
    if (resource->hasValue() && protocol != Protocol::Coap) {
        // What the payload was read as, without CoAP's numbers.
        const QString decodedAs = decodedAsLabel(resource->value().contentFormat);
        if (!decodedAs.isEmpty())
            add(tr("Read as"), decodedAs, MetaSource::None);
    }
    if (m.unit.isSet()) {
        QString unit = *m.unit;
        if (m.unitCode.isSet()) {
            const codecs::SenmlUnit *known = codecs::senmlUnit(*m.unitCode);
            unit = known ? tr("%1 (SenML code %2: %3)").arg(unit, *m.unitCode, QString::fromUtf8(known->name))
                         : tr("%1 (code %2)").arg(unit, *m.unitCode);
        }
        add(tr("Unit"), unit, m.unit.source);
    }
    if (m.observable.isSet())
        add(tr("Observable"), *m.observable ? tr("yes") : tr("no"), m.observable.source);
    if (m.writable.isSet())
        add(tr("Writable"), *m.writable ? tr("yes") : tr("no"), m.writable.source);
    if (m.readable.isSet())
        add(tr("Readable"), *m.readable ? tr("yes") : tr("no"), m.readable.source);
    if (m.commandUri.isSet())
        add(tr("Writes go to"), *m.commandUri, m.commandUri.source);
    if (m.retained.isSet())
        add(tr("Retained"), *m.retained ? tr("yes") : tr("no"), m.retained.source);
    if (m.size.isSet())
        add(tr("Size (sz)"), QString::number(*m.size), m.size.source);
    for (auto it = m.extra.begin(); it != m.extra.end(); ++it) {
        const QJsonValue v = it.value();
        QString text = v.isString() ? v.toString()
            : v.isDouble()          ? QString::number(v.toDouble())
            : v.isBool()            ? (v.toBool() ? tr("yes") : tr("no"))
            : QString::fromUtf8(QJsonDocument(v.isArray() ? QJsonDocument(v.toArray()) : QJsonDocument(v.toObject()))
                                    .toJson(QJsonDocument::Compact));
        add(it.key(), text, m.extraSource);
    }
    add(tr("Updates"), QString::number(resource->updateCount()), MetaSource::None);
    if (resource->lastUpdateMs() > 0)
        add(tr("Last update"), QDateTime::fromMSecsSinceEpoch(resource->lastUpdateMs()).toString(Qt::ISODateWithMs),
            MetaSource::None);

    m_metadata->setRowCount(int(rows.size()));
    for (int i = 0; i < rows.size(); ++i) {
        const Row &row = rows.at(i);
        auto setCell = [this, i](int column, const QString &text) {
            QTableWidgetItem *item = m_metadata->item(i, column);
            if (!item) {
                item = new QTableWidgetItem;
                m_metadata->setItem(i, column, item);
            }
            const QString shown = ElidedLabel::visible(text);
            if (item->text() != shown) {
                item->setText(shown);
                item->setToolTip(ElidedLabel::plainToolTip(text));
            }
        };
        setCell(0, row.name);
        setCell(1, row.value);
        setCell(2, metaSourceName(row.source));
    }
}

void DetailsView::fillValue(const Resource *)
{
    m_tabsStale = true;
    fillCurrentTab();
}

void DetailsView::fillCurrentTab()
{
    const Resource *resource = m_id.isValid() ? m_store->find(m_id) : nullptr;
    QWidget *tab = m_valueTabs->currentWidget();
    m_tabsStale = false;
    if (!resource || !resource->hasValue()) {
        m_text->setPlainText(resource ? tr("No value received yet.") : QString());
        m_tree->clear();
        m_diagnostic->clear();
        m_hex->clear();
        return;
    }
    // The other tabs are rendered when they are opened.
    m_tabsStale = true;
    Value value = resource->value();
    const bool truncated = value.raw.size() > kMaxShownBytes;
    if (tab == m_text) {
        // Payload text is plain text, always.
        m_text->setPlainText(payloadtext::decodedText(value));
    } else if (tab == m_tree) {
        m_tree->showValue(m_id, value.decoded.isContainer() || !truncated ? value.decoded.get() : QCborValue());
    } else if (tab == m_diagnostic) {
        QString text;
        if (value.contentFormat == ContentFormat::Cbor || value.contentFormat == ContentFormat::SenmlCbor
            || value.contentFormat == ContentFormat::SensmlCbor) {
            QString error;
            text = codecs::cborDiagnostic(value.raw.left(truncated ? kMaxShownBytes : value.raw.size()), &error);
        } else if (!value.decoded.isUndefined() && !truncated) {
            text = value.decoded.toDiagnosticNotation(QCborValue::LineWrapped);
        }
        m_diagnostic->setPlainText(capped(text));
    } else if (tab == m_hex) {
        m_hex->setPlainText(payloadtext::hexText(value.raw));
    }
}

void DetailsView::fillHistoryTable(const Resource *resource)
{
    const History &history = resource->history();
    QList<Value> payloads;
    for (qsizetype i = history.size() - 1; i >= 0 && payloads.size() < PayloadDiffView::kMaxPayloads; --i)
        payloads.append(history.at(i));
    m_payloads->setValues(payloads);
    const int rows = int(std::min<qsizetype>(kHistoryRows, history.size()));
    m_historyTable->setRowCount(rows);
    for (int row = 0; row < rows; ++row) {
        const Value &value = history.at(history.size() - 1 - row);
        auto *time = new QTableWidgetItem(QDateTime::fromMSecsSinceEpoch(value.timeMs).toString(
            QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")));
        auto *text = new QTableWidgetItem(ElidedLabel::visible(value.shortText(200)));
        m_historyTable->setItem(row, 0, time);
        m_historyTable->setItem(row, 1, text);
    }
}

} // namespace thingscape
