#include "ruletrace.h"

#include <QDateTime>
#include <QJsonArray>

namespace thingscape {

QJsonObject RuleTrace::toJson() const
{
    QJsonObject json;
    json.insert(QStringLiteral("rule"), rule);
    json.insert(QStringLiteral("time"), QDateTime::fromMSecsSinceEpoch(timeMs, Qt::UTC).toString(Qt::ISODateWithMs));
    json.insert(QStringLiteral("trigger"), trigger);
    json.insert(QStringLiteral("value"), value.isUndefined() ? QJsonValue() : value);
    json.insert(QStringLiteral("condition"), condition.isUndefined() ? QJsonValue() : condition);
    QJsonArray actionArray;
    for (const RuleActionTrace &action : actions) {
        QJsonObject a;
        a.insert(QStringLiteral("action"), action.action);
        a.insert(QStringLiteral("target"), action.target);
        a.insert(QStringLiteral("ok"), action.ok);
        a.insert(QStringLiteral("error"), action.error.isEmpty() ? QJsonValue() : QJsonValue(action.error));
        if (!action.detail.isEmpty())
            a.insert(QStringLiteral("detail"), action.detail);
        a.insert(QStringLiteral("ms"), action.durationMs);
        actionArray.append(a);
    }
    json.insert(QStringLiteral("actions"), actionArray);
    if (!error.isEmpty())
        json.insert(QStringLiteral("error"), error);
    json.insert(QStringLiteral("depth"), depth);
    json.insert(QStringLiteral("ms"), durationMs);
    if (dryRun)
        json.insert(QStringLiteral("dryRun"), true);
    return json;
}

} // namespace thingscape
