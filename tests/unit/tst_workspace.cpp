#include "model/workspace.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace thingscape;

// Declared before the raw-string fixtures: moc cannot see past them.
class TestWorkspace : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void loadsEverything();
    void roundTripKeepsUnknownKeys();
    void builtInMemoryRoundTrip();
    void secretsAreNeverWritten();
    void truncatedJsonNamesLineAndColumn();
    void syntaxErrorNamesLineAndColumn();
    void badContents_data();
    void badContents();
    void missingFile();
    void failedSaveLeavesFilesAlone();
    void messageSizeLimitIsSaved();
    void systemTitlesRoundTrip();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString path(const QString &name) const { return m_dir->filePath(name); }
};

namespace {

ResourceId rid(const QString &uri)
{
    return *ResourceId::parse(uri);
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return file.write(bytes) == bytes.size();
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

// A file as a newer build might write it: unknown keys at every level.
const QByteArray kFullFile = R"json({
    "thingscape": 1,
    "futureFeature": {"enabled": true, "list": [1, 2, 3]},
    "endpoints": [
        {"id": "b1", "name": "Home broker", "url": "mqtt://broker.local", "autoConnect": true,
         "username": "me", "clientId": "ts", "mqttVersion": 5, "keepAlive": 60, "cleanSession": false,
         "filters": ["home/#"], "color": "#ff0000"},
        {"id": "c1", "name": "Lamp", "url": "coap://[fd00::1]", "autoConnect": false,
         "pollIntervalMs": 1000, "requestTimeoutMs": 5000}
    ],
    "systems": [
        {"name": "Kitchen", "description": "Sensors and the lamp",
         "resources": ["mqtt://broker.local:1883/home/kitchen/temp", "coap://[fd00::1]:5683/light"], "icon": "pot"}
    ],
    "dashboards": [{"name": "Overview", "tiles": [{"type": "gauge", "resource": "mqtt://broker.local/home/kitchen/temp"}]}],
    "rules": [{"name": "Light on when warm", "script": "if (temp > 25) lamp.write(1)"}],
    "layout": {"geometry": "AdnQywADAAA=", "docks": ["tree", "stream"]}
}
)json";

} // namespace


void TestWorkspace::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestWorkspace::loadsEverything()
{
    // Given a complete file
    QVERIFY(writeFile(path("ws.json"), kFullFile));
    // When it is loaded
    QString error;
    const auto workspace = Workspace::load(path("ws.json"), &error);
    // Then every part is there
    QVERIFY2(workspace, qPrintable(error));
    QCOMPARE(workspace->endpoints().size(), 2);
    const EndpointConfig &broker = workspace->endpoints().at(0);
    QCOMPARE(broker.name, QStringLiteral("Home broker"));
    QCOMPARE(broker.url, rid("mqtt://broker.local:1883"));
    QCOMPARE(broker.mqttVersion, 5);
    QCOMPARE(broker.extra.value(QStringLiteral("color")).toString(), QStringLiteral("#ff0000"));
    QCOMPARE(workspace->endpoints().at(1).url, rid("coap://[fd00::1]:5683"));
    QCOMPARE(workspace->systems().size(), 1);
    const System &kitchen = workspace->systems().at(0);
    QCOMPARE(kitchen.name, QStringLiteral("Kitchen"));
    QCOMPARE(kitchen.description, QStringLiteral("Sensors and the lamp"));
    QCOMPARE(kitchen.resources, QList<ResourceId>({rid("mqtt://broker.local/home/kitchen/temp"), rid("coap://[fd00::1]/light")}));
    QCOMPARE(kitchen.extra.value(QStringLiteral("icon")).toString(), QStringLiteral("pot"));
    QCOMPARE(workspace->dashboards().size(), 1);
    QCOMPARE(workspace->rules().size(), 1);
    QCOMPARE(workspace->layout().value(QStringLiteral("docks")).toArray().size(), 2);
    QCOMPARE(workspace->extra().keys(), QStringList({"futureFeature"}));
}

