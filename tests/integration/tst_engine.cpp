// The engine without a window (this test links no QtWidgets): a workspace file with the
// simulated site's MQTT, CoAP and HTTP endpoints is loaded, connected, written to through the
// engine's endpoint manager on every protocol, has an endpoint removed and replaced while an
// operation is in flight, and is saved. Plus the headless secrets (file, environment, and
// what a missing one says), end to end against a broker that wants a password.
#include "simulator.h"
#include "testsupport.h"

#include "model/resourcestore.h"
#include "model/valueevent.h"
#include "model/workspace.h"
#include "protocols/endpointmanager.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/headlesssecretprovider.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

#include <optional>

using namespace thingscape;

namespace {

// Under CI a missing peer is a failure; on a developer's machine a skip.
#define REQUIRE_PROGRAM(name)                                                                             \
    do {                                                                                                  \
        if (testsupport::findProgram(QStringLiteral(name)).isEmpty()) {                                   \
            if (qEnvironmentVariable("CI") == QLatin1String("true"))                                      \
                QFAIL(name " is not installed (Debian package mosquitto)");                               \
            QSKIP(name " is not installed (Debian package mosquitto)");                                   \
        }                                                                                                 \
    } while (false)

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

ResourceId rid(const QString &uri)
{
    return *ResourceId::parse(uri);
}

// An asynchronous callback's answer; the callback may outlive the test function.
template<typename T>
struct Answer
{
    std::shared_ptr<std::optional<T>> state = std::make_shared<std::optional<T>>();
    auto callback() const
    {
        return [state = state](const T &v) { *state = v; };
    }
    bool has() const { return state->has_value(); }
    const T *operator->() const { return &**state; }
};

} // namespace

class TestEngine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void loadsConnectsAndSeesValuesOnEveryProtocol();
    void updateCountsAreMessageCounts();
    void writesTakeEffectOnEveryProtocol();
    void removingAnEndpointMidOperationAnswersTheCallback();
    void replacingAnEndpointMidOperationAnswersTheCallback();
    void savesWhatItLoaded();
    void brokenFileNamesLineAndColumnAndKeepsTheWorkspace();
    void removedEndpointTakesItsResources();
    void systemTitlesOutliveTheirEndpoint();
    void secretsFromFile();
    void secretsFromEnvironmentWinOverTheFile();
    void malformedSecretsFileNamesTheLine();
    void missingSecretNamesEndpointAndField();
    void engineConnectsWithHeadlessSecrets();

private:
    QString workspaceJson() const;
    QString writeWorkspace(const QString &name);

    testsupport::Simulator m_sim;
    QTemporaryDir m_dir;
    std::unique_ptr<Engine> m_engine; // loaded once, shared by the protocol tests
};

QString TestEngine::workspaceJson() const
{
    // Written by hand, as a user would: only the keys that matter, plus some this version
    // does not know (kept on save).
    return QStringLiteral(R"({
  "thingscape": 1,
  "endpoints": [
    {"id": "broker", "name": "Site broker", "url": "%1", "clientId": "tst-engine-%4"},
    {"id": "coap", "name": "Site CoAP", "url": "%2"},
    {"id": "things", "name": "Site things", "url": "%3"}
  ],
  "systems": [
    {"name": "Heating", "resources": ["%1/thingscape/thermostat/setpoint", "%2/actuators/valve"]}
  ],
  "dashboards": [{"name": "Overview", "tiles": []}],
  "rules": [],
  "layout": {"windowState": "AAAA"},
  "futureFeature": {"kept": true}
}
)")
        .arg(m_sim.mqtt, m_sim.coap, m_sim.http)
        .arg(QCoreApplication::applicationPid());
}

QString TestEngine::writeWorkspace(const QString &name)
{
    const QString path = m_dir.filePath(name);
    if (!writeFile(path, workspaceJson().toUtf8()))
        return {};
    return path;
}

void TestEngine::initTestCase()
{
    REQUIRE_PROGRAM("mosquitto");
    QVERIFY(m_dir.isValid());
    QVERIFY(m_sim.start({QStringLiteral("--seed"), QStringLiteral("7"), QStringLiteral("--rate"), QStringLiteral("4")}));
}

