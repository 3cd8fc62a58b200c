// Memory of the ResourceStore (and the message stream the window keeps beside it) holding N
// retained MQTT topics shaped `site/bN/fN/devN/metric`, fed as the MQTT connector feeds them:
// ids from ResourceId::fromTopic, payloads through codecs::decode, the connector's metadata on
// a topic's first message (retained, observable) and its info text, batches of 2,000 updates.
//
// Prints VmRSS before and after, bytes per resource, and the store's own accounting
// (memoryBytes, historyBytes, drop counters) with its ratio to the RSS growth.
//
//   --topics N          resources (default 1,000,000)
//   --messages M        messages per topic (default 1: one retained message each)
//   --payload BYTES     payload size (default: a small JSON number such as 21.37)
//   --stream            also attach a StreamModel (as the window does; 100,000 messages)
//   --steady SECONDS    afterwards, update the topics at --rate messages/s for that long and print
//                       RSS every tenth of it, with the growth between the 20 % and 100 % marks
//                       (standing in for "minute 2 to minute 10")
//   --rate R            for --steady (default 5,000 messages/s, in batches of 100 per 20 ms)
//   --budget MIB        the store's memory budget (default: the store's, 96 MiB)
//   --read-all          afterwards, read every current value's decoded form (as showing each one
//                       would; values are decoded on first use) and print RSS again
//
// THINGSCAPE_BENCH_QUICK=1 (set by ctest): small N; checks only correctness (every resource
// there with its value, accounting present and consistent), no figure asserted.

#include "model/codecs/codecs.h"
#include "model/resourcestore.h"
#include "model/streammodel.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QStringList>

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

using namespace thingscape;

namespace {

qint64 rssBytes()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong() * 1024;
    }
    return -1;
}

double mib(qint64 bytes)
{
    return double(bytes) / (1024.0 * 1024.0);
}

struct Options
{
    int topics = 1000000;
    int messages = 1;
    int payload = 0;
    bool stream = false;
    int steadySeconds = 0;
    int rate = 5000;
    int budgetMiB = 0;
    bool readAll = false;
};

QString topicName(int i)
{
    // site/bN/fN/devN/metric: 10 buildings, 10 floors each, devices numbered through.
    return QStringLiteral("site/b%1/f%2/dev%3/metric").arg(i % 10).arg((i / 10) % 10).arg(i);
}

QByteArray payloadFor(int i, int message, int size)
{
    if (size <= 0)
        return QByteArray::number(double(i % 1000) + message / 100.0 + 0.37, 'f', 2);
    // Distinct bytes per message, JSON-shaped, as a large sensor document would be.
    QByteArray raw = "{\"seq\":" + QByteArray::number(message) + ",\"topic\":" + QByteArray::number(i) + ",\"blob\":\"";
    raw += QByteArray(std::max<qsizetype>(0, size - raw.size() - 2), 'a' + char((i + message) % 26));
    raw += "\"}";
    raw.squeeze(); // as received: a connector's payload is allocated at its size
    return raw;
}

Update updateFor(const ResourceId &endpoint, const ResourceId &id, int i, int message, int payloadSize, bool first)
{
    static const QString retainedInfo = QStringLiteral("qos 0 retained");
    static const QString liveInfo = QStringLiteral("qos 0");
    Q_UNUSED(endpoint);
    Update update;
    update.id = id;
    update.value = codecs::decode(payloadFor(i, message, payloadSize), ContentFormat::Unknown, {},
                                  QDateTime::currentMSecsSinceEpoch());
    if (first) {
        // As the MQTT connector does: one object for every topic announced alike.
        Metadata meta;
        meta.retained.set(true, MetaSource::Protocol);
        meta.observable.set(true, MetaSource::Protocol);
        update.metadata = MetadataRef::interned(std::move(meta));
    }
    update.info = message == 0 ? retainedInfo : liveInfo;
    return update;
}

