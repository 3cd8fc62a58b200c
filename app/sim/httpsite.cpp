#include "httpsite.h"

#include "devicemodel.h"

#include <QDateTime>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

#include <cmath>

namespace thingscape::sim {

namespace {

using StatusCode = QHttpServerResponder::StatusCode;

const QByteArray kTdMime = QByteArrayLiteral("application/td+json");
const QByteArray kJsonMime = QByteArrayLiteral("application/json");

// QJsonDocument in Qt 6.4 only handles objects and arrays at the top level.
QByteArray jsonText(const QJsonValue &value)
{
    const QByteArray array = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return array.mid(1, array.size() - 2);
}

std::optional<QJsonValue> parseJsonValue(const QByteArray &body)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson('[' + body + ']', &error);
    if (error.error != QJsonParseError::NoError || document.array().size() != 1)
        return std::nullopt;
    return document.array().first();
}

QHttpServerResponse errorResponse(StatusCode status, const QString &message)
{
    return QHttpServerResponse(kJsonMime,
                               QJsonDocument(QJsonObject{{QStringLiteral("error"), message}})
                                   .toJson(QJsonDocument::Compact),
                               status);
}

double rounded(double value, int decimals)
{
    const double scale = std::pow(10.0, decimals);
    return std::round(value * scale) / scale;
}

} // namespace

HttpSite::HttpSite(const std::vector<DeviceModel *> &models, QObject *parent)
    : QObject(parent)
    , m_models(models)
{
    for (int i = 0; i < int(m_models.size()); ++i) {
        m_things.push_back(Thing{Kind::Lamp, i, m_models[i]->id(QStringLiteral("smart-lamp"))});
        m_things.push_back(Thing{Kind::AirQuality, i, m_models[i]->id(QStringLiteral("air-quality-monitor"))});
    }
    for (int i = 0; i < int(m_things.size()); ++i)
        m_thingIndex.insert(m_things[i].id, i);
}

HttpSite::~HttpSite() = default;

bool HttpSite::start(quint16 port, QString *error)
{
    if (!m_sse.listen(0, error))
        return false;
    for (const Thing &thing : m_things) {
        const QByteArray base = "/things/" + thing.id.toUtf8() + "/events/";
        if (thing.kind == Kind::Lamp) {
            m_sse.addPath(base + "stateChanged");
        } else {
            m_sse.addPath(base + "measurement");
            m_sse.addPath(base + "highCo2");
        }
    }

    m_server.route(QStringLiteral("/.well-known/wot"), [this] {
        return QHttpServerResponse(kTdMime,
                                   QJsonDocument(thingDescription(m_things.front())).toJson(QJsonDocument::Indented));
    });
    m_server.route(QStringLiteral("/things"), [this] {
        QJsonArray all;
        for (const Thing &thing : m_things)
            all.append(thingDescription(thing));
        return QHttpServerResponse(kJsonMime, QJsonDocument(all).toJson(QJsonDocument::Indented));
    });
    m_server.route(QStringLiteral("/things/<arg>"), [this](const QString &id) {
        const auto it = m_thingIndex.constFind(id);
        if (it == m_thingIndex.constEnd())
            return errorResponse(StatusCode::NotFound, QStringLiteral("no thing '%1'").arg(id));
        return QHttpServerResponse(kTdMime,
                                   QJsonDocument(thingDescription(m_things[*it])).toJson(QJsonDocument::Indented));
    });
    m_server.route(QStringLiteral("/things/<arg>/properties"), [this](const QString &id) {
        const auto it = m_thingIndex.constFind(id);
        if (it == m_thingIndex.constEnd())
            return errorResponse(StatusCode::NotFound, QStringLiteral("no thing '%1'").arg(id));
        const Thing &thing = m_things[*it];
        QJsonObject values;
        const QJsonObject properties = thingDescription(thing).value(QStringLiteral("properties")).toObject();
        for (auto property = properties.begin(); property != properties.end(); ++property) {
            if (const auto value = readProperty(thing, property.key()))
                values.insert(property.key(), *value);
        }
        return QHttpServerResponse(kJsonMime, QJsonDocument(values).toJson(QJsonDocument::Compact));
    });
    m_server.route(QStringLiteral("/things/<arg>/properties/<arg>"),
                   [this](const QString &id, const QString &name, const QHttpServerRequest &request) {
                       return serveProperty(id, name, request);
                   });
    m_server.route(QStringLiteral("/things/<arg>/actions/<arg>"),
                   [this](const QString &id, const QString &name, const QHttpServerRequest &request) {
                       return serveAction(id, name, request);
                   });

    m_port = m_server.listen(QHostAddress::LocalHost, port);
    if (m_port == 0) {
        *error = QStringLiteral("cannot listen for HTTP on 127.0.0.1:%1").arg(port);
        return false;
    }
    return true;
}

