#pragma once

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QMetaType>
#include <QString>

namespace thingscape {

// One action of a rule run, with its outcome.
struct RuleActionTrace
{
    QString action;  // write, invoke, delay, log, notify, enable, disable
    QString target;  // URI, rule id, "2 s"
    bool ok = true;
    QString error;
    QString detail;  // what was written, logged or notified ("dry run: not written")
    qint64 durationMs = 0;
};

// What one rule run did: its trigger and value, the condition's result, each action with its
// outcome or error, durations. The engine keeps the last kMaxTraces per rule.
struct RuleTrace
{
    static constexpr int kMaxTraces = 100;

    QString rule;          // id
    qint64 timeMs = 0;     // when it was triggered (ms since the epoch, the rule clock's)
    QString trigger;       // the resource URI that fired (the topic under a wildcard), or "every 5 s"...
    QJsonValue value;      // the trigger's value, decoded (JSON as objects)
    QJsonValue condition;  // true / false, null without a condition
    QString error;         // the run stopped: condition threw, chain too deep, rule suspended...
    QList<RuleActionTrace> actions;
    qint64 durationMs = 0;
    int depth = 1;         // chain depth: 1 triggered by a peer or user, n+1 by a depth-n rule
    bool dryRun = false;

    // {"rule","time","trigger","value","condition","actions":[{"action","target","ok","error"}], ...}
    QJsonObject toJson() const;
};

// A rule as a list of rules shows it.
struct RuleStatus
{
    QString id;
    QString name;
    bool enabled = true;
    bool suspended = false;
    int running = 0;       // runs in progress
    int queued = 0;        // queued mode: runs waiting
    qint64 lastFiredMs = 0;
    QString lastError;
    quint64 firings = 0;   // runs started
    quint64 dropped = 0;   // triggers dropped by the mode (single while running, queue or parallel full)
    quint64 stopped = 0;   // runs not started because their chain was too deep
};

} // namespace thingscape

Q_DECLARE_METATYPE(thingscape::RuleTrace)
Q_DECLARE_METATYPE(thingscape::RuleStatus)
