#include "model/codecs/codecs.h"
#include "model/resourcestore.h"
#include "model/streamexporter.h"
#include "model/streamfilterproxymodel.h"
#include "model/streammodel.h"

#include <QAbstractItemModelTester>
#include <QBuffer>
#include <QSignalSpy>
#include <QTest>

using namespace thingscape;

namespace {

ResourceId rid(const QString &uri)
{
    return *ResourceId::parse(uri);
}

Message message(const QString &uri, const QByteArray &raw, Direction direction = Direction::In,
                const QString &info = {}, int contentFormat = ContentFormat::Unknown, qint64 timeMs = 1700000000123)
{
    Message m;
    m.timeMs = timeMs;
    m.direction = direction;
    m.id = rid(uri);
    m.raw = raw;
    m.contentFormat = contentFormat;
    m.info = info;
    return m;
}

// Messages numbered from first: payload "<n>", one resource per ten.
QList<Message> numbered(int first, int count)
{
    QList<Message> messages;
    for (int n = first; n < first + count; ++n)
        messages.append(message(QStringLiteral("mqtt://h/t/%1").arg(n / 10), QByteArray::number(n)));
    return messages;
}

// Records row removals and inserts in the order they happen.
class SignalLog : public QObject
{
public:
    explicit SignalLog(QAbstractItemModel *model)
    {
        connect(model, &QAbstractItemModel::rowsRemoved, this, [this](const QModelIndex &, int first, int last) {
            entries << QStringLiteral("remove %1-%2").arg(first).arg(last);
        });
        connect(model, &QAbstractItemModel::rowsInserted, this, [this](const QModelIndex &, int first, int last) {
            entries << QStringLiteral("insert %1-%2").arg(first).arg(last);
        });
        connect(model, &QAbstractItemModel::modelReset, this, [this] { entries << QStringLiteral("reset"); });
    }
    QStringList entries;
};

} // namespace

class TestStreamModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fedByTheStore();
    void ringBufferWrapsAround();
    void batchLargerThanTheCapacity();
    void aFloodBecomesRowsInSlices();
    void shrinkingTheCapacity();
    void pauseAndResume();
    void clear();
    void columnsAndRoles();
    void filterProxy();
    void exportJsonLines();
    void exportCsv();
    void exportVisibleRowsAndErrors();
    void summaryIsMadeOnceAndBounded();
    void summaryIsOneSafeLine();
    void hugePayloadIsNotDecodedForTheSummary();
    void decodeErrorTooltipIsEscaped();
    void largePayloadSharedWithTheStoreCountsOnce();
    void nothingIsDecodedUntilShown();
    void budgetLetsGoOfTheOldestPayloadsFirst();
    void rowsGiveBackTheMessageTheyShare();
    void infosNoRowUsesAreLetGo();
    void sequenceNumbersSurviveGaps();
};

void TestStreamModel::fedByTheStore()
{
    // Given a stream model over a store
    ResourceStore store;
    StreamModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    SignalLog log(&model);
    // When a batch brings three values in and one write out
    Update write;
    write.id = rid("coap://dev/led");
    write.direction = Direction::Out;
    write.info = QStringLiteral("PUT 2.04");
    Value on;
    on.raw = "on";
    on.timeMs = 5;
    write.value = on;
    UpdateBatch batch;
    for (int i = 0; i < 3; ++i) {
        Update u;
        u.id = rid(QStringLiteral("mqtt://h/t/%1").arg(i));
        Value v;
        v.raw = QByteArray::number(i);
        v.timeMs = 10 + i;
        u.value = v;
        batch.append(u);
    }
    batch.append(write);
    store.ingest(batch);
    // Then they are appended with one insert, in order
    QCOMPARE(log.entries, QStringList({"insert 0-3"}));
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.message(0).raw, QByteArray("0"));
    QCOMPARE(model.message(3).direction, Direction::Out);
    QCOMPARE(model.message(3).info, QStringLiteral("PUT 2.04"));
    QCOMPARE(model.totalReceived(), quint64(4));
}

