// The recorder with real peers and real databases: the simulated site recorded and exported in
// every format against what mosquitto_sub saw, a replay into a second mosquitto, retention, a
// recording process killed with SIGKILL, corrupt and foreign files; SQLite and a private
// PostgreSQL (started here with initdb + pg_ctl on a free port).

#include "model/recording/recordingconfig.h"
#include "model/recording/recordingdatabase.h"
#include "model/recording/recordingexport.h"
#include "model/resourcestore.h"
#include "protocols/endpointmanager.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/recorder.h"
#include "protocols/engine/secretprovider.h"
#include "simulator.h"
#include "testsupport.h"

#include <QBuffer>
#include <QCborArray>
#include <QCborMap>
#include <QCborValue>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QUrl>
#include <QTemporaryDir>
#include <QScopeGuard>
#include <QTest>

#include <limits>
#include <tuple>

#include <signal.h>

using namespace thingscape;

namespace {

using Seen = QPair<QString, QByteArray>; // topic, payload

// What a `mosquitto_sub -F '%t\t%x'` printed: topic and hex payload per line.
QList<Seen> parseSubscriber(const QByteArray &output)
{
    QList<Seen> messages;
    for (const QByteArray &line : output.split('\n')) {
        if (line.startsWith("Client ") || line.startsWith("Subscribed (") || line.isEmpty())
            continue;
        const qsizetype tab = line.indexOf('\t');
        if (tab < 0)
            continue;
        messages.append({QString::fromUtf8(line.left(tab)), QByteArray::fromHex(line.mid(tab + 1))});
    }
    return messages;
}

QString topicOf(const QString &uri)
{
    const auto id = ResourceId::parse(uri);
    return id ? id->topic() : QString();
}

// Every exported message was seen by the subscriber, in the order it saw them per topic.
bool isSubsequencePerTopic(const QList<Seen> &recorded, const QList<Seen> &seen, QString *why)
{
    QHash<QString, QList<QByteArray>> seenByTopic;
    for (const Seen &m : seen)
        seenByTopic[m.first].append(m.second);
    QHash<QString, qsizetype> position;
    for (const Seen &m : recorded) {
        const QList<QByteArray> &list = seenByTopic.value(m.first);
        qsizetype &at = position[m.first];
        while (at < list.size() && list.at(at) != m.second)
            ++at;
        if (at >= list.size()) {
            *why = QStringLiteral("%1 = %2 not seen by mosquitto_sub (or out of order)").arg(m.first, QString::fromUtf8(m.second.toHex()));
            return false;
        }
        ++at;
    }
    return true;
}

QList<Seen> parseCsv(const QByteArray &data, qsizetype *rows)
{
    QList<Seen> messages;
    // A small RFC 4180 reader: quoted fields may hold commas, quotes and line breaks.
    QList<QByteArray> fields;
    QByteArray field;
    bool quoted = false;
    bool header = true;
    for (qsizetype i = 0; i < data.size(); ++i) {
        const char c = data.at(i);
        if (quoted) {
            if (c == '"' && i + 1 < data.size() && data.at(i + 1) == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.append(field);
            field.clear();
        } else if (c == '\n') {
            fields.append(field);
            field.clear();
            if (!header && fields.size() == 8) {
                const QByteArray payload = fields.at(6) == "base64" ? QByteArray::fromBase64(fields.at(7)) : fields.at(7);
                messages.append({topicOf(QString::fromUtf8(fields.at(1))), payload});
            }
            header = false;
            fields.clear();
        } else {
            field += c;
        }
    }
    *rows = messages.size();
    return messages;
}

} // namespace

class TestRecorder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void recordSimulatorAndExport_data();
    void recordSimulatorAndExport();
    void replayIntoSecondBroker_data();
    void replayIntoSecondBroker();
    void retentionRemovesOldest_data();
    void retentionRemovesOldest();
    void killedRecordingLosesAtMostTheLastBatch();
    void corruptAndForeignFilesRefused();
    void includeFiltersChooseWhatIsRecorded();
    void fullDiskPausesRecordingNotTheEngine();
    void schemaTwoIsMigratedKeepingItsTimes();
    void mqttMetadataIsRecordedAndUpdated_data();
    void mqttMetadataIsRecordedAndUpdated();
    void coapDiscoveryMetadataIsRecorded_data();
    void coapDiscoveryMetadataIsRecorded();
    void exportsAreInTimeOrderAcrossResources_data();
    void exportsAreInTimeOrderAcrossResources();

private:
    void addBackends();
    // A new empty database of the backend: a SQLite path or a PostgreSQL URL.
    QString newDatabase(const QString &backend);
    bool startPostgres(QString *why);
    std::unique_ptr<Engine> recordingEngine(const QString &brokerUrl, const QString &filter, const QString &database,
                                            QString *error, const QStringList &include = {});
    // The same with any endpoint (its workspace JSON).
    std::unique_ptr<Engine> recordingEngineFor(const QJsonObject &endpoint, const QString &database, QString *error,
                                               const QStringList &include = {});
    // The resources table's metadata column of uri, straight from the database: the JSON
    // object, or a string saying why there is none ("no row", "NULL", an error).
    QJsonValue metadataColumn(const QString &database, const QString &uri);
    // How many rows the resources table has for uri.
    int resourceRows(const QString &database, const QString &uri);
    // A query on a fresh connection to the database (SQLite path or PostgreSQL URL).
    QList<QVariantList> select(const QString &database, const QString &sql, const QVariantList &values, QString *error);
    QString thingscape() const;

    QTemporaryDir m_dir;
    testsupport::Mosquitto m_broker;
    testsupport::Mosquitto m_broker2;
    // The private PostgreSQL.
    QTemporaryDir m_pgDir{QStringLiteral("/tmp/tst_recorder_pg-XXXXXX")};
    QString m_pgBin;
    quint16 m_pgPort = 0;
    bool m_pgRunning = false;
    QString m_pgSkip;
    int m_databases = 0;
};

QString TestRecorder::thingscape() const
{
    return qEnvironmentVariable("THINGSCAPE_BINARY_DIR") + QStringLiteral("/app/thingscape");
}

// Runs a PostgreSQL tool; as an unprivileged user when we are root (the server refuses root).
static int runPg(const QString &program, const QStringList &args, QString *output)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    if (::geteuid() == 0)
        process.start(QStringLiteral("runuser"), QStringList{QStringLiteral("-u"), QStringLiteral("nobody"), QStringLiteral("--"), program} + args);
    else
        process.start(program, args);
    if (!process.waitForStarted(10000) || !process.waitForFinished(120000)) {
        *output = QStringLiteral("%1 did not run: %2").arg(program, process.errorString());
        return -1;
    }
    *output = QString::fromLocal8Bit(process.readAll());
    return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
}

