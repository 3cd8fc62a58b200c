#include "historydialog.h"

#include "model/plaintooltip.h"
#include "model/recording/recordedmetadata.h"

#include <QComboBox>
#include <QDateTime>
#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QProgressDialog>
#include <QPushButton>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace thingscape {

namespace {

// More than this many rows: the table shows the first ones and says so (export has them all).
constexpr int kMaxRows = 20000;

QString payloadText(const QByteArray &raw)
{
    if (RecordingExport::isText(raw))
        return QString::fromUtf8(raw.left(2000));
    return QString::fromLatin1(raw.left(1000).toHex(' '));
}

} // namespace

HistoryDialog::HistoryDialog(const QString &database, const QString &uri, QWidget *parent, const QString &password)
    : QDialog(parent)
    , m_database(database)
    , m_password(password)
    , m_uri(uri)
    , m_from(new QDateTimeEdit(this))
    , m_to(new QDateTimeEdit(this))
    , m_table(new QTableWidget(this))
    , m_status(new QLabel(this))
    , m_metadata(new QLabel(this))
    , m_format(new QComboBox(this))
    , m_export(new QPushButton(tr("&Export…"), this))
{
    setObjectName(QStringLiteral("historyDialog"));
    setWindowTitle(tr("History of %1").arg(uri));
    setAttribute(Qt::WA_DeleteOnClose);
    const QDateTime now = QDateTime::currentDateTime();
    for (QDateTimeEdit *edit : {m_from, m_to}) {
        edit->setCalendarPopup(true);
        edit->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    }
    m_from->setDateTime(now.addSecs(-3600));
    m_to->setDateTime(now.addSecs(60));
    auto *refresh = new QPushButton(tr("&Show"), this);
    auto *range = new QHBoxLayout;
    range->addWidget(new QLabel(tr("From"), this));
    range->addWidget(m_from);
    range->addWidget(new QLabel(tr("to"), this));
    range->addWidget(m_to);
    range->addWidget(refresh);
    range->addStretch();
    m_format->setObjectName(QStringLiteral("exportFormat"));
    m_format->addItem(tr("From file name"));
    for (const RecordingExportFormatInfo &choice : RecordingExport::formats())
        m_format->addItem(RecordingExport::label(choice), int(choice.format));
    m_format->setToolTip(tr("Export format; \"From file name\" goes by the suffix (.csv, .jsonl, .json, .cbor)"));
    auto *formatLabel = new QLabel(tr("F&ormat"), this);
    formatLabel->setBuddy(m_format);
    range->addWidget(formatLabel);
    range->addWidget(m_format);
    range->addWidget(m_export);
    m_table->setColumnCount(5);
    m_table->setHorizontalHeaderLabels({tr("Time"), tr("Direction"), tr("Cause"), tr("Number"), tr("Payload")});
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_status->setTextFormat(Qt::PlainText);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    auto *name = new QLabel(uri, this);
    name->setTextFormat(Qt::PlainText);
    name->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(name);
    m_metadata->setObjectName(QStringLiteral("recordedMetadata"));
    m_metadata->setTextFormat(Qt::PlainText);
    m_metadata->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_metadata->setWordWrap(true);
    layout->addWidget(m_metadata);
    layout->addLayout(range);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_status);
    layout->addWidget(buttons);
    resize(900, 520);
    connect(refresh, &QPushButton::clicked, this, &HistoryDialog::query);
    connect(m_export, &QPushButton::clicked, this, [this] {
        // The chosen format's filter comes first; a name without a suffix gets the filter's.
        QStringList filters;
        for (const RecordingExportFormatInfo &choice : RecordingExport::formats())
            filters.append(tr("%1 (*.%2)").arg(RecordingExport::label(choice), QLatin1String(choice.suffix)));
        const int chosen = std::max(0, m_format->currentIndex() - 1);
        QString selected = filters.at(chosen);
        QString path = QFileDialog::getSaveFileName(this, tr("Export history"), QString(), filters.join(QStringLiteral(";;")), &selected);
        if (path.isEmpty())
            return;
        if (QFileInfo(path).suffix().isEmpty())
            path += QLatin1Char('.') + QLatin1String(RecordingExport::formats().at(std::max<qsizetype>(0, filters.indexOf(selected))).suffix);
        exportTo(path);
    });
    connect(&m_watcher, &QFutureWatcher<Result>::finished, this, [this] { showResult(m_watcher.result()); });
}

HistoryDialog::~HistoryDialog()
{
    if (m_cancel)
        m_cancel->store(true);
    m_watcher.waitForFinished();
    m_exportWatcher.waitForFinished();
}

