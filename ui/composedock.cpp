#include "composedock.h"

#include "payloadtext.h"

#include "model/codecs/codecs.h"
#include "model/codecs/jsoncbor.h"
#include "model/composehistory.h"
#include "model/resource.h"
#include "model/resourcestore.h"
#include "protocols/engine/composer.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCompleter>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QStringListModel>
#include <QTableWidget>
#include <QTabWidget>
#include <QVBoxLayout>

namespace thingscape {

namespace {

enum OptionsPage {
    MqttPage = 0,
    CoapPage = 1,
    HttpPage = 2,
};

// "0x0a0b" as bytes, anything else as its UTF-8 text.
QByteArray bytesFromField(const QString &text, bool *ok = nullptr)
{
    if (ok)
        *ok = true;
    const QString t = text.trimmed();
    if (t.startsWith(QLatin1String("0x"), Qt::CaseInsensitive)) {
        const QByteArray digits = t.mid(2).remove(QLatin1Char(' ')).toLatin1();
        bool valid = digits.size() % 2 == 0;
        for (const char c : digits)
            valid = valid && isxdigit(static_cast<unsigned char>(c));
        if (!valid && ok)
            *ok = false;
        return QByteArray::fromHex(digits);
    }
    return t.toUtf8();
}

QString fieldFromBytes(const QByteArray &bytes)
{
    if (bytes.isEmpty())
        return {};
    bool control = false;
    if (codecs::detail::findInvalidUtf8(bytes.constData(), bytes.size(), &control) < 0 && !control
        && !bytes.startsWith("0x"))
        return QString::fromUtf8(bytes);
    return QStringLiteral("0x") + QString::fromLatin1(bytes.toHex());
}

// "name: value" lines; *bad gets the first line without a colon.
QList<QPair<QString, QString>> pairLines(const QString &text, QString *bad)
{
    QList<QPair<QString, QString>> pairs;
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (const QString &raw : lines) {
        const QString line = raw.trimmed();
        if (line.isEmpty())
            continue;
        const qsizetype colon = line.indexOf(QLatin1Char(':'));
        if (colon <= 0) {
            if (bad && bad->isEmpty())
                *bad = line;
            continue;
        }
        pairs.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
    }
    return pairs;
}

QComboBox *contentFormatCombo(QWidget *parent)
{
    auto *combo = new QComboBox(parent);
    combo->setEditable(true);
    combo->addItem(QString());
    for (const int format : {0, 40, 42, 50, 60, 110, 112, 432})
        combo->addItem(QStringLiteral("%1 %2").arg(format).arg(codecs::mediaTypeForContentFormat(format)));
    return combo;
}

int comboNumber(const QComboBox *combo)
{
    const QString text = combo->currentText().trimmed().section(QLatin1Char(' '), 0, 0);
    bool ok = false;
    const int value = text.toInt(&ok);
    return ok ? value : -1;
}

void setComboNumber(QComboBox *combo, int value)
{
    if (value < 0) {
        combo->setCurrentIndex(0);
        return;
    }
    for (int i = 1; i < combo->count(); ++i) {
        if (combo->itemText(i).section(QLatin1Char(' '), 0, 0) == QString::number(value)) {
            combo->setCurrentIndex(i);
            return;
        }
    }
    combo->setEditText(QString::number(value));
}

} // namespace

ComposeDock::ComposeDock(Composer *composer, ResourceStore *store, QWidget *parent)
    : QDockWidget(tr("Compose"), parent)
    , m_composer(composer)
    , m_store(store)
{
    setObjectName(QStringLiteral("composeDock"));
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(buildRequestPane());
    splitter->addWidget(buildResponsePane());
    splitter->addWidget(buildHistoryPane());
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 3);
    splitter->setStretchFactor(2, 2);
    setWidget(splitter);

    // Ctrl+Return is the window's Write… shortcut too: inside this dock it sends, taken before
    // the window's shortcut sees it (ShortcutOverride), in every editor of the dock.
    for (QWidget *child : findChildren<QWidget *>())
        child->installEventFilter(this);

    connect(m_composer->history(), &ComposeHistory::changed, this, [this] {
        refreshHistory();
        refreshTemplates();
    });
    protocolChanged();
    validatePayload();
    refreshHistory();
    refreshTemplates();
    showResponse(ComposeResponse());
}

