#include "model/resourceid.h"

#include <QTest>

using thingscape::Protocol;
using thingscape::ResourceId;

class TestResourceId : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fromTopicMatchesFromParts_data();
    void fromTopicMatchesFromParts();
    void normalises_data();
    void normalises();
    void rejectsBadUris_data();
    void rejectsBadUris();
    void mqttTopics();
    void ipv6();
    void endpointsAndChildren();
    void compactIdsKeepEveryPart();
};

void TestResourceId::normalises_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");
    QTest::newRow("default mqtt port") << "mqtt://Broker.Example/a/b" << "mqtt://broker.example:1883/a/b";
    QTest::newRow("mqtts") << "MQTTS://h/t" << "mqtts://h:8883/t";
    QTest::newRow("coap") << "coap://h/sensors/temp" << "coap://h:5683/sensors/temp";
    QTest::newRow("coaps") << "coaps://h:5684/x" << "coaps://h:5684/x";
    QTest::newRow("http") << "http://h/things" << "http://h:80/things";
    QTest::newRow("https") << "https://h/" << "https://h:443/";
    QTest::newRow("explicit port") << "coap://127.0.0.1:15683/a" << "coap://127.0.0.1:15683/a";
    QTest::newRow("percent decoded then encoded") << "http://h/a%20b/%7Ex" << "http://h:80/a%20b/~x";
    QTest::newRow("query kept") << "coap://h/.well-known/core?rt=temp" << "coap://h:5683/.well-known/core?rt=temp";
    QTest::newRow("fragment dropped") << "http://h/p#frag" << "http://h:80/p";
    QTest::newRow("dot segments") << "http://h/a/./b/../c" << "http://h:80/a/c";
    QTest::newRow("no path") << "coap://h" << "coap://h:5683";
    QTest::newRow("utf-8") << QString::fromUtf8("mqtt://h/k\u00fcche/temp") << "mqtt://h:1883/k%C3%BCche/temp";
}

void TestResourceId::normalises()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QString error;
    const auto id = ResourceId::parse(input, &error);
    QVERIFY2(id, qPrintable(error));
    QCOMPARE(id->toString(), expected);
    // Printing and parsing again gives the same id.
    const auto again = ResourceId::parse(id->toString());
    QVERIFY(again);
    QCOMPARE(*again, *id);
}

void TestResourceId::rejectsBadUris_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("empty") << "" << "empty";
    QTest::newRow("no scheme") << "broker.example/topic" << "no scheme";
    QTest::newRow("unknown scheme") << "ftp://h/x" << "unknown scheme 'ftp'";
    QTest::newRow("no host") << "mqtt:///topic" << "no host";
    QTest::newRow("bad port") << "coap://h:99999/x" << "'99999' is not a valid port";
    QTest::newRow("port zero") << "coap://h:0/x" << "not a valid port";
    QTest::newRow("text port") << "coap://h:abc/x" << "'abc' is not a valid port";
    QTest::newRow("bad percent") << "http://h/a%zz" << "bad percent-encoding";
    QTest::newRow("unbracketed v6") << "coap://fe80::1/x" << "brackets";
    QTest::newRow("open bracket") << "coap://[::1/x" << "closing ']'";
    QTest::newRow("bad v6") << "coap://[zz::1]/x" << "not a valid IPv6";
    QTest::newRow("credentials") << "mqtt://user:pw@h/x" << "credentials";
    QTest::newRow("bad host char") << "http://ho st/x" << "not allowed in a host name";
    QTest::newRow("bad utf-8") << "http://h/%ff" << "UTF-8";
}

void TestResourceId::rejectsBadUris()
{
    QFETCH(QString, input);
    QFETCH(QString, mentions);
    QString error;
    QVERIFY(!ResourceId::parse(input, &error));
    QVERIFY2(error.contains(mentions), qPrintable(error));
}

