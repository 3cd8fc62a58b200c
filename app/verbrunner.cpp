#include "verbrunner.h"

#include "valueformatter.h"

#include "model/codecs/codecs.h"
#include "model/resourcestore.h"
#include "protocols/endpointmanager.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/secretprovider.h"
#include "protocols/wakeup.h"

#include <QCoreApplication>
#include <QJsonObject>
#include <QPointer>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace thingscape {

namespace {

constexpr std::chrono::milliseconds kDefaultDiscoverWindow{3000};
// MQTT discovery ends once the broker has sent every retained message (its end marker came
// back); this only bounds a broker that never says so.
constexpr std::chrono::milliseconds kDefaultMqttDiscoverLimit{600000};
constexpr std::chrono::milliseconds kDefaultGetTimeout{5000};
constexpr std::chrono::milliseconds kPutTimeout{10000};
// How long past its own timeout a connector gets to report (with its own, more precise
// message) before the verb reports the timeout itself.
constexpr std::chrono::milliseconds kReportGrace{500};

void printOut(const QByteArray &line)
{
    std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

// Text mode: peer text (values, names, units, titles) never reaches the terminal raw.
void printText(const QString &text, ValueFormatter::Lines lines = ValueFormatter::Lines::Escape)
{
    printOut(ValueFormatter::terminalSafe(text, lines).toUtf8());
}

void printErr(const QString &text)
{
    // Errors quote peers too (topics, reason strings, decode errors).
    const QByteArray line = QStringLiteral("thingscape: %1\n")
                                .arg(ValueFormatter::terminalSafe(text, ValueFormatter::Lines::Keep))
                                .toLocal8Bit();
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fflush(stderr);
}

QString seconds(std::chrono::milliseconds ms)
{
    return QString::number(double(ms.count()) / 1000.0, 'g', 3);
}

std::chrono::milliseconds remaining(const QDeadlineTimer &deadline)
{
    const qint64 ms = deadline.remainingTime();
    return std::chrono::milliseconds(ms < 0 ? (qint64(1) << 30) : ms);
}

QDeadlineTimer after(std::chrono::milliseconds ms)
{
    return QDeadlineTimer(ms);
}

QDeadlineTimer laterOf(const QDeadlineTimer &deadline, std::chrono::milliseconds grace)
{
    if (deadline.isForever())
        return deadline;
    return QDeadlineTimer(deadline.remainingTime() + grace.count());
}

} // namespace

VerbRunner::VerbRunner(const CliCommand &command, QObject *parent)
    : QObject(parent)
    , m_command(command)
    , m_wakeup(new Wakeup(this))
{
}

void VerbRunner::releaseEngine()
{
    m_manager = nullptr;
    m_store = nullptr;
    m_engine.reset();
}

VerbRunner::~VerbRunner()
{
    releaseEngine();
}

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

int VerbRunner::timedOut(const QString &what)
{
    const auto elapsed = std::chrono::milliseconds(m_clock.elapsed());
    printErr(tr("%1 within %2 s").arg(what, seconds(m_command.timeout.value_or(elapsed))));
    return exitCodeFor(ErrorKind::Timeout);
}

void VerbRunner::printNotice(const Result &result)
{
    if (!result.notice.isEmpty())
        printErr(result.notice);
}

QDeadlineTimer VerbRunner::verbDeadline() const
{
    return m_deadline;
}

template<typename R>
QCoro::Task<std::optional<R>> VerbRunner::await(const std::function<void(std::function<void(const R &)>)> &start,
                                                QDeadlineTimer deadline, const std::function<bool()> &enough)
{
    auto outcome = std::make_shared<std::optional<R>>();
    QPointer<Wakeup> wakeup(m_wakeup);
    start([outcome, wakeup](const R &result) {
        *outcome = result;
        if (wakeup)
            wakeup->notify();
    });
    while (!*outcome && !deadline.hasExpired() && !(enough && enough())) {
        const std::chrono::milliseconds wait = remaining(deadline);
        co_await m_wakeup->wait(wait);
    }
    co_return *outcome;
}

QCoro::Task<> VerbRunner::runAndExit()
{
    const int code = co_await run();
    QCoreApplication::exit(code);
}

QCoro::Task<int> VerbRunner::run()
{
    m_clock.start();
    m_deadline = m_command.timeout ? QDeadlineTimer(*m_command.timeout) : QDeadlineTimer(QDeadlineTimer::Forever);
    if (m_command.endpoint.insecure)
        printErr(tr("warning: --insecure: the identity of %1 is not verified").arg(m_command.url.hostPort()));

    // Encode before connecting: a bad value is a usage error, whatever the network says.
    QByteArray payload;
    int contentFormat = ContentFormat::Unknown;
    if (m_command.verb == Verb::Put) {
        QString why;
        if (m_command.rawValue && m_command.format == QLatin1String("text")) {
            // From a file or standard input: the bytes exactly as they are.
            payload = *m_command.rawValue;
            const QString asText = QString::fromUtf8(payload);
            contentFormat = asText.toUtf8() == payload ? ContentFormat::Text : ContentFormat::OctetStream;
        } else {
            const QString text = m_command.rawValue ? QString::fromUtf8(*m_command.rawValue) : m_command.value;
            if (!codecs::encode(text, m_command.format, &payload, &contentFormat, &why)) {
                printErr(tr("cannot encode the value as %1: %2").arg(m_command.format, why));
                co_return 2;
            }
        }
    }

    m_engine = std::make_unique<Engine>();
    m_store = m_engine->store();
    m_manager = m_engine->endpoints();
    // The verbs print straight from the batches: no store, no model.
    m_manager->setStoreIngest(false);
    // Every message printed, however far behind: never merged into the latest value.
    m_manager->setCoalescing(false);
    connect(m_manager, &EndpointManager::updatesArrived, this, &VerbRunner::onUpdates);
    connect(m_manager, &EndpointManager::endpointChanged, this, &VerbRunner::onEndpointChanged);
    EndpointConfig endpoint = m_command.endpoint;
    if (m_command.verb == Verb::Watch || m_command.verb == Verb::Discover) {
        // Values are decoded here, only where printing needs it.
        endpoint.extra.insert(QStringLiteral("rawValues"), true);
        endpoint.extra.insert(QStringLiteral("discoverEndsWhenComplete"), true);
    }
    // A persistent session keeps what watch does not read: read no more than it prints.
    if (m_command.verb == Verb::Watch && m_command.count > 0 && !endpoint.cleanSession)
        endpoint.extra.insert(QStringLiteral("messageLimit"), m_command.count);
    m_endpointId = m_manager->add(endpoint);
    // A persistent session's queued messages come right after the connection is accepted,
    // before the subscription is renewed: they are part of what watch prints.
    m_watching = m_command.verb == Verb::Watch;

    // The verb's --timeout covers connecting too: a server that accepts and never answers
    // costs the time the user gave, not the connector's own connect timeout.
    const QString id = m_endpointId;
    EndpointManager *manager = m_manager;
    const std::function<void(EndpointManager::ResultCallback)> open = [manager, id](EndpointManager::ResultCallback done) {
        manager->open(id, std::move(done));
    };
    const std::optional<Result> connected = co_await await<Result>(open, verbDeadline());
    if (!connected)
        co_return timedOut(tr("no answer from %1").arg(m_command.url.hostPort()));
    if (!connected->ok())
        co_return fail(*connected);
    printNotice(*connected);
    m_wasConnected = true;

    int code = 0;
    switch (m_command.verb) {
    case Verb::Discover:
        code = co_await discover();
        break;
    case Verb::Get:
        code = co_await get();
        break;
    case Verb::Put:
        code = co_await put(payload, contentFormat);
        break;
    case Verb::Watch:
        code = co_await watch();
        break;
    }
    // Disconnects cleanly (queued publishes go out first) before the process exits.
    releaseEngine();
    co_return code;
}

QCoro::Task<int> VerbRunner::discover()
{
    const QDeadlineTimer deadline = verbDeadline();
    const bool mqtt = m_command.url.protocol() == Protocol::Mqtt;
    const auto window = !deadline.isForever() ? remaining(deadline) : mqtt ? kDefaultMqttDiscoverLimit : kDefaultDiscoverWindow;
    const QString id = m_endpointId;
    const ResourceId root = m_command.url;
    EndpointManager *manager = m_manager;
    m_collecting = true;
    m_endpointPrefix = m_command.url.endpointUri() + QLatin1Char('/');
    const std::function<void(EndpointManager::ResultCallback)> start = [manager, id, root, window](EndpointManager::ResultCallback done) {
        manager->discover(id, std::move(done), root, window);
    };
    const std::optional<Result> result = co_await await<Result>(start, laterOf(after(window), kReportGrace * 4));
    if (!result)
        co_return timedOut(tr("discovery under %1 did not finish").arg(m_command.url.toString()));
    // The connector flushed before answering: its last batch is queued ahead of this answer.
    m_collecting = false;
    if (!result->ok())
        co_return fail(*result);
    printNotice(*result);
    if (m_found.empty()) {
        printErr(tr("nothing found under %1 within %2 s").arg(m_command.url.toString(), seconds(window)));
        co_return 1;
    }
    co_return printFound();
}

bool VerbRunner::FoundKey::operator<(const FoundKey &other) const
{
    const qsizetype from = std::min(skip, other.skip);
    return QStringView(uri).sliced(from) < QStringView(other.uri).sliced(from);
}

VerbRunner::FoundKey VerbRunner::foundKey(const QString &uri) const
{
    return FoundKey{uri, uri.startsWith(m_endpointPrefix) ? m_endpointPrefix.size() : 0};
}

void VerbRunner::collect(const Update &update)
{
    if (update.direction != Direction::In)
        return;
    const QString &uri = update.id.uri();
    if (update.remove) {
        m_found.erase(foundKey(uri));
        return;
    }
    Found &found = m_found[foundKey(uri)];
    found.protocol = update.id.protocol();
    if (update.value) {
        const Value &value = *update.value;
        found.hasValue = true;
        const bool raw = !value.isOversize() && !value.isPending() && value.error.isEmpty() && value.decoded.isUndefined();
        if (raw) {
            found.raw = value.raw;
            found.timeMs = value.timeMs;
            found.contentFormat = value.contentFormat;
            found.value.reset();
        } else {
            found.raw.clear();
            found.value = std::make_unique<Value>(value);
        }
    }
    // Most topics carry only what every MQTT message says: kept as two flags.
    const Metadata &meta = update.metadata;
    if (meta.retained.isSet())
        found.retained = *meta.retained;
    if (meta.observable.isSet())
        found.observable = *meta.observable;
    m_flagsOnly.retained = meta.retained;
    m_flagsOnly.observable = meta.observable;
    if (!(meta == m_flagsOnly)) {
        if (!found.meta)
            found.meta = std::make_unique<Metadata>();
        found.meta->merge(meta);
    }
    // Formatted now, while the connector's thread still receives, not all at the end.
    found.line = formatFound(uri, found);
}

QByteArray VerbRunner::formatFound(const QString &uri, const Found &found) const
{
    // The common case straight from the bytes: a plain topic with a short printable payload.
    if (!found.meta && !found.value && found.hasValue && found.contentFormat == ContentFormat::Unknown) {
        QByteArray line;
        line.reserve(uri.size() + found.raw.size() + 48);
        if (m_command.json) {
            line.append("{\"ct\":");
            const qsizetype ctAt = line.size();
            line.append(found.observable ? "X,\"observable\":true,\"protocol\":\"" : "X,\"protocol\":\"");
            // Only JSON names the protocol: text lines spare the string per topic.
            line.append(protocolName(found.protocol).toLatin1());
            line.append("\",\"uri\":\"");
            if (LinePrinter::appendPlainUri(line, uri)) {
                line.append("\",\"value\":");
                if (const char *ct = LinePrinter::appendRawJsonValue(line, found.raw)) {
                    line.replace(ctAt, 1, ct);
                    line.append('}');
                    return line;
                }
            }
        } else if (!found.raw.isEmpty() && found.raw.size() <= 60 && found.raw.front() != '{' && found.raw.front() != '['
                   && LinePrinter::isRawText(found.raw)) {
            // Written in one piece: one allocation per topic.
            static constexpr QByteArrayView retainedTag("  [retained]");
            const bool retained = found.retained.value_or(false);
            line.resize(uri.size() + 2 + found.raw.size() + (retained ? retainedTag.size() : 0));
            if (char *p = LinePrinter::writePlainUri(line.data(), uri)) {
                *p++ = ' ';
                *p++ = ' ';
                std::memcpy(p, found.raw.constData(), size_t(found.raw.size()));
                if (retained)
                    std::memcpy(p + found.raw.size(), retainedTag.data(), size_t(retainedTag.size()));
                return line;
            }
            line.clear();
        }
    }
    Metadata meta = found.meta ? *found.meta : Metadata();
    if (found.retained && !meta.retained.isSet())
        meta.retained.set(*found.retained, MetaSource::Protocol);
    if (found.observable && !meta.observable.isSet())
        meta.observable.set(true, MetaSource::Protocol);
    std::optional<Value> decoded;
    const Value *value = nullptr;
    if (found.value) {
        value = found.value.get();
    } else if (found.hasValue) {
        decoded = codecs::decode(found.raw, found.contentFormat, QString(), found.timeMs);
        value = &*decoded;
    }
    if (m_command.json)
        return ValueFormatter::jsonLine(ValueFormatter::resourceJson(uri, found.protocol, meta, value));
    return ValueFormatter::terminalSafe(ValueFormatter::resourceText(uri, meta, value)).toUtf8();
}

int VerbRunner::printFound()
{
    // Kept in order as they came: nothing left to sort at the end.
    for (const auto &[key, found] : m_found)
        m_printer.line(found.line);
    m_printer.flush();
    return 0;
}

QCoro::Task<int> VerbRunner::get()
{
    const QDeadlineTimer deadline = m_command.timeout ? verbDeadline() : after(kDefaultGetTimeout);
    const auto timeout = remaining(deadline);
    const ResourceId url = m_command.url;
    EndpointManager *manager = m_manager;
    const std::function<void(EndpointManager::ReadCallback)> start = [manager, url, timeout](EndpointManager::ReadCallback done) {
        manager->read(url, std::move(done), timeout);
    };
    const std::optional<ReadResult> read = co_await await<ReadResult>(start, laterOf(deadline, kReportGrace));
    if (!read)
        co_return timedOut(tr("no value for %1").arg(m_command.url.toString()));
    if (!read->result.ok())
        co_return fail(read->result);
    printNotice(read->result);
    const Value &value = read->value;
    if (m_command.json) {
        QJsonObject object;
        object.insert(QStringLiteral("uri"), (read->id.isValid() ? read->id : m_command.url).toString());
        const QJsonValue json = ValueFormatter::toJson(value);
        if (!json.isUndefined())
            object.insert(QStringLiteral("value"), json);
        if (value.contentFormat >= 0)
            object.insert(QStringLiteral("ct"), value.contentFormat);
        if (value.timeMs > 0)
            object.insert(QStringLiteral("time"), ValueFormatter::timeText(value.timeMs));
        printOut(ValueFormatter::jsonLine(object));
    } else {
        printText(ValueFormatter::toText(value), ValueFormatter::Lines::Keep);
    }
    co_return 0;
}

QCoro::Task<int> VerbRunner::put(const QByteArray &payload, int contentFormat)
{
    WriteOptions options;
    options.contentFormat = contentFormat;
    options.qos = m_command.qos;
    options.retain = m_command.retain;
    options.timeout = kPutTimeout;
    const ResourceId url = m_command.url;
    EndpointManager *manager = m_manager;
    const std::function<void(EndpointManager::ResultCallback)> start = [manager, url, payload, options](EndpointManager::ResultCallback done) {
        manager->write(url, payload, options, std::move(done));
    };
    const std::optional<Result> written = co_await await<Result>(start, after(kPutTimeout + kReportGrace));
    if (!written)
        co_return timedOut(tr("%1 was not acknowledged").arg(m_command.url.toString()));
    if (!written->ok())
        co_return fail(*written);
    printNotice(*written);
    co_return 0;
}

void VerbRunner::onUpdates(const QString &endpointId, const UpdateBatch &updates)
{
    if (endpointId != m_endpointId)
        return;
    if (m_collecting) {
        for (const Update &update : updates)
            collect(update);
        return;
    }
    if (!m_watching)
        return;
    for (const Update &update : updates) {
        if (update.direction != Direction::In || !update.value)
            continue;
        if (m_command.count > 0 && m_watched >= m_command.count)
            break;
        const Value &value = *update.value;
        const qint64 timeMs = value.timeMs > 0 ? value.timeMs : QDateTime::currentMSecsSinceEpoch();
        m_printer.update(timeMs, update.id.uri(), value, m_command.json);
        ++m_watched;
    }
    // One write per batch: a pipe or a terminal still sees each batch as it comes.
    m_printer.flush();
    m_wakeup->notify();
}

void VerbRunner::onEndpointChanged(const QString &endpointId)
{
    if (!m_watching || endpointId != m_endpointId || !m_manager)
        return;
    const EndpointManager::Status status = m_manager->status(endpointId);
    const QString host = m_command.url.hostPort();
    switch (status.state) {
    case ConnectorState::Connected:
        if (m_outage)
            printErr(tr("reconnected to %1").arg(host));
        m_outage = false;
        break;
    case ConnectorState::Connecting:
    case ConnectorState::BackingOff:
    case ConnectorState::Disconnected:
        // Never silent: an outage is told once, and so is its end.
        if (!m_outage && m_wasConnected) {
            m_outage = true;
            // The connector's own words name the host and the cause.
            const QString line = status.lastError.isEmpty() ? tr("connection to %1 lost").arg(host) : status.lastError;
            printErr(line + tr("; reconnecting"));
        }
        break;
    case ConnectorState::Error:
        m_gaveUp = true;
        printErr(status.lastError.isEmpty() ? tr("gave up connecting to %1").arg(host) : status.lastError);
        break;
    }
    m_wakeup->notify();
}

QCoro::Task<int> VerbRunner::watch()
{
    QPointer<VerbRunner> self(this);
    const QDeadlineTimer deadline = verbDeadline();
    m_watching = true;
    const ResourceId url = m_command.url;
    EndpointManager *manager = m_manager;
    const std::function<void(EndpointManager::ResultCallback)> start = [manager, url](EndpointManager::ResultCallback done) {
        manager->observe(url, std::move(done));
    };
    auto done = [this] { return m_command.count > 0 && m_watched >= m_command.count; };
    // A persistent session's queue may hold the whole --count before the subscription is
    // confirmed (and nothing is read beyond the count, its confirmation neither).
    const std::optional<Result> observed = co_await await<Result>(start, deadline, done);
    if (!self)
        co_return 3;
    if (!observed && !done())
        co_return timedOut(tr("%1 could not be observed").arg(m_command.url.toString()));
    if (observed && !observed->ok())
        co_return fail(*observed);
    if (observed)
        printNotice(*observed);
    while (!done() && !m_gaveUp && !deadline.hasExpired()) {
        const std::chrono::milliseconds wait = remaining(deadline);
        co_await m_wakeup->wait(wait);
        if (!self)
            co_return 3;
    }
    m_watching = false;
    m_manager->unobserve(m_command.url);
    if (done())
        co_return 0;
    if (m_gaveUp)
        co_return 3;
    if (m_watched == 0 || m_command.count > 0) {
        printErr(tr("%n update(s) from %1 within %2 s", nullptr, m_watched)
                     .arg(m_command.url.toString(), seconds(*m_command.timeout)));
        co_return 1;
    }
    co_return 0;
}

} // namespace thingscape