void TestEngine::loadsConnectsAndSeesValuesOnEveryProtocol()
{
    m_engine = std::make_unique<Engine>();
    Engine &engine = *m_engine;
    QSignalSpy loaded(&engine, &Engine::loaded);
    const QString path = writeWorkspace(QStringLiteral("site.thingscape"));
    QVERIFY(!path.isEmpty());

    QString error;
    QVERIFY2(engine.load(path, &error), qPrintable(error));
    QCOMPARE(loaded.count(), 1);
    QCOMPARE(loaded.first().first().toString(), path);
    QCOMPARE(engine.path(), path);
    const QList<EndpointConfig> endpoints = engine.endpoints()->endpoints();
    QCOMPARE(endpoints.size(), 3);
    QCOMPARE(endpoints.at(0).id, QStringLiteral("broker"));
    QCOMPARE(endpoints.at(1).name, QStringLiteral("Site CoAP"));
    QCOMPARE(engine.systems().size(), 1);
    QCOMPARE(engine.systems().first().name, QStringLiteral("Heating"));

    // autoConnect defaults to true: all three connect without being asked.
    QTRY_COMPARE_WITH_TIMEOUT(engine.endpoints()->connectedCount(), 3, 20000);

    // Values arrive in the store from each protocol, and keep arriving (observed).
    const ResourceStore *store = engine.store();
    const ResourceId mqttTemperature = rid(m_sim.mqtt + QStringLiteral("/thingscape/thermostat/temperature"));
    const ResourceId coapTemperature = rid(m_sim.coap + QStringLiteral("/sensors/temperature"));
    // HTTP: the Thing Description's properties are not observable; its events come over SSE
    // (from another port of the same site, owned by the HTTP endpoint).
    ResourceId httpMeasurement;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (const Resource *resource : store->resources()) {
                if (resource->id().protocol() == Protocol::Http
                    && resource->id().path() == QStringLiteral("/things/air-quality-monitor/events/measurement")) {
                    httpMeasurement = resource->id();
                    return true;
                }
            }
            return false;
        }(),
        20000);
    QCOMPARE(engine.endpoints()->endpointFor(httpMeasurement), QStringLiteral("things"));
    for (const ResourceId &id : {mqttTemperature, coapTemperature, httpMeasurement}) {
        QTRY_VERIFY2_WITH_TIMEOUT(store->find(id) && store->find(id)->hasValue(), qPrintable(id.toString()), 20000);
        const quint64 seen = store->find(id)->updateCount();
        QTRY_VERIFY2_WITH_TIMEOUT(store->find(id)->updateCount() > seen, qPrintable(id.toString()), 20000);
    }
    QVERIFY(store->find(mqttTemperature)->value().isNumeric());
    QVERIFY(store->find(coapTemperature)->value().isNumeric());
}

void TestEngine::updateCountsAreMessageCounts()
{
    // Given an engine that counts, from before it connects, every incoming message per resource
    // (what the stream shows) and the SenML records decoded out of them
    Engine engine;
    ResourceStore *store = engine.store();
    QHash<ResourceId, quint64> messages;
    QHash<ResourceId, quint64> derived;
    connect(store, &ResourceStore::batchApplied, this, [&messages](const StoreBatch &batch) {
        for (const Message &message : batch.messages) {
            if (message.direction == Direction::In)
                ++messages[message.id];
        }
    });
    connect(store, &ResourceStore::valueEvents, this, [&derived](const ValueEvents &events) {
        for (const ValueEvent &event : events) {
            if (event.direction == Direction::In && event.derived)
                ++derived[event.id];
        }
    });
    QVERIFY(engine.load(writeWorkspace(QStringLiteral("counts.thingscape"))));
    QTRY_COMPARE_WITH_TIMEOUT(engine.endpoints()->connectedCount(), 3, 20000);
    // When values flow on every protocol (observed, retained, SenML) for a while
    const ResourceId energy = rid(m_sim.coap + QStringLiteral("/meters/energy"));
    const ResourceId thermostat = rid(m_sim.mqtt + QStringLiteral("/thingscape/thermostat/temperature"));
    for (const ResourceId &id : {energy, thermostat}) {
        QTRY_VERIFY2_WITH_TIMEOUT(store->find(id) && store->find(id)->updateCount() >= 3, qPrintable(id.toString()), 30000);
    }
    // And every resource with a value is read once more, as F5 does
    int pending = 0;
    for (const Resource *resource : store->resources()) {
        if (!resource->hasValue() || derived.contains(resource->id()))
            continue;
        ++pending;
        engine.endpoints()->read(resource->id(), [&pending](const ReadResult &) { --pending; }, std::chrono::seconds(3));
    }
    QTRY_COMPARE_WITH_TIMEOUT(pending, 0, 60000);
    // Then each resource's update count is the number of messages it received, or for a SenML
    // record the number of packs it was decoded out of
    int records = 0;
    for (const Resource *resource : store->resources()) {
        const ResourceId &id = resource->id();
        QCOMPARE(resource->messageCount(), messages.value(id));
        if (derived.contains(id)) {
            ++records;
            QCOMPARE(messages.value(id), quint64(0));
            QCOMPARE(resource->updateCount(), derived.value(id));
            QVERIFY2(derived.value(id) <= messages.value(energy) || !id.startsWith(energy), qPrintable(id.toString()));
        } else {
            QVERIFY2(resource->updateCount() == messages.value(id),
                     qPrintable(QStringLiteral("%1: %2 updates for %3 messages")
                                    .arg(id.toString()).arg(resource->updateCount()).arg(messages.value(id))));
        }
    }
    QVERIFY(records >= 4); // the energy meter's voltage, current, power and energy
    engine.disconnectAll();
}

