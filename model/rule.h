#pragma once

#include "resourceid.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

namespace thingscape {

// What starts a rule run. One struct for every kind: the fields a kind does not use stay at
// their defaults. GUI-free, plain data.
struct RuleTrigger
{
    enum class Kind {
        Update,    // {"resource": URI} every update (MQTT wildcards allowed), optional "field"
        Threshold, // {"resource": URI, "above"|"below": N, "hysteresis": H, "for": S}
        Stale,     // {"resource": URI, "stale": S}: no update for S seconds
        Offline,   // {"resource": URI, "offline": true}: its endpoint leaves the connected state
        Endpoint,  // {"endpoint": ID, "state": "connected"|"disconnected"|"error"|...}
        Every,     // {"every": S}
        At,        // {"at": "HH:MM"} local time, every day
        Start,     // {"start": true}: the workspace starting
    };

    Kind kind = Kind::Update;
    ResourceId resource;          // Update, Threshold, Stale, Offline
    QString field;                // JSON pointer into the decoded value ("/temp"); empty: the whole value
    std::optional<double> above;  // Threshold
    std::optional<double> below;  // Threshold
    double hysteresis = 0;        // Threshold: re-armed only once back past the threshold by this much
    double holdSeconds = 0;       // Threshold ("for"): must stay past the threshold this long
    double staleSeconds = 0;      // Stale
    QString endpoint;             // Endpoint: the endpoint id
    QString state;                // Endpoint: the state name entered
    double everySeconds = 0;      // Every
    int atMinutes = -1;           // At: minutes after local midnight

    // MQTT filter with '+' or '#': matches several topics, and `trigger` names the one that fired.
    bool isWildcard() const;
    // Whether an update of id fires (or feeds) this trigger: exact URI, or MQTT filter match.
    bool matches(const ResourceId &id) const;
    // Whether it keeps state across messages (hold time, hysteresis, edges, staleness): such a
    // rule cannot share its messages with other instances.
    bool isStateful() const;
    QString describe() const;
};

// One step of a rule run.
struct RuleAction
{
    enum class Kind {
        Write,   // {"write": URI, "value": EXPR, optional "qos", "retain", "method"}
        Invoke,  // {"invoke": URI, "input": EXPR}: a WoT action (POST)
        Delay,   // {"delay": S}
        Log,     // {"log": EXPR}
        Notify,  // {"notify": EXPR, optional "title"}
        Enable,  // {"enable": RULE}
        Disable, // {"disable": RULE}
    };

    Kind kind = Kind::Write;
    ResourceId target;    // Write, Invoke
    QString expression;   // Write/Invoke value, Log/Notify text: JavaScript; empty: the trigger's value as it came
    QString title;        // Notify
    double delaySeconds = 0;
    QString rule;         // Enable, Disable: the other rule's id
    int qos = 0;
    bool retain = false;
    QString method;

    QString kindName() const;
    // The target as a trace shows it: a URI, a rule id, "2 s".
    QString targetText() const;
};

// A rule or a bridge, as the workspace's "rules" list keeps it. A bridge is a rule whose
// trigger is the source (or its MQTT subtree) and whose one write goes to the target, the
// relative path kept; both_ways adds the way back, and a bridge never carries back an update
// it caused itself.
struct Rule
{
    enum class Mode {
        Single,   // a trigger while running is dropped (counted)
        Restart,  // a trigger while running stops the run and starts again
        Queued,   // waits, at most maxRuns (dropped beyond)
        Parallel, // runs side by side, at most maxRuns (dropped beyond)
    };
    static constexpr int kDefaultMaxRuns = 10;

    QString id;    // "id", else the name; unique in a workspace
    QString name;
    bool enabled = true;
    Mode mode = Mode::Single;
    int maxRuns = kDefaultMaxRuns;
    // Runaway protection: more runs than this in 10 s suspends the rule ("limit"; 0: none, for
    // rules meant to fire at high rates).
    static constexpr int kDefaultRateLimit = 100;
    int rateLimit = kDefaultRateLimit;
    QList<RuleTrigger> triggers;
    QString condition; // JavaScript; empty: always
    QList<RuleAction> actions;

    bool isBridge = false;
    ResourceId bridgeFrom;
    ResourceId bridgeTo;
    QString transform; // JavaScript over value; empty: bytes as they came
    bool bothWays = false;

    QJsonObject json; // as read (unknown keys included), written back by toJson()

    static QString modeName(Mode mode);
    // Every resource a run may write (for the mutual-trigger check).
    QList<ResourceId> writes() const;
    // Whether it cannot split its messages with other instances (--share): it keeps state
    // across messages (see RuleTrigger::isStateful; `previous` in a script), or fires on
    // something other than an MQTT message (every instance would). *why says which.
    bool isStateful(QString *why = nullptr) const;
    // For a bridge: where an update of source lands (the relative path under a wildcard
    // source kept). Invalid when source is outside from.
    static ResourceId mapBridge(const ResourceId &from, const ResourceId &to, const ResourceId &source);

    QJsonObject toJson() const;
};

// A problem in the rules list: what and where (segments of a JSON pointer from the file's
// top: "rules", "2", "triggers", "0", "above").
struct RuleProblem
{
    QString message;
    QStringList where;
    QString pointer() const { return QLatin1Char('/') + where.join(QLatin1Char('/')); }
};

// The workspace's rules, parsed and checked.
class RuleSet
{
public:
    // Parses the "rules" array. Stops at the first problem, with its position; nothing is
    // half-parsed. Scripts are syntax-checked when checkScript is given (it returns the
    // syntax error, empty when fine): the model does not itself run JavaScript.
    using ScriptChecker = std::function<QString(const QString &expression)>;
    static std::optional<QList<Rule>> parse(const QJsonArray &rules, RuleProblem *problem,
                                            ScriptChecker checkScript = {});
    static std::optional<Rule> parseRule(const QJsonObject &json, RuleProblem *problem,
                                         ScriptChecker checkScript = {});
    // Warnings that do not stop a load: rules that write each other's triggers (a ping-pong
    // the runaway protection would have to stop), one line each.
    static QStringList warnings(const QList<Rule> &rules);
    static QJsonArray toJson(const QList<Rule> &rules);
};

} // namespace thingscape
