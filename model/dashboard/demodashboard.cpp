#include "demodashboard.h"

#include <QCoreApplication>
#include <QJsonArray>

namespace thingscape {

namespace {

TileSource source(const QString &uri, const QString &pointer = {}, const QString &label = {})
{
    TileSource s;
    s.resource = ResourceId::parse(uri).value_or(ResourceId());
    s.pointer = pointer;
    s.label = label;
    return s;
}

Tile tile(const QString &id, TileKind kind, const QString &title, int column, int row, int columnSpan,
          const QList<TileSource> &sources, const QJsonObject &options = {})
{
    Tile t;
    t.id = id;
    t.kind = kind;
    t.title = title;
    t.column = column;
    t.row = row;
    t.columnSpan = columnSpan;
    t.sources = sources;
    t.options = options;
    return t;
}

QString tr(const char *text)
{
    return QCoreApplication::translate("DemoDashboard", text);
}

} // namespace

Dashboard DemoDashboard::make(const QString &mqtt, const QString &coap, const QString &http)
{
    Dashboard d;
    d.name = tr("Demo site");
    d.columns = 4;
    TileSource power = source(coap + QStringLiteral("/meters/energy"));
    power.record = QStringLiteral("urn:dev:energy-meter:power"); // bn + n
    d.tiles = {
        tile(QStringLiteral("temps"), TileKind::LineChart, tr("Temperatures and CO2, three protocols"), 0, 0, 2,
             {source(coap + QStringLiteral("/sensors/temperature"), {}, tr("Lab (CoAP)")),
              source(mqtt + QStringLiteral("/thingscape/thermostat/temperature"), {}, tr("Thermostat (MQTT)")),
              source(http + QStringLiteral("/things/air-quality-monitor/properties/co2"), {}, tr("CO2 (HTTP)"))},
             {{QStringLiteral("window"), 600}}),
        tile(QStringLiteral("co2"), TileKind::Gauge, tr("CO2"), 2, 0, 1,
             {source(http + QStringLiteral("/things/air-quality-monitor/properties/co2"))},
             {{QStringLiteral("min"), 400},
              {QStringLiteral("max"), 2000},
              {QStringLiteral("thresholds"),
               QJsonArray{QJsonObject{{QStringLiteral("value"), 400}, {QStringLiteral("color"), QStringLiteral("#2ca02c")}},
                          QJsonObject{{QStringLiteral("value"), 1000}, {QStringLiteral("color"), QStringLiteral("#e0a000")}},
                          QJsonObject{{QStringLiteral("value"), 1500}, {QStringLiteral("color"), QStringLiteral("#d62728")}}}}}),
        tile(QStringLiteral("power"), TileKind::Value, tr("House power (SenML)"), 3, 0, 1, {power}),
        tile(QStringLiteral("door"), TileKind::State, tr("Lab door (CoAP)"), 0, 1, 1,
             {source(coap + QStringLiteral("/sensors/door"))},
             {{QStringLiteral("colors"), QJsonObject{{QStringLiteral("open"), QStringLiteral("#e0a000")},
                                                     {QStringLiteral("closed"), QStringLiteral("#2ca02c")}}}}),
        tile(QStringLiteral("plug"), TileKind::Control, tr("Smart plug (MQTT)"), 1, 1, 1,
             {source(mqtt + QStringLiteral("/thingscape/plug/state"))}),
        tile(QStringLiteral("light"), TileKind::Control, tr("Lab light (CoAP)"), 2, 1, 1,
             {source(coap + QStringLiteral("/actuators/light"))}),
        tile(QStringLiteral("lamp"), TileKind::Control, tr("Smart lamp (HTTP)"), 3, 1, 1,
             {source(http + QStringLiteral("/things/smart-lamp/properties/on"))}),
        tile(QStringLiteral("doorsensor"), TileKind::LineChart, tr("Door sensor fields (JSON pointer)"), 0, 2, 2,
             {source(mqtt + QStringLiteral("/site/door-sensor/telemetry"), QStringLiteral("/temperature"), tr("temperature")),
              source(mqtt + QStringLiteral("/site/door-sensor/telemetry"), QStringLiteral("/battery"), tr("battery"))},
             {{QStringLiteral("window"), 60}}),
        tile(QStringLiteral("seen"), TileKind::LastSeen, tr("Last seen"), 2, 2, 1,
             {source(mqtt + QStringLiteral("/thingscape/thermostat/temperature")),
              source(mqtt + QStringLiteral("/homie/weather-station/outdoor/temperature")),
              source(coap + QStringLiteral("/sensors/humidity")),
              source(http + QStringLiteral("/things/smart-lamp/properties/brightness"))},
             {{QStringLiteral("amber"), 10}, {QStringLiteral("red"), 60}}),
        tile(QStringLiteral("log"), TileKind::Log, tr("Plug and lamp"), 3, 2, 1,
             {source(mqtt + QStringLiteral("/thingscape/plug/state")),
              source(http + QStringLiteral("/things/smart-lamp/properties/on"))},
             {{QStringLiteral("lines"), 30}}),
        tile(QStringLiteral("toggle"), TileKind::Control, tr("Toggle the lamp (WoT action)"), 0, 3, 1,
             {source(http + QStringLiteral("/things/smart-lamp/actions/toggle"))},
             {{QStringLiteral("control"), QStringLiteral("button")}}),
    };
    return d;
}

} // namespace thingscape
