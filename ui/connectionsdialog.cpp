#include "connectionsdialog.h"

#include "model/plaintooltip.h"

#include "endpointeditor.h"
#include "endpointlistmodel.h"
#include "secretprompt.h"
#include "secretstore.h"

#include "protocols/endpointmanager.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QItemSelectionModel>
#include <QLabel>
#include <QListView>
#include <QMenu>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QShortcut>
#include <QSplitter>
#include <QToolButton>
#include <QVBoxLayout>

namespace thingscape {

namespace {

struct Preset
{
    const char *scheme;
    const char *url;
    const char *label;
    const char *objectName;
};

const Preset kPresets[] = {
    {"mqtt", "mqtt://localhost:1883", QT_TRANSLATE_NOOP("thingscape::ConnectionsDialog", "&MQTT broker"),
     "addMqttAction"},
    {"mqtts", "mqtts://localhost:8883", QT_TRANSLATE_NOOP("thingscape::ConnectionsDialog", "MQTT broker over &TLS"),
     "addMqttsAction"},
    {"coap", "coap://localhost:5683", QT_TRANSLATE_NOOP("thingscape::ConnectionsDialog", "&CoAP server"),
     "addCoapAction"},
    {"coaps", "coaps://localhost:5684", QT_TRANSLATE_NOOP("thingscape::ConnectionsDialog", "CoAP server over &DTLS"),
     "addCoapsAction"},
    {"http", "http://localhost:8080", QT_TRANSLATE_NOOP("thingscape::ConnectionsDialog", "&HTTP / Web of Things device"),
     "addHttpAction"},
    {"https", "https://localhost:8443",
     QT_TRANSLATE_NOOP("thingscape::ConnectionsDialog", "HTTP&S / Web of Things device"), "addHttpsAction"},
};

bool isActive(ConnectorState state)
{
    return state == ConnectorState::Connected || state == ConnectorState::Connecting
           || state == ConnectorState::BackingOff;
}

void setErrorColour(QLabel *label, bool error)
{
    QPalette palette = label->parentWidget() ? label->parentWidget()->palette() : label->palette();
    if (error)
        palette.setColor(QPalette::WindowText, QColor(0xb0, 0x00, 0x20));
    label->setPalette(palette);
}

} // namespace

ConnectionsDialog::ConnectionsDialog(EndpointManager *manager, SecretStore *secrets, QWidget *parent)
    : QDialog(parent)
    , m_manager(manager)
    , m_secrets(secrets)
    , m_model(new EndpointListModel(manager, this))
{
    setWindowTitle(tr("Connections"));
    buildUi();

    connect(m_manager, &EndpointManager::endpointChanged, this, [this](const QString &id) {
        if (id == m_currentId)
            updateActions();
    });
    connect(m_manager, &EndpointManager::endpointRemoved, this, [this](const QString &id) {
        if (!m_draft && id == m_currentId) {
            m_currentId.clear();
            showEditorFor(false);
        }
        updateActions();
    });
    connect(m_secrets, &SecretStore::availabilityChanged, this, &ConnectionsDialog::updateKeyringWarning);
    m_secrets->probe();
    updateKeyringWarning();

    if (m_model->rowCount() > 0)
        selectEndpoint(m_model->idAt(0));
    else
        showEditorFor(false);
    updateActions();
}

ConnectionsDialog::ConnectionsDialog(EndpointManager *manager, QWidget *parent)
    : ConnectionsDialog(manager, SecretStore::sharedFor(manager), parent)
{
}

ConnectionsDialog::~ConnectionsDialog()
{
    // The test connector goes once its attempt ends; make that soon.
    cancelTest();
}

void ConnectionsDialog::buildUi()
{
    m_keyringWarning = new QLabel(this);
    m_keyringWarning->setObjectName(QStringLiteral("keyringWarning"));
    m_keyringWarning->setTextFormat(Qt::PlainText);
    m_keyringWarning->setWordWrap(true);
    m_keyringWarning->setFrameShape(QFrame::StyledPanel);
    m_keyringWarning->setMargin(6);
    setErrorColour(m_keyringWarning, true);
    m_keyringWarning->hide();

    // Left: the endpoints and what can be done to them.
    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    auto *listLabel = new QLabel(tr("&Endpoints:"), left);
    m_list = new QListView(left);
    m_list->setObjectName(QStringLiteral("endpointList"));
    m_list->setModel(m_model);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setEditTriggers(QAbstractItemView::NoEditTriggers);
    // Wrapped, not elided: a long last error is the thing the user needs to read.
    m_list->setWordWrap(true);
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_list->setResizeMode(QListView::Adjust);
    m_list->setIconSize(QSize(16, 16));
    m_list->setSpacing(2);
    listLabel->setBuddy(m_list);
    leftLayout->addWidget(listLabel);
    leftLayout->addWidget(m_list, 1);

    m_addButton = new QToolButton(left);
    m_addButton->setObjectName(QStringLiteral("addButton"));
    m_addButton->setText(tr("Ne&w"));
    m_addButton->setToolTip(tr("Add an endpoint (Ins)"));
    m_addButton->setPopupMode(QToolButton::InstantPopup);
    m_addButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_addMenu = new QMenu(m_addButton);
    m_addMenu->setObjectName(QStringLiteral("addMenu"));
    for (const Preset &preset : kPresets) {
        QAction *action = m_addMenu->addAction(tr(preset.label));
        action->setObjectName(QLatin1String(preset.objectName));
        const QString scheme = QLatin1String(preset.scheme);
        connect(action, &QAction::triggered, this, [this, scheme] { addEndpoint(scheme); });
    }
    m_addButton->setMenu(m_addMenu);
    m_removeButton = new QPushButton(tr("&Remove"), left);
    m_removeButton->setObjectName(QStringLiteral("removeButton"));
    m_removeButton->setToolTip(tr("Remove the selected endpoint (Del)"));
    m_connectButton = new QPushButton(tr("&Connect"), left);
    m_connectButton->setObjectName(QStringLiteral("connectButton"));
    m_disconnectButton = new QPushButton(tr("D&isconnect"), left);
    m_disconnectButton->setObjectName(QStringLiteral("disconnectButton"));
    for (QPushButton *button : {m_removeButton, m_connectButton, m_disconnectButton})
        button->setAutoDefault(false);
    auto *listButtons = new QHBoxLayout;
    listButtons->addWidget(m_addButton);
    listButtons->addWidget(m_removeButton);
    listButtons->addStretch(1);
    listButtons->addWidget(m_connectButton);
    listButtons->addWidget(m_disconnectButton);
    leftLayout->addLayout(listButtons);

    // Right: the editor and the connection test.
    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    m_editorHint = new QLabel(tr("Select an endpoint to edit it, or add one with New (Ins)."), right);
    m_editorHint->setObjectName(QStringLiteral("editorHint"));
    m_editorHint->setTextFormat(Qt::PlainText);
    m_editorHint->setWordWrap(true);
    m_endpointStatus = new QLabel(right);
    m_endpointStatus->setObjectName(QStringLiteral("endpointStatus"));
    m_endpointStatus->setTextFormat(Qt::PlainText);
    m_endpointStatus->setWordWrap(true);
    m_endpointStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_editor = new EndpointEditor(right);
    m_editor->setObjectName(QStringLiteral("endpointEditor"));
    rightLayout->addWidget(m_editorHint);
    rightLayout->addWidget(m_endpointStatus);
    rightLayout->addWidget(m_editor, 1);
    m_testButton = new QPushButton(tr("&Test connection"), right);
    m_testButton->setObjectName(QStringLiteral("testButton"));
    m_testButton->setAutoDefault(false);
    m_cancelTestButton = new QPushButton(tr("Stop te&st"), right);
    m_cancelTestButton->setObjectName(QStringLiteral("cancelTestButton"));
    m_cancelTestButton->setAutoDefault(false);
    m_cancelTestButton->hide();
    m_testBusy = new QProgressBar(right);
    m_testBusy->setObjectName(QStringLiteral("testBusy"));
    m_testBusy->setRange(0, 0);
    m_testBusy->setTextVisible(false);
    m_testBusy->setMaximumHeight(m_testButton->sizeHint().height() / 2);
    m_testBusy->hide();
    auto *testRow = new QHBoxLayout;
    testRow->addWidget(m_testButton);
    testRow->addWidget(m_cancelTestButton);
    testRow->addWidget(m_testBusy, 1);
    testRow->addStretch(0);
    rightLayout->addLayout(testRow);
    m_testResult = new QLabel(right);
    m_testResult->setObjectName(QStringLiteral("testResult"));
    m_testResult->setTextFormat(Qt::PlainText);
    m_testResult->setWordWrap(true);
    m_testResult->setTextInteractionFlags(Qt::TextSelectableByMouse);
    rightLayout->addWidget(m_testResult);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(left);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("statusLabel"));
    m_status->setTextFormat(Qt::PlainText);
    m_status->setWordWrap(true);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Apply | QDialogButtonBox::Cancel, this);
    m_buttons->setObjectName(QStringLiteral("buttonBox"));

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_keyringWarning);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_status);
    layout->addWidget(m_buttons);

    connect(m_list->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current, const QModelIndex &previous) {
                onCurrentRowChanged(current.isValid() ? current.row() : -1,
                                    previous.isValid() ? previous.row() : -1);
            });
    // The list elides; the full state and last error of the selected endpoint show here,
    // the countdown included.
    connect(m_model, &QAbstractItemModel::dataChanged, this,
            [this](const QModelIndex &topLeft, const QModelIndex &bottomRight) {
                const int row = m_model->rowOf(m_currentId);
                if (row >= topLeft.row() && row <= bottomRight.row())
                    updateEndpointStatus();
            });
    connect(m_list, &QListView::doubleClicked, m_editor, &EndpointEditor::focusName);
    connect(m_removeButton, &QPushButton::clicked, this, &ConnectionsDialog::removeSelected);
    connect(m_connectButton, &QPushButton::clicked, this, &ConnectionsDialog::connectSelected);
    connect(m_disconnectButton, &QPushButton::clicked, this, &ConnectionsDialog::disconnectSelected);
    connect(m_testButton, &QPushButton::clicked, this, &ConnectionsDialog::testConnection);
    connect(m_cancelTestButton, &QPushButton::clicked, this, [this] {
        cancelTest();
        finishTest(false, tr("Test cancelled."));
    });
    connect(m_editor, &EndpointEditor::changed, this, &ConnectionsDialog::updateActions);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &ConnectionsDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &ConnectionsDialog::reject);
    connect(m_buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this, &ConnectionsDialog::apply);

    // Ins and F2 anywhere in the dialog; Del only on the list, where it cannot mean "delete a
    // character".
    auto *insert = new QShortcut(QKeySequence(Qt::Key_Insert), this);
    // popup(), not showMenu(): showMenu() runs a nested event loop.
    connect(insert, &QShortcut::activated, this, [this] {
        m_addMenu->popup(m_addButton->mapToGlobal(QPoint(0, m_addButton->height())));
    });
    auto *rename = new QShortcut(QKeySequence(Qt::Key_F2), this);
    connect(rename, &QShortcut::activated, this, [this] {
        if (m_editor->isEnabled())
            m_editor->focusName();
    });
    auto *remove = new QShortcut(QKeySequence(QKeySequence::Delete), m_list);
    remove->setContext(Qt::WidgetShortcut);
    connect(remove, &QShortcut::activated, this, &ConnectionsDialog::removeSelected);

    resize(940, 600);
}

