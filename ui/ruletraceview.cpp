#include "ruletraceview.h"

#include "model/ruletrace.h"
#include "protocols/engine/ruleengine.h"

#include <QDateTime>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace thingscape {

namespace {

constexpr int kMaxShownChars = 200;

QString shortJson(const QJsonValue &value)
{
    QString text;
    if (value.isString())
        text = value.toString();
    else if (value.isNull() || value.isUndefined())
        text = QString();
    else if (value.isObject())
        text = QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    else if (value.isArray())
        text = QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    else
        text = value.toVariant().toString();
    // One line, bounded: payload text is never shown as rich text or at any length.
    text.replace(QLatin1Char('\n'), QLatin1Char(' '));
    return text.size() > kMaxShownChars ? text.left(kMaxShownChars) + QStringLiteral("…") : text;
}

} // namespace

RuleTraceView::RuleTraceView(RuleEngine *rules, QWidget *parent)
    : QTreeWidget(parent)
    , m_rules(rules)
{
    setObjectName(QStringLiteral("ruleTraces"));
    setHeaderLabels({tr("Time"), tr("Trigger"), tr("Value"), tr("Condition"), tr("Outcome")});
    setTextElideMode(Qt::ElideMiddle);
    setUniformRowHeights(true);
    header()->setSectionResizeMode(QHeaderView::Interactive);
    header()->setStretchLastSection(true);
    const QFontMetrics metrics = fontMetrics();
    header()->resizeSection(0, metrics.horizontalAdvance(QStringLiteral("00:00:00.000")) + 40);
    header()->resizeSection(1, metrics.horizontalAdvance(QLatin1Char('m')) * 11);
    header()->resizeSection(2, metrics.horizontalAdvance(QLatin1Char('m')) * 5);
    header()->resizeSection(3, metrics.horizontalAdvance(QStringLiteral("Condition")) + 16);
    connect(rules, &RuleEngine::traced, this, [this](const RuleTrace &trace) {
        if (!m_rule.isEmpty() && trace.rule == m_rule)
            addTrace(trace, true);
    });
}

void RuleTraceView::setRule(const QString &ruleId)
{
    m_rule = ruleId;
    clear();
    if (ruleId.isEmpty())
        return;
    const QList<RuleTrace> traces = m_rules->traces(ruleId);
    // Newest first.
    for (auto it = traces.crbegin(); it != traces.crend(); ++it)
        addTrace(*it, false);
}

void RuleTraceView::addTrace(const RuleTrace &trace, bool atTop)
{
    auto *item = new QTreeWidgetItem;
    item->setText(0, QDateTime::fromMSecsSinceEpoch(trace.timeMs).toString(QStringLiteral("HH:mm:ss.zzz")));
    item->setText(1, trace.trigger);
    item->setText(2, shortJson(trace.value));
    item->setText(3, trace.condition.isBool() ? (trace.condition.toBool() ? tr("true") : tr("false")) : QString());
    bool failed = !trace.error.isEmpty();
    for (const RuleActionTrace &action : trace.actions) {
        auto *child = new QTreeWidgetItem(item);
        child->setText(0, action.action);
        child->setText(1, action.target);
        child->setText(2, action.detail.left(kMaxShownChars));
        child->setText(4, action.ok ? tr("ok (%1 ms)").arg(action.durationMs) : tr("failed: %1").arg(action.error));
        failed = failed || !action.ok;
        for (int c = 0; c < 5; ++c)
            child->setToolTip(c, child->text(c));
    }
    QString outcome = !trace.error.isEmpty() ? trace.error
                    : failed                 ? tr("an action failed")
                    : trace.condition == QJsonValue(false) ? tr("condition false: no action")
                                                          : tr("done in %1 ms").arg(trace.durationMs);
    if (trace.dryRun)
        outcome = tr("dry run: %1").arg(outcome);
    if (trace.depth > 1)
        outcome += tr(" (chain depth %1)").arg(trace.depth);
    item->setText(4, outcome);
    for (int c = 0; c < 5; ++c)
        item->setToolTip(c, item->text(c));
    if (atTop) {
        insertTopLevelItem(0, item);
        while (topLevelItemCount() > RuleTrace::kMaxTraces)
            delete takeTopLevelItem(topLevelItemCount() - 1);
    } else {
        addTopLevelItem(item);
    }
}

} // namespace thingscape
