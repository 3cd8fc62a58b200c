#include "rulescript.h"

#include <QCoreApplication>
#include <QJSEngine>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QVariant>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <pthread.h>
#include <time.h>

#include <cmath>

namespace thingscape {

namespace {

qint64 cpuNanos(clockid_t clock)
{
    timespec ts{};
    if (clock_gettime(clock, &ts) != 0)
        return 0;
    return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

} // namespace

// Bridges resource(uri) into the script: a QObject the engine can call.
class ScriptHost : public QObject
{
    Q_OBJECT

public:
    explicit ScriptHost(RuleScript::Lookup lookup, QJSEngine *engine)
        : m_lookup(std::move(lookup))
        , m_engine(engine)
    {
    }

    Q_INVOKABLE QJSValue resource(const QString &uri) const
    {
        const QJsonValue value = m_lookup ? m_lookup(uri) : QJsonValue();
        return m_engine->toScriptValue(value);
    }

private:
    RuleScript::Lookup m_lookup;
    QJSEngine *m_engine; // Not owned.
};

// Watches one thread's evaluations: past the limit of CPU time, interrupts the engine.
// Arming and disarming are on the path of every rule run: they take no lock and wake nothing
// (only a watchdog asleep after kQuietTicksBeforeSleep ticks without an evaluation is woken).
// A watchdog woken for every evaluation, holding a lock the rule thread then waited for while
// the machine was busy, cost milliseconds per firing (bench_rules).
class ScriptWatchdog
{
public:
    static constexpr int kTickMs = 5;
    static constexpr int kQuietTicksBeforeSleep = 40; // 200 ms without an evaluation

    ScriptWatchdog(QJSEngine *engine, int limitMs)
        : m_engine(engine)
        , m_limitNs(qint64(limitMs) * 1000000)
    {
        pthread_getcpuclockid(pthread_self(), &m_clock);
        m_thread = std::thread([this] { loop(); });
    }

    ~ScriptWatchdog()
    {
        {
            std::lock_guard lock(m_mutex);
            m_quit = true;
        }
        m_wake.notify_all();
        m_thread.join();
    }

    // Returns the evaluation's number, for disarm().
    quint64 arm()
    {
        m_startNs.store(cpuNanos(m_clock));
        const quint64 seq = m_seq.fetch_add(1) + 1; // odd: armed
        if (m_sleeping.load()) {
            {
                std::lock_guard lock(m_mutex);
                m_sleeping.store(false);
            }
            m_wake.notify_all();
        }
        return seq;
    }

    // Whether it interrupted evaluation seq (which just ended).
    bool disarm(quint64 seq)
    {
        m_seq.fetch_add(1); // even: disarmed
        return m_firedSeq.load() == seq;
    }

private:
    void loop()
    {
        quint64 seen = m_seq.load();
        int quiet = 0;
        for (;;) {
            if (quiet >= kQuietTicksBeforeSleep) {
                std::unique_lock lock(m_mutex);
                m_sleeping.store(true);
                // An arm() that came in meanwhile has either been seen here or will wake us.
                if (m_seq.load() == seen)
                    m_wake.wait(lock, [this] { return m_quit || !m_sleeping.load(); });
                m_sleeping.store(false);
                if (m_quit)
                    return;
                quiet = 0;
            } else {
                std::unique_lock lock(m_mutex);
                if (m_wake.wait_for(lock, std::chrono::milliseconds(kTickMs), [this] { return m_quit; }))
                    return;
            }
            const quint64 seq = m_seq.load();
            const qint64 start = m_startNs.load();
            if ((seq & 1) && seq == m_seq.load() && seq != m_firedSeq.load() && cpuNanos(m_clock) - start > m_limitNs) {
                m_firedSeq.store(seq);
                // It may end just now: the evaluator then finds the engine interrupted without
                // its number fired, and runs again (see RuleScript::evaluate).
                m_engine->setInterrupted(true);
            }
            quiet = seq == seen && !(seq & 1) ? quiet + 1 : 0;
            seen = seq;
        }
    }

