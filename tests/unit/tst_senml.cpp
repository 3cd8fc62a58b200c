#include "model/codecs/codecs.h"
#include "model/codecs/senml.h"
#include "model/metadata.h"

#include <QTest>

using thingscape::codecs::SenmlRecord;
namespace codecs = thingscape::codecs;

namespace {

// "now" for relative times in these tests; above 2^28 like any real clock.
constexpr double kNow = 1700000000.0;

// One line per record, so a failure shows the whole difference.
QString describe(const SenmlRecord &r)
{
    QString text = QStringLiteral("%1|%2|%3|%4")
                       .arg(r.name, QString::number(r.time, 'f', 3), r.value.toDiagnosticNotation(QCborValue::Compact), r.unit);
    if (r.sum)
        text += QStringLiteral("|s=%1").arg(*r.sum);
    if (r.updateTime != 0)
        text += QStringLiteral("|ut=%1").arg(r.updateTime);
    return text;
}

QStringList describe(const QList<SenmlRecord> &records)
{
    QStringList lines;
    for (const SenmlRecord &r : records)
        lines << describe(r);
    return lines;
}

const char kResolved514[] = R"([
     {"n":"urn:dev:ow:10e2073a01080063","u":"%RH","t":1.320067464e+09,
      "v":20},
     {"n":"urn:dev:ow:10e2073a01080063","u":"lon","t":1.320067464e+09,
      "v":24.30621},
     {"n":"urn:dev:ow:10e2073a01080063","u":"lat","t":1.320067464e+09,
      "v":60.07965},
     {"n":"urn:dev:ow:10e2073a01080063","u":"%RH","t":1.320067524e+09,
      "v":20.3},
     {"n":"urn:dev:ow:10e2073a01080063","u":"lon","t":1.320067524e+09,
      "v":24.30622},
     {"n":"urn:dev:ow:10e2073a01080063","u":"lat","t":1.320067524e+09,
      "v":60.07965},
     {"n":"urn:dev:ow:10e2073a01080063","u":"%RH","t":1.320067584e+09,
      "v":20.7},
     {"n":"urn:dev:ow:10e2073a01080063","u":"lon","t":1.320067584e+09,
      "v":24.30623},
     {"n":"urn:dev:ow:10e2073a01080063","u":"lat","t":1.320067584e+09,
      "v":60.07966},
     {"n":"urn:dev:ow:10e2073a01080063","u":"%EL","t":1.320067614e+09,
      "v":98},
     {"n":"urn:dev:ow:10e2073a01080063","u":"%RH","t":1.320067644e+09,
      "v":21.2},
     {"n":"urn:dev:ow:10e2073a01080063","u":"lon","t":1.320067644e+09,
      "v":24.30628},
     {"n":"urn:dev:ow:10e2073a01080063","u":"lat","t":1.320067644e+09,
      "v":60.07967}
   ])";

const char kMultiple513[] = R"([
     {"bn":"urn:dev:ow:10e2073a01080063","bt":1.320067464e+09,
      "bu":"%RH","v":20},
     {"u":"lon","v":24.30621},
     {"u":"lat","v":60.07965},
     {"t":60,"v":20.3},
     {"u":"lon","t":60,"v":24.30622},
     {"u":"lat","t":60,"v":60.07965},
     {"t":120,"v":20.7},
     {"u":"lon","t":120,"v":24.30623},
     {"u":"lat","t":120,"v":60.07966},
     {"u":"%EL","t":150,"v":98},
     {"t":180,"v":21.2},
     {"u":"lon","t":180,"v":24.30628},
     {"u":"lat","t":180,"v":60.07967}
   ])";

// RFC 8428 section 6: the CBOR form of the second example of section 5.1.2.
QByteArray rfcCborExample()
{
    return QByteArray::fromHex("87a721781b75726e3a6465763a6f773a3130653230373361303130383030363a"
                               "22fb41d303a15b00106223614120050067766f6c7461676501615602fb405e06"
                               "6666666666a3006763757272656e74062402fb3ff3333333333333a3006763"
                               "757272656e74062302fb3ff4cccccccccccda3006763757272656e74062202fb3f"
                               "f6666666666666a3006763757272656e74062102f93e00a3006763757272656e74"
                               "062002fb3ff999999999999aa3006763757272656e74060002fb3ffb333333333333");
}

