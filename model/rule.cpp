#include "rule.h"

#include "workspace.h"

#include <QCoreApplication>
#include <QHash>
#include <QJsonArray>
#include <QRegularExpression>
#include <QSet>

#include <cmath>

namespace thingscape {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("Rule", text);
}

const QStringList &endpointStates()
{
    static const QStringList states = {QStringLiteral("connected"), QStringLiteral("disconnected"),
                                       QStringLiteral("connecting"), QStringLiteral("backing-off"),
                                       QStringLiteral("error")};
    return states;
}

bool isFilterTopic(const QString &topic)
{
    return topic.split(QLatin1Char('/')).contains(QStringLiteral("+")) || topic == QLatin1String("#")
        || topic.endsWith(QLatin1String("/#"));
}

bool topicMatches(const QString &filter, const QString &topic)
{
    const QStringList filterLevels = filter.split(QLatin1Char('/'));
    const QStringList topicLevels = topic.split(QLatin1Char('/'));
    if (topic.startsWith(QLatin1Char('$')) && !filterLevels.isEmpty()
        && (filterLevels.first() == QLatin1String("+") || filterLevels.first() == QLatin1String("#")))
        return false;
    for (qsizetype i = 0; i < filterLevels.size(); ++i) {
        const QString &level = filterLevels.at(i);
        if (level == QLatin1String("#"))
            return true;
        if (i >= topicLevels.size())
            return false;
        if (level != QLatin1String("+") && level != topicLevels.at(i))
            return false;
    }
    return filterLevels.size() == topicLevels.size();
}

// Parsing state: where we are, and the first problem.
class Parser
{
public:
    Parser(RuleProblem *problem, RuleSet::ScriptChecker check)
        : m_problem(problem)
        , m_check(check)
    {
    }

    bool fail(const QStringList &where, const QString &message)
    {
        if (m_problem) {
            m_problem->where = where;
            m_problem->message = message;
        }
        return false;
    }

    bool string(const QJsonObject &json, const char *key, const QStringList &at, QString *out, bool required = false)
    {
        const QJsonValue value = json.value(QLatin1String(key));
        if (value.isUndefined() && !required)
            return true;
        if (!value.isString())
            return fail(at + QStringList{QLatin1String(key)},
                        tr("\"%1\" must be a string, not %2").arg(QLatin1String(key), Workspace::typeName(value)));
        *out = value.toString();
        return true;
    }

    bool number(const QJsonObject &json, const char *key, const QStringList &at, double *out, double low, bool required = false)
    {
        const QJsonValue value = json.value(QLatin1String(key));
        if (value.isUndefined() && !required)
            return true;
        if (!value.isDouble() || !std::isfinite(value.toDouble()) || value.toDouble() < low)
            return fail(at + QStringList{QLatin1String(key)},
                        std::isfinite(low) ? tr("\"%1\" must be a number of at least %2, not %3")
                                                 .arg(QLatin1String(key), QString::number(low), Workspace::typeName(value))
                                           : tr("\"%1\" must be a number, not %2").arg(QLatin1String(key), Workspace::typeName(value)));
        *out = value.toDouble();
        return true;
    }

    bool boolean(const QJsonObject &json, const char *key, const QStringList &at, bool *out)
    {
        const QJsonValue value = json.value(QLatin1String(key));
        if (value.isUndefined())
            return true;
        if (!value.isBool())
            return fail(at + QStringList{QLatin1String(key)},
                        tr("\"%1\" must be true or false, not %2").arg(QLatin1String(key), Workspace::typeName(value)));
        *out = value.toBool();
        return true;
    }