QWidget *ComposeDock::buildRequestPane()
{
    auto *pane = new QWidget(this);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(4, 4, 4, 4);

    auto *top = new QHBoxLayout;
    m_method = new QComboBox(pane);
    m_method->setObjectName(QStringLiteral("composeMethod"));
    m_method->setEditable(true);
    m_method->addItems({QStringLiteral("GET"), QStringLiteral("POST"), QStringLiteral("PUT"), QStringLiteral("DELETE"),
                        QStringLiteral("FETCH"), QStringLiteral("PATCH"), QStringLiteral("iPATCH")});
    m_method->setToolTip(tr("CoAP / HTTP method (MQTT always publishes)"));
    m_uri = new QLineEdit(pane);
    m_uri->setObjectName(QStringLiteral("composeUri"));
    m_uri->setPlaceholderText(tr("mqtt://host:1883/topic, coap://host/path, http://host/path"));
    m_uri->setClearButtonEnabled(true);
    m_completions = new QStringListModel(this);
    auto *completer = new QCompleter(m_completions, this);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    completer->setFilterMode(Qt::MatchContains);
    m_uri->setCompleter(completer);
    m_send = new QPushButton(tr("Send"), pane);
    m_send->setObjectName(QStringLiteral("composeSend"));
    m_send->setToolTip(tr("Send (Ctrl+Return)"));
    top->addWidget(m_method);
    top->addWidget(m_uri, 1);
    top->addWidget(m_send);
    layout->addLayout(top);
    connect(m_send, &QPushButton::clicked, this, &ComposeDock::send);
    connect(m_uri, &QLineEdit::textChanged, this, &ComposeDock::protocolChanged);
    // Completions are collected when the field is about to be used, not on every update.
    connect(m_uri, &QLineEdit::textEdited, this, [this] {
        if (!m_completionsAge.isValid() || m_completionsAge.elapsed() > 5000)
            refreshCompletions();
    });

    auto *tabs = new QTabWidget(pane);
    tabs->setObjectName(QStringLiteral("composeRequestTabs"));
    layout->addWidget(tabs, 1);

    // Payload
    auto *payloadPage = new QWidget(tabs);
    auto *payloadLayout = new QVBoxLayout(payloadPage);
    payloadLayout->setContentsMargins(2, 2, 2, 2);
    auto *formatRow = new QHBoxLayout;
    m_format = new QComboBox(payloadPage);
    m_format->setObjectName(QStringLiteral("composeFormat"));
    m_format->addItem(tr("Text"), int(ComposeRequest::PayloadFormat::Text));
    m_format->addItem(tr("JSON"), int(ComposeRequest::PayloadFormat::Json));
    m_format->addItem(tr("CBOR from JSON"), int(ComposeRequest::PayloadFormat::CborJson));
    m_format->addItem(tr("CBOR diagnostic"), int(ComposeRequest::PayloadFormat::CborDiag));
    m_format->addItem(tr("Hex"), int(ComposeRequest::PayloadFormat::Hex));
    m_format->addItem(tr("File"), int(ComposeRequest::PayloadFormat::File));
    m_pretty = new QPushButton(tr("Pretty"), payloadPage);
    m_pretty->setObjectName(QStringLiteral("composePretty"));
    m_pretty->setToolTip(tr("Indent the JSON"));
    m_file = new QPushButton(tr("File…"), payloadPage);
    m_payloadProblem = new QLabel(payloadPage);
    m_payloadProblem->setObjectName(QStringLiteral("composePayloadProblem"));
    m_payloadProblem->setTextFormat(Qt::PlainText);
    m_payloadProblem->setStyleSheet(QStringLiteral("color: #b00020"));
    formatRow->addWidget(m_format);
    formatRow->addWidget(m_pretty);
    formatRow->addWidget(m_file);
    formatRow->addWidget(m_payloadProblem, 1);
    payloadLayout->addLayout(formatRow);
    m_payload = new QPlainTextEdit(payloadPage);
    m_payload->setObjectName(QStringLiteral("composePayload"));
    m_payload->setUndoRedoEnabled(true);
    m_payload->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_payload->setPlaceholderText(tr("Payload"));
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    m_payload->setFont(mono);
    payloadLayout->addWidget(m_payload, 1);
    tabs->addTab(payloadPage, tr("Payload"));
    connect(m_format, &QComboBox::currentIndexChanged, this, &ComposeDock::validatePayload);
    connect(m_payload, &QPlainTextEdit::textChanged, this, &ComposeDock::validatePayload);
    connect(m_pretty, &QPushButton::clicked, this, &ComposeDock::prettyPrint);
    connect(m_file, &QPushButton::clicked, this, &ComposeDock::chooseFile);

    // Protocol options
    m_options = new QStackedWidget(tabs);
    m_options->setObjectName(QStringLiteral("composeOptions"));
    {
        auto *page = new QWidget(m_options);
        auto *form = new QFormLayout(page);
        m_qos = new QComboBox(page);
        m_qos->setObjectName(QStringLiteral("composeQos"));
        m_qos->addItems({QStringLiteral("0"), QStringLiteral("1"), QStringLiteral("2")});
        m_retain = new QCheckBox(tr("Retain"), page);
        m_retain->setObjectName(QStringLiteral("composeRetain"));
        auto *qosRow = new QHBoxLayout;
        qosRow->addWidget(m_qos);
        qosRow->addWidget(m_retain);
        qosRow->addStretch();
        form->addRow(tr("QoS:"), qosRow);
        m_contentType = new QLineEdit(page);
        m_contentType->setObjectName(QStringLiteral("composeContentType"));
        m_contentType->setPlaceholderText(tr("from the payload format"));
        form->addRow(tr("Content type:"), m_contentType);
        m_responseTopic = new QLineEdit(page);
        m_responseTopic->setObjectName(QStringLiteral("composeResponseTopic"));
        form->addRow(tr("Response topic:"), m_responseTopic);
        m_correlation = new QLineEdit(page);
        m_correlation->setObjectName(QStringLiteral("composeCorrelation"));
        m_correlation->setPlaceholderText(tr("text, or 0x… for bytes"));
        form->addRow(tr("Correlation data:"), m_correlation);
        m_expiry = new QSpinBox(page);
        m_expiry->setObjectName(QStringLiteral("composeExpiry"));
        m_expiry->setRange(0, std::numeric_limits<int>::max());
        m_expiry->setSpecialValueText(tr("none"));
        m_expiry->setSuffix(tr(" s"));
        form->addRow(tr("Message expiry:"), m_expiry);
        m_waitReply = new QCheckBox(tr("Wait for a reply on the response topic"), page);
        m_waitReply->setObjectName(QStringLiteral("composeWaitReply"));
        form->addRow(QString(), m_waitReply);
        m_userProperties = new QPlainTextEdit(page);
        m_userProperties->setObjectName(QStringLiteral("composeUserProperties"));
        m_userProperties->setPlaceholderText(tr("name: value, one per line"));
        m_userProperties->setMaximumHeight(60);
        form->addRow(tr("User properties:"), m_userProperties);
        m_options->addWidget(page);
    }
    {
        auto *page = new QWidget(m_options);
        auto *form = new QFormLayout(page);
        m_confirmable = new QComboBox(page);
        m_confirmable->setObjectName(QStringLiteral("composeConfirmable"));
        m_confirmable->addItems({tr("CON (confirmable)"), tr("NON")});
        form->addRow(tr("Type:"), m_confirmable);
        m_accept = contentFormatCombo(page);
        m_accept->setObjectName(QStringLiteral("composeAccept"));
        form->addRow(tr("Accept:"), m_accept);
        m_contentFormat = contentFormatCombo(page);
        m_contentFormat->setObjectName(QStringLiteral("composeContentFormat"));
        m_contentFormat->setToolTip(tr("Empty: from the payload format"));
        form->addRow(tr("Content-Format:"), m_contentFormat);
        m_etag = new QLineEdit(page);
        m_etag->setObjectName(QStringLiteral("composeEtag"));
        m_etag->setPlaceholderText(tr("text, or 0x… for bytes"));
        form->addRow(tr("ETag:"), m_etag);
        m_ifMatch = new QLineEdit(page);
        m_ifMatch->setObjectName(QStringLiteral("composeIfMatch"));
        m_ifMatch->setPlaceholderText(tr("text, or 0x… for bytes"));
        form->addRow(tr("If-Match:"), m_ifMatch);
        m_observe = new QComboBox(page);
        m_observe->setObjectName(QStringLiteral("composeObserve"));
        m_observe->addItems({tr("none"), tr("0 (register)"), tr("1 (deregister)")});
        form->addRow(tr("Observe:"), m_observe);
        m_block2 = new QComboBox(page);
        m_block2->setObjectName(QStringLiteral("composeBlock2"));
        m_block2->addItem(tr("none"), 0);
        for (const int size : {16, 32, 64, 128, 256, 512, 1024})
            m_block2->addItem(QString::number(size), size);
        form->addRow(tr("Block2 size:"), m_block2);
        m_coapOptions = new QPlainTextEdit(page);
        m_coapOptions->setObjectName(QStringLiteral("composeCoapOptions"));
        m_coapOptions->setPlaceholderText(tr("number: value (text, or 0x… for bytes), one per line"));
        m_coapOptions->setMaximumHeight(60);
        form->addRow(tr("Other options:"), m_coapOptions);
        m_options->addWidget(page);
    }
    {
        auto *page = new QWidget(m_options);
        auto *form = new QFormLayout(page);
        m_headers = new QPlainTextEdit(page);
        m_headers->setObjectName(QStringLiteral("composeHeaders"));
        m_headers->setPlaceholderText(tr("Name: value, one per line"));
        form->addRow(tr("Headers:"), m_headers);
        m_options->addWidget(page);
    }
    // Scrolled: the MQTT form is taller than a bottom dock, and must not make the window so.
    auto *optionsScroll = new QScrollArea(tabs);
    optionsScroll->setWidget(m_options);
    optionsScroll->setWidgetResizable(true);
    optionsScroll->setFrameShape(QFrame::NoFrame);
    tabs->addTab(optionsScroll, tr("Options"));

    // Repeat
    auto *repeatPage = new QWidget(tabs);
    auto *repeatForm = new QFormLayout(repeatPage);
    m_interval = new QSpinBox(repeatPage);
    m_interval->setObjectName(QStringLiteral("composeInterval"));
    m_interval->setRange(0, 3600 * 1000);
    m_interval->setValue(1000);
    m_interval->setSuffix(tr(" ms"));
    repeatForm->addRow(tr("Every:"), m_interval);
    m_count = new QSpinBox(repeatPage);
    m_count->setObjectName(QStringLiteral("composeCount"));
    m_count->setRange(0, 10'000'000);
    m_count->setValue(10);
    m_count->setSpecialValueText(tr("until stopped"));
    repeatForm->addRow(tr("Times:"), m_count);
    m_repeat = new QPushButton(tr("Start"), repeatPage);
    m_repeat->setObjectName(QStringLiteral("composeRepeat"));
    m_repeat->setCheckable(true);
    repeatForm->addRow(QString(), m_repeat);
    m_repeatState = new QLabel(repeatPage);
    m_repeatState->setObjectName(QStringLiteral("composeRepeatState"));
    m_repeatState->setTextFormat(Qt::PlainText);
    repeatForm->addRow(QString(), m_repeatState);
    auto *repeatScroll = new QScrollArea(tabs);
    repeatScroll->setWidget(repeatPage);
    repeatScroll->setWidgetResizable(true);
    repeatScroll->setFrameShape(QFrame::NoFrame);
    tabs->addTab(repeatScroll, tr("Repeat"));
    connect(m_repeat, &QPushButton::toggled, this, [this](bool on) {
        if (on)
            startRepeat();
        else
            stopRepeat();
    });
    return pane;
}