bool TestRecorder::startPostgres(QString *why)
{
    m_pgBin = QStringLiteral("/usr/lib/postgresql/15/bin");
    if (!QFile::exists(m_pgBin + QStringLiteral("/initdb")) || !QFile::exists(m_pgBin + QStringLiteral("/pg_ctl"))) {
        *why = QStringLiteral("PostgreSQL 15 is not installed (%1/initdb, pg_ctl; Debian package postgresql-15)").arg(m_pgBin);
        return false;
    }
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL"))) {
        *why = QStringLiteral("the Qt SQL driver QPSQL is not installed (Debian package libqt6sql6-psql)");
        return false;
    }
    if (::geteuid() == 0) {
        QProcess::execute(QStringLiteral("chown"), {QStringLiteral("nobody"), m_pgDir.path()});
    }
    const QString data = m_pgDir.path() + QStringLiteral("/data");
    QString output;
    if (runPg(m_pgBin + QStringLiteral("/initdb"), {QStringLiteral("-D"), data, QStringLiteral("-U"), QStringLiteral("thingscape"),
                                                   QStringLiteral("--auth=trust"), QStringLiteral("-E"), QStringLiteral("UTF8")},
              &output)
        != 0) {
        *why = QStringLiteral("initdb failed: ") + output;
        return false;
    }
    m_pgPort = testsupport::freeTcpPort();
    const QString options = QStringLiteral("-p %1 -k %2 -c listen_addresses=127.0.0.1 -c fsync=off").arg(m_pgPort).arg(m_pgDir.path());
    if (runPg(m_pgBin + QStringLiteral("/pg_ctl"), {QStringLiteral("-D"), data, QStringLiteral("-o"), options, QStringLiteral("-l"),
                                                   m_pgDir.path() + QStringLiteral("/log"), QStringLiteral("-w"), QStringLiteral("-t"),
                                                   QStringLiteral("60"), QStringLiteral("start")},
              &output)
        != 0) {
        QFile log(m_pgDir.path() + QStringLiteral("/log"));
        log.open(QIODevice::ReadOnly);
        *why = QStringLiteral("pg_ctl start failed: ") + output + QString::fromLocal8Bit(log.readAll());
        return false;
    }
    m_pgRunning = true;
    return true;
}

void TestRecorder::initTestCase()
{
    QVERIFY(m_dir.isValid());
    REQUIRE_BINARY(mosquitto, "mosquitto", "mosquitto");
    REQUIRE_BINARY(sub, "mosquitto_sub", "mosquitto-clients");
    QVERIFY(m_broker.start());
    QVERIFY(m_broker2.start());
    QString why;
    if (!startPostgres(&why)) {
        // Under CI every peer must be there: a broken install must not turn the suite green.
        if (testsupport::inCi() && !why.contains(QLatin1String("not installed")))
            QFAIL(qPrintable(why));
        m_pgSkip = why;
    }
}

void TestRecorder::cleanupTestCase()
{
    if (m_pgRunning) {
        QString output;
        runPg(m_pgBin + QStringLiteral("/pg_ctl"), {QStringLiteral("-D"), m_pgDir.path() + QStringLiteral("/data"), QStringLiteral("-m"),
                                                   QStringLiteral("immediate"), QStringLiteral("stop")},
              &output);
    }
}

void TestRecorder::addBackends()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgresql") << QStringLiteral("postgresql");
}

QString TestRecorder::newDatabase(const QString &backend)
{
    const int n = ++m_databases;
    if (backend == QLatin1String("sqlite"))
        return m_dir.filePath(QStringLiteral("rec%1.sqlite").arg(n));
    const QString name = QStringLiteral("rec%1").arg(n);
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("admin"));
        db.setHostName(QStringLiteral("127.0.0.1"));
        db.setPort(m_pgPort);
        db.setUserName(QStringLiteral("thingscape"));
        db.setDatabaseName(QStringLiteral("postgres"));
        if (!db.open())
            qWarning() << "cannot reach the private PostgreSQL:" << db.lastError().text();
        QSqlQuery query(db);
        if (!query.exec(QStringLiteral("CREATE DATABASE %1").arg(name)))
            qWarning() << "CREATE DATABASE failed:" << query.lastError().text();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("admin"));
    return QStringLiteral("postgresql://thingscape@127.0.0.1:%1/%2").arg(m_pgPort).arg(name);
}

std::unique_ptr<Engine> TestRecorder::recordingEngine(const QString &brokerUrl, const QString &filter, const QString &database,
                                                      QString *error, const QStringList &include)
{
    return recordingEngineFor(QJsonObject{{QStringLiteral("id"), QStringLiteral("broker")},
                                          {QStringLiteral("url"), brokerUrl},
                                          {QStringLiteral("filters"), QJsonArray{filter}}},
                              database, error, include);
}

std::unique_ptr<Engine> TestRecorder::recordingEngineFor(const QJsonObject &endpoint, const QString &database, QString *error,
                                                         const QStringList &include)
{
    auto engine = std::make_unique<Engine>();
    const QString path = m_dir.filePath(QStringLiteral("ws%1.json").arg(++m_databases));
    QFile file(path);
    file.open(QIODevice::WriteOnly);
    file.write(QJsonDocument(QJsonObject{
                                 {QStringLiteral("thingscape"), 1},
                                 {QStringLiteral("endpoints"), QJsonArray{endpoint}},
                             })
                   .toJson());
    file.close();
    if (!engine->load(path, error))
        return nullptr;
    RecordingConfig config;
    config.enabled = true;
    config.database = database;
    config.include = include;
    config.batchMs = 100;
    if (!engine->startRecording(config, error))
        return nullptr;
    return engine;
}

void TestRecorder::recordSimulatorAndExport_data()
{
    addBackends();
}

