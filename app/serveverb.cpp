#include "serveverb.h"

#include "cli.h"
#include "headlessverb.h"

#include "model/workspace.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/headlesssecretprovider.h"
#include "protocols/gateway/gateway.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStandardPaths>

#include <cstdio>

namespace thingscape {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("serve", text);
}

void printErr(const QString &text)
{
    const QByteArray line = QStringLiteral("thingscape serve: %1\n").arg(text).toLocal8Bit();
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fflush(stderr);
}

QString readToken(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = tr("cannot read the token file '%1': %2").arg(QDir::toNativeSeparators(path), file.errorString());
        return {};
    }
    const QString token = QString::fromUtf8(file.read(4096)).trimmed();
    if (token.isEmpty() || token.contains(QLatin1Char('\n')) || token.contains(QLatin1Char(' ')))
        *error = tr("the token file '%1' must hold one token on one line").arg(QDir::toNativeSeparators(path));
    return token;
}

// Where a generated token is kept (owner-only): beside the other headless secrets, named the
// way HeadlessSecretProvider names a secret ("gateway/bearerToken").
QString storedTokenPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation) + QStringLiteral("/gateway-secrets");
}

QString storedToken()
{
    QFile file(storedTokenPath());
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QByteArray prefix = "gateway/bearerToken=";
    for (const QByteArray &line : file.readAll().split('\n')) {
        if (line.startsWith(prefix))
            return QString::fromUtf8(line.mid(prefix.size())).trimmed();
    }
    return {};
}

bool storeToken(const QString &token, QString *error)
{
    const QString path = storedTokenPath();
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = file.errorString();
        return false;
    }
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    file.write("gateway/bearerToken=" + token.toUtf8() + '\n');
    if (!file.commit()) {
        *error = file.errorString();
        return false;
    }
    return true;
}

} // namespace

OptionMatch parseGatewayOption(const QStringList &args, qsizetype &i, GatewayVerbOptions *options, QString *error)
{
    const QString &arg = args.at(i);
    if (arg == QLatin1String("--read-only")) {
        options->gateway.readOnly = true;
        return OptionMatch::Taken;
    }
    if (arg != QLatin1String("--http") && arg != QLatin1String("--coap") && arg != QLatin1String("--token-file")
        && arg != QLatin1String("--max-body"))
        return OptionMatch::NotMine;
    const std::optional<QString> value = takeOptionValue(args, i, error);
    if (!value)
        return OptionMatch::Failed;
    if (arg == QLatin1String("--http")) {
        if (!GatewayOptions::parseAddress(*value, &options->gateway.httpAddress, &options->gateway.httpPort, error))
            return OptionMatch::Failed;
        options->httpGiven = true;
    } else if (arg == QLatin1String("--coap")) {
        if (!GatewayOptions::parseAddress(*value, &options->gateway.coapAddress, &options->gateway.coapPort, error))
            return OptionMatch::Failed;
        options->gateway.coap = true;
    } else if (arg == QLatin1String("--token-file")) {
        options->tokenFile = *value;
    } else {
        bool ok = false;
        options->gateway.maxBodyBytes = value->toLongLong(&ok);
        if (!ok || options->gateway.maxBodyBytes < 1) {
            *error = tr("--max-body needs a number of bytes, not \"%1\"").arg(*value);
            return OptionMatch::Failed;
        }
    }
    return OptionMatch::Taken;
}

bool resolveGatewayToken(GatewayVerbOptions *options, QString *notice, QString *error)
{
    if (!options->tokenFile.isEmpty()) {
        options->gateway.token = readToken(options->tokenFile, error);
        return error->isEmpty();
    }
    if (options->gateway.isLoopbackOnly())
        return true;
    options->gateway.token = qEnvironmentVariable("THINGSCAPE_SECRET_GATEWAY_BEARERTOKEN");
    if (options->gateway.token.isEmpty())
        options->gateway.token = storedToken();
    if (!options->gateway.token.isEmpty())
        return true;
    options->gateway.token = Gateway::generateToken();
    QString why;
    if (!storeToken(options->gateway.token, &why)) {
        *error = tr("cannot keep the generated token in '%1': %2").arg(storedTokenPath(), why);
        return false;
    }
    // Told this once; later runs take it from where it is kept.
    *notice = tr("not on loopback: clients need this bearer token (kept in %1): %2")
                  .arg(QDir::toNativeSeparators(storedTokenPath()), options->gateway.token);
    return true;
}

QByteArray gatewayReadyLine(const Gateway &gateway)
{
    QJsonObject ready{{QStringLiteral("http"), gateway.httpUrl()}};
    if (gateway.options().coap)
        ready.insert(QStringLiteral("coap"), gateway.coapUrl());
    return QJsonDocument(ready).toJson(QJsonDocument::Compact) + '\n';
}

int serveGateway(const QStringList &args)
{
    GatewayVerbOptions options;
    HeadlessOptions common;
    QString error;
    const auto own = [&options](const QStringList &words, qsizetype &i, const HeadlessOptions &, QString *why) {
        return parseGatewayOption(words, i, &options, why);
    };
    bool parsed = parseHeadlessOptions(args, own, &common, &error);
    if (parsed && !options.httpGiven) {
        error = tr("'serve' needs --http ADDRESS:PORT (e.g. --http 127.0.0.1:8080)");
        parsed = false;
    }
    if (!parsed) {
        printErr(error);
        printErr(tr("usage: thingscape serve WORKSPACE --http ADDR:PORT [--coap ADDR:PORT] [--token-file F] "
                    "[--read-only] [--max-body BYTES] [--for S]"));
        return ExitUsage;
    }
    QString notice;
    if (!resolveGatewayToken(&options, &notice, &error)) {
        printErr(error);
        return ExitUsage;
    }
    if (!notice.isEmpty())
        printErr(notice);
    std::optional<Workspace> workspace = Workspace::load(common.path, &error);
    if (!workspace) {
        printErr(error);
        return ExitUsage;
    }

    Engine engine;
    HeadlessSecretProvider secrets;
    engine.setSecretProvider(&secrets);
    Gateway gateway(&engine);
    if (!gateway.start(options.gateway, &error)) {
        printErr(error);
        return ExitUsage;
    }
    QObject::connect(&engine, &Engine::connectFailed, &engine, [](const QString &id, const QString &why) {
        printErr(tr("endpoint %1: %2").arg(id, why));
    });
    engine.apply(*workspace, common.path);

    const QByteArray line = gatewayReadyLine(gateway);
    std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
    std::fflush(stdout);

    const int code = runHeadlessLoop(&engine, common.forSeconds);
    gateway.stop();
    engine.disconnectAll();
    return code;
}

} // namespace thingscape
