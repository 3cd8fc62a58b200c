// GUI-free pieces of compose and diff: the JSON structural diff marks exactly the changed keys,
// the line diff, the hex diff, mode selection; natural order; CBOR diagnostic notation; the
// compose request's JSON round trip and payload encoding.

#include "model/codecs/cbordiag.h"
#include "model/composehistory.h"
#include "model/composerequest.h"
#include "model/naturalcompare.h"
#include "model/payloaddiff.h"

#include <QCborArray>
#include <QCborMap>
#include <QJsonDocument>
#include <QTemporaryFile>
#include <QtTest>

#include <algorithm>

using namespace thingscape;
using Change = PayloadDiff::Change;

class TestPayloadDiff : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void jsonDiffMarksExactlyTheChangedKeys();
    void jsonDiffOfIdenticalIsEmpty();
    void jsonDiffArraysAndTypeChanges();
    void lineDiffFindsInsertedAndRemovedLines();
    void lineDiffBeyondTheCellLimitIsRemoveThenAdd();
    void hexDiffMarksDifferingBytes();
    void diffPicksTheMode();
    void naturalOrder();
    void cborDiagnosticNotation();
    void cborDiagnosticErrorsNameTheOffset();
    void composeRequestJsonRoundTrip();
    void composeRequestEncodesEachFormat();
    void historyIsBoundedAndSearchable();
};

void TestPayloadDiff::jsonDiffMarksExactlyTheChangedKeys()
{
    // Given two payloads differing in one nested value, one added and one removed key
    const QByteArray before = R"({"temp": 21.5, "unit": "C", "meta": {"fw": "1.0", "rssi": -60}, "old": true})";
    const QByteArray after = R"({"temp": 21.5, "unit": "C", "meta": {"fw": "1.1", "rssi": -60}, "new": [1]})";
    // When diffed
    const PayloadDiff::Result result = PayloadDiff::diff(before, after);
    // Then exactly those three keys are reported, each with its kind and values
    QCOMPARE(result.mode, PayloadDiff::Mode::Json);
    QVERIFY(!result.identical);
    QCOMPARE(result.json.size(), 3);
    QCOMPARE(result.json.at(0).pointer, QStringLiteral("/meta/fw"));
    QCOMPARE(result.json.at(0).change, Change::Changed);
    QCOMPARE(result.json.at(0).before, QStringLiteral("\"1.0\""));
    QCOMPARE(result.json.at(0).after, QStringLiteral("\"1.1\""));
    QCOMPARE(result.json.at(1).pointer, QStringLiteral("/new"));
    QCOMPARE(result.json.at(1).change, Change::Added);
    QCOMPARE(result.json.at(1).after, QStringLiteral("[1]"));
    QCOMPARE(result.json.at(2).pointer, QStringLiteral("/old"));
    QCOMPARE(result.json.at(2).change, Change::Removed);
    QCOMPARE(result.json.at(2).before, QStringLiteral("true"));
    QCOMPARE(result.summary, QStringLiteral("1 changed, 1 added, 1 removed"));
}

void TestPayloadDiff::jsonDiffOfIdenticalIsEmpty()
{
    // Key order and whitespace do not matter.
    const PayloadDiff::Result result = PayloadDiff::diff(R"({"a":1,"b":{"c":[1,2]}})", R"({ "b": {"c": [1, 2]}, "a": 1 })");
    QCOMPARE(result.mode, PayloadDiff::Mode::Json);
    QVERIFY(result.identical);
    QVERIFY(result.json.isEmpty());
}

