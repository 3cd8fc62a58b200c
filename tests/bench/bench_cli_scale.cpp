// Command line at scale, against the standard tools on the same private mosquitto:
//
//  - discover: N retained topics site/bN/fN/devN/metric published beforehand; `thingscape
//    discover mqtt://…/site/#` vs `mosquitto_sub -t site/# --retained-only -C N`: wall time,
//    peak RSS (/usr/bin/time), and whether every topic was listed.
//  - watch: M messages queued by the broker beforehand for a persistent session (QoS 1), so
//    that the subscriber's own speed is measured, not a publisher's; `thingscape watch
//    mqtt://…/bench/# --count M` (text, then --json) vs `mosquitto_sub -t bench/# -C M`, both
//    to /dev/null.
//  - start-up: `thingscape discover` against a closed port (connection refused) vs
//    `mosquitto_sub` against the same: the fixed cost of every verb (loading, start, exit).
//
// Each figure is the median of --runs runs (default 3, alternating order) and is printed
// beside its baseline and target with PASS / FAIL.
//
// Usage: bench_cli_scale [--topics N] [--messages M] [--runs R] [--thingscape PATH]
//                        [--skip-discover] [--skip-watch] [--skip-startup]
// THINGSCAPE_BENCH_QUICK=1 (ctest): small N and M, one run; checks only that every topic and
// message arrived (exit 1 if not); figures are printed but never judged.

#include "benchingest.h"
#include "benchstats.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStringList>
#include <QTemporaryDir>

#include <mosquitto.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace {

using Clock = std::chrono::steady_clock;
using bench::median;

struct Options
{
    int topics = 1000000;
    int messages = 1000000;
    int runs = 3;
    QString thingscape;
    bool discover = true;
    bool watch = true;
    bool startup = true;
    bool quick = false;
};

struct Measure
{
    bool ok = false;      // exited with the expected code (0 unless told)
    int exitCode = -1;
    double seconds = 0;
    double rssMb = 0;     // peak resident set, MiB
    double cpuSeconds = 0; // user + system, all threads: what the load disturbs less than wall time
    qint64 lines = -1;    // of its standard output, when kept
};

// Runs a program to completion; stdout to outPath (or /dev/null), stderr to errPath. Peak RSS
// through /usr/bin/time: wait4's ru_maxrss of a posix_spawn child counts this process's own
// peak (the child shares our address space until exec).
Measure runProgram(const QStringList &args, const QString &outPath, const QString &errPath, int expectedExit = 0)
{
    const QString rssPath = errPath + QStringLiteral(".rss");
    std::vector<std::string> storage{"/usr/bin/time", "-f", "%M %U %S", "-o", rssPath.toStdString()};
    for (const QString &arg : args)
        storage.push_back(arg.toStdString());
    std::vector<char *> argv;
    for (std::string &arg : storage)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string out = (outPath.isEmpty() ? QStringLiteral("/dev/null") : outPath).toStdString();
    const std::string err = errPath.toStdString();
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    Measure m;
    const Clock::time_point start = Clock::now();
    pid_t pid = 0;
    if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) {
        posix_spawn_file_actions_destroy(&actions);
        std::fprintf(stderr, "cannot start %s\n", argv[0]);
        return m;
    }
    posix_spawn_file_actions_destroy(&actions);
    int status = 0;
    struct rusage usage = {};
    wait4(pid, &status, 0, &usage);
    m.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    QFile rss(rssPath);
    if (rss.open(QIODevice::ReadOnly)) {
        const QList<QByteArray> lines = rss.readAll().trimmed().split('\n');
        const QList<QByteArray> fields = lines.last().trimmed().split(' ');
        m.rssMb = fields.value(0).toDouble() / 1024.0;
        m.cpuSeconds = fields.value(1).toDouble() + fields.value(2).toDouble();
    }
    m.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    m.ok = expectedExit < 0 || m.exitCode == expectedExit; // < 0: any
    if (!outPath.isEmpty()) {
        QFile file(outPath);
        if (file.open(QIODevice::ReadOnly)) {
            m.lines = 0;
            while (!file.atEnd()) {
                const QByteArray chunk = file.read(1 << 20);
                m.lines += chunk.count('\n');
            }
        }
    }
    if (!m.ok) {
        QFile file(errPath);
        if (file.open(QIODevice::ReadOnly))
            std::fprintf(stderr, "%s failed: %s\n", argv[0], file.read(2000).constData());
    }
    return m;
}

