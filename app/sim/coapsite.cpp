#include "coapsite.h"

#include "devicemodel.h"

#include <QDateTime>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSocketNotifier>
#include <QUdpSocket>
#include <QUrl>

#include <coap3/coap.h>

#include <arpa/inet.h>
#include <netinet/in.h>

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

int acceptOption(const coap_pdu_t *request)
{
    coap_opt_iterator_t iterator;
    const coap_opt_t *option = coap_check_option(request, COAP_OPTION_ACCEPT, &iterator);
    if (!option)
        return -1;
    return int(coap_decode_var_bytes(coap_opt_value(option), coap_opt_length(option)));
}

QByteArray requestBody(const coap_pdu_t *request)
{
    size_t length = 0;
    const uint8_t *data = nullptr;
    size_t offset = 0;
    size_t total = 0;
    if (!coap_get_data_large(request, &length, &data, &offset, &total))
        return {};
    return QByteArray(reinterpret_cast<const char *>(data), qsizetype(length));
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

void CoapSite::ContextDeleter::operator()(coap_context_t *context) const
{
    coap_free_context(context);
}

CoapSite::CoapSite(const std::vector<DeviceModel *> &models, QObject *parent)
    : QObject(parent)
    , m_models(models)
{
    m_ioTimer.setInterval(100);
    connect(&m_ioTimer, &QTimer::timeout, this, &CoapSite::processIo);
}

CoapSite::~CoapSite()
{
    m_ioTimer.stop();
    m_notifier.reset();
    m_context.reset();
}

bool CoapSite::start(quint16 port, QString *error)
{
    m_context.reset(coap_new_context(nullptr));
    if (!m_context) {
        *error = QStringLiteral("cannot create a CoAP context");
        return false;
    }
    coap_context_t *context = m_context.get();
    coap_context_set_block_mode(context, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
    coap_set_app_data(context, this);
    coap_register_response_handler(context, &onResponse);

    // libcoap 4.3.1 does not report the port it bound, so pick a free one ourselves.
    coap_endpoint_t *endpoint = nullptr;
    for (int attempt = 0; attempt < 10 && !endpoint; ++attempt) {
        quint16 candidate = port;
        if (candidate == 0) {
            QUdpSocket probe;
            probe.bind(QHostAddress::LocalHost, 0);
            candidate = probe.localPort();
        }
        coap_address_t address;
        coap_address_init(&address);
        address.addr.sin.sin_family = AF_INET;
        address.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.addr.sin.sin_port = htons(candidate);
        address.size = sizeof(sockaddr_in);
        endpoint = coap_new_endpoint(context, &address, COAP_PROTO_UDP);
        if (endpoint)
            m_port = candidate;
        else if (port != 0)
            break;
    }
    if (!endpoint) {
        *error = port != 0 ? QStringLiteral("cannot bind CoAP to 127.0.0.1:%1 (UDP)").arg(port)
                           : QStringLiteral("cannot bind CoAP to a free UDP port on 127.0.0.1");
        return false;
    }

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

    const int fd = coap_context_get_coap_fd(context);
    if (fd >= 0) {
        m_notifier = std::make_unique<QSocketNotifier>(fd, QSocketNotifier::Read);
        connect(m_notifier.get(), &QSocketNotifier::activated, this, &CoapSite::processIo);
    } else {
        // libcoap built without epoll: poll instead.
        m_ioTimer.setInterval(10);
    }
    m_ioTimer.start();
    return true;
}

void CoapSite::addResource(Kind kind, int model, const QByteArray &path,
                           const QList<std::pair<QByteArray, QByteArray>> &attributes, bool observable,
                           bool writable)
{
    coap_resource_t *resource =
        coap_resource_init(coap_new_str_const(reinterpret_cast<const uint8_t *>(path.constData()), size_t(path.size())),
                           COAP_RESOURCE_FLAGS_RELEASE_URI | COAP_RESOURCE_FLAGS_NOTIFY_NON);
    coap_register_request_handler(resource, COAP_REQUEST_GET, &CoapSite::handleGet);
    if (writable) {
        coap_register_request_handler(resource, COAP_REQUEST_PUT, &CoapSite::handlePut);
        coap_register_request_handler(resource, COAP_REQUEST_POST, &CoapSite::handlePut);
    }
    for (const auto &[name, value] : attributes) {
        coap_add_attr(resource,
                      coap_new_str_const(reinterpret_cast<const uint8_t *>(name.constData()), size_t(name.size())),
                      coap_new_str_const(reinterpret_cast<const uint8_t *>(value.constData()), size_t(value.size())),
                      COAP_ATTR_FLAGS_RELEASE_NAME | COAP_ATTR_FLAGS_RELEASE_VALUE);
    }
    if (observable)
        coap_resource_set_get_observable(resource, 1);
    auto entry = std::make_unique<Entry>(Entry{this, resource, kind, model, '/' + path, attributes, observable, {}});
    quint16 mediaType = 0;
    entry->lastValue = render(*entry, -1, &mediaType);
    coap_resource_set_userdata(resource, entry.get());
    coap_add_resource(m_context.get(), resource);
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

void CoapSite::handleGet(coap_resource_t *resource, coap_session_t *session, const coap_pdu_t *request,
                         const coap_string_t *query, coap_pdu_t *response)
{
    const auto *entry = static_cast<const Entry *>(coap_resource_get_userdata(resource));
    const int accept = acceptOption(request);
    quint16 mediaType = 0;
    auto body = std::make_unique<QByteArray>(entry->site->render(*entry, accept, &mediaType));
    if (accept >= 0 && accept != mediaType) {
        coap_pdu_set_code(response, COAP_RESPONSE_CODE_NOT_ACCEPTABLE);
        return;
    }
    coap_pdu_set_code(response, COAP_RESPONSE_CODE_CONTENT);
    const uint64_t etag = entry->kind == Kind::History ? qHash(*body) : 0;
    QByteArray *data = body.release();
    coap_add_data_large_response(resource, session, request, response, query, mediaType, -1, etag,
                                 size_t(data->size()), reinterpret_cast<const uint8_t *>(data->constData()),
                                 &releaseBody, data);
}

void CoapSite::handlePut(coap_resource_t *resource, coap_session_t *, const coap_pdu_t *request,
                         const coap_string_t *, coap_pdu_t *response)
{
    auto *entry = static_cast<Entry *>(coap_resource_get_userdata(resource));
    const QByteArray body = requestBody(request);
    if (!entry->site->applyWrite(*entry, body)) {
        coap_pdu_set_code(response, COAP_RESPONSE_CODE_BAD_REQUEST);
        const QByteArray reason = entry->kind == Kind::Light ? "expected on, off, toggle or {\"on\":true}"
                                                             : "expected a percentage 0-100";
        coap_add_data(response, size_t(reason.size()), reinterpret_cast<const uint8_t *>(reason.constData()));
        return;
    }
    coap_pdu_set_code(response, COAP_RESPONSE_CODE_CHANGED);
    quint16 mediaType = 0;
    entry->lastValue = entry->site->render(*entry, -1, &mediaType);
    coap_resource_notify_observers(resource, nullptr);
}

void CoapSite::notifyChanged()
{
    if (!m_context)
        return;
    bool any = false;
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
        coap_resource_notify_observers(entry->resource, nullptr);
        any = true;
    }
    if (any)
        processIo();
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
    m_rdSession = coap_new_client_session(m_context.get(), nullptr, &address, COAP_PROTO_UDP);
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
    processIo();
}

void CoapSite::processIo()
{
    if (m_context)
        coap_io_process(m_context.get(), COAP_IO_NO_WAIT);
}

} // namespace thingscape::sim
