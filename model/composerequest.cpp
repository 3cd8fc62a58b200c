#include "composerequest.h"

#include "codecs/codecs.h"
#include "codecs/cbordiag.h"
#include "codecs/jsoncbor.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>

namespace thingscape {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("ComposeRequest", text);
}

const QList<QPair<ComposeRequest::PayloadFormat, QString>> &formatNames()
{
    static const QList<QPair<ComposeRequest::PayloadFormat, QString>> names = {
        {ComposeRequest::PayloadFormat::Text, QStringLiteral("text")},
        {ComposeRequest::PayloadFormat::Json, QStringLiteral("json")},
        {ComposeRequest::PayloadFormat::CborJson, QStringLiteral("cbor-json")},
        {ComposeRequest::PayloadFormat::CborDiag, QStringLiteral("cbor-diag")},
        {ComposeRequest::PayloadFormat::Hex, QStringLiteral("hex")},
        {ComposeRequest::PayloadFormat::File, QStringLiteral("file")},
    };
    return names;
}

// Bytes may be anything: kept in JSON as base64.
QString toBase64(const QByteArray &bytes)
{
    return QString::fromLatin1(bytes.toBase64());
}

QByteArray fromBase64(const QJsonValue &value)
{
    return QByteArray::fromBase64(value.toString().toLatin1());
}

bool wrongType(const QJsonObject &json, const QString &key, QJsonValue::Type type, QString *error)
{
    if (!json.contains(key) || json.value(key).type() == type)
        return false;
    if (error)
        *error = tr("compose request: \"%1\" has the wrong type").arg(key);
    return true;
}

} // namespace

QString ComposeRequest::formatName(PayloadFormat format)
{
    for (const auto &[f, name] : formatNames()) {
        if (f == format)
            return name;
    }
    return QStringLiteral("text");
}

ComposeRequest::PayloadFormat ComposeRequest::formatFromName(const QString &name, bool *ok)
{
    for (const auto &[f, n] : formatNames()) {
        if (n == name) {
            if (ok)
                *ok = true;
            return f;
        }
    }
    if (ok)
        *ok = false;
    return PayloadFormat::Text;
}

QJsonObject ComposeRequest::toJson() const
{
    const ComposeRequest defaults;
    QJsonObject json;
    json.insert(QStringLiteral("uri"), uri);
    json.insert(QStringLiteral("method"), method);
    if (!payloadText.isEmpty())
        json.insert(QStringLiteral("payload"), payloadText);
    json.insert(QStringLiteral("format"), formatName(format));
    if (qos != defaults.qos)
        json.insert(QStringLiteral("qos"), qos);
    if (retain)
        json.insert(QStringLiteral("retain"), true);
    if (!contentType.isEmpty())
        json.insert(QStringLiteral("contentType"), contentType);
    if (!responseTopic.isEmpty())
        json.insert(QStringLiteral("responseTopic"), responseTopic);
    if (!correlationData.isEmpty())
        json.insert(QStringLiteral("correlationData"), toBase64(correlationData));
    if (!userProperties.isEmpty()) {
        QJsonArray props;
        for (const auto &[name, value] : userProperties)
            props.append(QJsonArray{name, value});
        json.insert(QStringLiteral("userProperties"), props);
    }
    if (messageExpirySeconds > 0)
        json.insert(QStringLiteral("messageExpiry"), double(messageExpirySeconds));
    if (waitForReply)
        json.insert(QStringLiteral("waitForReply"), true);
    if (!confirmable)
        json.insert(QStringLiteral("confirmable"), false);
    if (accept >= 0)
        json.insert(QStringLiteral("accept"), accept);
    if (contentFormat >= 0)
        json.insert(QStringLiteral("contentFormat"), contentFormat);
    if (!etag.isEmpty())
        json.insert(QStringLiteral("etag"), toBase64(etag));
    if (!ifMatch.isEmpty())
        json.insert(QStringLiteral("ifMatch"), toBase64(ifMatch));
    if (observe >= 0)
        json.insert(QStringLiteral("observe"), observe);
    if (block2Size > 0)
        json.insert(QStringLiteral("block2Size"), block2Size);
    if (!coapOptions.isEmpty()) {
        QJsonArray options;
        for (const auto &[number, value] : coapOptions)
            options.append(QJsonArray{number, toBase64(value)});
        json.insert(QStringLiteral("coapOptions"), options);
    }
    if (!headers.isEmpty()) {
        QJsonArray list;
        for (const auto &[name, value] : headers)
            list.append(QJsonArray{QString::fromLatin1(name), QString::fromLatin1(value)});
        json.insert(QStringLiteral("headers"), list);
    }
    if (timeoutMs != defaults.timeoutMs)
        json.insert(QStringLiteral("timeoutMs"), timeoutMs);
    return json;
}

