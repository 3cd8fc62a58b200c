#pragma once

#include "model/cause.h"
#include "model/rule.h"
#include "model/ruletrace.h"
#include "model/valueevent.h"
#include "protocols/connector.h"

#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QObject>

#include <deque>
#include <functional>
#include <memory>
#include <optional>

namespace thingscape {

class EventSubscription;
class ResourceStore;
class RuleClock;
class RuleScript;

// Where a rule's writes go. Called on the rule engine's thread; done may be called on any
// thread (the worker takes it back to its own).
class RuleSink
{
public:
    virtual ~RuleSink() = default;
    virtual void write(const ResourceId &id, const QByteArray &payload, const WriteOptions &options,
                       std::function<void(const Result &)> done) = 0;
};

// The rule engine's inside, on its own thread: its own snapshot of current values, fed by the
// store's ordered value events; triggers, modes, runs with their actions, runaway protection,
// traces. Everything here runs on that thread; RuleEngine talks to it with queued calls.
class RuleWorker : public QObject
{
    Q_OBJECT

public:
    static constexpr int kMaxChainDepth = 8;
    static constexpr qint64 kRateWindowMs = 10000;
    // A rule whose chains overflow this often within kRateWindowMs is in a loop that comes
    // back (ping-pong rules kicked again and again): it is suspended with the rule that fed it.
    static constexpr int kChainOverflowsToSuspend = 2;

    RuleWorker(std::shared_ptr<RuleSink> sink, std::unique_ptr<RuleClock> clock);
    ~RuleWorker() override;

    // All on the worker's thread.
    void subscribe(ResourceStore *store);
    void setSnapshot(const QHash<ResourceId, Value> &values, quint64 lastSeq);
    void setRules(const QList<Rule> &rules);
    void start();
    void setDryRun(bool on) { m_dryRun = on; }
    void setEnabled(const QString &ruleId, bool enabled);
    // An endpoint's state changed: endpointUri is its scheme://host:port.
    void endpointState(const QString &endpointId, const QString &endpointUri, const QString &state);
    RuleClock *clock() const { return m_clock.get(); }
    void adoptClock(std::unique_ptr<RuleClock> clock);
    // Takes the queued value events now (tests drive it after moving a manual clock).
    void drainEvents();
    // Whether the rule thread's script holds expression compiled (tests).
    bool isCompiled(const QString &expression) const;
    // Hands the pending traces and statuses over now (before the worker goes).
    void handOver();
    // A value as scripts see it: decoded (JSON as objects), else its text.
    static QJsonValue jsonOf(const Value &value);

    // Traces and statuses go to the GUI thread in batches: at most one hand-over per
    // kHandOverMs (the first after a quiet spell at once), or at once when kHandOverTraces
    // traces wait. Traces in the order the runs ended; a batch's statuses after its traces.
    static constexpr int kHandOverMs = 50;
    static constexpr int kHandOverTraces = 500;

Q_SIGNALS:
    void handedOver(const QList<thingscape::RuleTrace> &traces, const QList<thingscape::RuleStatus> &statuses);
    void notified(const QString &ruleId, const QString &title, const QString &text, qint64 timeMs);
    void logged(const QString &ruleId, const QString &text, qint64 timeMs);

private:
    struct Context
    {
        int trigger = -1;   // index into the rule's triggers
        QString triggerText;
        ResourceId source;  // the resource that fired (invalid for schedules and states)
        QJsonValue value;
        QJsonValue previous;
        Value raw;          // the trigger's value as it came (bridges pass it on as is)
        bool hasRaw = false;
        int depth = 1;
        QString causeRule;  // the rule whose write fired this one (chains), else empty
        qint64 timeMs = 0;
    };
    struct Run;
    struct ThresholdState
    {
        bool known = false;
        bool fired = false;  // past the threshold and fired (or was past at the start): waits to re-arm
        quint64 hold = 0;    // pending hold-time call
    };
    struct RuleState
    {
        Rule rule;
        RuleStatus status;
        QList<std::shared_ptr<Run>> running;
        std::deque<Context> queue;
        std::deque<qint64> recent; // start times of runs in the rate window
        std::deque<qint64> overflows; // times of chains through it stopped too deep, in the rate window
        QHash<QString, ThresholdState> thresholds; // "trigger index|uri"
        QHash<QString, QJsonValue> fields;         // "trigger index|uri": the field's last value
        QHash<QString, quint64> staleTimers;       // "trigger index|uri"
        QList<quint64> scheduleTimers;
    };
    struct Echo
    {
        QByteArray raw;
        Cause cause;
        qint64 expiresMs = 0;
    };

    void handle(const ValueEvent &event);
    void feedTrigger(RuleState &state, int index, const ValueEvent &event, const Cause &cause);
    void fire(RuleState &state, Context context);
    void startRun(RuleState &state, Context context);
    void step(const std::shared_ptr<Run> &run);
    void finish(const std::shared_ptr<Run> &run, const QString &error = {});
    void cancelRuns(RuleState &state);
    void suspend(RuleState &state, const QString &error);
    void chainOverflow(RuleState &state, const Context &context);
    void armTimers(RuleState &state);
    void disarmTimers(RuleState &state);
    void scheduleEvery(const QString &ruleId, int index);
    void scheduleAt(const QString &ruleId, int index);
    void scheduleDue(const QString &ruleId, int index, void (RuleWorker::*scheduleNext)(const QString &, int));
    void armStale(RuleState &state, int index, const ResourceId &id);
    void publishStatus(RuleState &state);
    void trace(const RuleTrace &trace);
    void scheduleHandOver();
    RuleState *find(const QString &ruleId);
    QJsonValue lookup(const QString &uri) const;
    QJsonValue fieldOf(const QJsonValue &value, const QString &pointer) const;

    std::shared_ptr<RuleSink> m_sink;
    std::unique_ptr<RuleClock> m_clock;
    std::unique_ptr<RuleScript> m_script;
    std::shared_ptr<EventSubscription> m_subscription;
    QHash<ResourceId, Value> m_current;
    QHash<ResourceId, Value> m_previous;
    quint64 m_lastSeq = 0;
    QList<QString> m_order;
    QHash<QString, RuleState> m_rules;
    QHash<ResourceId, QList<Echo>> m_echoes; // what our writes will come back as
    QHash<QString, QString> m_endpointStates; // endpoint uri -> state
    QSet<QString> m_dirty; // rules whose status changed since the last hand-over
    QList<RuleTrace> m_pendingTraces;
    QElapsedTimer m_lastHandOver;
    bool m_flushPending = false;
    bool m_started = false;
    bool m_dryRun = false;
    quint64 m_nextRun = 1;
};

} // namespace thingscape
