#include "composer.h"

#include "engine.h"
#include "mqttcomposesession.h"
#include "secretprovider.h"

#include "model/codecs/codecs.h"
#include "model/composehistory.h"
#include "protocols/connectorfactory.h"
#include "protocols/endpointmanager.h"

#include <QCoro/QCoroTask>
#include <QTimer>

namespace thingscape {

namespace {

const QString kComposeKey = QStringLiteral("compose");

QByteArray uintBytes(quint32 value)
{
    QByteArray bytes;
    while (value) {
        bytes.prepend(char(value & 0xff));
        value >>= 8;
    }
    return bytes;
}

quint32 bytesUint(const QByteArray &bytes)
{
    quint32 value = 0;
    for (const char c : bytes.left(4))
        value = (value << 8) | quint8(c);
    return value;
}

} // namespace

struct Composer::Job
{
    ComposeRequest request;
    int intervalMs = 0;
    int count = 0;
    int sent = 0;
    bool inFlight = false;
    bool due = false;
    Done each;
    std::function<void()> finished;
    QTimer timer;
};

Composer::Composer(Engine *engine, QObject *parent)
    : QObject(parent)
    , m_engine(engine)
    , m_history(std::make_unique<ComposeHistory>())
{
    if (m_engine) {
        connect(m_engine, &Engine::loaded, this, &Composer::loadHistory);
        loadHistory();
    }
    connect(m_history.get(), &ComposeHistory::changed, this, &Composer::saveHistory);
}

Composer::~Composer() = default;

void Composer::loadHistory()
{
    m_loading = true;
    QString error;
    if (!m_history->load(m_engine->extraValue(kComposeKey).toObject(), &error)) {
        // A broken history loses only itself; the workspace keeps the key as it was.
        qWarning("%s", qPrintable(error));
        m_history->load(QJsonObject());
    }
    m_loading = false;
}

void Composer::saveHistory()
{
    // Sending is not editing the workspace: the history goes with the next save but does not
    // ask for one (a window closed after a few test requests would nag). Templates do.
    if (m_engine && !m_loading)
        m_engine->setExtraValue(kComposeKey, m_history->toJson(), !m_historyOnly);
}

QString Composer::coapOptionName(int number)
{
    static const QHash<int, QString> names = {
        {1, QStringLiteral("If-Match")},        {3, QStringLiteral("Uri-Host")},      {4, QStringLiteral("ETag")},
        {5, QStringLiteral("If-None-Match")},   {6, QStringLiteral("Observe")},       {7, QStringLiteral("Uri-Port")},
        {8, QStringLiteral("Location-Path")},   {11, QStringLiteral("Uri-Path")},     {12, QStringLiteral("Content-Format")},
        {14, QStringLiteral("Max-Age")},        {15, QStringLiteral("Uri-Query")},    {17, QStringLiteral("Accept")},
        {20, QStringLiteral("Location-Query")}, {23, QStringLiteral("Block2")},       {27, QStringLiteral("Block1")},
        {28, QStringLiteral("Size2")},          {35, QStringLiteral("Proxy-Uri")},    {39, QStringLiteral("Proxy-Scheme")},
        {60, QStringLiteral("Size1")},          {258, QStringLiteral("No-Response")},
    };
    return names.value(number, QStringLiteral("Option %1").arg(number));
}

QString Composer::coapOptionValue(int number, const QByteArray &value)
{
    switch (number) {
    case 6: case 7: case 14: case 28: case 60: case 258:
        return QString::number(bytesUint(value));
    case 12: case 17:
        return codecs::contentFormatName(int(bytesUint(value)));
    case 23: case 27: {
        const quint32 v = bytesUint(value);
        return QStringLiteral("#%1%2 (%3 bytes)").arg(v >> 4).arg(v & 0x8 ? QStringLiteral(" more") : QString()).arg(16 << (v & 0x7));
    }
    case 3: case 8: case 11: case 15: case 20: case 35: case 39:
        return QString::fromUtf8(value);
    default:
        return value.isEmpty() ? QStringLiteral("(empty)") : QStringLiteral("0x") + QString::fromLatin1(value.toHex());
    }
}

bool Composer::buildRaw(const ComposeRequest &request, const QByteArray &payload, int formatContentFormat,
                        RawRequest *raw, QString *error)
{
    const auto target = ResourceId::parse(request.uri, error);
    if (!target)
        return false;
    raw->target = *target;
    raw->method = request.method.trimmed().isEmpty() ? QStringLiteral("GET") : request.method.trimmed().toUpper();
    raw->payload = payload;
    raw->confirmable = request.confirmable;
    raw->timeout = std::chrono::milliseconds(std::max(1, request.timeoutMs));
    if (target->protocol() == Protocol::Coap) {
        const int contentFormat = request.contentFormat >= 0 ? request.contentFormat : formatContentFormat;
        // In option-number order, as the PDU carries them (libcoap sorts anyway).
        if (!request.ifMatch.isEmpty())
            raw->coapOptions.append({1, request.ifMatch});
        if (!request.etag.isEmpty())
            raw->coapOptions.append({4, request.etag});
        if (request.observe >= 0)
            raw->coapOptions.append({6, uintBytes(quint32(request.observe))});
        if (contentFormat >= 0 && !payload.isEmpty())
            raw->coapOptions.append({12, uintBytes(quint32(contentFormat))});
        if (request.accept >= 0)
            raw->coapOptions.append({17, uintBytes(quint32(request.accept))});
        if (request.block2Size > 0) {
            int szx = -1;
            for (int s = 0; s <= 6; ++s) {
                if ((16 << s) == request.block2Size)
                    szx = s;
            }
            if (szx < 0) {
                *error = tr("Block2 size %1: must be 16, 32, 64, 128, 256, 512 or 1024").arg(request.block2Size);
                return false;
            }
            raw->coapOptions.append({23, uintBytes(quint32(szx))});
        }
        for (const auto &[number, value] : request.coapOptions) {
            if (number <= 0 || number > 65535) {
                *error = tr("%1 is not a CoAP option number (1 to 65535)").arg(number);
                return false;
            }
            raw->coapOptions.append({number, value});
        }
    } else if (target->protocol() == Protocol::Http) {
        raw->headers = request.headers;
        bool hasContentType = false;
        for (const auto &[name, value] : request.headers) {
            if (name.trimmed().isEmpty() || name.contains(':') || name.contains(' ')) {
                *error = tr("'%1' is not an HTTP header name").arg(QString::fromLatin1(name));
                return false;
            }
            if (name.compare("content-type", Qt::CaseInsensitive) == 0)
                hasContentType = true;
        }
        QString mediaType = request.contentType;
        if (mediaType.isEmpty() && formatContentFormat >= 0)
            mediaType = codecs::mediaTypeForContentFormat(formatContentFormat);
        if (!hasContentType && !mediaType.isEmpty() && !payload.isEmpty())
            raw->headers.append({QByteArrayLiteral("Content-Type"), mediaType.toLatin1()});
    } else {
        *error = tr("%1: not a CoAP or HTTP URI").arg(request.uri);
        return false;
    }
    return true;
}

quint64 Composer::send(const ComposeRequest &request, Done done)
{
    const quint64 ticket = ++m_lastTicket;
    m_historyOnly = true;
    m_history->add(request);
    m_historyOnly = false;
    sendOne(request, [this, request, done](const ComposeResponse &response) {
        Q_EMIT responded(request, response);
        if (done)
            done(response);
    });
    return ticket;
}

void Composer::sendOne(const ComposeRequest &request, Done done)
{
    auto failLater = [this, done](ErrorKind kind, const QString &error) {
        ComposeResponse response;
        response.result = Result::failure(kind, error);
        response.time = QDateTime::currentDateTimeUtc();
        QMetaObject::invokeMethod(this, [done, response] { done(response); }, Qt::QueuedConnection);
    };
    QString error;
    const auto target = ResourceId::parse(request.uri, &error);
    if (!target) {
        failLater(ErrorKind::Usage, request.uri.isEmpty() ? tr("no URI to send to") : tr("%1: %2").arg(request.uri, error));
        return;
    }
    QByteArray payload;
    int formatContentFormat = -1;
    if (!request.encodePayload(&payload, &formatContentFormat, &error)) {
        failLater(ErrorKind::Usage, error);
        return;
    }
    EndpointManager *manager = m_engine ? m_engine->endpoints() : nullptr;
    const QString carrier = manager ? manager->endpointFor(*target) : QString();
    if (target->protocol() == Protocol::Mqtt) {
        EndpointConfig config = carrier.isEmpty() ? EndpointConfig() : manager->endpoint(carrier);
        config.url = target->endpoint();
        ComposeRequest sent = request;
        if (sent.contentType.isEmpty() && formatContentFormat >= 0)
            sent.contentType = codecs::mediaTypeForContentFormat(formatContentFormat);
        auto *session = new MqttComposeSession(config, sent, payload, done, this);
        session->start();
        return;
    }
    RawRequest raw;
    if (!buildRaw(request, payload, formatContentFormat, &raw, &error)) {
        failLater(ErrorKind::Usage, error);
        return;
    }
    auto finish = [raw, done](const RawResponse &answer) {
        ComposeResponse response;
        response.result = answer.result;
        response.status = answer.status;
        response.statusText = answer.statusText;
        response.payload = answer.payload;
        response.roundTrip = answer.roundTrip;
        response.time = QDateTime::currentDateTimeUtc();
        for (const auto &[number, value] : answer.coapOptions) {
            response.fields.append({coapOptionName(number), coapOptionValue(number, value)});
            if (number == 12)
                response.contentFormat = int(bytesUint(value));
        }
        for (const auto &[name, value] : answer.headers) {
            response.fields.append({QString::fromLatin1(name), QString::fromLatin1(value)});
            if (name.compare("content-type", Qt::CaseInsensitive) == 0) {
                response.mediaType = QString::fromLatin1(value);
                response.contentFormat = codecs::contentFormatForMediaType(response.mediaType);
            }
        }
        done(response);
    };
    if (!carrier.isEmpty() && manager->status(carrier).state == ConnectorState::Connected) {
        manager->request(raw, finish);
        return;
    }
    Connector *connector = ownConnector(target->endpoint(), &error);
    if (!connector) {
        failLater(ErrorKind::Unsupported, error);
        return;
    }
    QPointer<Composer> self(this);
    QCoro::connect(connector->request(raw), this, [self, finish](const RawResponse &answer) {
        if (self)
            finish(answer);
    });
}

Connector *Composer::ownConnector(const ResourceId &endpoint, QString *error)
{
    const QString key = endpoint.toString();
    if (auto it = m_connectors.find(key); it != m_connectors.end())
        return it->second.get();
    EndpointManager *manager = m_engine ? m_engine->endpoints() : nullptr;
    const QString carrier = manager ? manager->endpointFor(endpoint) : QString();
    EndpointConfig config = carrier.isEmpty() ? EndpointConfig() : manager->endpoint(carrier);
    config.url = endpoint;
    config.id = QStringLiteral("compose:") + key;
    std::unique_ptr<Connector> made = createConnector(config, error);
    if (!made)
        return nullptr;
    Connector *connector = made.get();
    m_connectors.emplace(key, std::move(made));
    return connector;
}

quint64 Composer::repeat(const ComposeRequest &request, int intervalMs, int count, Done each,
                         std::function<void()> finished)
{
    const quint64 ticket = ++m_lastTicket;
    auto job = std::make_shared<Job>();
    job->request = request;
    job->intervalMs = std::max(0, intervalMs);
    job->count = std::max(0, count);
    job->each = std::move(each);
    job->finished = std::move(finished);
    job->timer.setSingleShot(true);
    connect(&job->timer, &QTimer::timeout, this, [this, ticket] {
        const auto it = m_jobs.constFind(ticket);
        if (it == m_jobs.constEnd())
            return;
        (*it)->due = true;
        nextRepeat(ticket);
    });
    m_jobs.insert(ticket, job);
    m_historyOnly = true;
    m_history->add(request);
    m_historyOnly = false;
    job->due = true;
    QMetaObject::invokeMethod(this, [this, ticket] { nextRepeat(ticket); }, Qt::QueuedConnection);
    return ticket;
}

void Composer::nextRepeat(quint64 ticket)
{
    const std::shared_ptr<Job> job = m_jobs.value(ticket);
    if (!job || job->inFlight || !job->due)
        return;
    if (job->count > 0 && job->sent >= job->count) {
        m_jobs.remove(ticket);
        if (job->finished)
            job->finished();
        return;
    }
    job->due = false;
    job->inFlight = true;
    const int sequence = ++job->sent;
    job->timer.start(job->intervalMs);
    sendOne(job->request, [this, ticket, sequence, weak = std::weak_ptr<Job>(job)](const ComposeResponse &answer) {
        const std::shared_ptr<Job> job = weak.lock();
        if (!job || !m_jobs.contains(ticket))
            return;
        ComposeResponse response = answer;
        response.sequence = sequence;
        job->inFlight = false;
        Q_EMIT responded(job->request, response);
        if (job->each)
            job->each(response);
        if (job->count > 0 && job->sent >= job->count)
            job->due = true; // the end comes without waiting for another interval
        nextRepeat(ticket);
    });
}

void Composer::stop(quint64 ticket)
{
    const std::shared_ptr<Job> job = m_jobs.take(ticket);
    if (job && job->finished)
        job->finished();
}

bool Composer::isRunning(quint64 ticket) const
{
    return m_jobs.contains(ticket);
}

} // namespace thingscape
