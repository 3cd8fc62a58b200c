#include "secretprovider.h"

#include <QFile>

namespace thingscape {

namespace {

const QString &kPassword = SecretProvider::kPasswordField;
const QString &kKeyPassword = SecretProvider::kKeyPasswordField;
const QString &kPskKey = SecretProvider::kPskKeyField;
const QString &kBearerToken = SecretProvider::kBearerTokenField;

// PEM keys say whether they are encrypted in their first lines; DER keys are not checked.
bool keyFileIsEncrypted(const QString &path)
{
    QFile file(path);
    if (path.isEmpty() || !file.open(QIODevice::ReadOnly))
        return false;
    return file.read(4096).contains("ENCRYPTED");
}

} // namespace

SecretProvider::SecretProvider(QObject *parent)
    : QObject(parent)
{
}

SecretProvider::~SecretProvider() = default;

QStringList SecretProvider::secretFields()
{
    return {kPassword, kKeyPassword, kPskKey, kBearerToken};
}

QString SecretProvider::secretValue(const EndpointConfig &config, const QString &field)
{
    if (field == kPassword)
        return config.password;
    if (field == kKeyPassword)
        return config.keyPassword;
    if (field == kPskKey)
        return QString::fromUtf8(config.pskKey);
    if (field == kBearerToken)
        return config.bearerToken;
    return {};
}

void SecretProvider::setSecretValue(EndpointConfig &config, const QString &field, const QString &value)
{
    if (field == kPassword)
        config.password = value;
    else if (field == kKeyPassword)
        config.keyPassword = value;
    else if (field == kPskKey)
        config.pskKey = value.toUtf8();
    else if (field == kBearerToken)
        config.bearerToken = value;
}

bool SecretProvider::sameSecrets(const EndpointConfig &a, const EndpointConfig &b)
{
    return a.password == b.password && a.keyPassword == b.keyPassword && a.pskKey == b.pskKey
           && a.bearerToken == b.bearerToken;
}

QStringList SecretProvider::missingSecrets(const EndpointConfig &config)
{
    QStringList missing;
    if (!config.username.isEmpty() && config.password.isEmpty())
        missing.append(kPassword);
    if (config.keyPassword.isEmpty() && keyFileIsEncrypted(config.keyFile))
        missing.append(kKeyPassword);
    if (!config.pskIdentity.isEmpty() && config.pskKey.isEmpty())
        missing.append(kPskKey);
    return missing;
}

bool SecretProvider::mayNeedSecrets(const EndpointConfig &config)
{
    return !config.username.isEmpty() || !config.pskIdentity.isEmpty() || !config.keyFile.isEmpty()
           || config.hasSecrets();
}

QString SecretProvider::describeEndpoint(const EndpointConfig &config)
{
    const QString name = config.name.isEmpty() ? config.url.hostPort() : config.name;
    if (name == config.id || config.id.isEmpty())
        return tr("endpoint '%1'").arg(name);
    return tr("endpoint '%1' (id %2)").arg(name, config.id);
}

} // namespace thingscape
