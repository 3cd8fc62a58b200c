#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <limits>
#include <optional>

class QIODevice;

namespace thingscape {

class RecordingDatabase;

enum class RecordingExportFormat {
    Csv,
    JsonLines,
    SenmlJson,
    SenmlCbor,
};

// A format as lists offer it: the `export` verb's --format name, the file suffix it goes by, and
// a label to show (translated in the context "RecordingExport").
struct RecordingExportFormatInfo
{
    RecordingExportFormat format;
    const char *name;
    const char *suffix;
    const char *label;
};

struct RecordingExportOptions
{
    RecordingExportFormat format = RecordingExportFormat::Csv;
    QStringList uris; // empty: every resource
    qint64 fromMs = 0;
    qint64 toMs = std::numeric_limits<qint64>::max();
};

// Writes a time range of a recording as CSV, JSON Lines or SenML (a JSON or CBOR pack),
// streaming: memory stays flat however long the range. Payloads that are UTF-8 text are
// written as text, others in base64 (SenML: "vd", base64url).
class RecordingExport
{
public:
    // "csv", "jsonl", "senml" (JSON), "senml-json", "senml-cbor"; nullopt and *error otherwise.
    static std::optional<RecordingExportFormat> parseFormat(const QString &name, QString *error);
    // Every format, in the order a list offers them: CSV, JSON Lines, SenML JSON, SenML CBOR.
    static const QList<RecordingExportFormatInfo> &formats();
    // The label of a format from formats(), translated.
    static QString label(const RecordingExportFormatInfo &info);
    // The format a file suffix names (csv, jsonl, json, cbor); nullopt for any other.
    static std::optional<RecordingExportFormat> forSuffix(const QString &suffix);

    // progress(done, total) is called every few thousand rows and at the end; returning false
    // cancels (the output is then incomplete and *error says "cancelled"). Returns the rows
    // written, nullopt and *error on a failure.
    static std::optional<qint64> run(RecordingDatabase &db, const RecordingExportOptions &options, QIODevice *out,
                                     const std::function<bool(qint64 done, qint64 total)> &progress, QString *error);

    // Opens the recording (password for a PostgreSQL one without its own), exports into path
    // through a QSaveFile and commits it only when every row is written: a failure or a cancel
    // (progress returning false, also at the very end) leaves no file and an existing file at
    // path untouched. Blocking: the window runs it off the GUI thread.
    static std::optional<qint64> toFile(const QString &database, const QString &password,
                                        const RecordingExportOptions &options, const QString &path,
                                        const std::function<bool(qint64 done, qint64 total)> &progress, QString *error);

    // Whether a payload is shown as text (valid UTF-8 without control characters but tab and
    // line breaks).
    static bool isText(const QByteArray &raw);
};

} // namespace thingscape