void ConnectionsDialog::updateKeyringWarning()
{
    m_editor->setKeyringAvailable(!m_secrets || m_secrets->availability() != SecretStore::Availability::Unavailable);
    if (m_secrets && m_secrets->availability() == SecretStore::Availability::Unavailable) {
        QString text = SecretStore::unavailableMessage();
        if (!m_secrets->unavailableReason().isEmpty())
            text += QLatin1Char(' ') + tr("(The keyring said: %1)").arg(m_secrets->unavailableReason());
        m_keyringWarning->setText(text);
        m_keyringWarning->show();
    } else {
        m_keyringWarning->hide();
    }
}

void ConnectionsDialog::selectEndpoint(const QString &id)
{
    const int row = m_model->rowOf(id);
    if (row < 0)
        return;
    m_list->setCurrentIndex(m_model->index(row));
    // Selecting the current row again emits nothing: load explicitly when it differs.
    if (m_draft || m_currentId != id)
        onCurrentRowChanged(row, -1);
}

void ConnectionsDialog::onCurrentRowChanged(int row, int previousRow)
{
    if (m_restoringSelection)
        return;
    const QString id = m_model->idAt(row);
    if (!m_draft && id == m_currentId)
        return;
    // An untouched draft is dropped; real edits are kept (applied, or the move refused).
    if (m_editor->isModified()) {
        if (!m_editor->isValid()) {
            // Keep the edit rather than lose it: go back to the row being edited.
            showStatus(tr("Fix the endpoint being edited first: %1").arg(m_editor->validationError()), true);
            QTimer::singleShot(0, this, [this, previousRow] {
                m_restoringSelection = true;
                if (m_draft || previousRow < 0)
                    m_list->selectionModel()->clear();
                else
                    m_list->setCurrentIndex(m_model->index(m_model->rowOf(m_currentId)));
                m_restoringSelection = false;
            });
            return;
        }
        apply();
        // apply() selected the row it saved; the user asked for another.
        m_restoringSelection = true;
        if (id.isEmpty())
            m_list->selectionModel()->clear();
        else
            m_list->setCurrentIndex(m_model->index(m_model->rowOf(id)));
        m_restoringSelection = false;
    }
    loadIntoEditor(id);
}

