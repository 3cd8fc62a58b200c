#include "nodedetails.h"

#include <algorithm>

#include "elidedlabel.h"

#include "model/resourcestore.h"
#include "protocols/endpointmanager.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QScopeGuard>
#include <QHash>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMap>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace thingscape {

namespace {

// Messages per second are counted over this window.
constexpr qint64 kRateWindowMs = 10000;
// A folder with more children lists only the first ones.
constexpr int kMaxListed = 500;

QString yesNo(bool value)
{
    return value ? NodeDetails::tr("yes") : NodeDetails::tr("no");
}

QString seconds(int ms)
{
    return ms % 1000 == 0 ? NodeDetails::tr("%n s", nullptr, ms / 1000)
                          : NodeDetails::tr("%1 s").arg(double(ms) / 1000.0, 0, 'f', 1);
}

QString timeText(qint64 ms)
{
    if (ms <= 0)
        return {};
    const QDateTime time = QDateTime::fromMSecsSinceEpoch(ms);
    if (time.date() == QDate::currentDate())
        return time.toString(QStringLiteral("HH:mm:ss"));
    return time.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

// Values received within the window, counted from the newest back.
qsizetype recentValues(const Resource *resource, qint64 since)
{
    const History &history = resource->history();
    qsizetype count = 0;
    for (qsizetype i = history.size() - 1; i >= 0 && history.at(i).timeMs >= since; --i)
        ++count;
    return count;
}

QString rateText(qsizetype messages)
{
    const double rate = double(messages) * 1000.0 / double(kRateWindowMs);
    return NodeDetails::tr("%1 messages/s (last %2 s)").arg(rate, 0, 'f', rate < 10 ? 1 : 0).arg(kRateWindowMs / 1000);
}

// Which Thing a resource was described by (a Thing Description's id, else its URL and title).
QString thingKey(const Resource *resource)
{
    const Metadata &m = resource->metadata();
    if (m.extraSource != MetaSource::ThingDescription || !m.extra.contains(QStringLiteral("td")))
        return {};
    const QString id = m.extra.value(QStringLiteral("thing")).toString();
    if (!id.isEmpty())
        return id;
    return m.extra.value(QStringLiteral("td")).toString() + QLatin1Char('#') + m.device.valueOr(QString());
}

// The path segment at `depth` as pathSegments() gives it, without building the list (a node
// with a million resources below it is counted every few seconds).
struct SegmentAt
{
    QStringView segment;
    bool found = false;
    bool last = false;
};

SegmentAt segmentAt(const ResourceId &id, qsizetype depth)
{
    const QStringView path = id.pathView();
    if (path.isEmpty() || path == QLatin1String("/"))
        return {};
    const QStringView rest = path.mid(1);
    qsizetype count = rest.count(QLatin1Char('/')) + 1;
    if (id.protocol() != Protocol::Mqtt && rest.endsWith(QLatin1Char('/')))
        --count; // pathSegments() drops a trailing empty segment outside MQTT
    if (depth >= count)
        return {};
    SegmentAt at;
    qsizetype index = 0;
    for (const QStringView segment : rest.tokenize(QLatin1Char('/'))) {
        if (index++ == depth) {
            at.segment = segment;
            break;
        }
    }
    at.found = true;
    at.last = depth == count - 1;
    return at;
}

QTreeWidgetItem *listItem(const QStringList &columns)
{
    auto *item = new QTreeWidgetItem;
    for (int i = 0; i < columns.size(); ++i) {
        const QString text = ElidedLabel::visible(columns.at(i));
        item->setText(i, text);
        item->setToolTip(i, ElidedLabel::plainToolTip(columns.at(i)));
    }
    return item;
}

} // namespace

NodeDetails::NodeDetails(ResourceStore *store, EndpointManager *endpoints, QWidget *parent)
    : QWidget(parent)
    , m_store(store)
    , m_endpoints(endpoints)
    , m_summary(new QLabel(this))
    , m_error(new QLabel(this))
    , m_connect(new QPushButton(tr("&Connect"), this))
    , m_disconnect(new QPushButton(tr("&Disconnect"), this))
    , m_discover(new QPushButton(tr("Discover &again"), this))
    , m_buttons(new QWidget(this))
    , m_facts(new QTableWidget(0, 2, this))
    , m_description(new QLabel(this))
    , m_listLabel(new QLabel(this))
    , m_list(new QTreeWidget(this))
    , m_tick(new QTimer(this))
    , m_soon(new QTimer(this))
{
    setObjectName(QStringLiteral("nodeDetails"));
    m_summary->setObjectName(QStringLiteral("nodeSummary"));
    m_error->setObjectName(QStringLiteral("nodeError"));
    m_connect->setObjectName(QStringLiteral("connectButton"));
    m_disconnect->setObjectName(QStringLiteral("disconnectButton"));
    m_discover->setObjectName(QStringLiteral("discoverButton"));
    m_facts->setObjectName(QStringLiteral("nodeFacts"));
    m_description->setObjectName(QStringLiteral("thingDescription"));
    m_list->setObjectName(QStringLiteral("nodeList"));
    for (QLabel *label : {m_summary, m_error, m_description, m_listLabel}) {
        // Names and errors come from peers: plain text, always.
        label->setTextFormat(Qt::PlainText);
        label->setWordWrap(true);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    }
    // The reason a connection failed is the first thing to read, not a tooltip.
    QPalette errorPalette = m_error->palette();
    errorPalette.setColor(QPalette::WindowText, QColor(0xb0, 0x1c, 0x1c));
    m_error->setPalette(errorPalette);
    QFont bold = m_error->font();
    bold.setBold(true);
    m_error->setFont(bold);
    m_error->hide();
    m_description->hide();

    m_facts->setHorizontalHeaderLabels({tr("Property"), tr("Value")});
    m_facts->verticalHeader()->hide();
    m_facts->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_facts->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_facts->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_facts->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_facts->setTextElideMode(Qt::ElideMiddle);
    m_facts->setWordWrap(false);
    m_facts->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);

    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setTextElideMode(Qt::ElideMiddle);
    m_list->setAlternatingRowColors(true);

