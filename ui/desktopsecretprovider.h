#pragma once

#include "protocols/engine/secretprovider.h"

#include <QPointer>

class QWidget;

namespace thingscape {

class SecretStore;

// The window's secrets: the keyring (QtKeychain, through SecretStore) and, for what it does
// not hold, the user (SecretPrompt; the answers go to the keyring or the session memory).
// Without a prompt parent nobody is asked and a missing secret is reported instead.
class DesktopSecretProvider : public SecretProvider
{
    Q_OBJECT

public:
    explicit DesktopSecretProvider(SecretStore *store, QObject *parent = nullptr);
    ~DesktopSecretProvider() override;

    // The window the prompts belong to. Not owned.
    void setPromptParent(QWidget *parent);

    void loadSecrets(const EndpointConfig &config, Callback done) override;

private:
    QPointer<SecretStore> m_store;  // Not owned.
    QPointer<QWidget> m_promptParent; // Not owned.
};

} // namespace thingscape