void TestPayloadDiff::jsonDiffArraysAndTypeChanges()
{
    QCborMap a;
    a.insert(QStringLiteral("list"), QCborArray{1, 2, 3});
    a.insert(QStringLiteral("v"), 1);
    a.insert(QStringLiteral("a/b"), 1);
    QCborMap b;
    b.insert(QStringLiteral("list"), QCborArray{1, 5});
    b.insert(QStringLiteral("v"), QStringLiteral("1"));
    b.insert(QStringLiteral("a/b"), 2);
    const auto entries = PayloadDiff::jsonDiff(QCborValue(a), QCborValue(b));
    QCOMPARE(entries.size(), 4);
    QCOMPARE(entries.at(0).pointer, QStringLiteral("/a~1b")); // JSON pointer escaping
    QCOMPARE(entries.at(1).pointer, QStringLiteral("/list/1"));
    QCOMPARE(entries.at(1).change, Change::Changed);
    QCOMPARE(entries.at(2).pointer, QStringLiteral("/list/2"));
    QCOMPARE(entries.at(2).change, Change::Removed);
    QCOMPARE(entries.at(3).pointer, QStringLiteral("/v"));
    QCOMPARE(entries.at(3).change, Change::Changed); // number -> string
    QCOMPARE(entries.at(3).after, QStringLiteral("\"1\""));
}

void TestPayloadDiff::lineDiffFindsInsertedAndRemovedLines()
{
    const QStringList before = {"a", "b", "c", "d", "e"};
    const QStringList after = {"a", "c", "x", "d", "e", "f"};
    const auto lines = PayloadDiff::lineDiff(before, after);
    QStringList shown;
    for (const auto &line : lines) {
        const char *mark = line.change == Change::Same ? " " : line.change == Change::Added ? "+" : "-";
        shown << QString::fromLatin1(mark) + line.text;
    }
    QCOMPARE(shown, (QStringList{" a", "-b", " c", "+x", " d", " e", "+f"}));
    QCOMPARE(lines.at(3).afterLine, 3);
    QCOMPARE(lines.at(3).beforeLine, 0);
    QCOMPARE(lines.at(1).beforeLine, 2);
}

void TestPayloadDiff::lineDiffBeyondTheCellLimitIsRemoveThenAdd()
{
    const auto lines = PayloadDiff::lineDiff({"h", "1", "2", "t"}, {"h", "3", "4", "t"}, 1);
    QCOMPARE(lines.size(), 6);
    QCOMPARE(lines.at(1).change, Change::Removed);
    QCOMPARE(lines.at(2).change, Change::Removed);
    QCOMPARE(lines.at(3).change, Change::Added);
    QCOMPARE(lines.at(5).text, QStringLiteral("t"));
    QCOMPARE(lines.at(5).beforeLine, 4);
}

void TestPayloadDiff::hexDiffMarksDifferingBytes()
{
    QByteArray before(20, '\0');
    QByteArray after = before;
    after[3] = '\x01';
    after.append('\xff');
    const auto rows = PayloadDiff::hexDiff(before, after, 16);
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows.at(0).offset, 0);
    QCOMPARE(rows.at(0).differs.count(true), 1);
    QVERIFY(rows.at(0).differs.at(3));
    QCOMPARE(rows.at(1).offset, 16);
    QCOMPARE(rows.at(1).differs.size(), 5);
    QVERIFY(rows.at(1).differs.at(4)); // only after has it
    QCOMPARE(rows.at(1).differs.count(true), 1);
}

void TestPayloadDiff::diffPicksTheMode()
{
    QCOMPARE(PayloadDiff::diff("hello\nworld", "hello\nthere").mode, PayloadDiff::Mode::Text);
    QCOMPARE(PayloadDiff::diff("21.5", "22").mode, PayloadDiff::Mode::Text); // scalars are text
    QCOMPARE(PayloadDiff::diff(QByteArray("\x00\x01", 2), QByteArray("\x00\x02", 2)).mode, PayloadDiff::Mode::Hex);
    const QByteArray cborA = QCborValue(QCborMap{{QStringLiteral("t"), 1}}).toCbor();
    const QByteArray cborB = QCborValue(QCborMap{{QStringLiteral("t"), 2}}).toCbor();
    const auto cbor = PayloadDiff::diff(cborA, cborB, 60);
    QCOMPARE(cbor.mode, PayloadDiff::Mode::Json);
    QCOMPARE(cbor.json.size(), 1);
    QCOMPARE(cbor.json.at(0).pointer, QStringLiteral("/t"));
    const auto same = PayloadDiff::diff("x", "x");
    QVERIFY(same.identical);
}

