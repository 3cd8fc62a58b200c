// The workspace's "recording" settings: what is included, MQTT filters, JSON round trip,
// refused entries, where the default file goes.

#include "model/recording/recordingconfig.h"

#include <QJsonObject>
#include <QTest>

using namespace thingscape;

class TestRecordingConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void topicFilters_data();
    void topicFilters();
    void includeChoosesEndpointsResourcesAndFilters();
    void jsonRoundTrip();
    void badEntryIsNamed();
    void defaultPathIsBesideTheWorkspace();
};

void TestRecordingConfig::topicFilters_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QString>("topic");
    QTest::addColumn<bool>("matches");
    QTest::newRow("exact") << "a/b" << "a/b" << true;
    QTest::newRow("plus") << "a/+/c" << "a/b/c" << true;
    QTest::newRow("plus one level only") << "a/+/c" << "a/b/x/c" << false;
    QTest::newRow("hash") << "a/#" << "a/b/c" << true;
    QTest::newRow("hash matches parent") << "a/#" << "a" << true;
    QTest::newRow("shorter topic") << "a/b/c" << "a/b" << false;
    QTest::newRow("longer topic") << "a/b" << "a/b/c" << false;
}

void TestRecordingConfig::topicFilters()
{
    QFETCH(QString, filter);
    QFETCH(QString, topic);
    QFETCH(bool, matches);
    QCOMPARE(mqttTopicMatches(filter, topic), matches);
}

void TestRecordingConfig::includeChoosesEndpointsResourcesAndFilters()
{
    auto id = [](const char *uri) { return *ResourceId::parse(QString::fromLatin1(uri)); };
    RecordingConfig all;
    QVERIFY(all.includes(id("coap://h:5683/x")));
    RecordingConfig some;
    some.include = {QStringLiteral("mqtt://h:1883/home/+/temp"), QStringLiteral("coap://h:5683/sensors"),
                    QStringLiteral("http://dev:8080")};
    QVERIFY(some.includes(id("mqtt://h:1883/home/kitchen/temp")));
    QVERIFY(!some.includes(id("mqtt://h:1883/home/kitchen/hum")));
    QVERIFY(!some.includes(id("mqtt://other:1883/home/kitchen/temp")));
    QVERIFY(some.includes(id("coap://h:5683/sensors/t1")));
    QVERIFY(!some.includes(id("coap://h:5683/sensorsX")));
    QVERIFY(some.includes(id("http://dev:8080/things/lamp")));
    QVERIFY(!some.includes(id("http://dev:8081/things/lamp")));
}

void TestRecordingConfig::jsonRoundTrip()
{
    RecordingConfig config;
    config.enabled = true;
    config.database = QStringLiteral("postgresql://rec@db:5432/things");
    config.include = {QStringLiteral("mqtt://h:1883/#")};
    config.maxAgeDays = 30;
    config.maxBytes = 2000000000;
    QCOMPARE(RecordingConfig::fromJson(config.toJson()), config);
    QVERIFY(config.isPostgres());
    QVERIFY(!RecordingConfig::fromJson(QJsonObject{}).enabled);
}

void TestRecordingConfig::badEntryIsNamed()
{
    RecordingConfig config;
    config.include = {QStringLiteral("mqtt://h:1883/ok"), QStringLiteral("gopher://nope")};
    QString error;
    QVERIFY(!config.validate(&error));
    QVERIFY2(error.contains(QLatin1String("gopher://nope")), qPrintable(error));
    config.include.removeLast();
    QVERIFY(config.validate(&error));
}

void TestRecordingConfig::defaultPathIsBesideTheWorkspace()
{
    QCOMPARE(RecordingConfig::defaultPathFor(QStringLiteral("/home/u/site.json")), QStringLiteral("/home/u/site.recording.sqlite"));
    QVERIFY(RecordingConfig::defaultPathFor({}).endsWith(QLatin1String("recording.sqlite")));
}

QTEST_GUILESS_MAIN(TestRecordingConfig)
#include "tst_recordingconfig.moc"