void TestStreamModel::ringBufferWrapsAround()
{
    // Given a log of capacity 100
    StreamModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setCapacity(100);
    SignalLog log(&model);
    // When 250 messages arrive in batches of 30, 30, 30, 30 and 130
    model.append(numbered(0, 30));
    model.append(numbered(30, 30));
    model.append(numbered(60, 30));
    model.append(numbered(90, 30));
    model.append(numbered(120, 130));
    // Then the newest 100 are kept, the first being message #150
    QCOMPARE(model.rowCount(), 100);
    QCOMPARE(model.message(0).raw, QByteArray("150"));
    QCOMPARE(model.sequence(0), quint64(150));
    QCOMPARE(model.index(0, 0).data(StreamModel::SequenceRole).toULongLong(), qulonglong(150));
    QCOMPARE(model.message(99).raw, QByteArray("249"));
    QCOMPARE(model.totalReceived(), quint64(250));
    QCOMPARE(model.dropped(), quint64(150));
    // And each batch was at most one remove, then one insert
    QCOMPARE(log.entries, QStringList({"insert 0-29", "insert 30-59", "insert 60-89", "remove 0-19", "insert 70-99",
                                       "remove 0-99", "insert 0-99"}));
}

void TestStreamModel::batchLargerThanTheCapacity()
{
    // Given an empty log of capacity 100
    StreamModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setCapacity(100);
    SignalLog log(&model);
    // When one batch brings 250 messages
    model.append(numbered(0, 250));
    // Then only its newest 100 are inserted, in one go
    QCOMPARE(log.entries, QStringList({"insert 0-99"}));
    QCOMPARE(model.message(0).raw, QByteArray("150"));
    QCOMPARE(model.totalReceived(), quint64(250));
}

void TestStreamModel::aFloodBecomesRowsInSlices()
{
    // Given a log of capacity 3,000 that makes 100 rows at once, then one chunk per turn
    StreamModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setCapacity(3000);
    model.setAppendAtOnce(100);
    model.setAppendSliceMs(0);
    SignalLog log(&model);
    // When one batch brings 5,000 messages
    model.append(numbered(0, 5000));
    // Then only the newest 3,000 are ever made rows: the first chunk of them at once
    QCOMPARE(StreamModel::kAppendChunk, 256);
    QCOMPARE(model.rowCount(), 256);
    QCOMPARE(model.message(0).raw, QByteArray("2000"));
    QCOMPARE(model.waitingMessages(), 3000 - 256);
    QCOMPARE(model.dropped(), quint64(2000));
    // And the rest follow on the event loop, in order, each chunk one insert
    QTRY_COMPARE_WITH_TIMEOUT(model.waitingMessages(), 0, 30000);
    QCOMPARE(model.rowCount(), 3000);
    QCOMPARE(log.entries.size(), (3000 + 255) / 256);
    QCOMPARE(model.message(2999).raw, QByteArray("4999"));
    QCOMPARE(model.sequence(2999), quint64(4999));
    QCOMPARE(model.totalReceived(), quint64(5000));
    // A pause shows everything that came before it at once
    model.append(numbered(5000, 1000));
    QVERIFY(model.waitingMessages() > 0);
    model.pause();
    QCOMPARE(model.waitingMessages(), 0);
    QCOMPARE(model.message(2999).raw, QByteArray("5999"));
    QCOMPARE(model.pendingWhilePaused(), quint64(0));
}

void TestStreamModel::shrinkingTheCapacity()
{
    StreamModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.capacity(), 100000);
    model.append(numbered(0, 50));
    SignalLog log(&model);
    model.setCapacity(20);
    QCOMPARE(log.entries, QStringList({"remove 0-29"}));
    QCOMPARE(model.rowCount(), 20);
    QCOMPARE(model.message(0).raw, QByteArray("30"));
    model.setCapacity(0); // at least one row
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.message(0).raw, QByteArray("49"));
}

void TestStreamModel::pauseAndResume()
{
    // Given a log with 10 rows, paused
    StreamModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setCapacity(100);
    model.append(numbered(0, 10));
    QSignalSpy paused(&model, &StreamModel::pausedChanged);
    model.pause();
    QVERIFY(model.isPaused());
    SignalLog log(&model);
    // When 15 messages arrive in two batches
    model.append(numbered(10, 5));
    model.append(numbered(15, 10));
    // Then none is shown, but they are counted
    QCOMPARE(model.rowCount(), 10);
    QVERIFY(log.entries.isEmpty());
    QCOMPARE(model.pendingWhilePaused(), quint64(15));
    QCOMPARE(model.totalReceived(), quint64(25));
    // When resumed, they come in with one insert
    model.resume();
    QCOMPARE(log.entries, QStringList({"insert 10-24"}));
    QCOMPARE(model.message(24).raw, QByteArray("24"));
    QCOMPARE(model.pendingWhilePaused(), quint64(0));
    QCOMPARE(paused.count(), 2);

    // When more arrive while paused than the capacity holds, the newest are kept
    model.pause();
    model.append(numbered(25, 150));
    QCOMPARE(model.pendingWhilePaused(), quint64(150));
    log.entries.clear();
    model.resume();
    QCOMPARE(log.entries, QStringList({"remove 0-24", "insert 0-99"}));
    QCOMPARE(model.message(0).raw, QByteArray("75"));
    QCOMPARE(model.message(99).raw, QByteArray("174"));
}

