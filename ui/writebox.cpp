#include "writebox.h"

#include "model/codecs/codecs.h"
#include "model/resource.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QKeyEvent>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace thingscape {

namespace {

// Larger values are not copied into the text editor on every update.
constexpr qsizetype kMaxPrefillBytes = 64 * 1024;

QString liveText(const Value &value)
{
    const QString state = WriteSpec::stateText(value);
    return state.isEmpty() ? value.shortText(120) : state;
}

bool sameShape(const WriteSpec &a, const WriteSpec &b)
{
    return a.editor == b.editor && a.readOnly == b.readOnly && a.readOnlyReason == b.readOnlyReason
        && a.onPayload == b.onPayload && a.offPayload == b.offPayload && a.onState == b.onState
        && a.offState == b.offState && a.switchFormat == b.switchFormat && a.choices == b.choices
        && a.minimum == b.minimum && a.maximum == b.maximum && a.step == b.step && a.integer == b.integer;
}

bool isJsonLiteral(const QString &text)
{
    bool number = false;
    text.toDouble(&number);
    return number || text == QLatin1String("true") || text == QLatin1String("false") || text == QLatin1String("null");
}

} // namespace

WriteBox::WriteBox(QWidget *parent)
    : QWidget(parent)
    , m_stack(new QStackedWidget(this))
    , m_number(new QDoubleSpinBox(this))
    , m_switch(new QCheckBox(tr("On"), this))
    , m_choice(new QComboBox(this))
    , m_text(new QPlainTextEdit(this))
    , m_options(new QWidget(this))
    , m_format(new QComboBox(m_options))
    , m_qos(new QComboBox(m_options))
    , m_retain(new QCheckBox(tr("&Retain"), m_options))
    , m_write(new QPushButton(tr("&Write"), m_options))
    , m_changed(new QLabel(this))
    , m_takeLive(new QPushButton(tr("Use the current value"), this))
    , m_status(new QLabel(this))
{
    setObjectName(QStringLiteral("writeBox"));
    m_number->setObjectName(QStringLiteral("writeNumber"));
    m_switch->setObjectName(QStringLiteral("writeSwitch"));
    m_choice->setObjectName(QStringLiteral("writeChoice"));
    m_text->setObjectName(QStringLiteral("writeText"));
    m_write->setObjectName(QStringLiteral("writeButton"));
    m_status->setObjectName(QStringLiteral("writeStatus"));
    m_changed->setObjectName(QStringLiteral("writeValueChanged"));
    m_takeLive->setObjectName(QStringLiteral("writeTakeLive"));
    m_number->setDecimals(3);
    m_number->setRange(-1e12, 1e12);
    m_number->setKeyboardTracking(true);
    m_text->setTabChangesFocus(true);
    m_text->setMaximumHeight(90);
    m_text->setPlaceholderText(tr("Value to write (Return writes, Shift+Return starts a new line)"));
    m_switch->setToolTip(tr("Writes as soon as it is switched"));
    m_format->addItem(tr("Text"), QStringLiteral("text"));
    m_format->addItem(tr("JSON"), QStringLiteral("json"));
    m_format->addItem(tr("CBOR (from JSON)"), QStringLiteral("cbor"));
    m_format->setToolTip(tr("How the text is encoded"));
    for (int qos = 0; qos <= 2; ++qos)
        m_qos->addItem(tr("QoS %1").arg(qos), qos);
    for (QLabel *label : {m_status, m_changed}) {
        label->setTextFormat(Qt::PlainText);
        label->setWordWrap(true);
    }
    m_changed->hide();
    m_takeLive->hide();

    // The editor takes the height it needs, never the details view's spare room.
    m_stack->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
    m_stack->addWidget(m_number);
    m_stack->addWidget(m_switch);
    m_stack->addWidget(m_choice);
    m_stack->addWidget(m_text);

    auto *options = new QHBoxLayout(m_options);
    options->setContentsMargins(0, 0, 0, 0);
    options->addWidget(m_format);
    options->addWidget(m_qos);
    options->addWidget(m_retain);
    options->addStretch();
    options->addWidget(m_write);

    auto *changed = new QHBoxLayout;
    changed->addWidget(m_changed, 1);
    changed->addWidget(m_takeLive);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_stack);
    layout->addWidget(m_options);
    layout->addLayout(changed);
    layout->addWidget(m_status);

    for (QWidget *editor : {static_cast<QWidget *>(m_number), static_cast<QWidget *>(m_switch),
                            static_cast<QWidget *>(m_choice), static_cast<QWidget *>(m_text)})
        editor->installEventFilter(this);

    connect(m_text, &QPlainTextEdit::textChanged, this, [this] {
        markEdited();
        validate();
    });
    connect(m_number, &QDoubleSpinBox::valueChanged, this, [this] {
        markEdited();
        validate();
    });
    // activated / clicked come from the user only, never from fill().
    connect(m_choice, &QComboBox::activated, this, [this] {
        markEdited();
        validate();
    });
    connect(m_switch, &QCheckBox::clicked, this, [this] {
        markEdited();
        submit();
    });
    connect(m_format, &QComboBox::currentIndexChanged, this, [this] {
        if (m_spec.editor == Editor::Text || m_spec.editor == Editor::Json)
            m_spec.editor = m_format->currentData().toString() == QLatin1String("text") ? Editor::Text : Editor::Json;
        validate();
    });
    connect(m_write, &QPushButton::clicked, this, &WriteBox::submit);
    connect(m_takeLive, &QPushButton::clicked, this, [this] {
        m_edited = false;
        followLive();
    });
    clear(tr("Select a resource to write to it."));
}