void ConnectionsDialog::loadIntoEditor(const QString &id)
{
    m_draft = false;
    m_currentId = id;
    m_testResult->clear();
    if (id.isEmpty()) {
        showEditorFor(false);
        updateActions();
        return;
    }
    const EndpointConfig config = m_manager->endpoint(id);
    m_editor->setConfig(config);
    showEditorFor(true);
    updateActions();
    if (!m_secrets)
        return;
    QPointer<ConnectionsDialog> self(this);
    m_secrets->loadSecrets(config, [self, id](const EndpointConfig &loaded, const QString &error) {
        if (!self || self->m_draft || self->m_currentId != id)
            return;
        self->m_editor->mergeSecrets(loaded);
        if (!error.isEmpty())
            self->showStatus(tr("Could not read the secrets of '%1' from the keyring: %2").arg(loaded.name, error),
                             true);
    });
}

void ConnectionsDialog::showEditorFor(bool editing)
{
    if (!editing)
        m_editor->setConfig(EndpointConfig());
    m_editor->setEnabled(editing);
    m_editorHint->setVisible(!editing);
}

void ConnectionsDialog::addEndpoint(const QString &scheme)
{
    if (m_editor->isModified()) {
        if (!m_editor->isValid()) {
            showStatus(tr("Fix the endpoint being edited first: %1").arg(m_editor->validationError()), true);
            return;
        }
        apply();
    }
    const Preset *preset = &kPresets[0];
    for (const Preset &candidate : kPresets) {
        if (scheme == QLatin1String(candidate.scheme))
            preset = &candidate;
    }
    EndpointConfig config;
    config.url = *ResourceId::parse(QLatin1String(preset->url));
    if (config.url.protocol() != Protocol::Mqtt)
        config.filters.clear();
    m_restoringSelection = true;
    m_list->selectionModel()->clear();
    m_restoringSelection = false;
    m_currentId.clear();
    m_draft = true;
    m_testResult->clear();
    m_editor->setConfig(config);
    showEditorFor(true);
    showStatus(tr("New endpoint: fill it in, then choose Apply or OK."), false);
    m_editor->focusName();
    updateActions();
}

