#pragma once

#include <QFrame>
#include <QJsonObject>

class QAbstractItemModel;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLineEdit;
class QTimeEdit;
class QToolButton;

namespace thingscape {

class ResourceUriEdit;

// One trigger of a rule in the form: its kind and the fields that kind has (resource, field,
// above / below, hysteresis, for, stale, endpoint and state, every, at). json() is the trigger
// as the workspace keeps it, unknown keys kept.
class TriggerEditor : public QFrame
{
    Q_OBJECT

public:
    TriggerEditor(QAbstractItemModel *knownUris, QWidget *parent = nullptr);

    QJsonObject json() const;
    // Shows json without edited().
    void setJson(const QJsonObject &json);
    QString kindKey() const;
    // The trigger's resource ("" for schedules and endpoint states).
    QString resource() const;

    ResourceUriEdit *resourceEdit() const { return m_resource; }

Q_SIGNALS:
    // A change by the user; key names what changed (successive changes of one field merge into
    // one undo step).
    void edited(const QString &key);
    void removeRequested();

private:
    void showKind();

    QJsonObject m_json;
    bool m_updating = false;
    QFormLayout *m_form;
    QComboBox *m_kind;
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
    QToolButton *m_remove;
};

} // namespace thingscape