    bool uri(const QJsonObject &json, const char *key, const QStringList &at, ResourceId *out)
    {
        QString text;
        if (!string(json, key, at, &text, true))
            return false;
        QString why;
        const std::optional<ResourceId> id = ResourceId::parse(text, &why);
        if (!id)
            return fail(at + QStringList{QLatin1String(key)}, tr("\"%1\" is not a resource URI: %2").arg(text, why));
        if (id->protocol() != Protocol::Mqtt && (text.contains(QLatin1Char('+')) || text.contains(QLatin1Char('#'))))
            return fail(at + QStringList{QLatin1String(key)},
                        tr("\"%1\": wildcards ('+', '#') are for MQTT topics only").arg(text));
        *out = *id;
        return true;
    }

    // A JavaScript expression: a string (syntax-checked), or a JSON constant written as one.
    bool script(const QJsonObject &json, const char *key, const QStringList &at, QString *out)
    {
        const QJsonValue value = json.value(QLatin1String(key));
        if (value.isUndefined())
            return true;
        if (value.isString()) {
            *out = value.toString();
        } else if (value.isDouble() || value.isBool() || value.isNull()) {
            *out = value.isDouble() ? QString::number(value.toDouble(), 'g', 17)
                 : value.isBool()   ? (value.toBool() ? QStringLiteral("true") : QStringLiteral("false"))
                                    : QStringLiteral("null");
        } else {
            return fail(at + QStringList{QLatin1String(key)},
                        tr("\"%1\" must be a JavaScript expression (a string), not %2")
                            .arg(QLatin1String(key), Workspace::typeName(value)));
        }
        if (m_check && !out->trimmed().isEmpty()) {
            const QString error = m_check(*out);
            if (!error.isEmpty())
                return fail(at + QStringList{QLatin1String(key)},
                            tr("\"%1\" has a script error: %2").arg(QLatin1String(key), error));
        }
        return true;
    }

    bool trigger(const QJsonValue &value, const QStringList &at, RuleTrigger *out)
    {
        if (!value.isObject())
            return fail(at, tr("a trigger must be an object, not %1").arg(Workspace::typeName(value)));
        const QJsonObject json = value.toObject();
        RuleTrigger t;
        if (json.contains(QLatin1String("every"))) {
            t.kind = RuleTrigger::Kind::Every;
            if (!number(json, "every", at, &t.everySeconds, 0.001, true))
                return false;
        } else if (json.contains(QLatin1String("at"))) {
            t.kind = RuleTrigger::Kind::At;
            QString text;
            if (!string(json, "at", at, &text, true))
                return false;
            static const QRegularExpression hhmm(QStringLiteral("^([01]?\\d|2[0-3]):([0-5]\\d)$"));
            const QRegularExpressionMatch match = hhmm.match(text);
            if (!match.hasMatch())
                return fail(at + QStringList{QStringLiteral("at")}, tr("\"at\" must be a time as HH:MM, not \"%1\"").arg(text));
            t.atMinutes = match.captured(1).toInt() * 60 + match.captured(2).toInt();
        } else if (json.contains(QLatin1String("start"))) {
            t.kind = RuleTrigger::Kind::Start;
            bool start = false;
            if (!boolean(json, "start", at, &start))
                return false;
            if (!start)
                return fail(at + QStringList{QStringLiteral("start")}, tr("\"start\" must be true"));
        } else if (json.contains(QLatin1String("endpoint"))) {
            t.kind = RuleTrigger::Kind::Endpoint;
            if (!string(json, "endpoint", at, &t.endpoint, true) || !string(json, "state", at, &t.state, true))
                return false;
            if (!endpointStates().contains(t.state))
                return fail(at + QStringList{QStringLiteral("state")},
                            tr("\"state\" must be one of %1, not \"%2\"").arg(endpointStates().join(QStringLiteral(", ")), t.state));
        } else if (json.contains(QLatin1String("resource"))) {
            if (!uri(json, "resource", at, &t.resource))
                return false;
            if (!string(json, "field", at, &t.field))
                return false;
            if (!t.field.isEmpty() && !t.field.startsWith(QLatin1Char('/')))
                return fail(at + QStringList{QStringLiteral("field")},
                            tr("\"field\" must be a JSON pointer starting with '/', as in \"/temp\", not \"%1\"").arg(t.field));
            if (json.contains(QLatin1String("stale"))) {
                t.kind = RuleTrigger::Kind::Stale;
                if (!number(json, "stale", at, &t.staleSeconds, 0.001, true))
                    return false;
            } else if (json.contains(QLatin1String("offline"))) {
                t.kind = RuleTrigger::Kind::Offline;
                bool offline = false;
                if (!boolean(json, "offline", at, &offline))
                    return false;
                if (!offline)
                    return fail(at + QStringList{QStringLiteral("offline")}, tr("\"offline\" must be true"));
            } else if (json.contains(QLatin1String("above")) || json.contains(QLatin1String("below"))) {
                t.kind = RuleTrigger::Kind::Threshold;
                if (json.contains(QLatin1String("above")) && json.contains(QLatin1String("below")))
                    return fail(at + QStringList{QStringLiteral("below")},
                                tr("a threshold trigger has \"above\" or \"below\", not both (use two triggers)"));
                double threshold = 0;
                const char *key = json.contains(QLatin1String("above")) ? "above" : "below";
                if (!number(json, key, at, &threshold, -HUGE_VAL, true))
                    return false;
                if (qstrcmp(key, "above") == 0)
                    t.above = threshold;
                else
                    t.below = threshold;
                if (!number(json, "hysteresis", at, &t.hysteresis, 0) || !number(json, "for", at, &t.holdSeconds, 0))
                    return false;
            } else {
                t.kind = RuleTrigger::Kind::Update;
            }
        } else {
            return fail(at, tr("a trigger needs \"resource\", \"endpoint\", \"every\", \"at\" or \"start\""));
        }
        *out = t;
        return true;
    }