void TestPayloadDiff::naturalOrder()
{
    QStringList names = {"s10", "s9", "S2", "s1", "s09", "sensor", "s100", "a", "s9b", "s9a"};
    std::sort(names.begin(), names.end(), [](const QString &a, const QString &b) { return naturalLess(a, b); });
    QCOMPARE(names, (QStringList{"a", "s1", "S2", "s9", "s09", "s9a", "s9b", "s10", "s100", "sensor"}));
    QVERIFY(naturalCompare(u"x99999999999999999999", u"x100000000000000000000") < 0); // longer than 64 bits
    QCOMPARE(naturalCompare(u"abc", u"abc"), 0);
    QVERIFY(naturalCompare(u"Abc", u"abc") != 0); // a total order
}

void TestPayloadDiff::cborDiagnosticNotation()
{
    QString error;
    const auto value = codecs::parseCborDiagnostic(
        QStringLiteral(R"({"a": [1, -2, 1.5, h'0102', b64'AwQ', true, null, undefined], 1: 0("2013-03-21"), "s": simple(16) /c/})"),
        &error);
    QVERIFY2(value, qPrintable(error));
    const QCborMap map = value->toMap();
    const QCborArray list = map.value(QStringLiteral("a")).toArray();
    QCOMPARE(list.size(), 8);
    QCOMPARE(list.at(0).toInteger(), 1);
    QCOMPARE(list.at(1).toInteger(), -2);
    QCOMPARE(list.at(2).toDouble(), 1.5);
    QCOMPARE(list.at(3).toByteArray(), QByteArray("\x01\x02"));
    QCOMPARE(list.at(4).toByteArray(), QByteArray("\x03\x04"));
    QVERIFY(list.at(7).isUndefined());
    QVERIFY(map.value(1).isTag());
    QCOMPARE(quint64(map.value(1).tag()), quint64(0));
    QCOMPARE(map.value(QStringLiteral("s")).toSimpleType(), QCborSimpleType(16));
}

void TestPayloadDiff::cborDiagnosticErrorsNameTheOffset()
{
    QString error;
    QVERIFY(!codecs::parseCborDiagnostic(QStringLiteral("[1, h'0g']"), &error));
    QVERIFY2(error.contains(QLatin1String("hex digit")), qPrintable(error));
    QVERIFY(!codecs::parseCborDiagnostic(QStringLiteral("{1 2}"), &error));
    QVERIFY2(error.contains(QLatin1String("offset 3")), qPrintable(error));
    QVERIFY(!codecs::parseCborDiagnostic(QStringLiteral("[1] x"), &error));
}