void TestEngine::writesTakeEffectOnEveryProtocol()
{
    QVERIFY(m_engine);
    EndpointManager *endpoints = m_engine->endpoints();
    const ResourceStore *store = m_engine->store();
    QTRY_COMPARE_WITH_TIMEOUT(endpoints->connectedCount(), 3, 20000);
    // Every value change the writes make reaches the ordered feed with its cause.
    ValueEvents events;
    const QMetaObject::Connection feed = connect(store, &ResourceStore::valueEvents, this,
                                                 [&events](const ValueEvents &batch) { events += batch; });

    // MQTT: the thermostat's setpoint goes to its Home Assistant command topic and the
    // device reports the new value on its state topic.
    const ResourceId setpoint = rid(m_sim.mqtt + QStringLiteral("/thingscape/thermostat/setpoint"));
    QTRY_VERIFY_WITH_TIMEOUT(store->find(setpoint) && store->find(setpoint)->metadata().commandUri.isSet(), 20000);
    for (const double wanted : {23.5, 18.5}) {
        Answer<Result> written;
        WriteOptions options;
        options.qos = 1;
        endpoints->write(setpoint, QByteArray::number(wanted), options, written.callback());
        QTRY_VERIFY_WITH_TIMEOUT(written.has(), 15000);
        QVERIFY2(written->ok(), qPrintable(written->error));
        QTRY_COMPARE_WITH_TIMEOUT(store->find(setpoint)->value().toDouble(), wanted, 15000);
    }

    // CoAP: the light switched on reads on, then off reads off.
    const ResourceId light = rid(m_sim.coap + QStringLiteral("/actuators/light"));
    for (const QByteArray &state : {QByteArray("on"), QByteArray("off")}) {
        Answer<Result> written;
        WriteOptions options;
        options.contentFormat = ContentFormat::Text;
        endpoints->write(light, state, options, written.callback());
        QTRY_VERIFY_WITH_TIMEOUT(written.has(), 15000);
        QVERIFY2(written->ok(), qPrintable(written->error));
        Answer<ReadResult> read;
        endpoints->read(light, read.callback());
        QTRY_VERIFY_WITH_TIMEOUT(read.has(), 15000);
        QVERIFY2(read->result.ok(), qPrintable(read->result.error));
        QVERIFY2(read->value.raw.contains(state), read->value.raw.constData());
    }

    // HTTP: a Thing Description property written through its form reads back.
    const ResourceId brightness = rid(m_sim.http + QStringLiteral("/things/smart-lamp/properties/brightness"));
    for (const int wanted : {37, 64}) {
        Answer<Result> written;
        WriteOptions options;
        options.contentFormat = ContentFormat::Json;
        endpoints->write(brightness, QByteArray::number(wanted), options, written.callback());
        QTRY_VERIFY_WITH_TIMEOUT(written.has(), 15000);
        QVERIFY2(written->ok(), qPrintable(written->error));
        Answer<ReadResult> read;
        endpoints->read(brightness, read.callback());
        QTRY_VERIFY_WITH_TIMEOUT(read.has(), 15000);
        QVERIFY2(read->result.ok(), qPrintable(read->result.error));
        QCOMPARE(read->value.toDouble(), double(wanted));
    }
    disconnect(feed);

    // The feed is in arrival order; what went out is the user's, what came in is its endpoint's.
    QVERIFY(!events.isEmpty());
    for (qsizetype i = 1; i < events.size(); ++i)
        QVERIFY2(events.at(i).seq > events.at(i - 1).seq, "value events out of order");
    auto outgoing = [&events](const ResourceId &id) {
        return std::count_if(events.cbegin(), events.cend(), [&id](const ValueEvent &e) {
            return e.direction == Direction::Out && e.cause == Cause::user()
                && (e.id == id || e.id.toString().startsWith(id.toString()));
        });
    };
    QVERIFY(outgoing(rid(m_sim.coap + QStringLiteral("/actuators/light"))) >= 2);
    QVERIFY(outgoing(brightness) >= 2);
    const ResourceId mqttEndpoint = rid(m_sim.mqtt);
    QVERIFY(std::any_of(events.cbegin(), events.cend(), [&](const ValueEvent &e) {
        return e.direction == Direction::Out && e.cause == Cause::user() && e.id.endpoint() == mqttEndpoint.endpoint();
    }));
    QVERIFY(std::any_of(events.cbegin(), events.cend(), [&setpoint](const ValueEvent &e) {
        return e.id == setpoint && e.direction == Direction::In && e.cause == Cause::endpoint(QStringLiteral("broker"));
    }));
    QVERIFY(std::any_of(events.cbegin(), events.cend(), [](const ValueEvent &e) {
        return e.direction == Direction::In && e.cause == Cause::endpoint(QStringLiteral("coap"));
    }));
    // No event from a peer goes without its cause.
    for (const ValueEvent &e : std::as_const(events))
        QVERIFY2(e.cause.isKnown(), qPrintable(e.id.toString()));
}

