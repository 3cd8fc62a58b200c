#include "streamexporter.h"

#include "message.h"
#include "streammodel.h"

#include <QAbstractProxyModel>
#include <QCoreApplication>
#include <QDateTime>
#include <QIODevice>
#include <QStringDecoder>

#include <nlohmann/json.hpp>

namespace thingscape {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("StreamExporter", text);
}

QString isoTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

// Text when it is UTF-8 (and cannot be mistaken for the Base64 form), else "base64:...".
QString payloadText(const QByteArray &raw)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless | QStringDecoder::Flag::ConvertInitialBom);
    const QString text = decoder(raw);
    if (!decoder.hasError() && !text.startsWith(QLatin1String("base64:")))
        return text;
    return QLatin1String("base64:") + QString::fromLatin1(raw.toBase64());
}

QString directionText(Direction direction)
{
    return direction == Direction::In ? QStringLiteral("in") : QStringLiteral("out");
}

QByteArray csvField(const QString &text)
{
    QByteArray field = text.toUtf8();
    if (!field.contains(',') && !field.contains('"') && !field.contains('\n') && !field.contains('\r'))
        return field;
    field.replace('"', "\"\"");
    return '"' + field + '"';
}

} // namespace

StreamExporter::StreamExporter(const StreamModel *model)
    : m_model(model)
{
}

QByteArray StreamExporter::jsonLine(const Message &message)
{
    nlohmann::ordered_json line;
    line["time"] = isoTime(message.timeMs).toStdString();
    line["direction"] = directionText(message.direction).toStdString();
    line["protocol"] = protocolName(message.protocol()).toStdString();
    line["uri"] = message.id.toString().toStdString();
    line["size"] = message.size();
    line["payload"] = payloadText(message.raw).toStdString();
    if (message.contentFormat >= 0)
        line["ct"] = message.contentFormat;
    else
        line["ct"] = nullptr;
    line["info"] = message.info.toStdString();
    // Replace, not throw: a lone surrogate in info must not abort an export.
    return QByteArray::fromStdString(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) + '\n';
}

QByteArray StreamExporter::csvHeader()
{
    return QByteArrayLiteral("time,direction,protocol,uri,size,payload,ct,info\r\n");
}

QByteArray StreamExporter::csvLine(const Message &message)
{
    const QList<QByteArray> fields = {
        csvField(isoTime(message.timeMs)),
        csvField(directionText(message.direction)),
        csvField(protocolName(message.protocol())),
        csvField(message.id.toString()),
        QByteArray::number(message.size()),
        csvField(payloadText(message.raw)),
        message.contentFormat >= 0 ? QByteArray::number(message.contentFormat) : QByteArray(),
        csvField(message.info),
    };
    return fields.join(',') + "\r\n";
}

bool StreamExporter::exportRows(QIODevice *device, Format format, const QList<int> &rows, QString *error) const
{
    auto fail = [error](const QString &why) {
        if (error)
            *error = why;
        return false;
    };
    if (!device || !device->isWritable())
        return fail(tr("cannot export the message log: the output is not open for writing"));
    auto write = [device](const QByteArray &bytes) { return device->write(bytes) == bytes.size(); };
    if (format == Format::Csv && !write(csvHeader()))
        return fail(tr("cannot export the message log: %1").arg(device->errorString()));
    for (int row : rows) {
        if (row < 0 || row >= m_model->rowCount())
            return fail(tr("cannot export the message log: row %1 does not exist").arg(row));
        const Message &message = m_model->message(row);
        if (!write(format == Format::Csv ? csvLine(message) : jsonLine(message)))
            return fail(tr("cannot export the message log: %1").arg(device->errorString()));
    }
    return true;
}

bool StreamExporter::exportAll(QIODevice *device, Format format, QString *error) const
{
    QList<int> rows;
    rows.reserve(m_model->rowCount());
    for (int row = 0; row < m_model->rowCount(); ++row)
        rows.append(row);
    return exportRows(device, format, rows, error);
}

bool StreamExporter::exportVisible(QIODevice *device, Format format, const QAbstractProxyModel *proxy,
                                   QString *error) const
{
    QList<int> rows;
    rows.reserve(proxy->rowCount());
    for (int row = 0; row < proxy->rowCount(); ++row) {
        const QModelIndex source = proxy->mapToSource(proxy->index(row, 0));
        if (source.model() != m_model) {
            if (error)
                *error = tr("cannot export the message log: the filter is not over this log");
            return false;
        }
        rows.append(source.row());
    }
    return exportRows(device, format, rows, error);
}

} // namespace thingscape
