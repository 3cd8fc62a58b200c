#pragma once

#include <QHash>
#include <QJSValue>
#include <QJsonValue>
#include <QSet>
#include <QString>

#include <functional>
#include <memory>

class QJSEngine;

namespace thingscape {

class ScriptWatchdog;

// The names a rule's expression sees, and nothing else: no file, network or process access.
struct ScriptScope
{
    QJsonValue value;    // the trigger's value, decoded (JSON as objects)
    QJsonValue previous; // the value before it (null when there was none)
    QString trigger;     // the URI that fired
    qint64 now = 0;      // ms since the epoch, the rule clock's
};

struct ScriptResult
{
    QJSValue value;
    QString error;           // thrown, syntax error, or interrupted
    bool interrupted = false;
    bool ok() const { return error.isEmpty(); }
};

// A QJSEngine sandbox for rule expressions, used on one thread (the rule engine's). Each
// expression is compiled once into a function of (value, previous, trigger, now);
// resource(uri) reads the engine's snapshot of current values. A watchdog thread interrupts
// (QJSEngine::setInterrupted) an evaluation that has used more than the limit of this thread's
// CPU time: CPU time, so that a busy machine does not interrupt a script that merely waited.
class RuleScript
{
public:
    static constexpr int kDefaultLimitMs = 100;
    // Compiled expressions kept; beyond, the least recently used goes (rules made and edited
    // over a long session, Evaluate now in the editor, expressions built from values).
    static constexpr qsizetype kMaxCompiled = 1000;
    using Lookup = std::function<QJsonValue(const QString &uri)>;

    explicit RuleScript(Lookup resource, int limitMs = kDefaultLimitMs);
    ~RuleScript();

    ScriptResult evaluate(const QString &expression, const ScriptScope &scope);
    // The syntax error of expression (with its line), empty when it compiles. Compiles only.
    QString check(const QString &expression);
    qsizetype compiledCount() const { return m_functions.size(); }
    bool isCompiled(const QString &expression) const { return m_functions.contains(expression); }
    // Drops every compiled expression not in keep (the rules' own, after the rules changed).
    void retainOnly(const QSet<QString> &keep);

    // What a write sends for a script's result: strings as UTF-8, numbers and booleans as
    // text, objects and arrays as JSON (*json set). *error for undefined or a function.
    static QByteArray payload(const QJSValue &value, bool *json, QString *error);
    static QJsonValue toJson(const QJSValue &value);
    // Text for log and notify.
    static QString text(const QJSValue &value);

private:
    QJSValue compiled(const QString &expression, QString *error);

    std::unique_ptr<QJSEngine> m_engine;
    std::unique_ptr<ScriptWatchdog> m_watchdog;
    struct Compiled
    {
        QJSValue function;
        quint64 lastUse = 0;
    };
    QHash<QString, Compiled> m_functions;
    quint64 m_uses = 0;
    Lookup m_lookup;
};

} // namespace thingscape