    bool action(const QJsonValue &value, const QStringList &at, RuleAction *out)
    {
        if (!value.isObject())
            return fail(at, tr("an action must be an object, not %1").arg(Workspace::typeName(value)));
        const QJsonObject json = value.toObject();
        RuleAction a;
        if (json.contains(QLatin1String("write")) || json.contains(QLatin1String("invoke"))) {
            const bool invoke = !json.contains(QLatin1String("write"));
            a.kind = invoke ? RuleAction::Kind::Invoke : RuleAction::Kind::Write;
            if (!uri(json, invoke ? "invoke" : "write", at, &a.target))
                return false;
            if (a.target.protocol() == Protocol::Mqtt && isFilterTopic(a.target.topic()))
                return fail(at + QStringList{QLatin1String(invoke ? "invoke" : "write")},
                            tr("cannot write to a wildcard topic: %1").arg(a.target.toString()));
            if (!script(json, invoke ? "input" : "value", at, &a.expression))
                return false;
            double qos = 0;
            if (!number(json, "qos", at, &qos, 0) || !boolean(json, "retain", at, &a.retain)
                || !string(json, "method", at, &a.method))
                return false;
            if (qos > 2 || qos != std::floor(qos))
                return fail(at + QStringList{QStringLiteral("qos")}, tr("\"qos\" must be 0, 1 or 2"));
            a.qos = int(qos);
        } else if (json.contains(QLatin1String("delay"))) {
            a.kind = RuleAction::Kind::Delay;
            if (!number(json, "delay", at, &a.delaySeconds, 0, true))
                return false;
        } else if (json.contains(QLatin1String("log"))) {
            a.kind = RuleAction::Kind::Log;
            if (!script(json, "log", at, &a.expression))
                return false;
        } else if (json.contains(QLatin1String("notify"))) {
            a.kind = RuleAction::Kind::Notify;
            if (!script(json, "notify", at, &a.expression) || !string(json, "title", at, &a.title))
                return false;
        } else if (json.contains(QLatin1String("enable")) || json.contains(QLatin1String("disable"))) {
            const bool enable = json.contains(QLatin1String("enable"));
            a.kind = enable ? RuleAction::Kind::Enable : RuleAction::Kind::Disable;
            if (!string(json, enable ? "enable" : "disable", at, &a.rule, true))
                return false;
        } else {
            return fail(at, tr("an action needs \"write\", \"invoke\", \"delay\", \"log\", \"notify\", \"enable\" or \"disable\""));
        }
        *out = a;
        return true;
    }