QWidget *ComposeDock::buildResponsePane()
{
    auto *pane = new QWidget(this);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(4, 4, 4, 4);
    m_status = new QLabel(pane);
    m_status->setObjectName(QStringLiteral("composeStatus"));
    m_status->setTextFormat(Qt::PlainText);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);
    m_responseTabs = new QTabWidget(pane);
    m_responseText = new QPlainTextEdit(m_responseTabs);
    m_responseText->setObjectName(QStringLiteral("composeResponseText"));
    m_responseText->setReadOnly(true);
    m_responseHex = new QPlainTextEdit(m_responseTabs);
    m_responseHex->setObjectName(QStringLiteral("composeResponseHex"));
    m_responseHex->setReadOnly(true);
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    m_responseText->setFont(mono);
    m_responseHex->setFont(mono);
    m_fields = new QTableWidget(0, 2, m_responseTabs);
    m_fields->setObjectName(QStringLiteral("composeFields"));
    m_fields->setHorizontalHeaderLabels({tr("Option / header"), tr("Value")});
    m_fields->horizontalHeader()->setStretchLastSection(true);
    m_fields->verticalHeader()->hide();
    m_fields->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_responseTabs->addTab(m_responseText, tr("Payload"));
    m_responseTabs->addTab(m_fields, tr("Options / headers"));
    m_responseTabs->addTab(m_responseHex, tr("Hex"));
    layout->addWidget(m_responseTabs, 1);
    return pane;
}

