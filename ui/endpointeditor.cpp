#include "endpointeditor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QVBoxLayout>

namespace thingscape {

namespace {

QLabel *plainLabel(QWidget *parent, const QString &objectName)
{
    auto *label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setTextFormat(Qt::PlainText);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

// A form at the top of its page: spare height goes below the last row, not between rows.
QFormLayout *formOn(QWidget *page)
{
    auto *outer = new QVBoxLayout(page);
    auto *form = new QFormLayout;
    outer->addLayout(form);
    outer->addStretch(1);
    return form;
}

void makeErrorLabel(QLabel *label)
{
    QPalette palette = label->palette();
    palette.setColor(QPalette::WindowText, QColor(0xb0, 0x00, 0x20));
    label->setPalette(palette);
}

bool isMqtt(const QString &scheme)
{
    return scheme == QLatin1String("mqtt") || scheme == QLatin1String("mqtts");
}

bool isCoap(const QString &scheme)
{
    return scheme == QLatin1String("coap") || scheme == QLatin1String("coaps");
}

bool isHttp(const QString &scheme)
{
    return scheme == QLatin1String("http") || scheme == QLatin1String("https");
}

bool isSecure(const QString &scheme)
{
    return scheme.endsWith(QLatin1Char('s'));
}

} // namespace

EndpointEditor::EndpointEditor(QWidget *parent)
    : QWidget(parent)
    , m_tabs(new QTabWidget(this))
    , m_name(new QLineEdit(this))
    , m_url(new QLineEdit(this))
    , m_urlError(plainLabel(this, QStringLiteral("urlError")))
    , m_autoConnect(new QCheckBox(tr("C&onnect when the workspace opens"), this))
    , m_username(new QLineEdit(this))
    , m_password(new QLineEdit(this))
    , m_bearerToken(new QLineEdit(this))
    , m_caFile(new QLineEdit(this))
    , m_certFile(new QLineEdit(this))
    , m_keyFile(new QLineEdit(this))
    , m_keyPassword(new QLineEdit(this))
    , m_pskIdentity(new QLineEdit(this))
    , m_pskKey(new QLineEdit(this))
    , m_insecure(new QCheckBox(tr("Allow insecure connection (do not &verify the peer)"), this))
    , m_insecureWarning(plainLabel(this, QStringLiteral("insecureWarning")))
    , m_mqttVersion(new QComboBox(this))
    , m_clientId(new QLineEdit(this))
    , m_keepAlive(new QSpinBox(this))
    , m_cleanSession(new QCheckBox(tr("Clean &session"), this))
    , m_filters(new QPlainTextEdit(this))
    , m_willTopic(new QLineEdit(this))
    , m_willPayload(new QLineEdit(this))
    , m_willQos(new QComboBox(this))
    , m_willRetain(new QCheckBox(tr("Retai&n the last will"), this))
    , m_pollInterval(new QSpinBox(this))
    , m_requestTimeout(new QSpinBox(this))
    , m_maxMessage(new QSpinBox(this))
    , m_validation(plainLabel(this, QStringLiteral("validationError")))
{
    m_tabs->setObjectName(QStringLiteral("editorTabs"));
    m_name->setObjectName(QStringLiteral("nameEdit"));
    m_url->setObjectName(QStringLiteral("urlEdit"));
    m_autoConnect->setObjectName(QStringLiteral("autoConnectCheck"));
    m_username->setObjectName(QStringLiteral("usernameEdit"));
    m_password->setObjectName(QStringLiteral("passwordEdit"));
    m_bearerToken->setObjectName(QStringLiteral("bearerTokenEdit"));
    m_caFile->setObjectName(QStringLiteral("caFileEdit"));
    m_certFile->setObjectName(QStringLiteral("certFileEdit"));
    m_keyFile->setObjectName(QStringLiteral("keyFileEdit"));
    m_keyPassword->setObjectName(QStringLiteral("keyPasswordEdit"));
    m_pskIdentity->setObjectName(QStringLiteral("pskIdentityEdit"));
    m_pskKey->setObjectName(QStringLiteral("pskKeyEdit"));
    m_insecure->setObjectName(QStringLiteral("insecureCheck"));
    m_mqttVersion->setObjectName(QStringLiteral("mqttVersionCombo"));
    m_clientId->setObjectName(QStringLiteral("clientIdEdit"));
    m_keepAlive->setObjectName(QStringLiteral("keepAliveSpin"));
    m_cleanSession->setObjectName(QStringLiteral("cleanSessionCheck"));
    m_filters->setObjectName(QStringLiteral("filtersEdit"));
    m_willTopic->setObjectName(QStringLiteral("willTopicEdit"));
    m_willPayload->setObjectName(QStringLiteral("willPayloadEdit"));
    m_willQos->setObjectName(QStringLiteral("willQosCombo"));
    m_willRetain->setObjectName(QStringLiteral("willRetainCheck"));
    m_pollInterval->setObjectName(QStringLiteral("pollIntervalSpin"));
    m_requestTimeout->setObjectName(QStringLiteral("requestTimeoutSpin"));
    m_maxMessage->setObjectName(QStringLiteral("maxMessageSpin"));

    for (QLineEdit *secret : {m_password, m_bearerToken, m_keyPassword, m_pskKey})
        secret->setEchoMode(QLineEdit::Password);
    makeErrorLabel(m_urlError);
    makeErrorLabel(m_validation);
    makeErrorLabel(m_insecureWarning);
    m_insecureWarning->setText(tr("Warning: the peer's certificate is not verified. Anyone on the network path "
                                  "can impersonate the endpoint and read or change what is sent."));
    m_insecureWarning->hide();

    m_generalPage = buildGeneralPage();
    m_securityPage = buildSecurityPage();
    m_mqttPage = buildMqttPage();
    m_pollingPage = buildPollingPage();
    m_tabs->addTab(m_generalPage, tr("&General"));
    m_tabs->addTab(m_securityPage, tr("Sec&urity"));
    m_tabs->addTab(m_mqttPage, tr("M&QTT"));
    m_tabs->addTab(m_pollingPage, tr("&Polling"));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tabs, 1);
    layout->addWidget(m_validation);