// One libmosquitto client on its own loop; connect() waits for CONNACK.
class Client
{
public:
    Client(const char *id, bool cleanSession)
        : m_mosq(mosquitto_new(id, cleanSession, this))
    {
        mosquitto_int_option(m_mosq, MOSQ_OPT_SEND_MAXIMUM, 65535);
        mosquitto_connect_callback_set(m_mosq, [](struct mosquitto *, void *self, int) {
            static_cast<Client *>(self)->m_connected = true;
        });
        mosquitto_publish_callback_set(m_mosq, [](struct mosquitto *, void *self, int) {
            ++static_cast<Client *>(self)->m_acked;
        });
        mosquitto_subscribe_callback_set(m_mosq, [](struct mosquitto *, void *self, int, int, const int *) {
            static_cast<Client *>(self)->m_subscribed = true;
        });
    }
    ~Client() { mosquitto_destroy(m_mosq); }

    bool connect(quint16 port)
    {
        if (mosquitto_connect(m_mosq, "127.0.0.1", port, 600) != MOSQ_ERR_SUCCESS)
            return false;
        return loopUntil([this] { return m_connected; });
    }
    bool subscribe(const char *filter, int qos)
    {
        mosquitto_subscribe(m_mosq, nullptr, filter, qos);
        return loopUntil([this] { return m_subscribed; });
    }
    // Publishes as fast as the socket takes it; returns once the broker acknowledged a QoS 1
    // marker sent last (it handles one connection's messages in order).
    bool publish(const std::vector<std::pair<QByteArray, QByteArray>> &messages, int qos, bool retain)
    {
        const int before = m_acked; // acknowledgements come in while publishing too
        int sent = 0;
        for (const auto &[topic, payload] : messages) {
            if (mosquitto_publish(m_mosq, nullptr, topic.constData(), int(payload.size()), payload.constData(), qos,
                                  retain)
                != MOSQ_ERR_SUCCESS)
                return false;
            if (++sent % 256 == 0)
                mosquitto_loop(m_mosq, 0, 1);
            // QoS 0 in chunks, each confirmed by a QoS 1 marker: a million unconfirmed
            // messages in one go lost half of them on the way into the broker.
            if (qos == 0 && sent % 5000 == 0 && !confirm())
                return false;
        }
        if (qos == 0)
            return confirm();
        mosquitto_publish(m_mosq, nullptr, "benchmark/marker", 1, "x", 1, false);
        const int target = before + 1 + int(messages.size());
        return loopUntil([this, target] { return m_acked >= target; }, 600);
    }
    // Returns once the broker acknowledged a QoS 1 marker (it handles one connection's
    // messages in order: everything sent before it has arrived).
    bool confirm()
    {
        const int target = m_acked + 1;
        mosquitto_publish(m_mosq, nullptr, "benchmark/marker", 1, "x", 1, false);
        return loopUntil([this, target] { return m_acked >= target; }, 120);
    }
    void disconnect()
    {
        mosquitto_disconnect(m_mosq);
        mosquitto_loop(m_mosq, 100, 1);
    }

private:
    template<typename F>
    bool loopUntil(F done, int seconds = 30)
    {
        const Clock::time_point deadline = Clock::now() + std::chrono::seconds(seconds);
        while (!done() && Clock::now() < deadline) {
            if (mosquitto_loop(m_mosq, 50, 1) != MOSQ_ERR_SUCCESS)
                return false;
        }
        return done();
    }

