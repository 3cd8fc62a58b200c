#include "headlesssecretprovider.h"

#include <QDir>
#include <QFile>

namespace thingscape {

namespace {

QString keyFor(const QString &endpointId, const QString &field)
{
    return endpointId + QLatin1Char('/') + field;
}

} // namespace

HeadlessSecretProvider::HeadlessSecretProvider(QObject *parent)
    : SecretProvider(parent)
{
}

HeadlessSecretProvider::~HeadlessSecretProvider() = default;

QString HeadlessSecretProvider::environmentVariable(const QString &endpointId, const QString &field)
{
    QString name = QStringLiteral("THINGSCAPE_SECRET_");
    for (const QChar c : endpointId.toUpper()) {
        const bool plain = (c >= QLatin1Char('A') && c <= QLatin1Char('Z')) || (c >= QLatin1Char('0') && c <= QLatin1Char('9'));
        name += plain ? c : QLatin1Char('_');
    }
    return name + QLatin1Char('_') + field.toUpper();
}

bool HeadlessSecretProvider::loadFile(const QString &path, QString *error)
{
    auto fail = [error, &path](const QString &why) {
        if (error)
            *error = tr("Cannot read the secrets file '%1': %2").arg(QDir::toNativeSeparators(path), why);
        return false;
    };
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(file.errorString());
    const QList<QByteArray> lines = file.readAll().split('\n');
    if (file.error() != QFileDevice::NoError)
        return fail(file.errorString());
    const QStringList fields = secretFields();
    QHash<QString, QString> read;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        QString line = QString::fromUtf8(lines.at(i));
        if (line.endsWith(QLatin1Char('\r')))
            line.chop(1);
        if (line.trimmed().isEmpty() || line.trimmed().startsWith(QLatin1Char('#')))
            continue;
        const qsizetype equals = line.indexOf(QLatin1Char('='));
        const QString key = line.left(equals).trimmed();
        const qsizetype slash = key.lastIndexOf(QLatin1Char('/'));
        if (equals < 0 || slash <= 0)
            return fail(tr("line %1: expected <endpoint id>/<field>=<value>").arg(i + 1));
        const QString field = key.mid(slash + 1);
        if (!fields.contains(field))
            return fail(tr("line %1: unknown secret '%2' (known: %3)").arg(i + 1).arg(field, fields.join(QStringLiteral(", "))));
        read.insert(key, line.mid(equals + 1));
    }
    m_secrets.insert(read);
    m_files.append(path);
    return true;
}

void HeadlessSecretProvider::setSecret(const QString &endpointId, const QString &field, const QString &value)
{
    m_secrets.insert(keyFor(endpointId, field), value);
}

void HeadlessSecretProvider::setFallback(SecretProvider *fallback)
{
    m_fallback = fallback;
}

EndpointConfig HeadlessSecretProvider::filled(const EndpointConfig &config) const
{
    EndpointConfig result = config;
    for (const QString &field : secretFields()) {
        if (!secretValue(result, field).isEmpty())
            continue;
        const QString variable = environmentVariable(config.id, field);
        if (qEnvironmentVariableIsSet(variable.toLatin1().constData())) {
            setSecretValue(result, field, qEnvironmentVariable(variable.toLatin1().constData()));
            continue;
        }
        const auto it = m_secrets.constFind(keyFor(config.id, field));
        if (it != m_secrets.constEnd())
            setSecretValue(result, field, *it);
    }
    return result;
}

QString HeadlessSecretProvider::missingMessage(const EndpointConfig &config, const QStringList &missing) const
{
    QStringList parts;
    for (const QString &field : missing) {
        QString where = tr("set %1").arg(environmentVariable(config.id, field));
        where += m_files.isEmpty() ? tr(" or give a secrets file with the line '%1=…'").arg(keyFor(config.id, field))
                                   : tr(" or add the line '%1=…' to %2")
                                         .arg(keyFor(config.id, field),
                                              QDir::toNativeSeparators(m_files.join(QStringLiteral(", "))));
        parts.append(tr("the secret '%1' is missing (%2)").arg(field, where));
    }
    return tr("Cannot connect %1: %2").arg(describeEndpoint(config), parts.join(QStringLiteral("; ")));
}

void HeadlessSecretProvider::answer(Callback done, const SecretAnswer &answer)
{
    // Always later, as with a keyring: callers see one order whatever the source.
    QMetaObject::invokeMethod(this, [done = std::move(done), answer] { done(answer); }, Qt::QueuedConnection);
}

void HeadlessSecretProvider::loadSecrets(const EndpointConfig &config, Callback done)
{
    const EndpointConfig result = filled(config);
    const QStringList missing = missingSecrets(result);
    if (missing.isEmpty()) {
        answer(std::move(done), {SecretAnswer::Outcome::Complete, result, {}});
        return;
    }
    if (!m_fallback) {
        answer(std::move(done), {SecretAnswer::Outcome::Missing, result, missingMessage(result, missing)});
        return;
    }
    QPointer<HeadlessSecretProvider> self(this);
    m_fallback->loadSecrets(result, [self, done](const SecretAnswer &fromFallback) {
        if (!self)
            return;
        if (fromFallback.outcome != SecretAnswer::Outcome::Missing) {
            self->answer(done, fromFallback);
            return;
        }
        const QStringList stillMissing = missingSecrets(fromFallback.config);
        QString error = self->missingMessage(fromFallback.config, stillMissing);
        if (!fromFallback.error.isEmpty())
            error += QStringLiteral(" (") + fromFallback.error + QLatin1Char(')');
        self->answer(done, {SecretAnswer::Outcome::Missing, fromFallback.config, error});
    });
}

} // namespace thingscape