void TestEngine::removingAnEndpointMidOperationAnswersTheCallback()
{
    QVERIFY(m_engine);
    EndpointManager *endpoints = m_engine->endpoints();
    QTRY_COMPARE_WITH_TIMEOUT(endpoints->connectedCount(), 3, 20000);
    const EndpointConfig broker = endpoints->endpoint(QStringLiteral("broker"));
    QVERIFY(!broker.id.isEmpty());

    // A read of a topic nothing publishes waits for a retained message: it is still waiting
    // when the endpoint goes.
    Answer<ReadResult> read;
    endpoints->read(rid(m_sim.mqtt + QStringLiteral("/tst-engine/nothing-here")), read.callback());
    m_engine->endpoints()->remove(broker.id);
    QCOMPARE(endpoints->endpoints().size(), 2);
    QTRY_VERIFY_WITH_TIMEOUT(read.has(), 20000);
    QVERIFY(!read->result.ok());
    QVERIFY2(read->result.error.contains(QStringLiteral("/tst-engine/nothing-here")), qPrintable(read->result.error));
    QVERIFY2(read->result.error.contains(QStringLiteral("removed")), qPrintable(read->result.error));

    // The endpoint comes back and works.
    endpoints->add(broker);
    m_engine->connectEndpoint(broker.id);
    QTRY_COMPARE_WITH_TIMEOUT(endpoints->connectedCount(), 3, 20000);
    const ResourceId temperature = rid(m_sim.mqtt + QStringLiteral("/thingscape/thermostat/temperature"));
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->store()->find(temperature) && m_engine->store()->find(temperature)->hasValue(), 20000);
}