void TestResourceId::mqttTopics()
{
    // The topic is the path without its first slash; '#' is printed as %23.
    const auto id = ResourceId::parse(QStringLiteral("mqtt://h/home/+/temp/#"));
    QVERIFY(id);
    QCOMPARE(id->protocol(), Protocol::Mqtt);
    QCOMPARE(id->topic(), QStringLiteral("home/+/temp/#"));
    QCOMPARE(id->toString(), QStringLiteral("mqtt://h:1883/home/+/temp/%23"));
    QCOMPARE(ResourceId::parse(id->toString())->topic(), QStringLiteral("home/+/temp/#"));
    QCOMPARE(id->pathSegments(), (QStringList{"home", "+", "temp", "#"}));

    // A topic with a leading slash and empty levels keeps them.
    const auto leading = ResourceId::fromTopic(id->endpoint(), QStringLiteral("/a//b"));
    QCOMPARE(leading.toString(), QStringLiteral("mqtt://h:1883//a//b"));
    QCOMPARE(ResourceId::parse(leading.toString())->topic(), QStringLiteral("/a//b"));
    QCOMPARE(leading.pathSegments(), (QStringList{"", "a", "", "b"}));

    // Characters that mean something in a URI survive the round trip.
    const auto odd = ResourceId::fromTopic(id->endpoint(), QStringLiteral("a b/50%/what?"));
    QCOMPARE(odd.toString(), QStringLiteral("mqtt://h:1883/a%20b/50%25/what%3F"));
    QCOMPARE(ResourceId::parse(odd.toString())->topic(), QStringLiteral("a b/50%/what?"));

    // A raw '?' is not a query in MQTT.
    QString error;
    QVERIFY(!ResourceId::parse(QStringLiteral("mqtt://h/a?b"), &error));
    QVERIFY(error.contains(QLatin1String("%3F")));
    // The endpoint URI with a bare slash has an empty topic (discover reads it as '#').
    QCOMPARE(ResourceId::parse(QStringLiteral("mqtt://h:1884/"))->topic(), QString());
}

void TestResourceId::ipv6()
{
    const auto id = ResourceId::parse(QStringLiteral("coap://[FF02::FD]/.well-known/core"));
    QVERIFY(id);
    QCOMPARE(id->host(), QStringLiteral("ff02::fd"));
    QCOMPARE(id->port(), quint16(5683));
    QCOMPARE(id->toString(), QStringLiteral("coap://[ff02::fd]:5683/.well-known/core"));
    QCOMPARE(id->hostPort(), QStringLiteral("[ff02::fd]:5683"));
    const auto withPort = ResourceId::parse(QStringLiteral("http://[::1]:8080/td"));
    QVERIFY(withPort);
    QCOMPARE(withPort->port(), quint16(8080));
    const auto zoned = ResourceId::parse(QStringLiteral("coap://[fe80::1%25eth0]:5683/x"));
    QVERIFY(zoned);
    QCOMPARE(zoned->host(), QStringLiteral("fe80::1%eth0"));
    QCOMPARE(zoned->toString(), QStringLiteral("coap://[fe80::1%25eth0]:5683/x"));
}

void TestResourceId::endpointsAndChildren()
{
    const auto id = *ResourceId::parse(QStringLiteral("coap://h:5683/sensors/temp"));
    QCOMPARE(id.endpoint().toString(), QStringLiteral("coap://h:5683"));
    QCOMPARE(id.endpointUri(), QStringLiteral("coap://h:5683"));
    QVERIFY(id.endpoint().isEndpoint());
    QVERIFY(!id.isEndpoint());
    QCOMPARE(id.child(QStringLiteral("min")).toString(), QStringLiteral("coap://h:5683/sensors/temp/min"));
    QVERIFY(id.child(QStringLiteral("min")).startsWith(id));
    QCOMPARE(id.pathSegments(), (QStringList{"sensors", "temp"}));
    QVERIFY(!id.isSecure());
    QVERIFY(ResourceId::parse(QStringLiteral("coaps://h/x"))->isSecure());
    QVERIFY(!ResourceId().isValid());
}