void HistoryDialog::query()
{
    if (m_watcher.isRunning())
        return;
    m_status->setText(tr("Reading…"));
    const QString database = m_database;
    const QString password = m_password;
    const QString uri = m_uri;
    const qint64 from = m_from->dateTime().toMSecsSinceEpoch();
    const qint64 to = m_to->dateTime().toMSecsSinceEpoch();
    m_watcher.setFuture(QtConcurrent::run([database, password, uri, from, to] {
        Result result;
        RecordingDatabase db;
        if (!db.open(database, password, false, &result.error))
            return result;
        result.metadata = db.metadata(uri, &result.metadataError);
        const auto messages = db.messages(uri, from, to, kMaxRows + 1, &result.error);
        if (messages) {
            result.messages = *messages;
            result.truncated = result.messages.size() > kMaxRows;
            if (result.truncated)
                result.messages.resize(kMaxRows);
        }
        return result;
    }));
}

void HistoryDialog::showMetadata(const Result &result)
{
    if (!result.metadata) {
        m_metadata->setText(tr("Metadata: %1").arg(result.metadataError));
        m_metadata->setToolTip({});
    } else if (result.metadata->isEmpty()) {
        m_metadata->setText(tr("Metadata: none recorded"));
        m_metadata->setToolTip({});
    } else {
        m_metadata->setText(tr("Metadata: %1").arg(RecordedMetadata::summary(*result.metadata)));
        m_metadata->setToolTip(plainToolTip(QString::fromUtf8(QJsonDocument(*result.metadata).toJson(QJsonDocument::Indented))));
    }
}

void HistoryDialog::showResult(const Result &result)
{
    m_table->setRowCount(0);
    showMetadata(result);
    if (!result.error.isEmpty()) {
        m_status->setText(result.error);
        Q_EMIT loaded(-1);
        return;
    }
    m_table->setRowCount(int(result.messages.size()));
    int row = 0;
    for (const RecordedMessage &message : result.messages) {
        const QStringList cells{
            QDateTime::fromMSecsSinceEpoch(message.timeMs).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")),
            message.direction == Direction::Out ? tr("out") : tr("in"),
            message.cause.toString(),
            message.number ? QString::number(*message.number, 'g', 12) : QString(),
            payloadText(message.raw),
        };
        for (int column = 0; column < cells.size(); ++column) {
            auto *item = new QTableWidgetItem(cells.at(column));
            if (column == 4)
                item->setToolTip(cells.at(column).left(1000));
            m_table->setItem(row, column, item);
        }
        ++row;
    }
    m_table->resizeColumnsToContents();
    m_status->setText(result.truncated ? tr("The first %1 messages of the range (export has them all)").arg(kMaxRows)
                                       : tr("%n message(s)", nullptr, int(result.messages.size())));
    Q_EMIT loaded(int(result.messages.size()));
}

void HistoryDialog::exportTo(const QString &path)
{
    if (m_exportWatcher.isRunning())
        return;
    RecordingExportOptions options;
    options.format = formatFor(path);
    options.uris = {m_uri};
    options.fromMs = m_from->dateTime().toMSecsSinceEpoch();
    options.toMs = m_to->dateTime().toMSecsSinceEpoch();
    auto *progress = new QProgressDialog(tr("Exporting %1…").arg(QFileInfo(path).fileName()), tr("Cancel"), 0, 1000, this);
    progress->setAttribute(Qt::WA_DeleteOnClose);
    progress->setMinimumDuration(300);
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    auto cancel = m_cancel;
    auto permille = std::make_shared<std::atomic<int>>(0);
    connect(progress, &QProgressDialog::canceled, this, [cancel] { cancel->store(true); });
    auto *tick = new QTimer(progress);
    connect(tick, &QTimer::timeout, progress, [progress, permille] { progress->setValue(permille->load()); });
    tick->start(100);
    const QString database = m_database;
    const QString password = m_password;
    m_exportWatcher.setFuture(QtConcurrent::run([database, password, options, path, cancel, permille] {
        QString error;
        const std::optional<qint64> rows = RecordingExport::toFile(database, password, options, path, [&](qint64 done, qint64 total) {
            permille->store(total > 0 ? int(done * 1000 / total) : 1000);
            return !cancel->load();
        }, &error);
        if (!rows)
            return error;
        return QString();
    }));
    disconnect(&m_exportWatcher, nullptr, this, nullptr);
    connect(&m_exportWatcher, &QFutureWatcher<QString>::finished, this, [this, progress, path] {
        const QString error = m_exportWatcher.result();
        progress->close();
        const QString message = error.isEmpty() ? tr("Exported to %1").arg(path) : error;
        m_status->setText(message);
        Q_EMIT exported(error.isEmpty(), message);
    });
}

RecordingExportFormat HistoryDialog::formatFor(const QString &path) const
{
    if (m_format->currentIndex() > 0)
        return RecordingExportFormat(m_format->currentData().toInt());
    return RecordingExport::forSuffix(QFileInfo(path).suffix()).value_or(RecordingExportFormat::Csv);
}

} // namespace thingscape