QWidget *ComposeDock::buildHistoryPane()
{
    auto *tabs = new QTabWidget(this);
    auto *historyPage = new QWidget(tabs);
    auto *layout = new QVBoxLayout(historyPage);
    layout->setContentsMargins(2, 2, 2, 2);
    m_search = new QLineEdit(historyPage);
    m_search->setObjectName(QStringLiteral("composeHistorySearch"));
    m_search->setPlaceholderText(tr("Search the history"));
    m_search->setClearButtonEnabled(true);
    layout->addWidget(m_search);
    m_history = new QListWidget(historyPage);
    m_history->setObjectName(QStringLiteral("composeHistory"));
    m_history->setToolTip(tr("Double-click to edit; Resend sends it again as it was"));
    layout->addWidget(m_history, 1);
    auto *buttons = new QHBoxLayout;
    auto *edit = new QPushButton(tr("Edit"), historyPage);
    auto *resend = new QPushButton(tr("Resend"), historyPage);
    resend->setObjectName(QStringLiteral("composeResend"));
    buttons->addWidget(edit);
    buttons->addWidget(resend);
    buttons->addStretch();
    layout->addLayout(buttons);
    tabs->addTab(historyPage, tr("History"));
    connect(m_search, &QLineEdit::textChanged, this, &ComposeDock::refreshHistory);
    auto selected = [this]() -> std::optional<ComposeRequest> {
        const int row = m_history->currentRow();
        if (row < 0 || row >= m_shownHistory.size())
            return std::nullopt;
        const int index = m_shownHistory.at(row);
        const auto &entries = m_composer->history()->entries();
        if (index >= entries.size())
            return std::nullopt;
        return entries.at(index).request;
    };
    connect(m_history, &QListWidget::itemDoubleClicked, this, [this, selected] {
        if (const auto request = selected())
            setRequest(*request);
    });
    connect(edit, &QPushButton::clicked, this, [this, selected] {
        if (const auto request = selected())
            setRequest(*request);
    });
    connect(resend, &QPushButton::clicked, this, [this, selected] {
        if (const auto request = selected()) {
            setRequest(*request);
            send();
        }
    });

    auto *templatesPage = new QWidget(tabs);
    auto *tl = new QVBoxLayout(templatesPage);
    tl->setContentsMargins(2, 2, 2, 2);
    m_templates = new QListWidget(templatesPage);
    m_templates->setObjectName(QStringLiteral("composeTemplates"));
    tl->addWidget(m_templates, 1);
    auto *tb = new QHBoxLayout;
    auto *save = new QPushButton(tr("Save current…"), templatesPage);
    save->setObjectName(QStringLiteral("composeSaveTemplate"));
    auto *remove = new QPushButton(tr("Delete"), templatesPage);
    tb->addWidget(save);
    tb->addWidget(remove);
    tb->addStretch();
    tl->addLayout(tb);
    tabs->addTab(templatesPage, tr("Templates"));
    connect(save, &QPushButton::clicked, this, &ComposeDock::saveTemplate);
    connect(m_templates, &QListWidget::itemDoubleClicked, this, [this](QListWidgetItem *item) {
        if (const auto request = m_composer->history()->findTemplate(item->text()))
            setRequest(*request);
    });
    connect(remove, &QPushButton::clicked, this, [this] {
        if (QListWidgetItem *item = m_templates->currentItem())
            m_composer->history()->removeTemplate(item->text());
    });
    return tabs;
}