void TestRecorder::recordSimulatorAndExport()
{
    QFETCH(QString, backend);
    if (backend == QLatin1String("postgresql") && !m_pgSkip.isEmpty())
        QSKIP(qPrintable(m_pgSkip));
    testsupport::Simulator sim;
    QVERIFY(sim.start({QStringLiteral("--no-coap"), QStringLiteral("--no-http")}));
    const auto simUrl = ResourceId::parse(sim.mqtt);
    QVERIFY(simUrl);

    // Given mosquitto_sub on the site's broker, started first: it sees everything we record.
    QProcess sub;
    testsupport::dieWithParent(&sub);
    QVERIFY(testsupport::startSubscriber(&sub, simUrl->port(), {QStringLiteral("-t"), QStringLiteral("#"), QStringLiteral("-F"), QStringLiteral("%t\t%x")}));
    const QString database = newDatabase(backend);
    QString error;
    std::unique_ptr<Engine> engine = recordingEngine(simUrl->endpointUri(), QStringLiteral("#"), database, &error);
    QVERIFY2(engine, qPrintable(error));
    Recorder *recorder = engine->recorder();

    // When the site is recorded for a while
    QTRY_COMPARE_WITH_TIMEOUT(recorder->state(), Recorder::State::Recording, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(recorder->stats().written >= 40, 120000);
    engine->stopRecording();
    QCOMPARE(recorder->state(), Recorder::State::Off);
    QVERIFY(recorder->error().isEmpty());
    sub.terminate();
    QVERIFY(sub.waitForFinished(10000));
    const QList<Seen> seen = parseSubscriber(sub.readAllStandardOutput());
    QVERIFY(seen.size() >= 40);

    // Then every format holds every recorded row, each one as mosquitto_sub saw it
    RecordingDatabase db;
    QVERIFY2(db.open(database, {}, false, &error), qPrintable(error));
    const qint64 rows = db.rowCount();
    QVERIFY(rows >= 40);
    QCOMPARE(quint64(rows), recorder->stats().written);
    QCOMPARE(recorder->stats().dropped, 0u);

    auto exportAs = [&](RecordingExportFormat format) {
        QBuffer buffer;
        buffer.open(QIODevice::WriteOnly);
        RecordingExportOptions options;
        options.format = format;
        qint64 lastDone = -1;
        const std::optional<qint64> written = RecordingExport::run(db, options, &buffer, [&](qint64 done, qint64 total) {
            lastDone = done;
            return done <= total;
        }, &error);
        if (!written)
            qWarning() << error;
        [&] { QCOMPARE(lastDone, rows); }();
        return written ? buffer.data() : QByteArray();
    };

    qsizetype csvRows = 0;
    const QList<Seen> csv = parseCsv(exportAs(RecordingExportFormat::Csv), &csvRows);
    QCOMPARE(csvRows, rows);
    QVERIFY2(isSubsequencePerTopic(csv, seen, &error), qPrintable(error));

    QList<Seen> jsonl;
    for (const QByteArray &line : exportAs(RecordingExportFormat::JsonLines).split('\n')) {
        if (line.isEmpty())
            continue;
        const QJsonObject object = QJsonDocument::fromJson(line).object();
        QVERIFY(object.contains(QStringLiteral("time")));
        const QByteArray payload = object.contains(QStringLiteral("payload"))
            ? object.value(QStringLiteral("payload")).toString().toUtf8()
            : QByteArray::fromBase64(object.value(QStringLiteral("payloadBase64")).toString().toLatin1());
        jsonl.append({topicOf(object.value(QStringLiteral("resource")).toString()), payload});
    }
    QCOMPARE(jsonl, csv);

    // SenML: a number where one was decoded, else the text or the bytes.
    auto senmlMatches = [&](const QString &name, const QCborValue &v, const QCborValue &vs, const QCborValue &vd, const QCborValue &vb,
                            qsizetype i) {
        const Seen &m = csv.at(i);
        if (topicOf(name) != m.first)
            return false;
        if (!vb.isUndefined())
            return m.second.trimmed() == (vb.toBool() ? "true" : "false");
        if (!v.isUndefined())
            return qFuzzyCompare(v.toDouble(), QCborValue::fromJsonValue(QJsonDocument::fromJson("[" + m.second + "]").array().at(0)).toDouble())
                || m.second.trimmed().toDouble() == v.toDouble();
        if (!vs.isUndefined())
            return vs.toString().toUtf8() == m.second;
        return vd.toByteArray() == m.second;
    };
    const QJsonArray senml = QJsonDocument::fromJson(exportAs(RecordingExportFormat::SenmlJson)).array();
    QCOMPARE(senml.size(), rows);
    for (qsizetype i = 0; i < senml.size(); ++i) {
        const QJsonObject record = senml.at(i).toObject();
        QVERIFY(record.value(QStringLiteral("t")).toDouble() > 1e9);
        const QCborValue vd = record.contains(QStringLiteral("vd"))
            ? QCborValue(QByteArray::fromBase64(record.value(QStringLiteral("vd")).toString().toLatin1(), QByteArray::Base64UrlEncoding))
            : QCborValue();
        QVERIFY2(senmlMatches(record.value(QStringLiteral("n")).toString(), QCborValue::fromJsonValue(record.value(QStringLiteral("v"))),
                              QCborValue::fromJsonValue(record.value(QStringLiteral("vs"))), vd,
                              QCborValue::fromJsonValue(record.value(QStringLiteral("vb"))), i),
                 qPrintable(QStringLiteral("%1: %2 for %3").arg(i).arg(QString::fromUtf8(QJsonDocument(record).toJson(QJsonDocument::Compact)),
                                                                   QString::fromUtf8(csv.at(i).second))));
    }
    QCborParserError cborError;
    const QCborArray cbor = QCborValue::fromCbor(exportAs(RecordingExportFormat::SenmlCbor), &cborError).toArray();
    QCOMPARE(cborError.error, QCborError::NoError);
    QCOMPARE(cbor.size(), rows);
    for (qsizetype i = 0; i < cbor.size(); ++i) {
        const QCborMap record = cbor.at(i).toMap();
        QVERIFY(record.value(6).toDouble() > 1e9);
        QVERIFY2(senmlMatches(record.value(0).toString(), record.value(2), record.value(3), record.value(8), record.value(4), i), qPrintable(QString::number(i)));
    }

    // And a time range of one resource is what the headless verb exports too.
    if (backend == QLatin1String("sqlite")) {
        const QString uri = ResourceId::fromTopic(*simUrl, csv.first().first).toString();
        QProcess verb;
        verb.start(thingscape(), {QStringLiteral("export"), database, QStringLiteral("--resource"), uri, QStringLiteral("--format"),
                                  QStringLiteral("jsonl"), QStringLiteral("--from"), QStringLiteral("-1d"), QStringLiteral("--to"), QStringLiteral("now")});
        QVERIFY(verb.waitForFinished(60000));
        QCOMPARE(verb.exitCode(), 0);
        const QList<QByteArray> lines = verb.readAllStandardOutput().trimmed().split('\n');
        qsizetype expected = 0;
        for (const Seen &m : csv)
            expected += m.first == csv.first().first ? 1 : 0;
        QCOMPARE(lines.size(), expected);
        for (const QByteArray &line : lines)
            QCOMPARE(QJsonDocument::fromJson(line).object().value(QStringLiteral("resource")).toString(), uri);
    }
}

void TestRecorder::replayIntoSecondBroker_data()
{
    addBackends();
}

void TestRecorder::replayIntoSecondBroker()
{
    QFETCH(QString, backend);
    if (backend == QLatin1String("postgresql") && !m_pgSkip.isEmpty())
        QSKIP(qPrintable(m_pgSkip));
    // Given a recording of text, numbers and binary payloads from the first broker
    const QString database = newDatabase(backend);
    QString error;
    const QString prefix = QStringLiteral("replay%1").arg(m_databases);
    std::unique_ptr<Engine> engine = recordingEngine(QStringLiteral("mqtt://127.0.0.1:%1").arg(m_broker.port()), prefix + QStringLiteral("/#"), database, &error);
    QVERIFY2(engine, qPrintable(error));
    Recorder *recorder = engine->recorder();
    QTRY_COMPARE_WITH_TIMEOUT(recorder->state(), Recorder::State::Recording, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(engine->endpoints()->connectedCount() == 1, 30000);
    QList<Seen> published;
    for (int i = 0; i < 30; ++i) {
        const QString topic = QStringLiteral("%1/dev%2/%3").arg(prefix).arg(i % 3).arg(i % 2 ? QStringLiteral("temp") : QStringLiteral("blob"));
        QByteArray payload = i % 2 ? QByteArray::number(20 + i * 0.25) : QByteArray("\x00\x01\xff bin ", 8) + QByteArray::number(i);
        QFile file(m_dir.filePath(QStringLiteral("payload")));
        file.open(QIODevice::WriteOnly);
        file.write(payload);
        file.close();
        QCOMPARE(QProcess::execute(QStringLiteral("mosquitto_pub"), {QStringLiteral("-p"), QString::number(m_broker.port()), QStringLiteral("-q"),
                                                                   QStringLiteral("1"), QStringLiteral("-t"), topic, QStringLiteral("-f"), file.fileName()}),
                 0);
        published.append({topic, payload});
    }
    QTRY_VERIFY_WITH_TIMEOUT(recorder->stats().written >= 30, 60000);
    engine->stopRecording();
    engine.reset();

    // When it is replayed as fast as possible under a prefix into a second broker
    QProcess sub;
    testsupport::dieWithParent(&sub);
    QVERIFY(testsupport::startSubscriber(&sub, m_broker2.port(),
                                         {QStringLiteral("-t"), QStringLiteral("copy/#"), QStringLiteral("-F"), QStringLiteral("%t\t%x"),
                                          QStringLiteral("-C"), QString::number(published.size())}));
    QProcess replay;
    replay.start(thingscape(), {QStringLiteral("replay"), database, QStringLiteral("--to"), QStringLiteral("mqtt://127.0.0.1:%1").arg(m_broker2.port()),
                                QStringLiteral("--prefix"), QStringLiteral("copy"), QStringLiteral("--speed"), QStringLiteral("max")});
    QVERIFY(replay.waitForFinished(60000));
    QVERIFY2(replay.exitCode() == 0, replay.readAllStandardError().constData());
    QVERIFY(sub.waitForFinished(30000));

    // Then the second broker got the same topics (under the prefix) and payloads, in order
    const QList<Seen> got = parseSubscriber(sub.readAllStandardOutput());
    QCOMPARE(got.size(), published.size());
    for (qsizetype i = 0; i < got.size(); ++i) {
        QCOMPARE(got.at(i).first, QStringLiteral("copy/") + published.at(i).first);
        QCOMPARE(got.at(i).second, published.at(i).second);
    }

    // And a replay at the recorded pace with the original topics sends them all as well.
    QProcess sub2;
    testsupport::dieWithParent(&sub2);
    QVERIFY(testsupport::startSubscriber(&sub2, m_broker2.port(),
                                         {QStringLiteral("-t"), prefix + QStringLiteral("/#"), QStringLiteral("-F"), QStringLiteral("%t\t%x"),
                                          QStringLiteral("-C"), QString::number(published.size())}));
    replay.start(thingscape(), {QStringLiteral("replay"), database, QStringLiteral("--to"), QStringLiteral("mqtt://127.0.0.1:%1").arg(m_broker2.port()),
                                QStringLiteral("--speed"), QStringLiteral("1")});
    QVERIFY(replay.waitForFinished(60000));
    QCOMPARE(replay.exitCode(), 0);
    QVERIFY(sub2.waitForFinished(30000));
    QCOMPARE(parseSubscriber(sub2.readAllStandardOutput()), published);
}

void TestRecorder::retentionRemovesOldest_data()
{
    addBackends();
}

void TestRecorder::retentionRemovesOldest()
{
    QFETCH(QString, backend);
    if (backend == QLatin1String("postgresql") && !m_pgSkip.isEmpty())
        QSKIP(qPrintable(m_pgSkip));
    const QString database = newDatabase(backend);
    QString error;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    // Given 100 messages three days old and 50 an hour old
    {
        RecordingDatabase db;
        QVERIFY2(db.open(database, {}, true, &error), qPrintable(error));
        QList<RecordedMessage> batch;
        for (int i = 0; i < 150; ++i) {
            RecordedMessage m;
            m.timeMs = i < 100 ? now - 3 * 86400000LL + i : now - 3600000 + i;
            m.uri = QStringLiteral("mqtt://127.0.0.1:1883/old/%1").arg(i % 5);
            m.cause = Cause::endpoint(QStringLiteral("b"));
            m.raw = QByteArray::number(i);
            m.number = i;
            batch.append(m);
        }
        QVERIFY2(db.write(batch, &error), qPrintable(error));
        QCOMPARE(db.rowCount(), 150);
    }
    // When a recorder keeping 1 day starts on it
    std::unique_ptr<Engine> engine = std::make_unique<Engine>();
    RecordingConfig config;
    config.enabled = true;
    config.database = database;
    config.maxAgeDays = 1;
    QVERIFY(engine->startRecording(config, &error));
    QTRY_COMPARE_WITH_TIMEOUT(engine->recorder()->state(), Recorder::State::Recording, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(engine->recorder()->stats().retained, 100, 30000);
    engine.reset();
    // Then the old ones are gone and the recent ones are all there
    RecordingDatabase db;
    QVERIFY2(db.open(database, {}, false, &error), qPrintable(error));
    QCOMPARE(db.rowCount(), 50);
    const auto recent = db.messages(QStringLiteral("mqtt://127.0.0.1:1883/old/0"), 0, now, -1, &error);
    QVERIFY(recent);
    QCOMPARE(recent->size(), 10);
    for (const RecordedMessage &m : *recent)
        QVERIFY(m.timeMs >= now - 3600000);

    // When 2000 messages of 1000 bytes meet a 500 kB limit
    QList<RecordedMessage> big;
    for (int i = 0; i < 2000; ++i) {
        RecordedMessage m;
        m.timeMs = now + i;
        m.uri = QStringLiteral("mqtt://127.0.0.1:1883/big");
        m.raw = QByteArray(1000, char('a' + i % 26));
        big.append(m);
    }
    QVERIFY2(db.write(big, &error), qPrintable(error));
    const qint64 before = db.rowCount();
    const std::optional<qint64> deleted = db.enforceRetention(0, 500000, &error);
    QVERIFY2(deleted, qPrintable(error));
    // Then the oldest go first and the newest stay
    QVERIFY(*deleted > 0);
    QCOMPARE(db.rowCount(), before - *deleted);
    const auto newest = db.messages(QStringLiteral("mqtt://127.0.0.1:1883/big"), now + 1999, now + 1999, -1, &error);
    QVERIFY(newest && newest->size() == 1);
    QCOMPARE(db.messages(QStringLiteral("mqtt://127.0.0.1:1883/old/0"), 0, now, -1, &error)->size(), 0);
    if (backend == QLatin1String("sqlite"))
        QVERIFY2(db.usedBytes() <= 500000, qPrintable(QString::number(db.usedBytes())));
}

void TestRecorder::killedRecordingLosesAtMostTheLastBatch()
{
    // Given `thingscape run --record` recording a numbered sequence
    const QString prefix = QStringLiteral("killed%1").arg(QDateTime::currentMSecsSinceEpoch());
    const QString workspace = m_dir.filePath(QStringLiteral("killed.json"));
    QFile file(workspace);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QStringLiteral(R"({"thingscape": 1, "endpoints": [{"id": "broker", "url": "mqtt://127.0.0.1:%1", "filters": ["%2/#"]}]})")
                   .arg(m_broker.port())
                   .arg(prefix)
                   .toUtf8());
    file.close();
    const QString database = m_dir.filePath(QStringLiteral("killed.sqlite"));
    QProcess run;
    testsupport::dieWithParent(&run);
    run.start(thingscape(), {QStringLiteral("run"), workspace, QStringLiteral("--record"), database});
    QVERIFY(run.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(database), 30000);
    QProcess pub;
    testsupport::dieWithParent(&pub);
    // One publisher, one message per line, until it is stopped.
    pub.start(QStringLiteral("mosquitto_pub"), {QStringLiteral("-p"), QString::number(m_broker.port()), QStringLiteral("-q"), QStringLiteral("1"),
                                               QStringLiteral("-t"), prefix + QStringLiteral("/seq"), QStringLiteral("-l")});
    QVERIFY(pub.waitForStarted());
    int sent = 0;
    RecordingDatabase reader;
    QString error;
    qint64 rows = 0;
    // Rows show up batch by batch while the process runs.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (int i = 0; i < 50; ++i)
                pub.write(QByteArray::number(++sent) + '\n');
            if (!reader.isOpen() && !reader.open(database, {}, false, &error))
                return false;
            rows = reader.rowCount();
            reader.close();
            return rows >= 500;
        }(),
        60000);
    // When it is killed with SIGKILL mid-stream
    ::kill(pid_t(run.processId()), SIGKILL);
    QVERIFY(run.waitForFinished(10000));
    pub.closeWriteChannel();
    pub.waitForFinished(10000);

    // Then the database opens at once, intact, with a gapless prefix of the sequence
    RecordingDatabase db;
    QVERIFY2(db.open(database, {}, false, &error), qPrintable(error));
    const QString uri = QStringLiteral("mqtt://127.0.0.1:%1/%2/seq").arg(m_broker.port()).arg(prefix);
    const auto messages = db.messages(uri, 0, std::numeric_limits<qint64>::max(), -1, &error);
    QVERIFY2(messages, qPrintable(error));
    QVERIFY(messages->size() >= rows);
    for (qsizetype i = 0; i < messages->size(); ++i)
        QCOMPARE(messages->at(i).raw, QByteArray::number(i + 1));
    db.close();
    {
        QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("integrity"));
        raw.setDatabaseName(database);
        QVERIFY(raw.open());
        QSqlQuery query(raw);
        QVERIFY(query.exec(QStringLiteral("PRAGMA integrity_check")) && query.next());
        QCOMPARE(query.value(0).toString(), QStringLiteral("ok"));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("integrity"));
}

