#include "model/codecs/linkformat.h"
#include "model/linkmetadata.h"

#include <QJsonArray>

#include <QCborValue>
#include <QTest>

using thingscape::codecs::Link;
namespace codecs = thingscape::codecs;

Q_DECLARE_METATYPE(thingscape::codecs::Link)

namespace {

// Every field on one line, so a failing comparison shows what differs.
QString describe(const Link &l)
{
    QStringList attributes;
    for (auto it = l.attributes.constBegin(); it != l.attributes.constEnd(); ++it)
        attributes << it.key() + QLatin1Char('=') + it.value();
    QStringList ct;
    for (const int c : l.contentFormats)
        ct << QString::number(c);
    return QStringLiteral("<%1> anchor=%2 rel=[%3] rt=[%4] if=[%5] ct=[%6] obs=%7 sz=%8 title=%9 title*=%10 {%11}")
        .arg(l.target, l.anchor, l.rel.join(QLatin1Char(',')), l.resourceTypes.join(QLatin1Char(',')),
             l.interfaces.join(QLatin1Char(',')), ct.join(QLatin1Char(',')), QString::number(l.observable),
             l.size ? QString::number(*l.size) : QStringLiteral("-"), l.title)
        .arg(l.titleStar, attributes.join(QLatin1String("; ")));
}

QStringList describe(const QList<Link> &links)
{
    QStringList lines;
    for (const Link &l : links)
        lines << describe(l);
    return lines;
}

Link link(const QString &target, const QList<std::pair<QString, QString>> &attributes)
{
    Link l;
    l.target = target;
    for (const auto &[key, value] : attributes)
        l.attributes.insert(l.attributes.upperBound(key), key, value);
    return l;
}

Link sensor(const QString &target, const QString &rt)
{
    Link l = rt.isEmpty() ? link(target, {{QStringLiteral("if"), QStringLiteral("sensor")}})
                          : link(target, {{QStringLiteral("rt"), rt}, {QStringLiteral("if"), QStringLiteral("sensor")}});
    if (!rt.isEmpty())
        l.resourceTypes = QStringList{rt};
    l.interfaces = QStringList{QStringLiteral("sensor")};
    return l;
}

} // namespace

class TestLinkFormat : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rfc6690Examples_data();
    void rfc6690Examples();
    void grammar_data();
    void grammar();
    void malformed_data();
    void malformed();
    void roundTrip_data();
    void roundTrip();
    void serialise();
    void asCbor();
    void resolve_data();
    void resolve();
    void badValueLosesOnlyThatAttribute_data();
    void badValueLosesOnlyThatAttribute();
    void metadataMapping();
};

