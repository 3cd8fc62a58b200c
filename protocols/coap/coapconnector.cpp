#include "coapconnector.h"

#include "coaplinks.h"
#include "resourcedirectory.h"

#include "model/codecs/codecs.h"
#include "model/codecs/linkformat.h"
#include "model/codecs/senml.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QNetworkInterface>
#include <QTimer>

#include <QCoro/QCoroSignal>
#include <QCoro/QCoroTimer>

namespace thingscape {

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// RFC 7641 section 3.4: is the notification numbered v2, received elapsedMs after v1, newer?
bool isFresher(quint32 v2, quint32 v1, qint64 elapsedMs)
{
    constexpr quint32 half = 1u << 23;
    return (v1 < v2 && v2 - v1 < half) || (v1 > v2 && v1 - v2 > half) || elapsedMs > 128000;
}

std::optional<CoapMethod> methodFromName(const QString &name)
{
    const QString upper = name.trimmed().toUpper();
    if (upper.isEmpty() || upper == QLatin1String("PUT"))
        return CoapMethod::Put;
    if (upper == QLatin1String("POST"))
        return CoapMethod::Post;
    if (upper == QLatin1String("DELETE"))
        return CoapMethod::Delete;
    if (upper == QLatin1String("GET"))
        return CoapMethod::Get;
    if (upper == QLatin1String("FETCH"))
        return CoapMethod::Fetch;
    if (upper == QLatin1String("PATCH"))
        return CoapMethod::Patch;
    if (upper == QLatin1String("IPATCH"))
        return CoapMethod::IPatch;
    return std::nullopt;
}

QString methodName(CoapMethod method)
{
    switch (method) {
    case CoapMethod::Get:
        return QStringLiteral("GET");
    case CoapMethod::Post:
        return QStringLiteral("POST");
    case CoapMethod::Put:
        return QStringLiteral("PUT");
    case CoapMethod::Delete:
        return QStringLiteral("DELETE");
    case CoapMethod::Fetch:
        return QStringLiteral("FETCH");
    case CoapMethod::Patch:
        return QStringLiteral("PATCH");
    case CoapMethod::IPatch:
        return QStringLiteral("iPATCH");
    }
    return {};
}

bool isSenml(int contentFormat)
{
    return contentFormat >= ContentFormat::SenmlJson && contentFormat <= ContentFormat::SensmlCbor;
}

} // namespace

CoapConnector::CoapConnector(const EndpointConfig &config, QObject *parent)
    : Connector(config, parent)
{
}

CoapConnector::~CoapConnector() = default;

bool CoapConnector::isMulticast(const ResourceId &id)
{
    QHostAddress address;
    return address.setAddress(id.host()) && address.isMulticast();
}

std::chrono::milliseconds CoapConnector::requestTimeout() const
{
    return std::chrono::milliseconds(std::max(100, config().requestTimeoutMs));
}

CoapContext *CoapConnector::context()
{
    // Created on first use, so the connector may be moved to another thread before that.
    if (!m_context) {
        m_context = std::make_unique<CoapContext>(config());
        m_context->setMaxBodyBytes(m_maxBodyBytes);
        m_context->setMaxBlocks(m_maxBlocks);
        connect(m_context.get(), &CoapContext::responseReceived, this, &CoapConnector::onResponse);
        connect(m_context.get(), &CoapContext::requestFailed, this, &CoapConnector::onRequestFailed);
        connect(m_context.get(), &CoapContext::sessionFailed, this, &CoapConnector::onSessionFailed);
    }
    return m_context.get();
}

void CoapConnector::setTransferLimits(qint64 maxBytes, int maxBlocks)
{
    m_maxBodyBytes = maxBytes;
    m_maxBlocks = maxBlocks;
    if (m_context) {
        m_context->setMaxBodyBytes(maxBytes);
        m_context->setMaxBlocks(maxBlocks);
    }
}

void CoapConnector::setObserveCheckIntervalMs(int ms)
{
    m_checkIntervalMs = std::max(10, ms);
    if (m_observeTimer)
        m_observeTimer->setInterval(m_checkIntervalMs);
}