    auto *buttons = new QHBoxLayout(m_buttons);
    buttons->setContentsMargins(0, 0, 0, 0);
    buttons->addWidget(m_connect);
    buttons->addWidget(m_disconnect);
    buttons->addWidget(m_discover);
    buttons->addStretch();

    m_listBox = new QWidget(this);
    auto *listBox = m_listBox;
    auto *listLayout = new QVBoxLayout(listBox);
    listLayout->setContentsMargins(0, 0, 0, 0);
    listLayout->addWidget(m_description);
    listLayout->addWidget(m_listLabel);
    listLayout->addWidget(m_list, 1);

    m_splitter = new QSplitter(Qt::Vertical, this);
    auto *splitter = m_splitter;
    splitter->addWidget(m_facts);
    splitter->addWidget(listBox);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_summary);
    layout->addWidget(m_error);
    layout->addWidget(m_buttons);
    layout->addWidget(splitter, 1);

    connect(m_connect, &QPushButton::clicked, this, [this] {
        if (!m_endpointId.isEmpty())
            m_endpoints->connectEndpoint(m_endpointId);
    });
    connect(m_disconnect, &QPushButton::clicked, this, [this] {
        if (!m_endpointId.isEmpty())
            m_endpoints->disconnectEndpoint(m_endpointId);
    });
    connect(m_discover, &QPushButton::clicked, this, [this] {
        if (!m_endpointId.isEmpty())
            m_endpoints->discover(m_endpointId);
    });
    connect(m_endpoints, &EndpointManager::endpointChanged, this, [this](const QString &id) {
        if (m_kind == Kind::Endpoint && (id == m_endpointId || m_endpointId.isEmpty()))
            refresh();
    });
    connect(m_endpoints, &EndpointManager::endpointAdded, this, [this] {
        if (m_kind == Kind::Endpoint && m_endpointId.isEmpty())
            refresh();
    });
    connect(m_endpoints, &EndpointManager::endpointRemoved, this, [this](const QString &id) {
        if (id == m_endpointId)
            refresh();
    });
    connect(m_store, &ResourceStore::batchApplied, this, &NodeDetails::onBatch);
    // Counts and rates move with every message: once a second is enough to read them.
    m_tick->setInterval(1000);
    connect(m_tick, &QTimer::timeout, this, [this] {
        if (isVisible())
            refresh();
    });
    m_soon->setSingleShot(true);
    m_soon->setInterval(100);
    connect(m_soon, &QTimer::timeout, this, &NodeDetails::refresh);
}