    bool mode(const QJsonObject &json, const QStringList &at, Rule *rule)
    {
        QString text;
        if (!string(json, "mode", at, &text))
            return false;
        if (!text.isEmpty()) {
            static const QHash<QString, Rule::Mode> modes = {{QStringLiteral("single"), Rule::Mode::Single},
                                                             {QStringLiteral("restart"), Rule::Mode::Restart},
                                                             {QStringLiteral("queued"), Rule::Mode::Queued},
                                                             {QStringLiteral("parallel"), Rule::Mode::Parallel}};
            if (!modes.contains(text))
                return fail(at + QStringList{QStringLiteral("mode")},
                            tr("\"mode\" must be single, restart, queued or parallel, not \"%1\"").arg(text));
            rule->mode = modes.value(text);
        }
        double max = Rule::kDefaultMaxRuns;
        if (!number(json, "max", at, &max, 1))
            return false;
        if (max > 1000 || max != std::floor(max))
            return fail(at + QStringList{QStringLiteral("max")}, tr("\"max\" must be a whole number from 1 to 1000"));
        rule->maxRuns = int(max);
        double limit = Rule::kDefaultRateLimit;
        if (!number(json, "limit", at, &limit, 0))
            return false;
        if (limit != std::floor(limit) || limit > 1e9)
            return fail(at + QStringList{QStringLiteral("limit")}, tr("\"limit\" must be a whole number of runs per 10 s (0: no limit)"));
        rule->rateLimit = int(limit);
        return true;
    }

    bool rule(const QJsonObject &json, const QStringList &at, Rule *out)
    {
        Rule r;
        r.json = json;
        if (!boolean(json, "enabled", at, &r.enabled) || !mode(json, at, &r) || !string(json, "id", at, &r.id)
            || !string(json, "name", at, &r.name))
            return false;
        if (json.contains(QLatin1String("bridge"))) {
            r.isBridge = true;
            if (!uri(json, "bridge", at, &r.bridgeFrom) || !uri(json, "to", at, &r.bridgeTo)
                || !script(json, "transform", at, &r.transform) || !boolean(json, "both_ways", at, &r.bothWays))
                return false;
            if (r.bridgeTo.protocol() == Protocol::Mqtt && isFilterTopic(r.bridgeTo.topic())
                && !(r.bridgeFrom.protocol() == Protocol::Mqtt && r.bridgeTo.topic().endsWith(QLatin1String("/#"))))
                return fail(at + QStringList{QStringLiteral("to")},
                            tr("\"to\" can only be a wildcard subtree (ending in /#) when \"bridge\" is one"));
            const bool fromWild = r.bridgeFrom.protocol() == Protocol::Mqtt && isFilterTopic(r.bridgeFrom.topic());
            if (fromWild && !r.bridgeFrom.topic().endsWith(QLatin1String("#")))
                return fail(at + QStringList{QStringLiteral("bridge")},
                            tr("a bridge mirrors one resource or a whole subtree (\"topic/#\"), not a '+' filter"));
            if (r.bothWays && fromWild != (r.bridgeTo.protocol() == Protocol::Mqtt && isFilterTopic(r.bridgeTo.topic())))
                return fail(at + QStringList{QStringLiteral("both_ways")},
                            tr("a bridge both ways over a subtree needs a subtree (\"topic/#\") on both sides"));
            if (r.bridgeFrom == r.bridgeTo)
                return fail(at + QStringList{QStringLiteral("to")}, tr("a bridge from a resource to itself"));
            if (r.name.isEmpty())
                r.name = QStringLiteral("%1 → %2").arg(r.bridgeFrom.toString(), r.bridgeTo.toString());
            RuleTrigger from;
            from.resource = r.bridgeFrom;
            r.triggers = {from};
            RuleAction write;
            write.target = r.bridgeTo;
            write.expression = r.transform;
            r.actions = {write};
            r.mode = json.contains(QLatin1String("mode")) ? r.mode : Rule::Mode::Queued;
        } else {
            if (r.name.trimmed().isEmpty())
                return fail(at + QStringList{QStringLiteral("name")}, tr("a rule needs a \"name\""));
            const QJsonValue triggers = json.value(QLatin1String("triggers"));
            if (!triggers.isArray() || triggers.toArray().isEmpty())
                return fail(at + QStringList{QStringLiteral("triggers")},
                            tr("\"triggers\" must be a non-empty array, not %1").arg(Workspace::typeName(triggers)));
            const QJsonArray triggerArray = triggers.toArray();
            for (qsizetype i = 0; i < triggerArray.size(); ++i) {
                RuleTrigger t;
                if (!trigger(triggerArray.at(i), at + QStringList{QStringLiteral("triggers"), QString::number(i)}, &t))
                    return false;
                r.triggers.append(t);
            }
            if (!script(json, "condition", at, &r.condition))
                return false;
            const QJsonValue actions = json.value(QLatin1String("actions"));
            if (!actions.isUndefined() && !actions.isArray())
                return fail(at + QStringList{QStringLiteral("actions")},
                            tr("\"actions\" must be an array, not %1").arg(Workspace::typeName(actions)));
            const QJsonArray actionArray = actions.toArray();
            for (qsizetype i = 0; i < actionArray.size(); ++i) {
                RuleAction a;
                if (!action(actionArray.at(i), at + QStringList{QStringLiteral("actions"), QString::number(i)}, &a))
                    return false;
                r.actions.append(a);
            }
        }
        if (r.id.isEmpty())
            r.id = r.name;
        *out = r;
        return true;
    }

private:
    RuleProblem *m_problem;
    RuleSet::ScriptChecker m_check;
};

} // namespace