void TestPayloadDiff::composeRequestJsonRoundTrip()
{
    ComposeRequest r;
    r.uri = QStringLiteral("coap://[::1]:5683/a");
    r.method = QStringLiteral("FETCH");
    r.payloadText = QStringLiteral("{1: 2}");
    r.format = ComposeRequest::PayloadFormat::CborDiag;
    r.qos = 2;
    r.retain = true;
    r.contentType = QStringLiteral("text/x");
    r.responseTopic = QStringLiteral("r/t");
    r.correlationData = QByteArray("\x00\xff", 2);
    r.userProperties = {{QStringLiteral("k"), QStringLiteral("v")}};
    r.messageExpirySeconds = 9;
    r.waitForReply = true;
    r.confirmable = false;
    r.accept = 60;
    r.contentFormat = 60;
    r.etag = "e";
    r.ifMatch = "m";
    r.observe = 0;
    r.block2Size = 64;
    r.coapOptions = {{65000, QByteArray("\x01", 1)}};
    r.headers = {{"X-A", "b"}};
    r.timeoutMs = 1234;
    QString error;
    const ComposeRequest back = ComposeRequest::fromJson(r.toJson(), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(back, r);
    QCOMPARE(ComposeRequest::fromJson(ComposeRequest().toJson()), ComposeRequest());
    ComposeRequest::fromJson(QJsonObject{{QStringLiteral("qos"), QStringLiteral("one")}}, &error);
    QVERIFY2(error.contains(QLatin1String("qos")), qPrintable(error));
}

void TestPayloadDiff::composeRequestEncodesEachFormat()
{
    ComposeRequest r;
    QByteArray out;
    int format = 0;
    QString error;
    r.payloadText = QStringLiteral("{\"a\": 1}");
    r.format = ComposeRequest::PayloadFormat::Json;
    QVERIFY(r.encodePayload(&out, &format, &error));
    QCOMPARE(out, QByteArray("{\"a\": 1}"));
    QCOMPARE(format, 50);
    r.format = ComposeRequest::PayloadFormat::CborJson;
    QVERIFY(r.encodePayload(&out, &format, &error));
    QCOMPARE(out, QByteArray("\xa1\x61\x61\x01"));
    QCOMPARE(format, 60);
    r.payloadText = QStringLiteral("[h'ff', 1]");
    r.format = ComposeRequest::PayloadFormat::CborDiag;
    QVERIFY2(r.encodePayload(&out, &format, &error), qPrintable(error));
    QCOMPARE(out, QByteArray("\x82\x41\xff\x01"));
    r.payloadText = QStringLiteral("de ad\nbe ef");
    r.format = ComposeRequest::PayloadFormat::Hex;
    QVERIFY(r.encodePayload(&out, &format, &error));
    QCOMPARE(out, QByteArray("\xde\xad\xbe\xef"));
    QCOMPARE(format, -1);
    r.payloadText = QStringLiteral("zz");
    QVERIFY(!r.encodePayload(&out, &format, &error));
    QVERIFY2(error.contains(QLatin1String("'z'")), qPrintable(error));
    QTemporaryFile file;
    QVERIFY(file.open());
    file.write(QByteArray("\x00\x01\x02", 3));
    file.close();
    r.payloadText = file.fileName();
    r.format = ComposeRequest::PayloadFormat::File;
    QVERIFY(r.encodePayload(&out, &format, &error));
    QCOMPARE(out, QByteArray("\x00\x01\x02", 3));
    r.payloadText = file.fileName() + QStringLiteral(".missing");
    QVERIFY(!r.encodePayload(&out, &format, &error));
    QVERIFY2(error.contains(r.payloadText), qPrintable(error));
}

void TestPayloadDiff::historyIsBoundedAndSearchable()
{
    ComposeHistory history;
    for (int i = 0; i < ComposeHistory::kMaxEntries + 10; ++i) {
        ComposeRequest r;
        r.uri = QStringLiteral("mqtt://h:1883/t%1").arg(i);
        history.add(r);
    }
    QCOMPARE(history.entries().size(), ComposeHistory::kMaxEntries);
    QCOMPARE(history.entries().constFirst().request.uri, QStringLiteral("mqtt://h:1883/t509")); // newest first
    QCOMPARE(history.search(QStringLiteral("T509")), QList<int>{0});
    QVERIFY(history.search(QStringLiteral("t5")).size() > 10);
    QString error;
    QVERIFY(!history.load(QJsonObject{{QStringLiteral("history"), QJsonArray{QJsonObject{
                                          {QStringLiteral("request"), QJsonObject{{QStringLiteral("uri"), 3}}}}}}},
                          &error));
    QVERIFY2(error.contains(QLatin1String("/compose/history/0")), qPrintable(error));
    QCOMPARE(history.entries().size(), ComposeHistory::kMaxEntries); // nothing lost
}

QTEST_GUILESS_MAIN(TestPayloadDiff)
#include "tst_payloaddiff.moc"