QString HttpSite::href(const Thing &thing, const QString &path) const
{
    return QStringLiteral("http://127.0.0.1:%1/things/%2/%3").arg(m_port).arg(thing.id, path);
}

QJsonObject HttpSite::property(const Thing &thing, const QString &name, QJsonObject schema, bool writable) const
{
    schema.insert(QStringLiteral("readOnly"), !writable);
    schema.insert(QStringLiteral("writeOnly"), false);
    schema.insert(QStringLiteral("observable"), false);
    QJsonArray operations{QStringLiteral("readproperty")};
    if (writable)
        operations.append(QStringLiteral("writeproperty"));
    schema.insert(QStringLiteral("forms"),
                  QJsonArray{QJsonObject{{QStringLiteral("href"), href(thing, QStringLiteral("properties/") + name)},
                                         {QStringLiteral("op"), operations},
                                         {QStringLiteral("contentType"), QString::fromLatin1(kJsonMime)}}});
    return schema;
}

QJsonObject HttpSite::event(const Thing &thing, const QString &name, const QString &title, QJsonObject data) const
{
    return QJsonObject{
        {QStringLiteral("title"), title},
        {QStringLiteral("data"), data},
        {QStringLiteral("forms"),
         QJsonArray{QJsonObject{
             {QStringLiteral("href"),
              QStringLiteral("http://127.0.0.1:%1/things/%2/events/%3").arg(m_sse.port()).arg(thing.id, name)},
             {QStringLiteral("op"), QJsonArray{QStringLiteral("subscribeevent")}},
             {QStringLiteral("subprotocol"), QStringLiteral("sse")},
             {QStringLiteral("contentType"), QStringLiteral("text/event-stream")}}}},
    };
}

