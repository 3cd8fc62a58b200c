#include "writebox.h"

#include "model/codecs/codecs.h"
#include "model/resource.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <limits>

namespace thingscape {

WriteBox::WriteBox(QWidget *parent)
    : QWidget(parent)
    , m_stack(new QStackedWidget(this))
    , m_number(new QDoubleSpinBox(this))
    , m_switch(new QCheckBox(tr("On"), this))
    , m_choice(new QComboBox(this))
    , m_text(new QPlainTextEdit(this))
    , m_format(new QComboBox(this))
    , m_qos(new QComboBox(this))
    , m_retain(new QCheckBox(tr("&Retain"), this))
    , m_write(new QPushButton(tr("&Write"), this))
    , m_status(new QLabel(this))
{
    m_number->setObjectName(QStringLiteral("writeNumber"));
    m_switch->setObjectName(QStringLiteral("writeSwitch"));
    m_choice->setObjectName(QStringLiteral("writeChoice"));
    m_text->setObjectName(QStringLiteral("writeText"));
    m_write->setObjectName(QStringLiteral("writeButton"));
    m_status->setObjectName(QStringLiteral("writeStatus"));
    m_number->setDecimals(3);
    m_number->setRange(-1e12, 1e12);
    m_text->setTabChangesFocus(true);
    m_text->setMaximumHeight(90);
    m_text->setPlaceholderText(tr("Value to write"));
    m_format->addItem(tr("Text"), QStringLiteral("text"));
    m_format->addItem(tr("JSON"), QStringLiteral("json"));
    m_format->addItem(tr("CBOR (from JSON)"), QStringLiteral("cbor"));
    m_format->setToolTip(tr("How the text is encoded"));
    for (int qos = 0; qos <= 2; ++qos)
        m_qos->addItem(tr("QoS %1").arg(qos), qos);
    m_status->setTextFormat(Qt::PlainText);
    m_status->setWordWrap(true);

    // The editor takes the height it needs, never the details view's spare room.
    m_stack->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
    m_stack->addWidget(m_number);
    m_stack->addWidget(m_switch);
    m_stack->addWidget(m_choice);
    m_stack->addWidget(m_text);

    auto *options = new QHBoxLayout;
    options->addWidget(m_format);
    options->addWidget(m_qos);
    options->addWidget(m_retain);
    options->addStretch();
    options->addWidget(m_write);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_stack);
    layout->addLayout(options);
    layout->addWidget(m_status);

    connect(m_text, &QPlainTextEdit::textChanged, this, &WriteBox::validate);
    connect(m_format, &QComboBox::currentIndexChanged, this, [this] {
        m_editor = m_format->currentData().toString() == QLatin1String("text") ? Editor::Text : Editor::Json;
        validate();
    });
    connect(m_write, &QPushButton::clicked, this, &WriteBox::submit);
    setEnabled(false);
}

void WriteBox::setResource(const Resource *resource)
{
    m_status->clear();
    if (!resource) {
        m_id = ResourceId();
        setEnabled(false);
        return;
    }
    const bool sameResource = resource->id() == m_id;
    m_id = resource->id();
    // What discovery says is read-only is not offered for writing (unknown stays writable).
    const Sourced<bool> &writable = resource->metadata().writable;
    const bool readOnly = writable.isSet() && !*writable;
    setEnabled(!readOnly);
    // A read-only resource shows why, not an editor.
    for (QWidget *w : {static_cast<QWidget *>(m_stack), static_cast<QWidget *>(m_write)})
        w->setVisible(!readOnly);
    if (readOnly) {
        m_format->hide();
        m_qos->hide();
        m_retain->hide();
        m_status->setText(tr("Read-only (%1 says so).").arg(metaSourceName(writable.source)));
        m_id = ResourceId(); // re-evaluated when selected again
        return;
    }
    const bool mqtt = m_id.protocol() == Protocol::Mqtt;
    m_qos->setVisible(mqtt);
    m_retain->setVisible(mqtt);
    if (sameResource)
        return;

    const Metadata &meta = resource->metadata();
    const QString type = meta.extra.value(QStringLiteral("type")).toString(
        meta.extra.value(QStringLiteral("datatype")).toString());
    const QJsonArray choices = meta.extra.value(QStringLiteral("enum")).toArray();
    const bool hasValue = resource->hasValue();
    const ValueKind kind = hasValue ? resource->value().kind() : ValueKind::None;

    if (!choices.isEmpty()) {
        m_choice->clear();
        for (const QJsonValue &choice : choices)
            m_choice->addItem(choice.isString() ? choice.toString() : QString::number(choice.toDouble()));
        setEditor(Editor::Choice);
    } else if (type == QLatin1String("boolean") || (type.isEmpty() && kind == ValueKind::Bool)) {
        m_switch->setChecked(hasValue && resource->value().decoded.toBool());
        setEditor(Editor::Switch);
    } else if (type == QLatin1String("number") || type == QLatin1String("integer") || type == QLatin1String("float")
               || (type.isEmpty() && kind == ValueKind::Number)) {
        const bool integer = type == QLatin1String("integer");
        m_number->setDecimals(integer ? 0 : 3);
        const double lo = meta.extra.value(QStringLiteral("minimum")).toDouble(-1e12);
        const double hi = meta.extra.value(QStringLiteral("maximum")).toDouble(1e12);
        m_number->setRange(lo, hi);
        m_number->setValue(hasValue ? resource->value().toDouble() : std::max(lo, 0.0));
        setEditor(Editor::Number);
    } else {
        const bool json = kind == ValueKind::Structure || type == QLatin1String("object")
            || type == QLatin1String("array");
        m_format->setCurrentIndex(json ? 1 : 0);
        m_text->setPlainText(hasValue && kind == ValueKind::String ? resource->value().decoded.toString()
                             : hasValue && json                    ? codecs::prettyText(resource->value())
                                                                   : QString());
        setEditor(json ? Editor::Json : Editor::Text);
    }
}

