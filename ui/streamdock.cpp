#include "streamdock.h"

#include "payloadtext.h"
#include "streamresourceactions.h"
#include "streamtableview.h"

#include "model/codecs/codecs.h"
#include "model/streamexporter.h"
#include "model/streamfilterproxymodel.h"
#include "model/streammodel.h"
#include "protocols/endpointmanager.h"

#include <QComboBox>
#include <QDateTime>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QSaveFile>
#include <QSettings>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace thingscape {

StreamDock::StreamDock(StreamModel *model, EndpointManager *endpoints, QWidget *parent)
    : QDockWidget(tr("Message stream"), parent)
    , m_model(model)
    , m_endpoints(endpoints)
    , m_filter(new StreamFilterProxyModel(this))
    , m_text(new QLineEdit(this))
    , m_protocol(new QComboBox(this))
    , m_direction(new QComboBox(this))
    , m_endpoint(new QComboBox(this))
    , m_pause(new QToolButton(this))
    , m_follow(new QToolButton(this))
    , m_clear(new QToolButton(this))
    , m_export(new QToolButton(this))
    , m_counter(new QLabel(this))
    , m_view(new StreamTableView(this))
    , m_payload(new QPlainTextEdit(this))
    , m_followTimer(new QTimer(this))
{
    // A view the user works in: a flood becomes rows in small slices.
    if (m_model)
        m_model->setAppendAtOnce(kAppendAtOnce);
    setObjectName(QStringLiteral("streamDock"));
    m_filter->setSourceModel(m_model);

    m_text->setObjectName(QStringLiteral("streamFilter"));
    m_text->setPlaceholderText(tr("Filter messages"));
    m_text->setClearButtonEnabled(true);
    m_protocol->setObjectName(QStringLiteral("streamProtocol"));
    m_protocol->addItem(tr("All protocols"), -1);
    m_protocol->addItem(QStringLiteral("MQTT"), int(Protocol::Mqtt));
    m_protocol->addItem(QStringLiteral("CoAP"), int(Protocol::Coap));
    m_protocol->addItem(QStringLiteral("HTTP"), int(Protocol::Http));
    m_direction->setObjectName(QStringLiteral("streamDirection"));
    m_direction->addItem(tr("In and out"), -1);
    m_direction->addItem(tr("In"), int(Direction::In));
    m_direction->addItem(tr("Out"), int(Direction::Out));
    m_endpoint->setObjectName(QStringLiteral("streamEndpoint"));
    m_endpoint->setSizeAdjustPolicy(QComboBox::AdjustToContents);

    m_pause->setObjectName(QStringLiteral("streamPause"));
    m_pause->setText(tr("&Pause"));
    m_pause->setCheckable(true);
    m_pause->setToolTip(tr("Pause the log; messages are kept and shown on resume"));
    m_follow->setObjectName(QStringLiteral("streamFollow"));
    m_follow->setText(tr("F&ollow"));
    m_follow->setCheckable(true);
    m_follow->setChecked(QSettings().value(QStringLiteral("stream/follow"), true).toBool());
    m_follow->setToolTip(tr("Keep the newest message in view"));
    m_clear->setText(tr("C&lear"));
    m_export->setText(tr("E&xport…"));
    m_export->setToolTip(tr("Save the shown messages as JSON Lines or CSV"));
    m_counter->setTextFormat(Qt::PlainText);

    m_view->setObjectName(QStringLiteral("streamView"));
    m_view->setModel(m_filter);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    // Long URIs keep their scheme, host and last level in view.
    m_view->setTextElideMode(Qt::ElideMiddle);
    m_view->setColumnWidth(StreamModel::TimeColumn, 110);
    m_view->setColumnWidth(StreamModel::DirectionColumn, 60);
    m_view->setColumnWidth(StreamModel::ProtocolColumn, 60);
    m_view->setColumnWidth(StreamModel::ResourceColumn, 320);
    m_view->setColumnWidth(StreamModel::SizeColumn, 60);

    m_payload->setObjectName(QStringLiteral("streamPayload"));
    m_payload->setReadOnly(true);
    m_payload->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_payload->setPlaceholderText(tr("Select a message to see its payload"));

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_text, 1);
    bar->addWidget(m_protocol);
    bar->addWidget(m_direction);
    bar->addWidget(m_endpoint);
    bar->addWidget(m_pause);
    bar->addWidget(m_follow);
    bar->addWidget(m_clear);
    bar->addWidget(m_export);
    bar->addWidget(m_counter);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_view);
    splitter->addWidget(m_payload);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    auto *content = new QWidget(this);
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(bar);
    layout->addWidget(splitter, 1);
    setWidget(content);

    new StreamResourceActions(this, m_model); // a child: "only this resource", "diff with previous"

    connect(m_text, &QLineEdit::textChanged, this, &StreamDock::applyFilter);
    connect(m_protocol, &QComboBox::currentIndexChanged, this, &StreamDock::applyFilter);
    connect(m_direction, &QComboBox::currentIndexChanged, this, &StreamDock::applyFilter);
    connect(m_endpoint, &QComboBox::currentIndexChanged, this, &StreamDock::applyFilter);
    connect(m_pause, &QToolButton::toggled, this, [this](bool paused) {
        if (paused)
            m_model->pause();
        else
            m_model->resume();
        m_pause->setText(paused ? tr("&Resume") : tr("&Pause"));
    });
    connect(m_follow, &QToolButton::toggled, this,
            [](bool follow) { QSettings().setValue(QStringLiteral("stream/follow"), follow); });
    connect(m_clear, &QToolButton::clicked, this, [this] {
        m_model->clear();
        m_payload->clear();
    });
    connect(m_export, &QToolButton::clicked, this, &StreamDock::exportDialog);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &StreamDock::showSelected);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, [this] { m_rowsArrived = true; });
    connect(m_endpoints, &EndpointManager::endpointAdded, this, &StreamDock::scheduleRefreshEndpoints);
    connect(m_endpoints, &EndpointManager::endpointRemoved, this, &StreamDock::scheduleRefreshEndpoints);

    // Follow and the counter move on a timer, never per message.
    m_followTimer->setInterval(100);
    connect(m_followTimer, &QTimer::timeout, this, [this] {
        m_counter->setText(tr("%1 shown / %2 total").arg(m_filter->rowCount()).arg(m_model->totalReceived()));
        if (m_rowsArrived && m_follow->isChecked() && !m_model->isPaused())
            m_view->scrollToBottom();
        m_rowsArrived = false;
    });
    m_followTimer->start();
    refreshEndpoints();
}

