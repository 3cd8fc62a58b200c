#include "recordingexport.h"

#include "recordingdatabase.h"

#include <QCborStreamWriter>
#include <QCoreApplication>
#include <QDateTime>
#include <QIODevice>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStringDecoder>

namespace thingscape {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("recording", text);
}

QString timeText(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

QByteArray csvField(const QString &text)
{
    QByteArray bytes = text.toUtf8();
    if (bytes.contains(',') || bytes.contains('"') || bytes.contains('\n') || bytes.contains('\r')) {
        bytes.replace("\"", "\"\"");
        bytes = '"' + bytes + '"';
    }
    return bytes;
}

QString directionText(Direction direction)
{
    return direction == Direction::Out ? QStringLiteral("out") : QStringLiteral("in");
}

QString numberText(double value)
{
    return QString::number(value, 'g', 17);
}

// A boolean payload (decoded as 1 / 0 for charts) is a SenML "vb".
std::optional<bool> booleanOf(const RecordedMessage &message)
{
    if (!message.number)
        return std::nullopt;
    const QByteArray text = message.raw.trimmed();
    if (text == "true" || text == "\xf5")
        return true;
    if (text == "false" || text == "\xf4")
        return false;
    return std::nullopt;
}

} // namespace

const QList<RecordingExportFormatInfo> &RecordingExport::formats()
{
    static const QList<RecordingExportFormatInfo> all{
        {RecordingExportFormat::Csv, "csv", "csv", QT_TRANSLATE_NOOP("RecordingExport", "CSV")},
        {RecordingExportFormat::JsonLines, "jsonl", "jsonl", QT_TRANSLATE_NOOP("RecordingExport", "JSON Lines")},
        {RecordingExportFormat::SenmlJson, "senml", "json", QT_TRANSLATE_NOOP("RecordingExport", "SenML JSON")},
        {RecordingExportFormat::SenmlCbor, "senml-cbor", "cbor", QT_TRANSLATE_NOOP("RecordingExport", "SenML CBOR")},
    };
    return all;
}

QString RecordingExport::label(const RecordingExportFormatInfo &info)
{
    return QCoreApplication::translate("RecordingExport", info.label);
}

std::optional<RecordingExportFormat> RecordingExport::forSuffix(const QString &suffix)
{
    for (const RecordingExportFormatInfo &known : formats()) {
        if (suffix.compare(QLatin1String(known.suffix), Qt::CaseInsensitive) == 0)
            return known.format;
    }
    return std::nullopt;
}

std::optional<RecordingExportFormat> RecordingExport::parseFormat(const QString &name, QString *error)
{
    if (name == QLatin1String("csv"))
        return RecordingExportFormat::Csv;
    if (name == QLatin1String("jsonl"))
        return RecordingExportFormat::JsonLines;
    if (name == QLatin1String("senml") || name == QLatin1String("senml-json"))
        return RecordingExportFormat::SenmlJson;
    if (name == QLatin1String("senml-cbor"))
        return RecordingExportFormat::SenmlCbor;
    *error = tr("unknown export format \"%1\" (csv, jsonl, senml, senml-json, senml-cbor)").arg(name);
    return std::nullopt;
}

bool RecordingExport::isText(const QByteArray &raw)
{
    for (const char c : raw) {
        const auto u = uchar(c);
        if (u < 0x20 && u != '\t' && u != '\n' && u != '\r')
            return false;
        if (u == 0x7f)
            return false;
    }
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = decoder.decode(raw);
    return !decoder.hasError();
}

