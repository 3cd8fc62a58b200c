#include "protocols/mqtt/homeassistantdiscovery.h"
#include "protocols/mqtt/homiediscovery.h"
#include "protocols/mqtt/mqttconnector.h"

#include <QJsonDocument>
#include <QTest>

using namespace thingscape;

namespace {

const ResourceId kBroker = ResourceId::fromParts(QStringLiteral("mqtt"), QStringLiteral("broker"), 1883, {});

QString uri(const QString &topic)
{
    return ResourceId::fromTopic(kBroker, topic).toString();
}

} // namespace

// The discovery conventions on their own, without a broker: topics and payloads in, updates out.
class TestMqttConventions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void filterCovers_data();
    void filterCovers();
    void expandsAbbreviationsAndBaseTopic();
    void recognisesConfigTopics_data();
    void recognisesConfigTopics();
    void nullNameFallsBackToDevice();
    void availabilityGivesState();
    void configWithoutTopicsIsIgnored();
    void malformedConfigIsIgnored();
    void homieAttributesBecomeMetadata();
    void homieStateAppliesToKnownProperties();
    void homieIgnoresSetTopicsAndBroadcasts();
};

void TestMqttConventions::expandsAbbreviationsAndBaseTopic()
{
    const QJsonObject config = QJsonDocument::fromJson(
        R"({"~":"home/lamp","stat_t":"~/state","cmd_t":"~/set","avty_t":"status/~","unit_of_meas":"W",)"
        R"("dev":{"ids":["x1"],"mf":"Acme","mdl":"L1"},"uniq_id":"u1","name":"Lamp"})").object();
    const QJsonObject expanded = HomeAssistantDiscovery::expand(config);
    QCOMPARE(expanded.value("state_topic").toString(), QStringLiteral("home/lamp/state"));
    QCOMPARE(expanded.value("command_topic").toString(), QStringLiteral("home/lamp/set"));
    QCOMPARE(expanded.value("availability_topic").toString(), QStringLiteral("status/home/lamp"));
    QCOMPARE(expanded.value("unit_of_measurement").toString(), QStringLiteral("W"));
    QCOMPARE(expanded.value("unique_id").toString(), QStringLiteral("u1"));
    const QJsonObject device = expanded.value("device").toObject();
    QCOMPARE(device.value("manufacturer").toString(), QStringLiteral("Acme"));
    QCOMPARE(device.value("model").toString(), QStringLiteral("L1"));
    QVERIFY(device.contains("identifiers"));
}

void TestMqttConventions::recognisesConfigTopics_data()
{
    QTest::addColumn<QString>("topic");
    QTest::addColumn<bool>("config");
    QTest::newRow("component/object") << "homeassistant/sensor/temp/config" << true;
    QTest::newRow("component/node/object") << "homeassistant/sensor/node1/temp/config" << true;
    QTest::newRow("device-based") << "homeassistant/device/abc/config" << true;
    QTest::newRow("state topic") << "homeassistant/sensor/temp/state" << false;
    QTest::newRow("too deep") << "homeassistant/a/b/c/d/config" << false;
    QTest::newRow("other prefix") << "other/sensor/temp/config" << false;
}

void TestMqttConventions::recognisesConfigTopics()
{
    QFETCH(QString, topic);
    QFETCH(bool, config);
    QCOMPARE(HomeAssistantDiscovery(kBroker).isConfigTopic(topic), config);
}

