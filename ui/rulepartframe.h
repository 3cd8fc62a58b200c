#pragma once

#include <QFrame>
#include <QJsonObject>
#include <QList>

class QComboBox;
class QFormLayout;
class QToolButton;

namespace thingscape {

// What the form's editor of a trigger and of an action share: a frame holding a form whose
// first row is the kind (a combo box, then the editor's buttons, Remove last), the JSON it
// shows (unknown keys kept), and edited(key) for each change by the user, never while it shows
// new JSON (m_updating).
class RulePartFrame : public QFrame
{
    Q_OBJECT

public:
    QString kindKey() const;

Q_SIGNALS:
    // A change by the user; key names what changed (successive changes of one field merge into
    // one undo step).
    void edited(const QString &key);
    void removeRequested();

protected:
    // objectName: the frame's; removeTip: the Remove button's tooltip.
    RulePartFrame(const QString &objectName, const QString &removeTip, QWidget *parent);
    // The kind row under label, with buttons between the kind and Remove; after the kinds are
    // in the combo box, before the other rows.
    void addKindRow(const QString &label, const QList<QWidget *> &buttons = {});
    // edited(key) when sender emits signal (any arguments), unless the JSON is being shown.
    template<typename Sender, typename Signal>
    void reportAs(const Sender *sender, Signal signal, const QString &key)
    {
        connect(sender, signal, this, [this, key] { report(key); });
    }
    void report(const QString &key);
    // Shows the kind's fields only.
    virtual void showKind() = 0;

    QJsonObject m_json;
    bool m_updating = false;
    QFormLayout *m_form;
    QComboBox *m_kind;
    QToolButton *m_remove;
};

} // namespace thingscape
