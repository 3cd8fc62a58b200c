#include "secretprompt.h"

#include "secretstore.h"

#include "protocols/endpointmanager.h"

#include <QCoreApplication>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>

#include <memory>

namespace thingscape {

namespace {

void askFrom(QPointer<QWidget> parent, EndpointConfig config, QStringList fields, int index,
             SecretPrompt::Callback done)
{
    if (index >= fields.size()) {
        done(config, true);
        return;
    }
    const QString field = fields.at(index);
    auto *dialog = new QInputDialog(parent);
    dialog->setObjectName(QStringLiteral("secretPrompt"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(SecretPrompt::tr("Secret needed"));
    dialog->setInputMode(QInputDialog::TextInput);
    dialog->setTextEchoMode(QLineEdit::Password);
    const QString name = config.name.isEmpty() ? config.url.hostPort() : config.name;
    dialog->setLabelText(SecretPrompt::tr("%1 for endpoint '%2' (%3):")
                             .arg(SecretStore::fieldLabel(field), name, config.url.endpointUri()));
    // The endpoint name is the user's text: never let it be read as markup.
    for (QLabel *label : dialog->findChildren<QLabel *>())
        label->setTextFormat(Qt::PlainText);
    QObject::connect(dialog, &QInputDialog::textValueSelected, dialog,
                     [parent, config, fields, index, field, done](const QString &value) mutable {
                         SecretStore::setSecretValue(config, field, value);
                         askFrom(parent, config, fields, index + 1, done);
                     });
    QObject::connect(dialog, &QDialog::rejected, dialog, [config, done] { done(config, false); });
    dialog->open();
}

bool sameSecrets(const EndpointConfig &a, const EndpointConfig &b)
{
    for (const QString &field : SecretStore::secretFields()) {
        if (SecretStore::secretValue(a, field) != SecretStore::secretValue(b, field))
            return false;
    }
    return true;
}

} // namespace

void SecretPrompt::ask(QWidget *parent, const EndpointConfig &config, const QStringList &fields, Callback done)
{
    askFrom(parent, config, fields, 0, std::move(done));
}

void SecretPrompt::connectEndpoint(EndpointManager *manager, SecretStore *store, const QString &id, QWidget *parent)
{
    QPointer<EndpointManager> guardedManager(manager);
    QPointer<QWidget> guardedParent(parent);
    QPointer<SecretStore> guardedStore(store);
    const EndpointConfig current = manager->endpoint(id);
    if (current.id.isEmpty())
        return;
    auto apply = [guardedManager, id](const EndpointConfig &config) {
        if (!guardedManager || guardedManager->endpoint(id).id.isEmpty())
            return;
        // Replacing the entry restarts its connector, so only when the secrets changed.
        if (!sameSecrets(guardedManager->endpoint(id), config))
            guardedManager->add(config);
        guardedManager->connectEndpoint(id);
    };
    if (!store) {
        apply(current);
        return;
    }
    store->loadSecrets(current, [guardedStore, guardedParent, apply](const EndpointConfig &loaded, const QString &) {
        const QStringList missing = SecretStore::missingSecrets(loaded);
        if (missing.isEmpty()) {
            apply(loaded);
            return;
        }
        SecretPrompt::ask(guardedParent, loaded, missing,
                          [guardedStore, apply](const EndpointConfig &answered, bool accepted) {
                              if (!accepted)
                                  return;
                              if (guardedStore)
                                  guardedStore->saveSecrets(answered);
                              apply(answered);
                          });
    });
}

} // namespace thingscape
