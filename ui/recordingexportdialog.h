#pragma once

#include <QDialog>
#include <QFutureWatcher>
#include <QStringList>

#include <atomic>
#include <memory>
#include <optional>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QListView;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QStandardItemModel;

namespace thingscape {

// Recording → Export…: several resources of a recording, a time range (or all of it), a format
// (csv, jsonl, senml, senml-cbor) and a file, with a progress bar and cancel. The resources are
// a checkable list with a filter box; those passed in (the tree's current resource) come
// checked. The rows are written by RecordingExport::toFile, the exporter of the `export` verb,
// on a worker thread; the file appears only when complete, so a cancel or a failure leaves no
// file (and an existing file at the path untouched). Format, file, range choice and span are
// remembered in QSettings (group "recordingExport").
class RecordingExportDialog : public QDialog
{
    Q_OBJECT

public:
    RecordingExportDialog(const QString &database, const QString &password, const QStringList &checked,
                          QWidget *parent = nullptr);
    ~RecordingExportDialog() override;

    QListView *resourceList() const { return m_list; }
    QLineEdit *filterEdit() const { return m_filter; }
    QComboBox *formatBox() const { return m_format; }
    QLineEdit *pathEdit() const { return m_path; }
    QCheckBox *wholeRecordingBox() const { return m_whole; }
    QDateTimeEdit *fromEdit() const { return m_from; }
    QDateTimeEdit *toEdit() const { return m_to; }
    QProgressBar *progressBar() const { return m_progress; }
    QPushButton *exportButton() const { return m_export; }
    QLabel *statusLabel() const { return m_status; }

    // The URIs checked, in the list's order.
    QStringList checkedResources() const;
    // Checks (or unchecks) every resource the filter shows.
    void setShownChecked(bool checked);
    bool isExporting() const { return m_exportWatcher.isRunning(); }

public Q_SLOTS:
    // Starts the export of the checked resources (no-op while one runs); finished() when done.
    void startExport();
    // Asks a running export to stop; it finishes with "cancelled" and no file.
    void cancelExport();

Q_SIGNALS:
    // The resource list is read (count), or could not be (-1, the reason on the status line).
    void resourcesLoaded(int count);
    void finished(bool ok, const QString &message);

private:
    struct Loaded
    {
        QStringList uris;
        QString error;
    };
    void showResources(const Loaded &loaded);
    void updateButtons();
    void saveSettings() const;
    QString suffixedPath(const QString &path) const;

    QString m_database;
    QString m_password;
    QStringList m_initiallyChecked;
    QStandardItemModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QLineEdit *m_filter;
    QListView *m_list;
    QLabel *m_checkedCount;
    QCheckBox *m_whole;
    QDateTimeEdit *m_from;
    QDateTimeEdit *m_to;
    QComboBox *m_format;
    QLineEdit *m_path;
    QProgressBar *m_progress;
    QLabel *m_status;
    QPushButton *m_export;
    QPushButton *m_close;
    QFutureWatcher<Loaded> m_loadWatcher;
    struct Outcome
    {
        std::optional<qint64> rows;
        QString error;
    };
    QFutureWatcher<Outcome> m_exportWatcher;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    std::shared_ptr<std::atomic<int>> m_permille;
    QString m_exportPath;
};

} // namespace thingscape