void TestEngine::replacingAnEndpointMidOperationAnswersTheCallback()
{
    QVERIFY(m_engine);
    EndpointManager *endpoints = m_engine->endpoints();
    QTRY_COMPARE_WITH_TIMEOUT(endpoints->connectedCount(), 3, 20000);

    // Several operations in flight on every protocol while each endpoint is replaced (same
    // id, a changed setting): every callback is answered, once.
    QList<std::shared_ptr<int>> calls;
    QList<std::shared_ptr<QString>> errors;
    auto track = [&calls, &errors]() {
        auto count = std::make_shared<int>(0);
        auto error = std::make_shared<QString>();
        calls.append(count);
        errors.append(error);
        return std::make_pair(count, error);
    };
    const QList<ResourceId> targets = {
        rid(m_sim.mqtt + QStringLiteral("/tst-engine/nothing-here")),
        rid(m_sim.mqtt + QStringLiteral("/thingscape/thermostat/setpoint")),
        rid(m_sim.coap + QStringLiteral("/actuators/valve")),
        rid(m_sim.coap + QStringLiteral("/logs/history")),
        rid(m_sim.http + QStringLiteral("/things/smart-lamp/properties/brightness")),
    };
    for (const ResourceId &id : targets) {
        auto [count, error] = track();
        endpoints->read(id, [count, error](const ReadResult &result) {
            ++*count;
            *error = result.result.error;
        });
    }
    auto [writeCount, writeError] = track();
    WriteOptions options;
    options.contentFormat = ContentFormat::Text;
    endpoints->write(targets.at(2), "12", options, [writeCount, writeError](const Result &result) {
        ++*writeCount;
        *writeError = result.error;
    });
    for (const QString &id : {QStringLiteral("broker"), QStringLiteral("coap"), QStringLiteral("things")}) {
        EndpointConfig replaced = endpoints->endpoint(id);
        replaced.requestTimeoutMs += 1000;
        endpoints->add(replaced);
    }
    for (qsizetype i = 0; i < calls.size(); ++i)
        QTRY_VERIFY2_WITH_TIMEOUT(*calls.at(i) > 0, qPrintable(QStringLiteral("operation %1 never answered").arg(i)), 20000);
    // Nothing answers twice, even once the old connectors' timeouts have passed.
    QTest::qWait(200);
    for (qsizetype i = 0; i < calls.size(); ++i)
        QCOMPARE(*calls.at(i), 1);

    // The replaced endpoints connect again and work.
    m_engine->connectAll();
    QTRY_COMPARE_WITH_TIMEOUT(endpoints->connectedCount(), 3, 20000);
    Answer<ReadResult> read;
    endpoints->read(targets.at(2), read.callback());
    QTRY_VERIFY_WITH_TIMEOUT(read.has(), 15000);
    QVERIFY2(read->result.ok(), qPrintable(read->result.error));
}

void TestEngine::savesWhatItLoaded()
{
    QVERIFY(m_engine);
    const QString original = m_dir.filePath(QStringLiteral("site.thingscape"));
    const QString copy = m_dir.filePath(QStringLiteral("copy.thingscape"));
    // The replaced endpoints above changed a setting: start from the file again.
    QVERIFY(m_engine->load(original));
    QSignalSpy saved(m_engine.get(), &Engine::saved);
    QString error;
    QVERIFY2(m_engine->save(copy, &error), qPrintable(error));
    QCOMPARE(saved.count(), 1);
    QCOMPARE(m_engine->path(), copy);

    const auto before = Workspace::load(original);
    const auto after = Workspace::load(copy, &error);
    QVERIFY2(after, qPrintable(error));
    QCOMPARE(after->toJson(), before->toJson());
    QCOMPARE(after->endpoints().size(), 3);
    QCOMPARE(after->extra().value(QStringLiteral("futureFeature")).toObject().value(QStringLiteral("kept")).toBool(), true);
    QCOMPARE(after->dashboards().size(), 1);
    QCOMPARE(after->layout().value(QStringLiteral("windowState")).toString(), QStringLiteral("AAAA"));

    // A fresh engine loads the saved file into the same endpoints.
    Engine reloaded;
    QVERIFY(reloaded.load(copy, &error));
    QCOMPARE(reloaded.snapshot().toJson(), before->toJson());
    reloaded.disconnectAll();

    // A save that cannot happen leaves the file and the path as they were.
    const QString nowhere = m_dir.filePath(QStringLiteral("no-such-dir/x.thingscape"));
    QVERIFY(!m_engine->save(nowhere, &error));
    QVERIFY2(error.contains(QStringLiteral("x.thingscape")), qPrintable(error));
    QCOMPARE(m_engine->path(), copy);
}

void TestEngine::brokenFileNamesLineAndColumnAndKeepsTheWorkspace()
{
    Engine engine;
    EndpointConfig kept;
    kept.id = QStringLiteral("kept");
    kept.url = rid(QStringLiteral("mqtt://127.0.0.1:1"));
    kept.autoConnect = false;
    engine.endpoints()->add(kept);
    const QString path = m_dir.filePath(QStringLiteral("broken.thingscape"));
    QVERIFY(writeFile(path, "{\n  \"thingscape\": 1,\n  \"endpoints\": [ {\"id\": \"x\",, } ]\n}\n"));
    QSignalSpy loaded(&engine, &Engine::loaded);
    QString error;
    QVERIFY(!engine.load(path, &error));
    QVERIFY2(error.contains(QStringLiteral("broken.thingscape")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("line 3")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("column")), qPrintable(error));
    QCOMPARE(loaded.count(), 0);
    QCOMPARE(engine.endpoints()->endpoints().size(), 1);
    QCOMPARE(engine.endpoints()->endpoints().first().id, QStringLiteral("kept"));
    QVERIFY(engine.path().isEmpty());

    QVERIFY(!engine.load(m_dir.filePath(QStringLiteral("missing.thingscape")), &error));
    QVERIFY2(error.contains(QStringLiteral("missing.thingscape")), qPrintable(error));
}

