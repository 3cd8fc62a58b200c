// Payload decoding speed: what runs for every message (a plain number and a small JSON object,
// 20,000 of each per round), and whether a large JSON object decodes in linear time (one
// 50,000-key object against ten 5,000-key objects: equal when linear, ten times more when
// quadratic, as building maps key by key once was; 50,000 keys then took 19 s). Medians of
// several rounds, judged against the bounds the unit test used to assert: 40,000 decodes
// < 2 s, and the large object < 4x the ten small ones.
//
// THINGSCAPE_BENCH_QUICK=1 (set by ctest): one round, checks only the decoded sizes, values and
// key order (no timing judged).

#include "benchstats.h"
#include "model/codecs/codecs.h"

#include <QCborMap>
#include <QCoreApplication>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

using namespace thingscape;
using bench::Clock;
using bench::median;
using bench::msSince;

namespace {

QByteArray objectWithKeys(int count)
{
    QByteArray json("{");
    for (int i = 0; i < count; ++i)
        json += (i ? ",\"k" : "\"k") + QByteArray::number(i) + "\":" + QByteArray::number(i);
    json += '}';
    return json;
}

// Decodes it and reads it the way a view does; false if anything in it is wrong.
bool decodeObject(const QByteArray &json, int keys)
{
    const Value v = codecs::decode(json, ContentFormat::Json);
    if (!v.error.isEmpty())
        return false;
    const QCborMap map = v.decoded.toMap();
    return map.size() == keys && map.value(QStringLiteral("k%1").arg(keys - 1)).toInteger() == keys - 1
        && (map.constBegin() + 1).key().toString() == QLatin1String("k1") // order kept
        && (map.constEnd() - 1).key().toString() == QStringLiteral("k%1").arg(keys - 1);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const bool quick = qEnvironmentVariableIsSet("THINGSCAPE_BENCH_QUICK");
    const int rounds = quick ? 1 : 7;
    bool ok = true;

    // Small payloads, as every message has them.
    const QByteArray number("21.5");
    const QByteArray json(R"({"temperature":21.5,"humidity":40,"ok":true,"name":"kitchen"})");
    const int perRound = 20000;
    std::vector<double> smallMs;
    for (int round = 0; round < rounds; ++round) {
        const auto start = Clock::now();
        double sum = 0;
        for (int i = 0; i < perRound; ++i) {
            sum += codecs::decode(number).toDouble();
            sum += codecs::decode(json, ContentFormat::Json).decoded.toMap().size();
        }
        smallMs.push_back(msSince(start));
        if (sum != perRound * 25.5) {
            std::printf("WRONG RESULT: sum of decoded values %.1f, expected %.1f\n", sum, perRound * 25.5);
            ok = false;
        }
    }
    const QCborMap map = codecs::decode(json, ContentFormat::Json).decoded.toMap();
    if (map.value(QStringLiteral("temperature")).toDouble() != 21.5
        || map.value(QStringLiteral("name")).toString() != QLatin1String("kitchen")
        || map.constBegin().key().toString() != QLatin1String("temperature")) {
        std::printf("WRONG RESULT: small JSON object decoded wrong\n");
        ok = false;
    }

    // One large object against ten a tenth its size.
    const QByteArray small = objectWithKeys(5000);
    const QByteArray large = objectWithKeys(50000);
    std::vector<double> tenSmallMs;
    std::vector<double> oneLargeMs;
    for (int round = 0; round < rounds; ++round) {
        auto start = Clock::now();
        for (int i = 0; i < 10; ++i)
            ok = decodeObject(small, 5000) && ok;
        tenSmallMs.push_back(msSince(start));
        start = Clock::now();
        ok = decodeObject(large, 50000) && ok;
        oneLargeMs.push_back(msSince(start));
    }
    if (!ok)
        std::printf("WRONG RESULT: a large object decoded with the wrong size, value or key order\n");

    const double smallMedian = median(smallMs);
    const double tenSmall = median(tenSmallMs);
    const double oneLarge = median(oneLargeMs);
    const double ratio = tenSmall > 0 ? oneLarge / tenSmall : 0;
    std::printf("bench_codecs: %d rounds, medians\n", rounds);
    std::printf("%-44s %10.1f ms  (%.2f us/decode)  target < 2000 ms  %s\n",
                "40,000 small decodes (number + JSON object)", smallMedian, 1000.0 * smallMedian / (2 * perRound),
                quick ? "(not judged)" : smallMedian < 2000 ? "PASS" : "FAIL");
    std::printf("%-44s %10.1f ms\n", "ten 5,000-key objects (baseline)", tenSmall);
    std::printf("%-44s %10.1f ms\n", "one 50,000-key object", oneLarge);
    std::printf("%-44s %10.2f     target < 4 (linear ~1, quadratic ~10)  %s\n", "linearity ratio (large / ten small)",
                ratio, quick ? "(not judged)" : ratio < 4 ? "PASS" : "FAIL");
    std::printf("%s\n", ok ? "ok" : "FAILED: wrong decoded result");
    return ok ? 0 : 1;
}
