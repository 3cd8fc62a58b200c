#include "gatewayrepresentation.h"

#include "gatewayid.h"

#include "model/codecs/codecs.h"
#include "model/resource.h"
#include "protocols/connector.h"

#include <QCborArray>
#include <QCborMap>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>

namespace thingscape {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("gateway", text);
}

bool isUtf8Text(const QByteArray &raw)
{
    return QString::fromUtf8(raw).toUtf8() == raw;
}

QByteArray jsonBody(const QJsonValue &value)
{
    // QJsonDocument takes only objects and arrays: wrap and cut a scalar out again.
    const QByteArray wrapped = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return wrapped.mid(1, wrapped.size() - 2);
}

QCborMap senmlRecord(const Resource &resource)
{
    const Value &value = resource.value();
    QCborMap record;
    record.insert(QCborValue(0), resource.id().toString());
    const QCborValue decoded = value.decoded.get();
    if (decoded.isBool())
        record.insert(QCborValue(4), decoded.toBool());
    else if (decoded.isInteger() || decoded.isDouble())
        record.insert(QCborValue(2), decoded.toDouble());
    else if (decoded.isByteArray() || (!isUtf8Text(value.raw)))
        record.insert(QCborValue(8), value.raw);
    else if (decoded.isString())
        record.insert(QCborValue(3), decoded.toString());
    else
        record.insert(QCborValue(3), QString::fromUtf8(value.raw));
    if (resource.metadata().unitCode.isSet())
        record.insert(QCborValue(1), *resource.metadata().unitCode);
    else if (resource.metadata().unit.isSet())
        record.insert(QCborValue(1), *resource.metadata().unit);
    if (value.timeMs > 0)
        record.insert(QCborValue(6), double(value.timeMs) / 1000.0);
    return record;
}

QJsonObject senmlJsonRecord(const QCborMap &record)
{
    static const QHash<qint64, QString> names{{0, QStringLiteral("n")}, {1, QStringLiteral("u")},
                                             {2, QStringLiteral("v")}, {3, QStringLiteral("vs")},
                                             {4, QStringLiteral("vb")}, {6, QStringLiteral("t")},
                                             {8, QStringLiteral("vd")}};
    QJsonObject json;
    for (auto it = record.begin(); it != record.end(); ++it) {
        const QString name = names.value(it.key().toInteger());
        if (name == QLatin1String("vd"))
            json.insert(name, QString::fromLatin1(it.value().toByteArray().toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)));
        else
            json.insert(name, it.value().toJsonValue());
    }
    return json;
}

// One media type of an Accept header with its weight.
struct Wanted
{
    QByteArray type;
    double q = 1;
};

QList<Wanted> parseAccept(const QByteArray &accept)
{
    QList<Wanted> out;
    for (const QByteArray &part : accept.split(',')) {
        const QList<QByteArray> pieces = part.split(';');
        Wanted wanted;
        wanted.type = pieces.value(0).trimmed().toLower();
        if (wanted.type.isEmpty())
            continue;
        for (qsizetype i = 1; i < pieces.size(); ++i) {
            const QByteArray parameter = pieces.at(i).trimmed();
            if (parameter.startsWith("q=")) {
                bool ok = false;
                const double q = parameter.mid(2).toDouble(&ok);
                wanted.q = ok ? std::clamp(q, 0.0, 1.0) : 0;
            }
        }
        if (wanted.q > 0)
            out.append(wanted);
    }
    std::stable_sort(out.begin(), out.end(), [](const Wanted &a, const Wanted &b) { return a.q > b.q; });
    return out;
}

} // namespace

QString GatewayRepresentation::href(const Resource &resource)
{
    return QStringLiteral("/resources/") + GatewayId::encode(resource.id());
}

QJsonValue GatewayRepresentation::valueJson(const Value &value)
{
    if (value.raw.isEmpty() && value.decoded.isUndefined())
        return QJsonValue::Null;
    if (value.isOversize())
        return QJsonValue::Null;
    if (!value.error.get().isEmpty() || value.decoded.isUndefined()) {
        if (isUtf8Text(value.raw))
            return QString::fromUtf8(value.raw);
        return QString::fromLatin1(value.raw.toBase64());
    }
    const QCborValue decoded = value.decoded.get();
    if (decoded.isByteArray())
        return QString::fromLatin1(decoded.toByteArray().toBase64());
    return decoded.toJsonValue();
}

