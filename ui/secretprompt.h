#pragma once

#include "model/endpointconfig.h"

#include <QCoreApplication>
#include <QStringList>

#include <functional>

class QWidget;

namespace thingscape {

class EndpointManager;
class SecretStore;

// Asks the user for the secrets an endpoint needs when the keyring does not hold them (no
// keyring on this system, or never saved). Window-modal input dialogs opened with open(),
// so no nested event loop runs; the answer comes back through the callback.
class SecretPrompt
{
    Q_DECLARE_TR_FUNCTIONS(thingscape::SecretPrompt)

public:
    using Callback = std::function<void(const EndpointConfig &config, bool accepted)>;

    // One dialog per field (names from SecretStore::secretFields()), in order; done gets the
    // config with the answers filled in, or accepted == false when the user cancels one.
    static void ask(QWidget *parent, const EndpointConfig &config, const QStringList &fields, Callback done);

    // Loads the endpoint's secrets, asks for those still missing (and stores the answers in
    // the keyring or the session memory), hands the completed config to the manager and
    // connects. Does nothing when the user cancels.
    static void connectEndpoint(EndpointManager *manager, SecretStore *store, const QString &id, QWidget *parent);
};

} // namespace thingscape
