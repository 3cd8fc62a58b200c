#include "rulescript.h"

#include <QCoreApplication>
#include <QJSEngine>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QVariant>

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
// Arming and disarming are on the path of every rule run: they only take an uncontended lock.
// The watchdog looks every kTickMs while evaluations come and sleeps once they stop; waking it
// for each evaluation (as it once did) put a thread switch and a contended lock on every
// evaluation, and on a busy machine a rule thread waiting for the watchdog to be scheduled
// again: milliseconds of latency per firing (bench_rules).
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

    void arm()
    {
        const qint64 start = cpuNanos(m_clock);
        bool wake = false;
        {
            std::lock_guard lock(m_mutex);
            m_startNs = start;
            m_armed = true;
            m_fired = false;
            ++m_arms;
            wake = m_sleeping;
            m_sleeping = false;
        }
        if (wake)
            m_wake.notify_all();
    }

    // Whether it interrupted the evaluation that just ended.
    bool disarm()
    {
        std::lock_guard lock(m_mutex);
        m_armed = false;
        return m_fired;
    }

private:
    void loop()
    {
        std::unique_lock lock(m_mutex);
        quint64 seen = m_arms;
        int quiet = 0;
        while (!m_quit) {
            if (!m_armed && quiet >= kQuietTicksBeforeSleep) {
                // Nothing evaluated for a while: sleep until the next arm().
                m_sleeping = true;
                m_wake.wait(lock, [this] { return m_quit || !m_sleeping; });
                quiet = 0;
                seen = m_arms;
                continue;
            }
            m_wake.wait_for(lock, std::chrono::milliseconds(kTickMs));
            if (m_armed && !m_fired && cpuNanos(m_clock) - m_startNs > m_limitNs) {
                m_fired = true;
                m_engine->setInterrupted(true);
            }
            quiet = m_arms == seen && !m_armed ? quiet + 1 : 0;
            seen = m_arms;
        }
    }

    QJSEngine *m_engine; // Not owned.
    const qint64 m_limitNs;
    clockid_t m_clock{};
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::thread m_thread;
    qint64 m_startNs = 0;
    quint64 m_arms = 0;
    bool m_armed = false;
    bool m_fired = false;
    bool m_sleeping = false;
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

QJSValue RuleScript::compiled(const QString &expression, QString *error)
{
    const auto it = m_functions.constFind(expression);
    if (it != m_functions.constEnd())
        return *it;
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
    m_functions.insert(expression, function);
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
    m_watchdog->arm();
    result.value = function.call(args);
    result.interrupted = m_watchdog->disarm();
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