void ComposeDock::protocolChanged()
{
    const QString scheme = m_uri->text().trimmed().section(QLatin1Char(':'), 0, 0).toLower();
    const bool mqtt = scheme.startsWith(QLatin1String("mqtt"));
    m_options->setCurrentIndex(mqtt ? MqttPage : scheme.startsWith(QLatin1String("coap")) ? CoapPage : HttpPage);
    m_method->setEnabled(!mqtt);
}

void ComposeDock::validatePayload()
{
    const auto format = ComposeRequest::PayloadFormat(m_format->currentData().toInt());
    m_pretty->setEnabled(format == ComposeRequest::PayloadFormat::Json
                         || format == ComposeRequest::PayloadFormat::CborJson);
    m_file->setVisible(format == ComposeRequest::PayloadFormat::File);
    QString problem;
    if (format != ComposeRequest::PayloadFormat::File && format != ComposeRequest::PayloadFormat::Text
        && !m_payload->toPlainText().trimmed().isEmpty()) {
        QByteArray bytes;
        int contentFormat = -1;
        ComposeRequest probe;
        probe.format = format;
        probe.payloadText = m_payload->toPlainText();
        if (!probe.encodePayload(&bytes, &contentFormat, &problem))
            problem = problem.simplified();
        else
            problem = tr("%n bytes", nullptr, int(bytes.size()));
    }
    m_payloadProblem->setText(problem);
    m_payloadProblem->setToolTip(problem);
}

