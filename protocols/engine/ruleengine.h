#pragma once

#include "ruleworker.h"

#include "model/rule.h"
#include "model/ruletrace.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QThread>

#include <deque>
#include <memory>
#include <optional>

namespace thingscape {

class EndpointManager;
class ResourceStore;

// The rules of a workspace, running on their own thread (see RuleWorker) so that a slow
// script never stalls the window. Lives on the GUI thread with the store and the endpoint
// manager; writes go through the endpoint manager (or a sink a test or benchmark gives) with
// the run's cause. Keeps the last RuleTrace::kMaxTraces traces per rule and every rule's
// status for the window.
class RuleEngine : public QObject
{
    Q_OBJECT

public:
    RuleEngine(ResourceStore *store, EndpointManager *endpoints, QObject *parent = nullptr);
    ~RuleEngine() override;

    // Parses a workspace's "rules" list with its scripts syntax-checked; the problem names
    // its position. Call on any thread.
    static std::optional<QList<Rule>> parse(const QJsonArray &rules, RuleProblem *problem);

    // Before start(): where writes go (default: the endpoint manager).
    void setSink(std::shared_ptr<RuleSink> sink);
    // Before start(): time moves only with advanceClock() (tests of hold times, delays,
    // schedules). startMs is the clock's first now().
    void useManualClock(qint64 startMs);
    // Moves the manual clock on, running everything due, and returns when done.
    void advanceClock(qint64 ms);

    void setRules(const QList<Rule> &rules);
    const QList<Rule> &rules() const { return m_rules; }
    // Evaluate and trace, never act (no write, invoke, notify or enable).
    void setDryRun(bool on);
    bool isDryRun() const { return m_dryRun; }
    // Takes a snapshot of the current values and follows the value events from here;
    // start triggers fire.
    void start();
    void stop();
    bool isRunning() const { return m_thread.isRunning(); }
    // Enabling a suspended rule resumes it.
    void setEnabled(const QString &ruleId, bool enabled);

    // An expression evaluated now, on this thread, against the store's current values, in the
    // sandbox rules run in: `value` and `previous` are triggerUri's current and previous value
    // (null when unknown or not given), `trigger` is triggerUri, `now` the wall clock. For an
    // editor's "evaluate now"; a script that loops is interrupted like a rule's.
    struct Evaluation
    {
        bool ok = false;
        QString error;     // syntax error, thrown, interrupted
        QJsonValue value;  // the result as JSON (undefined: null)
        QString text;      // the result as a write would send it (or as log shows it)
    };
    Evaluation evaluateNow(const QString &expression, const QString &triggerUri = {}) const;
    // The syntax error of expression (with its line), empty when it compiles.
    static QString checkExpression(const QString &expression);

    QList<RuleStatus> statuses() const;
    RuleStatus status(const QString &ruleId) const { return m_statuses.value(ruleId); }
    QList<RuleTrace> traces(const QString &ruleId) const;
    // Whether the rule thread holds expression compiled (it keeps the current rules' own and
    // the last RuleScript::kMaxCompiled others used). For tests.
    bool isCompiled(const QString &expression) const;
    // Batches of traces and statuses handed over by the rule thread so far (one queued call
    // each).
    quint64 handOvers() const { return m_handOvers; }
    // Warnings from the last setRules() (rules writing each other's triggers).
    const QStringList &warnings() const { return m_warnings; }

Q_SIGNALS:
    // The list of rules was replaced (statuses() has the new one).
    void rulesChanged();
    void dryRunChanged(bool on);
    void traced(const thingscape::RuleTrace &trace);
    void statusChanged(const QString &ruleId);
    void notified(const QString &ruleId, const QString &title, const QString &text, qint64 timeMs);
    void logged(const QString &ruleId, const QString &text, qint64 timeMs);

private:
    void forwardEndpointState(const QString &endpointId);

    ResourceStore *m_store;        // Not owned.
    QPointer<EndpointManager> m_endpoints; // Not owned.
    QThread m_thread;
    RuleWorker *m_worker = nullptr; // Owned; lives on m_thread while it runs.
    std::shared_ptr<RuleSink> m_sink;
    std::optional<qint64> m_manualStart;
    QList<Rule> m_rules;
    QStringList m_warnings;
    bool m_dryRun = false;
    QHash<QString, RuleStatus> m_statuses;
    QHash<QString, std::deque<RuleTrace>> m_traces;
    quint64 m_handOvers = 0;
};

} // namespace thingscape