QJsonObject GatewayRepresentation::metadataJson(const Resource &resource)
{
    const Metadata &md = resource.metadata();
    QJsonObject json = md.extra;
    if (md.title.isSet())
        json.insert(QStringLiteral("title"), *md.title);
    if (md.description.isSet())
        json.insert(QStringLiteral("description"), *md.description);
    if (md.resourceTypes.isSet())
        json.insert(QStringLiteral("rt"), QJsonArray::fromStringList(*md.resourceTypes));
    if (md.interfaces.isSet())
        json.insert(QStringLiteral("if"), QJsonArray::fromStringList(*md.interfaces));
    if (md.contentFormat.isSet())
        json.insert(QStringLiteral("ct"), *md.contentFormat);
    if (md.unit.isSet())
        json.insert(QStringLiteral("unit"), *md.unit);
    if (md.observable.isSet())
        json.insert(QStringLiteral("observable"), *md.observable);
    if (md.writable.isSet())
        json.insert(QStringLiteral("writable"), *md.writable);
    if (md.readable.isSet())
        json.insert(QStringLiteral("readable"), *md.readable);
    if (md.device.isSet())
        json.insert(QStringLiteral("device"), *md.device);
    if (md.size.isSet())
        json.insert(QStringLiteral("sz"), double(*md.size));
    return json;
}

QJsonObject GatewayRepresentation::resourceJson(const Resource &resource)
{
    QJsonObject json{
        {QStringLiteral("id"), GatewayId::encode(resource.id())},
        {QStringLiteral("href"), href(resource)},
        {QStringLiteral("uri"), resource.id().toString()},
        {QStringLiteral("protocol"), protocolName(resource.id().protocol())},
        {QStringLiteral("title"), resource.title()},
        {QStringLiteral("state"), resourceStateName(resource.state())},
        {QStringLiteral("metadata"), metadataJson(resource)},
    };
    if (resource.hasValue()) {
        const Value &value = resource.value();
        json.insert(QStringLiteral("value"), valueJson(value));
        json.insert(QStringLiteral("time"), QDateTime::fromMSecsSinceEpoch(value.timeMs, Qt::UTC).toString(Qt::ISODateWithMs));
        if (value.contentFormat >= 0)
            json.insert(QStringLiteral("contentFormat"), value.contentFormat);
        if (value.isOversize())
            json.insert(QStringLiteral("oversizeBytes"), double(value.oversizeBytes));
    } else {
        json.insert(QStringLiteral("value"), QJsonValue::Null);
    }
    return json;
}

QString GatewayRepresentation::offered()
{
    return QStringLiteral("application/json, application/cbor, text/plain, application/senml+json, "
                          "application/senml+cbor, application/octet-stream (as received)");
}

std::optional<GatewayBody> GatewayRepresentation::forContentFormat(const Resource &resource, int contentFormat, QString *error)
{
    const Value &value = resource.value();
    GatewayBody out;
    out.contentFormat = contentFormat;
    switch (contentFormat) {
    case ContentFormat::Unknown:
    case ContentFormat::OctetStream:
        out.body = value.raw;
        out.contentFormat = contentFormat == ContentFormat::Unknown && value.contentFormat >= 0 ? value.contentFormat
                                                                                                : ContentFormat::OctetStream;
        if (contentFormat == ContentFormat::Unknown && value.contentFormat < 0)
            out.contentFormat = isUtf8Text(value.raw) ? ContentFormat::Text : ContentFormat::OctetStream;
        break;
    case ContentFormat::Json:
        out.body = jsonBody(valueJson(value));
        break;
    case ContentFormat::Cbor:
        out.body = resource.hasValue() ? value.decoded.get().toCbor() : QCborValue(QCborValue::Null).toCbor();
        if (!value.error.get().isEmpty())
            out.body = QCborValue(value.raw).toCbor();
        break;
    case ContentFormat::Text: {
        if (value.decoded.isString())
            out.body = value.decoded.toString().toUtf8();
        else if (isUtf8Text(value.raw))
            out.body = value.raw;
        else
            out.body = value.raw.toBase64();
        break;
    }
    case ContentFormat::SenmlJson:
        out.body = QJsonDocument(QJsonArray{senmlJsonRecord(senmlRecord(resource))}).toJson(QJsonDocument::Compact);
        break;
    case ContentFormat::SenmlCbor:
        out.body = QCborArray{senmlRecord(resource)}.toCborValue().toCbor();
        break;
    default:
        *error = tr("content-format %1 is not offered; offered: %2").arg(contentFormat).arg(offered());
        return std::nullopt;
    }
    out.mediaType = codecs::mediaTypeForContentFormat(out.contentFormat).toLatin1();
    if (out.mediaType.isEmpty())
        out.mediaType = "application/octet-stream";
    if (out.contentFormat == ContentFormat::Text)
        out.mediaType = "text/plain; charset=utf-8";
    return out;
}