void TestEngine::removedEndpointTakesItsResources()
{
    Engine engine;
    QSignalSpy changed(&engine, &Engine::changed);
    QList<ResourceId> gone;
    connect(&engine, &Engine::endpointGone, this, [&gone](const ResourceId &endpoint) { gone.append(endpoint); });
    EndpointConfig a;
    a.id = QStringLiteral("a");
    a.url = rid(QStringLiteral("mqtt://127.0.0.1:1883"));
    EndpointConfig b;
    b.id = QStringLiteral("b");
    b.url = rid(QStringLiteral("mqtt://127.0.0.1:18830"));
    engine.endpoints()->add(a);
    engine.endpoints()->add(b);
    QCOMPARE(changed.count(), 2);
    UpdateBatch batch;
    for (const QString &uri : {QStringLiteral("mqtt://127.0.0.1:1883/x/y"), QStringLiteral("mqtt://127.0.0.1:18830/x/y")}) {
        Update update;
        update.id = rid(uri);
        Value value;
        value.raw = "1";
        update.value = value;
        batch.append(update);
    }
    engine.store()->ingest(batch);
    QCOMPARE(engine.store()->size(), 2);

    engine.endpoints()->remove(QStringLiteral("a"));
    QCOMPARE(gone.count(), 1);
    QCOMPARE(gone.first(), a.url.endpoint());
    QCOMPARE(engine.store()->size(), 1);
    QVERIFY(engine.store()->find(rid(QStringLiteral("mqtt://127.0.0.1:18830/x/y"))));
    QCOMPARE(changed.count(), 3);

    // Moving an endpoint to another URL takes its old resources too.
    b.url = rid(QStringLiteral("mqtt://127.0.0.1:18831"));
    engine.endpoints()->add(b);
    QCOMPARE(gone.count(), 2);
    QCOMPARE(engine.store()->size(), 0);

    // Systems are kept and count as a change only when they differ.
    System system;
    system.name = QStringLiteral("S");
    engine.setSystems({system});
    const int afterSystems = int(changed.count());
    engine.setSystems({system});
    QCOMPARE(changed.count(), afterSystems);
    QCOMPARE(engine.snapshot().systems().size(), 1);
}

void TestEngine::systemTitlesOutliveTheirEndpoint()
{
    // Given a system whose member has a title in the store (its endpoint up)
    Engine engine;
    const ResourceId lab = rid(QStringLiteral("mqtt://127.0.0.1:1883/lab/t1"));
    const ResourceId bare = rid(QStringLiteral("mqtt://127.0.0.1:1883/lab/t2"));
    UpdateBatch batch;
    Update titled;
    titled.id = lab;
    titled.metadata.edit().title.set(QStringLiteral("Lab temperature"), MetaSource::MqttConvention);
    batch.append(titled);
    Update untitled;
    untitled.id = bare;
    Value value;
    value.raw = "1";
    untitled.value = value;
    batch.append(untitled);
    engine.store()->ingest(batch);
    System system;
    system.name = QStringLiteral("Lab");
    system.resources = {lab, bare};
    engine.setSystems({system});
    // When the workspace is saved
    const QString path = m_dir.filePath(QStringLiteral("titles.thingscape"));
    QString error;
    QVERIFY2(engine.save(path, &error), qPrintable(error));
    // Then the file has the title, and a member with none has no made-up one
    auto saved = Workspace::load(path, &error);
    QVERIFY2(saved, qPrintable(error));
    QCOMPARE(saved->systems().at(0).titles.value(lab), QStringLiteral("Lab temperature"));
    QVERIFY(!saved->systems().at(0).titles.contains(bare));

    // When the resource is gone (its endpoint down) and the workspace is saved again
    engine.store()->remove({lab, bare});
    QVERIFY(!engine.store()->find(lab));
    QVERIFY2(engine.save(path, &error), qPrintable(error));
    // Then the title is still there
    saved = Workspace::load(path, &error);
    QVERIFY2(saved, qPrintable(error));
    QCOMPARE(saved->systems().at(0).titles.value(lab), QStringLiteral("Lab temperature"));
    // And a fresh engine that loads it, with nothing in its store, has the title for the window
    Engine reloaded;
    QVERIFY2(reloaded.load(path, &error), qPrintable(error));
    QCOMPARE(reloaded.systems().at(0).titles.value(lab), QStringLiteral("Lab temperature"));
    QCOMPARE(reloaded.snapshot().systems().at(0).titles.value(lab), QStringLiteral("Lab temperature"));
}