void TestLinkFormat::rfc6690Examples_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QList<Link>>("links");

    // RFC 6690 section 5, as printed (the line breaks are in the RFC for readability; we accept them).
    const QList<Link> twoSensors{sensor(QStringLiteral("/sensors/temp"), {}), sensor(QStringLiteral("/sensors/light"), {})};
    QTest::newRow("5 two sensors") << QByteArray("</sensors/temp>;if=\"sensor\",\n"
                                                 "</sensors/light>;if=\"sensor\"")
                                   << twoSensors;
    QTest::newRow("5 two sensors, without linefeeds")
        << QByteArray("</sensors/temp>;if=\"sensor\",</sensors/light>;if=\"sensor\"") << twoSensors;

    Link index = link(QStringLiteral("/sensors"), {{QStringLiteral("ct"), QStringLiteral("40")}});
    index.contentFormats = {40};
    QTest::newRow("5 hierarchical entry point") << QByteArray("</sensors>;ct=40") << QList<Link>{index};

    const Link temp = sensor(QStringLiteral("/sensors/temp"), QStringLiteral("temperature-c"));
    const Link light = sensor(QStringLiteral("/sensors/light"), QStringLiteral("light-lux"));
    QTest::newRow("5 hierarchical sensors") << QByteArray("</sensors/temp>;rt=\"temperature-c\";if=\"sensor\",\n"
                                                          "</sensors/light>;rt=\"light-lux\";if=\"sensor\"")
                                            << QList<Link>{temp, light};
    QTest::newRow("5 query filter") << QByteArray("</sensors/light>;rt=\"light-lux\";if=\"sensor\"") << QList<Link>{light};

    Link titled = link(QStringLiteral("/sensors"), {{QStringLiteral("ct"), QStringLiteral("40")},
                                                     {QStringLiteral("title"), QStringLiteral("Sensor Index")}});
    titled.contentFormats = {40};
    titled.title = QStringLiteral("Sensor Index");
    Link describedBy = link(QStringLiteral("http://www.example.com/sensors/t123"),
                            {{QStringLiteral("anchor"), QStringLiteral("/sensors/temp")},
                             {QStringLiteral("rel"), QStringLiteral("describedby")}});
    describedBy.anchor = QStringLiteral("/sensors/temp");
    describedBy.rel = QStringList{QStringLiteral("describedby")};
    Link alternate = link(QStringLiteral("/t"), {{QStringLiteral("anchor"), QStringLiteral("/sensors/temp")},
                                                  {QStringLiteral("rel"), QStringLiteral("alternate")}});
    alternate.anchor = QStringLiteral("/sensors/temp");
    alternate.rel = QStringList{QStringLiteral("alternate")};
    QTest::newRow("5 anchor and rel") << QByteArray("</sensors>;ct=40;title=\"Sensor Index\",\n"
                                                    "</sensors/temp>;rt=\"temperature-c\";if=\"sensor\",\n"
                                                    "</sensors/light>;rt=\"light-lux\";if=\"sensor\",\n"
                                                    "<http://www.example.com/sensors/t123>;anchor=\"/sensors/temp\"\n"
                                                    ";rel=\"describedby\",\n"
                                                    "</t>;anchor=\"/sensors/temp\";rel=\"alternate\"")
                                      << QList<Link>{titled, temp, light, describedBy, alternate};

    // RFC 7252 / RFC 7641 style discovery with obs and sz.
    Link observed = sensor(QStringLiteral("/sensors/temp"), QStringLiteral("temperature-c"));
    observed.observable = true;
    observed.attributes.insert(QStringLiteral("obs"), QString());
    Link firmware = link(QStringLiteral("/firmware/v2.1"),
                         {{QStringLiteral("rt"), QStringLiteral("firmware")}, {QStringLiteral("sz"), QStringLiteral("262144")}});
    firmware.resourceTypes = QStringList{QStringLiteral("firmware")};
    firmware.size = 262144;
    QTest::newRow("obs and sz") << QByteArray("</sensors/temp>;rt=\"temperature-c\";if=\"sensor\";obs,\n"
                                              "</sensors/light>;rt=\"light-lux\";if=\"sensor\",\n"
                                              "</firmware/v2.1>;rt=\"firmware\";sz=262144")
                                << QList<Link>{observed, light, firmware};
}

void TestLinkFormat::rfc6690Examples()
{
    QFETCH(QByteArray, payload);
    QFETCH(QList<Link>, links);
    QString error = QStringLiteral("stale");
    const auto parsed = codecs::parseLinkFormat(payload, &error);
    QVERIFY2(parsed, qPrintable(error));
    QCOMPARE(error, QString());
    QCOMPARE(describe(*parsed), describe(links));
    QVERIFY(*parsed == links);
}