void WriteBox::setEditor(Editor editor)
{
    m_editor = editor;
    // Only the shown editor counts for the stack's size.
    for (int i = 0; i < m_stack->count(); ++i)
        m_stack->widget(i)->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
    switch (editor) {
    case Editor::Number:
        m_stack->setCurrentWidget(m_number);
        break;
    case Editor::Switch:
        m_stack->setCurrentWidget(m_switch);
        break;
    case Editor::Choice:
        m_stack->setCurrentWidget(m_choice);
        break;
    case Editor::Text:
    case Editor::Json:
        m_stack->setCurrentWidget(m_text);
        break;
    }
    m_stack->currentWidget()->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
    m_stack->setMaximumHeight(editor == Editor::Text || editor == Editor::Json ? 90 : m_stack->currentWidget()->sizeHint().height());
    m_format->setVisible(editor == Editor::Text || editor == Editor::Json);
    validate();
}

bool WriteBox::payload(QByteArray *out, WriteOptions *options, QString *error) const
{
    options->qos = m_qos->currentData().toInt();
    options->retain = m_retain->isChecked();
    switch (m_editor) {
    case Editor::Number: {
        const double v = m_number->value();
        *out = (m_number->decimals() == 0 || v == double(qint64(v))) ? QByteArray::number(qint64(v))
                                                                     : QByteArray::number(v, 'g', 12);
        options->contentFormat = ContentFormat::Text;
        return true;
    }
    case Editor::Switch:
        *out = m_switch->isChecked() ? QByteArrayLiteral("true") : QByteArrayLiteral("false");
        options->contentFormat = ContentFormat::Json;
        return true;
    case Editor::Choice:
        *out = m_choice->currentText().toUtf8();
        options->contentFormat = ContentFormat::Text;
        return true;
    case Editor::Text:
    case Editor::Json: {
        int contentFormat = ContentFormat::Unknown;
        if (!codecs::encode(m_text->toPlainText(), m_format->currentData().toString(), out, &contentFormat, error))
            return false;
        options->contentFormat = contentFormat;
        return true;
    }
    }
    return false;
}

void WriteBox::validate()
{
    QByteArray bytes;
    WriteOptions options;
    QString error;
    const bool ok = payload(&bytes, &options, &error);
    m_write->setEnabled(ok && m_id.isValid());
    if (!ok) {
        m_status->setText(error);
        m_showingValidationError = true;
    } else if (m_showingValidationError) {
        // A write result stays shown; only a stale validation message goes.
        m_status->clear();
        m_showingValidationError = false;
    }
}

void WriteBox::submit()
{
    QByteArray bytes;
    WriteOptions options;
    QString error;
    if (!m_id.isValid() || !payload(&bytes, &options, &error)) {
        m_status->setText(error);
        return;
    }
    setBusy(true);
    m_showingValidationError = false;
    m_status->setText(tr("Writing…"));
    Q_EMIT writeRequested(m_id, bytes, options);
}

void WriteBox::focusEditor()
{
    if (QWidget *editor = m_stack->currentWidget())
        editor->setFocus();
}

void WriteBox::setBusy(bool busy)
{
    m_write->setEnabled(!busy);
}

void WriteBox::showResult(const Result &result)
{
    setBusy(false);
    if (result.ok())
        m_status->setText(result.notice.isEmpty() ? tr("Written.") : tr("Written: %1").arg(result.notice));
    else
        m_status->setText(tr("Write failed: %1").arg(result.error));
}

} // namespace thingscape