void TestEngine::secretsFromFile()
{
    const QString path = m_dir.filePath(QStringLiteral("secrets"));
    QVERIFY(writeFile(path, "# secrets for the site\n"
                            "broker/password=p=ss word \r\n"
                            "\n"
                            "dtls/pskKey=secretPSK\n"
                            "things/bearerToken=tok\n"));
    HeadlessSecretProvider provider;
    QString error;
    QVERIFY2(provider.loadFile(path, &error), qPrintable(error));

    EndpointConfig broker;
    broker.id = QStringLiteral("broker");
    broker.username = QStringLiteral("bob");
    Answer<SecretAnswer> answer;
    provider.loadSecrets(broker, answer.callback());
    QVERIFY2(!answer.has(), "the answer comes later, as from a keyring");
    QTRY_VERIFY(answer.has());
    QVERIFY2(answer->ok(), qPrintable(answer->error));
    QCOMPARE(answer->config.password, QStringLiteral("p=ss word ")); // all after the first '='
    QCOMPARE(answer->config.username, QStringLiteral("bob"));

    EndpointConfig dtls;
    dtls.id = QStringLiteral("dtls");
    dtls.pskIdentity = QStringLiteral("client");
    Answer<SecretAnswer> psk;
    provider.loadSecrets(dtls, psk.callback());
    QTRY_VERIFY(psk.has());
    QVERIFY2(psk->ok(), qPrintable(psk->error));
    QCOMPARE(psk->config.pskKey, QByteArray("secretPSK"));

    // A secret the config already holds is kept.
    broker.password = QStringLiteral("given");
    Answer<SecretAnswer> given;
    provider.loadSecrets(broker, given.callback());
    QTRY_VERIFY(given.has());
    QCOMPARE(given->config.password, QStringLiteral("given"));
}

void TestEngine::secretsFromEnvironmentWinOverTheFile()
{
    QCOMPARE(HeadlessSecretProvider::environmentVariable(QStringLiteral("home-broker.1"), QStringLiteral("password")),
             QStringLiteral("THINGSCAPE_SECRET_HOME_BROKER_1_PASSWORD"));
    QCOMPARE(HeadlessSecretProvider::environmentVariable(QStringLiteral("dtls"), QStringLiteral("pskKey")),
             QStringLiteral("THINGSCAPE_SECRET_DTLS_PSKKEY"));

    HeadlessSecretProvider provider;
    provider.setSecret(QStringLiteral("home-broker.1"), QStringLiteral("password"), QStringLiteral("from-file"));
    qputenv("THINGSCAPE_SECRET_HOME_BROKER_1_PASSWORD", "from-env");
    EndpointConfig config;
    config.id = QStringLiteral("home-broker.1");
    config.username = QStringLiteral("bob");
    Answer<SecretAnswer> answer;
    provider.loadSecrets(config, answer.callback());
    QTRY_VERIFY(answer.has());
    qunsetenv("THINGSCAPE_SECRET_HOME_BROKER_1_PASSWORD");
    QVERIFY2(answer->ok(), qPrintable(answer->error));
    QCOMPARE(answer->config.password, QStringLiteral("from-env"));

    Answer<SecretAnswer> withoutEnv;
    provider.loadSecrets(config, withoutEnv.callback());
    QTRY_VERIFY(withoutEnv.has());
    QCOMPARE(withoutEnv->config.password, QStringLiteral("from-file"));
}