const QStringList kCurrentAt2010 = {
    QStringLiteral("urn:dev:ow:10e2073a0108006:voltage|1276020076.001|120.1|V"),
    QStringLiteral("urn:dev:ow:10e2073a0108006:current|1276020071.001|1.2|A"),
    QStringLiteral("urn:dev:ow:10e2073a0108006:current|1276020072.001|1.3|A"),
    QStringLiteral("urn:dev:ow:10e2073a0108006:current|1276020073.001|1.4|A"),
    QStringLiteral("urn:dev:ow:10e2073a0108006:current|1276020074.001|1.5|A"),
    QStringLiteral("urn:dev:ow:10e2073a0108006:current|1276020075.001|1.6|A"),
    QStringLiteral("urn:dev:ow:10e2073a0108006:current|1276020076.001|1.7|A"),
};

} // namespace

class TestSenml : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rfcExamples_data();
    void rfcExamples();
    void resolvedFormMatches();
    void cborExample();
    void cborLabels();
    void resolution_data();
    void resolution();
    void fromDecodedValue();
    void malformed_data();
    void malformed();
    void unitCodes_data();
    void unitCodes();
    void unitFromLinkTitle_data();
    void unitFromLinkTitle();
    void unitSaidOutrightWins();
};

void TestSenml::rfcExamples_data()
{
    QTest::addColumn<QByteArray>("pack");
    QTest::addColumn<QStringList>("records");

    const QString now = QString::number(kNow, 'f', 3);

    QTest::newRow("5.1.1 single data point") << QByteArray(R"([
     {"n":"urn:dev:ow:10e2073a01080063","u":"Cel","v":23.1}
   ])") << QStringList{QStringLiteral("urn:dev:ow:10e2073a01080063|%1|23.1|Cel").arg(now)};

    QTest::newRow("5.1.2 multiple data points") << QByteArray(R"([
  {"bn":"urn:dev:ow:10e2073a01080063:","n":"voltage","u":"V","v":120.1},
  {"n":"current","u":"A","v":1.2}
])") << QStringList{QStringLiteral("urn:dev:ow:10e2073a01080063:voltage|%1|120.1|V").arg(now),
                    QStringLiteral("urn:dev:ow:10e2073a01080063:current|%1|1.2|A").arg(now)};

    QTest::newRow("5.1.2 current over 5 seconds") << QByteArray(R"([
     {"bn":"urn:dev:ow:10e2073a0108006:","bt":1.276020076001e+09,
      "bu":"A","bver":5,
      "n":"voltage","u":"V","v":120.1},
     {"n":"current","t":-5,"v":1.2},
     {"n":"current","t":-4,"v":1.3},
     {"n":"current","t":-3,"v":1.4},
     {"n":"current","t":-2,"v":1.5},
     {"n":"current","t":-1,"v":1.6},
     {"n":"current","v":1.7}
   ])") << kCurrentAt2010;

    // The stream of section 5.1.2, up to where the RFC breaks off with "...".
    QStringList stream;
    const double values[] = {21.2, 21.3, 21.4, 21.4, 21.5, 21.5, 21.5, 21.6, 21.7};
    for (int i = 0; i < 9; ++i)
        stream << QStringLiteral("urn:dev:ow:10e2073a01080063|%1|%2|%RH")
                      .arg(QString::number(1320067464.0 + 10 * i, 'f', 3))
                      .arg(values[i]);
    QTest::newRow("5.1.2 sensml stream") << QByteArray(R"([
     {"bn":"urn:dev:ow:10e2073a01080063","bt":1.320067464e+09,
      "bu":"%RH","v":21.2},
     {"t":10,"v":21.3},
     {"t":20,"v":21.4},
     {"t":30,"v":21.4},
     {"t":40,"v":21.5},
     {"t":50,"v":21.5},
     {"t":60,"v":21.5},
     {"t":70,"v":21.6},
     {"t":80,"v":21.7}
   ])") << stream;

    const QString dev = QStringLiteral("urn:dev:ow:10e2073a01080063");
    QTest::newRow("5.1.3 multiple measurements") << QByteArray(kMultiple513) << QStringList{
        dev + QStringLiteral("|1320067464.000|20|%RH"),     dev + QStringLiteral("|1320067464.000|24.30621|lon"),
        dev + QStringLiteral("|1320067464.000|60.07965|lat"), dev + QStringLiteral("|1320067524.000|20.3|%RH"),
        dev + QStringLiteral("|1320067524.000|24.30622|lon"), dev + QStringLiteral("|1320067524.000|60.07965|lat"),
        dev + QStringLiteral("|1320067584.000|20.7|%RH"),     dev + QStringLiteral("|1320067584.000|24.30623|lon"),
        dev + QStringLiteral("|1320067584.000|60.07966|lat"), dev + QStringLiteral("|1320067614.000|98|%EL"),
        dev + QStringLiteral("|1320067644.000|21.2|%RH"),     dev + QStringLiteral("|1320067644.000|24.30628|lon"),
        dev + QStringLiteral("|1320067644.000|60.07967|lat"),
    };

    QTest::newRow("5.1.5 multiple data types") << QByteArray(R"([
    {"bn":"urn:dev:ow:10e2073a01080063:","n":"temp","u":"Cel","v":23.1},
    {"n":"label","vs":"Machine Room"},
    {"n":"open","vb":false},
    {"n":"nfv-reader","vd":"aGkgCg"}
  ])") << QStringList{QStringLiteral("urn:dev:ow:10e2073a01080063:temp|%1|23.1|Cel").arg(now),
                      QStringLiteral("urn:dev:ow:10e2073a01080063:label|%1|\"Machine Room\"|").arg(now),
                      QStringLiteral("urn:dev:ow:10e2073a01080063:open|%1|false|").arg(now),
                      QStringLiteral("urn:dev:ow:10e2073a01080063:nfv-reader|%1|h'6869200a'|").arg(now)};

    QTest::newRow("5.1.6 collection of resources") << QByteArray(R"([
     {"bn":"2001:db8::2/","bt":1.320078429e+09,
      "n":"temperature","u":"Cel","v":25.2},
     {"n":"humidity","u":"%RH","v":30},
     {"bn":"2001:db8::1/","n":"temperature","u":"Cel","v":12.3},
     {"n":"humidity","u":"%RH","v":67}
   ])") << QStringList{QStringLiteral("2001:db8::2/temperature|1320078429.000|25.2|Cel"),
                       QStringLiteral("2001:db8::2/humidity|1320078429.000|30|%RH"),
                       QStringLiteral("2001:db8::1/temperature|1320078429.000|12.3|Cel"),
                       QStringLiteral("2001:db8::1/humidity|1320078429.000|67|%RH")};

    QTest::newRow("5.1.7 setting an actuator") << QByteArray(R"([
     {"bn":"urn:dev:ow:10e2073a01080063:"},
     {"n":"temp","u":"Cel","v":23.1},
     {"n":"heat","u":"/","v":1},
     {"n":"fan","u":"/","v":0}
   ])") << QStringList{QStringLiteral("urn:dev:ow:10e2073a01080063:temp|%1|23.1|Cel").arg(now),
                       QStringLiteral("urn:dev:ow:10e2073a01080063:heat|%1|1|/").arg(now),
                       QStringLiteral("urn:dev:ow:10e2073a01080063:fan|%1|0|/").arg(now)};

    QTest::newRow("5.1.7 two lights on") << QByteArray(R"([
     {"bt":1.320078429e+09,"bu":"/","n":"2001:db8::3","v":1},
     {"n":"2001:db8::4","v":1}
   ])") << QStringList{QStringLiteral("2001:db8::3|1320078429.000|1|/"), QStringLiteral("2001:db8::4|1320078429.000|1|/")};

    QTest::newRow("5.1.7 two lights dimmed then off") << QByteArray(R"([
     {"bt":1.320078429e+09,"bu":"/","n":"2001:db8::3","v":0.5},
     {"n":"2001:db8::4","v":0.5},
     {"n":"2001:db8::3","t":0.1,"v":0},
     {"n":"2001:db8::4","t":0.1,"v":0}
   ])") << QStringList{QStringLiteral("2001:db8::3|1320078429.000|0.5|/"), QStringLiteral("2001:db8::4|1320078429.000|0.5|/"),
                       QStringLiteral("2001:db8::3|1320078429.100|0|/"), QStringLiteral("2001:db8::4|1320078429.100|0|/")};

    QTest::newRow("empty pack") << QByteArray("[]") << QStringList();
}