QJsonObject HttpSite::thingDescription(const Thing &thing) const
{
    const QString suffix = m_models[thing.model]->suffix();
    const auto type = [](const char *name) { return QJsonObject{{QStringLiteral("type"), QLatin1String(name)}}; };
    QJsonObject td{
        {QStringLiteral("@context"), QStringLiteral("https://www.w3.org/2022/wot/td/v1.1")},
        {QStringLiteral("id"), QStringLiteral("urn:thingscape:sim:") + thing.id},
        {QStringLiteral("securityDefinitions"),
         QJsonObject{{QStringLiteral("nosec_sc"), QJsonObject{{QStringLiteral("scheme"), QStringLiteral("nosec")}}}}},
        {QStringLiteral("security"), QStringLiteral("nosec_sc")},
        {QStringLiteral("forms"),
         QJsonArray{QJsonObject{{QStringLiteral("href"), href(thing, QStringLiteral("properties"))},
                                {QStringLiteral("op"), QJsonArray{QStringLiteral("readallproperties")}},
                                {QStringLiteral("contentType"), QString::fromLatin1(kJsonMime)}}}},
    };
    QJsonObject properties;
    QJsonObject actions;
    QJsonObject events;
    if (thing.kind == Kind::Lamp) {
        td.insert(QStringLiteral("title"), QStringLiteral("Smart Lamp") + suffix);
        td.insert(QStringLiteral("description"), QStringLiteral("A dimmable colour lamp (simulated)."));
        QJsonObject on = type("boolean");
        on.insert(QStringLiteral("title"), QStringLiteral("On"));
        properties.insert(QStringLiteral("on"), property(thing, QStringLiteral("on"), on, true));
        QJsonObject brightness = type("integer");
        brightness.insert(QStringLiteral("title"), QStringLiteral("Brightness"));
        brightness.insert(QStringLiteral("minimum"), 0);
        brightness.insert(QStringLiteral("maximum"), 100);
        brightness.insert(QStringLiteral("unit"), QStringLiteral("%"));
        properties.insert(QStringLiteral("brightness"), property(thing, QStringLiteral("brightness"), brightness, true));
        QJsonObject color = type("string");
        color.insert(QStringLiteral("title"), QStringLiteral("Colour"));
        color.insert(QStringLiteral("pattern"), QStringLiteral("^#[0-9a-fA-F]{6}$"));
        properties.insert(QStringLiteral("color"), property(thing, QStringLiteral("color"), color, true));
        QJsonObject power = type("number");
        power.insert(QStringLiteral("title"), QStringLiteral("Power"));
        power.insert(QStringLiteral("unit"), QStringLiteral("W"));
        properties.insert(QStringLiteral("power"), property(thing, QStringLiteral("power"), power, false));

        QJsonObject toggle{
            {QStringLiteral("title"), QStringLiteral("Toggle")},
            {QStringLiteral("safe"), false},
            {QStringLiteral("idempotent"), false},
            {QStringLiteral("output"),
             QJsonObject{{QStringLiteral("type"), QStringLiteral("object")},
                         {QStringLiteral("properties"), QJsonObject{{QStringLiteral("on"), type("boolean")}}}}},
            {QStringLiteral("forms"),
             QJsonArray{QJsonObject{{QStringLiteral("href"), href(thing, QStringLiteral("actions/toggle"))},
                                    {QStringLiteral("op"), QStringLiteral("invokeaction")},
                                    {QStringLiteral("contentType"), QString::fromLatin1(kJsonMime)}}}},
        };
        actions.insert(QStringLiteral("toggle"), toggle);
        events.insert(QStringLiteral("stateChanged"),
                      event(thing, QStringLiteral("stateChanged"), QStringLiteral("State changed"),
                            QJsonObject{{QStringLiteral("type"), QStringLiteral("object")},
                                        {QStringLiteral("properties"),
                                         QJsonObject{{QStringLiteral("on"), type("boolean")},
                                                     {QStringLiteral("brightness"), type("integer")},
                                                     {QStringLiteral("color"), type("string")}}}}));
    } else {
        td.insert(QStringLiteral("title"), QStringLiteral("Air Quality Monitor") + suffix);
        td.insert(QStringLiteral("description"), QStringLiteral("CO2 and particulate matter (simulated)."));
        QJsonObject co2 = type("number");
        co2.insert(QStringLiteral("title"), QStringLiteral("CO2"));
        co2.insert(QStringLiteral("unit"), QStringLiteral("ppm"));
        properties.insert(QStringLiteral("co2"), property(thing, QStringLiteral("co2"), co2, false));
        QJsonObject pm25 = type("number");
        pm25.insert(QStringLiteral("title"), QStringLiteral("PM2.5"));
        pm25.insert(QStringLiteral("unit"), QStringLiteral("ug/m3"));
        properties.insert(QStringLiteral("pm25"), property(thing, QStringLiteral("pm25"), pm25, false));
        QJsonObject threshold = type("integer");
        threshold.insert(QStringLiteral("title"), QStringLiteral("CO2 alarm threshold"));
        threshold.insert(QStringLiteral("minimum"), 400);
        threshold.insert(QStringLiteral("maximum"), 5000);
        threshold.insert(QStringLiteral("unit"), QStringLiteral("ppm"));
        properties.insert(QStringLiteral("co2Threshold"),
                          property(thing, QStringLiteral("co2Threshold"), threshold, true));

        QJsonObject calibrate{
            {QStringLiteral("title"), QStringLiteral("Calibrate")},
            {QStringLiteral("description"), QStringLiteral("Fresh-air calibration of the CO2 sensor.")},
            {QStringLiteral("safe"), false},
            {QStringLiteral("idempotent"), false},
            {QStringLiteral("output"),
             QJsonObject{{QStringLiteral("type"), QStringLiteral("object")},
                         {QStringLiteral("properties"),
                          QJsonObject{{QStringLiteral("status"), type("string")},
                                      {QStringLiteral("offset"), type("number")}}}}},
            {QStringLiteral("forms"),
             QJsonArray{QJsonObject{{QStringLiteral("href"), href(thing, QStringLiteral("actions/calibrate"))},
                                    {QStringLiteral("op"), QStringLiteral("invokeaction")},
                                    {QStringLiteral("contentType"), QString::fromLatin1(kJsonMime)}}}},
        };
        actions.insert(QStringLiteral("calibrate"), calibrate);
        const QJsonObject measurement{
            {QStringLiteral("type"), QStringLiteral("object")},
            {QStringLiteral("properties"),
             QJsonObject{{QStringLiteral("co2"), type("number")},
                         {QStringLiteral("pm25"), type("number")},
                         {QStringLiteral("timestamp"), type("string")}}}};
        events.insert(QStringLiteral("measurement"),
                      event(thing, QStringLiteral("measurement"), QStringLiteral("Measurement"), measurement));
        events.insert(QStringLiteral("highCo2"), event(thing, QStringLiteral("highCo2"),
                                                       QStringLiteral("CO2 above threshold"), measurement));
    }
    td.insert(QStringLiteral("properties"), properties);
    td.insert(QStringLiteral("actions"), actions);
    td.insert(QStringLiteral("events"), events);
    return td;
}