void TestWorkspace::roundTripKeepsUnknownKeys()
{
    // Given a loaded file
    QVERIFY(writeFile(path("in.json"), kFullFile));
    QString error;
    const auto first = Workspace::load(path("in.json"), &error);
    QVERIFY2(first, qPrintable(error));
    // When it is saved and loaded again
    QVERIFY2(first->save(path("out.json"), &error), qPrintable(error));
    const auto second = Workspace::load(path("out.json"), &error);
    QVERIFY2(second, qPrintable(error));
    // Then nothing was lost, unknown keys included
    QCOMPARE(second->endpoints().size(), first->endpoints().size());
    for (qsizetype i = 0; i < first->endpoints().size(); ++i)
        QCOMPARE(second->endpoints().at(i).toJson(), first->endpoints().at(i).toJson());
    QCOMPARE(second->systems(), first->systems());
    QCOMPARE(second->dashboards(), first->dashboards());
    QCOMPARE(second->rules(), first->rules());
    QCOMPARE(second->layout(), first->layout());
    QCOMPARE(second->extra(), first->extra());
    // And the saved file holds the same JSON as the original (which spelled out every default)
    const QJsonObject original = QJsonDocument::fromJson(kFullFile).object();
    const QJsonObject saved = QJsonDocument::fromJson(readFile(path("out.json"))).object();
    QCOMPARE(saved.value(QStringLiteral("futureFeature")), original.value(QStringLiteral("futureFeature")));
    QCOMPARE(saved.value(QStringLiteral("systems")), original.value(QStringLiteral("systems")));
    QCOMPARE(saved.value(QStringLiteral("dashboards")), original.value(QStringLiteral("dashboards")));
    QCOMPARE(saved.value(QStringLiteral("rules")), original.value(QStringLiteral("rules")));
    QCOMPARE(saved.value(QStringLiteral("layout")), original.value(QStringLiteral("layout")));
    QCOMPARE(saved.value(QStringLiteral("thingscape")).toInt(), 1);
    QCOMPARE(saved.value(QStringLiteral("endpoints")).toArray().at(0).toObject().value(QStringLiteral("color")),
             QJsonValue(QStringLiteral("#ff0000")));
}

void TestWorkspace::builtInMemoryRoundTrip()
{
    Workspace workspace;
    EndpointConfig endpoint;
    endpoint.id = QStringLiteral("e1");
    endpoint.name = QStringLiteral("Device");
    endpoint.url = rid("https://device.local:8443");
    endpoint.pollIntervalMs = 500;
    workspace.setEndpoints({endpoint});
    System system;
    system.name = QStringLiteral("Hall");
    system.resources = {rid("https://device.local:8443/things/lamp"), rid("mqtt://b/hall/door")};
    workspace.setSystems({system});
    workspace.setLayout(QJsonObject{{QStringLiteral("split"), 0.25}});
    QString error;
    QVERIFY2(workspace.save(path("new.json"), &error), qPrintable(error));
    const auto loaded = Workspace::load(path("new.json"), &error);
    QVERIFY2(loaded, qPrintable(error));
    QCOMPARE(loaded->endpoints().size(), 1);
    QCOMPARE(loaded->endpoints().at(0).toJson(), endpoint.toJson());
    QCOMPARE(loaded->endpoints().at(0).pollIntervalMs, 500);
    QCOMPARE(loaded->systems(), QList<System>({system}));
    QCOMPARE(loaded->layout(), workspace.layout());
    QVERIFY(loaded->dashboards().isEmpty());
    QVERIFY(loaded->rules().isEmpty());
    QCOMPARE(loaded->toJson(), workspace.toJson());
}

void TestWorkspace::secretsAreNeverWritten()
{
    // Given endpoints holding every kind of secret (one smuggled in among the unknown keys)
    Workspace workspace;
    EndpointConfig mqtt;
    mqtt.id = QStringLiteral("m");
    mqtt.url = rid("mqtts://broker");
    mqtt.username = QStringLiteral("alice");
    mqtt.password = QStringLiteral("hunter2-password");
    mqtt.keyPassword = QStringLiteral("hunter2-keypassword");
    mqtt.extra.insert(QStringLiteral("password"), QStringLiteral("hunter2-extra"));
    EndpointConfig coap;
    coap.id = QStringLiteral("c");
    coap.url = rid("coaps://device");
    coap.pskIdentity = QStringLiteral("device-1");
    coap.pskKey = "hunter2-psk";
    coap.bearerToken = QStringLiteral("hunter2-token");
    workspace.setEndpoints({mqtt, coap});
    // When saved
    QString error;
    QVERIFY2(workspace.save(path("secret.json"), &error), qPrintable(error));
    // Then no secret is in the file, but the rest is
    const QByteArray bytes = readFile(path("secret.json"));
    QVERIFY(!bytes.isEmpty());
    QVERIFY2(!bytes.contains("hunter2"), bytes.constData());
    QVERIFY(!bytes.contains("\"password\""));
    QVERIFY(bytes.contains("alice"));
    QVERIFY(bytes.contains("device-1"));
}