    for (QLineEdit *edit : findChildren<QLineEdit *>())
        connect(edit, &QLineEdit::textChanged, this, &EndpointEditor::onEdited);
    for (QCheckBox *check : findChildren<QCheckBox *>())
        connect(check, &QCheckBox::toggled, this, &EndpointEditor::onEdited);
    for (QComboBox *combo : {m_mqttVersion, m_willQos})
        connect(combo, &QComboBox::currentIndexChanged, this, &EndpointEditor::onEdited);
    for (QSpinBox *spin : {m_keepAlive, m_pollInterval, m_requestTimeout, m_maxMessage})
        connect(spin, &QSpinBox::valueChanged, this, &EndpointEditor::onEdited);
    connect(m_filters, &QPlainTextEdit::textChanged, this, &EndpointEditor::onEdited);
    connect(m_insecure, &QCheckBox::toggled, m_insecureWarning, &QLabel::setVisible);

    setKeyringAvailable(true);
    setConfig(EndpointConfig());
}

EndpointEditor::~EndpointEditor() = default;

QWidget *EndpointEditor::buildGeneralPage()
{
    auto *page = new QWidget(this);
    m_generalForm = formOn(page);
    m_name->setPlaceholderText(tr("host:port when empty"));
    m_url->setPlaceholderText(QStringLiteral("mqtt://localhost:1883"));
    m_url->setToolTip(tr("scheme://host:port, where the scheme is mqtt, mqtts, coap, coaps, http or https. "
                         "A path names the discovery root (CoAP, HTTP)."));
    m_generalForm->addRow(tr("&Name:"), m_name);
    m_generalForm->addRow(tr("UR&L:"), m_url);
    m_generalForm->addRow(QString(), m_urlError);
    m_generalForm->addRow(QString(), m_autoConnect);
    m_username->setPlaceholderText(tr("none"));
    m_generalForm->addRow(tr("User na&me:"), m_username);
    m_generalForm->addRow(tr("Passwor&d:"), m_password);
    m_generalForm->addRow(tr("Bearer to&ken:"), m_bearerToken);
    m_maxMessage->setRange(1, 2 * 1024 * 1024);
    m_maxMessage->setSingleStep(1024);
    m_maxMessage->setSuffix(tr(" KiB"));
    m_maxMessage->setToolTip(tr("A bigger message (HTTP body, event, MQTT packet) is shown as oversize, not read."));
    m_generalForm->addRow(tr("Max message si&ze:"), m_maxMessage);
    return page;
}

QWidget *EndpointEditor::fileRow(QLineEdit *edit, const QString &objectName, const QString &dialogTitle)
{
    auto *row = new QWidget(this);
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    edit->setParent(row);
    layout->addWidget(edit, 1);
    auto *browse = new QPushButton(tr("Browse..."), row);
    browse->setObjectName(objectName);
    browse->setToolTip(dialogTitle);
    layout->addWidget(browse);
    connect(browse, &QPushButton::clicked, this, [this, edit, dialogTitle] {
        // open() rather than a static getter: no nested event loop.
        auto *dialog = new QFileDialog(this, dialogTitle, QFileInfo(edit->text()).path());
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->setFileMode(QFileDialog::ExistingFile);
        dialog->setNameFilters({tr("PEM files (*.pem *.crt *.cer *.key)"), tr("All files (*)")});
        connect(dialog, &QFileDialog::fileSelected, edit, &QLineEdit::setText);
        dialog->open();
    });
    return row;
}

QWidget *EndpointEditor::buildSecurityPage()
{
    auto *page = new QWidget(this);
    m_securityForm = formOn(page);
    m_caFile->setPlaceholderText(tr("the system's certificate authorities"));
    m_certFile->setPlaceholderText(tr("none"));
    m_keyFile->setPlaceholderText(tr("none"));
    m_securityForm->addRow(tr("CA &file:"),
                           fileRow(m_caFile, QStringLiteral("caFileBrowse"), tr("Choose the CA certificate file")));
    m_securityForm->addRow(tr("Client certificate fi&le:"),
                           fileRow(m_certFile, QStringLiteral("certFileBrowse"), tr("Choose the client certificate")));
    m_securityForm->addRow(tr("Private &key file:"),
                           fileRow(m_keyFile, QStringLiteral("keyFileBrowse"), tr("Choose the private key")));
    m_securityForm->addRow(tr("Private key passw&ord:"), m_keyPassword);
    m_securityForm->addRow(tr("PSK identit&y:"), m_pskIdentity);
    m_securityForm->addRow(tr("Pre-s&hared key:"), m_pskKey);
    // The warning sits right under its checkbox, in the same form cell.
    auto *insecureBox = new QWidget(page);
    auto *insecureLayout = new QVBoxLayout(insecureBox);
    insecureLayout->setContentsMargins(0, 0, 0, 0);
    insecureLayout->addWidget(m_insecure);
    insecureLayout->addWidget(m_insecureWarning);
    m_securityForm->addRow(QString(), insecureBox);
    return page;
}

QWidget *EndpointEditor::buildMqttPage()
{
    auto *page = new QWidget(this);
    auto *form = formOn(page);
    m_mqttVersion->addItem(tr("3.1.1"), 4);
    m_mqttVersion->addItem(tr("5.0"), 5);
    m_clientId->setPlaceholderText(tr("generated"));
    m_keepAlive->setRange(5, 65535);
    m_keepAlive->setSuffix(tr(" s"));
    m_filters->setTabChangesFocus(true);
    m_filters->setToolTip(tr("Topic filters to subscribe to, one per line; + and # are wildcards."));
    m_filters->setFixedHeight(m_filters->fontMetrics().lineSpacing() * 4 + 12);
    m_willTopic->setPlaceholderText(tr("no last will"));
    for (int qos = 0; qos <= 2; ++qos)
        m_willQos->addItem(QString::number(qos), qos);
    form->addRow(tr("MQTT &version:"), m_mqttVersion);
    form->addRow(tr("Client I&D:"), m_clientId);
    form->addRow(tr("&Keep-alive:"), m_keepAlive);
    form->addRow(QString(), m_cleanSession);
    form->addRow(tr("Su&bscribe to:"), m_filters);
    form->addRow(tr("Last wi&ll topic:"), m_willTopic);
    form->addRow(tr("Last will pa&yload:"), m_willPayload);
    form->addRow(tr("Last will Q&oS:"), m_willQos);
    form->addRow(QString(), m_willRetain);
    return page;
}

QWidget *EndpointEditor::buildPollingPage()
{
    auto *page = new QWidget(this);
    auto *form = formOn(page);
    m_pollInterval->setRange(100, 24 * 3600 * 1000);
    m_pollInterval->setSingleStep(500);
    m_pollInterval->setSuffix(tr(" ms"));
    m_pollInterval->setToolTip(tr("How often resources that cannot be observed are read."));
    m_requestTimeout->setRange(100, 600000);
    m_requestTimeout->setSingleStep(1000);
    m_requestTimeout->setSuffix(tr(" ms"));
    form->addRow(tr("Poll inter&val:"), m_pollInterval);
    form->addRow(tr("Request ti&meout:"), m_requestTimeout);
    return page;
}

void EndpointEditor::setConfig(const EndpointConfig &config)
{
    m_loading = true;
    m_base = config;
    m_name->setText(config.name);
    m_url->setText(config.url.isValid() ? config.url.toString() : QString());
    m_autoConnect->setChecked(config.autoConnect);
    m_username->setText(config.username);
    m_password->setText(config.password);
    m_bearerToken->setText(config.bearerToken);
    m_caFile->setText(config.caFile);
    m_certFile->setText(config.certFile);
    m_keyFile->setText(config.keyFile);
    m_keyPassword->setText(config.keyPassword);
    m_pskIdentity->setText(config.pskIdentity);
    m_pskKey->setText(QString::fromUtf8(config.pskKey));
    m_insecure->setChecked(config.insecure);
    m_mqttVersion->setCurrentIndex(config.mqttVersion == 5 ? 1 : 0);
    m_clientId->setText(config.clientId);
    m_keepAlive->setValue(config.keepAliveSeconds);
    m_cleanSession->setChecked(config.cleanSession);
    m_filters->setPlainText(config.filters.join(QLatin1Char('\n')));
    m_willTopic->setText(config.willTopic);
    m_willPayload->setText(QString::fromUtf8(config.willPayload));
    m_willQos->setCurrentIndex(std::clamp(config.willQos, 0, 2));
    m_willRetain->setChecked(config.willRetain);
    m_pollInterval->setValue(config.pollIntervalMs);
    m_requestTimeout->setValue(config.requestTimeoutMs);
    m_maxMessage->setValue(int(std::clamp<qint64>(config.maxMessageBytes / 1024, 1, 2 * 1024 * 1024)));
    for (QLineEdit *edit : findChildren<QLineEdit *>())
        edit->setModified(false);
    m_insecureWarning->setVisible(config.insecure);
    m_loading = false;
    m_modified = false;
    updateVisibility();
    updateValidation();
}

EndpointConfig EndpointEditor::config() const
{
    EndpointConfig config = m_base;
    config.name = m_name->text().trimmed();
    if (const auto url = ResourceId::parse(m_url->text().trimmed()))
        config.url = *url;
    config.autoConnect = m_autoConnect->isChecked();
    config.username = m_username->text();
    config.password = m_password->text();
    config.bearerToken = m_bearerToken->text();
    config.caFile = m_caFile->text().trimmed();
    config.certFile = m_certFile->text().trimmed();
    config.keyFile = m_keyFile->text().trimmed();
    config.keyPassword = m_keyPassword->text();
    config.pskIdentity = m_pskIdentity->text();
    config.pskKey = m_pskKey->text().toUtf8();
    config.insecure = m_insecure->isChecked();
    config.mqttVersion = m_mqttVersion->currentData().toInt();
    config.clientId = m_clientId->text().trimmed();
    config.keepAliveSeconds = m_keepAlive->value();
    config.cleanSession = m_cleanSession->isChecked();
    config.filters.clear();
    for (const QString &line : m_filters->toPlainText().split(QLatin1Char('\n'))) {
        if (!line.trimmed().isEmpty())
            config.filters.append(line.trimmed());
    }
    config.willTopic = m_willTopic->text().trimmed();
    config.willPayload = m_willPayload->text().toUtf8();
    config.willQos = m_willQos->currentData().toInt();
    config.willRetain = m_willRetain->isChecked();
    config.pollIntervalMs = m_pollInterval->value();
    config.requestTimeoutMs = m_requestTimeout->value();
    // An unchanged spin box keeps a limit that is not a whole number of KiB.
    if (m_maxMessage->value() != int(std::clamp<qint64>(m_base.maxMessageBytes / 1024, 1, 2 * 1024 * 1024)))
        config.maxMessageBytes = qint64(m_maxMessage->value()) * 1024;
    return config;
}

void EndpointEditor::mergeSecrets(const EndpointConfig &secrets)
{
    const bool wasLoading = std::exchange(m_loading, true);
    auto fill = [](QLineEdit *edit, const QString &value) {
        if (edit->text().isEmpty() && !edit->isModified())
            edit->setText(value);
    };
    fill(m_password, secrets.password);
    fill(m_keyPassword, secrets.keyPassword);
    fill(m_pskKey, QString::fromUtf8(secrets.pskKey));
    fill(m_bearerToken, secrets.bearerToken);
    m_loading = wasLoading;
    updateValidation();
}

void EndpointEditor::setModified(bool modified)
{
    m_modified = modified;
    if (!modified) {
        for (QLineEdit *edit : findChildren<QLineEdit *>())
            edit->setModified(false);
    }
}

void EndpointEditor::setKeyringAvailable(bool available)
{
    const QString where = available ? tr("stored in the keyring") : tr("kept for this session only");
    m_password->setPlaceholderText(where);
    m_pskKey->setPlaceholderText(where);
    m_bearerToken->setPlaceholderText(available ? tr("stored in the keyring; sent as Authorization: Bearer")
                                                : tr("kept for this session only; sent as Authorization: Bearer"));
    m_keyPassword->setPlaceholderText(available ? tr("only for an encrypted key; stored in the keyring")
                                                : tr("only for an encrypted key; kept for this session only"));
}

void EndpointEditor::focusName()
{
    m_tabs->setCurrentWidget(m_generalPage);
    m_name->setFocus(Qt::ShortcutFocusReason);
    m_name->selectAll();
}

QString EndpointEditor::currentScheme() const
{
    const QString text = m_url->text().trimmed();
    const qsizetype colon = text.indexOf(QLatin1String("://"));
    const QString scheme = colon > 0 ? text.left(colon).toLower() : QString();
    if (ResourceId::isKnownScheme(scheme))
        return scheme;
    return m_base.url.isValid() ? m_base.url.scheme() : QStringLiteral("mqtt");
}

QString EndpointEditor::urlError() const
{
    const QString text = m_url->text().trimmed();
    if (text.isEmpty())
        return tr("Enter the endpoint's URL, for example mqtt://localhost:1883.");
    QString why;
    if (!ResourceId::parse(text, &why))
        return why.isEmpty() ? tr("This is not a valid endpoint URL.") : why;
    return {};
}

QString EndpointEditor::validationError() const
{
    if (const QString error = urlError(); !error.isEmpty())
        return tr("URL: %1").arg(error);
    const QString scheme = currentScheme();
    if (isSecure(scheme)) {
        const std::pair<QLineEdit *, QString> files[] = {
            {m_caFile, tr("CA file")},
            {m_certFile, tr("client certificate file")},
            {m_keyFile, tr("private key file")},
        };
        for (const auto &[edit, what] : files) {
            const QString path = edit->text().trimmed();
            if (!path.isEmpty() && !QFileInfo(path).isFile())
                return tr("The %1 '%2' does not exist.").arg(what, path);
        }
        if (m_certFile->text().trimmed().isEmpty() != m_keyFile->text().trimmed().isEmpty())
            return tr("A client certificate needs its private key file, and the other way round.");
        if (scheme == QLatin1String("coaps") && m_pskIdentity->text().isEmpty() && !m_pskKey->text().isEmpty())
            return tr("A pre-shared key needs its identity.");
    }
    if (isMqtt(scheme)) {
        const QString will = m_willTopic->text().trimmed();
        if (will.contains(QLatin1Char('+')) || will.contains(QLatin1Char('#')))
            return tr("The last will topic '%1' must not contain the wildcards + or #.").arg(will);
        if (m_username->text().isEmpty() && !m_password->text().isEmpty())
            return tr("A password needs a user name.");
    }
    return {};
}

void EndpointEditor::updateVisibility()
{
    const QString scheme = currentScheme();
    const bool secure = isSecure(scheme);
    m_tabs->setTabVisible(m_tabs->indexOf(m_securityPage), secure);
    m_tabs->setTabVisible(m_tabs->indexOf(m_mqttPage), isMqtt(scheme));
    m_tabs->setTabVisible(m_tabs->indexOf(m_pollingPage), isCoap(scheme) || isHttp(scheme));
    // CoAP carries no user name; a bearer token is HTTP only; PSK is DTLS only.
    m_generalForm->setRowVisible(m_username, !isCoap(scheme));
    m_generalForm->setRowVisible(m_password, !isCoap(scheme));
    m_generalForm->setRowVisible(m_bearerToken, isHttp(scheme));
    m_securityForm->setRowVisible(m_pskIdentity, scheme == QLatin1String("coaps"));
    m_securityForm->setRowVisible(m_pskKey, scheme == QLatin1String("coaps"));
}

void EndpointEditor::updateValidation()
{
    const QString url = urlError();
    m_urlError->setText(url);
    m_urlError->setVisible(!url.isEmpty());
    const QString error = url.isEmpty() ? validationError() : QString();
    m_validation->setText(error);
    m_validation->setVisible(!error.isEmpty());
}

void EndpointEditor::onEdited()
{
    if (m_loading)
        return;
    m_modified = true;
    updateVisibility();
    updateValidation();
    Q_EMIT changed();
}

} // namespace thingscape
