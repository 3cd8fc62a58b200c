// Feeds mutated and random bytes through every payload codec and checks that nothing crashes
// or throws and that the codecs keep their promises (errors set, raw kept, round trips hold).
// Deterministic: the same seed gives the same inputs, so a failure reproduces.
// THINGSCAPE_FUZZ_SEED and THINGSCAPE_FUZZ_ITERATIONS override the defaults.

#include "model/codecs/codecs.h"
#include "model/codecs/jsoncbor.h"
#include "model/codecs/linkformat.h"
#include "model/codecs/senml.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace codecs = thingscape::codecs;

namespace {

class Random
{
public:
    explicit Random(quint64 seed)
        : m_state(seed)
    {
    }
    // splitmix64: tiny, good enough, and the same everywhere.
    quint64 next()
    {
        quint64 z = (m_state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    int below(int n) { return n <= 0 ? 0 : int(next() % quint64(n)); }

private:
    quint64 m_state;
};

const QByteArray *g_current = nullptr;

[[noreturn]] void failed(const char *what, int line)
{
    std::fprintf(stderr, "fuzz_codecs: check failed (line %d): %s\ninput (hex): %s\n", line, what,
                 g_current ? g_current->toHex().constData() : "");
    std::abort();
}

#define CHECK(condition)                     \
    do {                                     \
        if (!(condition))                    \
            failed(#condition, __LINE__);    \
    } while (false)

QList<QByteArray> seeds()
{
    QList<QByteArray> s{
        R"([{"bn":"urn:dev:ow:10e2073a0108006:","bt":1.276020076001e+09,"bu":"A","bver":5,"n":"voltage","u":"V","v":120.1},{"n":"current","t":-5,"v":1.2},{"n":"current","v":1.7}])",
        R"([{"bn":"urn:dev:ow:10e2073a01080063:","n":"temp","u":"Cel","v":23.1},{"n":"label","vs":"Machine Room"},{"n":"open","vb":false},{"n":"nfv-reader","vd":"aGkgCg"}])",
        R"([{"bn":"m","bs":1000,"s":5,"bv":1,"v":1,"ut":5,"x_":1}])",
        "</sensors>;ct=40;title=\"Sensor Index\",</sensors/temp>;rt=\"temperature-c\";if=\"sensor\",</sensors/light>;rt=\"light-lux\";if=\"sensor\","
        "<http://www.example.com/sensors/t123>;anchor=\"/sensors/temp\";rel=\"describedby\",</t>;anchor=\"/sensors/temp\";rel=\"alternate\"",
        "</a>;title=\"a, \\\"b\\\"; c\";title*=UTF-8''%e2%82%ac;ct=\"0 40\";sz=12;obs;foo;bar=baz",
        R"({"@context":"https://www.w3.org/2022/wot/td/v1.1","title":"Lamp","properties":{"on":{"type":"boolean","forms":[{"href":"/on"}]}}})",
        R"({"a":[1,-2,3.5e10,true,false,null,"x\u00e9\n"],"b":{}})",
        "21.5",
        "-3",
        "1e3",
        "true",
        "hello world",
        "K\xc3\xbc" "che \xe2\x82\xac",
        QByteArray(1000, '[') + QByteArray(1000, ']'),
        QByteArray(700, '\x81') + QByteArray(1, '\x00'),
        QByteArray::fromHex("87a721781b75726e3a6465763a6f773a3130653230373361303130383030363a22fb41d303a15b001062236141200500"
                            "67766f6c7461676501615602fb405e066666666666a3006763757272656e74062402fb3ff3333333333333"),
        QByteArray::fromHex("9f018202039f0405ffff"),
        QByteArray::fromHex("bf61610161629f0203ffff"),
        QByteArray::fromHex("5f42010243030405ff7f657374726561646d696e67ff"),
        QByteArray::fromHex("c074323031332d30332d32315432303a30343a30305ac11a514b67b0d82076687474703a2f2f7777772e6578616d706c652e636f6d"),
        QByteArray::fromHex("fb3ff199999999999af93e00fa47c35000f97c00f97e00f0f8ff3bffffffffffffffff1bffffffffffffffff"),
        QByteArray::fromHex("d9d9f7a26161016162820203"),
    };
    return s;
}

const char kInteresting[] = {'\0', '\x7f', '\x80', '\xff', '"', '\\', '<', '>', ';', ',', '=', '[', ']', '{', '}', ':', '\x9f',
                             '\xbf', '\x5f', '\x7f', '\xfb', '\xf9', '\x1b', '\xc0', '\xed', '\xf4', ' ', '\n', '0', '-', '.', 'e'};

QByteArray mutate(Random &random, const QList<QByteArray> &corpus)
{
    if (random.below(20) == 0) {
        QByteArray bytes(random.below(80), '\0');
        for (char &c : bytes)
            c = char(random.next());
        return bytes;
    }
    QByteArray data = corpus[random.below(int(corpus.size()))];
    const int steps = 1 + random.below(4);
    for (int i = 0; i < steps; ++i) {
        const int size = int(data.size());
        switch (random.below(8)) {
        case 0: // flip a bit
            if (size > 0)
                data[random.below(size)] ^= char(1 << random.below(8));
            break;
        case 1: // set a byte
            if (size > 0)
                data[random.below(size)] = char(random.next());
            break;
        case 2: // insert an interesting byte
            data.insert(random.below(size + 1), kInteresting[random.below(int(sizeof kInteresting))]);
            break;
        case 3: // delete a run
            if (size > 0) {
                const int at = random.below(size);
                data.remove(at, 1 + random.below(qMin(8, size - at)));
            }
            break;
        case 4: // truncate
            data.truncate(random.below(size + 1));
            break;
        case 5: // duplicate a chunk
            if (size > 0) {
                const int at = random.below(size);
                const QByteArray chunk = data.mid(at, 1 + random.below(16));
                data.insert(random.below(size + 1), chunk);
            }
            break;
        case 6: { // splice with another seed
            const QByteArray &other = corpus[random.below(int(corpus.size()))];
            data = data.left(random.below(size + 1)) + other.mid(random.below(int(other.size()) + 1));
            break;
        }
        default: // overwrite with an interesting byte
            if (size > 0)
                data[random.below(size)] = kInteresting[random.below(int(sizeof kInteresting))];
            break;
        }
    }
    return data;
}

const int kFormats[] = {-1, 0, 40, 42, 50, 60, 110, 111, 112, 113, 432, 9999};
const char *const kMediaTypes[] = {"application/json", "application/vnd.x+cbor", "text/plain; charset=utf-8",
                                   "application/senml+json", "application/link-format", "image/png"};

void exercise(const QByteArray &input, Random &random)
{
    // Decoding: sniffed, and by three content-formats picked at random (all of them would
    // triple the run time for little more coverage).
    const int picked[] = {-1, kFormats[random.below(int(std::size(kFormats)))], kFormats[random.below(int(std::size(kFormats)))],
                          kFormats[random.below(int(std::size(kFormats)))]};
    for (const int cf : picked) {
        const thingscape::Value v = codecs::decode(input, cf, {}, 42);
        CHECK(v.raw == input);
        CHECK(v.timeMs == 42);
        if (!v.error.isEmpty()) {
            CHECK(v.decoded.isUndefined());
            CHECK(v.kind() == thingscape::ValueKind::Error);
        } else if (input.isEmpty()) {
            CHECK(v.kind() == thingscape::ValueKind::None);
        } else {
            CHECK(v.contentFormat >= 0);
            // CBOR has an "undefined" of its own (0xf7); everything else decodes to something.
            CHECK(!v.decoded.isUndefined() || v.contentFormat == 60);
        }
        if (cf == -1 && input.size() <= codecs::kEagerDecodeBytes) {
            // The sniff's JSON check (which builds nothing) agrees with the parser, except that
            // nlohmann's lexer takes a NUL byte for the end of input ("1"\0x parses); JSON has no
            // NUL outside strings and none unescaped inside, so the check refuses it.
            qsizetype first = 0;
            while (first < input.size() && std::strchr(" \t\r\n", input.at(first)) && input.at(first) != '\0')
                ++first;
            const bool looksLikeJson = first < input.size() && std::strchr("{[\"", input.at(first)) && input.at(first) != '\0';
            const bool parses = looksLikeJson && !input.contains('\0') && codecs::detail::parseJson(input, nullptr).has_value();
            CHECK((v.contentFormat == thingscape::ContentFormat::Json) == parses);
        }
        const QString pretty = codecs::prettyText(v);
        CHECK(input.isEmpty() || !pretty.isEmpty() || v.decoded.isString()
              || (v.decoded.isByteArray() && v.decoded.toByteArray().isEmpty()));
        v.shortText(40);
    }
    const thingscape::Value byType =
        codecs::decode(input, -1, QString::fromLatin1(kMediaTypes[random.below(int(std::size(kMediaTypes)))]));
    CHECK(byType.raw == input);

    // SenML: a parsed pack has valid names only.
    for (const int cf : {110, 112, -1}) {
        QString error;
        const auto records = codecs::parseSenml(input, cf, &error, 1700000000.0);
        if (records) {
            for (const auto &r : *records)
                CHECK(!r.name.isEmpty());
        } else {
            CHECK(!error.isEmpty());
        }
    }

    // Link format: what parses serialises to something that parses to the same links.
    {
        QString error;
        const auto links = codecs::parseLinkFormat(input, &error);
        if (links) {
            const QByteArray again = codecs::serialiseLinkFormat(*links);
            const auto reparsed = codecs::parseLinkFormat(again, &error);
            CHECK(reparsed);
            CHECK(reparsed->size() == links->size());
            for (qsizetype i = 0; i < links->size(); ++i) {
                CHECK(reparsed->at(i).target == links->at(i).target);
                CHECK(reparsed->at(i).resourceTypes == links->at(i).resourceTypes);
                CHECK(reparsed->at(i).contentFormats == links->at(i).contentFormats);
                CHECK(reparsed->at(i).title == links->at(i).title);
                codecs::resolveLinkTarget(QStringLiteral("coap://h:5683/.well-known/core"), links->at(i));
            }
            codecs::linksToCbor(*links);
        } else {
            CHECK(error.contains(QLatin1String("byte")));
        }
    }

    // CBOR diagnostic notation: an error, or text for anything non-empty.
    {
        QString error;
        const QString text = codecs::cborDiagnostic(input, &error);
        CHECK(!error.isEmpty() || !text.isEmpty());
    }

    // Hex view: one line per 16 bytes.
    const QString hex = codecs::hexView(input);
    CHECK(hex.count(QLatin1Char('\n')) == (input.isEmpty() ? 0 : (input.size() - 1) / 16));

    // Encoding user text: what is accepted decodes cleanly.
    const QString text = QString::fromUtf8(input);
    for (const char *format : {"json", "cbor"}) {
        QByteArray out;
        int cf = -1;
        QString error;
        if (codecs::encode(text, QString::fromLatin1(format), &out, &cf, &error)) {
            const thingscape::Value v = codecs::decode(out, cf);
            CHECK(v.error.isEmpty());
        } else {
            CHECK(!error.isEmpty());
        }
    }
}

} // namespace

int main()
{
    quint64 seed = 20261129;
    int iterations = 100000;
    if (const char *s = std::getenv("THINGSCAPE_FUZZ_SEED"))
        seed = std::strtoull(s, nullptr, 10);
    if (const char *s = std::getenv("THINGSCAPE_FUZZ_ITERATIONS"))
        iterations = std::atoi(s);

    Random random(seed);
    QList<QByteArray> corpus = seeds();
    QElapsedTimer timer;
    timer.start();
    int done = 0;
    for (; done < iterations; ++done) {
        const QByteArray input = mutate(random, corpus);
        g_current = &input;
        exercise(input, random);
        // Inputs that went deep enough to parse somewhere become seeds, to reach further.
        if (done % 97 == 0 && corpus.size() < 400 && !codecs::decode(input, -1).decoded.isByteArray())
            corpus.append(input);
        // A shared CI machine can be slow: stop in time rather than time out (the seed still reproduces).
        if (timer.elapsed() > 15000) {
            std::printf("fuzz_codecs: time budget reached\n");
            ++done;
            break;
        }
    }
    g_current = nullptr;
    std::printf("fuzz_codecs: %d inputs, seed %llu, %lld ms, no failure\n", done, static_cast<unsigned long long>(seed),
                static_cast<long long>(timer.elapsed()));
    return 0;
}