void TestResourceId::compactIdsKeepEveryPart()
{
    // An id is its URI text and a pointer to parts shared per endpoint (port included): small enough to hold a million.
    QVERIFY(sizeof(ResourceId) <= 32);
    const auto endpoint = *ResourceId::parse(QStringLiteral("mqtt://Broker:1884"));
    // A plain topic: the path is read out of the URI text
    const auto plain = ResourceId::fromTopic(endpoint, QStringLiteral("site/b1/f2/dev3/metric"));
    QCOMPARE(plain.path(), QStringLiteral("/site/b1/f2/dev3/metric"));
    QCOMPARE(plain.topic(), QStringLiteral("site/b1/f2/dev3/metric"));
    QCOMPARE(plain.scheme(), QStringLiteral("mqtt"));
    QCOMPARE(plain.host(), QStringLiteral("broker"));
    QCOMPARE(plain.port(), quint16(1884));
    QCOMPARE(plain.endpoint(), endpoint);
    QCOMPARE(plain.pathSegments(), (QStringList{"site", "b1", "f2", "dev3", "metric"}));
    QVERIFY(!plain.isEndpoint());
    // ... and shared with it, not copied: whoever keeps a path (the tree) costs no string per resource
    QCOMPARE(plain.path().constData(), plain.uri().constData() + plain.uri().indexOf(QLatin1String("/site")));
    QCOMPARE(plain.topic().constData(), plain.path().constData() + 1);
    QString edited = plain.path();
    edited.append(QLatin1String("/x")); // a change copies it; the id is untouched
    QCOMPARE(edited, QStringLiteral("/site/b1/f2/dev3/metric/x"));
    QCOMPARE(plain.toString(), QStringLiteral("mqtt://broker:1884/site/b1/f2/dev3/metric"));
    QCOMPARE(plain.path().utf16()[plain.path().size()], u'\0');
    // A topic that needs encoding keeps its decoded path apart, and still equals its parsed twin
    const auto encoded = ResourceId::fromTopic(endpoint, QStringLiteral("k\u00fcche/50%/#"));
    QCOMPARE(encoded.path(), QStringLiteral("/k\u00fcche/50%/#"));
    QCOMPARE(encoded.toString(), QStringLiteral("mqtt://broker:1884/k%C3%BCche/50%25/%23"));
    QCOMPARE(*ResourceId::parse(encoded.toString()), encoded);
    QCOMPARE(ResourceId::parse(encoded.toString())->path(), encoded.path());
    // With a query, the path ends before it
    const auto query = *ResourceId::parse(QStringLiteral("coap://h/.well-known/core?rt=temp"));
    QCOMPARE(query.path(), QStringLiteral("/.well-known/core"));
    QCOMPARE(query.query(), QStringLiteral("rt=temp"));
    QCOMPARE(query.child(QStringLiteral("x")).path(), QStringLiteral("/.well-known/core/x"));
    // An encoded '/' inside a CoAP segment stays encoded in the URI, decoded in the path
    const auto slash = *ResourceId::parse(QStringLiteral("coap://h/a%2Fb/c"));
    QCOMPARE(slash.toString(), QStringLiteral("coap://h:5683/a%2Fb/c"));
    QCOMPARE(slash.path(), QStringLiteral("/a/b/c"));
    // Default-constructed and endpoint ids
    QVERIFY(!ResourceId().isValid());
    QCOMPARE(ResourceId().path(), QString());
    QCOMPARE(ResourceId().scheme(), QString());
    QVERIFY(endpoint.isEndpoint());
    QCOMPARE(endpoint.path(), QString());
}

void TestResourceId::fromTopicMatchesFromParts_data()
{
    QTest::addColumn<QString>("endpoint");
    QTest::addColumn<QString>("topic");
    QTest::newRow("plain") << "mqtt://127.0.0.1:1883" << "site/b1/f2/dev3/metric";
    QTest::newRow("endpoint with a path") << "mqtt://broker.example:1883/site/#" << "a/b";
    QTest::newRow("sub-delims") << "mqtts://Broker.Example" << "a+b/c=d;e,f:@$!'()*&~._-";
    QTest::newRow("space and percent") << "mqtt://h:1" << "a b/100%";
    QTest::newRow("unicode") << "mqtt://h:1" << "küche/temperatur";
    QTest::newRow("hash and question mark") << "mqtt://h:1" << "a/#/?x";
    QTest::newRow("IPv6") << "mqtt://[::1]:1883" << "x/y";
    QTest::newRow("empty level") << "mqtt://h:1" << "a//b/";
}

void TestResourceId::fromTopicMatchesFromParts()
{
    QFETCH(QString, endpoint);
    QFETCH(QString, topic);
    const ResourceId base = *ResourceId::parse(endpoint);
    const ResourceId fast = ResourceId::fromTopic(base, topic);
    const ResourceId slow = ResourceId::fromParts(base.scheme(), base.host(), base.port(), QLatin1Char('/') + topic);
    QCOMPARE(fast.toString(), slow.toString());
    QCOMPARE(fast.path(), slow.path());
    QCOMPARE(fast.host(), slow.host());
    QCOMPARE(fast.port(), slow.port());
    QCOMPARE(fast.topic(), topic);
    QVERIFY(fast == slow);
}

QTEST_GUILESS_MAIN(TestResourceId)
#include "tst_resourceid.moc"
