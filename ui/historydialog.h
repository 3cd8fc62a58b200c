#pragma once

#include "model/recording/recordingdatabase.h"
#include "model/recording/recordingexport.h"

#include <QDialog>
#include <QFutureWatcher>

#include <atomic>
#include <memory>

class QComboBox;
class QDateTimeEdit;
class QLabel;
class QPushButton;
class QTableWidget;

namespace thingscape {

// The recorded history of one resource: its recorded metadata in a line, a time range, a table
// of its messages (time, direction, cause, number, raw payload as text or hex), and export of
// that range in a chosen format with a progress bar and cancel. Every query runs off the GUI
// thread on its own connection.
class HistoryDialog : public QDialog
{
    Q_OBJECT

public:
    // password: for a PostgreSQL database whose connection string has none (the recorder's).
    HistoryDialog(const QString &database, const QString &uri, QWidget *parent = nullptr, const QString &password = {});
    ~HistoryDialog() override;

    QTableWidget *table() const { return m_table; }
    QLabel *statusLabel() const { return m_status; }
    // The resource's recorded metadata, one line (the JSON in its tooltip).
    QLabel *metadataLabel() const { return m_metadata; }
    // The export format: "From file name" (the suffix: .csv, .jsonl, .json SenML, .cbor SenML
    // CBOR, else CSV) or one format whatever the file is called.
    QComboBox *formatBox() const { return m_format; }
    // Runs the query for the range shown; loaded() when the table is filled.
    void query();
    // Exports the range to path in the chosen format with a progress dialog; exported() when done.
    void exportTo(const QString &path);
    // The format exportTo(path) writes.
    RecordingExportFormat formatFor(const QString &path) const;

Q_SIGNALS:
    void loaded(int rows);
    void exported(bool ok, const QString &message);

private:
    struct Result
    {
        QList<RecordedMessage> messages;
        QString error;
        bool truncated = false;
        std::optional<QJsonObject> metadata; // none: it could not be read (metadataError)
        QString metadataError;
    };
    void showMetadata(const Result &result);
    void showResult(const Result &result);

    QString m_database;
    QString m_password;
    QString m_uri;
    QDateTimeEdit *m_from;
    QDateTimeEdit *m_to;
    QTableWidget *m_table;
    QLabel *m_status;
    QLabel *m_metadata;
    QComboBox *m_format;
    QPushButton *m_export;
    QFutureWatcher<Result> m_watcher;
    QFutureWatcher<QString> m_exportWatcher;
    std::shared_ptr<std::atomic<bool>> m_cancel;
};

} // namespace thingscape