void WriteBox::clear(const QString &why)
{
    // Nothing writable: no editor with a stale number in it, only the reason.
    m_filling = true;
    m_number->setValue(0);
    m_switch->setChecked(false);
    m_choice->clear();
    m_text->clear();
    m_filling = false;
    m_stack->hide();
    m_options->hide();
    m_changed->hide();
    m_takeLive->hide();
    m_edited = false;
    m_busy = false;
    m_status->setText(why);
    m_showingValidationError = false;
}

void WriteBox::setResource(const Resource *resource)
{
    m_edited = false;
    m_busy = false;
    m_hasLive = false;
    m_liveCount = ~0ull;
    m_live = Value();
    if (!resource) {
        m_id = ResourceId();
        m_spec = WriteSpec();
        clear(tr("Select a resource to write to it."));
        return;
    }
    m_id = resource->id();
    m_spec = WriteSpec::forResource(*resource);
    m_contentFormat = resource->metadata().contentFormat.valueOr(ContentFormat::Unknown);
    if (resource->hasValue()) {
        m_live = resource->value();
        m_hasLive = true;
        m_liveCount = resource->updateCount();
    }
    if (m_spec.readOnly) {
        clear(m_spec.readOnlyReason);
        return;
    }
    m_status->clear();
    m_showingValidationError = false;
    applySpec(m_spec, m_id.protocol() == Protocol::Mqtt);
    followLive();
}

void WriteBox::updateFrom(const Resource *resource)
{
    if (!resource || resource->id() != m_id) {
        setResource(resource);
        return;
    }
    const WriteSpec spec = WriteSpec::forResource(*resource);
    m_contentFormat = resource->metadata().contentFormat.valueOr(ContentFormat::Unknown);
    // New metadata that changes what may be written (a Homie $settable arriving, a Thing's
    // enum) takes effect; an edit survives only a change of value.
    if (!sameShape(spec, m_spec) && (!m_edited || spec.readOnly || spec.editor != m_spec.editor)) {
        setResource(resource);
        return;
    }
    m_spec.stepped = spec.stepped;
    if (resource->hasValue() && resource->updateCount() != m_liveCount) {
        m_live = resource->value();
        m_hasLive = true;
        m_liveCount = resource->updateCount();
        followLive();
    }
}