    QJSEngine *m_engine; // Not owned.
    const qint64 m_limitNs;
    clockid_t m_clock{};
    std::thread m_thread;
    std::atomic<quint64> m_seq{0};
    std::atomic<quint64> m_firedSeq{0};
    std::atomic<qint64> m_startNs{0};
    std::atomic<bool> m_sleeping{false};
    std::mutex m_mutex; // for sleeping and quitting only
    std::condition_variable m_wake;
    bool m_quit = false;
};

RuleScript::RuleScript(Lookup resource, int limitMs)
    : m_engine(std::make_unique<QJSEngine>())
    , m_lookup(std::move(resource))
{
    // No installExtensions(): no console, no Qt object, no XMLHttpRequest, no import.
    auto *host = new ScriptHost(m_lookup, m_engine.get());
    const QJSValue hostValue = m_engine->newQObject(host); // the engine owns it
    const QJSValue bind = m_engine->evaluate(QStringLiteral("(function (h) { return function (uri) { return h.resource(String(uri)); }; })"));
    m_engine->globalObject().setProperty(QStringLiteral("resource"), bind.call({hostValue}));
    m_watchdog = std::make_unique<ScriptWatchdog>(m_engine.get(), limitMs);
}

RuleScript::~RuleScript()
{
    m_watchdog.reset();
    m_functions.clear();
}

void RuleScript::retainOnly(const QSet<QString> &keep)
{
    m_functions.removeIf([&keep](const auto &entry) { return !keep.contains(entry.key()); });
}

QJSValue RuleScript::compiled(const QString &expression, QString *error)
{
    const auto it = m_functions.find(expression);
    if (it != m_functions.end()) {
        it->lastUse = ++m_uses;
        return it->function;
    }
    // On its own lines, so that a trailing // comment cannot swallow the closing parenthesis.
    QStringList stack;
    const QJSValue function = m_engine->evaluate(
        QStringLiteral("(function (value, previous, trigger, now) { return (\n%1\n); })").arg(expression),
        QStringLiteral("rule"), 0, &stack);
    if (function.isError() || !function.isCallable()) {
        *error = function.isError() ? QStringLiteral("%1 (line %2)")
                                          .arg(function.property(QStringLiteral("message")).toString())
                                          .arg(function.property(QStringLiteral("lineNumber")).toInt())
                                    : QCoreApplication::translate("RuleScript", "not an expression");
        return {};
    }
    if (m_functions.size() >= kMaxCompiled) {
        // One scan per compile beyond the bound: cheap beside compiling.
        auto oldest = m_functions.begin();
        for (auto entry = m_functions.begin(); entry != m_functions.end(); ++entry) {
            if (entry->lastUse < oldest->lastUse)
                oldest = entry;
        }
        m_functions.erase(oldest);
    }
    m_functions.insert(expression, Compiled{function, ++m_uses});
    return function;
}

QString RuleScript::check(const QString &expression)
{
    QString error;
    compiled(expression, &error);
    return error;
}

ScriptResult RuleScript::evaluate(const QString &expression, const ScriptScope &scope)
{
    ScriptResult result;
    const QJSValue function = compiled(expression, &result.error);
    if (!result.ok())
        return result;
    const QJSValueList args = {m_engine->toScriptValue(scope.value), m_engine->toScriptValue(scope.previous),
                               QJSValue(scope.trigger), QJSValue(double(scope.now))};
    quint64 seq = m_watchdog->arm();
    result.value = function.call(args);
    result.interrupted = m_watchdog->disarm(seq);
    if (!result.interrupted && m_engine->isInterrupted()) {
        // Interrupted for an evaluation that ended just before: not this one's fault. Once more.
        m_engine->setInterrupted(false);
        seq = m_watchdog->arm();
        result.value = function.call(args);
        result.interrupted = m_watchdog->disarm(seq);
    }
    if (result.interrupted) {
        m_engine->setInterrupted(false);
        result.error = QCoreApplication::translate("RuleScript", "interrupted: ran past %1 ms")
                           .arg(RuleScript::kDefaultLimitMs);
        result.value = QJSValue();
        return result;
    }
    if (result.value.isError())
        result.error = result.value.toString();
    return result;
}

QJsonValue RuleScript::toJson(const QJSValue &value)
{
    if (value.isUndefined() || value.isNull())
        return QJsonValue::Null;
    if (value.isBool())
        return value.toBool();
    if (value.isNumber())
        return value.toNumber();
    if (value.isString())
        return value.toString();
    const QVariant variant = value.toVariant();
    const QJsonDocument document = QJsonDocument::fromVariant(variant);
    if (document.isObject())
        return document.object();
    if (document.isArray())
        return document.array();
    return value.toString();
}

QString RuleScript::text(const QJSValue &value)
{
    if (value.isString() || value.isNumber() || value.isBool() || value.isUndefined() || value.isNull())
        return value.toString();
    return QString::fromUtf8(QJsonDocument::fromVariant(value.toVariant()).toJson(QJsonDocument::Compact));
}

QByteArray RuleScript::payload(const QJSValue &value, bool *json, QString *error)
{
    *json = false;
    if (value.isUndefined()) {
        *error = QCoreApplication::translate("RuleScript", "the expression gave undefined: nothing to write");
        return {};
    }
    if (value.isCallable()) {
        *error = QCoreApplication::translate("RuleScript", "the expression gave a function: nothing to write");
        return {};
    }
    if (value.isNull())
        return QByteArrayLiteral("null");
    if (value.isBool())
        return value.toBool() ? QByteArrayLiteral("true") : QByteArrayLiteral("false");
    if (value.isNumber()) {
        const double number = value.toNumber();
        if (!std::isfinite(number)) {
            *error = QCoreApplication::translate("RuleScript", "the expression gave %1: not a number to write")
                         .arg(value.toString());
            return {};
        }
        if (number == std::floor(number) && std::abs(number) < 9007199254740992.0)
            return QByteArray::number(qint64(number));
        return QByteArray::number(number, 'g', QLocale::FloatingPointShortest);
    }
    if (value.isString())
        return value.toString().toUtf8();
    *json = true;
    const QJsonValue converted = toJson(value);
    if (converted.isArray())
        return QJsonDocument(converted.toArray()).toJson(QJsonDocument::Compact);
    return QJsonDocument(converted.toObject()).toJson(QJsonDocument::Compact);
}

} // namespace thingscape

#include "rulescript.moc"