bool CoapConnector::isObserving(const ResourceId &id) const
{
    const auto it = m_observations.constFind(id);
    return it != m_observations.constEnd() && !it->polling && !it->token.isEmpty() && !it->registering;
}

bool CoapConnector::isPolling(const ResourceId &id) const
{
    const auto it = m_observations.constFind(id);
    return it != m_observations.constEnd() && it->polling;
}

void CoapConnector::noteReachable()
{
    if (state() != ConnectorState::Connected)
        setState(ConnectorState::Connected);
}

void CoapConnector::noteFailure(const Result &result)
{
    if (result.kind == ErrorKind::Timeout || result.kind == ErrorKind::Connection || result.kind == ErrorKind::Tls
        || result.kind == ErrorKind::Auth)
        setState(ConnectorState::Error, result.error);
}

Result CoapConnector::errorFor(const ResourceId &id, const CoapResponse &response) const
{
    ErrorKind kind = ErrorKind::Protocol;
    if (response.code == 404)
        kind = ErrorKind::NotFound;
    else if (response.code == 401 || response.code == 403)
        kind = ErrorKind::Auth;
    const QString description = coapCodeDescription(response.code);
    QString text = QStringLiteral("%1: %2").arg(id.toString(), description);
    // A diagnostic payload (RFC 7252 section 5.5.2) says why, in plain text; libcoap servers
    // often just repeat the reason phrase.
    const QString diagnostic = QString::fromUtf8(response.payload.left(200)).simplified();
    if (!diagnostic.isEmpty() && !description.endsWith(diagnostic, Qt::CaseInsensitive))
        text += QStringLiteral(" (%1)").arg(diagnostic);
    return Result::failure(kind, text);
}

QCoro::Task<CoapExchangeResult> CoapConnector::request(ResourceId id, CoapRequest request,
                                                       std::chrono::milliseconds timeout)
{
    if (id.protocol() != Protocol::Coap)
        co_return CoapExchangeResult{Result::failure(ErrorKind::Usage, tr("'%1' is not a coap:// or coaps:// URI").arg(id.toString())), {}};
    QPointer<CoapConnector> self(this);
    const CoapExchangeResult outcome = co_await context()->request(id, request, timeout);
    if (!self)
        co_return outcome;
    if (outcome.result.ok())
        noteReachable();
    else
        noteFailure(outcome.result);
    co_return outcome;
}

QCoro::Task<Result> CoapConnector::connectToEndpoint()
{
    const ResourceId endpoint = config().url.endpoint();
    setState(ConnectorState::Connecting);
    QString error;
    if (!context()->start(&error)) {
        setState(ConnectorState::Error, error);
        co_return Result::failure(ErrorKind::Connection, error);
    }
    // Multicast groups are not "connected" to; discovery collects whoever answers.
    if (isMulticast(endpoint)) {
        setState(ConnectorState::Connected);
        co_return Result::success();
    }
    // UDP has no connection: a GET of "/" proves the server answers (any code will do) and,
    // for coaps, completes the DTLS handshake.
    QPointer<CoapConnector> self(this);
    CoapRequest probe;
    probe.path = QStringLiteral("/");
    const CoapExchangeResult outcome = co_await request(endpoint, probe, requestTimeout());
    if (!self)
        co_return outcome.result;
    if (!outcome.result.ok()) {
        setState(ConnectorState::Error, outcome.result.error);
        co_return outcome.result;
    }
    setState(ConnectorState::Connected);
    co_return Result::success();
}

void CoapConnector::disconnectFromEndpoint()
{
    if (m_context) {
        for (const Observation &observation : std::as_const(m_observations)) {
            if (!observation.token.isEmpty() && !observation.polling)
                m_context->cancelObserve(observation.id, observation.token, false);
            if (observation.firstResponse)
                observation.firstResponse->finish({Result::failure(ErrorKind::Connection, tr("disconnected")), {}});
        }
        m_context->stop();
    }
    m_observations.clear();
    m_observationTokens.clear();
    m_multicastResponders.clear();
    if (m_observeTimer)
        m_observeTimer->stop();
    setState(ConnectorState::Disconnected);
}

