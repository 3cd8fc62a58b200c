#pragma once

#include "rulepartframe.h"

class QAbstractItemModel;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QTimeEdit;
class QToolButton;

namespace thingscape {

class ResourceUriEdit;

// One trigger of a rule in the form: its kind and the fields that kind has (resource, field,
// above / below, hysteresis, for, stale, endpoint and state, every, at). json() is the trigger
// as the workspace keeps it, unknown keys kept.
class TriggerEditor : public RulePartFrame
{
    Q_OBJECT

public:
    TriggerEditor(QAbstractItemModel *knownUris, QWidget *parent = nullptr);

    QJsonObject json() const;
    // Shows json without edited().
    void setJson(const QJsonObject &json);
    // The trigger's resource ("" for schedules and endpoint states).
    QString resource() const;

    ResourceUriEdit *resourceEdit() const { return m_resource; }

private:
    void showKind() override;

    ResourceUriEdit *m_resource;
    QLineEdit *m_field;
    QComboBox *m_direction;
    QDoubleSpinBox *m_threshold;
    QDoubleSpinBox *m_hysteresis;
    QDoubleSpinBox *m_hold;
    QDoubleSpinBox *m_stale;
    QLineEdit *m_endpoint;
    QComboBox *m_state;
    QDoubleSpinBox *m_every;
    QTimeEdit *m_at;
};

} // namespace thingscape