void TestSenml::rfcExamples()
{
    QFETCH(QByteArray, pack);
    QFETCH(QStringList, records);

    QString error = QStringLiteral("stale");
    const auto parsed = codecs::parseSenml(pack, thingscape::ContentFormat::SenmlJson, &error, kNow);
    QVERIFY2(parsed, qPrintable(error));
    QCOMPARE(describe(*parsed), records);

    // decode() accepts it as SenML too, and keeps the pack as a structure.
    const auto value = codecs::decode(pack, thingscape::ContentFormat::SenmlJson);
    QCOMPARE(value.error, QString());
    QVERIFY(value.decoded.isArray());
}

void TestSenml::resolvedFormMatches()
{
    // RFC 8428 5.1.4 is 5.1.3 resolved: both must give the same records.
    QString error;
    const auto packed = codecs::parseSenml(QByteArray(kMultiple513), thingscape::ContentFormat::SenmlJson, &error, kNow);
    QVERIFY2(packed, qPrintable(error));
    const auto resolved = codecs::parseSenml(QByteArray(kResolved514), thingscape::ContentFormat::SenmlJson, &error, kNow);
    QVERIFY2(resolved, qPrintable(error));
    QCOMPARE(resolved->size(), 13);
    QCOMPARE(describe(*packed), describe(*resolved));
}