void TestStreamModel::clear()
{
    StreamModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.append(numbered(0, 10));
    model.pause();
    model.append(numbered(10, 3));
    SignalLog log(&model);
    model.clear();
    QCOMPARE(log.entries, QStringList({"reset"}));
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.pendingWhilePaused(), quint64(0));
    QCOMPARE(model.totalReceived(), quint64(13));
    model.resume();
    QCOMPARE(model.rowCount(), 0);
    model.append(numbered(13, 2));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.sequence(0), quint64(13));
}

void TestStreamModel::columnsAndRoles()
{
    StreamModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.append({message("mqtt://broker/home/temp", "21.5"),
                  message("coap://dev/led", "on", Direction::Out, QStringLiteral("PUT 2.04"), ContentFormat::Text),
                  message("http://web:8080/blob", QByteArray("\x00\x01\xff", 3))});
    auto cell = [&model](int row, int column) { return model.index(row, column).data().toString(); };
    QCOMPARE(model.columnCount(), 6);
    QCOMPARE(cell(0, StreamModel::DirectionColumn), QString::fromUtf8("\u2190 in"));
    QCOMPARE(cell(1, StreamModel::DirectionColumn), QString::fromUtf8("\u2192 out"));
    QCOMPARE(cell(0, StreamModel::ProtocolColumn), QStringLiteral("MQTT"));
    QCOMPARE(cell(0, StreamModel::ResourceColumn), QStringLiteral("mqtt://broker:1883/home/temp"));
    QCOMPARE(cell(2, StreamModel::SizeColumn), QStringLiteral("3"));
    QCOMPARE(cell(0, StreamModel::SummaryColumn), QStringLiteral("21.5"));
    QCOMPARE(cell(1, StreamModel::SummaryColumn), QString::fromUtf8("PUT 2.04 \u00b7 on"));
    QVERIFY(!cell(2, StreamModel::SummaryColumn).isEmpty());
    QVERIFY(!cell(0, StreamModel::TimeColumn).isEmpty());
    QCOMPARE(model.index(1, 0).data(StreamModel::DirectionRole).toInt(), int(Direction::Out));
    QCOMPARE(model.index(1, 0).data(StreamModel::ProtocolRole).toString(), QStringLiteral("coap"));
    QCOMPARE(model.index(1, 0).data(StreamModel::EndpointRole).toString(), QStringLiteral("coap://dev:5683"));
    QCOMPARE(model.index(1, 0).data(StreamModel::ResourceIdRole).toString(), QStringLiteral("coap://dev:5683/led"));
    QCOMPARE(model.index(1, 0).data(StreamModel::TimeRole).toLongLong(), qint64(1700000000123));
    QCOMPARE(model.headerData(StreamModel::SummaryColumn, Qt::Horizontal).toString(), QStringLiteral("Summary"));
}

void TestStreamModel::filterProxy()
{
    // Given a log with messages of three protocols and both directions
    StreamModel model;
    StreamFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.append({message("mqtt://broker/home/temp", "21.5"), message("mqtt://other/home/temp", "19"),
                  message("coap://dev/led", "on", Direction::Out), message("http://web/status", "Kitchen ok")});
    auto uris = [&proxy] {
        QStringList list;
        for (int row = 0; row < proxy.rowCount(); ++row)
            list << proxy.index(row, 0).data(StreamModel::ResourceIdRole).toString();
        return list;
    };
    QCOMPARE(proxy.rowCount(), 4);
    // By text, in the URI or the summary
    proxy.setText(QStringLiteral("HOME/"));
    QCOMPARE(uris(), QStringList({"mqtt://broker:1883/home/temp", "mqtt://other:1883/home/temp"}));
    proxy.setText(QStringLiteral("kitchen"));
    QCOMPARE(uris(), QStringList({"http://web:80/status"}));
    proxy.setText(QString());
    // By protocols
    proxy.setProtocols({Protocol::Coap, Protocol::Http});
    QCOMPARE(uris(), QStringList({"coap://dev:5683/led", "http://web:80/status"}));
    proxy.setProtocols({});
    // By endpoint
    proxy.setEndpoint(QStringLiteral("mqtt://other:1883"));
    QCOMPARE(uris(), QStringList({"mqtt://other:1883/home/temp"}));
    proxy.setEndpoint(QString());
    // By direction, following new rows
    proxy.setDirection(Direction::Out);
    QCOMPARE(uris(), QStringList({"coap://dev:5683/led"}));
    model.append({message("coap://dev/led", "off", Direction::Out), message("coap://dev/led", "off")});
    QCOMPARE(uris(), QStringList({"coap://dev:5683/led", "coap://dev:5683/led"}));
    proxy.setDirection(std::nullopt);
    QCOMPARE(proxy.rowCount(), 6);
}