bool ConnectionsDialog::apply()
{
    if (!m_draft && m_currentId.isEmpty())
        return true;
    if (!m_editor->isValid()) {
        showStatus(m_editor->validationError(), true);
        return false;
    }
    if (!m_draft && !m_editor->isModified())
        return true;
    EndpointConfig config = m_editor->config();
    const bool reconnect = !m_draft && isActive(m_manager->status(m_currentId).state);
    // A new endpoint set to connect automatically connects now, with the secrets just typed.
    const bool connectNew = m_draft && config.autoConnect;
    // add() replaces by id; the manager fills the id and the default name of a new one.
    const QString id = m_manager->add(config);
    config = m_manager->endpoint(id);
    m_draft = false;
    m_currentId = id;
    m_editor->setConfig(config);
    m_restoringSelection = true;
    m_list->setCurrentIndex(m_model->index(m_model->rowOf(id)));
    m_restoringSelection = false;
    if (reconnect)
        SecretPrompt::connectEndpoint(m_manager, m_secrets, id, this);
    else if (connectNew)
        m_manager->connectEndpoint(id);

    if (m_secrets) {
        QPointer<ConnectionsDialog> self(this);
        const QString name = config.name;
        m_secrets->saveSecrets(config, [self, id, name](bool ok, const QString &error) {
            if (!self)
                return;
            if (!ok)
                self->showStatus(tr("Could not store the secrets of '%1' in the keyring: %2").arg(name, error), true);
            Q_EMIT self->secretsSaved(id, ok, error);
        });
    }
    showStatus(tr("Saved '%1'.").arg(config.name), false);
    updateActions();
    Q_EMIT applied(id);
    return true;
}

