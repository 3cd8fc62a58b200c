#include "expressionedit.h"

#include "protocols/engine/ruleengine.h"

#include <QFontDatabase>
#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QTimer>
#include <QToolButton>

namespace thingscape {

namespace {

constexpr int kMaxShownChars = 300;

QString bounded(QString text)
{
    // One line, bounded: a result is peer data, never shown at any length.
    text.replace(QLatin1Char('\n'), QLatin1Char(' '));
    return text.size() > kMaxShownChars ? text.left(kMaxShownChars) + QStringLiteral("…") : text;
}

} // namespace

ExpressionEdit::ExpressionEdit(RuleEngine *rules, std::function<QString()> trigger, QWidget *parent)
    : QWidget(parent)
    , m_rules(rules)
    , m_trigger(std::move(trigger))
    , m_edit(new QLineEdit(this))
    , m_evaluate(new QToolButton(this))
    , m_status(new QLabel(this))
    , m_checkTimer(new QTimer(this))
{
    m_edit->setObjectName(QStringLiteral("expression"));
    m_edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_evaluate->setObjectName(QStringLiteral("evaluateNow"));
    m_evaluate->setText(tr("Evaluate now"));
    m_evaluate->setToolTip(tr("Evaluate against the current values (the trigger's current value as value)"));
    m_status->setObjectName(QStringLiteral("expressionStatus"));
    m_status->setTextFormat(Qt::PlainText);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *layout = new QGridLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setHorizontalSpacing(4);
    layout->setVerticalSpacing(2);
    layout->addWidget(m_edit, 0, 0);
    layout->addWidget(m_evaluate, 0, 1);
    layout->addWidget(m_status, 1, 0, 1, 2);
    m_status->hide();

    // Checked a moment after the last key.
    m_checkTimer->setSingleShot(true);
    m_checkTimer->setInterval(200);
    connect(m_checkTimer, &QTimer::timeout, this, &ExpressionEdit::check);
    connect(m_edit, &QLineEdit::textEdited, this, [this](const QString &text) {
        m_checkTimer->start();
        Q_EMIT edited(text);
    });
    connect(m_evaluate, &QToolButton::clicked, this, &ExpressionEdit::evaluateNow);
}

QString ExpressionEdit::text() const
{
    return m_edit->text();
}

void ExpressionEdit::setText(const QString &text)
{
    if (m_edit->text() == text)
        return;
    m_edit->setText(text);
    check();
}

void ExpressionEdit::setPlaceholderText(const QString &text)
{
    m_edit->setPlaceholderText(text);
}

QString ExpressionEdit::result() const
{
    return m_status->isHidden() ? QString() : m_status->text();
}

void ExpressionEdit::check()
{
    m_checkTimer->stop();
    const QString text = m_edit->text();
    m_problem = text.trimmed().isEmpty() ? QString() : RuleEngine::checkExpression(text);
    if (m_problem.isEmpty()) {
        m_status->hide();
        m_status->clear();
        m_edit->setStyleSheet(QString());
    } else {
        m_status->setText(tr("Syntax error: %1").arg(bounded(m_problem)));
        m_status->show();
        m_edit->setStyleSheet(QStringLiteral("QLineEdit { border: 1px solid #c0392b; }"));
    }
}

void ExpressionEdit::evaluateNow()
{
    check();
    if (!m_problem.isEmpty())
        return;
    const QString text = m_edit->text();
    const QString trigger = m_trigger ? m_trigger() : QString();
    QString shown;
    if (text.trimmed().isEmpty()) {
        shown = tr("Empty: the trigger's value as it came");
    } else {
        const RuleEngine::Evaluation evaluation = m_rules->evaluateNow(text, trigger);
        shown = evaluation.ok ? tr("= %1").arg(bounded(evaluation.text)) : tr("Error: %1").arg(bounded(evaluation.error));
    }
    if (!trigger.isEmpty())
        shown += tr("   (value: the current value of %1)").arg(bounded(trigger));
    m_status->setText(shown);
    m_status->show();
}

} // namespace thingscape
