#include "ruleworker.h"

#include "ruleclock.h"
#include "rulescript.h"

#include "model/eventsubscription.h"
#include "model/resourcestore.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QPointer>
#include <QTimer>

#include <cmath>

namespace thingscape {

namespace {

qint64 steadyMs()
{
    static QElapsedTimer timer = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return timer.elapsed();
}

constexpr qint64 kEchoWindowMs = 10000;
constexpr qsizetype kMaxEchoes = 64; // per target
constexpr qsizetype kSubscriptionCapacity = 100000;

QString key(int index, const ResourceId &id)
{
    return QString::number(index) + QLatin1Char('|') + id.toString();
}

std::optional<double> numberOf(const QJsonValue &value)
{
    if (value.isDouble())
        return value.toDouble();
    if (value.isBool())
        return value.toBool() ? 1.0 : 0.0;
    if (value.isString()) {
        bool ok = false;
        const double d = value.toString().trimmed().toDouble(&ok);
        if (ok && std::isfinite(d))
            return d;
    }
    return std::nullopt;
}

} // namespace

struct RuleWorker::Run
{
    quint64 id = 0;
    QString ruleId;
    Context context;
    int next = 0;
    RuleTrace trace;
    QElapsedTimer elapsed;
    QElapsedTimer actionElapsed;
    RuleClock::Handle timer = 0;
    bool done = false;
};

RuleWorker::RuleWorker(std::shared_ptr<RuleSink> sink, std::unique_ptr<RuleClock> clock)
    : m_sink(std::move(sink))
    , m_clock(std::move(clock))
{
}

RuleWorker::~RuleWorker()
{
    for (RuleState &state : m_rules) {
        disarmTimers(state);
        for (const auto &run : state.running)
            run->done = true;
    }
    m_script.reset();
}

void RuleWorker::adoptClock(std::unique_ptr<RuleClock> clock)
{
    m_clock = std::move(clock);
}

void RuleWorker::subscribe(ResourceStore *store)
{
    m_subscription = store->subscribe(QStringLiteral("rules"), kSubscriptionCapacity);
    connect(m_subscription.get(), &EventSubscription::eventsAvailable, this, &RuleWorker::drainEvents);
}

void RuleWorker::setSnapshot(const QHash<ResourceId, Value> &values, quint64 lastSeq)
{
    m_current = values;
    m_lastSeq = std::max(m_lastSeq, lastSeq);
}

void RuleWorker::drainEvents()
{
    if (!m_subscription)
        return;
    const ValueEvents events = m_subscription->drain();
    for (const ValueEvent &event : events)
        handle(event);
}

QJsonValue RuleWorker::jsonOf(const Value &value)
{
    if (!value.error.isEmpty() || value.kind() == ValueKind::None || value.isOversize())
        return QString::fromUtf8(value.raw);
    const QCborValue &decoded = value.decoded.get();
    if (decoded.isUndefined() || decoded.isInvalid())
        return QString::fromUtf8(value.raw);
    return decoded.toJsonValue();
}

QJsonValue RuleWorker::fieldOf(const QJsonValue &value, const QString &pointer) const
{
    QJsonValue at = value;
    const QStringList tokens = pointer.mid(1).split(QLatin1Char('/'));
    for (QString token : tokens) {
        token.replace(QStringLiteral("~1"), QStringLiteral("/")).replace(QStringLiteral("~0"), QStringLiteral("~"));
        if (at.isObject()) {
            const QJsonObject object = at.toObject();
            if (!object.contains(token))
                return QJsonValue(QJsonValue::Undefined);
            at = object.value(token);
        } else if (at.isArray()) {
            bool ok = false;
            const qsizetype index = token.toLongLong(&ok);
            const QJsonArray array = at.toArray();
            if (!ok || index < 0 || index >= array.size())
                return QJsonValue(QJsonValue::Undefined);
            at = array.at(index);
        } else {
            return QJsonValue(QJsonValue::Undefined);
        }
    }
    return at;
}

QJsonValue RuleWorker::lookup(const QString &uri) const
{
    const std::optional<ResourceId> id = ResourceId::parse(uri);
    if (!id)
        return QJsonValue::Null;
    const auto it = m_current.constFind(*id);
    return it == m_current.constEnd() ? QJsonValue(QJsonValue::Null) : jsonOf(*it);
}

RuleWorker::RuleState *RuleWorker::find(const QString &ruleId)
{
    const auto it = m_rules.find(ruleId);
    return it == m_rules.end() ? nullptr : &*it;
}

void RuleWorker::setRules(const QList<Rule> &rules)
{
    if (!m_script)
        m_script = std::make_unique<RuleScript>([this](const QString &uri) { return lookup(uri); });
    // Keep what a rule has counted when it comes back unchanged in name.
    QHash<QString, RuleStatus> kept;
    for (RuleState &state : m_rules) {
        disarmTimers(state);
        for (const auto &run : state.running) {
            run->done = true;
            if (run->timer)
                m_clock->cancel(run->timer);
        }
        kept.insert(state.rule.id, state.status);
    }
    m_rules.clear();
    m_order.clear();
    for (Rule rule : rules) {
        if (rule.isBridge && rule.bothWays && rule.triggers.size() == 1) {
            RuleTrigger back;
            back.resource = rule.bridgeTo;
            rule.triggers.append(back);
        }
        RuleState state;
        state.status = kept.value(rule.id);
        state.status.id = rule.id;
        state.status.name = rule.name;
        state.status.enabled = rule.enabled;
        state.status.running = 0;
        state.status.queued = 0;
        state.rule = rule;
        m_order.append(rule.id);
        m_rules.insert(rule.id, state);
    }
    // The compiled expressions of rules removed or edited go; the rules' own stay.
    QSet<QString> expressions;
    for (const RuleState &state : std::as_const(m_rules)) {
        expressions << state.rule.condition << state.rule.transform;
        for (const RuleAction &action : state.rule.actions)
            expressions << action.expression;
    }
    m_script->retainOnly(expressions);
    for (const QString &id : std::as_const(m_order)) {
        RuleState &state = m_rules[id];
        if (m_started)
            armTimers(state);
        publishStatus(state);
    }
}

void RuleWorker::start()
{
    if (!m_script)
        m_script = std::make_unique<RuleScript>([this](const QString &uri) { return lookup(uri); });
    if (m_started)
        return;
    m_started = true;
    for (const QString &id : std::as_const(m_order))
        armTimers(m_rules[id]);
    // The workspace starting.
    for (const QString &id : std::as_const(m_order)) {
        RuleState *state = find(id);
        if (!state || !state->rule.enabled)
            continue;
        for (int i = 0; i < state->rule.triggers.size(); ++i) {
            if (state->rule.triggers.at(i).kind != RuleTrigger::Kind::Start)
                continue;
            Context context;
            context.trigger = i;
            context.triggerText = QStringLiteral("start");
            context.timeMs = m_clock->nowMs();
            fire(*state, context);
            state = find(id);
            if (!state)
                break;
        }
    }
}

void RuleWorker::armTimers(RuleState &state)
{
    disarmTimers(state);
    if (!state.rule.enabled || state.status.suspended)
        return;
    for (int i = 0; i < state.rule.triggers.size(); ++i) {
        const RuleTrigger &trigger = state.rule.triggers.at(i);
        if (trigger.kind == RuleTrigger::Kind::Every)
            scheduleEvery(state.rule.id, i);
        else if (trigger.kind == RuleTrigger::Kind::At)
            scheduleAt(state.rule.id, i);
        else if (trigger.kind == RuleTrigger::Kind::Stale && !trigger.isWildcard())
            armStale(state, i, trigger.resource);
    }
}

void RuleWorker::disarmTimers(RuleState &state)
{
    for (const quint64 handle : std::as_const(state.scheduleTimers))
        m_clock->cancel(handle);
    state.scheduleTimers.clear();
    for (const quint64 handle : std::as_const(state.staleTimers))
        m_clock->cancel(handle);
    state.staleTimers.clear();
    for (ThresholdState &threshold : state.thresholds) {
        if (threshold.hold)
            m_clock->cancel(threshold.hold);
        threshold.hold = 0;
    }
}

void RuleWorker::scheduleDue(const QString &ruleId, int index, void (RuleWorker::*scheduleNext)(const QString &, int))
{
    // A schedule trigger came due: its next time first, then the rule runs with the time as its value.
    RuleState *state = find(ruleId);
    if (!state)
        return;
    state->scheduleTimers.clear();
    (this->*scheduleNext)(ruleId, index);
    state = find(ruleId);
    Context context;
    context.trigger = index;
    context.triggerText = state->rule.triggers.at(index).describe();
    context.timeMs = m_clock->nowMs();
    context.value = double(context.timeMs);
    fire(*state, context);
}

void RuleWorker::scheduleEvery(const QString &ruleId, int index)
{
    RuleState *state = find(ruleId);
    if (!state)
        return;
    const double seconds = state->rule.triggers.at(index).everySeconds;
    const qint64 at = m_clock->nowMs() + std::max<qint64>(1, qint64(std::llround(seconds * 1000)));
    state->scheduleTimers.append(m_clock->callAt(at, [this, ruleId, index] {
        scheduleDue(ruleId, index, &RuleWorker::scheduleEvery);
    }));
}

void RuleWorker::scheduleAt(const QString &ruleId, int index)
{
    RuleState *state = find(ruleId);
    if (!state)
        return;
    const int minutes = state->rule.triggers.at(index).atMinutes;
    const QDateTime now = QDateTime::fromMSecsSinceEpoch(m_clock->nowMs());
    QDateTime next(now.date(), QTime(minutes / 60, minutes % 60));
    if (next <= now)
        next = next.addDays(1);
    state->scheduleTimers.append(m_clock->callAt(next.toMSecsSinceEpoch(), [this, ruleId, index] {
        scheduleDue(ruleId, index, &RuleWorker::scheduleAt);
    }));
}

void RuleWorker::armStale(RuleState &state, int index, const ResourceId &id)
{
    const QString k = key(index, id);
    if (const quint64 old = state.staleTimers.take(k))
        m_clock->cancel(old);
    const double seconds = state.rule.triggers.at(index).staleSeconds;
    const QString ruleId = state.rule.id;
    state.staleTimers.insert(k, m_clock->callAt(m_clock->nowMs() + qint64(std::llround(seconds * 1000)), [this, ruleId, index, id, k] {
        RuleState *state = find(ruleId);
        if (!state)
            return;
        state->staleTimers.remove(k);
        Context context;
        context.trigger = index;
        context.triggerText = id.toString();
        context.source = id;
        context.value = lookup(id.toString());
        context.timeMs = m_clock->nowMs();
        fire(*state, context);
    }));
}

void RuleWorker::endpointState(const QString &endpointId, const QString &endpointUri, const QString &stateName)
{
    const QString before = m_endpointStates.value(endpointUri);
    m_endpointStates.insert(endpointUri, stateName);
    if (!m_started || before == stateName)
        return;
    for (const QString &id : std::as_const(m_order)) {
        RuleState *state = find(id);
        if (!state)
            continue;
        for (int i = 0; i < state->rule.triggers.size(); ++i) {
            const RuleTrigger &trigger = state->rule.triggers.at(i);
            Context context;
            context.trigger = i;
            context.timeMs = m_clock->nowMs();
            if (trigger.kind == RuleTrigger::Kind::Endpoint && trigger.endpoint == endpointId && trigger.state == stateName) {
                context.triggerText = trigger.describe();
                context.value = stateName;
                context.previous = before.isEmpty() ? QJsonValue() : QJsonValue(before);
                fire(*state, context);
            } else if (trigger.kind == RuleTrigger::Kind::Offline && trigger.resource.endpointUri() == endpointUri
                       && before == QLatin1String("connected")) {
                context.triggerText = trigger.resource.toString();
                context.source = trigger.resource;
                context.value = lookup(trigger.resource.toString());
                fire(*state, context);
            }
            state = find(id);
            if (!state)
                break;
        }
    }
}

void RuleWorker::handle(const ValueEvent &event)
{
    if (event.seq != 0 && event.seq <= m_lastSeq)
        return;
    m_lastSeq = std::max(m_lastSeq, event.seq);
    // Rules act on what peers report; what we send shows up as the peer's answer.
    if (event.direction == Direction::Out)
        return;
    Cause cause = event.cause;
    // Our own writes come back as the peer's updates (an MQTT subscription receives what we
    // published, a CoAP observation notifies the new state): they keep the run's cause, so
    // chains are followed and a bridge never carries its own update back.
    auto echoes = m_echoes.find(event.id);
    if (echoes != m_echoes.end()) {
        const qint64 now = steadyMs();
        QList<Echo> &list = *echoes;
        list.erase(std::remove_if(list.begin(), list.end(), [now](const Echo &e) { return e.expiresMs < now; }), list.end());
        if (cause.kind != CauseKind::Rule) {
            for (qsizetype i = 0; i < list.size(); ++i) {
                if (list.at(i).raw == event.value.raw) {
                    cause = list.at(i).cause;
                    list.removeAt(i);
                    break;
                }
            }
        }
        if (list.isEmpty())
            m_echoes.erase(echoes);
    }
    const auto current = m_current.constFind(event.id);
    if (current != m_current.constEnd())
        m_previous.insert(event.id, *current);
    else
        m_previous.remove(event.id);
    m_current.insert(event.id, event.value);
    if (!m_started)
        return;
    for (const QString &id : std::as_const(m_order)) {
        RuleState *state = find(id);
        if (!state || !state->rule.enabled || state->status.suspended)
            continue;
        for (int i = 0; i < state->rule.triggers.size(); ++i) {
            const RuleTrigger &trigger = state->rule.triggers.at(i);
            if (trigger.kind != RuleTrigger::Kind::Update && trigger.kind != RuleTrigger::Kind::Threshold
                && trigger.kind != RuleTrigger::Kind::Stale)
                continue;
            if (!trigger.matches(event.id))
                continue;
            feedTrigger(*state, i, event, cause);
            state = find(id);
            if (!state)
                break;
        }
    }
}

void RuleWorker::feedTrigger(RuleState &state, int index, const ValueEvent &event, const Cause &cause)
{
    const RuleTrigger &trigger = state.rule.triggers.at(index);
    // The loop filter: an update a bridge caused is never bridged back.
    if (state.rule.isBridge && cause.kind == CauseKind::Rule && cause.source == state.rule.id)
        return;
    Context context;
    context.trigger = index;
    context.triggerText = event.id.toString();
    context.source = event.id;
    context.raw = event.value;
    context.hasRaw = true;
    context.depth = cause.kind == CauseKind::Rule ? cause.depth + 1 : 1;
    if (cause.kind == CauseKind::Rule)
        context.causeRule = cause.source;
    context.timeMs = m_clock->nowMs();
    context.value = jsonOf(event.value);
    const auto previous = m_previous.constFind(event.id);
    context.previous = previous == m_previous.constEnd() ? QJsonValue() : jsonOf(*previous);
    if (!trigger.field.isEmpty()) {
        context.value = fieldOf(context.value, trigger.field);
        if (context.value.isUndefined())
            return;
        context.previous = fieldOf(context.previous, trigger.field);
        if (context.previous.isUndefined())
            context.previous = QJsonValue();
    }
    const QString k = key(index, event.id);
    switch (trigger.kind) {
    case RuleTrigger::Kind::Update:
        if (!trigger.field.isEmpty()) {
            // A field fires when it changes.
            const auto last = state.fields.constFind(k);
            if (last != state.fields.constEnd() && *last == context.value)
                return;
            state.fields.insert(k, context.value);
        }
        fire(state, context);
        return;
    case RuleTrigger::Kind::Stale:
        armStale(state, index, event.id);
        return;
    case RuleTrigger::Kind::Threshold: {
        const std::optional<double> number = numberOf(context.value);
        if (!number)
            return;
        const double v = *number;
        const bool above = trigger.above.has_value();
        const double threshold = above ? *trigger.above : trigger.below.value_or(0);
        const bool past = above ? v > threshold : v < threshold;
        const bool rearmed = above ? v <= threshold - trigger.hysteresis : v >= threshold + trigger.hysteresis;
        ThresholdState &ts = state.thresholds[k];
        if (!ts.known) {
            // Edge-triggered: a value already past the threshold at the start does not fire.
            ts.known = true;
            ts.fired = past;
            return;
        }
        if (!past && ts.hold) {
            m_clock->cancel(ts.hold);
            ts.hold = 0;
        }
        if (rearmed)
            ts.fired = false;
        if (!past || ts.fired || ts.hold)
            return;
        if (trigger.holdSeconds <= 0) {
            ts.fired = true;
            fire(state, context);
            return;
        }
        const QString ruleId = state.rule.id;
        ts.hold = m_clock->callAt(context.timeMs + qint64(std::llround(trigger.holdSeconds * 1000)),
                                  [this, ruleId, k, context]() mutable {
                                      RuleState *state = find(ruleId);
                                      if (!state)
                                          return;
                                      ThresholdState &ts = state->thresholds[k];
                                      ts.hold = 0;
                                      ts.fired = true;
                                      // Held: fire with the value it has now.
                                      const QJsonValue now = lookup(context.source.toString());
                                      const QString field = state->rule.triggers.at(context.trigger).field;
                                      context.value = field.isEmpty() ? now : fieldOf(now, field);
                                      context.timeMs = m_clock->nowMs();
                                      fire(*state, context);
                                  });
        return;
    }
    default:
        return;
    }
}

void RuleWorker::fire(RuleState &state, Context context)
{
    if (!state.rule.enabled || state.status.suspended)
        return;
    if (context.depth > kMaxChainDepth) {
        ++state.status.stopped;
        state.status.lastError = tr("stopped a chain of rules %1 deep (more than %2): rules trigger each other in a loop")
                                     .arg(context.depth)
                                     .arg(kMaxChainDepth);
        RuleTrace trace;
        trace.rule = state.rule.id;
        trace.timeMs = context.timeMs;
        trace.trigger = context.triggerText;
        trace.value = context.value;
        trace.depth = context.depth;
        trace.error = state.status.lastError;
        trace.dryRun = m_dryRun;
        this->trace(trace);
        publishStatus(state);
        chainOverflow(state, context);
        return;
    }
    const bool busy = !state.running.isEmpty();
    switch (state.rule.mode) {
    case Rule::Mode::Single:
        if (busy) {
            ++state.status.dropped;
            publishStatus(state);
            return;
        }
        break;
    case Rule::Mode::Restart:
        if (busy)
            cancelRuns(state);
        break;
    case Rule::Mode::Queued:
        if (busy) {
            if (qsizetype(state.queue.size()) >= state.rule.maxRuns) {
                ++state.status.dropped;
            } else {
                state.queue.push_back(context);
            }
            publishStatus(state);
            return;
        }
        break;
    case Rule::Mode::Parallel:
        if (state.running.size() >= state.rule.maxRuns) {
            ++state.status.dropped;
            publishStatus(state);
            return;
        }
        break;
    }
    startRun(state, context);
}

void RuleWorker::suspend(RuleState &state, const QString &error)
{
    state.status.suspended = true;
    state.queue.clear();
    disarmTimers(state);
    cancelRuns(state);
    // After the runs it stopped: their "stopped" is not what the user needs to read.
    state.status.lastError = error;
    publishStatus(state);
}

void RuleWorker::chainOverflow(RuleState &state, const Context &context)
{
    // The rules involved: this one and the one whose write fired it (for ping-pong rules, both).
    QList<RuleState *> involved{&state};
    if (RuleState *feeder = context.causeRule.isEmpty() ? nullptr : find(context.causeRule); feeder && feeder != &state)
        involved.append(feeder);
    const qint64 now = m_clock->nowMs();
    bool repeated = false;
    for (RuleState *rule : std::as_const(involved)) {
        rule->overflows.push_back(now);
        while (!rule->overflows.empty() && rule->overflows.front() <= now - kRateWindowMs)
            rule->overflows.pop_front();
        repeated = repeated || qsizetype(rule->overflows.size()) >= kChainOverflowsToSuspend;
    }
    if (!repeated)
        return;
    QStringList names;
    for (RuleState *rule : std::as_const(involved))
        names.append(QStringLiteral("\"%1\"").arg(rule->rule.name));
    const QString error = tr("suspended: %1 trigger each other in a loop (chains deeper than %2 stopped %3 times in %4 s); "
                             "enable again when fixed")
                              .arg(names.join(tr(" and ")))
                              .arg(kMaxChainDepth)
                              .arg(kChainOverflowsToSuspend)
                              .arg(kRateWindowMs / 1000);
    for (RuleState *rule : std::as_const(involved)) {
        rule->overflows.clear();
        suspend(*rule, error);
    }
    // Visible beyond the dock: a notice in the window, a JSON line headless.
    Q_EMIT notified(state.rule.id, tr("Rules suspended"), error, now);
}

void RuleWorker::cancelRuns(RuleState &state)
{
    const QList<std::shared_ptr<Run>> runs = state.running;
    for (const auto &run : runs)
        finish(run, state.status.suspended ? tr("stopped: the rule was suspended") : tr("stopped: restarted by a new trigger"));
}

void RuleWorker::startRun(RuleState &state, Context context)
{
    // Runaway protection: too many runs in the window suspends the rule.
    const qint64 now = m_clock->nowMs();
    if (state.rule.rateLimit > 0)
        state.recent.push_back(now);
    while (!state.recent.empty() && state.recent.front() <= now - kRateWindowMs)
        state.recent.pop_front();
    const int limit = state.rule.rateLimit;
    if (limit > 0 && qsizetype(state.recent.size()) > limit) {
        state.recent.clear();
        suspend(state, tr("suspended: fired more than %1 times in %2 s (enable it again when fixed)")
                           .arg(limit)
                           .arg(kRateWindowMs / 1000));
        return;
    }
    auto run = std::make_shared<Run>();
    run->id = m_nextRun++;
    run->ruleId = state.rule.id;
    run->context = context;
    run->elapsed.start();
    run->trace.rule = state.rule.id;
    run->trace.timeMs = context.timeMs;
    run->trace.trigger = context.triggerText;
    run->trace.value = context.value;
    run->trace.depth = context.depth;
    run->trace.dryRun = m_dryRun;
    run->trace.condition = QJsonValue();
    state.running.append(run);
    ++state.status.firings;
    state.status.lastFiredMs = context.timeMs;
    publishStatus(state);

    if (!state.rule.condition.trimmed().isEmpty()) {
        ScriptScope scope{context.value, context.previous, context.triggerText, now};
        const ScriptResult result = m_script->evaluate(state.rule.condition, scope);
        if (!result.ok()) {
            finish(run, tr("condition: %1").arg(result.error));
            return;
        }
        const bool pass = result.value.toBool();
        run->trace.condition = pass;
        if (!pass) {
            finish(run);
            return;
        }
    }
    step(run);
}

void RuleWorker::step(const std::shared_ptr<Run> &run)
{
    while (!run->done) {
        RuleState *state = find(run->ruleId);
        if (!state) {
            run->done = true;
            return;
        }
        if (run->next >= state->rule.actions.size()) {
            finish(run);
            return;
        }
        const int index = run->next++;
        RuleAction action = state->rule.actions.at(index);
        const Context &context = run->context;
        RuleActionTrace trace;
        trace.action = action.kindName();
        trace.target = action.targetText();
        run->actionElapsed.start();
        const ScriptScope scope{context.value, context.previous, context.triggerText, m_clock->nowMs()};
        auto evaluate = [&](const QString &expression, QJSValue *out) {
            const ScriptResult result = m_script->evaluate(expression, scope);
            if (!result.ok()) {
                trace.ok = false;
                trace.error = result.error;
                return false;
            }
            *out = result.value;
            return true;
        };
        switch (action.kind) {
        case RuleAction::Kind::Write:
        case RuleAction::Kind::Invoke: {
            ResourceId target = action.target;
            if (state->rule.isBridge) {
                const bool back = context.trigger == 1;
                target = back ? Rule::mapBridge(state->rule.bridgeTo, state->rule.bridgeFrom, context.source)
                              : Rule::mapBridge(state->rule.bridgeFrom, state->rule.bridgeTo, context.source);
                action.expression = back ? state->rule.json.value(QLatin1String("transform_back")).toString()
                                         : state->rule.transform;
                trace.target = target.toString();
            }
            if (!target.isValid()) {
                trace.ok = false;
                trace.error = tr("%1 has no place under the bridge's target").arg(context.triggerText);
                break;
            }
            QByteArray payload;
            WriteOptions options;
            if (action.expression.trimmed().isEmpty()) {
                if (!context.hasRaw) {
                    trace.ok = false;
                    trace.error = tr("no \"value\" to write (the trigger has none)");
                    break;
                }
                payload = context.raw.raw;
                options.contentFormat = context.raw.contentFormat;
            } else {
                QJSValue result;
                if (!evaluate(action.expression, &result))
                    break;
                bool json = false;
                QString error;
                payload = RuleScript::payload(result, &json, &error);
                if (!error.isEmpty()) {
                    trace.ok = false;
                    trace.error = error;
                    break;
                }
                if (json)
                    options.contentFormat = ContentFormat::Json;
            }
            trace.detail = QString::fromUtf8(payload.left(200));
            if (m_dryRun) {
                trace.detail = tr("dry run, not written: %1").arg(trace.detail);
                break;
            }
            options.qos = action.qos;
            options.retain = action.retain;
            options.method = action.kind == RuleAction::Kind::Invoke && action.method.isEmpty() ? QStringLiteral("POST")
                                                                                                 : action.method;
            options.cause = Cause::rule(state->rule.id, context.depth);
            QList<Echo> &echoes = m_echoes[target];
            // Bounded: a target that never answers (an HTTP property nobody reads back) keeps
            // only its latest writes.
            if (echoes.size() >= kMaxEchoes)
                echoes.removeFirst();
            echoes.append(Echo{payload, options.cause, steadyMs() + kEchoWindowMs});
            QPointer<RuleWorker> self(this);
            run->trace.actions.append(trace);
            m_sink->write(target, payload, options, [self, run](const Result &result) {
                if (!self)
                    return;
                QMetaObject::invokeMethod(
                    self.data(),
                    [self, run, result] {
                        if (run->done)
                            return;
                        RuleActionTrace &trace = run->trace.actions.last();
                        trace.ok = result.ok();
                        trace.error = result.error;
                        trace.durationMs = run->actionElapsed.elapsed();
                        self->step(run);
                    },
                    Qt::QueuedConnection);
            });
            return; // goes on when the write's outcome is known
        }
        case RuleAction::Kind::Delay: {
            run->trace.actions.append(trace);
            QPointer<RuleWorker> self(this);
            run->timer = m_clock->callAt(m_clock->nowMs() + qint64(std::llround(action.delaySeconds * 1000)), [this, run] {
                run->timer = 0;
                if (run->done)
                    return;
                run->trace.actions.last().durationMs = run->actionElapsed.elapsed();
                step(run);
            });
            return;
        }
        case RuleAction::Kind::Log:
        case RuleAction::Kind::Notify: {
            QJSValue result;
            if (!evaluate(action.expression, &result))
                break;
            trace.detail = RuleScript::text(result);
            if (m_dryRun)
                break;
            if (action.kind == RuleAction::Kind::Log)
                Q_EMIT logged(state->rule.id, trace.detail, m_clock->nowMs());
            else
                Q_EMIT notified(state->rule.id, action.title.isEmpty() ? state->rule.name : action.title, trace.detail,
                                m_clock->nowMs());
            break;
        }
        case RuleAction::Kind::Enable:
        case RuleAction::Kind::Disable:
            if (!find(action.rule)) {
                trace.ok = false;
                trace.error = tr("no rule is called \"%1\"").arg(action.rule);
                break;
            }
            if (!m_dryRun) {
                const QString ruleId = run->ruleId;
                setEnabled(action.rule, action.kind == RuleAction::Kind::Enable);
                if (!find(ruleId))
                    return;
            }
            break;
        }
        trace.durationMs = run->actionElapsed.elapsed();
        run->trace.actions.append(trace);
    }
}

void RuleWorker::finish(const std::shared_ptr<Run> &run, const QString &error)
{
    if (run->done)
        return;
    run->done = true;
    if (run->timer) {
        m_clock->cancel(run->timer);
        run->timer = 0;
    }
    run->trace.error = error;
    run->trace.durationMs = run->elapsed.elapsed();
    RuleState *state = find(run->ruleId);
    if (state) {
        state->running.removeOne(run);
        if (!error.isEmpty())
            state->status.lastError = error;
        for (const RuleActionTrace &action : std::as_const(run->trace.actions)) {
            if (!action.ok)
                state->status.lastError = action.error.contains(action.target)
                    ? tr("%1: %2").arg(action.action, action.error)
                    : tr("%1 %2: %3").arg(action.action, action.target, action.error);
        }
    }
    trace(run->trace);
    if (!state)
        return;
    if (state->running.isEmpty() && !state->queue.empty() && state->rule.enabled && !state->status.suspended) {
        Context next = state->queue.front();
        state->queue.pop_front();
        startRun(*state, next);
        return;
    }
    publishStatus(*state);
}

void RuleWorker::setEnabled(const QString &ruleId, bool enabled)
{
    RuleState *state = find(ruleId);
    if (!state)
        return;
    state->rule.enabled = enabled;
    state->status.enabled = enabled;
    if (enabled) {
        // Enabling again is how a suspended rule comes back.
        state->status.suspended = false;
        state->recent.clear();
        state->overflows.clear();
        if (m_started)
            armTimers(*state);
    } else {
        state->queue.clear();
        disarmTimers(*state);
        cancelRuns(*state);
    }
    publishStatus(*state);
}

void RuleWorker::publishStatus(RuleState &state)
{
    // Coalesced: one status per rule per hand-over, however many runs started and ended.
    m_dirty.insert(state.rule.id);
    scheduleHandOver();
}

void RuleWorker::trace(const RuleTrace &trace)
{
    m_pendingTraces.append(trace);
    if (m_pendingTraces.size() >= kHandOverTraces)
        handOver();
    else
        scheduleHandOver();
}

void RuleWorker::scheduleHandOver()
{
    if (m_flushPending)
        return;
    m_flushPending = true;
    const qint64 wait = m_lastHandOver.isValid() ? qMax<qint64>(0, kHandOverMs - m_lastHandOver.elapsed()) : 0;
    QTimer::singleShot(wait, this, [this] {
        if (m_flushPending)
            handOver();
    });
}

void RuleWorker::handOver()
{
    m_flushPending = false;
    m_lastHandOver.start();
    QList<RuleStatus> statuses;
    const QSet<QString> dirty = std::exchange(m_dirty, {});
    for (const QString &id : dirty) {
        RuleState *state = find(id);
        if (!state)
            continue;
        state->status.running = int(state->running.size());
        state->status.queued = int(state->queue.size());
        statuses.append(state->status);
    }
    if (m_pendingTraces.isEmpty() && statuses.isEmpty())
        return;
    Q_EMIT handedOver(std::exchange(m_pendingTraces, {}), statuses);
}

bool RuleWorker::isCompiled(const QString &expression) const
{
    return m_script && m_script->isCompiled(expression);
}

} // namespace thingscape