QString ComposeDock::payloadProblem() const
{
    ComposeRequest probe = request();
    QByteArray bytes;
    int contentFormat = -1;
    QString problem;
    if (probe.encodePayload(&bytes, &contentFormat, &problem))
        return {};
    return problem;
}

void ComposeDock::prettyPrint()
{
    QString error;
    const auto value = codecs::detail::parseJson(m_payload->toPlainText().toUtf8(), &error);
    if (!value) {
        m_payloadProblem->setText(error);
        return;
    }
    // Through the cursor, so that Ctrl+Z takes it back.
    QTextCursor cursor(m_payload->document());
    cursor.select(QTextCursor::Document);
    cursor.insertText(codecs::detail::toJsonText(*value, 2));
}

void ComposeDock::chooseFile()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Payload file"));
    if (!path.isEmpty())
        m_payload->setPlainText(path);
}

ComposeRequest ComposeDock::request() const
{
    ComposeRequest r;
    r.uri = m_uri->text().trimmed();
    r.method = m_method->currentText().trimmed().toUpper();
    r.payloadText = m_payload->toPlainText();
    r.format = ComposeRequest::PayloadFormat(m_format->currentData().toInt());
    r.qos = m_qos->currentIndex();
    r.retain = m_retain->isChecked();
    r.contentType = m_contentType->text().trimmed();
    r.responseTopic = m_responseTopic->text().trimmed();
    r.correlationData = bytesFromField(m_correlation->text());
    QString bad;
    r.userProperties = pairLines(m_userProperties->toPlainText(), &bad);
    r.messageExpirySeconds = m_expiry->value();
    r.waitForReply = m_waitReply->isChecked();
    r.confirmable = m_confirmable->currentIndex() == 0;
    r.accept = comboNumber(m_accept);
    r.contentFormat = comboNumber(m_contentFormat);
    r.etag = bytesFromField(m_etag->text());
    r.ifMatch = bytesFromField(m_ifMatch->text());
    r.observe = m_observe->currentIndex() - 1;
    r.block2Size = m_block2->currentData().toInt();
    for (const auto &[number, value] : pairLines(m_coapOptions->toPlainText(), &bad))
        r.coapOptions.append({number.toInt(), bytesFromField(value)});
    for (const auto &[name, value] : pairLines(m_headers->toPlainText(), &bad))
        r.headers.append({name.toLatin1(), value.toLatin1()});
    return r;
}