void TestSenml::cborExample()
{
    const QByteArray raw = rfcCborExample();
    QCOMPARE(raw.size(), 0xc3);
    QString error;
    const auto records = codecs::parseSenml(raw, thingscape::ContentFormat::SenmlCbor, &error, kNow);
    QVERIFY2(records, qPrintable(error));
    QCOMPARE(describe(*records), kCurrentAt2010);
    // Unknown content-format: told apart from JSON by its first byte.
    const auto sniffed = codecs::parseSenml(raw, -1, &error, kNow);
    QVERIFY2(sniffed, qPrintable(error));
    QCOMPARE(describe(*sniffed), kCurrentAt2010);

    const auto value = codecs::decode(raw, thingscape::ContentFormat::SenmlCbor);
    QCOMPARE(value.error, QString());
    QCOMPARE(value.decoded.toArray().size(), 7);
    QCOMPARE(value.decoded.toArray().at(0).toMap().value(-2).toString(), QStringLiteral("urn:dev:ow:10e2073a0108006:"));
}

void TestSenml::cborLabels()
{
    // Every label of RFC 8428 table 4: bn -2, bt -3, bu -4, bv -5, bs -6, n 0, u 1, v 2, vs 3, vb 4, s 5, t 6, ut 7, vd 8.
    QCborMap first;
    first.insert(-1, 10);
    first.insert(-2, QStringLiteral("dev/"));
    first.insert(-3, 1500000000);
    first.insert(-4, QStringLiteral("W"));
    first.insert(-5, 100);
    first.insert(-6, 1000);
    first.insert(0, QStringLiteral("power"));
    first.insert(2, 5);
    first.insert(5, 50);
    first.insert(7, 60);
    QCborMap second;
    second.insert(0, QStringLiteral("state"));
    second.insert(1, QStringLiteral("/"));
    second.insert(3, QStringLiteral("on"));
    second.insert(6, 10);
    QCborMap third;
    third.insert(0, QStringLiteral("flag"));
    third.insert(4, true);
    QCborMap fourth;
    fourth.insert(0, QStringLiteral("blob"));
    fourth.insert(8, QByteArray("\x01\x02", 2));
    fourth.insert(99, QStringLiteral("unknown integer labels are ignored"));
    const QByteArray raw = QCborValue(QCborArray{first, second, third, fourth}).toCbor();

    QString error;
    const auto records = codecs::parseSenml(raw, thingscape::ContentFormat::SenmlCbor, &error, kNow);
    QVERIFY2(records, qPrintable(error));
    QCOMPARE(describe(*records), (QStringList{
                                     QStringLiteral("dev/power|1500000000.000|105.0|W|s=1050|ut=60"),
                                     QStringLiteral("dev/state|1500000010.000|\"on\"|/|s=1000"),
                                     QStringLiteral("dev/flag|1500000000.000|true|W|s=1000"),
                                     QStringLiteral("dev/blob|1500000000.000|h'0102'|W|s=1000"),
                                 }));
}

