// The command line's raw printing path against the decoding one: for every payload the raw
// path takes, the line means the same (JSON: the same object; text: the payload as published),
// and whatever it cannot mirror exactly goes the long way.

#include "lineprinter.h"
#include "valueformatter.h"

#include "model/codecs/codecs.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryFile>
#include <QTest>

#include <cstdio>
#include <unistd.h>

using namespace thingscape;

namespace {

const QString kUri = QStringLiteral("mqtt://127.0.0.1:1883/site/b1/f2/dev3/metric");
constexpr qint64 kTime = 1796560000123LL;

Value rawValue(const QByteArray &payload)
{
    Value value;
    value.raw = payload;
    value.timeMs = kTime;
    return value;
}

QJsonObject parse(const QByteArray &line)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(line, &error);
    if (error.error != QJsonParseError::NoError)
        qWarning() << "not JSON:" << line << error.errorString();
    return document.object();
}

} // namespace

class TestLinePrinter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void jsonMeansTheSame_data();
    void jsonMeansTheSame();
    void textPrintsThePayloadOrEscapes_data();
    void textPrintsThePayloadOrEscapes();
    void timeMatchesValueFormatter();
    void urisThatAreNotPlainGoTheLongWay_data();
    void urisThatAreNotPlainGoTheLongWay();
    void classifiers();
    void buffersUntilFlushed();
};

void TestLinePrinter::jsonMeansTheSame_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::newRow("number") << QByteArray("21.5");
    QTest::newRow("trailing zero") << QByteArray("21.50");
    QTest::newRow("negative exponent") << QByteArray("-1.5e-3");
    QTest::newRow("integer") << QByteArray("42");
    QTest::newRow("true") << QByteArray("true");
    QTest::newRow("text") << QByteArray("hello world");
    QTest::newRow("text with quote") << QByteArray(R"(say "hi" \ now)");
    QTest::newRow("null as text") << QByteArray("null");
    QTest::newRow("object") << QByteArray(R"({"t":20.5,"ok":true,"tags":["a","b"],"n":null})");
    QTest::newRow("object with spaces") << QByteArray(R"({ "a" : [ 1 , 2 ] })");
    QTest::newRow("array") << QByteArray("[1,2,3]");
    QTest::newRow("broken JSON") << QByteArray(R"({"a":)");
    QTest::newRow("unicode") << QByteArray("Temperatur 21 °C");
    QTest::newRow("escape in JSON") << QByteArray(R"({"a":"x\u0041\n"})");
    QTest::newRow("binary") << QByteArray::fromHex("0102ff");
    QTest::newRow("control") << QByteArray("a\x1b[2Jb");
    QTest::newRow("bidi") << QByteArray("abc\xe2\x80\xae" "def");
    QTest::newRow("C1") << QByteArray("x\xc2\x85y");
    QTest::newRow("leading space number") << QByteArray(" 7");
    QTest::newRow("plus number") << QByteArray("+7");
    QTest::newRow("quoted string") << QByteArray(R"("quoted")");
    QTest::newRow("newline in JSON") << QByteArray("{\"a\":\n1}");
}

void TestLinePrinter::jsonMeansTheSame()
{
    QFETCH(QByteArray, payload);
    LinePrinter printer;
    const QByteArray fast = printer.format(kTime, kUri, rawValue(payload), true);
    // The long way: decoded first, as before.
    const Value decoded = codecs::decode(payload, ContentFormat::Unknown, QString(), kTime);
    const QByteArray slow = printer.format(kTime, kUri, decoded, true);
    QVERIFY2(!fast.contains('\n'), fast.constData());
    QCOMPARE(parse(fast), parse(slow));
    QVERIFY(!parse(fast).isEmpty());
}

void TestLinePrinter::textPrintsThePayloadOrEscapes_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QByteArray>("shown");
    QTest::newRow("number") << QByteArray("21.5") << QByteArray("21.5");
    QTest::newRow("text") << QByteArray("hello") << QByteArray("hello");
    QTest::newRow("JSON as published") << QByteArray(R"({"b":1,"a":2})") << QByteArray(R"({"b":1,"a":2})");
    QTest::newRow("unicode") << QByteArray("21 °C") << QByteArray("21 °C");
    QTest::newRow("control: binary, as hex") << QByteArray("a\x1b[2Jb") << QByteArray("611b5b324a62");
    QTest::newRow("bidi") << QByteArray("abc\xe2\x80\xae" "def") << QByteArray("abc<U+202E>def");
    QTest::newRow("line break") << QByteArray("two\nlines") << QByteArray("two\\nlines");
    QTest::newRow("binary") << QByteArray::fromHex("0102ff") << QByteArray("0102ff");
}

void TestLinePrinter::textPrintsThePayloadOrEscapes()
{
    QFETCH(QByteArray, payload);
    QFETCH(QByteArray, shown);
    LinePrinter printer;
    const QByteArray line = printer.format(kTime, kUri, rawValue(payload), false);
    const QByteArray expected = ValueFormatter::timeText(kTime).toUtf8() + ' ' + kUri.toUtf8() + ' ' + shown;
    QCOMPARE(line, expected);
}