void TestLinkFormat::grammar_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QStringList>("links");

    QTest::newRow("empty") << QByteArray("") << QStringList();
    QTest::newRow("blank") << QByteArray(" \r\n") << QStringList();
    QTest::newRow("no attributes") << QByteArray("</a>,</b>")
                                   << QStringList{"</a> anchor= rel=[] rt=[] if=[] ct=[] obs=0 sz=- title= title*= {}",
                                                  "</b> anchor= rel=[] rt=[] if=[] ct=[] obs=0 sz=- title= title*= {}"};
    QTest::newRow("rt list and repeated rt accumulate")
        << QByteArray("</a>;rt=\"x  y\";rt=z") << QStringList{"</a> anchor= rel=[] rt=[x,y,z] if=[] ct=[] obs=0 sz=- title= title*= {rt=x  y; rt=z}"};
    QTest::newRow("if list") << QByteArray("</a>;if=\"core.s core.a\"")
                             << QStringList{"</a> anchor= rel=[] rt=[] if=[core.s,core.a] ct=[] obs=0 sz=- title= title*= {if=core.s core.a}"};
    QTest::newRow("ct list") << QByteArray("</a>;ct=\"0 40 65535\"")
                             << QStringList{"</a> anchor= rel=[] rt=[] if=[] ct=[0,40,65535] obs=0 sz=- title= title*= {ct=0 40 65535}"};
    QTest::newRow("ct repeated") << QByteArray("</a>;ct=50;ct=110")
                                 << QStringList{"</a> anchor= rel=[] rt=[] if=[] ct=[50,110] obs=0 sz=- title= title*= {ct=50; ct=110}"};
    QTest::newRow("quoted string escapes, comma and semicolon inside")
        << QByteArray(R"(</a>;title="a, \"b\"; c\\d",</b>)")
        << QStringList{R"(</a> anchor= rel=[] rt=[] if=[] ct=[] obs=0 sz=- title=a, "b"; c\d title*= {title=a, "b"; c\d})",
                       "</b> anchor= rel=[] rt=[] if=[] ct=[] obs=0 sz=- title= title*= {}"};
    QTest::newRow("extensions with and without values")
        << QByteArray("</a>;foo;bar=baz;qux=\"q q\";tok=a/b:c=d")
        << QStringList{"</a> anchor= rel=[] rt=[] if=[] ct=[] obs=0 sz=- title= title*= {bar=baz; foo=; qux=q q; tok=a/b:c=d}"};
    QTest::newRow("title* utf-8") << QByteArray("</a>;title*=UTF-8'en'%e2%82%ac%20rates")
                                  << QStringList{QString::fromUtf8("</a> anchor= rel=[] rt=[] if=[] ct=[] obs=0 sz=- title= title*=\u20ac rates {title*=UTF-8'en'%e2%82%ac%20rates}")};
    QTest::newRow("title* latin-1") << QByteArray("</a>;title*=iso-8859-1''%A3")
                                    << QStringList{QString::fromUtf8("</a> anchor= rel=[] rt=[] if=[] ct=[] obs=0 sz=- title= title*=\u00a3 {title*=iso-8859-1''%A3}")};
    QTest::newRow("blanks everywhere") << QByteArray("  </a> ; rt = \"x\" ;obs\t,\r\n  </b>  ")
                                       << QStringList{"</a> anchor= rel=[] rt=[x] if=[] ct=[] obs=1 sz=- title= title*= {obs=; rt=x}",
                                                      "</b> anchor= rel=[] rt=[] if=[] ct=[] obs=0 sz=- title= title*= {}"};
    QTest::newRow("names are case-insensitive") << QByteArray("</a>;RT=x;Ct=0")
                                                << QStringList{"</a> anchor= rel=[] rt=[x] if=[] ct=[0] obs=0 sz=- title= title*= {ct=0; rt=x}"};
    QTest::newRow("utf-8 in values and targets") << QByteArray("</k\xc3\xbc" "che>;title=\"K\xc3\xbc" "che\"")
                                                 << QStringList{QString::fromUtf8("</k\u00fcche> anchor= rel=[] rt=[] if=[] ct=[] obs=0 sz=- title=K\u00fcche title*= {title=K\u00fcche}")};
    QTest::newRow("absolute target with query") << QByteArray("<coap://[2001:db8::1]:5683/a?b=c,d>;rt=x")
                                                << QStringList{"<coap://[2001:db8::1]:5683/a?b=c,d> anchor= rel=[] rt=[x] if=[] ct=[] obs=0 sz=- title= title*= {rt=x}"};
    QTest::newRow("sz zero") << QByteArray("</a>;sz=0")
                             << QStringList{"</a> anchor= rel=[] rt=[] if=[] ct=[] obs=0 sz=0 title= title*= {sz=0}"};
}

void TestLinkFormat::grammar()
{
    QFETCH(QByteArray, payload);
    QFETCH(QStringList, links);
    QString error;
    const auto parsed = codecs::parseLinkFormat(payload, &error);
    QVERIFY2(parsed, qPrintable(error));
    QCOMPARE(describe(*parsed), links);
}