Value CoapConnector::postValue(const ResourceId &id, const CoapResponse &response, const QString &info)
{
    const Value value = codecs::decode(response.payload, response.contentFormat, {}, response.receivedMs);
    Update update;
    update.id = id;
    update.value = value;
    update.state = ResourceState::Online;
    update.info = info;
    if (!response.etag.isEmpty())
        update.info += QStringLiteral(" ETag %1").arg(QString::fromLatin1(response.etag.toHex()));
    if (response.maxAge)
        update.info += QStringLiteral(" Max-Age %1").arg(*response.maxAge);
    if (response.contentFormat >= 0) {
        // The same object for every notification in this format: nothing allocated per message.
        Metadata format;
        format.contentFormat.set(response.contentFormat, MetaSource::Protocol);
        update.metadata = MetadataRef::interned(std::move(format));
    }
    post(update);
    if (isSenml(response.contentFormat)) {
        QString error;
        const auto records = codecs::parseSenml(response.payload, response.contentFormat, &error,
                                                double(response.receivedMs) / 1000.0);
        if (records) {
            for (const codecs::SenmlRecord &record : *records) {
                if (record.name.isEmpty() || record.value.isInvalid() || record.value.isUndefined())
                    continue;
                Update child;
                child.id = id.child(record.name);
                Value childValue;
                childValue.timeMs = qint64(record.time * 1000.0);
                childValue.decoded = record.value;
                childValue.contentFormat = response.contentFormat;
                child.value = childValue;
                child.state = ResourceState::Online;
                child.derived = true;
                child.info = info;
                if (!record.unit.isEmpty()) {
                    Metadata unit;
                    unit.unit.set(record.unit, MetaSource::SenML);
                    child.metadata = MetadataRef::interned(std::move(unit));
                }
                post(child);
            }
        }
    }
    return value;
}

void CoapConnector::postLinked(const CoapLinkedResource &resource)
{
    Update update;
    update.id = resource.id;
    update.metadata = resource.metadata;
    post(update);
}

QCoro::Task<ReadResult> CoapConnector::read(const ResourceId &id, std::chrono::milliseconds timeout)
{
    const ResourceId target = id;
    QPointer<CoapConnector> self(this);
    CoapRequest get;
    get.path = target.path();
    get.pathSegments = coapPathSegments(target);
    get.query = target.query();
    const CoapExchangeResult outcome = co_await request(target, get, timeout);
    if (!self || !outcome.result.ok())
        co_return ReadResult{outcome.result, target, {}};
    if (!outcome.response.isSuccess())
        co_return ReadResult{errorFor(target, outcome.response), target, {}};
    const Value value = postValue(target, outcome.response,
                                  QStringLiteral("GET %1").arg(coapCodeText(outcome.response.code)));
    co_return ReadResult{Result::success(), target, value};
}

QCoro::Task<Result> CoapConnector::write(const ResourceId &id, const QByteArray &payload, const WriteOptions &options)
{
    const ResourceId target = id;
    const std::optional<CoapMethod> method = methodFromName(options.method);
    if (!method)
        co_return Result::failure(ErrorKind::Usage,
                                  tr("unknown CoAP method '%1': use PUT, POST, DELETE, FETCH, PATCH or iPATCH")
                                      .arg(options.method));
    CoapRequest write;
    write.method = *method;
    write.confirmable = options.confirmable;
    write.path = target.path();
    write.pathSegments = coapPathSegments(target);
    write.query = target.query();
    write.payload = payload;
    write.contentFormat = options.contentFormat;
    if (write.contentFormat < 0 && !options.mediaType.isEmpty())
        write.contentFormat = codecs::contentFormatForMediaType(options.mediaType);

    // The outgoing request goes to the message stream too.
    Update out;
    out.id = target;
    out.direction = Direction::Out;
    out.cause = options.cause;
    out.info = methodName(*method);
    out.value = codecs::decode(payload, write.contentFormat, {}, nowMs());
    post(out);

    QPointer<CoapConnector> self(this);
    const CoapExchangeResult outcome = co_await request(target, write, options.timeout);
    if (!self || !outcome.result.ok())
        co_return outcome.result;
    if (!outcome.response.isSuccess())
        co_return errorFor(target, outcome.response);
    if (*method == CoapMethod::Fetch && !outcome.response.payload.isEmpty())
        postValue(target, outcome.response, QStringLiteral("FETCH %1").arg(coapCodeText(outcome.response.code)));
    co_return Result::success();
}

