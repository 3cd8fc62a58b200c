#include "recordingexportdialog.h"

#include "model/recording/recordingdatabase.h"
#include "model/recording/recordingexport.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeEdit>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QStandardItemModel>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <limits>

namespace thingscape {

namespace {

const QString kGroup = QStringLiteral("recordingExport");

} // namespace

RecordingExportDialog::RecordingExportDialog(const QString &database, const QString &password, const QStringList &checked,
                                             QWidget *parent)
    : QDialog(parent)
    , m_database(database)
    , m_password(password)
    , m_initiallyChecked(checked)
    , m_model(new QStandardItemModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_filter(new QLineEdit(this))
    , m_list(new QListView(this))
    , m_checkedCount(new QLabel(this))
    , m_whole(new QCheckBox(tr("&Whole recording"), this))
    , m_from(new QDateTimeEdit(this))
    , m_to(new QDateTimeEdit(this))
    , m_format(new QComboBox(this))
    , m_path(new QLineEdit(this))
    , m_progress(new QProgressBar(this))
    , m_status(new QLabel(this))
    , m_export(new QPushButton(tr("&Export"), this))
    , m_close(new QPushButton(tr("Close"), this))
    , m_permille(std::make_shared<std::atomic<int>>(0))
{
    setObjectName(QStringLiteral("recordingExportDialog"));
    setWindowTitle(tr("Export recording"));
    setAttribute(Qt::WA_DeleteOnClose);

    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_filter->setPlaceholderText(tr("Filter resources"));
    m_filter->setClearButtonEnabled(true);
    m_list->setModel(m_proxy);
    m_list->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_list->setUniformItemSizes(true);
    auto *checkShown = new QPushButton(tr("Check shown"), this);
    auto *uncheckShown = new QPushButton(tr("Uncheck shown"), this);
    auto *checks = new QHBoxLayout;
    checks->addWidget(checkShown);
    checks->addWidget(uncheckShown);
    checks->addStretch();
    checks->addWidget(m_checkedCount);

    for (QDateTimeEdit *edit : {m_from, m_to}) {
        edit->setCalendarPopup(true);
        edit->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    }
    auto *range = new QHBoxLayout;
    range->addWidget(m_whole);
    range->addWidget(new QLabel(tr("or from"), this));
    range->addWidget(m_from);
    range->addWidget(new QLabel(tr("to"), this));
    range->addWidget(m_to);
    range->addStretch();

    for (const RecordingExportFormatInfo &choice : RecordingExport::formats())
        m_format->addItem(RecordingExport::label(choice), QString::fromLatin1(choice.name));
    auto *browse = new QPushButton(tr("&Browse…"), this);
    auto *file = new QHBoxLayout;
    file->addWidget(m_path, 1);
    file->addWidget(browse);

    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_status->setTextFormat(Qt::PlainText);
    m_status->setWordWrap(true);
    m_export->setDefault(true);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_progress, 1);
    buttons->addWidget(m_export);
    buttons->addWidget(m_close);

    auto *form = new QFormLayout;
    form->addRow(tr("Time range:"), range);
    form->addRow(tr("&Format:"), m_format);
    auto *fileLabel = new QLabel(tr("F&ile:"), this);
    fileLabel->setBuddy(m_path);
    form->addRow(fileLabel, file);
    auto *layout = new QVBoxLayout(this);
    auto *resources = new QLabel(tr("&Resources of %1").arg(QDir::toNativeSeparators(database)), this);
    resources->setTextFormat(Qt::PlainText);
    resources->setBuddy(m_filter);
    layout->addWidget(resources);
    layout->addWidget(m_filter);
    layout->addWidget(m_list, 1);
    layout->addLayout(checks);
    layout->addLayout(form);
    layout->addWidget(m_status);
    layout->addLayout(buttons);
    resize(760, 560);

    // Remembered choices.
    QSettings settings;
    settings.beginGroup(kGroup);
    const int format = m_format->findData(settings.value(QStringLiteral("format"), QStringLiteral("csv")).toString());
    m_format->setCurrentIndex(std::max(0, format));
    m_path->setText(settings.value(QStringLiteral("file")).toString());
    m_whole->setChecked(settings.value(QStringLiteral("wholeRecording"), true).toBool());
    const qint64 span = std::max<qint64>(1, settings.value(QStringLiteral("spanSeconds"), 3600).toLongLong());
    const QDateTime now = QDateTime::currentDateTime();
    m_from->setDateTime(now.addSecs(-span));
    m_to->setDateTime(now.addSecs(60));

    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(checkShown, &QPushButton::clicked, this, [this] { setShownChecked(true); });
    connect(uncheckShown, &QPushButton::clicked, this, [this] { setShownChecked(false); });
    connect(m_model, &QStandardItemModel::itemChanged, this, &RecordingExportDialog::updateButtons);
    connect(m_whole, &QCheckBox::toggled, this, &RecordingExportDialog::updateButtons);
    connect(m_path, &QLineEdit::textChanged, this, &RecordingExportDialog::updateButtons);
    connect(m_format, &QComboBox::currentIndexChanged, this, [this] {
        if (!m_path->text().isEmpty())
            m_path->setText(suffixedPath(m_path->text()));
    });
    connect(browse, &QPushButton::clicked, this, [this] {
        QString filters;
        const RecordingExportFormatInfo &choice = RecordingExport::formats().at(std::max(0, m_format->currentIndex()));
        filters = tr("%1 (*.%2)").arg(RecordingExport::label(choice), QString::fromLatin1(choice.suffix));
        const QString start = m_path->text().isEmpty() ? QDir::homePath() : m_path->text();
        const QString path = QFileDialog::getSaveFileName(this, tr("Export recording"), start, filters);
        if (!path.isEmpty())
            m_path->setText(suffixedPath(path));
    });
    connect(m_export, &QPushButton::clicked, this, &RecordingExportDialog::startExport);
    connect(m_close, &QPushButton::clicked, this, [this] {
        if (isExporting())
            cancelExport();
        else
            close();
    });
    auto *tick = new QTimer(this);
    connect(tick, &QTimer::timeout, this, [this] {
        if (isExporting())
            m_progress->setValue(m_permille->load());
    });
    tick->start(100);

    connect(&m_loadWatcher, &QFutureWatcher<Loaded>::finished, this, [this] { showResources(m_loadWatcher.result()); });
    connect(&m_exportWatcher, &QFutureWatcher<Outcome>::finished, this, [this] {
        const Outcome outcome = m_exportWatcher.result();
        const bool ok = outcome.rows.has_value();
        QString message;
        if (ok) {
            m_progress->setValue(1000);
            message = tr("Exported %n message(s) to %1", nullptr, int(std::min<qint64>(*outcome.rows, std::numeric_limits<int>::max())))
                          .arg(QDir::toNativeSeparators(m_exportPath));
        } else if (m_cancel && m_cancel->load()) {
            m_progress->setValue(0);
            message = tr("Export cancelled: %1 was not written").arg(QDir::toNativeSeparators(m_exportPath));
        } else {
            m_progress->setValue(0);
            message = tr("Export failed, %1 was not written: %2").arg(QDir::toNativeSeparators(m_exportPath), outcome.error);
        }
        m_status->setText(message);
        m_close->setText(tr("Close"));
        updateButtons();
        Q_EMIT finished(ok, message);
    });

    m_status->setText(tr("Reading the resources…"));
    updateButtons();
    m_loadWatcher.setFuture(QtConcurrent::run([database, password] {
        Loaded loaded;
        RecordingDatabase db;
        if (!db.open(database, password, false, &loaded.error))
            return loaded;
        loaded.uris = db.resources(&loaded.error);
        return loaded;
    }));
}

RecordingExportDialog::~RecordingExportDialog()
{
    if (m_cancel)
        m_cancel->store(true);
    m_loadWatcher.waitForFinished();
    m_exportWatcher.waitForFinished();
}

void RecordingExportDialog::showResources(const Loaded &loaded)
{
    if (!loaded.error.isEmpty()) {
        m_status->setText(loaded.error);
        Q_EMIT resourcesLoaded(-1);
        return;
    }
    QStringList uris = loaded.uris;
    uris.sort();
    for (const QString &uri : std::as_const(uris)) {
        auto *item = new QStandardItem(uri);
        item->setCheckable(true);
        item->setEditable(false);
        item->setCheckState(m_initiallyChecked.contains(uri) ? Qt::Checked : Qt::Unchecked);
        m_model->appendRow(item);
    }
    m_status->setText(uris.isEmpty() ? tr("The recording has no resources yet.") : QString());
    updateButtons();
    Q_EMIT resourcesLoaded(int(uris.size()));
}

QStringList RecordingExportDialog::checkedResources() const
{
    QStringList uris;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        const QStandardItem *item = m_model->item(row);
        if (item->checkState() == Qt::Checked)
            uris.append(item->text());
    }
    return uris;
}