void TestStreamModel::exportJsonLines()
{
    // Given a text message with JSON-hostile characters, a binary one, and an outgoing one
    StreamModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.append({message("mqtt://h/a/b", "a,\"b\"\nc\\", Direction::In, QString(), ContentFormat::Text),
                  message("coap://dev/x", QByteArray("\x00\xff", 2), Direction::In, QStringLiteral("2.05 Content"),
                          ContentFormat::OctetStream, 1700000000000),
                  message("http://web/led", "base64:looks-encoded", Direction::Out, QStringLiteral("PUT 204")),
                  message("mqtt://h/%C3%A9t%C3%A9", QByteArray(), Direction::In)});
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    QString error;
    // When all rows are exported as JSON Lines
    QVERIFY(StreamExporter(&model).exportAll(&buffer, StreamExporter::Format::JsonLines, &error));
    // Then each is one line with the fields in order
    const QByteArray expected =
        R"({"time":"2023-11-14T22:13:20.123Z","direction":"in","protocol":"mqtt","uri":"mqtt://h:1883/a/b","size":8,"payload":"a,\"b\"\nc\\","ct":0,"info":""})"
        "\n"
        R"({"time":"2023-11-14T22:13:20.000Z","direction":"in","protocol":"coap","uri":"coap://dev:5683/x","size":2,"payload":"base64:AP8=","ct":42,"info":"2.05 Content"})"
        "\n"
        R"({"time":"2023-11-14T22:13:20.123Z","direction":"out","protocol":"http","uri":"http://web:80/led","size":20,"payload":"base64:YmFzZTY0Omxvb2tzLWVuY29kZWQ=","ct":null,"info":"PUT 204"})"
        "\n"
        R"({"time":"2023-11-14T22:13:20.123Z","direction":"in","protocol":"mqtt","uri":"mqtt://h:1883/%C3%A9t%C3%A9","size":0,"payload":"","ct":null,"info":""})"
        "\n";
    QCOMPARE(buffer.data(), expected);
}

void TestStreamModel::exportCsv()
{
    StreamModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.append({message("mqtt://h/a/b", "a,\"b\"\nc", Direction::In, QString(), ContentFormat::Text),
                  message("coap://dev/x", QByteArray("\x00\xff", 2), Direction::Out, QStringLiteral("PUT, 2.04"),
                          ContentFormat::OctetStream, 1700000000000),
                  message("http://web/plain", "ok")});
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    QString error;
    QVERIFY(StreamExporter(&model).exportRows(&buffer, StreamExporter::Format::Csv, {0, 1, 2}, &error));
    const QByteArray expected = "time,direction,protocol,uri,size,payload,ct,info\r\n"
                                "2023-11-14T22:13:20.123Z,in,mqtt,mqtt://h:1883/a/b,7,\"a,\"\"b\"\"\nc\",0,\r\n"
                                "2023-11-14T22:13:20.000Z,out,coap,coap://dev:5683/x,2,base64:AP8=,42,\"PUT, 2.04\"\r\n"
                                "2023-11-14T22:13:20.123Z,in,http,http://web:80/plain,2,ok,,\r\n";
    QCOMPARE(buffer.data(), expected);
}