void TestLinkFormat::malformed_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QString>("error");

    QTest::newRow("unterminated quote") << QByteArray("</a>;title=\"abc") << "Invalid link format at byte 11: unterminated quoted string";
    QTest::newRow("unterminated quote after escape") << QByteArray("</a>;rt=\"x\\\"") << "Invalid link format at byte 8: unterminated quoted string";
    QTest::newRow("missing > at the end") << QByteArray("</a") << "Invalid link format at byte 0: link target not closed with '>'";
    QTest::newRow("missing > before attributes") << QByteArray("</sensors/temp;rt=\"x\",</b>")
                                                 << "Invalid link format at byte 0: link target not closed with '>'";
    QTest::newRow("missing <") << QByteArray("/a>;rt=x") << "Invalid link format at byte 0: expected '<', found '/'";
    QTest::newRow("second link without <") << QByteArray("</a>,/b>") << "Invalid link format at byte 5: expected '<', found '/'";
    QTest::newRow("trailing comma") << QByteArray("</a>,") << "Invalid link format at byte 5: expected '<', found the end";
    QTest::newRow("trailing semicolon") << QByteArray("</a>;") << "Invalid link format at byte 5: expected an attribute name, found the end";
    QTest::newRow("missing comma") << QByteArray("</a> </b>") << "Invalid link format at byte 5: expected ',' or ';', found '<'";
    QTest::newRow("no attribute name") << QByteArray("</a>;=x") << "Invalid link format at byte 5: expected an attribute name, found '='";
    QTest::newRow("no value") << QByteArray("</a>;rt=,</b>") << "Invalid link format at byte 8: expected a value for \"rt\"";
    QTest::newRow("bad title*") << QByteArray("</a>;title*=nocharset") << "Invalid link format at byte 5: bad title* value \"nocharset\"";
    QTest::newRow("title* bad utf-8") << QByteArray("</a>;title*=UTF-8''%ff") << "Invalid link format at byte 5: bad title* value \"UTF-8''%ff\"";
    QTest::newRow("blank in target") << QByteArray("</a b>") << "Invalid link format at byte 0: link target not closed with '>'";
    QTest::newRow("garbage") << QByteArray("\x00\x01", 2) << "Invalid link format at byte 0: expected '<', found byte 0x00";
}

void TestLinkFormat::malformed()
{
    QFETCH(QByteArray, payload);
    QFETCH(QString, error);
    QString message;
    QVERIFY(!codecs::parseLinkFormat(payload, &message));
    QCOMPARE(message, error);
}

void TestLinkFormat::roundTrip_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::newRow("rfc 6690 anchor example") << QByteArray("</sensors>;ct=40;title=\"Sensor Index\",</sensors/temp>;rt=\"temperature-c\";if=\"sensor\","
                                                           "<http://www.example.com/sensors/t123>;anchor=\"/sensors/temp\";rel=\"describedby\"");
    QTest::newRow("everything") << QByteArray("</a>;anchor=\"/x\";rel=\"r1 r2\";rt=\"t1 t2\";if=i;ct=\"0 40\";sz=12;obs;"
                                              "title=\"a \\\"q\\\", b\";title*=UTF-8''%e2%82%ac;foo;bar=\"b a r\";tok=x/y;rev=up");
    QTest::newRow("empty") << QByteArray();
}

void TestLinkFormat::roundTrip()
{
    QFETCH(QByteArray, payload);
    QString error;
    const auto first = codecs::parseLinkFormat(payload, &error);
    QVERIFY2(first, qPrintable(error));
    const QByteArray serialised = codecs::serialiseLinkFormat(*first);
    const auto second = codecs::parseLinkFormat(serialised, &error);
    QVERIFY2(second, qPrintable(error + QLatin1String(": ") + QString::fromUtf8(serialised)));
    QCOMPARE(second->size(), first->size());
    for (qsizetype i = 0; i < first->size(); ++i) {
        const Link &a = first->at(i);
        const Link &b = second->at(i);
        QCOMPARE(b.target, a.target);
        QCOMPARE(b.anchor, a.anchor);
        QCOMPARE(b.rel, a.rel);
        QCOMPARE(b.resourceTypes, a.resourceTypes);
        QCOMPARE(b.interfaces, a.interfaces);
        QCOMPARE(b.contentFormats, a.contentFormats);
        QCOMPARE(b.observable, a.observable);
        QCOMPARE(b.size, a.size);
        QCOMPARE(b.title, a.title);
        QCOMPARE(b.titleStar, a.titleStar);
    }
    // A fixed point after one pass.
    QCOMPARE(codecs::serialiseLinkFormat(*second), serialised);
}