void TestEngine::malformedSecretsFileNamesTheLine()
{
    const QString path = m_dir.filePath(QStringLiteral("bad-secrets"));
    QVERIFY(writeFile(path, "broker/password=ok\nbroker/passwd=typo\n"));
    HeadlessSecretProvider provider;
    QString error;
    QVERIFY(!provider.loadFile(path, &error));
    QVERIFY2(error.contains(QStringLiteral("bad-secrets")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("line 2")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("passwd")), qPrintable(error));

    QVERIFY(writeFile(path, "no equals sign here\n"));
    QVERIFY(!provider.loadFile(path, &error));
    QVERIFY2(error.contains(QStringLiteral("line 1")), qPrintable(error));

    QVERIFY(!provider.loadFile(m_dir.filePath(QStringLiteral("absent")), &error));
    QVERIFY2(error.contains(QStringLiteral("absent")), qPrintable(error));
}

void TestEngine::missingSecretNamesEndpointAndField()
{
    HeadlessSecretProvider provider;
    EndpointConfig config;
    config.id = QStringLiteral("plant-broker");
    config.name = QStringLiteral("Plant broker");
    config.url = rid(QStringLiteral("mqtts://127.0.0.1:8883"));
    config.username = QStringLiteral("bob");
    config.pskIdentity = QStringLiteral("client");
    Answer<SecretAnswer> answer;
    provider.loadSecrets(config, answer.callback());
    QTRY_VERIFY(answer.has());
    QCOMPARE(answer->outcome, SecretAnswer::Outcome::Missing);
    const QString error = answer->error;
    QVERIFY2(error.contains(QStringLiteral("Plant broker")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("plant-broker")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("'password'")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("'pskKey'")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("THINGSCAPE_SECRET_PLANT_BROKER_PASSWORD")), qPrintable(error));
}

void TestEngine::engineConnectsWithHeadlessSecrets()
{
    REQUIRE_PROGRAM("mosquitto_passwd");
    testsupport::Mosquitto broker;
    const quint16 port = testsupport::freeTcpPort();
    QVERIFY(broker.startWithPassword(port, QStringLiteral("bob"), QStringLiteral("hunter2")));

    Workspace workspace;
    EndpointConfig config;
    config.id = QStringLiteral("locked");
    config.name = QStringLiteral("Locked broker");
    config.url = rid(QStringLiteral("mqtt://127.0.0.1:%1").arg(port));
    config.username = QStringLiteral("bob");
    workspace.setEndpoints({config});

    // No secret anywhere: the engine does not connect and says what is missing.
    HeadlessSecretProvider provider;
    Engine engine;
    engine.setSecretProvider(&provider);
    QSignalSpy failed(&engine, &Engine::connectFailed);
    QSignalSpy changed(&engine, &Engine::changed);
    engine.apply(workspace);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 10000);
    QCOMPARE(failed.first().at(0).toString(), QStringLiteral("locked"));
    const QString error = failed.first().at(1).toString();
    QVERIFY2(error.contains(QStringLiteral("Locked broker")) && error.contains(QStringLiteral("'password'")),
             qPrintable(error));
    QCOMPARE(engine.endpoints()->status(QStringLiteral("locked")).state, ConnectorState::Disconnected);

    // From the environment: it connects, and the secret never reaches the saved file.
    qputenv("THINGSCAPE_SECRET_LOCKED_PASSWORD", "hunter2");
    const int changesBefore = int(changed.count());
    engine.connectEndpoint(QStringLiteral("locked"));
    QTRY_COMPARE_WITH_TIMEOUT(engine.endpoints()->connectedCount(), 1, 15000);
    qunsetenv("THINGSCAPE_SECRET_LOCKED_PASSWORD");
    QCOMPARE(changed.count(), changesBefore); // filling in secrets is no change to the workspace
    const QString saved = m_dir.filePath(QStringLiteral("locked.thingscape"));
    QVERIFY(engine.save(saved));
    QFile file(saved);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(!file.readAll().contains("hunter2"));

    // A wrong password from a secrets file reaches the broker and fails there, by name.
    const QString secrets = m_dir.filePath(QStringLiteral("locked-secrets"));
    QVERIFY(writeFile(secrets, "locked/password=wrong\n"));
    HeadlessSecretProvider fromFile;
    QVERIFY(fromFile.loadFile(secrets));
    Engine other;
    other.setSecretProvider(&fromFile);
    other.apply(workspace);
    QTRY_COMPARE_WITH_TIMEOUT(other.endpoints()->status(QStringLiteral("locked")).state, ConnectorState::Error, 15000);
    QCOMPARE(other.endpoints()->endpoint(QStringLiteral("locked")).password, QStringLiteral("wrong"));
}

QTEST_GUILESS_MAIN(TestEngine)

#include "tst_engine.moc"