QTableView *StreamDock::view() const
{
    return m_view;
}

bool StreamDock::isFollowing() const
{
    return m_follow->isChecked();
}

void StreamDock::setFollowing(bool follow)
{
    m_follow->setChecked(follow);
}

void StreamDock::scheduleRefreshEndpoints()
{
    if (m_endpointsRefreshPending)
        return;
    m_endpointsRefreshPending = true;
    QMetaObject::invokeMethod(this, &StreamDock::refreshEndpoints, Qt::QueuedConnection);
}

void StreamDock::refreshEndpoints()
{
    m_endpointsRefreshPending = false;
    const QString current = m_endpoint->currentData().toString();
    QSignalBlocker blocker(m_endpoint);
    m_endpoint->clear();
    m_endpoint->addItem(tr("All endpoints"), QString());
    for (const EndpointConfig &config : m_endpoints->endpoints())
        m_endpoint->addItem(config.name, config.url.endpointUri());
    const int index = m_endpoint->findData(current);
    m_endpoint->setCurrentIndex(index >= 0 ? index : 0);
}

void StreamDock::applyFilter()
{
    m_filter->setText(m_text->text());
    const int protocol = m_protocol->currentData().toInt();
    m_filter->setProtocols(protocol < 0 ? QList<Protocol>{} : QList<Protocol>{Protocol(protocol)});
    const int direction = m_direction->currentData().toInt();
    m_filter->setDirection(direction < 0 ? std::nullopt : std::optional<Direction>(Direction(direction)));
    m_filter->setEndpoint(m_endpoint->currentData().toString());
}

void StreamDock::showSelected()
{
    const QModelIndex index = m_filter->mapToSource(m_view->currentIndex());
    if (!index.isValid()) {
        m_payload->clear();
        return;
    }
    const Message &message = m_model->message(index.row());
    QString text;
    text += tr("%1  %2  %3\n")
                .arg(QDateTime::fromMSecsSinceEpoch(message.timeMs).toString(Qt::ISODateWithMs),
                     message.direction == Direction::In ? tr("in") : tr("out"), message.id.toString());
    if (!message.info.isEmpty())
        text += message.info + QLatin1Char('\n');
    // Capped like the details view: a huge message shows its start, undecoded.
    if (message.raw.size() <= payloadtext::kMaxShownBytes) {
        const Value value = codecs::decode(message.raw, message.contentFormat, {}, message.timeMs);
        text += tr("%n byte(s), %1\n\n", nullptr, int(message.raw.size()))
                    .arg(codecs::contentFormatName(value.contentFormat));
        text += payloadtext::decodedText(value) + QLatin1String("\n\n");
    } else {
        text += tr("%n byte(s), %1\n\n", nullptr, int(message.raw.size()))
                    .arg(codecs::contentFormatName(message.contentFormat));
        text += payloadtext::decodedText(message.raw, message.contentFormat, message.timeMs) + QLatin1String("\n\n");
    }
    text += payloadtext::hexText(message.raw);
    // Payload text is always plain text.
    m_payload->setPlainText(text);
}

bool StreamDock::exportTo(const QString &path, const QString &format, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = tr("Cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    StreamExporter exporter(m_model);
    const auto kind = format == QLatin1String("csv") ? StreamExporter::Format::Csv : StreamExporter::Format::JsonLines;
    if (!exporter.exportVisible(&file, kind, m_filter, error))
        return false;
    if (!file.commit()) {
        if (error)
            *error = tr("Cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

void StreamDock::exportDialog()
{
    QSettings settings;
    const QString dir = settings.value(QStringLiteral("stream/exportDir")).toString();
    QString selectedFilter;
    const QString jsonl = tr("JSON Lines (*.jsonl)");
    const QString csv = tr("CSV (*.csv)");
    QString path = QFileDialog::getSaveFileName(this, tr("Export messages"), dir, jsonl + QLatin1String(";;") + csv,
                                                &selectedFilter);
    if (path.isEmpty())
        return;
    const bool isCsv = selectedFilter == csv || path.endsWith(QLatin1String(".csv"));
    if (!path.contains(QLatin1Char('.')))
        path += isCsv ? QLatin1String(".csv") : QLatin1String(".jsonl");
    settings.setValue(QStringLiteral("stream/exportDir"), QFileInfo(path).absolutePath());
    QString error;
    if (exportTo(path, isCsv ? QStringLiteral("csv") : QStringLiteral("jsonl"), &error))
        Q_EMIT statusMessage(tr("Exported %n message(s) to %1", nullptr, m_filter->rowCount()).arg(path));
    else
        Q_EMIT statusMessage(error);
}

} // namespace thingscape
