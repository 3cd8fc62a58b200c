#include "gatewaydialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace thingscape {

namespace {

QString joinAddress(const QHostAddress &address, quint16 port)
{
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol ? QStringLiteral("[%1]").arg(address.toString())
                                                                             : address.toString();
    return QStringLiteral("%1:%2").arg(host).arg(port);
}

} // namespace

GatewayDialog::GatewayDialog(const GatewayOptions &options, QWidget *parent)
    : QDialog(parent)
    , m_base(options)
    , m_enabled(new QCheckBox(tr("&Serve this workspace"), this))
    , m_http(new QLineEdit(joinAddress(options.httpAddress, options.httpPort), this))
    , m_coapEnabled(new QCheckBox(tr("Also over &CoAP"), this))
    , m_coap(new QLineEdit(joinAddress(options.coapAddress, options.coapPort), this))
    , m_readOnly(new QCheckBox(tr("&Read-only (writes are refused with 403)"), this))
    , m_problem(new QLabel(this))
    , m_note(new QLabel(this))
{
    setObjectName(QStringLiteral("gatewayDialog"));
    setWindowTitle(tr("Gateway"));
    m_enabled->setChecked(options.enabled);
    m_coapEnabled->setChecked(options.coap);
    m_readOnly->setChecked(options.readOnly);
    m_http->setObjectName(QStringLiteral("gatewayHttp"));
    m_coap->setObjectName(QStringLiteral("gatewayCoap"));
    m_http->setPlaceholderText(QStringLiteral("127.0.0.1:8080"));
    m_coap->setPlaceholderText(QStringLiteral("127.0.0.1:5683"));
    for (QLabel *label : {m_problem, m_note}) {
        label->setTextFormat(Qt::PlainText);
        label->setWordWrap(true);
    }
    m_problem->setObjectName(QStringLiteral("gatewayProblem"));
    m_problem->setStyleSheet(QStringLiteral("color: palette(link)"));

    auto *intro = new QLabel(tr("Every resource of this workspace, whatever carries it, served to any HTTP or CoAP "
                                "client: REST at /resources, live updates (SSE, WebSocket /ws), WoT Thing "
                                "Descriptions at /.well-known/wot, /openapi.json."),
                             this);
    intro->setWordWrap(true);
    auto *form = new QFormLayout;
    form->addRow(m_enabled);
    form->addRow(tr("&HTTP address:"), m_http);
    form->addRow(m_coapEnabled);
    form->addRow(tr("C&oAP address:"), m_coap);
    form->addRow(m_readOnly);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(m_note);
    layout->addWidget(m_problem);
    layout->addWidget(buttons);

    for (QLineEdit *field : {m_http, m_coap})
        connect(field, &QLineEdit::textChanged, this, &GatewayDialog::check);
    for (QCheckBox *box : {m_enabled, m_coapEnabled, m_readOnly})
        connect(box, &QCheckBox::toggled, this, &GatewayDialog::check);
    check();
    resize(520, sizeHint().height());
}

GatewayOptions GatewayDialog::options() const
{
    GatewayOptions options = m_base;
    QString error;
    options.enabled = m_enabled->isChecked();
    options.readOnly = m_readOnly->isChecked();
    options.coap = m_coapEnabled->isChecked();
    GatewayOptions::parseAddress(m_http->text().trimmed(), &options.httpAddress, &options.httpPort, &error);
    if (options.coap)
        GatewayOptions::parseAddress(m_coap->text().trimmed(), &options.coapAddress, &options.coapPort, &error);
    return options;
}

bool GatewayDialog::isValid() const
{
    return m_problem->text().isEmpty();
}

void GatewayDialog::check()
{
    QString problem;
    QHostAddress address;
    quint16 port = 0;
    if (!GatewayOptions::parseAddress(m_http->text().trimmed(), &address, &port, &problem))
        problem = tr("HTTP: %1").arg(problem);
    else if (m_coapEnabled->isChecked() && !GatewayOptions::parseAddress(m_coap->text().trimmed(), &address, &port, &problem))
        problem = tr("CoAP: %1").arg(problem);
    m_coap->setEnabled(m_coapEnabled->isChecked());
    m_problem->setText(problem);
    m_problem->setVisible(!problem.isEmpty());
    const GatewayOptions edited = options();
    m_note->setText(problem.isEmpty() && !edited.isLoopbackOnly()
                        ? tr("Not on loopback: clients need a bearer token (Authorization: Bearer …). One is "
                             "generated, kept in the keyring and shown once.")
                        : QString());
    m_note->setVisible(!m_note->text().isEmpty());
    if (m_ok)
        m_ok->setEnabled(problem.isEmpty());
}

} // namespace thingscape
