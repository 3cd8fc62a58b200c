#include "verbrunner.h"

#include "valueformatter.h"

#include "model/codecs/codecs.h"
#include "model/resourcestore.h"
#include "protocols/connectorfactory.h"
#include "protocols/wakeup.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QJsonObject>
#include <QPointer>

#include <cstdio>

namespace thingscape {

namespace {

constexpr std::chrono::milliseconds kDefaultDiscoverWindow{3000};
constexpr std::chrono::milliseconds kDefaultGetTimeout{5000};
constexpr std::chrono::milliseconds kPutTimeout{10000};

void printOut(const QByteArray &line)
{
    std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

void printErr(const QString &text)
{
    const QByteArray line = QStringLiteral("thingscape: %1\n").arg(text).toLocal8Bit();
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fflush(stderr);
}

QString seconds(std::chrono::milliseconds ms)
{
    return QString::number(double(ms.count()) / 1000.0, 'g', 3);
}

} // namespace

VerbRunner::VerbRunner(const CliCommand &command, QObject *parent)
    : QObject(parent)
    , m_command(command)
    , m_wakeup(new Wakeup(this))
{
}

VerbRunner::~VerbRunner() = default;

int VerbRunner::exitCodeFor(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::None:
        return 0;
    case ErrorKind::Timeout:
    case ErrorKind::NotFound:
        return 1;
    case ErrorKind::Usage:
        return 2;
    case ErrorKind::Connection:
    case ErrorKind::Tls:
    case ErrorKind::Auth:
    case ErrorKind::Protocol:
    case ErrorKind::Unsupported:
        return 3;
    }
    return 3;
}

int VerbRunner::fail(const Result &result)
{
    printErr(result.error.isEmpty() ? tr("failed") : result.error);
    return exitCodeFor(result.kind);
}

void VerbRunner::printNotice(const Result &result)
{
    if (!result.notice.isEmpty())
        printErr(result.notice);
}

QCoro::Task<> VerbRunner::runAndExit()
{
    const int code = co_await run();
    QCoreApplication::exit(code);
}

void VerbRunner::finish()
{
    if (m_connector) {
        m_connector->flush();
        m_connector->disconnectFromEndpoint();
    }
}

QCoro::Task<int> VerbRunner::run()
{
    if (m_command.endpoint.insecure)
        printErr(tr("warning: --insecure: the identity of %1 is not verified").arg(m_command.url.hostPort()));

    // Encode before connecting: a bad value is a usage error, whatever the network says.
    QByteArray payload;
    int contentFormat = ContentFormat::Unknown;
    if (m_command.verb == Verb::Put) {
        QString why;
        if (!codecs::encode(m_command.value, m_command.format, &payload, &contentFormat, &why)) {
            printErr(tr("cannot encode the value as %1: %2").arg(m_command.format, why));
            co_return 2;
        }
    }

    QString error;
    m_connector = createConnector(m_command.endpoint, &error);
    if (!m_connector) {
        printErr(error);
        co_return 2;
    }
    m_connector->setBatchIntervalMs(10);
    const Result connected = co_await m_connector->connectToEndpoint();
    if (!connected.ok())
        co_return fail(connected);
    printNotice(connected);

    int code = 0;
    switch (m_command.verb) {
    case Verb::Discover:
        code = co_await discover();
        break;
    case Verb::Get:
        code = co_await get();
        break;
    case Verb::Put: {
        WriteOptions options;
        options.contentFormat = contentFormat;
        options.qos = m_command.qos;
        options.retain = m_command.retain;
        options.timeout = kPutTimeout;
        const Result written = co_await m_connector->write(m_command.url, payload, options);
        code = written.ok() ? 0 : fail(written);
        if (written.ok())
            printNotice(written);
        break;
    }
    case Verb::Watch:
        code = co_await watch();
        break;
    }
    finish();
    co_return code;
}

QCoro::Task<int> VerbRunner::discover()
{
    m_store = std::make_unique<ResourceStore>();
    connect(m_connector.get(), &Connector::updatesReady, m_store.get(), &ResourceStore::ingest);
    const auto window = m_command.timeout.value_or(kDefaultDiscoverWindow);
    const Result result = co_await m_connector->discover(m_command.url, window);
    m_connector->flush();
    if (!result.ok())
        co_return fail(result);
    printNotice(result);
    const QList<const Resource *> found = m_store->findByPrefix(QString());
    if (found.isEmpty()) {
        printErr(tr("nothing found under %1 within %2 s").arg(m_command.url.toString(), seconds(window)));
        co_return 1;
    }
    for (const Resource *resource : found) {
        if (m_command.json)
            printOut(ValueFormatter::jsonLine(ValueFormatter::resourceJson(*resource)));
        else
            printOut(ValueFormatter::resourceText(*resource).toUtf8());
    }
    co_return 0;
}

QCoro::Task<int> VerbRunner::get()
{
    const auto timeout = m_command.timeout.value_or(kDefaultGetTimeout);
    const ReadResult read = co_await m_connector->read(m_command.url, timeout);
    if (!read.result.ok())
        co_return fail(read.result);
    printNotice(read.result);
    const Value &value = read.value;
    if (m_command.json) {
        QJsonObject object;
        object.insert(QStringLiteral("uri"), (read.id.isValid() ? read.id : m_command.url).toString());
        const QJsonValue json = ValueFormatter::toJson(value);
        if (!json.isUndefined())
            object.insert(QStringLiteral("value"), json);
        if (value.contentFormat >= 0)
            object.insert(QStringLiteral("ct"), value.contentFormat);
        if (value.timeMs > 0)
            object.insert(QStringLiteral("time"), ValueFormatter::timeText(value.timeMs));
        printOut(ValueFormatter::jsonLine(object));
    } else {
        printOut(ValueFormatter::toText(value).toUtf8());
    }
    co_return 0;
}

void VerbRunner::onWatchUpdates(const UpdateBatch &updates)
{
    for (const Update &update : updates) {
        if (update.direction != Direction::In || !update.value)
            continue;
        if (m_command.count > 0 && m_watched >= m_command.count)
            break;
        const Value &value = *update.value;
        const qint64 timeMs = value.timeMs > 0 ? value.timeMs : QDateTime::currentMSecsSinceEpoch();
        if (m_command.json) {
            QJsonObject object;
            object.insert(QStringLiteral("uri"), update.id.toString());
            object.insert(QStringLiteral("time"), ValueFormatter::timeText(timeMs));
            const QJsonValue json = ValueFormatter::toJson(value);
            if (!json.isUndefined())
                object.insert(QStringLiteral("value"), json);
            if (value.contentFormat >= 0)
                object.insert(QStringLiteral("ct"), value.contentFormat);
            printOut(ValueFormatter::jsonLine(object));
        } else {
            printOut((ValueFormatter::timeText(timeMs) + QLatin1Char(' ') + update.id.toString() + QLatin1Char(' ')
                      + ValueFormatter::toText(value))
                         .toUtf8());
        }
        ++m_watched;
    }
    m_wakeup->notify();
}

QCoro::Task<int> VerbRunner::watch()
{
    QPointer<VerbRunner> self(this);
    connect(m_connector.get(), &Connector::updatesReady, this, &VerbRunner::onWatchUpdates);
    const Result observed = co_await m_connector->observe(m_command.url);
    if (!observed.ok())
        co_return fail(observed);
    printNotice(observed);
    const QDeadlineTimer deadline = m_command.timeout ? QDeadlineTimer(*m_command.timeout) : QDeadlineTimer::Forever;
    auto done = [this] { return m_command.count > 0 && m_watched >= m_command.count; };
    while (!done()) {
        const qint64 remaining = deadline.remainingTime();
        if (remaining == 0)
            break;
        co_await m_wakeup->wait(std::chrono::milliseconds(remaining < 0 ? 1 << 30 : remaining));
        if (!self)
            co_return 3;
    }
    m_connector->unobserve(m_command.url);
    if (done())
        co_return 0;
    if (m_watched == 0 || m_command.count > 0) {
        printErr(tr("%n update(s) from %1 within %2 s", nullptr, m_watched)
                     .arg(m_command.url.toString(), seconds(*m_command.timeout)));
        co_return 1;
    }
    co_return 0;
}

} // namespace thingscape