void RecordingExportDialog::setShownChecked(bool checked)
{
    const QSignalBlocker blocker(m_model);
    for (int row = 0; row < m_proxy->rowCount(); ++row)
        m_model->itemFromIndex(m_proxy->mapToSource(m_proxy->index(row, 0)))->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
    // The view repaints from the model's dataChanged, which the blocker held back.
    m_list->viewport()->update();
    updateButtons();
}

void RecordingExportDialog::updateButtons()
{
    const int checked = int(checkedResources().size());
    m_checkedCount->setText(tr("%n of %1 checked", nullptr, checked).arg(m_model->rowCount()));
    const bool running = isExporting();
    m_export->setEnabled(!running && checked > 0 && !m_path->text().trimmed().isEmpty());
    m_from->setEnabled(!running && !m_whole->isChecked());
    m_to->setEnabled(!running && !m_whole->isChecked());
    m_whole->setEnabled(!running);
    m_format->setEnabled(!running);
    m_path->setEnabled(!running);
    m_list->setEnabled(!running);
}

QString RecordingExportDialog::suffixedPath(const QString &path) const
{
    const RecordingExportFormatInfo &choice = RecordingExport::formats().at(std::max(0, m_format->currentIndex()));
    const QString wanted = QString::fromLatin1(choice.suffix);
    const QFileInfo info(path);
    const QString suffix = info.suffix().toLower();
    if (suffix == wanted)
        return path;
    if (RecordingExport::forSuffix(suffix))
        return path.left(path.size() - suffix.size()) + wanted;
    return path + QLatin1Char('.') + wanted;
}