void WriteBox::applySpec(const WriteSpec &spec, bool mqtt)
{
    m_filling = true;
    switch (spec.editor) {
    case Editor::Choice:
        m_choice->clear();
        m_choice->addItems(spec.choices);
        m_choice->setCurrentIndex(-1);
        m_stack->setCurrentWidget(m_choice);
        break;
    case Editor::Switch:
        m_switch->setChecked(false);
        m_switch->setText(tr("On (writes %1 / %2)")
                              .arg(QString::fromUtf8(spec.onPayload), QString::fromUtf8(spec.offPayload)));
        m_stack->setCurrentWidget(m_switch);
        break;
    case Editor::Number: {
        int decimals = spec.integer ? 0 : 3;
        if (!spec.integer && spec.step > 0)
            decimals = std::clamp(int(std::ceil(-std::log10(spec.step) - 1e-9)), 0, 6);
        m_number->setDecimals(decimals);
        m_number->setRange(spec.minimum, spec.maximum);
        m_number->setSingleStep(spec.step > 0 ? spec.step : 1.0);
        m_number->setValue(std::clamp(0.0, spec.minimum, spec.maximum));
        m_stack->setCurrentWidget(m_number);
        break;
    }
    case Editor::Text:
    case Editor::Json:
        m_text->clear();
        m_format->setCurrentIndex(spec.editor == Editor::Json ? 1 : 0);
        m_stack->setCurrentWidget(m_text);
        break;
    }
    m_filling = false;
    // Only the shown editor counts for the stack's size.
    for (int i = 0; i < m_stack->count(); ++i)
        m_stack->widget(i)->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
    m_stack->currentWidget()->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
    const bool text = spec.editor == Editor::Text || spec.editor == Editor::Json;
    m_stack->setMaximumHeight(text ? 90 : m_stack->currentWidget()->sizeHint().height());
    m_stack->show();
    m_options->show();
    m_format->setVisible(text);
    m_qos->setVisible(mqtt);
    m_retain->setVisible(mqtt);
    m_write->show();
    validate();
}

void WriteBox::fill(const Value &value)
{
    m_filling = true;
    switch (m_spec.editor) {
    case Editor::Switch:
        m_switch->setChecked(m_spec.isOn(value));
        break;
    case Editor::Choice:
        m_choice->setCurrentIndex(int(m_spec.choices.indexOf(WriteSpec::stateText(value))));
        break;
    case Editor::Number: {
        bool ok = false;
        double v = value.toDouble(&ok);
        if (!ok)
            v = WriteSpec::stateText(value).toDouble(&ok);
        if (ok)
            m_number->setValue(v);
        break;
    }
    case Editor::Text:
    case Editor::Json:
        if (value.raw.size() > kMaxPrefillBytes)
            m_text->clear();
        else if (m_spec.editor == Editor::Text && value.kind() == ValueKind::String)
            m_text->setPlainText(value.decoded.toString());
        else if (value.kind() != ValueKind::None)
            m_text->setPlainText(codecs::prettyText(value));
        break;
    }
    m_filling = false;
    validate();
}

void WriteBox::followLive()
{
    if (!m_edited) {
        m_changed->hide();
        m_takeLive->hide();
        if (m_hasLive && !m_busy)
            fill(m_live);
        return;
    }
    if (!m_hasLive)
        return;
    const QString now = liveText(m_live);
    if (now == m_editedFrom) {
        m_changed->hide();
        m_takeLive->hide();
        return;
    }
    m_changed->setText(tr("The value changed to %1 since you began editing; Write sends your edit.").arg(now));
    m_changed->show();
    m_takeLive->show();
}

void WriteBox::markEdited()
{
    if (m_filling || m_edited)
        return;
    m_edited = true;
    m_editedFrom = m_hasLive ? liveText(m_live) : QString();
}