void TestLinkFormat::serialise()
{
    Link temp;
    temp.target = QStringLiteral("/sensors/temp");
    temp.resourceTypes = {QStringLiteral("temperature-c")};
    temp.interfaces = {QStringLiteral("sensor")};
    temp.contentFormats = {0, 110};
    temp.observable = true;
    temp.title = QStringLiteral("Temp \"inside\"");
    Link fw;
    fw.target = QStringLiteral("/fw");
    fw.size = 262144;
    fw.contentFormats = {42};
    fw.attributes.insert(QStringLiteral("x-ext"), QStringLiteral("a b"));
    fw.attributes.insert(QStringLiteral("flag"), QString());
    fw.attributes.insert(QStringLiteral("rt"), QStringLiteral("ignored: typed fields win"));
    QCOMPARE(codecs::serialiseLinkFormat({temp, fw}),
             QByteArray("</sensors/temp>;rt=\"temperature-c\";if=\"sensor\";ct=\"0 110\";obs;title=\"Temp \\\"inside\\\"\","
                        "</fw>;ct=42;sz=262144;flag;x-ext=\"a b\""));
    QCOMPARE(codecs::serialiseLinkFormat({}), QByteArray());
}

void TestLinkFormat::asCbor()
{
    const auto links = codecs::parseLinkFormat("</a>;rt=x;rt=y;obs;ct=40,</b>", nullptr);
    QVERIFY(links);
    QCOMPARE(QCborValue(codecs::linksToCbor(*links)).toDiagnosticNotation(QCborValue::Compact),
             QStringLiteral(R"([{"href": "/a", "ct": "40", "obs": true, "rt": ["x", "y"]}, {"href": "/b"}])"));
}

void TestLinkFormat::resolve_data()
{
    QTest::addColumn<QString>("base");
    QTest::addColumn<QString>("target");
    QTest::addColumn<QString>("anchor");
    QTest::addColumn<QString>("resolved");

    const QString wellKnown = QStringLiteral("coap://h:5683/.well-known/core");
    QTest::newRow("absolute path") << wellKnown << "/sensors/temp" << "" << "coap://h:5683/sensors/temp";
    QTest::newRow("relative path against the origin (RFC 6690 2.1)") << wellKnown << "temp" << "" << "coap://h:5683/temp";
    QTest::newRow("absolute target") << wellKnown << "http://www.example.com/sensors/t123" << "/sensors/temp"
                                     << "http://www.example.com/sensors/t123";
    QTest::newRow("target relative to anchor") << wellKnown << "/t" << "/sensors/temp" << "coap://h:5683/t";
    QTest::newRow("relative target, anchor directory") << wellKnown << "temp" << "/sensors/" << "coap://h:5683/sensors/temp";
    QTest::newRow("dot segments") << wellKnown << "../c" << "/a/b/" << "coap://h:5683/a/c";
    QTest::newRow("absolute anchor") << wellKnown << "y" << "coap://other:5683/x/" << "coap://other:5683/x/y";
    QTest::newRow("ipv6 base") << "coap://[2001:db8::1]:5683/.well-known/core" << "/a" << "" << "coap://[2001:db8::1]:5683/a";
    QTest::newRow("query kept") << "coap://h:5683/rd-lookup/res?rt=x" << "/a?x=1" << "" << "coap://h:5683/a?x=1";
    QTest::newRow("http base") << "http://dev.local:8080/things/lamp" << "properties/on" << "http://dev.local:8080/things/lamp/"
                               << "http://dev.local:8080/things/lamp/properties/on";
}

void TestLinkFormat::resolve()
{
    QFETCH(QString, base);
    QFETCH(QString, target);
    QFETCH(QString, anchor);
    QFETCH(QString, resolved);
    Link l;
    l.target = target;
    l.anchor = anchor;
    QCOMPARE(codecs::resolveLinkTarget(base, l), resolved);
}