void TestStreamModel::exportVisibleRowsAndErrors()
{
    StreamModel model;
    model.append({message("mqtt://h/a", "1"), message("coap://dev/x", "2", Direction::Out), message("mqtt://h/b", "3")});
    StreamFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setProtocols({Protocol::Mqtt});
    StreamExporter exporter(&model);
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    QString error;
    // The rows the filter shows, in its order
    QVERIFY(exporter.exportVisible(&buffer, StreamExporter::Format::Csv, &proxy, &error));
    const QList<QByteArray> lines = buffer.data().split('\n');
    QCOMPARE(lines.size(), 4); // header, two rows, the empty rest
    QVERIFY(lines.at(1).contains("mqtt://h:1883/a"));
    QVERIFY(lines.at(2).contains("mqtt://h:1883/b"));
    // A device that cannot be written is an error, not a crash
    QBuffer readOnly;
    readOnly.open(QIODevice::ReadOnly);
    QVERIFY(!exporter.exportAll(&readOnly, StreamExporter::Format::JsonLines, &error));
    QVERIFY(error.contains(QStringLiteral("not open for writing")));
    // A row that does not exist is an error
    QVERIFY(!exporter.exportRows(&buffer, StreamExporter::Format::JsonLines, {7}, &error));
    QVERIFY(error.contains(QStringLiteral("row 7")));
}

void TestStreamModel::summaryIsMadeOnceAndBounded()
{
    // Given a long JSON message in the log
    StreamModel model;
    StreamFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QByteArray json = "{\"list\":[";
    for (int i = 0; i < 2000; ++i)
        json += QByteArray::number(i) + ',';
    json += "1],\"needle\":\"found\"}";
    model.append({message("mqtt://h/big", json, Direction::In, QString(), ContentFormat::Json)});
    // When its summary is asked for again and again
    const QString first = model.index(0, StreamModel::SummaryColumn).data().toString();
    const QString second = model.index(0, 0).data(StreamModel::SummaryRole).toString();
    // Then it is the same text, made once when the message arrived (not decoded again per call)
    QVERIFY(!first.isEmpty());
    QVERIFY(first.isSharedWith(second));
    QVERIFY(first.isSharedWith(model.summary(0)));
    // and bounded: at most 200 characters, the cut marked
    QCOMPARE(first.size(), 200);
    QVERIFY(first.endsWith(QChar(0x2026)));
    // The filter searches that summary: text beyond it does not match
    proxy.setText(QStringLiteral("needle"));
    QCOMPARE(proxy.rowCount(), 0);
    proxy.setText(QStringLiteral("list"));
    QCOMPARE(proxy.rowCount(), 1);
}

void TestStreamModel::summaryIsOneSafeLine()
{
    StreamModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    // Line breaks, a terminal escape and a bidi override in a text payload and in the info
    model.append({message("mqtt://h/t", "a\nb\x1b]0;x\x07" "c \xe2\x80\xae" "evil", Direction::In,
                          QStringLiteral("publish\u202e"), ContentFormat::Text)});
    const QString summary = model.summary(0);
    for (const QChar c : summary) {
        QVERIFY2(c.unicode() >= 0x20 && c.unicode() != 0x202e && c.unicode() != 0x7f,
                 qPrintable(QStringLiteral("U+%1 in %2").arg(c.unicode(), 4, 16, QLatin1Char('0')).arg(summary)));
    }
    QVERIFY2(summary.contains(QStringLiteral("a b")), qPrintable(summary));
    QVERIFY(summary.contains(QStringLiteral("evil")));
}

void TestStreamModel::hugePayloadIsNotDecodedForTheSummary()
{
    // Given a JSON message of 8 MiB
    StreamModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QByteArray huge = "[\"";
    huge += QByteArray(8 * 1024 * 1024, 'x');
    huge += "\"]";
    model.append({message("mqtt://h/huge", huge, Direction::In, QString(), ContentFormat::Json)});
    // Then its summary says its size and shows its start as it came, bounded
    const QString summary = model.summary(0);
    QVERIFY2(summary.contains(QStringLiteral("8388612")), qPrintable(summary));
    QVERIFY(summary.contains(QStringLiteral("[\"xxx")));
    QVERIFY(summary.size() <= 200);
}

void TestStreamModel::decodeErrorTooltipIsEscaped()
{
    StreamModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    Message bad = message("http://dev/q?a=<b>x</b>", "{<b>broken</b>", Direction::In, QString(), ContentFormat::Json);
    bad.error = QStringLiteral("<b>x</b><img src=\"y\"> at offset 1");
    model.append({bad});
    const QString tip = model.index(0, StreamModel::SummaryColumn).data(Qt::ToolTipRole).toString();
    QVERIFY2(tip.startsWith(QStringLiteral("<qt>")), qPrintable(tip));
    QVERIFY(!tip.contains(QStringLiteral("<b>")));
    QVERIFY(tip.contains(QStringLiteral("&lt;b&gt;x&lt;/b&gt;&lt;img src=&quot;y&quot;&gt; at offset 1")));
}