ComposeRequest ComposeRequest::fromJson(const QJsonObject &json, QString *error)
{
    ComposeRequest r;
    using T = QJsonValue::Type;
    for (const char *key : {"uri", "method", "payload", "format", "contentType", "responseTopic", "correlationData",
                            "etag", "ifMatch"}) {
        if (wrongType(json, QString::fromLatin1(key), T::String, error))
            return r;
    }
    for (const char *key : {"qos", "messageExpiry", "accept", "contentFormat", "observe", "block2Size", "timeoutMs"}) {
        if (wrongType(json, QString::fromLatin1(key), T::Double, error))
            return r;
    }
    for (const char *key : {"retain", "waitForReply", "confirmable"}) {
        if (wrongType(json, QString::fromLatin1(key), T::Bool, error))
            return r;
    }
    for (const char *key : {"userProperties", "coapOptions", "headers"}) {
        if (wrongType(json, QString::fromLatin1(key), T::Array, error))
            return r;
    }
    r.uri = json.value(QStringLiteral("uri")).toString();
    r.method = json.value(QStringLiteral("method")).toString(r.method);
    r.payloadText = json.value(QStringLiteral("payload")).toString();
    r.format = formatFromName(json.value(QStringLiteral("format")).toString(QStringLiteral("text")));
    r.qos = std::clamp(json.value(QStringLiteral("qos")).toInt(0), 0, 2);
    r.retain = json.value(QStringLiteral("retain")).toBool(false);
    r.contentType = json.value(QStringLiteral("contentType")).toString();
    r.responseTopic = json.value(QStringLiteral("responseTopic")).toString();
    r.correlationData = fromBase64(json.value(QStringLiteral("correlationData")));
    for (const QJsonValue &pair : json.value(QStringLiteral("userProperties")).toArray()) {
        const QJsonArray p = pair.toArray();
        r.userProperties.append({p.at(0).toString(), p.at(1).toString()});
    }
    r.messageExpirySeconds = qint64(json.value(QStringLiteral("messageExpiry")).toDouble(0));
    r.waitForReply = json.value(QStringLiteral("waitForReply")).toBool(false);
    r.confirmable = json.value(QStringLiteral("confirmable")).toBool(true);
    r.accept = json.value(QStringLiteral("accept")).toInt(-1);
    r.contentFormat = json.value(QStringLiteral("contentFormat")).toInt(-1);
    r.etag = fromBase64(json.value(QStringLiteral("etag")));
    r.ifMatch = fromBase64(json.value(QStringLiteral("ifMatch")));
    r.observe = json.value(QStringLiteral("observe")).toInt(-1);
    r.block2Size = json.value(QStringLiteral("block2Size")).toInt(0);
    for (const QJsonValue &pair : json.value(QStringLiteral("coapOptions")).toArray()) {
        const QJsonArray p = pair.toArray();
        r.coapOptions.append({p.at(0).toInt(), fromBase64(p.at(1))});
    }
    for (const QJsonValue &pair : json.value(QStringLiteral("headers")).toArray()) {
        const QJsonArray p = pair.toArray();
        r.headers.append({p.at(0).toString().toLatin1(), p.at(1).toString().toLatin1()});
    }
    r.timeoutMs = json.value(QStringLiteral("timeoutMs")).toInt(r.timeoutMs);
    return r;
}

QString ComposeRequest::summary() const
{
    QString text = uri.startsWith(QLatin1String("mqtt")) ? QStringLiteral("PUBLISH ") : method + QLatin1Char(' ');
    text += uri;
    if (!payloadText.isEmpty()) {
        QString payload = payloadText.simplified();
        if (payload.size() > 60)
            payload = payload.left(59) + QChar(0x2026);
        text += QStringLiteral("  ") + payload;
    }
    return text;
}

bool ComposeRequest::encodePayload(QByteArray *out, int *format_, QString *error) const
{
    *format_ = -1;
    switch (format) {
    case PayloadFormat::Text:
        *out = payloadText.toUtf8();
        return true;
    case PayloadFormat::Json: {
        if (payloadText.trimmed().isEmpty()) {
            *error = tr("JSON payload: empty");
            return false;
        }
        QString parseError;
        if (!codecs::detail::parseJson(payloadText.toUtf8(), &parseError)) {
            *error = tr("JSON payload: %1").arg(parseError);
            return false;
        }
        *out = payloadText.toUtf8();
        *format_ = 50;
        return true;
    }
    case PayloadFormat::CborJson: {
        QString parseError;
        const auto value = codecs::detail::parseJson(payloadText.toUtf8(), &parseError);
        if (!value) {
            *error = tr("CBOR from JSON: %1").arg(parseError);
            return false;
        }
        *out = value->toCbor();
        *format_ = 60;
        return true;
    }
    case PayloadFormat::CborDiag: {
        QString parseError;
        const auto value = codecs::parseCborDiagnostic(payloadText, &parseError);
        if (!value) {
            *error = tr("CBOR diagnostic notation: %1").arg(parseError);
            return false;
        }
        *out = value->toCbor();
        *format_ = 60;
        return true;
    }
    case PayloadFormat::Hex: {
        QByteArray digits;
        for (const QChar c : payloadText) {
            if (c.isSpace())
                continue;
            if (!isxdigit(c.toLatin1())) {
                *error = tr("hex payload: '%1' is not a hex digit").arg(c);
                return false;
            }
            digits.append(c.toLatin1());
        }
        if (digits.size() % 2) {
            *error = tr("hex payload: an odd number of digits (%1)").arg(digits.size());
            return false;
        }
        *out = QByteArray::fromHex(digits);
        return true;
    }
    case PayloadFormat::File: {
        QFile file(payloadText);
        if (!file.open(QIODevice::ReadOnly)) {
            *error = tr("payload file %1: %2").arg(payloadText, file.errorString());
            return false;
        }
        *out = file.readAll();
        return true;
    }
    }
    return true;
}

} // namespace thingscape