void NodeDetails::showNode(const ResourceId &id)
{
    m_id = id;
    m_list->clear();
    m_facts->setRowCount(0);
    if (id.isValid())
        m_tick->start();
    else
        m_tick->stop();
    refresh();
}

void NodeDetails::onBatch(const StoreBatch &batch)
{
    // New or vanished resources change what the node is; values only its counts (the tick).
    if (!m_id.isValid() || (batch.added.isEmpty() && batch.removed.isEmpty()) || m_soon->isActive())
        return;
    m_soon->start();
}

void NodeDetails::setTitle(const QString &title)
{
    if (title == m_title)
        return;
    m_title = title;
    Q_EMIT titleChanged(title);
}

void NodeDetails::refresh()
{
    // The tick follows the cost: a node with a million resources below it is not recounted
    // every second (the refresh would take most of the window's time).
    QElapsedTimer took;
    took.start();
    const auto adaptTick = qScopeGuard([this, &took] {
        m_tick->setInterval(int(std::clamp<qint64>(took.elapsed() * 20, 1000, 60000)));
    });
    QList<Fact> facts;
    m_endpointId.clear();
    if (!m_id.isValid()) {
        m_kind = Kind::None;
        setTitle(QString());
        m_summary->clear();
        m_error->hide();
        m_buttons->hide();
        m_description->hide();
        m_listLabel->clear();
        m_list->clear();
        showList(false);
        showFacts({});
        return;
    }
    if (m_id.isEndpoint()) {
        m_kind = Kind::Endpoint;
        refreshEndpoint(&facts);
    } else {
        m_kind = Kind::Folder; // or a Thing, or gone: refreshContents() tells
        m_buttons->hide();
        m_error->hide();
    }
    refreshContents(&facts);
    showFacts(facts);
}