namespace {

Update payloadUpdate(const QString &uri, const QByteArray &raw, qint64 timeMs)
{
    Update update;
    update.id = rid(uri);
    Value value;
    value.timeMs = timeMs;
    value.raw = raw;
    update.value = value;
    return update;
}

} // namespace

void TestStreamModel::largePayloadSharedWithTheStoreCountsOnce()
{
    // Given a store with its stream
    ResourceStore store;
    StreamModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    const QByteArray payload(200 * 1024, 'x');
    // When a large message arrives
    store.ingest({payloadUpdate(QStringLiteral("mqtt://h/big"), payload, 1000)});
    // Then the stream's row and the store's value hold the same bytes
    QCOMPARE(model.rowCount(), 1);
    QVERIFY(model.message(0).raw.isSharedWith(store.find(rid("mqtt://h/big"))->value().raw));
    // And the budget counts them once
    QCOMPARE(store.payloadLedger().distinct(), 1);
    QVERIFY(store.keptBytes() >= payload.size());
    QVERIFY(store.keptBytes() < payload.size() + payload.size() / 4);
    QVERIFY(store.memoryBytes() < 2 * payload.size());
    // When the stream is cleared, only the store's share is left
    const qint64 shared = store.keptBytes();
    model.clear();
    QVERIFY(store.keptBytes() < shared);
    QVERIFY(store.keptBytes() >= payload.size());
    QCOMPARE(store.keptBytes(), store.historyBytes() + store.decodedBytes());
}

void TestStreamModel::nothingIsDecodedUntilShown()
{
    // Given a store with its stream
    ResourceStore store;
    StreamModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    // When a JSON message and a broken declared-JSON message arrive
    Update update;
    update.id = rid("mqtt://h/json");
    update.value = codecs::decode(R"({"t":21.5,"status":"ok"})", ContentFormat::Unknown, {}, 1000);
    Update broken;
    broken.id = rid("mqtt://h/broken");
    broken.value = codecs::decode(R"({"t":)", ContentFormat::Json, {}, 1001);
    store.ingest({update, broken});
    QCOMPARE(model.rowCount(), 2);
    // Then neither the store nor the stream has decoded them
    QVERIFY(store.find(rid("mqtt://h/json"))->value().isPending());
    QVERIFY(store.find(rid("mqtt://h/broken"))->value().isPending());
    const qint64 before = store.keptBytes();
    // When the rows are shown
    const QString summary = model.index(0, StreamModel::SummaryColumn).data().toString();
    const QString tip = model.index(1, StreamModel::SummaryColumn).data(Qt::ToolTipRole).toString();
    // Then the summary is the decoded value, the error is said, and what they hold is charged
    QVERIFY2(summary.contains(QStringLiteral("\"t\": 21.5")), qPrintable(summary));
    QVERIFY2(tip.contains(QStringLiteral("Invalid JSON at byte 5")), qPrintable(tip));
    QVERIFY(store.keptBytes() > before);
    // And made once, by a decoding of its own: the store's value still waits for a real use
    QVERIFY(summary.isSharedWith(model.summary(0)));
    QVERIFY(store.find(rid("mqtt://h/json"))->value().isPending());
    // When the stream lets go of everything, all it charged is given back (what is left: the
    // history and the decoding the error's tooltip made, which the store's value shares)
    model.clear();
    QCOMPARE(store.keptBytes(), store.historyBytes() + store.decodedBytes());
}