QCoro::Task<Result> CoapConnector::observe(const ResourceId &resource)
{
    const ResourceId id = resource; // the caller's reference may not outlive the first co_await
    if (m_observations.contains(id))
        co_return Result::success();
    Observation observation;
    observation.id = id;
    m_observations.insert(id, observation);
    if (!m_observeTimer) {
        m_observeTimer = std::make_unique<QTimer>();
        m_observeTimer->setInterval(m_checkIntervalMs);
        connect(m_observeTimer.get(), &QTimer::timeout, this, &CoapConnector::checkObservations);
    }
    if (!m_observeTimer->isActive())
        m_observeTimer->start();
    QPointer<CoapConnector> self(this);
    const Result result = co_await registerObservation(id, true);
    if (!self)
        co_return result;
    if (!result.ok()) {
        const auto it = m_observations.find(id);
        if (it != m_observations.end()) {
            if (!it->token.isEmpty()) {
                m_observationTokens.remove(it->token);
                context()->forget(it->token);
            }
            m_observations.erase(it);
        }
        co_return result;
    }
    const auto it = m_observations.constFind(id);
    if (it != m_observations.constEnd() && it->polling) {
        Result notice = Result::success();
        notice.notice = tr("%1 is not observable: polling every %2 s")
                            .arg(id.toString())
                            .arg(double(config().pollIntervalFor(id)) / 1000.0);
        co_return notice;
    }
    co_return result;
}

QCoro::Task<Result> CoapConnector::registerObservation(ResourceId id, bool initial)
{
    QPointer<CoapConnector> self(this);
    auto it = m_observations.find(id);
    if (it == m_observations.end())
        co_return Result::success();
    it->registering = true;
    it->needsRegister = false;
    it->nextAttemptMs = nowMs() + m_retryIntervalMs;

    QString why;
    const std::optional<QHostAddress> address = co_await CoapContext::resolve(id.host(), &why);
    if (!self)
        co_return Result::failure(ErrorKind::Connection, tr("the CoAP connection was closed"));
    it = m_observations.find(id);
    if (it == m_observations.end())
        co_return Result::success();
    if (!address) {
        it->registering = false;
        it->needsRegister = true;
        co_return Result::failure(ErrorKind::Connection, why);
    }

    CoapRequest get;
    get.path = id.path();
    get.pathSegments = coapPathSegments(id);
    get.query = id.query();
    get.observe = 0;
    // Non-confirmable: NSTART (1) lets one confirmable request to a server be outstanding at a
    // time, so a thousand registrations queued behind each other, those still queued after the
    // timeout were given up and sent again (queued again), and the late answers to the given-up
    // ones were reset: a churn that never settled under load (issue 12, steady load). A lost
    // registration is sent again after the timeout, as before.
    get.confirmable = false;
    Result error;
    // Registered again (its Max-Age passed in silence): under the same token, see CoapContext::send().
    const QByteArray token = context()->send(id, get, &error, *address, {}, it->token);
    if (token.isEmpty()) {
        it->registering = false;
        it->needsRegister = true;
        noteFailure(error);
        co_return error;
    }
    if (!initial)
        ++m_reregistrations;
    auto first = std::make_unique<CoapExchange>();
    it->token = token;
    it->firstResponse = first.get();
    m_observationTokens.insert(token, id);

    co_await first->waitUntilDone(requestTimeout());
    if (!self)
        co_return Result::failure(ErrorKind::Connection, tr("the CoAP connection was closed"));
    it = m_observations.find(id);
    if (it == m_observations.end() || it->firstResponse != first.get())
        co_return Result::success(); // unobserved meanwhile
    it->registering = false;
    it->firstResponse = nullptr;
    if (!first->isDone() || !first->outcome().result.ok()) {
        const Result failure = first->isDone() ? first->outcome().result
                                               : context()->timeoutResult(id, requestTimeout());
        if (first->isDone()) {
            m_observationTokens.remove(token);
            context()->forget(token);
            it->token.clear();
        }
        // else no answer in time: the next attempt goes under the same token, so an answer that
        // comes late still counts instead of being reset, and libcoap keeps one request, not one
        // per attempt (with the I/O thread saturated, answers came ~10 s late by the hundred)
        it->needsRegister = true;
        noteFailure(failure);
        co_return failure;
    }
    const CoapResponse &response = first->outcome().response;
    noteReachable();
    if (!response.isSuccess())
        co_return errorFor(id, response);
    co_return Result::success();
}