void NodeDetails::refreshEndpoint(QList<Fact> *facts)
{
    m_endpointId = m_endpoints->endpointFor(m_id);
    // An endpoint only reached through another one (a Thing Description's MQTT forms).
    if (m_endpointId.isEmpty()) {
        QString owner;
        for (const Resource *resource : m_store->findUnder(m_id.endpointUri())) {
            owner = m_endpoints->endpointFor(resource->id());
            if (!owner.isEmpty())
                break;
        }
        setTitle(m_id.hostPort());
        m_buttons->hide();
        m_error->hide();
        const QString ownerName = owner.isEmpty() ? QString() : m_endpoints->endpoint(owner).name;
        m_summary->setText(ownerName.isEmpty()
                               ? tr("%1 endpoint, not one of this workspace's connections.").arg(m_id.scheme().toUpper())
                               : tr("%1 endpoint reached through the connection '%2', which found it.")
                                     .arg(m_id.scheme().toUpper(), ownerName));
        facts->append({tr("URL"), m_id.endpointUri()});
        return;
    }

    const EndpointConfig config = m_endpoints->endpoint(m_endpointId);
    const EndpointManager::Status status = m_endpoints->status(m_endpointId);
    setTitle(config.name.isEmpty() ? config.url.hostPort() : config.name);

    QString state = connectorStateName(status.state);
    if (status.state == ConnectorState::Connected && status.discovering)
        state = tr("%1, discovering").arg(state);
    if (status.state == ConnectorState::BackingOff && status.nextRetry.isValid()) {
        const qint64 ms = QDateTime::currentDateTime().msecsTo(status.nextRetry);
        state = ms > 0 ? tr("%1, next try in %n s", nullptr, int((ms + 999) / 1000)).arg(state)
                       : tr("%1, trying now").arg(state);
    }
    m_summary->setText(tr("%1 endpoint: %2").arg(config.url.scheme().toUpper(), state));

    const bool failed = status.state == ConnectorState::Error || status.state == ConnectorState::BackingOff;
    if (!status.lastError.isEmpty()) {
        m_error->setText(failed ? tr("Cannot connect: %1").arg(status.lastError)
                                : tr("Last error: %1").arg(status.lastError));
        m_error->show();
    } else {
        m_error->hide();
    }
    m_buttons->show();
    const bool down = status.state == ConnectorState::Disconnected || failed;
    m_connect->setEnabled(down);
    m_connect->setText(status.state == ConnectorState::BackingOff ? tr("&Connect now") : tr("&Connect"));
    m_disconnect->setEnabled(!down || status.state == ConnectorState::BackingOff);
    m_discover->setEnabled(status.state == ConnectorState::Connected && !status.discovering);

    facts->append({tr("State"), state});
    if (!status.lastError.isEmpty())
        facts->append({tr("Last error"), status.lastError});
    facts->append({tr("Name"), config.name});
    facts->append({tr("URL"), config.url.toString()});
    facts->append({tr("Connect on open"), yesNo(config.autoConnect)});
    if (!config.username.isEmpty())
        facts->append({tr("User name"), config.username});
    const Protocol protocol = config.url.protocol();
    if (config.url.isSecure()) {
        QString verify;
        if (config.insecure)
            verify = tr("certificate NOT verified (insecure, by your choice)");
        else if (!config.caFile.isEmpty())
            verify = tr("verified against %1").arg(config.caFile);
        else if (protocol == Protocol::Coap && !config.pskIdentity.isEmpty())
            verify = tr("pre-shared key");
        else
            verify = tr("verified against the system's certificate authorities");
        facts->append({protocol == Protocol::Coap ? tr("DTLS") : tr("TLS"), verify});
        if (!config.certFile.isEmpty())
            facts->append({tr("Client certificate"), config.certFile});
        if (!config.keyFile.isEmpty())
            facts->append({tr("Client key"), config.keyFile});
        if (!config.pskIdentity.isEmpty())
            facts->append({tr("PSK identity"), config.pskIdentity});
    } else {
        facts->append({tr("TLS"), tr("none (plain %1)").arg(config.url.scheme())});
    }
    if (protocol == Protocol::Mqtt) {
        facts->append({tr("Client id"), config.clientId.isEmpty() ? tr("(generated)") : config.clientId});
        facts->append({tr("MQTT version"), config.mqttVersion == 5 ? QStringLiteral("5.0") : QStringLiteral("3.1.1")});
        facts->append({tr("Keep-alive"), seconds(config.keepAliveSeconds * 1000)});
        facts->append({tr("Clean session"), yesNo(config.cleanSession)});
        facts->append({tr("Subscriptions"), config.filters.join(QStringLiteral(", "))});
        if (!config.willTopic.isEmpty())
            facts->append({tr("Last will"), tr("%1 (QoS %2%3)")
                                                .arg(config.willTopic)
                                                .arg(config.willQos)
                                                .arg(config.willRetain ? tr(", retained") : QString())});
    } else {
        facts->append({tr("Polling"), tr("every %1").arg(seconds(config.pollIntervalMs))});
        facts->append({tr("Request timeout"), seconds(config.requestTimeoutMs)});
    }
}