void TestStreamModel::budgetLetsGoOfTheOldestPayloadsFirst()
{
    // Given a store whose budget holds about three large messages, with its stream
    ResourceStore store;
    StreamModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    constexpr qsizetype kSize = 100 * 1024;
    store.setMemoryBudget(3 * kSize + kSize / 2);
    // When ten distinct messages arrive for one topic, one by one
    for (int i = 0; i < 10; ++i)
        store.ingest({payloadUpdate(QStringLiteral("mqtt://h/t"), QByteArray(kSize, char('a' + i)), 1000 + i)});
    // Then every row stays, the oldest rows without their payload but with their size
    QCOMPARE(model.rowCount(), 10);
    QVERIFY(store.keptBytes() <= store.memoryBudget());
    QVERIFY(model.payloadsDropped() >= 6);
    QCOMPARE(model.message(0).raw, QByteArray());
    QCOMPARE(model.message(0).droppedBytes, kSize);
    QCOMPARE(model.data(model.index(0, StreamModel::SizeColumn)).toString(), QString::number(kSize));
    QVERIFY(!model.data(model.index(0, StreamModel::SummaryColumn)).toString().isEmpty());
    // What stays of such a row is never let go of, so its summary is short; a whole row's is not
    QVERIFY2(model.summary(0).size() <= 80, qPrintable(model.summary(0)));
    QVERIFY(model.summary(0).endsWith(QChar(0x2026)));
    QVERIFY(model.summary(0).contains(QStringLiteral("aaaa")));
    QVERIFY(model.summary(9).size() > 80);
    QCOMPARE(store.decodedBytes(), qint64(0)); // making summaries decoded nothing the store holds
    // The newest are whole, and the store's current value too
    QCOMPARE(model.message(9).raw, QByteArray(kSize, 'j'));
    QCOMPARE(store.find(rid("mqtt://h/t"))->value().raw, QByteArray(kSize, 'j'));
    // Oldest first: once a row keeps its payload, every newer one does
    bool seenKept = false;
    for (int row = 0; row < model.rowCount(); ++row) {
        const bool kept = !model.message(row).raw.isEmpty();
        QVERIFY(!seenKept || kept);
        seenKept = seenKept || kept;
    }
    QVERIFY(store.droppedByBudget() + model.payloadsDropped() > 0);
    QCOMPARE(store.payloadsDroppedByBudget(), model.payloadsDropped());
}

void TestStreamModel::rowsGiveBackTheMessageTheyShare()
{
    // Given messages of every protocol, with topics a URI must encode, an IPv6 host and a query
    const QList<ResourceId> ids = {
        ResourceId::fromTopic(rid("mqtt://broker"), QStringLiteral("home/living room/t%C/#x/caf\u00e9")),
        ResourceId::fromTopic(rid("mqtt://broker"), QStringLiteral("a//b/")),
        rid("mqtts://[::1]:8883/secure/topic"),
        rid("coap://dev/sensors/temp?unit=C"),
        rid("coaps://dev:5684/x"),
        rid("http://web:8080/things/lamp/properties/on"),
        rid("https://web/"),
    };
    StreamModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QList<Message> messages;
    for (const ResourceId &id : ids) {
        Message m = message(QStringLiteral("mqtt://unused"), QByteArray("payload of ") + id.uri().toUtf8(),
                            messages.size() % 2 ? Direction::Out : Direction::In,
                            messages.size() % 3 ? QStringLiteral("info %1").arg(messages.size() % 3) : QString(),
                            messages.size() % 2 ? ContentFormat::Json : ContentFormat::Text, 1700000000000 + messages.size());
        m.id = id;
        messages.append(m);
    }
    model.append(messages);
    // When each row is read back, then it is the message given, sharing its payload's bytes
    QCOMPARE(model.rowCount(), int(ids.size()));
    for (int row = 0; row < model.rowCount(); ++row) {
        const Message &given = messages.at(row);
        const Message back = model.message(row);
        QCOMPARE(back.id, given.id);
        QCOMPARE(back.id.topic(), given.id.topic());
        QCOMPARE(back.id.endpointUri(), given.id.endpointUri());
        QCOMPARE(back.raw, given.raw);
        QCOMPARE(back.raw.constData(), given.raw.constData());
        QCOMPARE(back.info, given.info);
        QCOMPARE(back.contentFormat, given.contentFormat);
        QCOMPARE(back.direction, given.direction);
        QCOMPARE(back.timeMs, given.timeMs);
        QCOMPARE(model.resourceUri(row), given.id.uri());
        // and the columns read the URI's text as the id would
        const QModelIndex index = model.index(row, 0);
        QCOMPARE(index.data(StreamModel::ResourceIdRole).toString(), given.id.uri());
        QCOMPARE(index.data(StreamModel::EndpointRole).toString(), given.id.endpointUri());
        QCOMPARE(index.data(StreamModel::ProtocolRole).toString(), protocolName(given.id.protocol()));
        QCOMPARE(model.index(row, StreamModel::ProtocolColumn).data().toString(), given.id.scheme().toUpper());
        QCOMPARE(index.data(StreamModel::DirectionRole).toInt(), int(given.direction));
    }
}