void TestRecorder::corruptAndForeignFilesRefused()
{
    QString error;
    // A file that is no database
    const QString garbage = m_dir.filePath(QStringLiteral("garbage.sqlite"));
    QByteArray bytes(8192, 'x');
    bytes.replace(0, 16, "SQLite format 3\0");
    bytes[100] = '\x07';
    QFile file(garbage);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray("not a database at all ") + bytes);
    file.close();
    const QByteArray before = [&] { QFile f(garbage); f.open(QIODevice::ReadOnly); return f.readAll(); }();
    {
        RecordingDatabase db;
        QVERIFY(!db.open(garbage, {}, true, &error));
        QVERIFY2(error.contains(QLatin1String("garbage.sqlite")) && error.contains(QLatin1String("not a SQLite database")), qPrintable(error));
    }
    // A SQLite database of something else
    const QString foreign = m_dir.filePath(QStringLiteral("foreign.sqlite"));
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("foreign"));
        db.setDatabaseName(foreign);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("CREATE TABLE invoices (id INTEGER, total REAL)")));
        QVERIFY(query.exec(QStringLiteral("INSERT INTO invoices VALUES (1, 9.5)")));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("foreign"));
    {
        RecordingDatabase db;
        QVERIFY(!db.open(foreign, {}, true, &error));
        QVERIFY2(error.contains(QLatin1String("not a Thingscape recording")) && error.contains(QLatin1String("invoices")), qPrintable(error));
    }
    // The engine refuses it with a message, records nothing, and goes on working.
    Engine engine;
    QSignalSpy errors(engine.recorder(), &Recorder::errorOccurred);
    RecordingConfig config;
    config.enabled = true;
    config.database = garbage;
    QVERIFY(engine.startRecording(config, &error));
    QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, 30000);
    QCOMPARE(engine.recorder()->state(), Recorder::State::Off);
    QVERIFY(errors.at(0).at(0).toString().contains(QLatin1String("garbage.sqlite")));
    UpdateBatch updates;
    Update update;
    update.id = *ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:1883/still/works"));
    Value value;
    value.raw = "1";
    value.timeMs = 1;
    update.value = value;
    updates.append(update);
    engine.store()->ingest(updates);
    QVERIFY(engine.store()->find(update.id));
    // Neither file was touched.
    QFile after(garbage);
    QVERIFY(after.open(QIODevice::ReadOnly));
    QCOMPARE(after.readAll(), before);
    QVERIFY(!QFile::exists(garbage + QStringLiteral("-wal")));
    // The headless verb says so too.
    QProcess verb;
    verb.start(thingscape(), {QStringLiteral("export"), foreign});
    QVERIFY(verb.waitForFinished(30000));
    QCOMPARE(verb.exitCode(), 2);
    QVERIFY(verb.readAllStandardError().contains("not a Thingscape recording"));
}