void TestMqttConventions::nullNameFallsBackToDevice()
{
    HomeAssistantDiscovery ha(kBroker);
    const QList<Update> updates = ha.handleConfig(
        QStringLiteral("homeassistant/switch/plug/config"),
        R"({"name":null,"stat_t":"plug/state","cmd_t":"plug/set","dev":{"name":"Desk plug","ids":"p1"}})");
    QCOMPARE(updates.size(), 1);
    QCOMPARE(updates.first().id.toString(), uri("plug/state"));
    QCOMPARE(*updates.first().metadata->title, QStringLiteral("Desk plug"));
    QCOMPARE(*updates.first().metadata->commandUri, uri("plug/set"));
    QCOMPARE(ha.commandTopicFor(QStringLiteral("plug/state")), QStringLiteral("plug/set"));

    // Removal forgets the command topic too.
    const QList<Update> removal = ha.handleConfig(QStringLiteral("homeassistant/switch/plug/config"), {});
    QCOMPARE(removal.size(), 1);
    QVERIFY(removal.first().remove);
    QVERIFY(ha.commandTopicFor(QStringLiteral("plug/state")).isEmpty());
    QCOMPARE(ha.entityCount(), 0);
}

void TestMqttConventions::availabilityGivesState()
{
    HomeAssistantDiscovery ha(kBroker);
    ha.handleConfig(QStringLiteral("homeassistant/sensor/a/config"),
                    R"({"~":"dev/a","stat_t":"~/state","avty_t":"~/status","pl_avail":"up","pl_not_avail":"down"})");
    ha.handleConfig(QStringLiteral("homeassistant/sensor/b/config"),
                    R"({"stat_t":"dev/b/state","avty":[{"t":"bridge/state"},{"topic":"dev/b/lwt"}]})");
    QVERIFY(ha.isAvailabilityTopic(QStringLiteral("dev/a/status")));
    QList<Update> updates = ha.handleAvailability(QStringLiteral("dev/a/status"), "down");
    QCOMPARE(updates.size(), 1);
    QCOMPARE(updates.first().id.toString(), uri("dev/a/state"));
    QCOMPARE(*updates.first().state, ResourceState::Offline);
    QCOMPARE(*ha.handleAvailability(QStringLiteral("dev/a/status"), "up").first().state, ResourceState::Online);
    QVERIFY(ha.handleAvailability(QStringLiteral("dev/a/status"), "online").isEmpty()); // not its payload
    QCOMPARE(*ha.handleAvailability(QStringLiteral("dev/b/lwt"), "offline").first().state, ResourceState::Offline);
    QCOMPARE(*ha.handleAvailability(QStringLiteral("bridge/state"), "online").first().state, ResourceState::Online);

    // Removing the entity drops its availability.
    ha.handleConfig(QStringLiteral("homeassistant/sensor/a/config"), {});
    QVERIFY(!ha.isAvailabilityTopic(QStringLiteral("dev/a/status")));
}

void TestMqttConventions::configWithoutTopicsIsIgnored()
{
    HomeAssistantDiscovery ha(kBroker);
    QVERIFY(ha.handleConfig(QStringLiteral("homeassistant/sensor/x/config"), R"({"name":"No topics"})").isEmpty());
}

void TestMqttConventions::malformedConfigIsIgnored()
{
    HomeAssistantDiscovery ha(kBroker);
    QVERIFY(ha.handleConfig(QStringLiteral("homeassistant/sensor/x/config"), "{not json").isEmpty());
    QVERIFY(ha.handleConfig(QStringLiteral("homeassistant/sensor/x/config"), "[1,2]").isEmpty());
    QVERIFY(ha.handleConfig(QStringLiteral("homeassistant/device/x/config"), R"({"cmps":5})").isEmpty());
}

void TestMqttConventions::homieAttributesBecomeMetadata()
{
    HomieDiscovery homie(kBroker);
    std::optional<ResourceState> state;
    QVERIFY(homie.handles(QStringLiteral("homie/dev/$name")));
    QVERIFY(!homie.handles(QStringLiteral("homiework/dev")));
    homie.handleMessage(QStringLiteral("homie/dev/$name"), "Device", &state);
    QList<Update> updates = homie.handleMessage(QStringLiteral("homie/dev/node/prop/$unit"), "%", &state);
    QCOMPARE(updates.size(), 1);
    QCOMPARE(updates.first().id.toString(), uri("homie/dev/node/prop"));
    QCOMPARE(*updates.first().metadata->unit, QStringLiteral("%"));
    QCOMPARE(*updates.first().metadata->device, QStringLiteral("Device"));
    QCOMPARE(updates.first().metadata->unit.source, MetaSource::MqttConvention);

    updates = homie.handleMessage(QStringLiteral("homie/dev/node/prop/$settable"), "true", &state);
    QCOMPARE(*updates.first().metadata->commandUri, uri("homie/dev/node/prop/set"));
    QCOMPARE(homie.commandTopicFor(QStringLiteral("homie/dev/node/prop")), QStringLiteral("homie/dev/node/prop/set"));
    updates = homie.handleMessage(QStringLiteral("homie/dev/node/prop/$settable"), "false", &state);
    QCOMPARE(*updates.first().metadata->writable, false);
    QVERIFY(homie.commandTopicFor(QStringLiteral("homie/dev/node/prop")).isEmpty());
}