std::optional<qint64> RecordingExport::run(RecordingDatabase &db, const RecordingExportOptions &options, QIODevice *out,
                                           const std::function<bool(qint64 done, qint64 total)> &progress, QString *error)
{
    const std::optional<qint64> total = db.count(options.uris, options.fromMs, options.toMs, error);
    if (!total)
        return std::nullopt;
    qint64 done = 0;
    bool cancelled = false;
    bool writeFailed = false;
    QCborStreamWriter cbor(out);
    auto put = [&](const QByteArray &bytes) {
        if (out->write(bytes) != bytes.size())
            writeFailed = true;
    };
    switch (options.format) {
    case RecordingExportFormat::Csv:
        put("time,resource,direction,cause,content_format,number,encoding,payload\n");
        break;
    case RecordingExportFormat::SenmlJson:
        put("[");
        break;
    case RecordingExportFormat::SenmlCbor:
        cbor.startArray();
        break;
    case RecordingExportFormat::JsonLines:
        break;
    }
    const bool ok = db.forEach(options.uris, options.fromMs, options.toMs, [&](const RecordedMessage &message) {
        const bool text = isText(message.raw);
        switch (options.format) {
        case RecordingExportFormat::Csv: {
            QByteArray line = csvField(timeText(message.timeMs)) + ',' + csvField(message.uri) + ','
                + directionText(message.direction).toUtf8() + ',' + csvField(message.cause.toString()) + ','
                + (message.contentFormat >= 0 ? QByteArray::number(message.contentFormat) : QByteArray()) + ','
                + (message.number ? numberText(*message.number).toUtf8() : QByteArray()) + ','
                + (text ? "text," + csvField(QString::fromUtf8(message.raw)) : "base64," + message.raw.toBase64());
            put(line + '\n');
            break;
        }
        case RecordingExportFormat::JsonLines: {
            QJsonObject json{{QStringLiteral("time"), timeText(message.timeMs)},
                             {QStringLiteral("timeMs"), double(message.timeMs)},
                             {QStringLiteral("resource"), message.uri},
                             {QStringLiteral("direction"), directionText(message.direction)},
                             {QStringLiteral("cause"), message.cause.toString()}};
            if (message.contentFormat >= 0)
                json.insert(QStringLiteral("contentFormat"), message.contentFormat);
            if (message.number)
                json.insert(QStringLiteral("number"), *message.number);
            if (text)
                json.insert(QStringLiteral("payload"), QString::fromUtf8(message.raw));
            else
                json.insert(QStringLiteral("payloadBase64"), QString::fromLatin1(message.raw.toBase64()));
            put(QJsonDocument(json).toJson(QJsonDocument::Compact) + '\n');
            break;
        }
        case RecordingExportFormat::SenmlJson: {
            QJsonObject record{{QStringLiteral("n"), message.uri}, {QStringLiteral("t"), double(message.timeMs) / 1000.0}};
            if (const std::optional<bool> boolean = booleanOf(message))
                record.insert(QStringLiteral("vb"), *boolean);
            else if (message.number)
                record.insert(QStringLiteral("v"), *message.number);
            else if (text)
                record.insert(QStringLiteral("vs"), QString::fromUtf8(message.raw));
            else
                record.insert(QStringLiteral("vd"), QString::fromLatin1(message.raw.toBase64(QByteArray::Base64UrlEncoding
                                                                                          | QByteArray::OmitTrailingEquals)));
            put((done > 0 ? ",\n" : "\n") + QJsonDocument(record).toJson(QJsonDocument::Compact));
            break;
        }
        case RecordingExportFormat::SenmlCbor: {
            // RFC 8428 CBOR labels: n 0, v 2, vs 3, vb 4, t 6, vd 8.
            cbor.startMap(3);
            cbor.append(0);
            cbor.append(message.uri);
            cbor.append(6);
            cbor.append(double(message.timeMs) / 1000.0);
            if (const std::optional<bool> boolean = booleanOf(message)) {
                cbor.append(4);
                cbor.append(*boolean);
            } else if (message.number) {
                cbor.append(2);
                cbor.append(*message.number);
            } else if (text) {
                cbor.append(3);
                cbor.append(QString::fromUtf8(message.raw));
            } else {
                cbor.append(8);
                cbor.append(message.raw);
            }
            cbor.endMap();
            break;
        }
        }
        ++done;
        if (writeFailed)
            return false;
        if (progress && done % 2000 == 0 && !progress(done, *total)) {
            cancelled = true;
            return false;
        }
        return true;
    }, error, 0, RecordingDatabase::Order::Time);
    if (!ok)
        return std::nullopt;
    if (writeFailed) {
        *error = tr("cannot write the export: %1").arg(out->errorString());
        return std::nullopt;
    }
    if (cancelled) {
        *error = tr("cancelled");
        return std::nullopt;
    }
    switch (options.format) {
    case RecordingExportFormat::SenmlJson:
        put("\n]\n");
        break;
    case RecordingExportFormat::SenmlCbor:
        cbor.endArray();
        break;
    default:
        break;
    }
    if (progress && !progress(done, *total)) {
        *error = tr("cancelled");
        return std::nullopt;
    }
    return done;
}

std::optional<qint64> RecordingExport::toFile(const QString &database, const QString &password,
                                              const RecordingExportOptions &options, const QString &path,
                                              const std::function<bool(qint64 done, qint64 total)> &progress, QString *error)
{
    RecordingDatabase db;
    if (!db.open(database, password, false, error))
        return std::nullopt;
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = tr("cannot write %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    const std::optional<qint64> rows = run(db, options, &file, progress, error);
    if (!rows) {
        file.cancelWriting();
        return std::nullopt;
    }
    if (!file.commit()) {
        *error = tr("cannot write %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    return rows;
}

} // namespace thingscape