    struct mosquitto *m_mosq;
    bool m_connected = false;
    bool m_subscribed = false;
    int m_acked = 0;
};

struct Row
{
    QString what;
    double value = 0;
    double baseline = 0;
    QString unit;
    QString target; // as printed
    bool pass = true;
};

std::vector<Row> g_rows;

void addRow(const QString &what, double value, double baseline, const QString &unit, const QString &target, bool pass)
{
    g_rows.push_back(Row{what, value, baseline, unit, target, pass});
}

std::vector<std::pair<QByteArray, QByteArray>> retainedTopics(int n)
{
    std::vector<std::pair<QByteArray, QByteArray>> messages;
    messages.reserve(size_t(n));
    for (int i = 0; i < n; ++i) {
        messages.emplace_back(QByteArrayLiteral("site/b") + QByteArray::number(i / 10000) + "/f"
                                  + QByteArray::number(i / 1000 % 10) + "/dev" + QByteArray::number(i % 1000) + "/metric",
                              QByteArray::number(20.0 + (i % 100) / 10.0, 'f', 1));
    }
    return messages;
}

std::vector<std::pair<QByteArray, QByteArray>> liveMessages(int m)
{
    std::vector<std::pair<QByteArray, QByteArray>> messages;
    messages.reserve(size_t(m));
    for (int i = 0; i < m; ++i) {
        messages.emplace_back(QByteArrayLiteral("bench/dev") + QByteArray::number(i % 1000) + "/metric",
                              QByteArrayLiteral("{\"t\":") + QByteArray::number(20.0 + (i % 100) / 10.0, 'f', 1)
                                  + ",\"seq\":" + QByteArray::number(i) + "}");
    }
    return messages;
}

bool discoverBench(const Options &options, quint16 port, const QString &dir)
{
    std::printf("discover: publishing %d retained topics...\n", options.topics);
    std::fflush(stdout);
    {
        Client publisher("bench-retained", true);
        if (!publisher.connect(port) || !publisher.publish(retainedTopics(options.topics), 0, true)) {
            std::fprintf(stderr, "cannot publish the retained topics\n");
            return false;
        }
        publisher.disconnect();
    }
    const QString url = QStringLiteral("mqtt://127.0.0.1:%1/site/#").arg(port);
    const QStringList ours{options.thingscape, QStringLiteral("discover"), url, QStringLiteral("--timeout"), QStringLiteral("900")};
    const QStringList theirs{QStringLiteral("/usr/bin/mosquitto_sub"), QStringLiteral("-p"), QString::number(port),
                             QStringLiteral("-t"), QStringLiteral("site/#"), QStringLiteral("--retained-only"),
                             QStringLiteral("-C"), QString::number(options.topics), QStringLiteral("-W"), QStringLiteral("900")};
    std::vector<double> ourTime, ourRss, theirTime, theirRss, ourCpu, theirCpu;
    bool complete = true;
    const QString out = dir + QStringLiteral("/discover.out");
    const QString err = dir + QStringLiteral("/discover.err");
    for (int run = 0; run < options.runs; ++run) {
        for (int turn = 0; turn < 2; ++turn) {
            const bool oursNow = (run + turn) % 2 == 0;
            const Measure m = runProgram(oursNow ? ours : theirs, out, err);
            const bool listed = m.ok && m.lines == options.topics;
            complete = complete && listed;
            std::printf("  run %d %-14s %7.2f s  %6.2f s CPU  %7.1f MiB  %lld lines%s\n", run + 1,
                        oursNow ? "thingscape" : "mosquitto_sub", m.seconds, m.cpuSeconds, m.rssMb,
                        static_cast<long long>(m.lines), listed ? "" : "  INCOMPLETE");
            std::fflush(stdout);
            (oursNow ? ourTime : theirTime).push_back(m.seconds);
            (oursNow ? ourRss : theirRss).push_back(m.rssMb);
            (oursNow ? ourCpu : theirCpu).push_back(m.cpuSeconds);
        }
    }
    if (options.quick) {
        // The JSON form lists every topic too, each line an object with its uri.
        const Measure json = runProgram(ours + QStringList{QStringLiteral("--json")}, out, err);
        complete = complete && json.ok && json.lines == options.topics;
        QFile file(out);
        if (file.open(QIODevice::ReadOnly) && !file.readLine().startsWith("{\""))
            complete = false;
    }
    const double t = median(ourTime);
    const double base = median(theirTime);
    const QString label = QStringLiteral("discover %1 topics").arg(options.topics);
    addRow(label + QStringLiteral(": time"), t, base, QStringLiteral("s"), QStringLiteral("<= 2x mosquitto_sub"),
           t <= 2 * base);
    // Not judged: the broker's own work is in the wall time, not in a subscriber's CPU time.
    addRow(label + QStringLiteral(": CPU time"), median(ourCpu), median(theirCpu), QStringLiteral("s"),
           QStringLiteral("(shown only)"), true);
    addRow(label + QStringLiteral(": peak RSS"), median(ourRss), median(theirRss), QStringLiteral("MiB"),
           QStringLiteral("<= 1024 MiB"), median(ourRss) <= 1024);
    if (!complete)
        std::fprintf(stderr, "FAIL: discover did not list every topic\n");
    return complete;
}