void ConnectionsDialog::accept()
{
    if (apply())
        QDialog::accept();
}

void ConnectionsDialog::removeSelected()
{
    if (m_draft) {
        loadIntoEditor({});
        showStatus(tr("New endpoint discarded."), false);
        return;
    }
    if (m_currentId.isEmpty())
        return;
    const QString id = m_currentId;
    const EndpointConfig config = m_manager->endpoint(id);
    auto *box = new QMessageBox(QMessageBox::Question, tr("Remove endpoint"),
                                tr("Remove the endpoint '%1' (%2) and its stored secrets?")
                                    .arg(config.name, config.url.endpointUri()),
                                QMessageBox::Yes | QMessageBox::No, this);
    box->setObjectName(QStringLiteral("removeConfirmation"));
    box->setTextFormat(Qt::PlainText);
    box->setDefaultButton(QMessageBox::No);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, box, id] {
        if (box->standardButton(box->clickedButton()) != QMessageBox::Yes)
            return;
        if (id == m_currentId)
            m_editor->setModified(false);
        m_manager->remove(id);
        if (m_secrets)
            m_secrets->removeSecrets(id);
        showStatus(tr("Endpoint removed."), false);
    });
    box->open();
}

void ConnectionsDialog::connectSelected()
{
    if ((m_editor->isModified() || m_draft) && !apply())
        return;
    if (m_currentId.isEmpty())
        return;
    SecretPrompt::connectEndpoint(m_manager, m_secrets, m_currentId, this);
}

void ConnectionsDialog::disconnectSelected()
{
    if (!m_currentId.isEmpty())
        m_manager->disconnectEndpoint(m_currentId);
}

void ConnectionsDialog::testConnection()
{
    if (isTesting() || !m_editor->isValid())
        return;
    const EndpointConfig config = m_editor->config();
    const QStringList missing = SecretStore::missingSecrets(config);
    if (missing.isEmpty()) {
        startTest(config);
        return;
    }
    QPointer<ConnectionsDialog> self(this);
    SecretPrompt::ask(this, config, missing, [self](const EndpointConfig &answered, bool accepted) {
        if (self && accepted)
            self->startTest(answered);
    });
}