bool RuleTrigger::isWildcard() const
{
    return resource.protocol() == Protocol::Mqtt && isFilterTopic(resource.topic());
}

bool RuleTrigger::matches(const ResourceId &id) const
{
    if (!resource.isValid())
        return false;
    if (!isWildcard())
        return id == resource;
    return id.protocol() == Protocol::Mqtt && id.endpoint() == resource.endpoint()
        && topicMatches(resource.topic(), id.topic());
}

bool RuleTrigger::isStateful() const
{
    switch (kind) {
    case Kind::Threshold:
    case Kind::Stale:
        return true;
    case Kind::Update:
        return !field.isEmpty(); // fires on a change of the field: compares with the last one
    default:
        return false;
    }
}

QString RuleTrigger::describe() const
{
    switch (kind) {
    case Kind::Update:
        return field.isEmpty() ? resource.toString() : resource.toString() + field;
    case Kind::Threshold:
        return above ? tr("%1 above %2").arg(resource.toString()).arg(*above)
                     : tr("%1 below %2").arg(resource.toString()).arg(below.value_or(0));
    case Kind::Stale:
        return tr("%1 stale for %2 s").arg(resource.toString()).arg(staleSeconds);
    case Kind::Offline:
        return tr("%1 offline").arg(resource.toString());
    case Kind::Endpoint:
        return tr("endpoint %1 %2").arg(endpoint, state);
    case Kind::Every:
        return tr("every %1 s").arg(everySeconds);
    case Kind::At:
        return tr("at %1:%2").arg(atMinutes / 60, 2, 10, QLatin1Char('0')).arg(atMinutes % 60, 2, 10, QLatin1Char('0'));
    case Kind::Start:
        return tr("start");
    }
    return {};
}