void TestLinkFormat::badValueLosesOnlyThatAttribute_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QString>("problem");

    QTest::newRow("sz beyond 64 bits") << QByteArray("</a>;sz=99999999999999999999999;rt=x")
                                       << "</a>: sz ignored: \"99999999999999999999999\" is no size in bytes";
    QTest::newRow("bad sz") << QByteArray("</a>;sz=1k;rt=x") << "</a>: sz ignored: \"1k\" is no size in bytes";
    QTest::newRow("bad ct word") << QByteArray("</a>;ct=abc;rt=x") << "</a>: ct ignored: \"abc\" is no number 0-65535";
    QTest::newRow("ct too large") << QByteArray("</a>;ct=70000;rt=x") << "</a>: ct ignored: \"70000\" is no number 0-65535";
    QTest::newRow("ct list with a word") << QByteArray("</a>;ct=\"0 x\";rt=x") << "</a>: ct ignored: \"x\" is no number 0-65535";
    QTest::newRow("ct negative") << QByteArray("</a>;ct=-1;rt=x") << "</a>: ct ignored: \"-1\" is no number 0-65535";
    QTest::newRow("ct leading zero") << QByteArray("</a>;ct=040;rt=x") << "</a>: ct ignored: \"040\" is no number 0-65535";
    QTest::newRow("ct without value") << QByteArray("</a>;ct;rt=x") << "</a>: ct without a value ignored";
}

void TestLinkFormat::badValueLosesOnlyThatAttribute()
{
    QFETCH(QByteArray, payload);
    QFETCH(QString, problem);
    // Given a document whose first link has one bad value and a second link that is fine
    const QByteArray document = payload + ",</b>;sz=12;ct=0";
    // When it is parsed
    QString error;
    const auto links = codecs::parseLinkFormat(document, &error);
    // Then both links are there, the bad value is named, and only that attribute is lost
    QVERIFY2(links, qPrintable(error));
    QCOMPARE(links->size(), 2);
    QCOMPARE(links->at(0).problems, QStringList{problem});
    QCOMPARE(links->at(0).resourceTypes, QStringList{QStringLiteral("x")});
    QVERIFY(!links->at(0).size);
    QVERIFY(links->at(0).contentFormats.isEmpty());
    QVERIFY(links->at(1).problems.isEmpty());
    QCOMPARE(links->at(1).size, std::optional<qint64>(12));
    QCOMPARE(links->at(1).contentFormats, QList<int>{0});
}

void TestLinkFormat::metadataMapping()
{
    using thingscape::MetaSource;
    const auto links = codecs::parseLinkFormat("</s>;rt=\"temp\";if=\"core.s\";ct=\"0 50 110\";obs;sz=40;"
                                               "title=\"plain\";title*=UTF-8''L%C3%A4mpchen;rel=\"item\";foo=bar,"
                                               "</a>;if=core.a;ct=60");
    QVERIFY(links);
    const thingscape::Metadata sensor = thingscape::metadataFromLink(links->at(0));
    QCOMPARE(*sensor.title, QStringLiteral("Lämpchen")); // title* wins over title
    QCOMPARE(sensor.title.source, MetaSource::LinkFormat);
    QCOMPARE(*sensor.resourceTypes, QStringList{QStringLiteral("temp")});
    QCOMPARE(*sensor.writable, false); // core.s: a sensor
    QCOMPARE(*sensor.contentFormat, 0);
    QCOMPARE(sensor.extra.value(QStringLiteral("ct")).toArray(), (QJsonArray{0, 50, 110}));
    QCOMPARE(*sensor.observable, true);
    QCOMPARE(*sensor.size, qint64(40));
    QCOMPARE(sensor.extra.value(QStringLiteral("rel")).toString(), QStringLiteral("item"));
    QCOMPARE(sensor.extra.value(QStringLiteral("foo")).toString(), QStringLiteral("bar"));
    QVERIFY(!sensor.extra.contains(QStringLiteral("title*")));
    QCOMPARE(sensor.extraSource, MetaSource::LinkFormat);
    const thingscape::Metadata actuator = thingscape::metadataFromLink(links->at(1));
    QCOMPARE(*actuator.writable, true); // core.a: an actuator
    QCOMPARE(*actuator.contentFormat, 60);
    QCOMPARE(*actuator.observable, false);
    QVERIFY(!actuator.title.isSet());
}

QTEST_GUILESS_MAIN(TestLinkFormat)
#include "tst_linkformat.moc"
