#include "engine.h"

#include "recorder.h"
#include "ruleengine.h"
#include "secretprovider.h"

#include "model/resourcestore.h"
#include "protocols/endpointmanager.h"

namespace thingscape {

Engine::Engine(QObject *parent)
    : QObject(parent)
    , m_store(std::make_unique<ResourceStore>())
    , m_endpoints(std::make_unique<EndpointManager>(m_store.get()))
    , m_ruleEngine(std::make_unique<RuleEngine>(m_store.get(), m_endpoints.get()))
{
    connect(m_endpoints.get(), &EndpointManager::endpointAdded, this, [this](const QString &id) {
        track(id);
        Q_EMIT changed();
    });
    connect(m_endpoints.get(), &EndpointManager::endpointConfigChanged, this, [this](const QString &id) {
        track(id);
        // Secrets filled in on connecting are not kept in the file: nothing to save.
        if (!m_fillingSecrets)
            Q_EMIT changed();
    });
    connect(m_endpoints.get(), &EndpointManager::endpointRemoved, this, [this](const QString &id) {
        forget(id);
        Q_EMIT changed();
    });
}

Engine::~Engine()
{
    // Rules stop before the endpoints they write to, connectors before the store they feed.
    m_recorder.reset();
    m_ruleEngine.reset();
    m_endpoints.reset();
}

void Engine::setSecretProvider(SecretProvider *provider)
{
    m_secrets = provider;
}

void Engine::track(const QString &id)
{
    const ResourceId endpoint = m_endpoints->endpoint(id).url.endpoint();
    if (m_shown.value(id) != endpoint)
        forget(id);
    m_shown.insert(id, endpoint);
}

void Engine::forget(const QString &id)
{
    // An endpoint that goes (or moves to another URL) takes its resources with it.
    const ResourceId shown = m_shown.take(id);
    if (!shown.isValid())
        return;
    Q_EMIT endpointGone(shown);
    m_store->removeUnder(shown.endpointUri());
}

bool Engine::load(const QString &path, QString *error)
{
    const std::optional<Workspace> workspace = Workspace::load(path, error);
    if (!workspace)
        return false;
    apply(*workspace, path);
    return true;
}

bool Engine::save(const QString &path, QString *error)
{
    const Workspace workspace = snapshot();
    if (!workspace.save(path, error))
        return false;
    for (const System &system : workspace.systems())
        m_knownTitles.insert(system.titles);
    m_path = path;
    Q_EMIT saved(path);
    return true;
}

void Engine::apply(const Workspace &workspace, const QString &path)
{
    for (const EndpointConfig &config : m_endpoints->endpoints())
        m_endpoints->remove(config.id);
    for (const EndpointConfig &config : workspace.endpoints()) {
        const QString id = m_endpoints->add(config);
        if (config.autoConnect)
            connectEndpoint(id);
    }
    m_systems = workspace.systems();
    m_knownTitles.clear();
    for (const System &system : std::as_const(m_systems))
        m_knownTitles.insert(system.titles);
    m_dashboards = workspace.dashboards();
    setRules(workspace.rules());
    m_layout = workspace.layout();
    m_extra = workspace.extra();
    m_path = path;
    applyRecording();
    Q_EMIT loaded(path);
}

Workspace Engine::snapshot() const
{
    Workspace workspace;
    workspace.setEndpoints(m_endpoints->endpoints());
    workspace.setSystems(systemsWithTitles());
    workspace.setDashboards(m_dashboards);
    workspace.setRules(m_rules);
    workspace.setLayout(m_layout);
    workspace.setExtra(m_extra);
    return workspace;
}

void Engine::setExtraValue(const QString &key, const QJsonValue &value, bool asChange)
{
    if (m_extra.value(key) == value)
        return;
    m_extra.insert(key, value);
    if (asChange)
        Q_EMIT changed();
}

QList<System> Engine::systemsWithTitles() const
{
    // Titles known now replace the saved ones; a resource whose endpoint is down keeps its old title.
    QList<System> systems = m_systems;
    for (System &system : systems) {
        for (const ResourceId &id : std::as_const(system.resources)) {
            const Resource *resource = m_store->find(id);
            if (resource && resource->metadata().title.isSet() && !resource->metadata().title->isEmpty())
                system.titles.insert(id, *resource->metadata().title);
            else if (!system.titles.contains(id) && m_knownTitles.contains(id))
                system.titles.insert(id, m_knownTitles.value(id));
        }
    }
    return systems;
}

bool Engine::setRules(const QJsonArray &rules, QString *error)
{
    m_rules = rules;
    RuleProblem problem;
    const std::optional<QList<Rule>> parsed = RuleEngine::parse(rules, &problem);
    if (!parsed) {
        m_rulesProblem = tr("rule problem at %1: %2").arg(problem.pointer(), problem.message);
        m_ruleEngine->setRules({});
        if (error)
            *error = m_rulesProblem;
        Q_EMIT rulesRejected(m_rulesProblem);
        return false;
    }
    m_rulesProblem.clear();
    m_ruleEngine->setRules(*parsed);
    if (m_rulesAutoStart && !parsed->isEmpty())
        m_ruleEngine->start();
    return true;
}

bool Engine::editRules(const QJsonArray &rules, QString *error)
{
    // A list with a mistake is not taken: what runs and what is saved stay as they were.
    RuleProblem problem;
    if (!RuleEngine::parse(rules, &problem)) {
        if (error)
            *error = tr("rule problem at %1: %2").arg(problem.pointer(), problem.message);
        return false;
    }
    const bool ok = setRules(rules, error);
    Q_EMIT changed();
    return ok;
}

void Engine::setRuleEnabled(const QString &ruleId, bool enabled)
{
    m_ruleEngine->setEnabled(ruleId, enabled);
    for (qsizetype i = 0; i < m_rules.size(); ++i) {
        QJsonObject rule = m_rules.at(i).toObject();
        const QString id = rule.value(QLatin1String("id")).toString(rule.value(QLatin1String("name")).toString());
        if (id != ruleId || rule.value(QLatin1String("enabled")).toBool(true) == enabled)
            continue;
        rule.insert(QStringLiteral("enabled"), enabled);
        m_rules.replace(i, rule);
        Q_EMIT changed();
    }
}

void Engine::setSystems(const QList<System> &systems)
{
    if (systems == m_systems)
        return;
    m_systems = systems;
    Q_EMIT changed();
}

void Engine::setDashboards(const QJsonArray &dashboards)
{
    if (dashboards == m_dashboards)
        return;
    m_dashboards = dashboards;
    Q_EMIT changed();
}

void Engine::connectEndpoint(const QString &id)
{
    const EndpointConfig current = m_endpoints->endpoint(id);
    if (current.id.isEmpty())
        return;
    // Workspace files hold no secrets: an endpoint that may need one gets it first.
    if (!m_secrets || !SecretProvider::mayNeedSecrets(current)) {
        m_endpoints->connectEndpoint(id);
        return;
    }
    QPointer<Engine> self(this);
    const QJsonObject asked = current.toJson();
    m_secrets->loadSecrets(current, [self, id, asked](const SecretAnswer &answer) {
        if (!self)
            return;
        // Removed, replaced or edited meanwhile: the answer is for a config that is gone.
        const EndpointConfig now = self->m_endpoints->endpoint(id);
        if (now.id.isEmpty() || now.toJson() != asked)
            return;
        switch (answer.outcome) {
        case SecretAnswer::Outcome::Cancelled:
            return;
        case SecretAnswer::Outcome::Missing:
            Q_EMIT self->connectFailed(id, answer.error);
            return;
        case SecretAnswer::Outcome::Complete:
            break;
        }
        // Replacing the entry restarts its connector, so only when the secrets changed.
        if (!SecretProvider::sameSecrets(now, answer.config)) {
            EndpointConfig filled = now;
            for (const QString &field : SecretProvider::secretFields())
                SecretProvider::setSecretValue(filled, field, SecretProvider::secretValue(answer.config, field));
            filled.pskKey = answer.config.pskKey; // binary: not through text
            self->m_fillingSecrets = true;
            self->m_endpoints->add(filled);
            self->m_fillingSecrets = false;
        }
        self->m_endpoints->connectEndpoint(id);
    });
}

void Engine::connectAll()
{
    for (const EndpointConfig &config : m_endpoints->endpoints())
        connectEndpoint(config.id);
}

void Engine::disconnectAll()
{
    for (const EndpointConfig &config : m_endpoints->endpoints())
        m_endpoints->disconnectEndpoint(config.id);
}

} // namespace thingscape