void TestLinePrinter::timeMatchesValueFormatter()
{
    LinePrinter printer;
    for (const qint64 ms : {qint64(0), qint64(999), qint64(1000), kTime, kTime + 1, kTime + 877, qint64(1709251199999),
                            qint64(1709251200000), qint64(-1), qint64(-1001)}) {
        QByteArray out;
        printer.appendTime(out, ms);
        QCOMPARE(QString::fromLatin1(out), ValueFormatter::timeText(ms));
    }
}

void TestLinePrinter::urisThatAreNotPlainGoTheLongWay_data()
{
    QTest::addColumn<QString>("uri");
    QTest::newRow("plain") << kUri;
    QTest::newRow("quote") << QStringLiteral("mqtt://h:1/a\"b");
    QTest::newRow("backslash") << QStringLiteral("mqtt://h:1/a\\b");
    QTest::newRow("control") << QStringLiteral("mqtt://h:1/a\x01b");
    QTest::newRow("DEL") << QStringLiteral("mqtt://h:1/a\x7f");
    QTest::newRow("non-ASCII") << QStringLiteral("mqtt://h:1/k\u00fcche");
    QTest::newRow("U+0122 (low byte a quote)") << QStringLiteral("mqtt://h:1/\u0122");
}

void TestLinePrinter::urisThatAreNotPlainGoTheLongWay()
{
    // Given a printable payload and a URI, plain or not
    QFETCH(QString, uri);
    LinePrinter printer;
    // When it is printed as text and as JSON
    const QByteArray text = printer.format(kTime, uri, rawValue("21.5"), false);
    const QByteArray json = printer.format(kTime, uri, rawValue("21.5"), true);
    // Then the text line is what the decoding path prints, and the JSON line names the URI exactly
    const QByteArray expected = ValueFormatter::terminalSafe(ValueFormatter::timeText(kTime) + QLatin1Char(' ') + uri
                                                             + QLatin1String(" 21.5"))
                                    .toUtf8();
    QCOMPARE(text, expected);
    QCOMPARE(parse(json).value(QStringLiteral("uri")).toString(), uri);
    // And the plain check agrees with what it wrote
    QByteArray out;
    const bool plain = LinePrinter::appendPlainUri(out, uri);
    QCOMPARE(plain, uri == kUri);
    QCOMPARE(out, plain ? uri.toLatin1() : QByteArray());
}

void TestLinePrinter::classifiers()
{
    QVERIFY(LinePrinter::isJson(R"({"a":[1,2,{"b":null}],"c":"\u00e9"})"));
    QVERIFY(LinePrinter::isJson(" [ ] "));
    QVERIFY(!LinePrinter::isJson(R"({"a":1,})"));
    QVERIFY(!LinePrinter::isJson(R"({"a":01})"));
    QVERIFY(!LinePrinter::isJson(R"(["a" "b"])"));
    QVERIFY(!LinePrinter::isJson(R"({"a":1}x)"));
    QVERIFY(!LinePrinter::isJson(QByteArray(200, '[') + QByteArray(200, ']'))); // deeper than the limit
    QVERIFY(LinePrinter::isJsonNumber("-0.5e+3"));
    QVERIFY(!LinePrinter::isJsonNumber("1."));
    QVERIFY(!LinePrinter::isJsonNumber(".5"));
    QVERIFY(!LinePrinter::isJsonNumber("0x10"));
    QVERIFY(LinePrinter::isSafeText("plain ascii and é and 😀"));
    QVERIFY(!LinePrinter::isSafeText("tab\there"));
    QVERIFY(!LinePrinter::isSafeText("\xc0\xaf")); // overlong
    QVERIFY(!LinePrinter::isSafeText("\xed\xa0\x80")); // surrogate
    QVERIFY(!LinePrinter::isSafeText("cut \xe2\x82")); // truncated
    QVERIFY(!LinePrinter::isSafeText("\xe2\x81\xa6")); // bidi isolate
}

void TestLinePrinter::buffersUntilFlushed()
{
    QTemporaryFile file;
    QVERIFY(file.open());
    std::FILE *out = fdopen(dup(file.handle()), "w");
    QVERIFY(out);
    {
        LinePrinter printer(out);
        printer.update(kTime, kUri, rawValue("1"), false);
        printer.line("second");
        QCOMPARE(QFileInfo(file.fileName()).size(), qint64(0)); // one write per batch, not per line
        printer.flush();
        QFile check(file.fileName());
        QVERIFY(check.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = check.readAll().split('\n');
        QCOMPARE(lines.size(), 3);
        QVERIFY(lines.at(0).endsWith(" 1"));
        QCOMPARE(lines.at(1), QByteArray("second"));
    }
    std::fclose(out);
}

QTEST_GUILESS_MAIN(TestLinePrinter)
#include "tst_lineprinter.moc"
