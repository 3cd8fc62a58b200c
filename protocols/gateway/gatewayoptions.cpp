#include "gatewayoptions.h"

#include <QCoreApplication>

namespace thingscape {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("gateway", text);
}

} // namespace

bool GatewayOptions::isLoopbackOnly() const
{
    return httpAddress.isLoopback() && (!coap || coapAddress.isLoopback());
}

bool GatewayOptions::parseAddress(const QString &text, QHostAddress *address, quint16 *port, QString *error)
{
    const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0) {
        *error = tr("\"%1\" is not ADDRESS:PORT (e.g. 127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080)").arg(text);
        return false;
    }
    QString host = text.left(colon);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    if (host == QLatin1String("localhost"))
        host = QStringLiteral("127.0.0.1");
    QHostAddress parsed;
    if (!parsed.setAddress(host)) {
        *error = tr("\"%1\" in \"%2\" is not an IP address").arg(host, text);
        return false;
    }
    bool ok = false;
    const uint number = text.mid(colon + 1).toUInt(&ok);
    if (!ok || number > 65535) {
        *error = tr("\"%1\" in \"%2\" is not a port number (0-65535)").arg(text.mid(colon + 1), text);
        return false;
    }
    *address = parsed;
    *port = quint16(number);
    return true;
}

static QString joinAddress(const QHostAddress &address, quint16 port)
{
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
        ? QStringLiteral("[%1]").arg(address.toString())
        : address.toString();
    return QStringLiteral("%1:%2").arg(host).arg(port);
}

QJsonObject GatewayOptions::toJson() const
{
    QJsonObject json{
        {QStringLiteral("enabled"), enabled},
        {QStringLiteral("http"), joinAddress(httpAddress, httpPort)},
        {QStringLiteral("readOnly"), readOnly},
        {QStringLiteral("maxBodyBytes"), double(maxBodyBytes)},
        {QStringLiteral("maxConnectionsPerClient"), maxConnectionsPerClient},
        {QStringLiteral("maxRequestsPerSecond"), maxRequestsPerSecond},
    };
    if (coap)
        json.insert(QStringLiteral("coap"), joinAddress(coapAddress, coapPort));
    return json;
}

std::optional<GatewayOptions> GatewayOptions::fromJson(const QJsonObject &json, QString *error)
{
    GatewayOptions options;
    for (auto it = json.begin(); it != json.end(); ++it) {
        const QString key = it.key();
        const QJsonValue value = it.value();
        auto wrong = [&](const QString &what) {
            *error = tr("gateway/%1 must be %2").arg(key, what);
            return std::nullopt;
        };
        if (key == QLatin1String("enabled") || key == QLatin1String("readOnly")) {
            if (!value.isBool())
                return wrong(tr("true or false"));
            (key == QLatin1String("enabled") ? options.enabled : options.readOnly) = value.toBool();
        } else if (key == QLatin1String("http") || key == QLatin1String("coap")) {
            QString why;
            const bool isHttp = key == QLatin1String("http");
            if (!value.isString()
                || !parseAddress(value.toString(), isHttp ? &options.httpAddress : &options.coapAddress,
                                 isHttp ? &options.httpPort : &options.coapPort, &why))
                return wrong(tr("\"ADDRESS:PORT\"") + (why.isEmpty() ? QString() : QStringLiteral(": ") + why));
            if (!isHttp)
                options.coap = true;
        } else if (key == QLatin1String("maxBodyBytes") || key == QLatin1String("maxConnectionsPerClient")
                   || key == QLatin1String("maxRequestsPerSecond")) {
            const double number = value.toDouble(-1);
            if (!value.isDouble() || number < 1 || number > 1e12 || number != double(qint64(number)))
                return wrong(tr("a whole number above 0"));
            if (key == QLatin1String("maxBodyBytes"))
                options.maxBodyBytes = qint64(number);
            else if (number > 1e6)
                return wrong(tr("at most 1000000"));
            else
                (key == QLatin1String("maxConnectionsPerClient") ? options.maxConnectionsPerClient
                                                                 : options.maxRequestsPerSecond) = int(number);
        }
        // Unknown keys are left alone: a newer version may have written them.
    }
    return options;
}

} // namespace thingscape