QString RuleAction::kindName() const
{
    switch (kind) {
    case Kind::Write:
        return QStringLiteral("write");
    case Kind::Invoke:
        return QStringLiteral("invoke");
    case Kind::Delay:
        return QStringLiteral("delay");
    case Kind::Log:
        return QStringLiteral("log");
    case Kind::Notify:
        return QStringLiteral("notify");
    case Kind::Enable:
        return QStringLiteral("enable");
    case Kind::Disable:
        return QStringLiteral("disable");
    }
    return {};
}

QString RuleAction::targetText() const
{
    switch (kind) {
    case Kind::Write:
    case Kind::Invoke:
        return target.toString();
    case Kind::Delay:
        return QStringLiteral("%1 s").arg(delaySeconds);
    case Kind::Enable:
    case Kind::Disable:
        return rule;
    case Kind::Log:
    case Kind::Notify:
        break;
    }
    return {};
}

QString Rule::modeName(Mode mode)
{
    switch (mode) {
    case Mode::Single:
        return QStringLiteral("single");
    case Mode::Restart:
        return QStringLiteral("restart");
    case Mode::Queued:
        return QStringLiteral("queued");
    case Mode::Parallel:
        return QStringLiteral("parallel");
    }
    return {};
}

QList<ResourceId> Rule::writes() const
{
    QList<ResourceId> ids;
    for (const RuleAction &action : actions) {
        if (action.kind == RuleAction::Kind::Write || action.kind == RuleAction::Kind::Invoke)
            ids.append(action.target);
    }
    if (isBridge && bothWays)
        ids.append(bridgeFrom);
    return ids;
}

bool Rule::isStateful(QString *why) const
{
    auto because = [why](const QString &text) {
        if (why)
            *why = text;
        return true;
    };
    for (const RuleTrigger &trigger : triggers) {
        if (trigger.isStateful())
            return because(tr("its trigger \"%1\" keeps state across messages (thresholds, hold times, hysteresis, "
                              "staleness and field changes compare with earlier values)")
                               .arg(trigger.describe()));
        if (trigger.kind != RuleTrigger::Kind::Update)
            return because(tr("its trigger \"%1\" is not an MQTT message, so every instance would fire it")
                               .arg(trigger.describe()));
        if (trigger.resource.protocol() != Protocol::Mqtt)
            return because(tr("its trigger \"%1\" is not an MQTT topic, so every instance would see it")
                               .arg(trigger.describe()));
    }
    static const QRegularExpression previous(QStringLiteral("\\bprevious\\b"));
    QStringList scripts = {condition, transform};
    for (const RuleAction &action : actions)
        scripts.append(action.expression);
    for (const QString &script : scripts) {
        if (script.contains(previous))
            return because(tr("a script uses \"previous\", the value before this message, which another instance may have had"));
    }
    if (isBridge && bothWays)
        return because(tr("a bridge both ways filters the updates it caused itself, which another instance would not know"));
    return false;
}

ResourceId Rule::mapBridge(const ResourceId &from, const ResourceId &to, const ResourceId &source)
{
    const bool fromWild = from.protocol() == Protocol::Mqtt && isFilterTopic(from.topic());
    if (!fromWild)
        return source == from ? to : ResourceId();
    RuleTrigger trigger;
    trigger.resource = from;
    if (!trigger.matches(source))
        return {};
    // The relative path under the subtree's fixed levels.
    QStringList base = from.topic().split(QLatin1Char('/'));
    base.removeLast(); // '#'
    const QStringList levels = source.topic().split(QLatin1Char('/'));
    const QStringList relative = levels.mid(base.size());
    QString toBase = to.topic();
    if (toBase.endsWith(QLatin1String("/#")))
        toBase.chop(2);
    else if (toBase == QLatin1String("#"))
        toBase.clear();
    if (to.protocol() == Protocol::Mqtt) {
        QString topic = toBase;
        for (const QString &level : relative)
            topic += (topic.isEmpty() ? QString() : QStringLiteral("/")) + level;
        return ResourceId::fromTopic(to.endpoint(), topic);
    }
    ResourceId target = to;
    for (const QString &level : relative)
        target = target.child(level);
    return target;
}

