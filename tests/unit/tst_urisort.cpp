// sortByUri (app/urisort.*, discover's order): the same order as std::sort with QString's
// operator<, for URIs that share long prefixes, extend one another, differ in case, in code
// units above the surrogates, or are equal; and for inputs that defeat a naive pivot.
#include "urisort.h"

#include <QRandomGenerator>
#include <QStringList>
#include <QTest>

#include <algorithm>

using namespace thingscape;

class TestUriSort : public QObject
{
    Q_OBJECT

private:
    // Sorts uris both ways and compares the orders.
    static void check(const QStringList &uris)
    {
        std::vector<UriRef> refs;
        for (qsizetype i = 0; i < uris.size(); ++i)
            refs.push_back(UriRef{uris.at(i), i});
        sortByUri(refs);
        QStringList expected = uris;
        std::sort(expected.begin(), expected.end());
        QStringList got;
        std::vector<bool> seen(size_t(uris.size()), false);
        for (const UriRef &ref : refs) {
            QCOMPARE(ref.uri, QStringView(uris.at(ref.index))); // each ref still names its own
            QVERIFY(!seen[size_t(ref.index)]);
            seen[size_t(ref.index)] = true;
            got << ref.uri.toString();
        }
        QCOMPARE(got, expected);
    }

private slots:
    void awkwardUris()
    {
        QStringList uris;
        const QString base = QStringLiteral("mqtt://127.0.0.1:1883/site/");
        for (const char *topic : {"b1/f0/dev10/metric", "b1/f0/dev1/metric", "b1/f0/dev1", "b1/f0/dev1/", "b10", "b1",
                                  "B1/f0", "b1/f0/dev1/metric", "", "b1/f0/dev100/metric", "b1/f0/dev2/metric"})
            uris << base + QString::fromLatin1(topic);
        // Above and in the surrogates: code units, not code points, decide (as QString does).
        uris << base + QString(QChar(0xE000)) << base + QStringLiteral("\U0001F600") << base + QString(QChar(0xFFFD));
        // Another endpoint's, and one that is a prefix of every other.
        uris << QStringLiteral("coap://127.0.0.1:5683/x") << QStringLiteral("mqtt://127.0.0.1:1883/site");
        // Enough to be partitioned (not only sorted by insertion).
        for (int i = 0; i < 300; ++i)
            uris << base + QStringLiteral("b%1/f%2/dev%3/metric").arg(i % 7).arg(i % 3).arg(i);
        check(uris);
    }

    void manyRandomUrisWithSharedLevels()
    {
        QRandomGenerator random(12);
        QStringList uris;
        const QStringList levels{QStringLiteral("a"), QStringLiteral("ab"), QStringLiteral("abc"), QStringLiteral("b"),
                                 QStringLiteral("B"), QStringLiteral("dev"), QStringLiteral("dev1"), QStringLiteral("")};
        for (int i = 0; i < 20000; ++i) {
            QString uri = QStringLiteral("mqtt://h:1/");
            const int depth = random.bounded(1, 6);
            for (int level = 0; level < depth; ++level)
                uri += levels.at(random.bounded(int(levels.size()))) + QString::number(random.bounded(30)) + QLatin1Char('/');
            uris << uri;
        }
        check(uris);
    }

    void sortedReversedAndEqualInputs()
    {
        QStringList sorted;
        for (int i = 0; i < 5000; ++i)
            sorted << QStringLiteral("mqtt://h:1/t/%1").arg(i, 6, 10, QLatin1Char('0'));
        check(sorted);
        QStringList reversed = sorted;
        std::reverse(reversed.begin(), reversed.end());
        check(reversed);
        check(QStringList(3000, QStringLiteral("mqtt://h:1/same")));
        // Two values at every position: the pivots are as bad as they get.
        QStringList binary;
        for (int i = 0; i < 4096; ++i) {
            QString uri = QStringLiteral("mqtt://h:1/");
            for (int bit = 11; bit >= 0; --bit)
                uri += (i >> bit) & 1 ? QLatin1Char('b') : QLatin1Char('a');
            binary << uri;
        }
        check(binary);
    }

    void smallInputs()
    {
        check({});
        check({QStringLiteral("mqtt://h:1/a")});
        check({QStringLiteral("mqtt://h:1/b"), QStringLiteral("mqtt://h:1/a")});
    }
};

QTEST_GUILESS_MAIN(TestUriSort)
#include "tst_urisort.moc"