void printAccounting(const ResourceStore &store, qint64 rssGrowth)
{
    std::printf("  store accounting: memoryBytes %.1f MiB, historyBytes %.1f MiB, keptBytes %.1f MiB (budget %.0f MiB), "
                "dropped by capacity %llu, by budget %llu, stream payloads dropped by budget %llu\n",
                mib(store.memoryBytes()), mib(store.historyBytes()), mib(store.keptBytes()), mib(store.memoryBudget()),
                static_cast<unsigned long long>(store.droppedByCapacity()),
                static_cast<unsigned long long>(store.droppedByBudget()),
                static_cast<unsigned long long>(store.payloadsDroppedByBudget()));
    if (rssGrowth > 0)
        std::printf("  memoryBytes / RSS growth: %.2f\n", double(store.memoryBytes()) / double(rssGrowth));
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const bool quick = qEnvironmentVariableIsSet("THINGSCAPE_BENCH_QUICK");
    Options options;
    if (quick)
        options.topics = 2000;
    const QStringList args = app.arguments();
    for (qsizetype i = 1; i < args.size(); ++i) {
        const QString &arg = args.at(i);
        const auto next = [&]() { return i + 1 < args.size() ? args.at(++i).toInt() : 0; };
        if (arg == QLatin1String("--topics"))
            options.topics = std::max(1, next());
        else if (arg == QLatin1String("--messages"))
            options.messages = std::max(1, next());
        else if (arg == QLatin1String("--payload"))
            options.payload = next();
        else if (arg == QLatin1String("--stream"))
            options.stream = true;
        else if (arg == QLatin1String("--steady"))
            options.steadySeconds = next();
        else if (arg == QLatin1String("--rate"))
            options.rate = std::max(100, next());
        else if (arg == QLatin1String("--budget"))
            options.budgetMiB = std::max(1, next());
        else if (arg == QLatin1String("--read-all"))
            options.readAll = true;
        else {
            std::fprintf(stderr, "usage: bench_store_memory [--topics N] [--messages M] [--payload BYTES] [--stream] "
                                 "[--steady SECONDS] [--rate R] [--budget MIB] [--read-all]\n");
            return 2;
        }
    }
    if (quick)
        options.stream = true;

    const ResourceId endpoint = *ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:1883"));
    // Ids are built per update, as the connector does past its topic cache (500,000 topics):
    // their strings are the store's own.
    const auto idOf = [&endpoint](int i) { return ResourceId::fromTopic(endpoint, topicName(i)); };
    malloc_trim(0);
    const qint64 rssBefore = rssBytes();

    ResourceStore store;
    if (options.budgetMiB > 0)
        store.setMemoryBudget(qint64(options.budgetMiB) * 1024 * 1024);
    std::unique_ptr<StreamModel> stream;
    if (options.stream)
        stream = std::make_unique<StreamModel>(&store);

    QElapsedTimer timer;
    timer.start();
    constexpr int kBatch = 2000;
    UpdateBatch batch;
    batch.reserve(kBatch);
    quint64 fed = 0;
    for (int message = 0; message < options.messages; ++message) {
        for (int i = 0; i < options.topics; ++i) {
            batch.append(updateFor(endpoint, idOf(i), i, message, options.payload, message == 0));
            if (batch.size() == kBatch) {
                store.ingest(batch);
                QCoreApplication::processEvents(); // the stream's deferred work, as the event loop would
                fed += quint64(batch.size());
                batch.clear();
            }
        }
    }
    if (!batch.isEmpty()) {
        store.ingest(batch);
        fed += quint64(batch.size());
        batch.clear();
    }
    batch.squeeze();
    const double feedMs = double(timer.elapsed());
    const qint64 rssAfter = rssBytes();
    const qint64 growth = rssAfter - rssBefore;

    std::printf("bench_store_memory: %d topics x %d message(s), payload %s%s\n", options.topics, options.messages,
                options.payload > 0 ? qPrintable(QString::number(options.payload) + QStringLiteral(" bytes"))
                                    : "small JSON number",
                options.stream ? ", with the message stream" : "");
    std::printf("  fed %llu updates in %.0f ms\n", static_cast<unsigned long long>(fed), feedMs);
    std::printf("  RSS before %.1f MiB, after %.1f MiB, growth %.1f MiB = %.0f bytes per resource\n", mib(rssBefore),
                mib(rssAfter), mib(growth), double(growth) / options.topics);
    printAccounting(store, growth);
    // What is live, without the freed heap glibc still holds (churn of large payloads).
    malloc_trim(0);
    const qint64 trimmed = rssBytes() - rssBefore;
    std::printf("  after malloc_trim: RSS growth %.1f MiB = %.0f bytes per resource; memoryBytes / that: %.2f\n",
                mib(trimmed), double(trimmed) / options.topics, double(store.memoryBytes()) / double(std::max<qint64>(1, trimmed)));
    if (options.readAll) {
        // Each value decoded once, as showing it would: what lazy decoding spares until then.
        qint64 kinds = 0;
        for (const Resource *resource : store.resources())
            kinds += int(resource->value().kind());
        malloc_trim(0);
        const qint64 read = rssBytes() - rssBefore;
        std::printf("  after reading every value (kinds %lld): RSS growth %.1f MiB = %.0f bytes per resource\n",
                    static_cast<long long>(kinds), mib(read), double(read) / options.topics);
        // The decoded forms are charged as they are made: the figure follows RSS.
        printAccounting(store, read);
        std::printf("  of it decoded forms: %.1f MiB\n", mib(store.decodedBytes()));
    }

    bool ok = store.size() == options.topics;
    for (int i = 0; ok && i < options.topics; i += std::max(1, options.topics / 97)) {
        const Resource *resource = store.find(idOf(i));
        const QByteArray expected = payloadFor(i, options.messages - 1, options.payload);
        ok = resource && resource->hasValue() && resource->value().raw == expected
            // The budget may have dropped the point (1,000,000 topics are over the default); never the value.
            && (resource->history().size() >= 1 ? resource->history().last().raw == expected : store.droppedByBudget() > 0)
            && resource->metadata().retained.isSet() && resource->title() == QLatin1String("metric");
        if (!ok)
            std::printf("  WRONG: resource %d\n", i);
    }
    ok = ok && store.memoryBytes() > 0 && store.historyBytes() > 0 && store.historyBytes() <= store.memoryBytes();
    if (stream)
        ok = ok && stream->rowCount() == int(std::min<quint64>(fed, quint64(stream->capacity())));

    if (options.steadySeconds > 0) {
        // Steady load: updates in rounds over all topics, paced to the rate; RSS sampled.
        const int perTick = std::max(1, options.rate / 50);
        std::printf("  steady: %d messages/s for %d s (%d per 20 ms)\n", options.rate, options.steadySeconds, perTick);
        QElapsedTimer steady;
        steady.start();
        const qint64 totalMs = qint64(options.steadySeconds) * 1000;
        qint64 nextSample = totalMs / 10;
        qint64 rssAtFifth = 0;
        qint64 rssAtHalf = 0;
        int message = options.messages;
        int cursor = 0;
        qint64 tick = 0;
        while (steady.elapsed() < totalMs) {
            UpdateBatch updates;
            updates.reserve(perTick);
            for (int k = 0; k < perTick; ++k) {
                updates.append(updateFor(endpoint, idOf(cursor), cursor, message, options.payload, false));
                if (++cursor == options.topics) {
                    cursor = 0;
                    ++message;
                }
            }
            store.ingest(updates);
            ++tick;
            const qint64 due = tick * 20;
            if (steady.elapsed() < due)
                std::this_thread::sleep_for(std::chrono::milliseconds(due - steady.elapsed()));
            if (steady.elapsed() >= nextSample) {
                const qint64 rss = rssBytes();
                std::printf("  t=%5.1f s RSS %.1f MiB memoryBytes %.1f MiB keptBytes %.1f MiB\n",
                            steady.elapsed() / 1000.0, mib(rss), mib(store.memoryBytes()), mib(store.keptBytes()));
                std::fflush(stdout);
                if (nextSample == 2 * totalMs / 10)
                    rssAtFifth = rss;
                if (nextSample == 5 * totalMs / 10)
                    rssAtHalf = rss;
                nextSample += totalMs / 10;
            }
        }
        const qint64 rssEnd = rssBytes();
        if (rssAtFifth > 0 && rssAtHalf > 0)
            std::printf("  RSS growth to the end from the 20 %% mark: %+.1f %%, from the 50 %% mark: %+.1f %%\n",
                        100.0 * double(rssEnd - rssAtFifth) / double(rssAtFifth),
                        100.0 * double(rssEnd - rssAtHalf) / double(rssAtHalf));
        ok = ok && store.size() == options.topics;
    }

    std::printf("%s\n", ok ? "ok" : "FAILED: the store does not hold what was fed");
    return ok ? 0 : 1;
}