void CoapConnector::unobserve(const ResourceId &id)
{
    const auto it = m_observations.find(id);
    if (it == m_observations.end())
        return;
    if (!it->token.isEmpty()) {
        m_observationTokens.remove(it->token);
        if (m_context) {
            if (it->polling || it->registering)
                m_context->forget(it->token);
            else
                m_context->cancelObserve(id, it->token);
        }
    }
    if (it->firstResponse)
        it->firstResponse->finish({Result::failure(ErrorKind::None, {}), {}});
    m_observations.erase(it);
    if (m_observations.isEmpty() && m_observeTimer)
        m_observeTimer->stop();
}

void CoapConnector::onResponse(const QByteArray &token, const CoapResponse &response)
{
    if (m_multicastResponders.contains(token)) {
        handleMulticastResponse(token, response);
        return;
    }
    const auto idIt = m_observationTokens.constFind(token);
    if (idIt == m_observationTokens.constEnd())
        return;
    const auto it = m_observations.find(*idIt);
    if (it == m_observations.end())
        return;
    const bool first = it->firstResponse != nullptr;
    if (first)
        it->firstResponse->finish({Result::success(), response});
    handleNotification(*it, response, first);
}

void CoapConnector::handleNotification(Observation &observation, const CoapResponse &response, bool first)
{
    ++m_notifications;
    noteReachable();
    if (!response.isSuccess()) {
        // The server ended the observation (the resource went away, or it restarted and
        // does not know the token): register again later.
        m_observationTokens.remove(observation.token);
        context()->forget(observation.token);
        observation.token.clear();
        observation.needsRegister = !first;
        observation.nextAttemptMs = nowMs() + m_retryIntervalMs;
        Update update;
        update.id = observation.id;
        update.state = ResourceState::Error;
        update.info = coapCodeDescription(response.code);
        post(update);
        return;
    }
    if (!response.observe) {
        m_observationTokens.remove(observation.token);
        context()->forget(observation.token);
        observation.token.clear();
        if (first) {
            observation.polling = true;
            observation.nextAttemptMs = nowMs() + config().pollIntervalFor(observation.id);
        } else {
            observation.needsRegister = true; // a plain response ends the observation (RFC 7641 3.2)
        }
        postValue(observation.id, response, QStringLiteral("GET %1").arg(coapCodeText(response.code)));
        return;
    }
    if (!first && observation.lastSeq
        && !isFresher(*response.observe, *observation.lastSeq, response.receivedMs - observation.lastSeqMs)) {
        ++m_staleDropped;
        return;
    }
    observation.lastSeq = response.observe;
    observation.lastSeqMs = response.receivedMs;
    observation.lastNotificationMs = response.receivedMs;
    observation.needsRegister = false; // a registration that timed out was answered after all
    observation.maxAge = response.maxAge.value_or(60);
    postValue(observation.id, response,
              first ? QStringLiteral("GET observe %1").arg(coapCodeText(response.code))
                    : QStringLiteral("notify %1 #%2").arg(coapCodeText(response.code)).arg(*response.observe));
}

