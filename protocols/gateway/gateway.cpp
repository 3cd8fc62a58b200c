#include "gateway.h"

#include "gatewaycoap.h"
#include "gatewayhttpserver.h"

#include "protocols/engine/engine.h"
#include "protocols/engine/secretprovider.h"

#include <QCoreApplication>
#include <QRandomGenerator>

namespace thingscape {

namespace {

QString hostText(const QHostAddress &address)
{
    QHostAddress shown = address;
    if (shown == QHostAddress::Any || shown == QHostAddress::AnyIPv4)
        shown = QHostAddress::LocalHost;
    return shown.protocol() == QAbstractSocket::IPv6Protocol ? QStringLiteral("[%1]").arg(shown.toString())
                                                             : shown.toString();
}

} // namespace

Gateway::Gateway(Engine *engine, QObject *parent)
    : QObject(parent)
    , m_engine(engine)
{
}

Gateway::~Gateway()
{
    stop();
}

bool Gateway::start(const GatewayOptions &options, QString *error)
{
    stop();
    m_options = options;
    auto http = std::make_unique<GatewayHttpServer>(m_engine->store(), m_engine->endpoints(), options);
    if (!http->start(error))
        return false;
    std::unique_ptr<GatewayCoap> coap;
    if (options.coap) {
        coap = std::make_unique<GatewayCoap>(m_engine->store(), m_engine->endpoints(), options);
        if (!coap->start(error))
            return false;
    }
    m_http = std::move(http);
    m_coap = std::move(coap);
    connect(m_http.get(), &GatewayHttpServer::clientsChanged, this, &Gateway::clientsChanged);
    Q_EMIT stateChanged();
    return true;
}

void Gateway::stop()
{
    if (!m_http)
        return;
    m_coap.reset();
    m_http.reset();
    Q_EMIT stateChanged();
}

quint16 Gateway::httpPort() const
{
    return m_http ? m_http->port() : 0;
}

quint16 Gateway::coapPort() const
{
    return m_coap ? m_coap->port() : 0;
}

QString Gateway::httpUrl() const
{
    return m_http ? QStringLiteral("http://%1:%2").arg(hostText(m_options.httpAddress)).arg(m_http->port()) : QString();
}

QString Gateway::coapUrl() const
{
    return m_coap ? QStringLiteral("coap://%1:%2").arg(hostText(m_options.coapAddress)).arg(m_coap->port()) : QString();
}

int Gateway::clientCount() const
{
    return m_http ? m_http->connectionCount() : 0;
}

QString Gateway::summary() const
{
    if (!m_http)
        return QCoreApplication::translate("gateway", "off");
    QString text = httpUrl();
    if (m_coap)
        text += QStringLiteral(", ") + coapUrl();
    const int clients = clientCount();
    return clients == 1 ? QCoreApplication::translate("gateway", "%1, 1 client").arg(text)
                        : QCoreApplication::translate("gateway", "%1, %2 clients").arg(text).arg(clients);
}

QString Gateway::generateToken()
{
    QByteArray bytes(32, Qt::Uninitialized);
    QRandomGenerator::system()->generate(bytes.begin(), bytes.end());
    return QString::fromLatin1(bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

} // namespace thingscape