// Queues M QoS 1 messages for a persistent session `id` (subscribed to bench/#), offline.
bool queueFor(quint16 port, const char *id, const std::vector<std::pair<QByteArray, QByteArray>> &messages)
{
    {
        Client session(id, false);
        if (!session.connect(port) || !session.subscribe("bench/#", 1))
            return false;
        session.disconnect();
    }
    Client publisher("bench-live", true);
    if (!publisher.connect(port) || !publisher.publish(messages, 1, false))
        return false;
    publisher.disconnect();
    return true;
}

bool watchBench(const Options &options, quint16 port, const QString &dir)
{
    const auto messages = liveMessages(options.messages);
    const QString url = QStringLiteral("mqtt://127.0.0.1:%1/bench/#").arg(port);
    const QString count = QString::number(options.messages);
    const QString err = dir + QStringLiteral("/watch.err");
    const QString out = options.quick ? dir + QStringLiteral("/watch.out") : QString();
    struct Variant
    {
        const char *name;
        QStringList args;
        std::vector<double> times;
    };
    const char *id = "bench-watcher";
    std::vector<Variant> variants{
        {"mosquitto_sub",
         {QStringLiteral("/usr/bin/mosquitto_sub"), QStringLiteral("-p"), QString::number(port), QStringLiteral("-q"),
          QStringLiteral("1"), QStringLiteral("-c"), QStringLiteral("-i"), QString::fromLatin1(id), QStringLiteral("-t"),
          QStringLiteral("bench/#"), QStringLiteral("-C"), count, QStringLiteral("-W"), QStringLiteral("900")},
         {}},
        {"thingscape", {options.thingscape, QStringLiteral("watch"), url, QStringLiteral("--qos"), QStringLiteral("1"),
                        QStringLiteral("--session"), QString::fromLatin1(id), QStringLiteral("--count"), count},
         {}},
        {"thingscape --json", {options.thingscape, QStringLiteral("watch"), url, QStringLiteral("--qos"), QStringLiteral("1"),
                               QStringLiteral("--session"), QString::fromLatin1(id), QStringLiteral("--count"), count,
                               QStringLiteral("--json")},
         {}},
    };
    std::printf("watch: %d messages queued for a persistent session, then drained to %s\n", options.messages,
                options.quick ? "a file" : "/dev/null");
    std::fflush(stdout);
    bool complete = true;
    std::vector<std::vector<double>> cpu(variants.size()); // CPU seconds per variant
    for (int run = 0; run < options.runs; ++run) {
        for (size_t k = 0; k < variants.size(); ++k) {
            const size_t index = (k + size_t(run)) % variants.size();
            Variant &variant = variants[index];
            if (!queueFor(port, id, messages)) {
                std::fprintf(stderr, "cannot queue the messages\n");
                return false;
            }
            const Measure m = runProgram(variant.args, out, err);
            const bool all = m.ok && (out.isEmpty() || m.lines == options.messages);
            complete = complete && all;
            std::printf("  run %d %-18s %7.2f s  %6.2f s CPU  %8.0f msg/s%s\n", run + 1, variant.name, m.seconds,
                        m.cpuSeconds, options.messages / m.seconds, all ? "" : "  INCOMPLETE");
            std::fflush(stdout);
            variant.times.push_back(m.seconds);
            cpu[index].push_back(m.cpuSeconds);
        }
    }
    const double base = median(variants[0].times);
    const double text = median(variants[1].times);
    const double json = median(variants[2].times);
    const QString label = QStringLiteral("watch %1 messages").arg(options.messages);
    // Speed relative to mosquitto_sub: its time over ours.
    addRow(label + QStringLiteral(": text speed"), base / text, 1.0, QStringLiteral("x"), QStringLiteral(">= 0.9x"),
           base / text >= 0.9);
    addRow(label + QStringLiteral(": --json speed"), base / json, 1.0, QStringLiteral("x"), QStringLiteral(">= 0.7x"),
           base / json >= 0.7);
    // Not judged: CPU time per message, which the machine's load disturbs less than wall time.
    addRow(label + QStringLiteral(": text CPU time"), median(cpu[1]), median(cpu[0]), QStringLiteral("s"),
           QStringLiteral("(shown only)"), true);
    addRow(label + QStringLiteral(": --json CPU time"), median(cpu[2]), median(cpu[0]), QStringLiteral("s"),
           QStringLiteral("(shown only)"), true);
    if (!complete)
        std::fprintf(stderr, "FAIL: watch did not get every message\n");
    return complete;
}