void TestRecorder::includeFiltersChooseWhatIsRecorded()
{
    const QString database = newDatabase(QStringLiteral("sqlite"));
    QString error;
    const QString prefix = QStringLiteral("incl%1").arg(QDateTime::currentMSecsSinceEpoch());
    const QString base = QStringLiteral("mqtt://127.0.0.1:%1").arg(m_broker.port());
    std::unique_ptr<Engine> engine = recordingEngine(base, prefix + QStringLiteral("/#"), database, &error, {base + QStringLiteral("/") + prefix + QStringLiteral("/+/temp")});
    QVERIFY2(engine, qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(engine->recorder()->state(), Recorder::State::Recording, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(engine->endpoints()->connectedCount() == 1, 30000);
    for (const QString &leaf : {QStringLiteral("a/temp"), QStringLiteral("a/hum"), QStringLiteral("b/temp"), QStringLiteral("b/c/temp")})
        QCOMPARE(QProcess::execute(QStringLiteral("mosquitto_pub"), {QStringLiteral("-p"), QString::number(m_broker.port()), QStringLiteral("-t"),
                                                                   prefix + QLatin1Char('/') + leaf, QStringLiteral("-m"), QStringLiteral("1")}),
                 0);
    QTRY_COMPARE_WITH_TIMEOUT(engine->store()->messagesIn(), 4u, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(engine->recorder()->stats().written + engine->recorder()->stats().skipped, 4u, 30000);
    engine.reset();
    RecordingDatabase db;
    QVERIFY2(db.open(database, {}, false, &error), qPrintable(error));
    QCOMPARE(db.resources(), (QStringList{base + QStringLiteral("/") + prefix + QStringLiteral("/a/temp"),
                                          base + QStringLiteral("/") + prefix + QStringLiteral("/b/temp")}));
    QCOMPARE(db.rowCount(), 2);
}


void TestRecorder::fullDiskPausesRecordingNotTheEngine()
{
    // Given a recording file that cannot grow past 40 pages (160 KiB): SQLite's writes then fail
    // with SQLITE_FULL, "database or disk is full", as on a full disk
    qputenv("THINGSCAPE_RECORDING_MAX_PAGES", "40");
    auto unset = qScopeGuard([] { qunsetenv("THINGSCAPE_RECORDING_MAX_PAGES"); });
    const QString database = newDatabase(QStringLiteral("sqlite"));
    const QString prefix = QStringLiteral("full%1").arg(m_databases);
    QString error;
    std::unique_ptr<Engine> engine =
        recordingEngine(QStringLiteral("mqtt://127.0.0.1:%1").arg(m_broker.port()), prefix + QStringLiteral("/#"), database, &error);
    QVERIFY2(engine, qPrintable(error));
    Recorder *recorder = engine->recorder();
    QTRY_COMPARE_WITH_TIMEOUT(recorder->state(), Recorder::State::Recording, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(engine->endpoints()->connectedCount() == 1, 30000);
    QSignalSpy errors(recorder, &Recorder::errorOccurred);

    // Messages of 1 KiB, one a line
    auto publish = [&](int first, int count) {
        QProcess pub;
        pub.start(QStringLiteral("mosquitto_pub"), {QStringLiteral("-p"), QString::number(m_broker.port()), QStringLiteral("-q"),
                                                    QStringLiteral("1"), QStringLiteral("-t"), prefix + QStringLiteral("/bulk"), QStringLiteral("-l")});
        if (!pub.waitForStarted())
            return false;
        for (int i = first; i < first + count; ++i)
            pub.write(QByteArray::number(i).rightJustified(6, '0') + QByteArray(1018, 'x') + '\n');
        pub.closeWriteChannel();
        return pub.waitForFinished(60000) && pub.exitCode() == 0;
    };
    // 20 that fit are recorded
    QVERIFY(publish(0, 20));
    QTRY_COMPARE_WITH_TIMEOUT(recorder->stats().written, 20u, 30000);
    QCOMPARE(recorder->state(), Recorder::State::Recording);

    // When the broker brings 400 more, more than the file can take
    QVERIFY(publish(20, 400));

    // Then recording pauses with the error, naming the database and the cause
    QTRY_COMPARE_WITH_TIMEOUT(recorder->state(), Recorder::State::Paused, 60000);
    QVERIFY2(recorder->error().contains(QLatin1String("full")), qPrintable(recorder->error()));
    QVERIFY2(recorder->error().contains(QDir::toNativeSeparators(database)), qPrintable(recorder->error()));
    QVERIFY(!errors.isEmpty());
    QVERIFY(recorder->stats().written >= 20);
    QVERIFY(recorder->stats().written < 420);

    // And the engine goes on taking messages in: a later one is the resource's current value
    QTRY_COMPARE_WITH_TIMEOUT(engine->store()->messagesIn(), 420u, 60000);
    QCOMPARE(QProcess::execute(QStringLiteral("mosquitto_pub"), {QStringLiteral("-p"), QString::number(m_broker.port()), QStringLiteral("-q"),
                                                               QStringLiteral("1"), QStringLiteral("-t"), prefix + QStringLiteral("/after"),
                                                               QStringLiteral("-m"), QStringLiteral("still here")}),
             0);
    const ResourceId after = *ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:%1/%2/after").arg(m_broker.port()).arg(prefix));
    QTRY_VERIFY_WITH_TIMEOUT(engine->store()->find(after) && engine->store()->find(after)->value().raw == "still here", 30000);
    QCOMPARE(recorder->state(), Recorder::State::Paused);

    // What was committed before the disk filled is all there, readable
    const quint64 written = recorder->stats().written;
    engine->stopRecording();
    RecordingDatabase db;
    QVERIFY2(db.open(database, {}, false, &error), qPrintable(error));
    QCOMPARE(quint64(db.rowCount()), written);
}

void TestRecorder::schemaTwoIsMigratedKeepingItsTimes()
{
    // Given a recording written by schema 2 (absolute times) with one message
    const QString path = newDatabase(QStringLiteral("sqlite"));
    const qint64 then = QDateTime::currentMSecsSinceEpoch() - 400LL * 86400000LL;
    {
        QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("schema2"));
        raw.setDatabaseName(path);
        QVERIFY(raw.open());
        QSqlQuery query(raw);
        const QStringList statements{
            QStringLiteral("CREATE TABLE schema_version (version INTEGER NOT NULL, application TEXT NOT NULL)"),
            QStringLiteral("CREATE TABLE resources (id INTEGER PRIMARY KEY, uri TEXT NOT NULL UNIQUE, metadata TEXT)"),
            QStringLiteral("CREATE TABLE causes (id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, source TEXT NOT NULL, depth INTEGER NOT NULL)"),
            QStringLiteral("CREATE TABLE messages (id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, resource INTEGER NOT NULL,"
                           " direction INTEGER NOT NULL, cause INTEGER, content_format INTEGER, number REAL, raw BLOB)"),
            QStringLiteral("CREATE INDEX messages_resource_time_number ON messages (resource, time_ms, number)"),
            QStringLiteral("INSERT INTO schema_version (version, application) VALUES (2, 'thingscape-recording')"),
            QStringLiteral("INSERT INTO resources (id, uri) VALUES (1, 'coap://127.0.0.1:5683/old')"),
            QStringLiteral("INSERT INTO causes (id, kind, source, depth) VALUES (1, 0, '', 0)"),
            QStringLiteral("INSERT INTO messages (time_ms, resource, direction, cause, content_format, number, raw)"
                           " VALUES (%1, 1, 0, 1, 0, 21.5, '21.5')").arg(then),
        };
        for (const QString &statement : statements)
            QVERIFY2(query.exec(statement), qPrintable(query.lastError().text()));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("schema2"));

    // When this version opens it and records into it
    RecordingDatabase db;
    QString error;
    QVERIFY2(db.open(path, {}, false, &error), qPrintable(error));
    QCOMPARE(db.schemaVersion(), RecordingDatabase::latestSchemaVersion());
    RecordedMessage now;
    now.uri = QStringLiteral("coap://127.0.0.1:5683/old");
    now.timeMs = QDateTime::currentMSecsSinceEpoch();
    now.raw = "22";
    now.number = 22;
    QVERIFY2(db.write({now}, &error), qPrintable(error));

    // Then the old message keeps its time, and the new one reads back as written
    const auto messages = db.messages(now.uri, 0, std::numeric_limits<qint64>::max(), -1, &error);
    QVERIFY2(messages, qPrintable(error));
    QCOMPARE(messages->size(), 2);
    QCOMPARE(messages->at(0).timeMs, then);
    QCOMPARE(messages->at(0).raw, QByteArray("21.5"));
    QCOMPARE(messages->at(1).timeMs, now.timeMs);
    const auto buckets = db.decimated({now.uri}, then - 1000, then + 1000, 10, &error);
    QVERIFY2(buckets, qPrintable(error));
    QCOMPARE(buckets->value(now.uri).size(), 1);
    QCOMPARE(buckets->value(now.uri).at(0).timeMs, then);
    db.close();

    // And a new recording stores its times relative to its own base, in 4 bytes (within +-2^31),
    // while reading them back, counting and decimating in ms since the epoch
    const QString fresh = newDatabase(QStringLiteral("sqlite"));
    QVERIFY2(db.open(fresh, {}, true, &error), qPrintable(error));
    QVERIFY2(db.write({now}, &error), qPrintable(error));
    QCOMPARE(db.messages(now.uri, now.timeMs, now.timeMs, -1, &error)->value(0).timeMs, now.timeMs);
    QCOMPARE(db.count({now.uri}, now.timeMs - 1, now.timeMs + 1, &error).value_or(-1), qint64(1));
    QCOMPARE(db.decimated({now.uri}, now.timeMs - 5000, now.timeMs + 5000, 10, &error)->value(now.uri).value(0).timeMs, now.timeMs);
    db.close();
    {
        QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("fresh"));
        raw.setDatabaseName(fresh);
        QVERIFY(raw.open());
        QSqlQuery query(raw);
        QVERIFY(query.exec(QStringLiteral("SELECT time_ms FROM messages")) && query.next());
        const qint64 stored = query.value(0).toLongLong();
        QVERIFY2(stored > -(qint64(1) << 31) && stored < (qint64(1) << 31), qPrintable(QString::number(stored)));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("fresh"));
}

void TestRecorder::exportsAreInTimeOrderAcrossResources_data()
{
    addBackends();
}

void TestRecorder::exportsAreInTimeOrderAcrossResources()
{
    QFETCH(QString, backend);
    if (backend == QLatin1String("postgresql") && !m_pgSkip.isEmpty())
        QSKIP(qPrintable(m_pgSkip));
    // Given a recording whose rows arrived out of time order across resources (a device's own
    // time stamps, a batch held back), with two messages of the same time
    const QString database = newDatabase(backend);
    RecordingDatabase db;
    QString error;
    QVERIFY2(db.open(database, {}, true, &error), qPrintable(error));
    const qint64 t0 = QDateTime::currentMSecsSinceEpoch() - 60000;
    const QString a = QStringLiteral("mqtt://127.0.0.1:1883/a");
    const QString b = QStringLiteral("coap://127.0.0.1:5683/b");
    // arrival order: (uri, time offset, payload)
    const QList<std::tuple<QString, qint64, QByteArray>> arrivals{
        {a, 300, "a300"}, {b, 100, "b100"}, {a, 200, "a200-first"}, {b, 200, "b200-second"},
        {b, 500, "b500"}, {a, 0, "a0"},     {a, 400, "a400"},
    };
    for (const auto &[uri, offset, payload] : arrivals) {
        RecordedMessage message;
        message.uri = uri;
        message.timeMs = t0 + offset;
        message.raw = payload;
        QVERIFY2(db.write({message}, &error), qPrintable(error)); // one row at a time: arrival order is row order
    }

    // When it is exported (every resource, then a range of two), in every format
    const QList<QByteArray> inTimeOrder{"a0", "b100", "a200-first", "b200-second", "a300", "a400", "b500"};
    QBuffer csv;
    csv.open(QIODevice::WriteOnly);
    RecordingExportOptions options;
    QVERIFY2(RecordingExport::run(db, options, &csv, {}, &error).value_or(-1) == 7, qPrintable(error));
    QList<QByteArray> lines = csv.data().trimmed().split('\n');
    QCOMPARE(lines.size(), 8);
    lines.removeFirst(); // the header
    QList<QByteArray> payloads;
    for (const QByteArray &line : std::as_const(lines))
        payloads << line.mid(line.lastIndexOf(',') + 1);
    // Then the rows are in time order, the same time in arrival order
    QCOMPARE(payloads, inTimeOrder);

    QBuffer jsonl;
    jsonl.open(QIODevice::WriteOnly);
    options.format = RecordingExportFormat::JsonLines;
    options.fromMs = t0 + 100;
    options.toMs = t0 + 400;
    QVERIFY2(RecordingExport::run(db, options, &jsonl, {}, &error).value_or(-1) == 5, qPrintable(error));
    QList<QByteArray> ranged;
    qint64 previous = 0;
    for (const QByteArray &line : jsonl.data().trimmed().split('\n')) {
        const QJsonObject object = QJsonDocument::fromJson(line).object();
        const qint64 time = qint64(object.value(QStringLiteral("timeMs")).toDouble());
        QVERIFY(time >= previous);
        previous = time;
        ranged << object.value(QStringLiteral("payload")).toString().toUtf8();
    }
    QCOMPARE(ranged, inTimeOrder.mid(1, 5));

    QBuffer senml;
    senml.open(QIODevice::WriteOnly);
    options.format = RecordingExportFormat::SenmlCbor;
    options.uris = {a};
    options.fromMs = 0;
    options.toMs = std::numeric_limits<qint64>::max();
    QVERIFY2(RecordingExport::run(db, options, &senml, {}, &error).value_or(-1) == 4, qPrintable(error));
    const QCborArray pack = QCborValue::fromCbor(senml.data()).toArray();
    QList<QByteArray> ofA;
    for (const QCborValue &record : pack)
        ofA << record.toMap().value(3).toString().toUtf8();
    QCOMPARE(ofA, (QList<QByteArray>{"a0", "a200-first", "a300", "a400"}));
    db.close();
}

QList<QVariantList> TestRecorder::select(const QString &database, const QString &sql, const QVariantList &values, QString *error)
{
    QList<QVariantList> rows;
    const QString connection = QStringLiteral("select%1").arg(++m_databases);
    {
        QSqlDatabase db;
        if (RecordingConfig::isPostgresTarget(database)) {
            const QUrl url(database);
            db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connection);
            db.setHostName(url.host());
            db.setPort(url.port());
            db.setUserName(url.userName());
            db.setDatabaseName(url.path().mid(1));
        } else {
            db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
            db.setDatabaseName(database);
        }
        if (db.open()) {
            QSqlQuery query(db);
            query.prepare(sql);
            for (const QVariant &value : values)
                query.addBindValue(value);
            if (!query.exec())
                *error = query.lastError().text();
            while (query.next()) {
                QVariantList row;
                for (int i = 0; i < query.record().count(); ++i)
                    row.append(query.value(i));
                rows.append(row);
            }
        } else {
            *error = db.lastError().text();
        }
    }
    QSqlDatabase::removeDatabase(connection);
    return rows;
}

QJsonValue TestRecorder::metadataColumn(const QString &database, const QString &uri)
{
    QString error;
    const QList<QVariantList> rows = select(database, QStringLiteral("SELECT metadata FROM resources WHERE uri = ?"), {uri}, &error);
    if (!error.isEmpty())
        return error;
    if (rows.isEmpty())
        return QStringLiteral("no row");
    if (rows.first().first().isNull())
        return QStringLiteral("NULL");
    QJsonParseError parse;
    const QJsonDocument document = QJsonDocument::fromJson(rows.first().first().toString().toUtf8(), &parse);
    if (!document.isObject())
        return QStringLiteral("not a JSON object: ") + rows.first().first().toString();
    return document.object();
}

int TestRecorder::resourceRows(const QString &database, const QString &uri)
{
    QString error;
    const QList<QVariantList> rows = select(database, QStringLiteral("SELECT count(*) FROM resources WHERE uri = ?"), {uri}, &error);
    return rows.isEmpty() ? -1 : rows.first().first().toInt();
}

void TestRecorder::mqttMetadataIsRecordedAndUpdated_data()
{
    addBackends();
}

void TestRecorder::mqttMetadataIsRecordedAndUpdated()
{
    QFETCH(QString, backend);
    if (backend == QLatin1String("postgresql") && !m_pgSkip.isEmpty())
        QSKIP(qPrintable(m_pgSkip));
    // Given a retained value on the broker before Thingscape subscribes (over MQTT 5)
    const QString prefix = QStringLiteral("meta%1x%2").arg(QDateTime::currentMSecsSinceEpoch()).arg(m_databases);
    const QString port = QString::number(m_broker.port());
    QCOMPARE(QProcess::execute(QStringLiteral("mosquitto_pub"), {QStringLiteral("-p"), port, QStringLiteral("-t"), prefix + QStringLiteral("/kept"),
                                                                QStringLiteral("-m"), QStringLiteral("1"), QStringLiteral("-r")}),
             0);
    const QString database = newDatabase(backend);
    QString error;
    const QString base = QStringLiteral("mqtt://127.0.0.1:%1").arg(m_broker.port());
    std::unique_ptr<Engine> engine = recordingEngineFor(QJsonObject{{QStringLiteral("id"), QStringLiteral("broker")},
                                                                    {QStringLiteral("url"), base},
                                                                    {QStringLiteral("mqttVersion"), 5},
                                                                    {QStringLiteral("filters"), QJsonArray{prefix + QStringLiteral("/#")}}},
                                                        database, &error);
    QVERIFY2(engine, qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(engine->recorder()->state(), Recorder::State::Recording, 30000);

    // When it is recorded, then its row carries the connector's metadata: retained, observable
    const QString kept = base + QLatin1Char('/') + prefix + QStringLiteral("/kept");
    const QJsonObject protocol{{QStringLiteral("observable"), QStringLiteral("protocol")}, {QStringLiteral("retained"), QStringLiteral("protocol")}};
    const QJsonObject retained{{QStringLiteral("observable"), true}, {QStringLiteral("retained"), true}, {QStringLiteral("sources"), protocol}};
    QTRY_COMPARE_WITH_TIMEOUT(metadataColumn(database, kept), QJsonValue(retained), 30000);

    // When a live message comes with an MQTT 5 content type, and a new topic is published live
    QTRY_VERIFY_WITH_TIMEOUT(engine->endpoints()->connectedCount() == 1, 30000);
    QCOMPARE(QProcess::execute(QStringLiteral("mosquitto_pub"), {QStringLiteral("-p"), port, QStringLiteral("-V"), QStringLiteral("5"), QStringLiteral("-D"),
                                                                QStringLiteral("publish"), QStringLiteral("content-type"), QStringLiteral("application/json"),
                                                                QStringLiteral("-t"), prefix + QStringLiteral("/kept"), QStringLiteral("-m"), QStringLiteral("{\"a\": 2}")}),
             0);
    QCOMPARE(QProcess::execute(QStringLiteral("mosquitto_pub"), {QStringLiteral("-p"), port, QStringLiteral("-t"), prefix + QStringLiteral("/live"),
                                                                QStringLiteral("-m"), QStringLiteral("3")}),
             0);

    // Then the same row is updated: not retained, JSON (content format 50), from the protocol
    QJsonObject changedSources = protocol;
    changedSources.insert(QStringLiteral("ct"), QStringLiteral("protocol"));
    const QJsonObject live{{QStringLiteral("ct"), 50}, {QStringLiteral("observable"), true}, {QStringLiteral("retained"), false},
                           {QStringLiteral("sources"), changedSources}};
    QTRY_COMPARE_WITH_TIMEOUT(metadataColumn(database, kept), QJsonValue(live), 30000);
    QCOMPARE(resourceRows(database, kept), 1);
    // And the live topic's row has its own, never retained
    const QJsonObject fresh{{QStringLiteral("observable"), true}, {QStringLiteral("retained"), false}, {QStringLiteral("sources"), protocol}};
    QTRY_COMPARE_WITH_TIMEOUT(metadataColumn(database, base + QLatin1Char('/') + prefix + QStringLiteral("/live")), QJsonValue(fresh), 30000);

    // And the recording reads it back as the history browser shows it
    engine.reset();
    RecordingDatabase db;
    QVERIFY2(db.open(database, {}, false, &error), qPrintable(error));
    QCOMPARE(db.metadata(kept, &error).value_or(QJsonObject()), live);
    QCOMPARE(db.messages(kept, 0, std::numeric_limits<qint64>::max(), -1, &error).value_or(QList<RecordedMessage>()).size(), 2);
    QVERIFY(!db.metadata(base + QStringLiteral("/nowhere"), &error));
    QVERIFY2(error.contains(QLatin1String("not in the recording")), qPrintable(error));
    QCOMPARE(QProcess::execute(QStringLiteral("mosquitto_pub"), {QStringLiteral("-p"), port, QStringLiteral("-t"), prefix + QStringLiteral("/kept"),
                                                                QStringLiteral("-r"), QStringLiteral("-n")}),
             0);
}

void TestRecorder::coapDiscoveryMetadataIsRecorded_data()
{
    addBackends();
}

void TestRecorder::coapDiscoveryMetadataIsRecorded()
{
    QFETCH(QString, backend);
    if (backend == QLatin1String("postgresql") && !m_pgSkip.isEmpty())
        QSKIP(qPrintable(m_pgSkip));
    // Given libcoap's example server, whose /time says in /.well-known/core:
    // </time>;if="clock";rt="ticks";title="Internal Clock";ct=0;obs
    REQUIRE_BINARY(server, "coap-server-openssl", "libcoap3-bin");
    const quint16 port = testsupport::freeUdpPort();
    QProcess process;
    testsupport::dieWithParent(&process);
    process.start(server, {QStringLiteral("-A"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QString::number(port)});
    QVERIFY(process.waitForStarted(10000));
    auto stop = qScopeGuard([&] {
        process.kill();
        process.waitForFinished(10000);
    });
    QVERIFY(testsupport::waitForCoapPort(port, 10000));

    // When Thingscape discovers it, observes /time and records
    const QString database = newDatabase(backend);
    QString error;
    const QString base = QStringLiteral("coap://127.0.0.1:%1").arg(port);
    std::unique_ptr<Engine> engine = recordingEngineFor(QJsonObject{{QStringLiteral("id"), QStringLiteral("coap")}, {QStringLiteral("url"), base}},
                                                        database, &error);
    QVERIFY2(engine, qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(engine->recorder()->state(), Recorder::State::Recording, 30000);

    // Then /time's row carries what discovery said, each from link-format
    const QString time = base + QStringLiteral("/time");
    QTRY_VERIFY_WITH_TIMEOUT(metadataColumn(database, time).toObject().contains(QStringLiteral("rt")), 30000);
    const QJsonObject metadata = metadataColumn(database, time).toObject();
    QCOMPARE(metadata.value(QStringLiteral("rt")), QJsonValue(QJsonArray{QStringLiteral("ticks")}));
    QCOMPARE(metadata.value(QStringLiteral("if")), QJsonValue(QJsonArray{QStringLiteral("clock")}));
    QCOMPARE(metadata.value(QStringLiteral("title")), QJsonValue(QStringLiteral("Internal Clock")));
    QCOMPARE(metadata.value(QStringLiteral("ct")), QJsonValue(0));
    QCOMPARE(metadata.value(QStringLiteral("observable")), QJsonValue(true));
    const QJsonObject sources = metadata.value(QStringLiteral("sources")).toObject();
    for (const QString &key : {QStringLiteral("rt"), QStringLiteral("if"), QStringLiteral("title")})
        QCOMPARE(sources.value(key).toString(), QStringLiteral("link-format"));
    QCOMPARE(resourceRows(database, time), 1);
    // And a resource discovered but never observed, so never recorded, has no row
    QCOMPARE(metadataColumn(database, base + QStringLiteral("/async")), QJsonValue(QStringLiteral("no row")));
}

QTEST_GUILESS_MAIN(TestRecorder)
#include "tst_recorder.moc"