bool WriteBox::payload(QByteArray *out, WriteOptions *options, QString *error) const
{
    options->qos = m_qos->currentData().toInt();
    options->retain = m_retain->isChecked();
    const bool json = m_contentFormat == ContentFormat::Json;
    switch (m_spec.editor) {
    case Editor::Number: {
        const double v = m_number->value();
        *out = (m_number->decimals() == 0 || v == double(qint64(v))) ? QByteArray::number(qint64(v))
                                                                     : QByteArray::number(v, 'g', 12);
        options->contentFormat = json ? ContentFormat::Json : ContentFormat::Text;
        return true;
    }
    case Editor::Switch:
        *out = m_switch->isChecked() ? m_spec.onPayload : m_spec.offPayload;
        options->contentFormat = m_spec.switchFormat;
        return true;
    case Editor::Choice: {
        if (m_choice->currentIndex() < 0) {
            if (error)
                *error = tr("Choose a value.");
            return false;
        }
        const QString choice = m_choice->currentText();
        // A Thing that speaks JSON gets a JSON string.
        if (json && !isJsonLiteral(choice)) {
            *out = QJsonDocument::fromVariant(QVariantList{choice}).toJson(QJsonDocument::Compact);
            *out = out->mid(1, out->size() - 2);
            options->contentFormat = ContentFormat::Json;
        } else {
            *out = choice.toUtf8();
            options->contentFormat = json ? ContentFormat::Json : ContentFormat::Text;
        }
        return true;
    }
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
    if (!m_id.isValid() || m_spec.readOnly) {
        m_write->setEnabled(false);
        return;
    }
    QByteArray bytes;
    WriteOptions options;
    QString error;
    const bool ok = payload(&bytes, &options, &error);
    m_write->setEnabled(ok && !m_busy);
    if (!ok && m_edited) {
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
    if (!m_id.isValid() || m_spec.readOnly) {
        if (m_spec.readOnly)
            m_status->setText(m_spec.readOnlyReason);
        return;
    }
    if (m_busy)
        return;
    if (m_spec.editor == Editor::Number)
        m_number->interpretText();
    QByteArray bytes;
    WriteOptions options;
    QString error;
    if (!payload(&bytes, &options, &error)) {
        m_status->setText(error);
        m_showingValidationError = true;
        return;
    }
    setBusy(true);
    m_showingValidationError = false;
    m_status->setText(tr("Writing…"));
    Q_EMIT writeRequested(m_id, bytes, options);
}

void WriteBox::focusEditor()
{
    if (m_stack->isVisible()) {
        if (QWidget *editor = m_stack->currentWidget())
            editor->setFocus();
    }
}

void WriteBox::setBusy(bool busy)
{
    m_busy = busy;
    m_write->setEnabled(!busy && m_id.isValid() && !m_spec.readOnly);
}

void WriteBox::showResult(const Result &result)
{
    setBusy(false);
    if (result.ok()) {
        m_status->setText(result.notice.isEmpty() ? tr("Written.") : tr("Written: %1").arg(result.notice));
        // What was written stays shown until the resource reports its next value.
        m_edited = false;
        m_changed->hide();
        m_takeLive->hide();
    } else {
        m_status->setText(tr("Write failed: %1").arg(result.error));
        // A switch shows what the resource is, not what failed; a typed edit stays to be fixed.
        if (m_spec.editor == Editor::Switch) {
            m_edited = false;
            followLive();
        }
    }
    validate();
}

bool WriteBox::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::KeyPress) {
        auto *key = static_cast<QKeyEvent *>(event);
        const bool enter = key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter;
        const bool plain = !(key->modifiers() & (Qt::ShiftModifier | Qt::ControlModifier | Qt::AltModifier));
        if (enter && plain) {
            if (watched == m_switch) {
                m_switch->click();
                return true;
            }
            submit();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace thingscape
