#pragma once

#include "model/endpointconfig.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;
class QTabWidget;

namespace thingscape {

// A form for one EndpointConfig: name, URL (checked as it is typed), credentials, TLS /
// DTLS files and PSK, the opt-in to skip peer verification, MQTT session options and the
// HTTP / CoAP polling options. Only the parts the URL's scheme uses are shown. Every
// widget has an objectName so tests and accessibility tools can find it.
class EndpointEditor : public QWidget
{
    Q_OBJECT

public:
    explicit EndpointEditor(QWidget *parent = nullptr);
    ~EndpointEditor() override;

    // Shows config; fields the form does not show (id, unknown keys) are kept for config().
    void setConfig(const EndpointConfig &config);
    EndpointConfig config() const;
    // Fills secret fields that are still empty and untouched (secrets load after the rest).
    void mergeSecrets(const EndpointConfig &secrets);

    bool isValid() const { return validationError().isEmpty(); }
    // The first problem that keeps the config from being used, ready to show; empty if none.
    QString validationError() const;
    // True once the user changed something since setConfig() or setModified(false).
    bool isModified() const { return m_modified; }
    void setModified(bool modified);
    // Says where secrets go (placeholders of the secret fields): the keyring, or this
    // session's memory only.
    void setKeyringAvailable(bool available);
    // Moves the keyboard focus to the name field (F2 in the connections dialog).
    void focusName();

Q_SIGNALS:
    void changed();

private:
    QWidget *buildGeneralPage();
    QWidget *buildSecurityPage();
    QWidget *buildMqttPage();
    QWidget *buildPollingPage();
    QWidget *fileRow(QLineEdit *edit, const QString &objectName, const QString &dialogTitle);
    QString currentScheme() const;
    QString urlError() const;
    void updateVisibility();
    void updateValidation();
    void onEdited();

    EndpointConfig m_base;
    bool m_loading = false;
    bool m_modified = false;

    // Children of this widget, owned through the Qt object tree.
    QTabWidget *m_tabs;
    QWidget *m_generalPage;
    QWidget *m_securityPage;
    QWidget *m_mqttPage;
    QWidget *m_pollingPage;
    QFormLayout *m_generalForm;
    QFormLayout *m_securityForm;
    QLineEdit *m_name;
    QLineEdit *m_url;
    QLabel *m_urlError;
    QCheckBox *m_autoConnect;
    QLineEdit *m_username;
    QLineEdit *m_password;
    QLineEdit *m_bearerToken;
    QLineEdit *m_caFile;
    QLineEdit *m_certFile;
    QLineEdit *m_keyFile;
    QLineEdit *m_keyPassword;
    QLineEdit *m_pskIdentity;
    QLineEdit *m_pskKey;
    QCheckBox *m_insecure;
    QLabel *m_insecureWarning;
    QComboBox *m_mqttVersion;
    QLineEdit *m_clientId;
    QSpinBox *m_keepAlive;
    QCheckBox *m_cleanSession;
    QPlainTextEdit *m_filters;
    QLineEdit *m_willTopic;
    QLineEdit *m_willPayload;
    QComboBox *m_willQos;
    QCheckBox *m_willRetain;
    QSpinBox *m_pollInterval;
    QSpinBox *m_requestTimeout;
    QSpinBox *m_maxMessage;
    QLabel *m_validation;
};

} // namespace thingscape