void CoapConnector::onRequestFailed(const QByteArray &token, ErrorKind kind, const QString &error)
{
    noteFailure(Result::failure(kind, error));
    const auto idIt = m_observationTokens.constFind(token);
    if (idIt == m_observationTokens.constEnd())
        return;
    const ResourceId id = *idIt;
    m_observationTokens.remove(token);
    context()->forget(token);
    const auto it = m_observations.find(id);
    if (it == m_observations.end())
        return;
    if (it->firstResponse)
        it->firstResponse->finish({Result::failure(kind, error), {}});
    it->token.clear();
    it->needsRegister = true;
    it->nextAttemptMs = nowMs() + m_retryIntervalMs;
    Update update;
    update.id = id;
    update.state = ResourceState::Error;
    update.info = error;
    post(update);
}

void CoapConnector::onSessionFailed(const QString &, ErrorKind kind, const QString &error)
{
    noteFailure(Result::failure(kind, error));
}

void CoapConnector::checkObservations()
{
    const qint64 now = nowMs();
    const QList<ResourceId> ids = m_observations.keys();
    for (const ResourceId &id : ids) {
        const auto it = m_observations.find(id);
        if (it == m_observations.end() || it->registering)
            continue;
        if (it->polling) {
            if (!it->pollInFlight && now >= it->nextAttemptMs)
                poll(id);
            continue;
        }
        if (it->needsRegister || it->token.isEmpty()) {
            if (now >= it->nextAttemptMs)
                registerObservation(id, false);
            continue;
        }
        // RFC 7641 3.3.1: once Max-Age has passed without a notification the client can no
        // longer trust the observation (the server may have restarted): register again.
        const qint64 silentFor = now - it->lastNotificationMs;
        if (silentFor > qint64(it->maxAge) * 1000 + m_reregisterMarginMs)
            registerObservation(id, false); // under the same token: the server renews its registration
    }
}

QCoro::Task<> CoapConnector::poll(ResourceId id)
{
    QPointer<CoapConnector> self(this);
    auto it = m_observations.find(id);
    if (it == m_observations.end())
        co_return;
    it->pollInFlight = true;
    co_await read(id, requestTimeout());
    if (!self)
        co_return;
    it = m_observations.find(id);
    if (it == m_observations.end())
        co_return;
    it->pollInFlight = false;
    it->nextAttemptMs = nowMs() + config().pollIntervalFor(id);
}