void TestSenml::resolution_data()
{
    QTest::addColumn<QByteArray>("pack");
    QTest::addColumn<QStringList>("records");
    const QString now = QString::number(kNow, 'f', 3);

    QTest::newRow("base value added") << QByteArray(R"([{"bn":"a","bv":10,"v":1.5},{"bn":"b","v":2}])")
                                      << QStringList{QStringLiteral("a|%1|11.5|").arg(now), QStringLiteral("b|%1|12.0|").arg(now)};
    QTest::newRow("base value alone is the value") << QByteArray(R"([{"bn":"a","bv":7}])")
                                                   << QStringList{QStringLiteral("a|%1|7.0|").arg(now)};
    QTest::newRow("base value not added to strings") << QByteArray(R"([{"bn":"a","bv":7,"vs":"x"}])")
                                                     << QStringList{QStringLiteral("a|%1|\"x\"|").arg(now)};
    QTest::newRow("integer stays integer") << QByteArray(R"([{"n":"a","v":3}])") << QStringList{QStringLiteral("a|%1|3|").arg(now)};
    QTest::newRow("sum only") << QByteArray(R"([{"n":"meter","u":"W","s":1234.5}])")
                              << QStringList{QStringLiteral("meter|%1|undefined|W|s=1234.5").arg(now)};
    QTest::newRow("base sum added") << QByteArray(R"([{"bn":"m","bs":1000,"s":5,"v":1},{"v":2}])")
                                    << QStringList{QStringLiteral("m|%1|1||s=1005").arg(now), QStringLiteral("m|%1|2||s=1000").arg(now)};
    QTest::newRow("relative times") << QByteArray(R"([{"n":"a","t":-60,"v":1},{"n":"a","bt":-100,"t":10,"v":2}])")
                                    << QStringList{QStringLiteral("a|%1|1|").arg(QString::number(kNow - 60, 'f', 3)),
                                                   QStringLiteral("a|%1|2|").arg(QString::number(kNow - 90, 'f', 3))};
    QTest::newRow("2^28 is absolute") << QByteArray(R"([{"n":"a","t":268435456,"v":1},{"n":"a","t":268435455,"v":1}])")
                                      << QStringList{QStringLiteral("a|268435456.000|1|"),
                                                     QStringLiteral("a|%1|1|").arg(QString::number(kNow + 268435455, 'f', 3))};
    QTest::newRow("unit overrides base unit") << QByteArray(R"([{"bn":"a","bu":"Cel","v":1},{"u":"K","v":2},{"v":3}])")
                                              << QStringList{QStringLiteral("a|%1|1|Cel").arg(now), QStringLiteral("a|%1|2|K").arg(now),
                                                             QStringLiteral("a|%1|3|Cel").arg(now)};
    QTest::newRow("update time") << QByteArray(R"([{"n":"a","v":1,"ut":300}])")
                                 << QStringList{QStringLiteral("a|%1|1||ut=300").arg(now)};
    QTest::newRow("unknown field ignored") << QByteArray(R"([{"n":"a","v":1,"foo":"bar","x_y":1}])")
                                           << QStringList{QStringLiteral("a|%1|1|").arg(now)};
    QTest::newRow("base fields only record skipped") << QByteArray(R"([{"bn":"x/","bt":1500000000,"bu":"V"},{"n":"y","v":1}])")
                                                     << QStringList{QStringLiteral("x/y|1500000000.000|1|V")};
    QTest::newRow("data value with padding") << QByteArray(R"([{"n":"d","vd":"aGk="}])")
                                             << QStringList{QStringLiteral("d|%1|h'6869'|").arg(now)};
    QTest::newRow("data value url alphabet") << QByteArray(R"([{"n":"d","vd":"-_8"}])")
                                             << QStringList{QStringLiteral("d|%1|h'fbff'|").arg(now)};
    QTest::newRow("same version repeated") << QByteArray(R"([{"bver":10,"n":"a","v":1},{"bver":10,"n":"b","v":2}])")
                                           << QStringList{QStringLiteral("a|%1|1|").arg(now), QStringLiteral("b|%1|2|").arg(now)};
}