// The fixed cost of a verb: a connection refused at once, so what is measured is loading,
// starting and exiting. 20 runs each, alternating, medians (shown only, not judged).
bool startupBench(const Options &options, const QString &dir)
{
    const quint16 closed = testsupport::freeTcpPort(); // nothing listens there
    const QStringList ours{options.thingscape, QStringLiteral("discover"),
                           QStringLiteral("mqtt://127.0.0.1:%1/x").arg(closed)};
    const QStringList theirs{QStringLiteral("/usr/bin/mosquitto_sub"), QStringLiteral("-p"), QString::number(closed),
                             QStringLiteral("-t"), QStringLiteral("x")};
    const int runs = options.quick ? 2 : 20;
    std::vector<double> ourTime, theirTime, ourCpu, theirCpu, ourRss;
    bool refused = true;
    const QString err = dir + QStringLiteral("/startup.err");
    for (int run = 0; run < runs; ++run) {
        for (int turn = 0; turn < 2; ++turn) {
            const bool oursNow = (run + turn) % 2 == 0;
            const Measure m = runProgram(oursNow ? ours : theirs, QString(), err, oursNow ? 3 : -1);
            if (oursNow) {
                // Exit 3, saying so: a refused connection, not a crash or a usage error.
                QFile file(err);
                refused = refused && m.exitCode == 3 && file.open(QIODevice::ReadOnly) && file.readAll().contains("refused");
            }
            (oursNow ? ourTime : theirTime).push_back(m.seconds);
            (oursNow ? ourCpu : theirCpu).push_back(m.cpuSeconds);
            if (oursNow)
                ourRss.push_back(m.rssMb);
        }
    }
    std::printf("start-up: %d runs each against a closed port: thingscape %.3f s (CPU %.3f s, %.1f MiB), "
                "mosquitto_sub %.3f s (CPU %.3f s)\n",
                runs, median(ourTime), median(ourCpu), median(ourRss), median(theirTime), median(theirCpu));
    addRow(QStringLiteral("start-up, connection refused: time"), median(ourTime), median(theirTime), QStringLiteral("s"),
           QStringLiteral("(shown only)"), true);
    addRow(QStringLiteral("start-up, connection refused: CPU"), median(ourCpu), median(theirCpu), QStringLiteral("s"),
           QStringLiteral("(shown only)"), true);
    if (!refused)
        std::fprintf(stderr, "FAIL: thingscape did not report the refused connection with exit code 3\n");
    return refused;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    Options options;
    options.quick = qEnvironmentVariableIntValue("THINGSCAPE_BENCH_QUICK") == 1;
    if (options.quick) {
        options.topics = 2000;
        options.messages = 3000;
        options.runs = 1;
    }
    const QString binaryDir = qEnvironmentVariable("THINGSCAPE_BINARY_DIR");
    options.thingscape = binaryDir.isEmpty()
        ? QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("../../app/thingscape"))
        : QDir(binaryDir).filePath(QStringLiteral("app/thingscape"));
    const QStringList args = app.arguments();
    for (qsizetype i = 1; i < args.size(); ++i) {
        const QString &arg = args.at(i);
        const bool hasValue = i + 1 < args.size();
        if (arg == QLatin1String("--topics") && hasValue)
            options.topics = args.at(++i).toInt();
        else if (arg == QLatin1String("--messages") && hasValue)
            options.messages = args.at(++i).toInt();
        else if (arg == QLatin1String("--runs") && hasValue)
            options.runs = std::max(1, args.at(++i).toInt());
        else if (arg == QLatin1String("--thingscape") && hasValue)
            options.thingscape = args.at(++i);
        else if (arg == QLatin1String("--skip-discover"))
            options.discover = false;
        else if (arg == QLatin1String("--skip-watch"))
            options.watch = false;
        else if (arg == QLatin1String("--skip-startup"))
            options.startup = false;
        else {
            std::fprintf(stderr, "usage: bench_cli_scale [--topics N] [--messages M] [--runs R] [--thingscape PATH] "
                                 "[--skip-discover] [--skip-watch] [--skip-startup]\n");
            return 2;
        }
    }
    options.thingscape = QFileInfo(options.thingscape).absoluteFilePath();
    if (!QFileInfo(options.thingscape).isExecutable()) {
        std::fprintf(stderr, "no thingscape binary at %s\n", qPrintable(options.thingscape));
        return 2;
    }
    testsupport::Mosquitto broker;
    if (!benchingest::startBroker(broker))
        return 2;
    QTemporaryDir dir;
    std::printf("CLI scale: %s, %d run(s)%s\n", qPrintable(options.thingscape), options.runs,
                options.quick ? " (quick: correctness only, no timing judged)" : "");
    bool complete = true;
    if (options.startup)
        complete = startupBench(options, dir.path()) && complete;
    if (options.discover)
        complete = discoverBench(options, broker.port(), dir.path()) && complete;
    if (options.watch)
        complete = watchBench(options, broker.port(), dir.path()) && complete;

    std::printf("\n%-40s %12s %12s %8s  %-22s %s\n", "figure (median)", "thingscape", "baseline", "ratio", "target",
                options.quick ? "" : "result");
    for (const Row &row : g_rows) {
        std::printf("%-40s %10.2f %-2s %9.2f %-2s %7.2f  %-22s %s\n", qPrintable(row.what), row.value,
                    qPrintable(row.unit), row.baseline, qPrintable(row.unit),
                    row.baseline > 0 ? row.value / row.baseline : 0.0, qPrintable(row.target),
                    options.quick ? "(quick)" : row.pass ? "PASS" : "FAIL");
    }
    mosquitto_lib_cleanup();
    if (!complete) {
        std::fprintf(stderr, "FAIL: output incomplete\n");
        return 1;
    }
    return 0;
}