void TestWorkspace::truncatedJsonNamesLineAndColumn()
{
    // Given a file cut short in the middle of line 4
    const QByteArray truncated = "{\n"
                                 "  \"thingscape\": 1,\n"
                                 "  \"endpoints\": [\n"
                                 "    {\"id\": \"a\", \"url\": \"mqtt://h\"";
    QVERIFY(writeFile(path("cut.json"), truncated));
    // When it is loaded
    QString error;
    const auto workspace = Workspace::load(path("cut.json"), &error);
    // Then the error names the file, the position and the problem, and the file is as it was
    QVERIFY(!workspace);
    QVERIFY2(error.contains(QDir::toNativeSeparators(path("cut.json"))), qPrintable(error));
    // (Qt puts the offset on the last byte read: the closing quote at the end of the file.)
    QVERIFY2(error.contains(QStringLiteral("line 4, column 34: unterminated")), qPrintable(error));
    QCOMPARE(readFile(path("cut.json")), truncated);
}

void TestWorkspace::syntaxErrorNamesLineAndColumn()
{
    // Given a missing comma on line 3, after a non-ASCII name
    const QByteArray broken = "{\n"
                              "  \"thingscape\": 1,\n"
                              "  \"systems\": [{\"name\": \"Küche\" \"resources\": []}]\n"
                              "}\n";
    QVERIFY(writeFile(path("comma.json"), broken));
    QString error;
    QVERIFY(!Workspace::load(path("comma.json"), &error));
    // Then the column counts characters, not bytes (it would be 34 in bytes)
    QVERIFY2(error.contains(QStringLiteral("line 3, column 33: unterminated object")), qPrintable(error));
    QCOMPARE(readFile(path("comma.json")), broken);
}

