#include "gatewayid.h"

#include <QCoreApplication>

namespace thingscape {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("gateway", text);
}

constexpr auto kOptions = QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals;

} // namespace

QString GatewayId::encode(const ResourceId &id)
{
    return encodeText(id.toString());
}

QString GatewayId::encodeText(const QString &text)
{
    return QString::fromLatin1(text.toUtf8().toBase64(kOptions));
}

std::optional<QString> GatewayId::decodeText(QStringView id, QString *error)
{
    if (id.isEmpty()) {
        *error = tr("empty resource id");
        return std::nullopt;
    }
    if (id.size() > kMaxLength) {
        *error = tr("resource id longer than %1 characters").arg(kMaxLength);
        return std::nullopt;
    }
    for (const QChar c : id) {
        const char16_t u = c.unicode();
        const bool ok = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' || u == '_';
        if (!ok) {
            *error = tr("malformed resource id: only A-Z, a-z, 0-9, '-' and '_' (unpadded base64url of the URI)");
            return std::nullopt;
        }
    }
    const auto decoded = QByteArray::fromBase64Encoding(id.toLatin1(), kOptions | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded) {
        *error = tr("malformed resource id: not base64url");
        return std::nullopt;
    }
    const QString text = QString::fromUtf8(*decoded);
    if (text.toUtf8() != *decoded) {
        *error = tr("malformed resource id: not the id of a URI (not UTF-8)");
        return std::nullopt;
    }
    return text;
}

std::optional<ResourceId> GatewayId::decode(QStringView id, QString *error)
{
    const std::optional<QString> text = decodeText(id, error);
    if (!text)
        return std::nullopt;
    QString why;
    std::optional<ResourceId> parsed = ResourceId::parse(*text, &why);
    if (!parsed) {
        *error = tr("malformed resource id: not the id of a URI (%1)").arg(why);
        return std::nullopt;
    }
    return parsed;
}

} // namespace thingscape