void ComposeDock::setRequest(const ComposeRequest &r)
{
    m_uri->setText(r.uri);
    m_method->setCurrentText(r.method);
    m_format->setCurrentIndex(std::max(0, m_format->findData(int(r.format))));
    m_payload->setPlainText(r.payloadText);
    m_qos->setCurrentIndex(std::clamp(r.qos, 0, 2));
    m_retain->setChecked(r.retain);
    m_contentType->setText(r.contentType);
    m_responseTopic->setText(r.responseTopic);
    m_correlation->setText(fieldFromBytes(r.correlationData));
    QStringList props;
    for (const auto &[name, value] : r.userProperties)
        props << name + QStringLiteral(": ") + value;
    m_userProperties->setPlainText(props.join(QLatin1Char('\n')));
    m_expiry->setValue(int(std::min<qint64>(r.messageExpirySeconds, std::numeric_limits<int>::max())));
    m_waitReply->setChecked(r.waitForReply);
    m_confirmable->setCurrentIndex(r.confirmable ? 0 : 1);
    setComboNumber(m_accept, r.accept);
    setComboNumber(m_contentFormat, r.contentFormat);
    m_etag->setText(fieldFromBytes(r.etag));
    m_ifMatch->setText(fieldFromBytes(r.ifMatch));
    m_observe->setCurrentIndex(std::clamp(r.observe + 1, 0, 2));
    m_block2->setCurrentIndex(std::max(0, m_block2->findData(r.block2Size)));
    QStringList options;
    for (const auto &[number, value] : r.coapOptions)
        options << QString::number(number) + QStringLiteral(": ") + fieldFromBytes(value);
    m_coapOptions->setPlainText(options.join(QLatin1Char('\n')));
    QStringList headers;
    for (const auto &[name, value] : r.headers)
        headers << QString::fromLatin1(name) + QStringLiteral(": ") + QString::fromLatin1(value);
    m_headers->setPlainText(headers.join(QLatin1Char('\n')));
    protocolChanged();
}

void ComposeDock::composeFor(const QString &uri)
{
    m_uri->setText(uri);
    show();
    raise();
    m_payload->setFocus();
}

QString ComposeDock::fieldProblem() const
{
    QString bad;
    pairLines(m_userProperties->toPlainText(), &bad);
    if (!bad.isEmpty())
        return tr("User property '%1': write it as name: value").arg(bad);
    const auto options = pairLines(m_coapOptions->toPlainText(), &bad);
    if (!bad.isEmpty())
        return tr("CoAP option '%1': write it as number: value").arg(bad);
    for (const auto &[number, value] : options) {
        bool ok = false;
        const int n = number.toInt(&ok);
        if (!ok || n <= 0 || n > 65535)
            return tr("CoAP option '%1': the number must be 1 to 65535").arg(number);
        bytesFromField(value, &ok);
        if (!ok)
            return tr("CoAP option %1: '%2' is not hex bytes").arg(number, value);
    }
    pairLines(m_headers->toPlainText(), &bad);
    if (!bad.isEmpty())
        return tr("Header '%1': write it as Name: value").arg(bad);
    for (const QLineEdit *field : {m_correlation, m_etag, m_ifMatch}) {
        bool ok = false;
        bytesFromField(field->text(), &ok);
        if (!ok)
            return tr("'%1' is not hex bytes (0x followed by pairs of hex digits)").arg(field->text());
    }
    return {};
}

void ComposeDock::send()
{
    if (const QString problem = fieldProblem(); !problem.isEmpty()) {
        ComposeResponse refused;
        refused.result = Result::failure(ErrorKind::Usage, problem);
        refused.time = QDateTime::currentDateTimeUtc();
        showResponse(refused);
        return;
    }
    const ComposeRequest r = request();
    m_status->setText(tr("Sending to %1…").arg(r.uri));
    m_send->setEnabled(false);
    QPointer<ComposeDock> self(this);
    m_composer->send(r, [self](const ComposeResponse &response) {
        if (!self)
            return;
        self->m_send->setEnabled(true);
        self->showResponse(response);
    });
}

void ComposeDock::startRepeat()
{
    if (m_repeatTicket)
        return;
    m_repeatAnswers = 0;
    m_repeatFailures = 0;
    m_repeat->setText(tr("Stop"));
    QPointer<ComposeDock> self(this);
    const int count = m_count->value();
    m_repeatTicket = m_composer->repeat(
        request(), m_interval->value(), count,
        [self, count](const ComposeResponse &response) {
            if (!self)
                return;
            ++self->m_repeatAnswers;
            if (!response.result.ok())
                ++self->m_repeatFailures;
            self->m_repeatState->setText(count > 0 ? tr("%1 of %2 sent, %3 failed").arg(self->m_repeatAnswers).arg(count).arg(self->m_repeatFailures)
                                                   : tr("%1 sent, %2 failed").arg(self->m_repeatAnswers).arg(self->m_repeatFailures));
            self->showResponse(response);
        },
        [self] {
            if (!self)
                return;
            self->m_repeatTicket = 0;
            const QSignalBlocker blocker(self->m_repeat);
            self->m_repeat->setChecked(false);
            self->m_repeat->setText(tr("Start"));
        });
}

