#include "rulepartframe.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QToolButton>

namespace thingscape {

RulePartFrame::RulePartFrame(const QString &objectName, const QString &removeTip, QWidget *parent)
    : QFrame(parent)
    , m_form(new QFormLayout)
    , m_kind(new QComboBox(this))
    , m_remove(new QToolButton(this))
{
    setObjectName(objectName);
    setFrameShape(QFrame::StyledPanel);
    m_remove->setText(tr("Remove"));
    m_remove->setToolTip(removeTip);
    m_form->setContentsMargins(6, 6, 6, 6);
    m_form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    setLayout(m_form);
    connect(m_remove, &QToolButton::clicked, this, &RulePartFrame::removeRequested);
}

QString RulePartFrame::kindKey() const
{
    return m_kind->currentData().toString();
}

void RulePartFrame::addKindRow(const QString &label, const QList<QWidget *> &buttons)
{
    auto *row = new QWidget(this);
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_kind, 1);
    for (QWidget *button : buttons)
        layout->addWidget(button);
    layout->addWidget(m_remove);
    m_form->addRow(label, row);
    // Connected once the kinds are in: filling the combo box is no change.
    connect(m_kind, &QComboBox::currentIndexChanged, this, [this] {
        showKind();
        report(QStringLiteral("kind"));
    });
}

void RulePartFrame::report(const QString &key)
{
    if (!m_updating)
        Q_EMIT edited(key);
}

} // namespace thingscape
