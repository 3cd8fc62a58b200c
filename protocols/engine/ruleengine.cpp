#include "ruleengine.h"

#include "ruleclock.h"
#include "rulescript.h"

#include "model/resourcestore.h"
#include "protocols/endpointmanager.h"

#include <QCoreApplication>
#include <QDateTime>

namespace thingscape {

namespace {

// Writes through the endpoint manager on its (the GUI) thread.
class EndpointSink : public RuleSink
{
public:
    explicit EndpointSink(EndpointManager *endpoints)
        : m_endpoints(endpoints)
    {
    }

    void write(const ResourceId &id, const QByteArray &payload, const WriteOptions &options,
               std::function<void(const Result &)> done) override
    {
        QPointer<EndpointManager> endpoints = m_endpoints;
        QMetaObject::invokeMethod(
            endpoints.data(),
            [endpoints, id, payload, options, done] {
                if (!endpoints) {
                    done(Result::failure(ErrorKind::Connection, QStringLiteral("the endpoints are gone")));
                    return;
                }
                endpoints->write(id, payload, options, done);
            },
            Qt::QueuedConnection);
    }

private:
    QPointer<EndpointManager> m_endpoints;
};

QString stateKey(ConnectorState state)
{
    switch (state) {
    case ConnectorState::Connected:
        return QStringLiteral("connected");
    case ConnectorState::Connecting:
        return QStringLiteral("connecting");
    case ConnectorState::BackingOff:
        return QStringLiteral("backing-off");
    case ConnectorState::Error:
        return QStringLiteral("error");
    case ConnectorState::Disconnected:
        break;
    }
    return QStringLiteral("disconnected");
}

} // namespace

RuleEngine::RuleEngine(ResourceStore *store, EndpointManager *endpoints, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_endpoints(endpoints)
{
    qRegisterMetaType<RuleTrace>();
    qRegisterMetaType<RuleStatus>();
    m_thread.setObjectName(QStringLiteral("rules"));
    if (endpoints) {
        connect(endpoints, &EndpointManager::endpointChanged, this, &RuleEngine::forwardEndpointState);
        m_sink = std::make_shared<EndpointSink>(endpoints);
    }
}

RuleEngine::~RuleEngine()
{
    stop();
}

std::optional<QList<Rule>> RuleEngine::parse(const QJsonArray &rules, RuleProblem *problem)
{
    RuleScript script({});
    return RuleSet::parse(rules, problem, [&script](const QString &expression) { return script.check(expression); });
}

void RuleEngine::setSink(std::shared_ptr<RuleSink> sink)
{
    m_sink = std::move(sink);
}

void RuleEngine::useManualClock(qint64 startMs)
{
    m_manualStart = startMs;
}

void RuleEngine::advanceClock(qint64 ms)
{
    if (!m_worker || !m_manualStart)
        return;
    RuleWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        worker,
        [worker, ms] {
            worker->drainEvents();
            static_cast<ManualRuleClock *>(worker->clock())->advance(ms);
        },
        Qt::BlockingQueuedConnection);
}

void RuleEngine::setRules(const QList<Rule> &rules)
{
    m_rules = rules;
    m_warnings = RuleSet::warnings(rules);
    QSet<QString> ids;
    for (const Rule &rule : rules) {
        ids.insert(rule.id);
        RuleStatus &status = m_statuses[rule.id];
        status.id = rule.id;
        status.name = rule.name;
        status.enabled = rule.enabled;
    }
    for (auto it = m_statuses.begin(); it != m_statuses.end();) {
        if (ids.contains(it.key())) {
            ++it;
        } else {
            m_traces.remove(it.key());
            it = m_statuses.erase(it);
        }
    }
    if (m_worker) {
        RuleWorker *worker = m_worker;
        QMetaObject::invokeMethod(worker, [worker, rules] { worker->setRules(rules); }, Qt::QueuedConnection);
    }
    Q_EMIT rulesChanged();
}

void RuleEngine::setDryRun(bool on)
{
    if (m_dryRun == on)
        return;
    m_dryRun = on;
    Q_EMIT dryRunChanged(on);
    if (m_worker) {
        RuleWorker *worker = m_worker;
        QMetaObject::invokeMethod(worker, [worker, on] { worker->setDryRun(on); }, Qt::QueuedConnection);
    }
}

void RuleEngine::start()
{
    if (m_worker)
        return;
    m_worker = new RuleWorker(m_sink, nullptr);
    m_worker->moveToThread(&m_thread);
    // One queued call per batch (see RuleWorker::kHandOverMs), not per run.
    connect(m_worker, &RuleWorker::handedOver, this, [this](const QList<RuleTrace> &traces, const QList<RuleStatus> &statuses) {
        ++m_handOvers;
        for (const RuleTrace &trace : traces) {
            if (!m_statuses.contains(trace.rule))
                continue; // removed since
            std::deque<RuleTrace> &list = m_traces[trace.rule];
            list.push_back(trace);
            while (list.size() > size_t(RuleTrace::kMaxTraces))
                list.pop_front();
            Q_EMIT traced(trace);
        }
        for (const RuleStatus &status : statuses) {
            if (!m_statuses.contains(status.id))
                continue;
            m_statuses.insert(status.id, status);
            Q_EMIT statusChanged(status.id);
        }
    });
    connect(m_worker, &RuleWorker::notified, this, &RuleEngine::notified);
    connect(m_worker, &RuleWorker::logged, this, &RuleEngine::logged);
    m_thread.start();
    RuleWorker *worker = m_worker;
    ResourceStore *store = m_store;
    const QList<Rule> rules = m_rules;
    const bool dryRun = m_dryRun;
    // The clock's timers belong to the worker's thread: made there. The subscription too.
    const std::optional<qint64> manualStart = m_manualStart;
    QMetaObject::invokeMethod(
        worker,
        [worker, store, manualStart, rules, dryRun] {
            if (manualStart)
                worker->adoptClock(std::make_unique<ManualRuleClock>(*manualStart));
            else
                worker->adoptClock(std::make_unique<SystemRuleClock>());
            worker->setDryRun(dryRun);
            worker->subscribe(store);
            worker->setRules(rules);
        },
        Qt::BlockingQueuedConnection);
    // The store is on this thread and ingests nothing meanwhile: the snapshot and the
    // subscription meet without a gap or an overlap.
    QHash<ResourceId, Value> values;
    for (const Resource *resource : store->resources()) {
        if (resource->hasValue())
            values.insert(resource->id(), resource->value());
    }
    const quint64 lastSeq = store->valueEventCount();
    QMetaObject::invokeMethod(
        worker,
        [worker, values, lastSeq] {
            worker->setSnapshot(values, lastSeq);
            worker->start();
        },
        Qt::QueuedConnection);
    if (m_endpoints) {
        for (const EndpointConfig &config : m_endpoints->endpoints())
            forwardEndpointState(config.id);
    }
}

void RuleEngine::stop()
{
    if (!m_worker)
        return;
    RuleWorker *worker = m_worker;
    m_worker = nullptr;
    // Destroyed on its own thread (its timers and subscription live there).
    // What it has not handed over yet goes first, queued behind the batches before it.
    QMetaObject::invokeMethod(
        worker,
        [worker] {
            worker->handOver();
            delete worker;
        },
        Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    // Delivered now, in order, so that a caller exiting right after stop() loses no trace.
    QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
}

void RuleEngine::setEnabled(const QString &ruleId, bool enabled)
{
    for (Rule &rule : m_rules) {
        if (rule.id == ruleId)
            rule.enabled = enabled;
    }
    if (m_worker) {
        RuleWorker *worker = m_worker;
        QMetaObject::invokeMethod(worker, [worker, ruleId, enabled] { worker->setEnabled(ruleId, enabled); },
                                  Qt::QueuedConnection);
    } else if (m_statuses.contains(ruleId)) {
        m_statuses[ruleId].enabled = enabled;
        Q_EMIT statusChanged(ruleId);
    }
}

RuleEngine::Evaluation RuleEngine::evaluateNow(const QString &expression, const QString &triggerUri) const
{
    const ResourceStore *store = m_store;
    auto current = [store](const QString &uri) -> const Resource * {
        const std::optional<ResourceId> id = ResourceId::parse(uri);
        const Resource *resource = id && store ? store->find(*id) : nullptr;
        return resource && resource->hasValue() ? resource : nullptr;
    };
    // A sandbox of its own, on this thread: the rule thread's is busy with the running rules.
    RuleScript script([&current](const QString &uri) {
        const Resource *resource = current(uri);
        return resource ? RuleWorker::jsonOf(resource->value()) : QJsonValue(QJsonValue::Null);
    });
    ScriptScope scope;
    scope.value = QJsonValue::Null;
    scope.previous = QJsonValue::Null;
    scope.trigger = triggerUri;
    scope.now = QDateTime::currentMSecsSinceEpoch();
    if (const Resource *resource = current(triggerUri)) {
        scope.value = RuleWorker::jsonOf(resource->value());
        const History &history = resource->history();
        // The value before the current one, when the history still has it.
        const qsizetype before = history.size() - (history.currentInHistory() ? 2 : 1);
        if (before >= 0)
            scope.previous = RuleWorker::jsonOf(history.at(before));
    }
    Evaluation out;
    const ScriptResult result = script.evaluate(expression, scope);
    if (!result.ok()) {
        out.error = result.error;
        return out;
    }
    out.ok = true;
    out.value = RuleScript::toJson(result.value);
    if (out.value.isUndefined())
        out.value = QJsonValue::Null;
    bool json = false;
    QString error;
    const QByteArray payload = RuleScript::payload(result.value, &json, &error);
    out.text = error.isEmpty() ? QString::fromUtf8(payload) : RuleScript::text(result.value);
    return out;
}

QString RuleEngine::checkExpression(const QString &expression)
{
    RuleScript script({});
    return script.check(expression);
}

QList<RuleStatus> RuleEngine::statuses() const
{
    QList<RuleStatus> out;
    for (const Rule &rule : m_rules)
        out.append(m_statuses.value(rule.id));
    return out;
}

bool RuleEngine::isCompiled(const QString &expression) const
{
    if (!m_worker)
        return false;
    bool compiled = false;
    RuleWorker *worker = m_worker;
    QMetaObject::invokeMethod(worker, [worker, &compiled, expression] { compiled = worker->isCompiled(expression); },
                              Qt::BlockingQueuedConnection);
    return compiled;
}

QList<RuleTrace> RuleEngine::traces(const QString &ruleId) const
{
    const auto it = m_traces.constFind(ruleId);
    if (it == m_traces.constEnd())
        return {};
    return QList<RuleTrace>(it->begin(), it->end());
}

void RuleEngine::forwardEndpointState(const QString &endpointId)
{
    if (!m_worker || !m_endpoints)
        return;
    const EndpointConfig config = m_endpoints->endpoint(endpointId);
    if (config.id.isEmpty())
        return;
    const QString uri = config.url.endpointUri();
    const QString state = stateKey(m_endpoints->status(endpointId).state);
    RuleWorker *worker = m_worker;
    QMetaObject::invokeMethod(worker, [worker, endpointId, uri, state] { worker->endpointState(endpointId, uri, state); },
                              Qt::QueuedConnection);
}

} // namespace thingscape