void TestWorkspace::badContents_data()
{
    QTest::addColumn<QByteArray>("contents");
    QTest::addColumn<QString>("expected");
    QTest::newRow("no version") << QByteArray(R"({"endpoints": []})") << QStringLiteral("\"thingscape\" format version is missing");
    QTest::newRow("newer version") << QByteArray(R"({"thingscape": 2})")
                                   << QStringLiteral("format version 2, from a newer Thingscape; this version reads up to 1");
    QTest::newRow("version as text") << QByteArray(R"({"thingscape": "1"})")
                                     << QStringLiteral("must be a whole number, not a string");
    QTest::newRow("version zero") << QByteArray(R"({"thingscape": 0})") << QStringLiteral("format version 0 is not supported");
    QTest::newRow("not an object") << QByteArray(R"([1, 2])") << QStringLiteral("the top level must be a JSON object");
    QTest::newRow("endpoints not an array") << QByteArray(R"({"thingscape": 1, "endpoints": {"id": "a"}})")
                                            << QStringLiteral("\"endpoints\" must be an array, not an object");
    QTest::newRow("endpoint not an object") << QByteArray(R"({"thingscape": 1, "endpoints": ["mqtt://h"]})")
                                            << QStringLiteral("endpoints[0] must be an object, not a string");
    QTest::newRow("endpoint with a bad url")
        << QByteArray(R"({"thingscape": 1, "endpoints": [{"name": "x", "url": "mqtt://h"}, {"name": "Lamp", "url": "gopher://h"}]})")
        << QStringLiteral("endpoints[1]: endpoint 'Lamp': unknown scheme 'gopher'");
    // Wrong types and ranges are reported where they are, never loaded as defaults.
    QTest::newRow("autoConnect as text")
        << QByteArray("{\"thingscape\": 1,\n \"endpoints\": [\n  {\"name\": \"B\", \"url\": \"mqtt://h\",\n   \"autoConnect\": \"yes\"}]}")
        << QStringLiteral("line 4, column 19 (/endpoints/0/autoConnect): endpoints[0]: endpoint 'B': \"autoConnect\" must be true or false, not \"yes\"");
    QTest::newRow("negative keepAlive")
        << QByteArray("{\"thingscape\": 1, \"endpoints\": [\n  {\"url\": \"mqtt://h\"},\n  {\"url\": \"mqtt://h2\", \"keepAlive\": -5}]}")
        << QStringLiteral("line 3, column 37 (/endpoints/1/keepAlive): endpoints[1]: \"keepAlive\" must be a whole number from 0 to 65535, not -5");
    QTest::newRow("willQos out of range")
        << QByteArray("{\"thingscape\": 1, \"endpoints\": [{\"url\": \"mqtt://h\",\n \"willQos\": 99}]}")
        << QStringLiteral("line 2, column 13 (/endpoints/0/willQos): endpoints[0]: \"willQos\" must be a whole number from 0 to 2, not 99");
    QTest::newRow("fractional poll interval")
        << QByteArray(R"({"thingscape": 1, "endpoints": [{"url": "coap://h", "pollIntervalMs": 1.5}]})")
        << QStringLiteral("\"pollIntervalMs\" must be a whole number from 0 to 2147483647, not 1.5");
    QTest::newRow("url as a number")
        << QByteArray("{\"thingscape\": 1, \"endpoints\": [\n {\"url\": 7}]}")
        << QStringLiteral("line 2, column 10 (/endpoints/0/url): endpoints[0]: \"url\" must be a string, not a number");
    QTest::newRow("filters not strings")
        << QByteArray(R"({"thingscape": 1, "endpoints": [{"url": "mqtt://h", "filters": ["a/#", 3]}]})")
        << QStringLiteral("\"filters\" must hold strings, not a number");
    QTest::newRow("duplicate endpoint ids")
        << QByteArray("{\"thingscape\": 1, \"endpoints\": [\n {\"id\": \"a\", \"url\": \"mqtt://h\"},\n {\"id\": \"b\", \"url\": \"coap://h\"},\n {\"id\": \"a\", \"url\": \"http://h\"}]}")
        << QStringLiteral("line 4, column 9 (/endpoints/2/id): endpoints[2] has the id 'a' of endpoints[0]: ids must be unique");
    QTest::newRow("systems not an array") << QByteArray(R"({"thingscape": 1, "systems": "all"})")
                                          << QStringLiteral("\"systems\" must be an array, not a string");
    QTest::newRow("system without a name") << QByteArray(R"({"thingscape": 1, "systems": [{"resources": []}]})")
                                           << QStringLiteral("systems[0]: a system needs a \"name\"");
    QTest::newRow("system with a bad uri")
        << QByteArray(R"({"thingscape": 1, "systems": [{"name": "S", "resources": ["mqtt://h/a", "h/b"]}]})")
        << QStringLiteral("systems[0]: system 'S': resources[1]: 'h/b' has no scheme");
    QTest::newRow("system titles not an object")
        << QByteArray(R"({"thingscape": 1, "systems": [{"name": "S", "resources": ["mqtt://h/a"], "titles": ["A"]}]})")
        << QStringLiteral("systems[0]: system 'S': \"titles\" must be an object of URI: title");
    QTest::newRow("system title not a string")
        << QByteArray(R"({"thingscape": 1, "systems": [{"name": "S", "resources": ["mqtt://h/a"], "titles": {"mqtt://h/a": 3}}]})")
        << QStringLiteral("system 'S': titles[\"mqtt://h/a\"] must be a string");
    QTest::newRow("rules not an array") << QByteArray(R"({"thingscape": 1, "rules": {}})")
                                        << QStringLiteral("\"rules\" must be an array, not an object");
    QTest::newRow("layout not an object") << QByteArray(R"({"thingscape": 1, "layout": []})")
                                          << QStringLiteral("\"layout\" must be an object, not an array");
}

void TestWorkspace::badContents()
{
    QFETCH(QByteArray, contents);
    QFETCH(QString, expected);
    QVERIFY(writeFile(path("bad.json"), contents));
    QString error;
    QVERIFY(!Workspace::load(path("bad.json"), &error));
    QVERIFY2(error.contains(expected), qPrintable(error));
    QVERIFY2(error.contains(QDir::toNativeSeparators(path("bad.json"))), qPrintable(error));
    QCOMPARE(readFile(path("bad.json")), contents);
}

void TestWorkspace::missingFile()
{
    QString error;
    QVERIFY(!Workspace::load(path("nothing.json"), &error));
    QVERIFY2(error.contains(QDir::toNativeSeparators(path("nothing.json"))), qPrintable(error));
    QVERIFY(!QFile::exists(path("nothing.json")));
}

void TestWorkspace::failedSaveLeavesFilesAlone()
{
    // Given a good workspace file and a workspace loaded from it
    QVERIFY(writeFile(path("good.json"), kFullFile));
    QString error;
    const auto workspace = Workspace::load(path("good.json"), &error);
    QVERIFY2(workspace, qPrintable(error));
    // When saving into a directory that does not exist
    const QString nowhere = path("missing/dir/ws.json");
    QVERIFY(!workspace->save(nowhere, &error));
    // Then the error names the target, nothing was created, and the good file is untouched
    QVERIFY2(error.contains(QDir::toNativeSeparators(nowhere)), qPrintable(error));
    QVERIFY(!QFile::exists(nowhere));
    QCOMPARE(readFile(path("good.json")), kFullFile);
    // When saving over a directory
    QVERIFY(QDir(m_dir->path()).mkdir(QStringLiteral("adir")));
    QVERIFY(!workspace->save(path("adir"), &error));
    QVERIFY2(error.contains(QStringLiteral("directory")), qPrintable(error));
    QVERIFY(QFileInfo(path("adir")).isDir());
    // And no temporary files were left behind
    QCOMPARE(QDir(m_dir->path()).entryList(QDir::Files), QStringList({"good.json"}));
}

void TestWorkspace::messageSizeLimitIsSaved()
{
    // Given an endpoint with its own limit and one on the default
    Workspace workspace;
    EndpointConfig own;
    own.id = QStringLiteral("m1");
    own.url = rid("mqtt://broker.local");
    own.maxMessageBytes = 1024 * 1024;
    EndpointConfig plain;
    plain.id = QStringLiteral("h1");
    plain.url = rid("http://device.local");
    QCOMPARE(plain.maxMessageBytes, qint64(16 * 1024 * 1024));
    workspace.setEndpoints({own, plain});
    // When saved and loaded
    QString error;
    QVERIFY2(workspace.save(path("limits.json"), &error), qPrintable(error));
    const auto loaded = Workspace::load(path("limits.json"), &error);
    QVERIFY2(loaded, qPrintable(error));
    // Then each keeps its limit, and the default is not written out
    QCOMPARE(loaded->endpoints().at(0).maxMessageBytes, qint64(1024 * 1024));
    QCOMPARE(loaded->endpoints().at(1).maxMessageBytes, EndpointConfig::kDefaultMaxMessageBytes);
    QVERIFY(!plain.toJson().contains(QStringLiteral("maxMessageBytes")));
    QVERIFY(loaded->endpoints().at(0).extra.isEmpty());
}


void TestWorkspace::systemTitlesRoundTrip()
{
    // Given a system whose members had titles while their endpoints were up
    Workspace workspace;
    System system;
    system.name = QStringLiteral("Lab");
    system.resources = {rid("mqtt://b/lab/t1"), rid("coap://h/sensors/temp"), rid("http://d/things/lamp")};
    system.titles.insert(rid("mqtt://b/lab/t1"), QStringLiteral("Lab temperature"));
    system.titles.insert(rid("coap://h/sensors/temp"), QStringLiteral("Freezer"));
    workspace.setSystems({system});
    // When it is saved
    QString error;
    QVERIFY2(workspace.save(path("titles.json"), &error), qPrintable(error));
    // Then the file names each titled member by its full URI
    const QJsonObject saved = QJsonDocument::fromJson(readFile(path("titles.json"))).object();
    const QJsonObject titles =
        saved.value(QStringLiteral("systems")).toArray().at(0).toObject().value(QStringLiteral("titles")).toObject();
    QCOMPARE(titles.size(), 2);
    QCOMPARE(titles.value(QStringLiteral("mqtt://b:1883/lab/t1")).toString(), QStringLiteral("Lab temperature"));
    // And loading it gives the titles back, untitled members staying untitled
    const auto loaded = Workspace::load(path("titles.json"), &error);
    QVERIFY2(loaded, qPrintable(error));
    QCOMPARE(loaded->systems().size(), 1);
    const System &back = loaded->systems().at(0);
    QCOMPARE(back.titles.value(rid("mqtt://b/lab/t1")), QStringLiteral("Lab temperature"));
    QCOMPARE(back.titles.value(rid("coap://h/sensors/temp")), QStringLiteral("Freezer"));
    QVERIFY(!back.titles.contains(rid("http://d/things/lamp")));
    QVERIFY(back.extra.isEmpty());
    QCOMPARE(back, system);

    // A title for a resource that is no longer a member is not kept.
    QVERIFY(writeFile(path("stale.json"), "{\"thingscape\": 1, \"systems\": [{\"name\": \"S\", \"resources\": [\"mqtt://h/a\"],"
                                          " \"titles\": {\"mqtt://h/a\": \"A\", \"mqtt://h/gone\": \"Gone\"}}]}"));
    const auto stale = Workspace::load(path("stale.json"), &error);
    QVERIFY2(stale, qPrintable(error));
    QCOMPARE(stale->systems().at(0).titles.size(), 1);
    QCOMPARE(stale->systems().at(0).titles.value(rid("mqtt://h/a")), QStringLiteral("A"));
}

QTEST_GUILESS_MAIN(TestWorkspace)
#include "tst_workspace.moc"
