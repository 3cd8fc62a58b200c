#pragma once

#include "protocols/gateway/gatewayoptions.h"

#include <QDialog>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace thingscape {

// Settings of the gateway that serves the current workspace: on / off, the HTTP and CoAP
// addresses, read-only. Checked as typed: OK stays off while an address is malformed.
class GatewayDialog : public QDialog
{
    Q_OBJECT

public:
    explicit GatewayDialog(const GatewayOptions &options, QWidget *parent = nullptr);

    // The options as edited (only meaningful while isValid()).
    GatewayOptions options() const;
    bool isValid() const;
    QLineEdit *httpField() const { return m_http; }
    QLineEdit *coapField() const { return m_coap; }
    QCheckBox *enabledBox() const { return m_enabled; }
    QCheckBox *coapBox() const { return m_coapEnabled; }
    QCheckBox *readOnlyBox() const { return m_readOnly; }

private:
    void check();

    GatewayOptions m_base;
    QCheckBox *m_enabled;
    QLineEdit *m_http;
    QCheckBox *m_coapEnabled;
    QLineEdit *m_coap;
    QCheckBox *m_readOnly;
    QLabel *m_problem;
    QLabel *m_note;
    QPushButton *m_ok = nullptr;
};

} // namespace thingscape