void TestSenml::resolution()
{
    QFETCH(QByteArray, pack);
    QFETCH(QStringList, records);
    QString error;
    const auto parsed = codecs::parseSenml(pack, thingscape::ContentFormat::SenmlJson, &error, kNow);
    QVERIFY2(parsed, qPrintable(error));
    QCOMPARE(describe(*parsed), records);
}

void TestSenml::fromDecodedValue()
{
    const auto value = codecs::decode(QByteArray(R"([{"bn":"a/","n":"b","v":1}])"), -1, QStringLiteral("application/senml+json"));
    QCOMPARE(value.contentFormat, thingscape::ContentFormat::SenmlJson);
    QString error;
    const auto records = codecs::parseSenml(value.decoded, &error, kNow);
    QVERIFY2(records, qPrintable(error));
    QCOMPARE(records->size(), 1);
    QCOMPARE(records->first().name, QStringLiteral("a/b"));
    QCOMPARE(records->first().value.toInteger(), 1);
    // Without a "now", relative times are resolved against the clock.
    const double before = double(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
    const auto current = codecs::parseSenml(value.decoded);
    QVERIFY(current);
    QVERIFY(current->first().time >= before - 1 && current->first().time <= before + 60);
}

void TestSenml::malformed_data()
{
    QTest::addColumn<QByteArray>("pack");
    QTest::addColumn<int>("contentFormat");
    QTest::addColumn<QString>("error");

    const int json = thingscape::ContentFormat::SenmlJson;
    const int cbor = thingscape::ContentFormat::SenmlCbor;
    QTest::newRow("not an array") << QByteArray(R"({"n":"a","v":1})") << json << "A SenML pack must be an array of records";
    QTest::newRow("record not an object") << QByteArray(R"([{"n":"a","v":1},1])") << json << "SenML record 2 is not a map / object";
    QTest::newRow("v is a string") << QByteArray(R"([{"n":"a","v":"21.5"}])") << json << "SenML record 1: field \"v\" must be a number";
    QTest::newRow("n is a number") << QByteArray(R"([{"n":5,"v":1}])") << json << "SenML record 1: field \"n\" must be a string";
    QTest::newRow("bn is an array") << QByteArray(R"([{"bn":["a"],"v":1}])") << json << "SenML record 1: field \"bn\" must be a string";
    QTest::newRow("vb is a number") << QByteArray(R"([{"n":"a","vb":1}])") << json << "SenML record 1: field \"vb\" must be a boolean";
    QTest::newRow("vs is a number") << QByteArray(R"([{"n":"a","vs":1}])") << json << "SenML record 1: field \"vs\" must be a string";
    QTest::newRow("t is a string") << QByteArray(R"([{"n":"a","v":1,"t":"now"}])") << json << "SenML record 1: field \"t\" must be a number";
    QTest::newRow("bt is null") << QByteArray(R"([{"n":"a","v":1,"bt":null}])") << json << "SenML record 1: field \"bt\" must be a number";
    QTest::newRow("vd not base64") << QByteArray(R"([{"n":"a","vd":"!!"}])") << json << "SenML record 1: field \"vd\" must be base64url data";
    QTest::newRow("vd is a number") << QByteArray(R"([{"n":"a","vd":5}])") << json << "SenML record 1: field \"vd\" must be a byte string or base64url text";
    QTest::newRow("must-understand field") << QByteArray(R"([{"n":"a","v":1},{"n":"b","v":2,"x_":1}])") << json
                                           << "SenML record 2: unsupported must-understand field \"x_\"";
    QTest::newRow("bver too high") << QByteArray(R"([{"bver":11,"n":"a","v":1}])") << json
                                   << "SenML record 1: version 11 is newer than the supported version 10";
    QTest::newRow("bver not an integer") << QByteArray(R"([{"bver":"10","n":"a","v":1}])") << json
                                         << "SenML record 1: field \"bver\" must be a positive integer";
    QTest::newRow("bver zero") << QByteArray(R"([{"bver":0,"n":"a","v":1}])") << json
                               << "SenML record 1: field \"bver\" must be a positive integer";
    QTest::newRow("versions differ") << QByteArray(R"([{"bver":5,"n":"a","v":1},{"bver":6,"n":"b","v":1}])") << json
                                     << "SenML record 2: version 6 differs from the pack's version 5";
    QTest::newRow("late version differs from default") << QByteArray(R"([{"n":"a","v":1},{"bver":5,"n":"b","v":1}])") << json
                                                       << "SenML record 2: version 5 differs from the pack's version 10";
    QTest::newRow("two values") << QByteArray(R"([{"n":"a","v":1,"vs":"x"}])") << json << "SenML record 1: more than one value field";
    QTest::newRow("no value") << QByteArray(R"([{"n":"a","v":1},{"n":"b"}])") << json << "SenML record 2: no value and no sum";
    QTest::newRow("no name") << QByteArray(R"([{"v":1}])") << json << "SenML record 1: no name (neither bn nor n)";
    QTest::newRow("blank in name") << QByteArray(R"([{"n":"a b","v":1}])") << json << "SenML record 1: \"a b\" is not a valid SenML name";
    QTest::newRow("name starts with -") << QByteArray(R"([{"bn":"-x","v":1}])") << json << "SenML record 1: \"-x\" is not a valid SenML name";
    QTest::newRow("non-ascii name") << QByteArray("[{\"n\":\"k\xc3\xbc" "che\",\"v\":1}]") << json
                                    << QString::fromUtf8("SenML record 1: \"k\u00fcche\" is not a valid SenML name");
    QTest::newRow("truncated json") << QByteArray(R"([{"n":"a","v":1)") << json
                                    << "Invalid JSON at byte 15: syntax error while parsing object - unexpected end of input; expected '}'";
    QTest::newRow("cbor v is text") << QByteArray::fromHex("81a2006161026131") << cbor << "SenML record 1: field \"2\" must be a number";
    QTest::newRow("cbor not an array") << QByteArray::fromHex("a20061610201") << cbor << "A SenML pack must be an array of records";
    QTest::newRow("cbor trailing garbage") << QByteArray::fromHex("81a20061610201ff") << cbor
                                           << "Invalid CBOR: 1 trailing byte(s) after the data item at byte 7";
    QTest::newRow("cbor bver too high") << QByteArray::fromHex("81a3200b0061610201") << cbor
                                        << "SenML record 1: version 11 is newer than the supported version 10";
}

void TestSenml::malformed()
{
    QFETCH(QByteArray, pack);
    QFETCH(int, contentFormat);
    QFETCH(QString, error);

    QString message;
    QVERIFY(!codecs::parseSenml(pack, contentFormat, &message, kNow));
    if (error.endsWith(QLatin1String("...")))
        QVERIFY2(message.startsWith(error.chopped(3)), qPrintable(message));
    else
        QCOMPARE(message, error);

    // decode() flags the same problem and keeps the bytes.
    const auto value = codecs::decode(pack, contentFormat);
    QCOMPARE(value.error, message);
    QCOMPARE(value.raw, pack);
    QCOMPARE(value.kind(), thingscape::ValueKind::Error);
}

void TestSenml::unitCodes_data()
{
    QTest::addColumn<QString>("written");
    QTest::addColumn<QString>("symbol");
    QTest::addColumn<bool>("registered");

    QTest::newRow("Cel") << "Cel" << QStringLiteral("\u00b0C") << true;
    QTest::newRow("%RH") << "%RH" << "%RH" << true;
    QTest::newRow("W") << "W" << "W" << true;
    QTest::newRow("Wh") << "Wh" << "Wh" << true;
    QTest::newRow("kWh (RFC 8798)") << "kWh" << "kWh" << true;
    QTest::newRow("lx") << "lx" << "lx" << true;
    QTest::newRow("hPa") << "hPa" << "hPa" << true;
    QTest::newRow("m/s2") << "m/s2" << QStringLiteral("m/s\u00b2") << true;
    QTest::newRow("Ohm") << "Ohm" << QStringLiteral("\u03a9") << true;
    QTest::newRow("ug/m3") << "ug/m3" << QStringLiteral("\u00b5g/m\u00b3") << true;
    QTest::newRow("/100") << "/100" << "%" << true;
    // Codes are case-sensitive, and what is not a code is shown as written.
    QTest::newRow("cel is no code") << "cel" << "cel" << false;
    QTest::newRow("already a symbol") << QStringLiteral("\u00b0C") << QStringLiteral("\u00b0C") << false;
    QTest::newRow("empty") << "" << "" << false;
    QTest::newRow("open/closed") << "open/closed" << "open/closed" << false;
}

void TestSenml::unitCodes()
{
    QFETCH(QString, written);
    QFETCH(QString, symbol);
    QFETCH(bool, registered);

    QCOMPARE(codecs::senmlUnit(written) != nullptr, registered);
    QCOMPARE(codecs::unitSymbol(written), symbol);

    // Given a SenML record's unit, When it is merged into a resource's metadata
    thingscape::Metadata metadata;
    thingscape::Metadata update;
    update.unit.set(written, thingscape::MetaSource::SenML);
    metadata.merge(update);
    // Then the unit shows the symbol and keeps the code when the two differ
    QCOMPARE(*metadata.unit, symbol);
    QCOMPARE(metadata.unit.source, thingscape::MetaSource::SenML);
    QCOMPARE(metadata.unitCode.isSet(), symbol != written);
    if (metadata.unitCode.isSet())
        QCOMPARE(*metadata.unitCode, written);
}

void TestSenml::unitFromLinkTitle_data()
{
    QTest::addColumn<QString>("title");
    QTest::addColumn<QString>("shownTitle");
    QTest::addColumn<QString>("unit");
    QTest::addColumn<QString>("code");

    QTest::newRow("Cel") << "Lab temperature (Cel)" << "Lab temperature" << QStringLiteral("\u00b0C") << "Cel";
    QTest::newRow("%RH") << "Lab humidity (%RH)" << "Lab humidity" << "%RH" << "";
    QTest::newRow("%") << "Radiator valve (%)" << "Radiator valve" << "%" << "";
    QTest::newRow("not a unit") << "Lab light (on/off)" << "Lab light (on/off)" << "" << "";
    QTest::newRow("not a unit either") << "Energy meter (SenML)" << "Energy meter (SenML)" << "" << "";
    QTest::newRow("nothing before the code") << "(Cel)" << "(Cel)" << "" << "";
    QTest::newRow("no parentheses") << "Cel" << "Cel" << "" << "";
}

void TestSenml::unitFromLinkTitle()
{
    QFETCH(QString, title);
    QFETCH(QString, shownTitle);
    QFETCH(QString, unit);
    QFETCH(QString, code);

    // Given a link-format title, When discovery merges it (twice, as rediscovery does)
    thingscape::Metadata metadata;
    thingscape::Metadata link;
    link.title.set(title, thingscape::MetaSource::LinkFormat);
    metadata.merge(link);
    const thingscape::Metadata once = metadata;
    metadata.merge(link);
    QCOMPARE(metadata, once);
    // Then the unit code leaves the title and becomes the unit
    QCOMPARE(*metadata.title, shownTitle);
    QCOMPARE(metadata.unit.valueOr(QString()), unit);
    QCOMPARE(metadata.unitCode.valueOr(QString()), code);
    if (!unit.isEmpty())
        QCOMPARE(metadata.unit.source, thingscape::MetaSource::LinkFormat);

    // A title from anywhere else is left as written.
    thingscape::Metadata described;
    thingscape::Metadata td;
    td.title.set(title, thingscape::MetaSource::ThingDescription);
    described.merge(td);
    QCOMPARE(*described.title, title);
    QVERIFY(!described.unit.isSet());
}

void TestSenml::unitSaidOutrightWins()
{
    // Given a unit from SenML
    thingscape::Metadata metadata;
    thingscape::Metadata senml;
    senml.unit.set(QStringLiteral("K"), thingscape::MetaSource::SenML);
    metadata.merge(senml);
    // When a link title names another unit code
    thingscape::Metadata link;
    link.title.set(QStringLiteral("Probe (Cel)"), thingscape::MetaSource::LinkFormat);
    metadata.merge(link);
    // Then the title loses the code but the unit said outright stays
    QCOMPARE(*metadata.title, QStringLiteral("Probe"));
    QCOMPARE(*metadata.unit, QStringLiteral("K"));
    QCOMPARE(metadata.unit.source, thingscape::MetaSource::SenML);
}

QTEST_GUILESS_MAIN(TestSenml)
#include "tst_senml.moc"