std::optional<QJsonValue> HttpSite::readProperty(const Thing &thing, const QString &name) const
{
    const DeviceModel *model = m_models[thing.model];
    if (thing.kind == Kind::Lamp) {
        if (name == QLatin1String("on"))
            return QJsonValue(model->lampOn());
        if (name == QLatin1String("brightness"))
            return QJsonValue(model->lampBrightness());
        if (name == QLatin1String("color"))
            return QJsonValue(model->lampColor());
        if (name == QLatin1String("power"))
            return QJsonValue(rounded(model->lampPower(), 2));
        return std::nullopt;
    }
    if (name == QLatin1String("co2"))
        return QJsonValue(rounded(model->co2(), 0));
    if (name == QLatin1String("pm25"))
        return QJsonValue(rounded(model->pm25(), 1));
    if (name == QLatin1String("co2Threshold"))
        return QJsonValue(thing.co2Threshold);
    return std::nullopt;
}

std::optional<QString> HttpSite::writeProperty(Thing &thing, const QString &name, const QJsonValue &value)
{
    DeviceModel *model = m_models[thing.model];
    const auto integer = [&](int low, int high) -> std::optional<int> {
        if (!value.isDouble() || value.toDouble() != std::floor(value.toDouble()) || value.toDouble() < low ||
            value.toDouble() > high)
            return std::nullopt;
        return value.toInt();
    };
    if (thing.kind == Kind::Lamp) {
        if (name == QLatin1String("on")) {
            if (!value.isBool())
                return QStringLiteral("'on' takes true or false");
            model->setLampOn(value.toBool());
        } else if (name == QLatin1String("brightness")) {
            const auto percent = integer(0, 100);
            if (!percent)
                return QStringLiteral("'brightness' takes an integer 0-100");
            model->setLampBrightness(*percent);
        } else if (name == QLatin1String("color")) {
            static const QRegularExpression pattern(QStringLiteral("^#[0-9a-fA-F]{6}$"));
            if (!value.isString() || !pattern.match(value.toString()).hasMatch())
                return QStringLiteral("'color' takes a string like \"#ffd27f\"");
            model->setLampColor(value.toString());
        } else {
            return QStringLiteral("'%1' is read-only").arg(name);
        }
        emitEvent(thing, QStringLiteral("stateChanged"),
                  QJsonObject{{QStringLiteral("on"), model->lampOn()},
                              {QStringLiteral("brightness"), model->lampBrightness()},
                              {QStringLiteral("color"), model->lampColor()}});
        return std::nullopt;
    }
    if (name == QLatin1String("co2Threshold")) {
        const auto ppm = integer(400, 5000);
        if (!ppm)
            return QStringLiteral("'co2Threshold' takes an integer 400-5000");
        thing.co2Threshold = *ppm;
        return std::nullopt;
    }
    return QStringLiteral("'%1' is read-only").arg(name);
}