void ComposeDock::stopRepeat()
{
    if (m_repeatTicket)
        m_composer->stop(m_repeatTicket); // its finished callback resets the button
}

void ComposeDock::showResponse(const ComposeResponse &response)
{
    m_lastResponse = response;
    QString status;
    if (!response.time.isValid())
        status = tr("No request sent yet. Ctrl+Return sends.");
    else if (!response.result.ok())
        status = tr("Failed: %1").arg(response.result.error);
    else
        status = tr("%1 · %2 ms%3%4")
                     .arg(response.statusText.isEmpty() ? tr("done") : response.statusText)
                     .arg(response.roundTrip.count())
                     .arg(response.payload.isEmpty() ? QString() : tr(" · %n byte(s)", nullptr, int(response.payload.size())))
                     .arg(response.sequence > 0 ? tr(" · #%1").arg(response.sequence) : QString());
    m_status->setText(status);
    m_status->setStyleSheet(response.time.isValid() && !response.result.ok() ? QStringLiteral("color: #b00020") : QString());
    m_fields->setRowCount(int(response.fields.size()));
    for (int row = 0; row < response.fields.size(); ++row) {
        m_fields->setItem(row, 0, new QTableWidgetItem(response.fields.at(row).first));
        m_fields->setItem(row, 1, new QTableWidgetItem(response.fields.at(row).second));
    }
    m_fields->resizeColumnToContents(0);
    const Value value = codecs::decode(response.payload, response.contentFormat, response.mediaType);
    m_responseText->setPlainText(response.payload.isEmpty() ? QString() : payloadtext::decodedText(value));
    m_responseHex->setPlainText(payloadtext::hexText(response.payload));
}

bool ComposeDock::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::ShortcutOverride || event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        const bool sendKey = (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter)
            && (key->modifiers() & Qt::ControlModifier);
        if (sendKey) {
            event->accept();
            if (event->type() == QEvent::KeyPress)
                send();
            return true;
        }
    }
    return QDockWidget::eventFilter(watched, event);
}

QString ComposeDock::responseText() const
{
    QStringList lines{m_status->text()};
    for (int row = 0; row < m_fields->rowCount(); ++row)
        lines << m_fields->item(row, 0)->text() + QStringLiteral(": ") + m_fields->item(row, 1)->text();
    lines << m_responseText->toPlainText();
    return lines.join(QLatin1Char('\n'));
}

void ComposeDock::refreshHistory()
{
    m_history->clear();
    m_shownHistory = m_composer->history()->search(m_search->text());
    const auto &entries = m_composer->history()->entries();
    for (const int index : std::as_const(m_shownHistory)) {
        const auto &entry = entries.at(index);
        auto *item = new QListWidgetItem(entry.time.toLocalTime().toString(QStringLiteral("HH:mm:ss  "))
                                         + entry.request.summary());
        item->setToolTip(entry.time.toLocalTime().toString(Qt::ISODate) + QLatin1Char('\n') + entry.request.summary());
        m_history->addItem(item);
    }
}

void ComposeDock::refreshTemplates()
{
    m_templates->clear();
    for (const auto &t : m_composer->history()->templates()) {
        auto *item = new QListWidgetItem(t.name);
        item->setToolTip(t.request.summary());
        m_templates->addItem(item);
    }
}

void ComposeDock::refreshCompletions()
{
    // Capped, like the bridge dialog's: a million resources must not stall typing.
    constexpr qsizetype kMaxCompletions = 100000;
    QStringList uris;
    for (const Resource *resource : m_store->resources()) {
        if (uris.size() >= kMaxCompletions)
            break;
        uris.append(resource->id().toString());
    }
    uris.sort();
    m_completions->setStringList(uris);
    m_completionsAge.start();
}

void ComposeDock::saveTemplate()
{
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Save template"), tr("Name:"), QLineEdit::Normal,
                                               m_uri->text().section(QLatin1Char('/'), -1), &ok);
    if (ok && !name.trimmed().isEmpty())
        m_composer->history()->saveTemplate(name.trimmed(), request());
}

} // namespace thingscape
