#include "gatewaycontroller.h"

#include "gatewaydialog.h"
#include "secretstore.h"
#include "windowmodels.h"

#include "protocols/engine/engine.h"
#include "protocols/engine/secretprovider.h"
#include "protocols/gateway/gateway.h"

#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QPointer>
#include <QStatusBar>

namespace thingscape {

namespace {

const QString kKey = QStringLiteral("gateway");
// The keyring entry the token is kept under (as an endpoint's bearer token would be).
const QString kSecretId = QStringLiteral("thingscape-gateway");

} // namespace

GatewayController::GatewayController(WindowModels *session, QStatusBar *bar, QWidget *dialogParent)
    : QObject(bar)
    , m_session(session)
    , m_dialogParent(dialogParent)
    , m_gateway(std::make_unique<Gateway>(session->engine()))
    , m_label(new QLabel(bar))
{
    m_label->setObjectName(QStringLiteral("statusGateway"));
    m_label->setTextFormat(Qt::PlainText);
    m_label->setVisible(false);
    bar->addPermanentWidget(m_label);
    connect(m_gateway.get(), &Gateway::stateChanged, this, &GatewayController::updateLabel);
    connect(m_gateway.get(), &Gateway::clientsChanged, this, &GatewayController::updateLabel);
    connect(session->engine(), &Engine::loaded, this, &GatewayController::workspaceLoaded);
}

GatewayController::~GatewayController()
{
    m_gateway.reset();
}

void GatewayController::workspaceLoaded()
{
    const QJsonValue saved = m_session->engine()->extraValue(kKey);
    QString error;
    const std::optional<GatewayOptions> options = saved.isObject() ? GatewayOptions::fromJson(saved.toObject(), &error)
                                                                   : std::optional<GatewayOptions>(GatewayOptions{});
    if (!options) {
        m_gateway->stop();
        Q_EMIT message(tr("Gateway not started: %1").arg(error));
        return;
    }
    if (options->enabled)
        start(*options);
    else
        m_gateway->stop();
}

void GatewayController::openDialog()
{
    auto *dialog = new GatewayDialog(m_gateway->isRunning() ? m_gateway->options() : [this] {
        const QJsonValue saved = m_session->engine()->extraValue(kKey);
        QString error;
        return saved.isObject() ? GatewayOptions::fromJson(saved.toObject(), &error).value_or(GatewayOptions{}) : GatewayOptions{};
    }(), m_dialogParent);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { apply(dialog->options()); });
    dialog->open();
}

void GatewayController::apply(const GatewayOptions &options)
{
    GatewayOptions kept = options;
    kept.token.clear(); // a secret: never in the workspace file
    m_session->engine()->setExtraValue(kKey, kept.toJson());
    if (options.enabled)
        start(options);
    else
        m_gateway->stop();
}

void GatewayController::start(GatewayOptions options)
{
    auto serve = [this](GatewayOptions withToken) {
        QString error;
        if (!m_gateway->start(withToken, &error))
            Q_EMIT message(tr("Gateway not started: %1").arg(error));
    };
    if (options.isLoopbackOnly() || !m_token.isEmpty()) {
        options.token = options.isLoopbackOnly() ? QString() : m_token;
        serve(options);
        return;
    }
    // Beyond loopback: the token from the keyring, else a new one kept there and shown once.
    SecretStore *secrets = m_session->secrets();
    EndpointConfig entry;
    entry.id = kSecretId;
    QPointer<GatewayController> self(this);
    secrets->loadSecrets(entry, [self, secrets, options, serve](const EndpointConfig &loaded, const QString &) {
        if (!self)
            return;
        GatewayOptions withToken = options;
        if (!loaded.bearerToken.isEmpty()) {
            self->m_token = loaded.bearerToken;
        } else {
            self->m_token = Gateway::generateToken();
            EndpointConfig save;
            save.id = kSecretId;
            save.bearerToken = self->m_token;
            secrets->saveSecrets(save);
            auto *box = new QMessageBox(QMessageBox::Information, tr("Gateway token"),
                                        tr("The gateway is not on loopback: clients need this bearer token "
                                           "(Authorization: Bearer TOKEN). It is kept in the keyring and not shown again.\n\n%1")
                                            .arg(self->m_token),
                                        QMessageBox::Ok, self->m_dialogParent);
            box->setObjectName(QStringLiteral("gatewayToken"));
            box->setTextFormat(Qt::PlainText);
            box->setTextInteractionFlags(Qt::TextSelectableByMouse);
            box->setAttribute(Qt::WA_DeleteOnClose);
            box->open();
        }
        withToken.token = self->m_token;
        serve(withToken);
    });
}

void GatewayController::updateLabel()
{
    if (!m_gateway->isRunning()) {
        m_label->setVisible(false);
        return;
    }
    const GatewayOptions &options = m_gateway->options();
    m_label->setText(tr("Gateway: %1").arg(m_gateway->summary()));
    QStringList tip{tr("Serving this workspace at %1").arg(m_gateway->httpUrl())};
    if (!m_gateway->coapUrl().isEmpty())
        tip << tr("CoAP: %1").arg(m_gateway->coapUrl());
    tip << (options.readOnly ? tr("Read-only") : tr("Reads and writes"));
    if (!options.token.isEmpty())
        tip << tr("Clients need the bearer token");
    m_label->setToolTip(tip.join(QLatin1Char('\n')));
    m_label->setVisible(true);
}

} // namespace thingscape
