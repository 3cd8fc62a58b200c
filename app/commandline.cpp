#include "commandline.h"

#include <QCommandLineParser>
#include <QRegularExpression>
#include <QCoreApplication>
#include <QFile>

namespace thingscape {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("cli", text);
}

std::optional<Verb> verbFor(const QString &word)
{
    if (word == QLatin1String("discover"))
        return Verb::Discover;
    if (word == QLatin1String("get"))
        return Verb::Get;
    if (word == QLatin1String("put"))
        return Verb::Put;
    if (word == QLatin1String("watch"))
        return Verb::Watch;
    return std::nullopt;
}

// Reads a secret from a file; a trailing line break is not part of it.
std::optional<QByteArray> readSecret(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = tr("cannot read '%1': %2").arg(path, file.errorString());
        return std::nullopt;
    }
    QByteArray data = file.readAll();
    while (data.endsWith('\n') || data.endsWith('\r'))
        data.chop(1);
    return data;
}

} // namespace

bool CommandLine::isVerb(const QString &word)
{
    return verbFor(word).has_value();
}

std::optional<CliCommand> CommandLine::parse(const QStringList &args, QString *error)
{
    auto fail = [error](const QString &why) -> std::optional<CliCommand> {
        *error = why;
        return std::nullopt;
    };
    if (args.size() < 2 || !verbFor(args.at(1)))
        return fail(tr("expected a verb: discover, get, put or watch"));
    CliCommand command;
    command.verb = *verbFor(args.at(1));
    const QString verbName = args.at(1);

    for (const QString &arg : args) {
        if (arg == QLatin1String("--password") || arg.startsWith(QLatin1String("--password=")))
            return fail(tr("a password is never given on the command line: use --password-file FILE or the "
                           "THINGSCAPE_PASSWORD environment variable"));
    }

    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption timeout(QStringLiteral("timeout"), QString(), QStringLiteral("S"));
    const QCommandLineOption json(QStringLiteral("json"));
    const QCommandLineOption format(QStringLiteral("format"), QString(), QStringLiteral("FORMAT"));
    const QCommandLineOption qos(QStringLiteral("qos"), QString(), QStringLiteral("N"));
    const QCommandLineOption retain(QStringLiteral("retain"));
    const QCommandLineOption file(QStringLiteral("file"), QString(), QStringLiteral("FILE"));
    const QCommandLineOption session(QStringLiteral("session"), QString(), QStringLiteral("ID"));
    const QCommandLineOption count(QStringLiteral("count"), QString(), QStringLiteral("N"));
    const QCommandLineOption user(QStringLiteral("user"), QString(), QStringLiteral("NAME"));
    const QCommandLineOption passwordFile(QStringLiteral("password-file"), QString(), QStringLiteral("FILE"));
    const QCommandLineOption ca(QStringLiteral("ca"), QString(), QStringLiteral("FILE"));
    const QCommandLineOption cert(QStringLiteral("cert"), QString(), QStringLiteral("FILE"));
    const QCommandLineOption key(QStringLiteral("key"), QString(), QStringLiteral("FILE"));
    const QCommandLineOption insecure(QStringLiteral("insecure"));
    const QCommandLineOption pskIdentity(QStringLiteral("psk-identity"), QString(), QStringLiteral("ID"));
    const QCommandLineOption pskKeyFile(QStringLiteral("psk-key-file"), QString(), QStringLiteral("FILE"));
    const QCommandLineOption mqttVersion(QStringLiteral("mqtt-version"), QString(), QStringLiteral("V"));
    const QCommandLineOption clientId(QStringLiteral("client-id"), QString(), QStringLiteral("ID"));
    const QCommandLineOption interface(QStringLiteral("interface"), QString(), QStringLiteral("NAME"));
    parser.addOptions({timeout, json, format, qos, retain, file, session, count, user, passwordFile, ca, cert, key, insecure,
                       pskIdentity, pskKeyFile, mqttVersion, clientId, interface});
    QStringList rest = args;
    rest.removeAt(1); // the verb
    // A negative number is a value, not an option: `put URL -5`. It goes after "--", which
    // keeps the positional order (the URL is never numeric).
    static const QRegularExpression negativeNumber(QStringLiteral("^-(\\d|\\.\\d)"));
    QStringList numbers;
    for (qsizetype i = rest.size() - 1; i >= 1; --i) {
        if (negativeNumber.match(rest.at(i)).hasMatch())
            numbers.prepend(rest.takeAt(i));
    }
    if (!numbers.isEmpty())
        rest << QStringLiteral("--") << numbers;
    if (!parser.parse(rest))
        return fail(parser.errorText());

    // Options that belong to other verbs are mistakes worth pointing out.
    auto onlyFor = [&](const QCommandLineOption &option, const QList<Verb> &verbs) {
        return !parser.isSet(option) || verbs.contains(command.verb);
    };
    const struct
    {
        const QCommandLineOption *option;
        QList<Verb> verbs;
    } scoped[] = {
        {&timeout, {Verb::Discover, Verb::Get, Verb::Watch}},
        {&json, {Verb::Discover, Verb::Get, Verb::Watch}},
        {&format, {Verb::Put}},
        {&qos, {Verb::Put, Verb::Watch}},
        {&retain, {Verb::Put}},
        {&file, {Verb::Put}},
        {&session, {Verb::Watch}},
        {&count, {Verb::Watch}},
    };
    for (const auto &entry : scoped) {
        if (!onlyFor(*entry.option, entry.verbs))
            return fail(tr("'%1' does not take --%2").arg(verbName, entry.option->names().first()));
    }

    const QStringList positional = parser.positionalArguments();
    // put takes its value from the command line, from --file F, or from standard input ('-').
    const bool fromFile = parser.isSet(file);
    const int expected = command.verb == Verb::Put && !fromFile ? 2 : 1;
    if (positional.size() < expected)
        return fail(command.verb == Verb::Put ? tr("'put' needs a URL and a value (or --file FILE, or '-' for standard input)")
                                              : tr("'%1' needs a URL").arg(verbName));
    if (fromFile && positional.size() > 1)
        return fail(tr("'put' takes its value either from --file or from the command line, not both"));
    if (positional.size() > expected)
        return fail(tr("unexpected argument '%1'").arg(positional.at(expected)));
    QString why;
    const auto url = ResourceId::parse(positional.first(), &why);
    if (!url)
        return fail(tr("bad URL: %1").arg(why));
    command.url = *url;
    if (command.verb == Verb::Put && fromFile) {
        QFile input(parser.value(file));
        if (!input.open(QIODevice::ReadOnly))
            return fail(tr("--file: cannot read '%1': %2").arg(parser.value(file), input.errorString()));
        command.rawValue = input.readAll();
    } else if (command.verb == Verb::Put && positional.at(1) == QLatin1String("-")) {
        // Binary-safe: the bytes as they come, no line-ending or encoding changes.
        QFile input;
        if (!input.open(stdin, QIODevice::ReadOnly))
            return fail(tr("cannot read the standard input: %1").arg(input.errorString()));
        command.rawValue = input.readAll();
    } else if (command.verb == Verb::Put) {
        command.value = positional.at(1);
    }

    if (parser.isSet(timeout)) {
        bool ok = false;
        const double seconds = parser.value(timeout).toDouble(&ok);
        if (!ok || seconds <= 0 || seconds > 86400 * 365)
            return fail(tr("--timeout takes a positive number of seconds, not '%1'").arg(parser.value(timeout)));
        command.timeout = std::chrono::milliseconds(qint64(seconds * 1000));
    }
    command.json = parser.isSet(json);
    if (parser.isSet(format)) {
        command.format = parser.value(format);
        if (command.format != QLatin1String("text") && command.format != QLatin1String("json")
            && command.format != QLatin1String("cbor"))
            return fail(tr("--format takes text, json or cbor, not '%1'").arg(command.format));
    }
    if (parser.isSet(qos)) {
        bool ok = false;
        command.qos = parser.value(qos).toInt(&ok);
        if (!ok || command.qos < 0 || command.qos > 2)
            return fail(tr("--qos takes 0, 1 or 2, not '%1'").arg(parser.value(qos)));
        command.qosSet = true;
    }
    command.session = parser.value(session);
    if (parser.isSet(session) && command.session.trimmed().isEmpty())
        return fail(tr("--session takes a client id"));
    if (command.verb == Verb::Watch && (parser.isSet(qos) || parser.isSet(session))
        && command.url.protocol() != Protocol::Mqtt)
        return fail(tr("--qos and --session are for MQTT, not '%1'").arg(command.url.scheme()));
    command.retain = parser.isSet(retain);
    if (parser.isSet(count)) {
        bool ok = false;
        command.count = parser.value(count).toInt(&ok);
        if (!ok || command.count <= 0)
            return fail(tr("--count takes a positive number, not '%1'").arg(parser.value(count)));
    }

    EndpointConfig &endpoint = command.endpoint;
    endpoint.url = command.url.endpoint();
    endpoint.name = endpoint.url.toString();
    endpoint.autoConnect = false;
    // Connecting counts against --timeout too (a silent CoAP server took 7 s for --timeout 1);
    // watch's --timeout is how long to watch instead.
    // A second past it, so that the verb's own deadline (exit 1, timed out) always answers
    // first and the connector's connect timeout (exit 3) never races it.
    if (command.timeout && command.verb != Verb::Watch)
        endpoint.requestTimeoutMs = int(std::min<qint64>(command.timeout->count() + 1000, endpoint.requestTimeoutMs));
    endpoint.username = parser.value(user);
    if (parser.isSet(passwordFile)) {
        const auto password = readSecret(parser.value(passwordFile), &why);
        if (!password)
            return fail(tr("--password-file: %1").arg(why));
        endpoint.password = QString::fromUtf8(*password);
    } else if (qEnvironmentVariableIsSet("THINGSCAPE_PASSWORD")) {
        endpoint.password = qEnvironmentVariable("THINGSCAPE_PASSWORD");
    }
    endpoint.caFile = parser.value(ca);
    endpoint.certFile = parser.value(cert);
    endpoint.keyFile = parser.value(key);
    endpoint.insecure = parser.isSet(insecure);
    endpoint.pskIdentity = parser.value(pskIdentity);
    if (parser.isSet(pskKeyFile)) {
        const auto psk = readSecret(parser.value(pskKeyFile), &why);
        if (!psk)
            return fail(tr("--psk-key-file: %1").arg(why));
        endpoint.pskKey = *psk;
    }
    if (endpoint.pskIdentity.isEmpty() != endpoint.pskKey.isEmpty())
        return fail(tr("--psk-identity and --psk-key-file go together"));
    if (parser.isSet(mqttVersion)) {
        const QString version = parser.value(mqttVersion);
        if (version == QLatin1String("5") || version == QLatin1String("5.0"))
            endpoint.mqttVersion = 5;
        else if (version == QLatin1String("3.1.1") || version == QLatin1String("4"))
            endpoint.mqttVersion = 4;
        else
            return fail(tr("--mqtt-version takes 3.1.1 or 5, not '%1'").arg(version));
    }
    endpoint.clientId = parser.value(clientId);
    if (!command.session.isEmpty()) {
        if (parser.isSet(clientId) && endpoint.clientId != command.session)
            return fail(tr("--session is the client id: give one or the other, or the same"));
        // The broker keeps the subscription and queues QoS 1/2 messages while we are away.
        endpoint.clientId = command.session;
        endpoint.cleanSession = false;
    }
    // The command line's subscription QoS (read by the MQTT connector).
    if (command.verb == Verb::Watch && command.qosSet)
        endpoint.extra.insert(QStringLiteral("subscribeQos"), command.qos);
    // The network interface for CoAP multicast discovery (coap://[ff02::fd], coap://224.0.1.187).
    if (parser.isSet(interface))
        endpoint.extra.insert(QStringLiteral("interface"), parser.value(interface));
    // An MQTT URL's path is the topic filter; the endpoint itself means every topic.
    if (command.url.protocol() == Protocol::Mqtt)
        endpoint.filters = {QStringLiteral("#")};
    return command;
}

} // namespace thingscape