QJsonObject Rule::toJson() const
{
    QJsonObject out = json;
    out.insert(QStringLiteral("enabled"), enabled);
    if (!isBridge) {
        out.insert(QStringLiteral("name"), name);
        out.insert(QStringLiteral("mode"), modeName(mode));
    }
    return out;
}

std::optional<QList<Rule>> RuleSet::parse(const QJsonArray &rules, RuleProblem *problem, ScriptChecker checkScript)
{
    Parser parser(problem, checkScript);
    QList<Rule> out;
    QSet<QString> ids;
    for (qsizetype i = 0; i < rules.size(); ++i) {
        const QStringList at = {QStringLiteral("rules"), QString::number(i)};
        if (!rules.at(i).isObject()) {
            parser.fail(at, tr("a rule must be an object, not %1").arg(Workspace::typeName(rules.at(i))));
            return std::nullopt;
        }
        Rule rule;
        if (!parser.rule(rules.at(i).toObject(), at, &rule))
            return std::nullopt;
        if (ids.contains(rule.id)) {
            parser.fail(at + QStringList{rule.json.contains(QLatin1String("id")) ? QStringLiteral("id") : QStringLiteral("name")},
                        tr("two rules are called \"%1\" (give one an \"id\")").arg(rule.id));
            return std::nullopt;
        }
        ids.insert(rule.id);
        out.append(rule);
    }
    for (qsizetype i = 0; i < out.size(); ++i) {
        for (qsizetype j = 0; j < out.at(i).actions.size(); ++j) {
            const RuleAction &action = out.at(i).actions.at(j);
            if ((action.kind == RuleAction::Kind::Enable || action.kind == RuleAction::Kind::Disable)
                && !ids.contains(action.rule)) {
                parser.fail({QStringLiteral("rules"), QString::number(i), QStringLiteral("actions"), QString::number(j),
                             action.kindName()},
                            tr("no rule is called \"%1\"").arg(action.rule));
                return std::nullopt;
            }
        }
    }
    return out;
}

std::optional<Rule> RuleSet::parseRule(const QJsonObject &json, RuleProblem *problem, ScriptChecker checkScript)
{
    Parser parser(problem, checkScript);
    Rule rule;
    if (!parser.rule(json, {}, &rule))
        return std::nullopt;
    return rule;
}

QStringList RuleSet::warnings(const QList<Rule> &rules)
{
    auto triggeredBy = [](const Rule &rule, const ResourceId &written) {
        for (const RuleTrigger &trigger : rule.triggers) {
            if (trigger.matches(written))
                return true;
        }
        return false;
    };
    QStringList out;
    for (qsizetype i = 0; i < rules.size(); ++i) {
        const Rule &a = rules.at(i);
        for (const ResourceId &written : a.writes()) {
            // A rule triggering itself (not a bridge both ways: it has its loop filter).
            if (!a.isBridge && triggeredBy(a, written))
                out.append(tr("rule \"%1\" writes %2, which triggers itself: a loop that the chain limit "
                              "(8) and the rate limit (100 runs in 10 s) will have to stop")
                               .arg(a.name, written.toString()));
        }
        for (qsizetype j = i + 1; j < rules.size(); ++j) {
            const Rule &b = rules.at(j);
            bool aToB = false;
            bool bToA = false;
            for (const ResourceId &written : a.writes())
                aToB = aToB || triggeredBy(b, written);
            for (const ResourceId &written : b.writes())
                bToA = bToA || triggeredBy(a, written);
            if (aToB && bToA)
                out.append(tr("rules \"%1\" and \"%2\" write each other's triggers: a ping-pong that the chain "
                              "limit (8) and the rate limit (100 runs in 10 s) will have to stop")
                               .arg(a.name, b.name));
        }
    }
    return out;
}

QJsonArray RuleSet::toJson(const QList<Rule> &rules)
{
    QJsonArray out;
    for (const Rule &rule : rules)
        out.append(rule.toJson());
    return out;
}

} // namespace thingscape
