#include "triggereditor.h"

#include "resourceuriedit.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QTime>
#include <QTimeEdit>
#include <QToolButton>

namespace thingscape {

namespace {

// Keys a trigger's kinds own: switching kind drops the old kind's.
const char *const kKindKeys[] = {"resource", "field", "above", "below", "hysteresis", "for", "stale",
                                 "offline", "endpoint", "state", "every", "at", "start"};

QDoubleSpinBox *seconds(QWidget *parent, double min)
{
    auto *spin = new QDoubleSpinBox(parent);
    spin->setRange(min, 366.0 * 86400);
    spin->setDecimals(3);
    spin->setSuffix(QStringLiteral(" s"));
    spin->setKeyboardTracking(true);
    return spin;
}

void setIf(QLineEdit *edit, const QString &text)
{
    if (edit->text() != text)
        edit->setText(text);
}

} // namespace

TriggerEditor::TriggerEditor(QAbstractItemModel *knownUris, QWidget *parent)
    : RulePartFrame(QStringLiteral("triggerEditor"), tr("Remove this trigger"), parent)
    , m_resource(new ResourceUriEdit(knownUris, this))
    , m_field(new QLineEdit(this))
    , m_direction(new QComboBox(this))
    , m_threshold(new QDoubleSpinBox(this))
    , m_hysteresis(new QDoubleSpinBox(this))
    , m_hold(seconds(this, 0))
    , m_stale(seconds(this, 0.001))
    , m_endpoint(new QLineEdit(this))
    , m_state(new QComboBox(this))
    , m_every(seconds(this, 0.001))
    , m_at(new QTimeEdit(this))
{
    m_kind->setObjectName(QStringLiteral("triggerKind"));
    m_kind->addItem(tr("Every update"), QStringLiteral("update"));
    m_kind->addItem(tr("Threshold crossed"), QStringLiteral("threshold"));
    m_kind->addItem(tr("No update for (stale)"), QStringLiteral("stale"));
    m_kind->addItem(tr("Endpoint goes offline"), QStringLiteral("offline"));
    m_kind->addItem(tr("Endpoint state"), QStringLiteral("endpoint"));
    m_kind->addItem(tr("Every … seconds"), QStringLiteral("every"));
    m_kind->addItem(tr("Daily at"), QStringLiteral("at"));
    m_kind->addItem(tr("Workspace starts"), QStringLiteral("start"));
    m_resource->setObjectName(QStringLiteral("triggerResource"));
    m_field->setObjectName(QStringLiteral("triggerField"));
    m_field->setPlaceholderText(tr("/json/pointer (optional: fires when that field changes)"));
    m_direction->setObjectName(QStringLiteral("triggerDirection"));
    m_direction->addItem(tr("above"), QStringLiteral("above"));
    m_direction->addItem(tr("below"), QStringLiteral("below"));
    m_threshold->setObjectName(QStringLiteral("triggerThreshold"));
    m_threshold->setRange(-1e12, 1e12);
    m_threshold->setDecimals(3);
    m_hysteresis->setObjectName(QStringLiteral("triggerHysteresis"));
    m_hysteresis->setRange(0, 1e12);
    m_hysteresis->setDecimals(3);
    m_hold->setObjectName(QStringLiteral("triggerFor"));
    m_stale->setObjectName(QStringLiteral("triggerStale"));
    m_endpoint->setObjectName(QStringLiteral("triggerEndpoint"));
    m_endpoint->setPlaceholderText(tr("endpoint id"));
    m_state->setObjectName(QStringLiteral("triggerState"));
    m_state->addItems({QStringLiteral("connected"), QStringLiteral("disconnected"), QStringLiteral("connecting"),
                       QStringLiteral("backing-off"), QStringLiteral("error")});
    m_every->setObjectName(QStringLiteral("triggerEvery"));
    m_at->setObjectName(QStringLiteral("triggerAt"));
    m_at->setDisplayFormat(QStringLiteral("HH:mm"));
    m_remove->setObjectName(QStringLiteral("removeTrigger"));

    auto *threshold = new QWidget(this);
    auto *thresholdLayout = new QHBoxLayout(threshold);
    thresholdLayout->setContentsMargins(0, 0, 0, 0);
    thresholdLayout->addWidget(m_direction);
    thresholdLayout->addWidget(m_threshold, 1);

    addKindRow(tr("When:"));
    m_form->addRow(tr("Resource:"), m_resource);
    m_form->addRow(tr("Field:"), m_field);
    m_form->addRow(tr("Value:"), threshold);
    m_form->addRow(tr("Hysteresis:"), m_hysteresis);
    m_form->addRow(tr("For:"), m_hold);
    m_form->addRow(tr("Stale after:"), m_stale);
    m_form->addRow(tr("Endpoint:"), m_endpoint);
    m_form->addRow(tr("State:"), m_state);
    m_form->addRow(tr("Every:"), m_every);
    m_form->addRow(tr("At:"), m_at);

    reportAs(m_resource, &ResourceUriEdit::edited, QStringLiteral("resource"));
    reportAs(m_field, &QLineEdit::textEdited, QStringLiteral("field"));
    reportAs(m_direction, &QComboBox::currentIndexChanged, QStringLiteral("direction"));
    reportAs(m_threshold, &QDoubleSpinBox::valueChanged, QStringLiteral("threshold"));
    reportAs(m_hysteresis, &QDoubleSpinBox::valueChanged, QStringLiteral("hysteresis"));
    reportAs(m_hold, &QDoubleSpinBox::valueChanged, QStringLiteral("for"));
    reportAs(m_stale, &QDoubleSpinBox::valueChanged, QStringLiteral("stale"));
    reportAs(m_endpoint, &QLineEdit::textEdited, QStringLiteral("endpoint"));
    reportAs(m_state, &QComboBox::currentIndexChanged, QStringLiteral("state"));
    reportAs(m_every, &QDoubleSpinBox::valueChanged, QStringLiteral("every"));
    reportAs(m_at, &QTimeEdit::timeChanged, QStringLiteral("at"));
    showKind();
}

QString TriggerEditor::resource() const
{
    const QString kind = kindKey();
    return kind == QLatin1String("update") || kind == QLatin1String("threshold") || kind == QLatin1String("stale")
            || kind == QLatin1String("offline")
        ? m_resource->text().trimmed()
        : QString();
}

void TriggerEditor::showKind()
{
    const QString kind = kindKey();
    const bool update = kind == QLatin1String("update");
    const bool threshold = kind == QLatin1String("threshold");
    m_form->setRowVisible(m_resource, !resource().isEmpty() || update || threshold || kind == QLatin1String("stale")
                                          || kind == QLatin1String("offline"));
    m_form->setRowVisible(m_field, update || threshold);
    m_form->setRowVisible(m_threshold->parentWidget(), threshold);
    m_form->setRowVisible(m_hysteresis, threshold);
    m_form->setRowVisible(m_hold, threshold);
    m_form->setRowVisible(m_stale, kind == QLatin1String("stale"));
    m_form->setRowVisible(m_endpoint, kind == QLatin1String("endpoint"));
    m_form->setRowVisible(m_state, kind == QLatin1String("endpoint"));
    m_form->setRowVisible(m_every, kind == QLatin1String("every"));
    m_form->setRowVisible(m_at, kind == QLatin1String("at"));
}

QJsonObject TriggerEditor::json() const
{
    QJsonObject out = m_json;
    for (const char *key : kKindKeys)
        out.remove(QLatin1String(key));
    const QString kind = kindKey();
    auto positive = [&out](const char *key, double value) {
        if (value > 0)
            out.insert(QLatin1String(key), value);
    };
    if (kind == QLatin1String("update") || kind == QLatin1String("threshold") || kind == QLatin1String("stale")
        || kind == QLatin1String("offline"))
        out.insert(QStringLiteral("resource"), m_resource->text().trimmed());
    if ((kind == QLatin1String("update") || kind == QLatin1String("threshold")) && !m_field->text().trimmed().isEmpty())
        out.insert(QStringLiteral("field"), m_field->text().trimmed());
    if (kind == QLatin1String("threshold")) {
        out.insert(m_direction->currentData().toString(), m_threshold->value());
        positive("hysteresis", m_hysteresis->value());
        positive("for", m_hold->value());
    } else if (kind == QLatin1String("stale")) {
        out.insert(QStringLiteral("stale"), m_stale->value());
    } else if (kind == QLatin1String("offline")) {
        out.insert(QStringLiteral("offline"), true);
    } else if (kind == QLatin1String("endpoint")) {
        out.insert(QStringLiteral("endpoint"), m_endpoint->text().trimmed());
        out.insert(QStringLiteral("state"), m_state->currentText());
    } else if (kind == QLatin1String("every")) {
        out.insert(QStringLiteral("every"), m_every->value());
    } else if (kind == QLatin1String("at")) {
        out.insert(QStringLiteral("at"), m_at->time().toString(QStringLiteral("HH:mm")));
    } else if (kind == QLatin1String("start")) {
        out.insert(QStringLiteral("start"), true);
    }
    return out;
}

void TriggerEditor::setJson(const QJsonObject &json)
{
    m_updating = true;
    m_json = json;
    QString kind = QStringLiteral("update");
    if (json.contains(QLatin1String("every")))
        kind = QStringLiteral("every");
    else if (json.contains(QLatin1String("at")))
        kind = QStringLiteral("at");
    else if (json.contains(QLatin1String("start")))
        kind = QStringLiteral("start");
    else if (json.contains(QLatin1String("endpoint")))
        kind = QStringLiteral("endpoint");
    else if (json.contains(QLatin1String("stale")))
        kind = QStringLiteral("stale");
    else if (json.contains(QLatin1String("offline")))
        kind = QStringLiteral("offline");
    else if (json.contains(QLatin1String("above")) || json.contains(QLatin1String("below")))
        kind = QStringLiteral("threshold");
    m_kind->setCurrentIndex(std::max(0, m_kind->findData(kind)));
    setIf(m_resource, json.value(QLatin1String("resource")).toString());
    setIf(m_field, json.value(QLatin1String("field")).toString());
    const bool below = json.contains(QLatin1String("below")) && !json.contains(QLatin1String("above"));
    m_direction->setCurrentIndex(below ? 1 : 0);
    m_threshold->setValue(json.value(below ? QLatin1String("below") : QLatin1String("above")).toDouble());
    m_hysteresis->setValue(json.value(QLatin1String("hysteresis")).toDouble());
    m_hold->setValue(json.value(QLatin1String("for")).toDouble());
    m_stale->setValue(json.value(QLatin1String("stale")).toDouble(60));
    setIf(m_endpoint, json.value(QLatin1String("endpoint")).toString());
    const int state = m_state->findText(json.value(QLatin1String("state")).toString());
    m_state->setCurrentIndex(std::max(0, state));
    m_every->setValue(json.value(QLatin1String("every")).toDouble(60));
    const QTime at = QTime::fromString(json.value(QLatin1String("at")).toString(), QStringLiteral("HH:mm"));
    m_at->setTime(at.isValid() ? at : QTime(8, 0));
    showKind();
    m_updating = false;
}

} // namespace thingscape