void NodeDetails::refreshContents(QList<Fact> *facts)
{
    const QString uri = m_id.isEndpoint() ? m_id.endpointUri() : m_id.toString();
    const QList<const Resource *> under = m_store->findUnderUnordered(uri);
    const qsizetype depth = m_id.isEndpoint() ? 0 : m_id.pathSegments().size();
    const qint64 since = QDateTime::currentMSecsSinceEpoch() - kRateWindowMs;

    struct Child
    {
        qsizetype resources = 0;
        const Resource *own = nullptr;
        qint64 lastMs = 0;
    };
    // Keyed by views into the resources' own ids (alive for this call): no string per resource.
    QHash<QStringView, Child> childrenByView;
    QMap<QString, QString> things; // key -> title
    QString thingDescription;
    quint64 messages = 0;
    qsizetype recent = 0;
    qint64 lastMs = 0;
    qsizetype described = 0;
    for (const Resource *resource : under) {
        messages += resource->messageCount(); // SenML records are not messages of their own
        if (resource->messageCount() > 0) // a SenML record's values came in its pack's messages
            recent += recentValues(resource, since);
        lastMs = std::max(lastMs, resource->lastUpdateMs());
        const QString key = thingKey(resource);
        if (!key.isEmpty()) {
            ++described;
            things.insert(key, resource->metadata().device.valueOr(key));
            if (thingDescription.isEmpty())
                thingDescription = resource->metadata().extra.value(QStringLiteral("thingDescription")).toString();
        }
        const SegmentAt at = segmentAt(resource->id(), depth);
        if (!at.found)
            continue; // the node's own resource (an endpoint's "/")
        Child &child = childrenByView[at.segment];
        ++child.resources;
        child.lastMs = std::max(child.lastMs, resource->lastUpdateMs());
        if (at.last)
            child.own = resource;
    }
    QMap<QString, Child> children;
    for (auto it = childrenByView.cbegin(); it != childrenByView.cend(); ++it)
        children.insert(it.key().toString(), it.value());

    if (m_kind != Kind::Endpoint) {
        if (under.isEmpty()) {
            m_kind = Kind::Gone;
            setTitle(tr("Resource removed"));
            m_summary->setText(tr("Nothing is left here: it was removed, or its endpoint went away."));
        } else if (things.size() == 1 && described == under.size()) {
            m_kind = Kind::Thing;
            setTitle(things.first());
        } else {
            m_kind = Kind::Folder;
            const QStringList segments = m_id.pathSegments();
            setTitle(segments.isEmpty() || segments.last().isEmpty() ? tr("(empty)") : segments.last());
        }
    }

    facts->append({tr("Resources"), QString::number(under.size())});
    if (m_kind != Kind::Endpoint)
        facts->prepend({tr("Children"), QString::number(children.size())});
    facts->append({tr("Messages received"), QString::number(messages)});
    facts->append({tr("Message rate"), rateText(recent)});
    if (lastMs > 0)
        facts->append({tr("Last message"), timeText(lastMs)});
    if (m_kind == Kind::Endpoint && !things.isEmpty()) {
        QStringList titles = things.values();
        titles.sort(Qt::CaseInsensitive);
        facts->append({tr("Things"), titles.join(QStringLiteral(", "))});
    }

    if (m_kind == Kind::Folder) {
        m_summary->setText(tr("Folder with %n child(ren), ", nullptr, int(children.size()))
                           + tr("%n resource(s) below, ", nullptr, int(under.size())) + rateText(recent) + QLatin1Char('.'));
    } else if (m_kind == Kind::Thing) {
        m_summary->setText(tr("Web of Things Thing: %1").arg(m_title));
    }

    m_list->clear();
    if (m_kind == Kind::Thing) {
        // Every affordance of the Thing, also those on other endpoints (an event stream's port).
        const QString key = things.firstKey();
        m_description->setText(thingDescription);
        m_description->setVisible(!thingDescription.isEmpty());
        const QList<const Resource *> all = m_store->resources();
        QList<const Resource *> affordances;
        for (const Resource *resource : all) {
            if (thingKey(resource) == key)
                affordances.append(resource);
        }
        facts->append({tr("Affordances"), QString::number(affordances.size())});
        if (!affordances.isEmpty()) {
            const Metadata &first = affordances.first()->metadata();
            if (first.extra.contains(QStringLiteral("thing")))
                facts->append({tr("Thing id"), first.extra.value(QStringLiteral("thing")).toString()});
            facts->append({tr("Thing Description"), first.extra.value(QStringLiteral("td")).toString()});
        }
        std::sort(affordances.begin(), affordances.end(), [](const Resource *a, const Resource *b) {
            const QString ka = a->metadata().extra.value(QStringLiteral("affordance")).toString();
            const QString kb = b->metadata().extra.value(QStringLiteral("affordance")).toString();
            return ka != kb ? ka > kb : a->title() < b->title(); // properties, events, actions
        });
        m_listLabel->setText(tr("Affordances"));
        m_list->setHeaderLabels({tr("Name"), tr("Kind"), tr("Type"), tr("Access"), tr("Value"), tr("URI")});
        for (const Resource *resource : std::as_const(affordances)) {
            const Metadata &m = resource->metadata();
            QStringList access;
            if (m.readable.valueOr(false))
                access << tr("read");
            if (m.writable.valueOr(false))
                access << tr("write");
            if (m.observable.valueOr(false))
                access << tr("observe");
            QString type = m.extra.value(QStringLiteral("type")).toString();
            if (m.unit.isSet())
                type += (type.isEmpty() ? QString() : QStringLiteral(", ")) + *m.unit;
            QString value = resource->hasValue() ? resource->value().shortText() : QString();
            m_list->addTopLevelItem(listItem({resource->title(), m.extra.value(QStringLiteral("affordance")).toString(),
                                              type, access.join(QLatin1Char(' ')), value, resource->id().toString()}));
        }
    } else {
        m_description->hide();
        m_listLabel->setText(children.isEmpty() ? QString() : tr("Children"));
        m_list->setHeaderLabels({tr("Name"), tr("Value"), tr("Unit"), tr("Resources below"), tr("Last update")});
        int listed = 0;
        for (auto it = children.cbegin(); it != children.cend() && listed < kMaxListed; ++it, ++listed) {
            const Child &child = it.value();
            const bool own = child.own && child.own->hasValue();
            m_list->addTopLevelItem(listItem({it.key().isEmpty() ? tr("(empty)") : it.key(),
                                              own ? child.own->value().shortText() : QString(),
                                              child.own ? child.own->metadata().unit.valueOr(QString()) : QString(),
                                              QString::number(child.resources), timeText(child.lastMs)}));
        }
        if (children.size() > kMaxListed)
            m_listLabel->setText(tr("Children (the first %1 of %2)").arg(kMaxListed).arg(children.size()));
    }
    // Nothing to list: the facts get the room.
    showList(m_list->topLevelItemCount() > 0 || !m_description->isHidden());
    for (int column = 0; column + 1 < m_list->columnCount(); ++column)
        m_list->resizeColumnToContents(column);
}

void NodeDetails::showList(bool show)
{
    // A hidden splitter child comes back collapsed: sizes are given, not visibility.
    if (show == m_listShown)
        return;
    m_listShown = show;
    const int total = std::max(2, m_splitter->height());
    m_splitter->setSizes(show ? QList<int>{total / 2, total / 2} : QList<int>{total, 0});
}

void NodeDetails::showFacts(const QList<Fact> &facts)
{
    m_facts->setRowCount(int(facts.size()));
    for (int row = 0; row < facts.size(); ++row) {
        for (int column = 0; column < 2; ++column) {
            const QString &text = column == 0 ? facts.at(row).name : facts.at(row).value;
            QTableWidgetItem *item = m_facts->item(row, column);
            if (!item) {
                item = new QTableWidgetItem;
                m_facts->setItem(row, column, item);
            }
            const QString shown = ElidedLabel::visible(text);
            if (item->text() != shown) {
                item->setText(shown);
                item->setToolTip(ElidedLabel::plainToolTip(text));
            }
        }
    }
}

} // namespace thingscape