void ConnectionsDialog::startTest(const EndpointConfig &config)
{
    if (isTesting())
        return;
    m_testTarget = config.url.hostPort();
    const quint64 generation = ++m_testGeneration;
    m_testing = true;
    m_testButton->setEnabled(false);
    m_cancelTestButton->show();
    m_testBusy->show();
    m_testResult->setText(tr("Connecting to %1...").arg(m_testTarget));
    setErrorColour(m_testResult, false);
    // MQTT has no request timeout of its own; allow the TCP / TLS handshake and CONNACK.
    const int seconds = config.url.protocol() == Protocol::Mqtt ? 15 : config.requestTimeoutMs / 1000 + 5;
    QPointer<ConnectionsDialog> self(this);
    const QString target = m_testTarget;
    m_testTicket = m_manager->testConnection(config, std::chrono::seconds(seconds),
                                             [self, generation, target](const Result &result) {
                                                 if (self)
                                                     self->onTestResult(generation, target, result);
                                             });
}

void ConnectionsDialog::onTestResult(quint64 generation, const QString &target, const Result &result)
{
    if (m_testGeneration != generation)
        return; // cancelled meanwhile
    m_testing = false;
    m_testTicket = 0;
    if (result.ok()) {
        QString message = tr("Connected to %1.").arg(target);
        if (!result.notice.isEmpty())
            message += QLatin1Char(' ') + result.notice;
        finishTest(true, message);
        return;
    }
    // The manager names the host in its errors.
    finishTest(false, result.error.isEmpty() ? tr("%1: the connection failed").arg(target) : result.error);
}

void ConnectionsDialog::cancelTest()
{
    if (!m_testing)
        return;
    ++m_testGeneration; // the attempt's result, when it comes, is no longer wanted
    m_testing = false;
    if (m_manager)
        m_manager->cancelTest(std::exchange(m_testTicket, 0));
}

void ConnectionsDialog::finishTest(bool ok, const QString &message)
{
    m_testButton->setEnabled(true);
    m_cancelTestButton->hide();
    m_testBusy->hide();
    m_testResult->setText(message);
    setErrorColour(m_testResult, !ok);
    updateActions();
    Q_EMIT testFinished(ok, message);
}

void ConnectionsDialog::updateActions()
{
    updateEndpointStatus();
    const bool editing = m_draft || !m_currentId.isEmpty();
    const bool valid = m_editor->isValid();
    const ConnectorState state =
        m_currentId.isEmpty() ? ConnectorState::Disconnected : m_manager->status(m_currentId).state;
    m_removeButton->setEnabled(editing);
    m_connectButton->setEnabled(editing && valid && state != ConnectorState::Connected
                                && state != ConnectorState::Connecting);
    m_disconnectButton->setEnabled(!m_draft && !m_currentId.isEmpty() && isActive(state));
    m_testButton->setEnabled(editing && valid && !isTesting());
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(!editing || valid);
    m_buttons->button(QDialogButtonBox::Apply)->setEnabled(editing && valid && (m_draft || m_editor->isModified()));
    if (editing && !valid)
        m_buttons->button(QDialogButtonBox::Ok)->setToolTip(plainToolTip(m_editor->validationError()));
    else
        m_buttons->button(QDialogButtonBox::Ok)->setToolTip({});
}

void ConnectionsDialog::updateEndpointStatus()
{
    const int row = m_draft ? -1 : m_model->rowOf(m_currentId);
    if (row < 0) {
        m_endpointStatus->clear();
        m_endpointStatus->hide();
        return;
    }
    const QModelIndex index = m_model->index(row);
    m_endpointStatus->setText(tr("State: %1").arg(index.data(EndpointListModel::StatusTextRole).toString()));
    const auto state = ConnectorState(index.data(EndpointListModel::StateRole).toInt());
    setErrorColour(m_endpointStatus, state == ConnectorState::Error || state == ConnectorState::BackingOff);
    m_endpointStatus->show();
}

void ConnectionsDialog::showStatus(const QString &text, bool error)
{
    m_status->setText(text);
    setErrorColour(m_status, error);
}

} // namespace thingscape
