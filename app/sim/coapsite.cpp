#include "coapsite.h"

#include "devicemodel.h"

#include "protocols/coap/coapio.h"

#include <QDateTime>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

#include <coap3/coap.h>

#include <arpa/inet.h>

#include <cmath>
#include <optional>

namespace thingscape::sim {

namespace {

constexpr int kHistoryLength = 150;

QByteArray number(double value, int decimals)
{
    return QByteArray::number(value, 'f', decimals);
}

QByteArray quoted(const QByteArray &value)
{
    return '"' + value + '"';
}

// Keeps the body alive until libcoap has sent every block of it.
void releaseBody(coap_session_t *, void *body)
{
    delete static_cast<QByteArray *>(body);
}

std::optional<bool> parseLight(const QByteArray &body)
{
    const QByteArray text = body.trimmed().toLower();
    if (text == "on" || text == "1" || text == "true")
        return true;
    if (text == "off" || text == "0" || text == "false")
        return false;
    const QJsonDocument json = QJsonDocument::fromJson(body);
    if (json.isObject() && json.object().value(QStringLiteral("on")).isBool())
        return json.object().value(QStringLiteral("on")).toBool();
    return std::nullopt;
}

std::optional<int> parseValve(const QByteArray &body)
{
    bool ok = false;
    double value = body.trimmed().toDouble(&ok);
    if (!ok) {
        const QJsonDocument json = QJsonDocument::fromJson(body);
        if (!json.isObject() || !json.object().value(QStringLiteral("percent")).isDouble())
            return std::nullopt;
        value = json.object().value(QStringLiteral("percent")).toDouble();
    }
    if (value < 0.0 || value > 100.0)
        return std::nullopt;
    return int(std::lround(value));
}

coap_response_t onResponse(coap_session_t *session, const coap_pdu_t *, const coap_pdu_t *received, coap_mid_t)
{
    auto *site = static_cast<CoapSite *>(coap_get_app_data(coap_session_get_context(session)));
    const int code = coap_pdu_get_code(received);
    QByteArray location;
    coap_opt_iterator_t iterator;
    coap_option_iterator_init(received, &iterator, COAP_OPT_ALL);
    while (const coap_opt_t *option = coap_option_next(&iterator)) {
        if (iterator.number == COAP_OPTION_LOCATION_PATH)
            location += '/' + QByteArray(reinterpret_cast<const char *>(coap_opt_value(option)),
                                         coap_opt_length(option));
    }
    QMetaObject::invokeMethod(
        site,
        [site, code, location] {
            const QString codeText = QStringLiteral("%1.%2").arg(code >> 5).arg(code & 0x1f, 2, 10, QLatin1Char('0'));
            if ((code >> 5) == 2)
                emit site->registered(QString::fromUtf8(location));
            else
                emit site->registrationFailed(QStringLiteral("the resource directory answered %1").arg(codeText));
        },
        Qt::QueuedConnection);
    return COAP_RESPONSE_OK;
}

} // namespace

CoapSite::CoapSite(const std::vector<DeviceModel *> &models, QObject *parent)
    : QObject(parent)
    , m_models(models)
{
}

CoapSite::~CoapSite() = default;

bool CoapSite::start(quint16 port, QString *error)
{
    if (!m_server.listen(QHostAddress::LocalHost, port, error))
        return false;
    m_port = m_server.port();
    coap_context_t *context = m_server.context();
    coap_set_app_data(context, this);
    coap_register_response_handler(context, &onResponse);

    using Attributes = QList<std::pair<QByteArray, QByteArray>>;
    for (int i = 0; i < int(m_models.size()); ++i) {
        const QByteArray suffix = m_models[i]->suffix().toUtf8();
        addResource(Kind::Temperature, i, "sensors/temperature" + suffix,
                    Attributes{{"rt", quoted("temperature-c")},
                               {"if", quoted("core.s")},
                               {"ct", "0"},
                               {"title", quoted("Lab temperature" + suffix + " (Cel)")}},
                    true, false);
        addResource(Kind::Humidity, i, "sensors/humidity" + suffix,
                    Attributes{{"rt", quoted("humidity-rh")},
                               {"if", quoted("core.s")},
                               {"ct", "0"},
                               {"title", quoted("Lab humidity" + suffix + " (%RH)")}},
                    true, false);
        addResource(Kind::Door, i, "sensors/door" + suffix,
                    Attributes{{"rt", quoted("door")},
                               {"if", quoted("core.s")},
                               {"ct", "0"},
                               {"title", quoted("Lab door" + suffix + " (open/closed)")}},
                    true, false);
        addResource(Kind::Energy, i, "meters/energy" + suffix,
                    Attributes{{"rt", quoted("energy-meter")},
                               {"if", quoted("core.s")},
                               {"ct", "110"},
                               {"title", quoted("Energy meter" + suffix + " (SenML)")}},
                    true, false);
        addResource(Kind::Light, i, "actuators/light" + suffix,
                    Attributes{{"rt", quoted("light")},
                               {"if", quoted("core.a")},
                               {"ct", quoted("0 50")},
                               {"title", quoted("Lab light" + suffix + " (on/off)")}},
                    true, true);
        addResource(Kind::Valve, i, "actuators/valve" + suffix,
                    Attributes{{"rt", quoted("valve")},
                               {"if", quoted("core.a")},
                               {"ct", "0"},
                               {"title", quoted("Radiator valve" + suffix + " (%)")}},
                    true, true);
    }

    // Two and a half hours of history, one sample a minute, so the log starts out large.
    const DeviceModel *first = m_models.front();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (int minute = kHistoryLength; minute > 0; --minute) {
        const double wobble = std::sin(minute / 20.0);
        const QJsonObject sample{
            {QStringLiteral("t"), now.addSecs(-60 * minute).toString(Qt::ISODate)},
            {QStringLiteral("temperature"), std::round((first->labTemperature() - 0.4 * wobble) * 100.0) / 100.0},
            {QStringLiteral("humidity"), std::round((first->labHumidity() + wobble) * 10.0) / 10.0},
            {QStringLiteral("valve"), first->valve()},
            {QStringLiteral("light"), first->lightOn()},
        };
        m_history.append(QJsonDocument(sample).toJson(QJsonDocument::Compact));
    }
    addResource(Kind::History, 0, "logs/history",
                Attributes{{"rt", quoted("history")},
                           {"if", quoted("core.rp")},
                           {"ct", "50"},
                           {"title", quoted("Lab history (JSON; one sample a minute)")}},
                false, false);
    return true;
}

void CoapSite::addResource(Kind kind, int model, const QByteArray &path,
                           const QList<std::pair<QByteArray, QByteArray>> &attributes, bool observable,
                           bool writable)
{
    auto entry = std::make_unique<Entry>(Entry{kind, model, '/' + path, attributes, observable, {}});
    quint16 mediaType = 0;
    entry->lastValue = render(*entry, -1, &mediaType);
    Entry *raw = entry.get();
    thingscape::CoapResourceOptions options;
    options.attributes = attributes;
    options.observable = observable;
    options.handlers[thingscape::CoapMethod::Get] = [this, raw](const thingscape::CoapServerRequest &request) {
        return handleGet(*raw, request);
    };
    if (writable) {
        const auto put = [this, raw](const thingscape::CoapServerRequest &request) { return handlePut(*raw, request); };
        options.handlers[thingscape::CoapMethod::Put] = put;
        options.handlers[thingscape::CoapMethod::Post] = put;
    }
    m_server.addResource(path, options);
    m_entries.push_back(std::move(entry));
}

QByteArray CoapSite::linkFormat() const
{
    QByteArrayList links;
    for (const auto &entry : m_entries) {
        QByteArray link = '<' + entry->path + '>';
        for (const auto &[name, value] : entry->attributes)
            link += ';' + name + '=' + value;
        if (entry->observable)
            link += ";obs";
        links.append(link);
    }
    return links.join(',');
}

QByteArray CoapSite::render(const Entry &entry, int accept, quint16 *mediaType) const
{
    const DeviceModel *model = m_models[entry.model];
    *mediaType = COAP_MEDIATYPE_TEXT_PLAIN;
    switch (entry.kind) {
    case Kind::Temperature:
        return number(model->labTemperature(), 2);
    case Kind::Humidity:
        return number(model->labHumidity(), 1);
    case Kind::Door:
        return model->doorOpen() ? "open" : "closed";
    case Kind::Energy: {
        *mediaType = COAP_MEDIATYPE_APPLICATION_SENML_JSON;
        const double now = QDateTime::currentMSecsSinceEpoch() / 1000.0;
        const auto record = [](const char *name, const char *unit, double value, int decimals) {
            return QJsonObject{{QStringLiteral("n"), QLatin1String(name)},
                               {QStringLiteral("u"), QLatin1String(unit)},
                               {QStringLiteral("v"), std::round(value * std::pow(10.0, decimals)) / std::pow(10.0, decimals)}};
        };
        QJsonObject first = record("voltage", "V", model->voltage(), 1);
        first.insert(QStringLiteral("bn"), QStringLiteral("urn:dev:energy-meter%1:").arg(model->suffix()));
        first.insert(QStringLiteral("bt"), std::round(now * 1000.0) / 1000.0);
        const QJsonArray pack{first, record("current", "A", model->current(), 3), record("power", "W", model->power(), 1),
                              record("energy", "Wh", model->energy(), 1)};
        return QJsonDocument(pack).toJson(QJsonDocument::Compact);
    }
    case Kind::Light:
        if (accept == COAP_MEDIATYPE_APPLICATION_JSON) {
            *mediaType = COAP_MEDIATYPE_APPLICATION_JSON;
            return model->lightOn() ? R"({"on":true})" : R"({"on":false})";
        }
        return model->lightOn() ? "on" : "off";
    case Kind::Valve:
        return QByteArray::number(model->valve());
    case Kind::History:
        *mediaType = COAP_MEDIATYPE_APPLICATION_JSON;
        return '[' + m_history.join(",\n") + ']';
    }
    return {};
}

bool CoapSite::applyWrite(const Entry &entry, const QByteArray &body)
{
    DeviceModel *model = m_models[entry.model];
    if (entry.kind == Kind::Light) {
        const QByteArray text = body.trimmed().toLower();
        if (text == "toggle") {
            model->setLightOn(!model->lightOn());
            return true;
        }
        const auto on = parseLight(body);
        if (on)
            model->setLightOn(*on);
        return on.has_value();
    }
    if (entry.kind == Kind::Valve) {
        const auto percent = parseValve(body);
        if (percent)
            model->setValve(*percent);
        return percent.has_value();
    }
    return false;
}

thingscape::CoapServerReply CoapSite::handleGet(const Entry &entry, const thingscape::CoapServerRequest &request) const
{
    thingscape::CoapServerReply reply;
    quint16 mediaType = 0;
    QByteArray body = render(entry, request.accept, &mediaType);
    if (request.accept >= 0 && request.accept != mediaType) {
        reply.code = 406;
        return reply;
    }
    reply.code = 205;
    reply.contentFormat = mediaType;
    reply.etag = entry.kind == Kind::History ? qHash(body) : 0;
    reply.payload = std::move(body);
    return reply;
}

thingscape::CoapServerReply CoapSite::handlePut(Entry &entry, const thingscape::CoapServerRequest &request)
{
    thingscape::CoapServerReply reply;
    if (!applyWrite(entry, request.payload)) {
        reply.code = 400;
        reply.payload = entry.kind == Kind::Light ? "expected on, off, toggle or {\"on\":true}"
                                                  : "expected a percentage 0-100";
        return reply;
    }
    reply.code = 204;
    quint16 mediaType = 0;
    entry.lastValue = render(entry, -1, &mediaType);
    m_server.notifyObservers(entry.path.mid(1));
    return reply;
}

void CoapSite::notifyChanged()
{
    if (!m_server.context())
        return;
    for (const auto &entry : m_entries) {
        if (!entry->observable)
            continue;
        quint16 mediaType = 0;
        QByteArray value = render(*entry, -1, &mediaType);
        if (entry->kind == Kind::Energy) {
            // The base time changes every tick; only the readings matter.
            const QByteArray readings = value.mid(value.indexOf("\"n\""));
            if (entry->lastValue.endsWith(readings))
                continue;
        } else if (value == entry->lastValue) {
            continue;
        }
        entry->lastValue = std::move(value);
        m_server.notifyObservers(entry->path.mid(1));
    }
}

void CoapSite::recordHistory()
{
    const DeviceModel *first = m_models.front();
    const QJsonObject sample{
        {QStringLiteral("t"), QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
        {QStringLiteral("temperature"), std::round(first->labTemperature() * 100.0) / 100.0},
        {QStringLiteral("humidity"), std::round(first->labHumidity() * 10.0) / 10.0},
        {QStringLiteral("valve"), first->valve()},
        {QStringLiteral("light"), first->lightOn()},
    };
    m_history.append(QJsonDocument(sample).toJson(QJsonDocument::Compact));
    while (m_history.size() > kHistoryLength)
        m_history.removeFirst();
}

void CoapSite::registerWithDirectory(const QString &rdUrl)
{
    m_rdUrl = rdUrl;
    if (!m_server.context()) {
        emit registrationFailed(QStringLiteral("the CoAP site is not running"));
        return;
    }
    const QUrl url(rdUrl);
    const QString host = url.host() == QLatin1String("localhost") ? QStringLiteral("127.0.0.1") : url.host();
    const QHostAddress hostAddress(host);
    if (url.scheme() != QLatin1String("coap") || hostAddress.isNull()) {
        emit registrationFailed(
            QStringLiteral("'%1' is not a coap:// URL with an IP address or localhost").arg(rdUrl));
        return;
    }
    coap_address_t address;
    coap_address_init(&address);
    const quint16 port = quint16(url.port(5683));
    if (hostAddress.protocol() == QAbstractSocket::IPv6Protocol) {
        address.addr.sin6.sin6_family = AF_INET6;
        const Q_IPV6ADDR ip6 = hostAddress.toIPv6Address();
        memcpy(&address.addr.sin6.sin6_addr, ip6.c, 16);
        address.addr.sin6.sin6_port = htons(port);
        address.size = sizeof(sockaddr_in6);
    } else {
        address.addr.sin.sin_family = AF_INET;
        address.addr.sin.sin_addr.s_addr = htonl(hostAddress.toIPv4Address());
        address.addr.sin.sin_port = htons(port);
        address.size = sizeof(sockaddr_in);
    }
    m_rdSession = coap_new_client_session(m_server.context(), nullptr, &address, COAP_PROTO_UDP);
    if (!m_rdSession) {
        emit registrationFailed(QStringLiteral("cannot open a CoAP session to %1").arg(rdUrl));
        return;
    }
    coap_pdu_t *pdu = coap_pdu_init(COAP_MESSAGE_CON, COAP_REQUEST_CODE_POST, coap_new_message_id(m_rdSession),
                                    coap_session_max_pdu_size(m_rdSession));
    uint8_t token[8];
    size_t tokenLength = 0;
    coap_session_new_token(m_rdSession, &tokenLength, token);
    coap_add_token(pdu, tokenLength, token);

    coap_optlist_t *options = nullptr;
    QString path = url.path();
    if (path.isEmpty() || path == QLatin1String("/"))
        path = QStringLiteral("/rd");
    for (const QString &segment : path.split(QLatin1Char('/'), Qt::SkipEmptyParts)) {
        const QByteArray bytes = segment.toUtf8();
        coap_insert_optlist(&options, coap_new_optlist(COAP_OPTION_URI_PATH, size_t(bytes.size()),
                                                       reinterpret_cast<const uint8_t *>(bytes.constData())));
    }
    uint8_t format[4];
    coap_insert_optlist(&options,
                        coap_new_optlist(COAP_OPTION_CONTENT_FORMAT,
                                         coap_encode_var_safe(format, sizeof(format),
                                                              COAP_MEDIATYPE_APPLICATION_LINK_FORMAT),
                                         format));
    const QByteArrayList queries{"ep=thingscape-sim", "base=coap://127.0.0.1:" + QByteArray::number(m_port)};
    for (const QByteArray &query : queries)
        coap_insert_optlist(&options, coap_new_optlist(COAP_OPTION_URI_QUERY, size_t(query.size()),
                                                       reinterpret_cast<const uint8_t *>(query.constData())));
    coap_add_optlist_pdu(pdu, &options);
    coap_delete_optlist(options);

    auto *body = new QByteArray(linkFormat());
    coap_add_data_large_request(m_rdSession, pdu, size_t(body->size()),
                                reinterpret_cast<const uint8_t *>(body->constData()), &releaseBody, body);
    if (coap_send(m_rdSession, pdu) == COAP_INVALID_MID) {
        emit registrationFailed(QStringLiteral("cannot send the registration to %1").arg(rdUrl));
        return;
    }
    m_server.io()->process();
}

} // namespace thingscape::sim
