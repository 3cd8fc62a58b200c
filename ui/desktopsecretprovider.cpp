#include "desktopsecretprovider.h"

#include "secretprompt.h"
#include "secretstore.h"

#include <QWidget>

namespace thingscape {

DesktopSecretProvider::DesktopSecretProvider(SecretStore *store, QObject *parent)
    : SecretProvider(parent)
    , m_store(store)
{
}

DesktopSecretProvider::~DesktopSecretProvider() = default;

void DesktopSecretProvider::setPromptParent(QWidget *parent)
{
    m_promptParent = parent;
}

void DesktopSecretProvider::loadSecrets(const EndpointConfig &config, Callback done)
{
    QPointer<DesktopSecretProvider> self(this);
    auto withLoaded = [self, done](const EndpointConfig &loaded, const QString &keyringError) {
        if (!self)
            return;
        const QStringList missing = missingSecrets(loaded);
        if (missing.isEmpty()) {
            done({SecretAnswer::Outcome::Complete, loaded, {}});
            return;
        }
        if (!self->m_promptParent) {
            QStringList labels;
            for (const QString &field : missing)
                labels.append(SecretStore::fieldLabel(field).toLower());
            QString error = tr("Cannot connect %1: no %2 in the keyring")
                                .arg(describeEndpoint(loaded), labels.join(QStringLiteral(", ")));
            if (!keyringError.isEmpty())
                error += QStringLiteral(" (") + keyringError + QLatin1Char(')');
            done({SecretAnswer::Outcome::Missing, loaded, error});
            return;
        }
        SecretPrompt::ask(self->m_promptParent, loaded, missing,
                          [self, done](const EndpointConfig &answered, bool accepted) {
                              if (!self)
                                  return;
                              if (!accepted) {
                                  done({SecretAnswer::Outcome::Cancelled, answered, {}});
                                  return;
                              }
                              if (self->m_store)
                                  self->m_store->saveSecrets(answered);
                              done({SecretAnswer::Outcome::Complete, answered, {}});
                          });
    };
    if (!m_store) {
        withLoaded(config, {});
        return;
    }
    m_store->loadSecrets(config, withLoaded);
}

} // namespace thingscape