QCoro::Task<Result> CoapConnector::discover(const ResourceId &root, std::chrono::milliseconds window)
{
    const ResourceId base = root.isValid() ? root : config().url;
    if (isMulticast(base))
        co_return co_await discoverMulticast(base, window);
    QPointer<CoapConnector> self(this);
    const ResourceId wellKnown = ResourceId::fromParts(base.scheme(), base.host(), base.port(),
                                                       QStringLiteral("/.well-known/core"), base.query());
    CoapRequest get;
    get.path = wellKnown.path();
    get.query = wellKnown.query();
    get.accept = ContentFormat::LinkFormat;
    const auto timeout = window.count() > 0 ? std::max(window, requestTimeout()) : requestTimeout();
    const CoapExchangeResult outcome = co_await request(wellKnown, get, timeout);
    if (!self || !outcome.result.ok())
        co_return outcome.result;
    if (!outcome.response.isSuccess())
        co_return errorFor(wellKnown, outcome.response);
    QString error;
    const auto links = codecs::parseLinkFormat(outcome.response.payload, &error);
    if (!links)
        co_return Result::failure(ErrorKind::Protocol,
                                  tr("%1: malformed link-format: %2").arg(wellKnown.toString(), error));
    const QString documentUri = ResourceId::fromParts(base.scheme(), base.host(), base.port(),
                                                      QStringLiteral("/.well-known/core"))
                                    .toString();
    QList<CoapLinkedResource> resources = resourcesFromLinks(documentUri, *links);
    // A path in the root narrows discovery to the resources below it.
    const bool narrowed = !base.isEndpoint() && base.path() != QLatin1String("/.well-known/core");
    int posted = 0;
    for (const CoapLinkedResource &resource : std::as_const(resources)) {
        if (narrowed && !resource.id.path().startsWith(base.path()))
            continue;
        postLinked(resource);
        ++posted;
    }
    Result result = Result::success();
    QStringList problems;
    for (const codecs::Link &link : *links)
        problems += link.problems;
    if (!problems.isEmpty())
        result.notice = tr("%1: %2").arg(wellKnown.toString(), problems.join(QLatin1String("; ")));
    if (ResourceDirectory::isAdvertised(resources)) {
        const ResourceDirectoryContents contents =
            co_await ResourceDirectory::read(QPointer<CoapContext>(context()), resources, timeout);
        if (!self)
            co_return contents.result;
        for (const CoapLinkedResource &endpoint : contents.endpoints)
            postLinked(endpoint);
        for (const CoapLinkedResource &resource : contents.resources) {
            postLinked(resource);
            ++posted;
        }
        if (!contents.result.ok())
            result.notice += (result.notice.isEmpty() ? QString() : QStringLiteral("\n")) + tr("the resource directory at %1 could not be read completely: %2")
                                .arg(base.endpointUri(), contents.result.error);
    }
    if (posted == 0)
        co_return Result::failure(ErrorKind::NotFound, tr("%1 lists no resources").arg(wellKnown.toString()));
    co_return result;
}

QCoro::Task<Result> CoapConnector::discoverMulticast(ResourceId root, std::chrono::milliseconds window)
{
    QPointer<CoapConnector> self(this);
    const ResourceId wellKnown = ResourceId::fromParts(root.scheme(), root.host(), root.port(),
                                                       QStringLiteral("/.well-known/core"), root.query());
    if (root.isSecure())
        co_return Result::failure(ErrorKind::Unsupported, tr("DTLS does not work over multicast: use coap:// for %1")
                                                              .arg(root.host()));
    CoapRequest get;
    get.confirmable = false; // RFC 7252 8.1: multicast requests are non-confirmable
    get.path = wellKnown.path();
    get.query = wellKnown.query();
    get.accept = ContentFormat::LinkFormat;
    QString interfaceName = config().extra.value(QStringLiteral("interface")).toString();
    if (interfaceName.isEmpty())
        interfaceName = defaultMulticastInterface(root);
    Result error;
    const QByteArray token = context()->send(wellKnown, get, &error, {}, interfaceName);
    if (token.isEmpty())
        co_return error;
    m_multicastResponders.insert(token, {});
    // Servers spread their answers over DEFAULT_LEISURE (5 s, RFC 7252 section 8.2): a shorter
    // window misses some of them.
    co_await QCoro::sleepFor(window.count() > 0 ? window : std::chrono::milliseconds(5500));
    if (!self)
        co_return Result::failure(ErrorKind::Connection, tr("the CoAP connection was closed"));
    const QSet<QString> responders = m_multicastResponders.take(token);
    context()->forget(token);
    if (responders.isEmpty())
        co_return Result::failure(ErrorKind::NotFound,
                                  tr("no CoAP node answered on %1 within %2 s%3")
                                      .arg(root.hostPort())
                                      .arg(double(window.count()) / 1000.0)
                                      .arg(interfaceName.isEmpty() ? QString()
                                                                   : tr(" (interface %1)").arg(interfaceName)));
    Result result = Result::success();
    result.notice = interfaceName.isEmpty()
        ? tr("%n node(s) answered", nullptr, int(responders.size()))
        : tr("%n node(s) answered on %1", nullptr, int(responders.size())).arg(interfaceName);
    co_return result;
}