void RecordingExportDialog::saveSettings() const
{
    QSettings settings;
    settings.beginGroup(kGroup);
    settings.setValue(QStringLiteral("format"), m_format->currentData());
    settings.setValue(QStringLiteral("file"), m_path->text());
    settings.setValue(QStringLiteral("wholeRecording"), m_whole->isChecked());
    settings.setValue(QStringLiteral("spanSeconds"), std::max<qint64>(1, m_from->dateTime().secsTo(m_to->dateTime())));
}

void RecordingExportDialog::startExport()
{
    if (isExporting())
        return;
    QString error;
    RecordingExportOptions options;
    const std::optional<RecordingExportFormat> format = RecordingExport::parseFormat(m_format->currentData().toString(), &error);
    options.format = format.value_or(RecordingExportFormat::Csv);
    options.uris = checkedResources();
    if (options.uris.isEmpty()) {
        m_status->setText(tr("Check at least one resource."));
        return;
    }
    if (!m_whole->isChecked()) {
        options.fromMs = m_from->dateTime().toMSecsSinceEpoch();
        options.toMs = m_to->dateTime().toMSecsSinceEpoch();
        if (options.fromMs > options.toMs) {
            m_status->setText(tr("The range starts after it ends."));
            return;
        }
    }
    m_exportPath = m_path->text().trimmed();
    if (m_exportPath.isEmpty()) {
        m_status->setText(tr("Choose a file to export to."));
        return;
    }
    saveSettings();
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    m_permille->store(0);
    m_progress->setValue(0);
    m_status->setText(tr("Exporting %n resource(s)…", nullptr, int(options.uris.size())));
    m_close->setText(tr("Cancel"));
    auto cancel = m_cancel;
    auto permille = m_permille;
    const QString database = m_database;
    const QString password = m_password;
    const QString path = m_exportPath;
    m_exportWatcher.setFuture(QtConcurrent::run([database, password, options, path, cancel, permille] {
        Outcome outcome;
        outcome.rows = RecordingExport::toFile(database, password, options, path, [&](qint64 done, qint64 total) {
            permille->store(total > 0 ? int(done * 1000 / total) : 1000);
            return !cancel->load();
        }, &outcome.error);
        return outcome;
    }));
    updateButtons();
}

void RecordingExportDialog::cancelExport()
{
    if (m_cancel && isExporting()) {
        m_cancel->store(true);
        m_status->setText(tr("Cancelling…"));
    }
}

} // namespace thingscape