void TestMqttConventions::homieStateAppliesToKnownProperties()
{
    HomieDiscovery homie(kBroker);
    std::optional<ResourceState> state;
    homie.handleMessage(QStringLiteral("homie/dev/node/$properties"), "a,b[]", &state);
    QList<Update> updates = homie.handleMessage(QStringLiteral("homie/dev/$state"), "lost", &state);
    QCOMPARE(updates.size(), 2);
    for (const Update &update : updates)
        QCOMPARE(*update.state, ResourceState::Offline);
    QVERIFY(std::any_of(updates.begin(), updates.end(),
                        [](const Update &u) { return u.id.toString() == uri("homie/dev/node/b"); }));
    // A value from an offline device stays offline.
    homie.handleMessage(QStringLiteral("homie/dev/node/a"), "1", &state);
    QCOMPARE(*state, ResourceState::Offline);
    updates = homie.handleMessage(QStringLiteral("homie/dev/$state"), "ready", &state);
    QCOMPARE(*updates.first().state, ResourceState::Online);
}

void TestMqttConventions::homieIgnoresSetTopicsAndBroadcasts()
{
    HomieDiscovery homie(kBroker);
    std::optional<ResourceState> state;
    QVERIFY(homie.handleMessage(QStringLiteral("homie/dev/node/prop/set"), "1", &state).isEmpty());
    QVERIFY(homie.handleMessage(QStringLiteral("homie/$broadcast/alert"), "x", &state).isEmpty());
    QVERIFY(!state);
}

QTEST_GUILESS_MAIN(TestMqttConventions)
void TestMqttConventions::filterCovers_data()
{
    QTest::addColumn<QString>("outer");
    QTest::addColumn<QString>("inner");
    QTest::addColumn<bool>("covers");
    QTest::newRow("same") << "a/b" << "a/b" << true;
    QTest::newRow("hash covers all") << "#" << "site/b1/#" << true;
    QTest::newRow("hash covers its parent") << "a/#" << "a" << true;
    QTest::newRow("hash below") << "a/#" << "a/b/+" << true;
    QTest::newRow("other branch") << "a/#" << "b/#" << false;
    QTest::newRow("plus covers plus") << "a/+/c" << "a/+/c" << true;
    QTest::newRow("plus covers literal") << "a/+/c" << "a/x/c" << true;
    QTest::newRow("literal not plus") << "a/x/c" << "a/+/c" << false;
    QTest::newRow("plus not hash") << "a/+" << "a/#" << false;
    QTest::newRow("shorter") << "a/b" << "a/b/c" << false;
    QTest::newRow("longer") << "a/b/c" << "a/b" << false;
    QTest::newRow("hash not $SYS") << "#" << "$SYS/broker/uptime" << false;
    QTest::newRow("plus not $SYS") << "+/broker/#" << "$SYS/broker/x" << false;
    QTest::newRow("$SYS by itself") << "$SYS/#" << "$SYS/broker/x" << true;
}

void TestMqttConventions::filterCovers()
{
    QFETCH(QString, outer);
    QFETCH(QString, inner);
    QFETCH(bool, covers);
    QCOMPARE(thingscape::MqttConnector::filterCovers(outer, inner), covers);
}

#include "tst_mqttconventions.moc"