void TestStreamModel::infosNoRowUsesAreLetGo()
{
    // Given a small ring fed messages whose info is new every time (a connector quoting errors)
    StreamModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setCapacity(50);
    for (int round = 0; round < 100; ++round) {
        QList<Message> batch;
        for (int i = 0; i < 50; ++i) {
            const int n = round * 50 + i;
            batch.append(message(QStringLiteral("coap://dev/r%1").arg(n % 7), QByteArray::number(n), Direction::In,
                                 QStringLiteral("error %1").arg(n), n % 2 ? ContentFormat::Json : ContentFormat::Text));
        }
        model.append(batch);
    }
    // Then what the rows share stays bounded by what the ring holds, not what went through it
    QCOMPARE(model.rowCount(), 50);
    QVERIFY2(model.kindCount() <= 2 * 1024, qPrintable(QString::number(model.kindCount())));
    // and every row still tells its own info, format and direction
    for (int row = 0; row < model.rowCount(); ++row) {
        const int n = 4950 + row;
        const Message back = model.message(row);
        QCOMPARE(back.info, QStringLiteral("error %1").arg(n));
        QCOMPARE(back.contentFormat, n % 2 ? ContentFormat::Json : ContentFormat::Text);
        QCOMPARE(back.raw, QByteArray::number(n));
        QCOMPARE(model.index(row, StreamModel::SummaryColumn).data().toString(),
                 QStringLiteral("error %1 \u00b7 %1").arg(n));
    }
    // When the log is cleared, then nothing is kept for rows gone
    model.clear();
    QCOMPARE(model.kindCount(), qsizetype(0));
    model.append({message("mqtt://h/t", "1", Direction::Out, QStringLiteral("publish qos 0"))});
    QCOMPARE(model.message(0).info, QStringLiteral("publish qos 0"));
    QCOMPARE(model.message(0).direction, Direction::Out);

    // Given more rows than the kinds' index keeps, each with an info of its own, then old ones again
    StreamModel wide;
    QAbstractItemModelTester wideTester(&wide, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QList<Message> many;
    for (int n = 0; n < 6000; ++n)
        many.append(message(QStringLiteral("coap://dev/r"), QByteArray::number(n), Direction::In,
                            QStringLiteral("notify 2.05 #%1").arg(n % 5000)));
    wide.append(many);
    QTRY_COMPARE(wide.rowCount(), 6000);
    // Then every row still reads its own info
    for (int row = 0; row < wide.rowCount(); ++row)
        QCOMPARE(wide.message(row).info, QStringLiteral("notify 2.05 #%1").arg(row % 5000));
    QVERIFY(wide.kindCount() <= 6000);
}

void TestStreamModel::sequenceNumbersSurviveGaps()
{
    // Given a small ring whose messages carry their number since the start as payload
    StreamModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setCapacity(100);
    model.setAppendAtOnce(64);
    model.setAppendSliceMs(0);
    auto numbersMatch = [&model] {
        for (int row = 0; row < model.rowCount(); ++row) {
            const quint64 number = model.message(row).raw.toULongLong();
            if (model.sequence(row) != number
                || model.index(row, 0).data(StreamModel::SequenceRole).toULongLong() != number) {
                qWarning("row %d: sequence %llu, message %llu", row, qulonglong(model.sequence(row)), qulonglong(number));
                return false;
            }
        }
        return true;
    };
    model.append(numbered(0, 50));
    QTRY_VERIFY(model.waitingMessages() == 0);
    QVERIFY(numbersMatch());
    // When messages are dropped while paused (more than the ring keeps, some before they are rows)
    model.pause();
    model.append(numbered(50, 300));
    model.append(numbered(350, 10));
    model.resume();
    QTRY_VERIFY(model.waitingMessages() == 0);
    // Then every row still has its own number
    QCOMPARE(model.rowCount(), 100);
    QCOMPARE(model.sequence(99), quint64(359));
    QVERIFY(numbersMatch());
    // and so after a flood larger than the ring, taken in slices, and after a clear
    model.append(numbered(360, 250));
    QTRY_VERIFY(model.waitingMessages() == 0);
    QCOMPARE(model.sequence(0), quint64(510));
    QVERIFY(numbersMatch());
    model.clear();
    model.append(numbered(610, 5));
    QTRY_VERIFY(model.waitingMessages() == 0);
    QCOMPARE(model.rowCount(), 5);
    QVERIFY(numbersMatch());
}

QTEST_GUILESS_MAIN(TestStreamModel)
#include "tst_streammodel.moc"