std::optional<GatewayBody> GatewayRepresentation::forAccept(const Resource &resource, const QByteArray &accept, QString *error)
{
    const QList<Wanted> wanted = parseAccept(accept);
    if (wanted.isEmpty())
        return forContentFormat(resource, ContentFormat::Json, error);
    for (const Wanted &w : wanted) {
        int format = -2;
        if (w.type == "application/json" || w.type == "*/*" || w.type == "application/*")
            format = ContentFormat::Json;
        else if (w.type == "application/cbor")
            format = ContentFormat::Cbor;
        else if (w.type == "text/plain" || w.type == "text/*")
            format = ContentFormat::Text;
        else if (w.type == "application/senml+json")
            format = ContentFormat::SenmlJson;
        else if (w.type == "application/senml+cbor")
            format = ContentFormat::SenmlCbor;
        else if (w.type == "application/octet-stream")
            format = ContentFormat::Unknown;
        if (format != -2)
            return forContentFormat(resource, format, error);
    }
    *error = tr("none of the media types asked for (%1) is offered; offered: %2")
                 .arg(QString::fromLatin1(accept.left(200)), offered());
    return std::nullopt;
}

QByteArray GatewayRepresentation::etag(const Resource &resource, const GatewayBody &body)
{
    QCryptographicHash hash(QCryptographicHash::Sha1);
    hash.addData(resource.id().toString().toUtf8());
    hash.addData(QByteArray::number(resource.updateCount()));
    hash.addData(QByteArray::number(resource.lastUpdateMs()));
    hash.addData(body.mediaType);
    return '"' + hash.result().toHex().left(20) + '"';
}

quint64 GatewayRepresentation::coapEtag(const Resource &resource, int contentFormat)
{
    QCryptographicHash hash(QCryptographicHash::Sha1);
    hash.addData(resource.id().toString().toUtf8());
    hash.addData(QByteArray::number(resource.updateCount()));
    hash.addData(QByteArray::number(resource.lastUpdateMs()));
    hash.addData(QByteArray::number(contentFormat));
    const QByteArray digest = hash.result();
    quint64 tag = 0;
    for (int i = 0; i < 8; ++i)
        tag = (tag << 8) | quint8(digest.at(i));
    return tag ? tag : 1;
}

codecs::Link GatewayRepresentation::link(const Resource &resource, const QString &target)
{
    const Metadata &md = resource.metadata();
    codecs::Link link;
    link.target = target;
    if (md.resourceTypes.isSet())
        link.resourceTypes = *md.resourceTypes;
    if (md.interfaces.isSet())
        link.interfaces = *md.interfaces;
    const int ct = md.contentFormat.isSet() ? *md.contentFormat
                                            : (resource.hasValue() ? resource.value().contentFormat : -1);
    if (ct >= 0 && ct <= 65535)
        link.contentFormats = {ct};
    // Every resource of the live model can be observed through the gateway.
    link.observable = true;
    if (md.size.isSet())
        link.size = *md.size;
    link.title = resource.title();
    link.attributes.insert(QStringLiteral("uri"), resource.id().toString());
    return link;
}

QByteArray GatewayRepresentation::compactJson(const QJsonValue &value)
{
    if (value.isObject())
        return QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
    if (value.isArray())
        return QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact);
    const QByteArray wrapped = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return wrapped.mid(1, wrapped.size() - 2);
}

QString GatewayRepresentation::webSocketUpdate(const ResourceId &id, const QJsonValue &value, qint64 timeMs)
{
    return QString::fromUtf8(compactJson(QJsonObject{
        {QStringLiteral("id"), GatewayId::encode(id)},
        {QStringLiteral("uri"), id.toString()},
        {QStringLiteral("value"), value},
        {QStringLiteral("time"), QDateTime::fromMSecsSinceEpoch(timeMs, Qt::UTC).toString(Qt::ISODateWithMs)},
    }));
}

int GatewayRepresentation::writeStatus(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::None: return 204;
    case ErrorKind::Timeout: return 504;
    case ErrorKind::NotFound: return 404;
    case ErrorKind::Usage: return 400;
    case ErrorKind::Unsupported: return 501;
    case ErrorKind::Connection:
    case ErrorKind::Tls:
    case ErrorKind::Auth:
    case ErrorKind::Protocol:
        return 502;
    }
    return 502;
}

} // namespace thingscape