QJsonObject HttpSite::invokeAction(Thing &thing, const QString &name)
{
    DeviceModel *model = m_models[thing.model];
    if (thing.kind == Kind::Lamp && name == QLatin1String("toggle")) {
        model->setLampOn(!model->lampOn());
        emitEvent(thing, QStringLiteral("stateChanged"),
                  QJsonObject{{QStringLiteral("on"), model->lampOn()},
                              {QStringLiteral("brightness"), model->lampBrightness()},
                              {QStringLiteral("color"), model->lampColor()}});
        return QJsonObject{{QStringLiteral("on"), model->lampOn()}};
    }
    if (thing.kind == Kind::AirQuality && name == QLatin1String("calibrate"))
        return QJsonObject{{QStringLiteral("status"), QStringLiteral("ok")},
                           {QStringLiteral("offset"), model->calibrate()}};
    return {};
}

QHttpServerResponse HttpSite::serveProperty(const QString &id, const QString &name, const QHttpServerRequest &request)
{
    const auto it = m_thingIndex.constFind(id);
    if (it == m_thingIndex.constEnd())
        return errorResponse(StatusCode::NotFound, QStringLiteral("no thing '%1'").arg(id));
    Thing &thing = m_things[*it];
    const auto current = readProperty(thing, name);
    if (!current)
        return errorResponse(StatusCode::NotFound, QStringLiteral("'%1' has no property '%2'").arg(id, name));
    switch (request.method()) {
    case QHttpServerRequest::Method::Get:
        return QHttpServerResponse(kJsonMime, jsonText(*current));
    case QHttpServerRequest::Method::Put: {
        const auto value = parseJsonValue(request.body());
        if (!value)
            return errorResponse(StatusCode::BadRequest, QStringLiteral("the body is not a JSON value"));
        if (const auto refused = writeProperty(thing, name, *value))
            return errorResponse(StatusCode::BadRequest, *refused);
        return QHttpServerResponse(StatusCode::NoContent);
    }
    default:
        return errorResponse(StatusCode::MethodNotAllowed, QStringLiteral("use GET or PUT"));
    }
}

QHttpServerResponse HttpSite::serveAction(const QString &id, const QString &name, const QHttpServerRequest &request)
{
    const auto it = m_thingIndex.constFind(id);
    if (it == m_thingIndex.constEnd())
        return errorResponse(StatusCode::NotFound, QStringLiteral("no thing '%1'").arg(id));
    if (request.method() != QHttpServerRequest::Method::Post)
        return errorResponse(StatusCode::MethodNotAllowed, QStringLiteral("use POST"));
    const QJsonObject output = invokeAction(m_things[*it], name);
    if (output.isEmpty())
        return errorResponse(StatusCode::NotFound, QStringLiteral("'%1' has no action '%2'").arg(id, name));
    return QHttpServerResponse(kJsonMime, QJsonDocument(output).toJson(QJsonDocument::Compact));
}

void HttpSite::emitEvent(const Thing &thing, const QString &name, const QJsonObject &data)
{
    m_sse.publish("/things/" + thing.id.toUtf8() + "/events/" + name.toUtf8(), name.toUtf8(),
                  QJsonDocument(data).toJson(QJsonDocument::Compact));
}

void HttpSite::publishEvents()
{
    const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    for (Thing &thing : m_things) {
        if (thing.kind != Kind::AirQuality)
            continue;
        const DeviceModel *model = m_models[thing.model];
        const QJsonObject data{{QStringLiteral("co2"), rounded(model->co2(), 0)},
                               {QStringLiteral("pm25"), rounded(model->pm25(), 1)},
                               {QStringLiteral("timestamp"), now}};
        const bool high = model->co2() > thing.co2Threshold;
        if (high && !thing.co2High)
            emitEvent(thing, QStringLiteral("highCo2"), data);
        thing.co2High = high;
        if (m_sse.hasSubscribers("/things/" + thing.id.toUtf8() + "/events/measurement"))
            emitEvent(thing, QStringLiteral("measurement"), data);
    }
}

} // namespace thingscape::sim