QString CoapConnector::defaultMulticastInterface(const ResourceId &group)
{
    // The first interface that is up, carries multicast and has an address of the group's
    // family: what a user with one network connection means.
    const bool v6 = group.host().contains(QLatin1Char(':'));
    const auto interfaces = QNetworkInterface::allInterfaces();
    for (const QNetworkInterface &netif : interfaces) {
        const auto flags = netif.flags();
        if (!(flags & QNetworkInterface::IsUp) || !(flags & QNetworkInterface::CanMulticast)
            || (flags & QNetworkInterface::IsLoopBack))
            continue;
        for (const QNetworkAddressEntry &entry : netif.addressEntries()) {
            if (entry.ip().protocol() == (v6 ? QAbstractSocket::IPv6Protocol : QAbstractSocket::IPv4Protocol))
                return netif.name();
        }
    }
    return {};
}

void CoapConnector::handleMulticastResponse(const QByteArray &token, const CoapResponse &response)
{
    if (!response.isSuccess() || response.remoteHost.isEmpty())
        return;
    const ResourceId responder = ResourceId::fromParts(config().url.scheme(), response.remoteHost,
                                                       response.remotePort, {});
    m_multicastResponders[token].insert(responder.toString());
    QString error;
    const auto links = codecs::parseLinkFormat(response.payload, &error);
    Update endpoint;
    endpoint.id = responder;
    endpoint.state = ResourceState::Online;
    endpoint.info = tr("answered multicast discovery");
    post(endpoint);
    if (!links)
        return;
    const QString documentUri = responder.endpointUri() + QStringLiteral("/.well-known/core");
    for (const CoapLinkedResource &resource : resourcesFromLinks(documentUri, *links))
        postLinked(resource);
}

Capabilities CoapConnector::capabilities() const
{
    return Capability::Observe | Capability::BlockWise | Capability::RawRequest;
}

QCoro::Task<RawResponse> CoapConnector::request(const RawRequest &requestArg)
{
    const RawRequest raw = requestArg;
    QPointer<CoapConnector> self(this);
    RawResponse response;
    static const QHash<QString, CoapMethod> methods = {
        {QStringLiteral("GET"), CoapMethod::Get},     {QStringLiteral("POST"), CoapMethod::Post},
        {QStringLiteral("PUT"), CoapMethod::Put},     {QStringLiteral("DELETE"), CoapMethod::Delete},
        {QStringLiteral("FETCH"), CoapMethod::Fetch}, {QStringLiteral("PATCH"), CoapMethod::Patch},
        {QStringLiteral("IPATCH"), CoapMethod::IPatch},
    };
    const auto method = methods.constFind(raw.method.toUpper());
    if (method == methods.constEnd()) {
        response.result = Result::failure(ErrorKind::Usage, tr("'%1' is not a CoAP method (GET, POST, PUT, DELETE, "
                                                               "FETCH, PATCH, iPATCH)")
                                                                .arg(raw.method));
        co_return response;
    }
    CoapRequest coap;
    coap.method = *method;
    coap.confirmable = raw.confirmable;
    coap.path = raw.target.path();
    coap.query = raw.target.query();
    coap.payload = raw.payload;
    for (const auto &[number, value] : raw.coapOptions) {
        if (number <= 0 || number > 65535) {
            response.result = Result::failure(ErrorKind::Usage, tr("%1 is not a CoAP option number (1 to 65535)").arg(number));
            co_return response;
        }
        coap.extraOptions.append({number, value});
    }
    QElapsedTimer clock;
    clock.start();
    const CoapExchangeResult outcome = co_await request(raw.target, coap, raw.timeout);
    if (!self) {
        response.result = Result::failure(ErrorKind::Connection, QString());
        co_return response;
    }
    response.roundTrip = std::chrono::milliseconds(clock.elapsed());
    response.result = outcome.response.code > 0 ? Result::success() : outcome.result;
    response.status = outcome.response.code;
    response.statusText = outcome.response.code > 0 ? coapCodeDescription(outcome.response.code) : QString();
    response.coapOptions = outcome.response.options;
    response.payload = outcome.response.payload;
    co_return response;
}

} // namespace thingscape
