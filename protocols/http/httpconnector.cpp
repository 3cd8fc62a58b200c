#include "httpconnector.h"

#include "protocols/wakeup.h"

#include "httpwatch.h"
#include "replywait.h"

#include "model/codecs/codecs.h"
#include "model/codecs/linkformat.h"
#include "model/linkmetadata.h"
#include "protocols/connectorfactory.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDateTime>
#include <QElapsedTimer>
#include <QNetworkReply>
#include <QJsonDocument>
#include <QPointer>
#include <QSet>

#include <QCoro/QCoroSignal>

namespace thingscape {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("HttpConnector", text);
}

const QStringList &carriedSchemes()
{
    static const QStringList schemes = {QStringLiteral("http"), QStringLiteral("https"), QStringLiteral("coap"),
                                        QStringLiteral("coaps"), QStringLiteral("mqtt"), QStringLiteral("mqtts")};
    return schemes;
}

bool isHttpScheme(const QString &scheme)
{
    return scheme == QLatin1String("http") || scheme == QLatin1String("https");
}

bool isWebSocketScheme(const QString &scheme)
{
    return scheme == QLatin1String("ws") || scheme == QLatin1String("wss");
}

QString mediaTypeOnly(const QString &contentType)
{
    return contentType.section(QLatin1Char(';'), 0, 0).trimmed().toLower();
}

bool isJsonMediaType(const QString &mediaType)
{
    return mediaType == QLatin1String("application/json") || mediaType.endsWith(QLatin1String("+json"));
}

qint64 now()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QString primaryOp(TdAffordanceKind kind)
{
    switch (kind) {
    case TdAffordanceKind::Property:
        return QStringLiteral("readproperty");
    case TdAffordanceKind::Action:
        return QStringLiteral("invokeaction");
    case TdAffordanceKind::Event:
        return QStringLiteral("subscribeevent");
    }
    return {};
}

// The form that names the resource: the one doing the affordance's main operation with a
// scheme some connector carries.
const TdForm *primaryForm(const TdAffordance &affordance)
{
    if (const TdForm *form = affordance.formFor(primaryOp(affordance.kind), carriedSchemes()))
        return form;
    if (affordance.kind == TdAffordanceKind::Property) {
        if (const TdForm *form = affordance.formFor(QStringLiteral("writeproperty"), carriedSchemes()))
            return form;
    }
    return affordance.formFor({}, carriedSchemes());
}

QString affordanceLabel(const ThingDescription &td, const TdAffordance &affordance)
{
    return tr("%1: %2 '%3'").arg(td.displayName(), tdAffordanceKindName(affordance.kind), affordance.name);
}

// The form's target as a resource id; a failure names the form and why.
std::optional<ResourceId> formTarget(const TdForm &form, Result *error)
{
    QString why;
    std::optional<ResourceId> id = ResourceId::parse(form.href, &why);
    if (!id)
        *error = Result::failure(ErrorKind::Usage, tr("form href '%1': %2").arg(form.href, why));
    return id;
}

const char kDiscoveryAccept[] = "application/td+json, application/json;q=0.9, application/link-format;q=0.8, */*;q=0.5";
const char kValueAccept[] = "application/json, application/senml+json, application/cbor;q=0.9, text/plain;q=0.8, */*;q=0.5";

} // namespace

HttpConnector::HttpConnector(const EndpointConfig &config, QObject *parent)
    : Connector(config, parent)
    , m_client(new HttpClient(config, this))
{
}

HttpConnector::~HttpConnector()
{
    for (HttpWatch *watch : std::as_const(m_watches))
        delete watch;
    m_watches.clear();
}

QString HttpConnector::observationMode(const ResourceId &id) const
{
    if (HttpWatch *watch = m_watches.value(id))
        return httpWatchModeName(watch->mode());
    if (m_childObserved.contains(id))
        return m_childObserved.value(id).scheme();
    return {};
}

QCoro::Task<Result> HttpConnector::connectToEndpoint()
{
    setState(ConnectorState::Connecting);
    QUrl url(config().url.endpointUri() + QLatin1Char('/'));
    HttpRequestOptions options;
    options.verb = "HEAD";
    QPointer<HttpConnector> self(this);
    const HttpResponse response = co_await m_client->send(url, options);
    if (!self)
        co_return response.result;
    // Any HTTP answer, even an error status, means the endpoint is there.
    if (response.status == 0 && !response.result.ok()) {
        setState(ConnectorState::Error, response.result.error);
        co_return response.result;
    }
    setState(ConnectorState::Connected);
    Result result;
    if (config().insecure && config().url.isSecure())
        result.notice = tr("insecure: the certificate of %1 is not verified").arg(config().url.hostPort());
    co_return result;
}

void HttpConnector::disconnectFromEndpoint()
{
    for (HttpWatch *watch : std::as_const(m_watches))
        delete watch;
    m_watches.clear();
    for (auto &[key, child] : m_children)
        child->disconnectFromEndpoint();
    // Lent connectors are the workspace's: only what this endpoint observed there stops.
    for (auto it = m_childObserved.cbegin(); it != m_childObserved.cend(); ++it) {
        if (Connector *lent = m_lent.value(it.value().endpointUri()))
            lent->unobserve(it.value());
    }
    m_childObserved.clear();
    setState(ConnectorState::Disconnected);
}

void HttpConnector::explainAuthFailure(Result *result, const Binding &binding) const
{
    if (result->kind != ErrorKind::Auth || !binding.td)
        return;
    for (const QString &name : binding.td->security) {
        const TdSecurityScheme *scheme = binding.td->securityScheme(name);
        static const QStringList supported = {QStringLiteral("nosec"), QStringLiteral("basic"), QStringLiteral("bearer")};
        if (scheme && !supported.contains(scheme->scheme)) {
            result->error += tr(" (%1 asks for '%2' security, which is not supported)")
                                 .arg(binding.td->displayName(), scheme->scheme);
            return;
        }
    }
}

HttpAuth HttpConnector::authFor(const Binding &binding, const TdForm &form) const
{
    if (!binding.td)
        return HttpAuth::Auto;
    const QStringList names = binding.td->securityFor(form);
    for (const QString &name : names) {
        const TdSecurityScheme *scheme = binding.td->securityScheme(name);
        if (!scheme)
            continue;
        if (scheme->scheme == QLatin1String("basic"))
            return HttpAuth::Basic;
        if (scheme->scheme == QLatin1String("bearer"))
            return HttpAuth::Bearer;
        if (scheme->scheme == QLatin1String("nosec"))
            return HttpAuth::None;
    }
    // Unsupported schemes were reported at discovery; send what the endpoint settings have.
    return HttpAuth::Auto;
}

int HttpConnector::loadThing(const ThingDescription &td, QSet<QString> *seenThings)
{
    const QString key = td.id.isEmpty() ? td.sourceUrl + QLatin1Char('#') + td.title : td.id;
    if (seenThings->contains(key))
        return 0;
    seenThings->insert(key);
    m_problems << td.warnings;
    auto shared = std::make_shared<const ThingDescription>(td);
    int count = 0;
    for (const TdAffordance *affordance : shared->affordances()) {
        const TdForm *form = primaryForm(*affordance);
        std::optional<ResourceId> id;
        QString why;
        if (form)
            id = ResourceId::parse(form->href, &why);
        if (!form || !id) {
            m_problems << (form ? tr("%1: form href '%2': %3").arg(affordanceLabel(*shared, *affordance), form->href, why)
                                : tr("%1: no form with an http(s), coap(s) or mqtt(s) href")
                                      .arg(affordanceLabel(*shared, *affordance)));
            continue;
        }
        Metadata md;
        const auto src = MetaSource::ThingDescription;
        md.title.set(affordance->title.isEmpty() ? affordance->name : affordance->title, src);
        if (!affordance->description.isEmpty())
            md.description.set(affordance->description, src);
        if (!affordance->unit.isEmpty())
            md.unit.set(affordance->unit, src);
        md.device.set(shared->title, src);
        const int contentFormat = codecs::contentFormatForMediaType(form->contentType);
        if (contentFormat >= 0)
            md.contentFormat.set(contentFormat, src);
        switch (affordance->kind) {
        case TdAffordanceKind::Property:
            md.observable.set(affordance->observable, src);
            md.writable.set(!affordance->readOnly, src);
            md.readable.set(!affordance->writeOnly, src);
            if (!affordance->readOnly) {
                const TdForm *writeForm = affordance->formFor(QStringLiteral("writeproperty"), carriedSchemes());
                if (writeForm && writeForm->href != form->href)
                    md.commandUri.set(writeForm->href, src);
            }
            break;
        case TdAffordanceKind::Action:
            md.observable.set(false, src);
            md.writable.set(true, src);
            md.readable.set(false, src);
            break;
        case TdAffordanceKind::Event:
            md.observable.set(true, src);
            md.writable.set(false, src);
            md.readable.set(false, src);
            break;
        }
        QJsonObject extra;
        extra.insert(QStringLiteral("affordance"), tdAffordanceKindName(affordance->kind));
        extra.insert(QStringLiteral("name"), affordance->name);
        if (!shared->id.isEmpty())
            extra.insert(QStringLiteral("thing"), shared->id);
        extra.insert(QStringLiteral("td"), shared->sourceUrl);
        // The details view shows the Thing itself when its folder is selected.
        if (!shared->description.isEmpty())
            extra.insert(QStringLiteral("thingDescription"), shared->description);
        if (!affordance->type.isEmpty())
            extra.insert(QStringLiteral("type"), affordance->type);
        if (affordance->minimum)
            extra.insert(QStringLiteral("minimum"), *affordance->minimum);
        if (affordance->maximum)
            extra.insert(QStringLiteral("maximum"), *affordance->maximum);
        if (!affordance->enumValues.isEmpty())
            extra.insert(QStringLiteral("enum"), affordance->enumValues);
        if (!affordance->input.isEmpty())
            extra.insert(QStringLiteral("input"), affordance->input);
        if (!affordance->output.isEmpty())
            extra.insert(QStringLiteral("output"), affordance->output);
        QJsonArray forms;
        for (const TdForm &f : affordance->forms)
            forms.append(f.json);
        extra.insert(QStringLiteral("forms"), forms);
        const QStringList security = shared->securityFor(*form);
        if (!security.isEmpty()) {
            QStringList schemes;
            for (const QString &name : security)
                schemes << shared->securityScheme(name)->scheme;
            extra.insert(QStringLiteral("security"), QJsonArray::fromStringList(schemes));
        }
        md.extra = extra;
        md.extraSource = src;

        m_bindings.insert(*id, Binding{shared, affordance});
        Update update;
        update.id = *id;
        update.metadata = md;
        update.info = tr("discovered in %1").arg(shared->displayName());
        post(update);
        ++count;
    }
    return count;
}

int HttpConnector::loadLinks(const QUrl &url, const QByteArray &body)
{
    QString error;
    const std::optional<QList<codecs::Link>> links = codecs::parseLinkFormat(body, &error);
    if (!links) {
        m_problems << tr("link-format at %1: %2").arg(url.toString(), error);
        return 0;
    }
    int count = 0;
    for (const codecs::Link &link : *links) {
        QString target = codecs::resolveLinkTarget(url.toString(), link);
        if (QUrl(target).isRelative())
            target = url.resolved(QUrl(target)).toString();
        QString why;
        const std::optional<ResourceId> id = ResourceId::parse(target, &why);
        if (!id) {
            m_problems << tr("link-format at %1: link <%2>: %3").arg(url.toString(), link.target, why);
            continue;
        }
        Metadata md = metadataFromLink(link);
        // A Thing Description says more about the same resource: links only add to it.
        if (m_bindings.contains(*id)) {
            md.title = {};
            md.contentFormat = {};
            md.observable = {};
            md.writable = {};
        }
        // obs is CoAP's: without it an HTTP resource may still have events (SSE).
        if (!link.observable)
            md.observable = {};
        Update update;
        update.id = *id;
        update.metadata = md;
        update.info = tr("discovered in %1").arg(url.toString());
        post(update);
        ++count;
    }
    return count;
}

int HttpConnector::loadDocument(const QUrl &url, const HttpResponse &response, QSet<QString> *seenThings)
{
    const QString mediaType = mediaTypeOnly(response.contentType);
    if (mediaType == QLatin1String("application/link-format"))
        return loadLinks(url, response.body);

    const QByteArray trimmed = response.body.trimmed();
    const bool tdType = mediaType == QLatin1String("application/td+json");
    const bool jsonish = isJsonMediaType(mediaType) || trimmed.startsWith('{') || trimmed.startsWith('[');
    if (!jsonish)
        return -1;
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(response.body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        // Only a document that says it is a TD is reported as a broken one.
        if (!tdType)
            return -1;
        m_problems << tr("TD at %1: %2")
                          .arg(url.toString(),
                               describeJsonError(response.body, parseError.offset, parseError.errorString()));
        return 0;
    }

    auto loadList = [&](const QJsonArray &list) {
        int count = 0;
        for (qsizetype i = 0; i < list.size(); ++i) {
            const QString entry = tr("entry %1 of %2").arg(i + 1).arg(url.toString());
            if (!list.at(i).isObject()) {
                m_problems << tr("%1 is not a JSON object").arg(entry);
                continue;
            }
            QString error;
            const std::optional<ThingDescription> td =
                ThingDescription::fromJson(list.at(i).toObject(), url.toString(), &error, entry);
            if (!td) {
                m_problems << error;
                continue;
            }
            count += loadThing(*td, seenThings);
        }
        return count;
    };
    auto looksLikeDirectory = [&](const QJsonArray &list) {
        if (tdType || url.path().endsWith(QLatin1String("/things")))
            return true;
        for (const QJsonValue &item : list) {
            if (item.isObject() && ThingDescription::hasTdContext(item.toObject()))
                return true;
        }
        return false;
    };

    if (document.isArray()) {
        const QJsonArray list = document.array();
        return looksLikeDirectory(list) ? loadList(list) : -1;
    }
    const QJsonObject object = document.object();
    if (tdType || object.contains(QLatin1String("@context"))) {
        if (!tdType && !ThingDescription::hasTdContext(object))
            return -1;
        QString error;
        const std::optional<ThingDescription> td = ThingDescription::fromJson(object, url.toString(), &error);
        if (!td) {
            m_problems << error;
            return 0;
        }
        return loadThing(*td, seenThings);
    }
    // A directory answer wrapped in an object (paged listings).
    for (const char *key : {"things", "items", "members", "@graph"}) {
        const QJsonValue list = object.value(QLatin1String(key));
        if (list.isArray() && looksLikeDirectory(list.toArray()))
            return loadList(list.toArray());
    }
    return -1;
}

QCoro::Task<Result> HttpConnector::discover(const ResourceId &rootArg, std::chrono::milliseconds window)
{
    const ResourceId root = rootArg.isValid() ? rootArg : config().url;
    QPointer<HttpConnector> self(this);
    m_problems.clear();
    HttpRequestOptions options;
    options.accept = QString::fromLatin1(kDiscoveryAccept);
    // A slow device gets the user's request timeout even when the discovery window is shorter;
    // all requests of one discovery share that time.
    const qint64 budgetMs = window.count() > 0 ? std::max<qint64>(window.count(), config().requestTimeoutMs)
                                               : config().requestTimeoutMs;
    const QDeadlineTimer deadline(budgetMs > 0 ? budgetMs : -1);
    if (window.count() > 0)
        options.timeoutMs = int(budgetMs);
    const QList<ResourceId> boundBefore = m_bindings.keys();
    const QUrl url(root.toString());
    const HttpResponse first = co_await m_client->send(url, options);
    if (!self)
        co_return first.result;
    QSet<QString> seenThings;
    int found = -1;
    int loaded = 0;
    bool anyDocument = false;
    if (first.result.ok() && first.status != 304) {
        found = loadDocument(url, first, &seenThings);
        anyDocument = found >= 0;
        loaded += std::max(found, 0);
    }
    const bool network = first.status == 0 && !first.result.ok() && first.result.kind != ErrorKind::Timeout;
    if (!anyDocument && root.isEndpoint() && !network) {
        for (const char *path : {"/.well-known/wot", "/things", "/.well-known/core"}) {
            if (budgetMs > 0 && deadline.hasExpired())
                break;
            if (budgetMs > 0)
                options.timeoutMs = int(std::max<qint64>(1, deadline.remainingTime()));
            const QUrl wellKnown = url.resolved(QUrl(QString::fromLatin1(path)));
            const HttpResponse response = co_await m_client->send(wellKnown, options);
            if (!self)
                co_return response.result;
            if (!response.result.ok())
                continue;
            const int n = loadDocument(wellKnown, response, &seenThings);
            if (n >= 0) {
                anyDocument = true;
                loaded += n;
            }
        }
    }
    if (!anyDocument) {
        if (!first.result.ok()) {
            // A discovery that timed out says nothing about the connection: the result tells it.
            setState(network ? ConnectorState::Error : ConnectorState::Connected, network ? first.result.error : QString());
            co_return first.result;
        }
        setState(ConnectorState::Connected);
        Metadata md;
        const QString name = root.pathSegments().isEmpty() ? root.hostPort() : root.pathSegments().constLast();
        md.title.set(name, MetaSource::Protocol);
        md.readable.set(true, MetaSource::Protocol);
        Update update;
        update.id = root;
        update.metadata = md;
        update.value = codecs::decode(first.body, ContentFormat::Unknown, first.contentType, now());
        if (update.value->contentFormat >= 0)
            update.metadata.edit().contentFormat.set(update.value->contentFormat, MetaSource::Protocol);
        update.state = ResourceState::Online;
        update.info = QStringLiteral("GET %1").arg(first.status);
        post(update);
        co_return Result::success();
    }
    setState(ConnectorState::Connected);
    if (loaded == 0) {
        const QString why = m_problems.isEmpty() ? tr("no resources found at %1").arg(url.toString())
                                                 : m_problems.join(QLatin1Char('\n'));
        co_return Result::failure(m_problems.isEmpty() ? ErrorKind::NotFound : ErrorKind::Protocol, why);
    }
    Result result;
    if (!m_problems.isEmpty())
        result.notice = m_problems.join(QLatin1Char('\n'));
    // Values at once, not "unknown" until the user reads: every readable property once.
    QList<ResourceId> fresh;
    for (auto it = m_bindings.cbegin(); it != m_bindings.cend(); ++it) {
        if (!boundBefore.contains(it.key()))
            fresh << it.key();
    }
    const int readMs = int(std::max<qint64>(1000, budgetMs > 0 ? deadline.remainingTime() : config().requestTimeoutMs));
    co_await readInitialValues(fresh, std::chrono::milliseconds(readMs));
    co_return result;
}

QList<ResourceId> HttpConnector::readableOverHttp(const QList<ResourceId> &ids) const
{
    QList<ResourceId> out;
    for (const ResourceId &id : ids) {
        const Binding binding = m_bindings.value(id);
        if (!binding.affordance || binding.affordance->kind != TdAffordanceKind::Property || binding.affordance->writeOnly)
            continue;
        // Other protocols' properties come with their own observation (retained, Observe).
        const TdForm *form = binding.affordance->formFor(QStringLiteral("readproperty"), carriedSchemes());
        if (form && isHttpScheme(form->scheme()))
            out << id;
    }
    return out;
}

QCoro::Task<> HttpConnector::readInitialValues(QList<ResourceId> ids, std::chrono::milliseconds timeout)
{
    // Started together (a Task runs to its first suspension at once), then awaited in turn.
    std::vector<QCoro::Task<ReadResult>> reads;
    for (const ResourceId &id : readableOverHttp(ids))
        reads.push_back(read(id, timeout));
    for (QCoro::Task<ReadResult> &task : reads)
        co_await task; // a failed read leaves the property unknown, as before; it is not fatal
}

QCoro::Task<std::pair<Connector *, Result>> HttpConnector::child(ResourceId id)
{
    const QString key = id.endpointUri();
    QPointer<HttpConnector> self(this);
    Connector *connector = nullptr;
    if (EndpointBroker *broker = endpointBroker()) {
        // The workspace's connector for that host:port: an existing endpoint's (its
        // credentials, its TLS settings) or a child endpoint the user sees.
        QPointer<Connector> lent = m_lent.value(key);
        if (!lent) {
            const ResourceId where = id.endpoint();
            auto [found, why] = co_await broker->connectorFor(where);
            if (!self)
                co_return std::pair<Connector *, Result>{nullptr, Result::failure(ErrorKind::Connection, tr("closed"))};
            if (!found)
                co_return std::pair<Connector *, Result>{nullptr, why};
            lent = found;
            if (m_lent.value(key) != lent) {
                m_lent.insert(key, lent);
                // Its own updates reach the store through its endpoint; only what a TD
                // names differently is posted again here, under the TD's name.
                connect(lent.data(), &Connector::updatesReady, this, [this](const UpdateBatch &batch) {
                    for (const Update &update : batch) {
                        const ResourceId alias = m_childAliases.value(update.id);
                        if (alias.isValid() && alias != update.id) {
                            Update copy = update;
                            copy.id = alias;
                            post(std::move(copy));
                        }
                    }
                });
            }
        }
        connector = lent.data();
    } else if (auto it = m_children.find(key); it == m_children.end()) {
        EndpointConfig childConfig;
        childConfig.id = key;
        childConfig.name = key;
        childConfig.url = id.endpoint();
        childConfig.filters = {}; // only what the TD names, not the whole broker
        childConfig.pollIntervalMs = config().pollIntervalMs;
        childConfig.requestTimeoutMs = config().requestTimeoutMs;
        QString why;
        std::unique_ptr<Connector> made = createConnector(childConfig, &why);
        if (!made)
            co_return std::pair<Connector *, Result>{
                nullptr, Result::failure(ErrorKind::Unsupported, tr("%1: %2").arg(id.toString(), why))};
        connector = made.get();
        connect(connector, &Connector::updatesReady, this, [this](const UpdateBatch &batch) {
            for (Update update : batch) {
                update.id = m_childAliases.value(update.id, update.id);
                post(update);
            }
        });
        m_children.emplace(key, std::move(made));
    } else {
        connector = it->second.get();
    }
    QPointer<Connector> guard(connector);
    if (connector->state() == ConnectorState::Connected)
        co_return std::pair<Connector *, Result>{connector, {}};
    Result result;
    if (connector->state() == ConnectorState::Connecting) {
        // Wakeup, not qCoro(signal, timeout): the child may change state twice before we resume.
        Wakeup wakeup;
        connect(connector, &Connector::stateChanged, &wakeup, &Wakeup::notify);
        const QDeadlineTimer deadline(config().requestTimeoutMs);
        while (self && guard && guard->state() == ConnectorState::Connecting && !deadline.hasExpired())
            co_await wakeup.wait(std::chrono::milliseconds(std::max<qint64>(1, deadline.remainingTime())));
        if (!self || !guard)
            co_return std::pair<Connector *, Result>{nullptr, Result::failure(ErrorKind::Connection, tr("closed"))};
        if (connector->state() != ConnectorState::Connected)
            result = Result::failure(ErrorKind::Connection, connector->lastError());
    } else {
        result = co_await connector->connectToEndpoint();
        if (!self || !guard)
            co_return std::pair<Connector *, Result>{nullptr, Result::failure(ErrorKind::Connection, tr("closed"))};
    }
    if (!result.ok())
        co_return std::pair<Connector *, Result>{nullptr, result};
    co_return std::pair<Connector *, Result>{connector, {}};
}

QCoro::Task<ReadResult> HttpConnector::read(const ResourceId &idArg, std::chrono::milliseconds timeout)
{
    const ResourceId id = idArg;
    QPointer<HttpConnector> self(this);
    HttpRequestOptions options;
    options.accept = QString::fromLatin1(kValueAccept);
    options.timeoutMs = timeout.count() > 0 ? int(timeout.count()) : -1;
    QUrl url(id.toString());
    const Binding binding = m_bindings.value(id);
    if (binding.affordance) {
        const TdAffordance &affordance = *binding.affordance;
        if (affordance.kind != TdAffordanceKind::Property || affordance.writeOnly)
            co_return ReadResult{Result::failure(ErrorKind::Unsupported,
                                                 tr("%1 cannot be read").arg(affordanceLabel(*binding.td, affordance))),
                                 id, {}};
        const TdForm *form = affordance.formFor(QStringLiteral("readproperty"), carriedSchemes());
        if (!form)
            co_return ReadResult{Result::failure(ErrorKind::Unsupported,
                                                 tr("%1 has no readproperty form").arg(affordanceLabel(*binding.td, affordance))),
                                 id, {}};
        if (!isHttpScheme(form->scheme())) {
            Result invalid;
            const std::optional<ResourceId> childId = formTarget(*form, &invalid);
            if (!childId)
                co_return ReadResult{invalid, id, {}};
            auto [connector, error] = co_await child(*childId);
            if (!self)
                co_return ReadResult{error, id, {}};
            if (!connector)
                co_return ReadResult{error, id, {}};
            m_childAliases.insert(*childId, id);
            ReadResult result = co_await connector->read(*childId, timeout);
            result.id = id;
            co_return result;
        }
        url = QUrl(form->href);
        options.accept = form->contentType;
        options.auth = authFor(binding, *form);
        if (!form->method.isEmpty())
            options.verb = form->method.toLatin1();
    }
    HttpResponse response = co_await m_client->send(url, options);
    if (!self)
        co_return ReadResult{response.result, id, {}};
    if (!response.result.ok()) {
        explainAuthFailure(&response.result, binding);
        co_return ReadResult{response.result, id, {}};
    }
    Value value = codecs::decode(response.body, ContentFormat::Unknown, response.contentType, now());
    Update update;
    update.id = id;
    update.value = value;
    // Said once: a value keeps the resource online in the store, and value-only updates of a
    // resource merge while the consumer holds the hand-over (events asking for reads).
    if (!m_readOnline.contains(id)) {
        m_readOnline.insert(id);
        update.state = ResourceState::Online;
    }
    update.info = QStringLiteral("GET %1").arg(response.status);
    post(update);
    co_return ReadResult{Result::success(), id, value};
}

QCoro::Task<Result> HttpConnector::write(const ResourceId &idArg, const QByteArray &payloadArg, const WriteOptions &optionsArg)
{
    // Copies: the caller's arguments may be temporaries that die at the first suspension.
    const ResourceId id = idArg;
    const QByteArray payload = payloadArg;
    const WriteOptions writeOptions = optionsArg;
    QPointer<HttpConnector> self(this);
    HttpRequestOptions options;
    options.verb = writeOptions.method.isEmpty() ? QByteArrayLiteral("PUT") : writeOptions.method.toUpper().toLatin1();
    options.body = payload;
    options.timeoutMs = writeOptions.timeout.count() > 0 ? int(writeOptions.timeout.count()) : -1;
    options.contentType = writeOptions.mediaType;
    if (options.contentType.isEmpty() && writeOptions.contentFormat >= 0)
        options.contentType = codecs::mediaTypeForContentFormat(writeOptions.contentFormat);
    QUrl url(id.toString());
    bool isAction = false;
    const Binding binding = m_bindings.value(id);
    if (binding.affordance) {
        const TdAffordance &affordance = *binding.affordance;
        const TdForm *form = nullptr;
        if (affordance.kind == TdAffordanceKind::Property && !affordance.readOnly)
            form = affordance.formFor(QStringLiteral("writeproperty"), carriedSchemes());
        else if (affordance.kind == TdAffordanceKind::Action)
            form = affordance.formFor(QStringLiteral("invokeaction"), carriedSchemes());
        if (!form)
            co_return Result::failure(ErrorKind::Unsupported,
                                      tr("%1 cannot be written").arg(affordanceLabel(*binding.td, affordance)));
        isAction = affordance.kind == TdAffordanceKind::Action;
        if (!isHttpScheme(form->scheme())) {
            Result invalid;
            const std::optional<ResourceId> target = formTarget(*form, &invalid);
            if (!target)
                co_return invalid;
            const ResourceId childId = *target;
            auto [connector, error] = co_await child(childId);
            if (!self || !connector)
                co_return error;
            m_childAliases.insert(childId, id);
            WriteOptions forwarded = writeOptions;
            if (forwarded.mediaType.isEmpty() && forwarded.contentFormat < 0)
                forwarded.mediaType = form->contentType;
            co_return co_await connector->write(childId, payload, forwarded);
        }
        url = QUrl(form->href);
        options.auth = authFor(binding, *form);
        if (writeOptions.method.isEmpty())
            options.verb = !form->method.isEmpty() ? form->method.toLatin1() : isAction ? QByteArrayLiteral("POST")
                                                                                          : QByteArrayLiteral("PUT");
        if (options.contentType.isEmpty())
            options.contentType = form->contentType;
    }
    if (options.contentType.isEmpty()) {
        QJsonParseError parseError;
        QJsonDocument::fromJson(payload, &parseError);
        const bool json = parseError.error == QJsonParseError::NoError
            || codecs::decode(payload, ContentFormat::Json).error.isEmpty();
        options.contentType = json && !payload.isEmpty() ? QStringLiteral("application/json")
                                                         : QStringLiteral("text/plain; charset=utf-8");
    }
    HttpResponse response = co_await m_client->send(url, options);
    if (!self)
        co_return response.result;
    explainAuthFailure(&response.result, binding);
    if (response.status > 0) {
        Update out;
        out.id = id;
        out.direction = Direction::Out;
        out.cause = writeOptions.cause;
        out.value = codecs::decode(payload, writeOptions.contentFormat, options.contentType, now());
        out.info = QStringLiteral("%1 %2").arg(QString::fromLatin1(options.verb)).arg(response.status);
        post(out);
    }
    if (!response.result.ok())
        co_return response.result;
    if (isAction && !response.body.isEmpty()) {
        Update output;
        output.id = id;
        output.value = codecs::decode(response.body, ContentFormat::Unknown, response.contentType, now());
        output.info = tr("%1 %2 (action output)").arg(QString::fromLatin1(options.verb)).arg(response.status);
        post(output);
    }
    co_return Result::success();
}

QCoro::Task<Result> HttpConnector::observeChild(ResourceId id, ResourceId childId)
{
    QPointer<HttpConnector> self(this);
    auto [connector, error] = co_await child(childId);
    if (!self || !connector)
        co_return error;
    m_childAliases.insert(childId, id);
    const Result result = co_await connector->observe(childId);
    if (self && result.ok())
        m_childObserved.insert(id, childId);
    co_return result;
}

void HttpConnector::pollIntervalChanged(const ResourceId &id)
{
    if (HttpWatch *watch = m_watches.value(id))
        watch->setIntervalMs(config().pollIntervalFor(id));
}

QCoro::Task<Result> HttpConnector::observe(const ResourceId &idArg)
{
    const ResourceId id = idArg;
    if (m_watches.contains(id) || m_childObserved.contains(id))
        co_return Result::success();
    QPointer<HttpConnector> self(this);
    HttpWatchMode mode = HttpWatchMode::Auto;
    HttpRequestOptions options;
    options.accept = QString::fromLatin1(kValueAccept);
    QUrl url(id.toString());
    QString notice;
    const int interval = config().pollIntervalFor(id);
    const Binding binding = m_bindings.value(id);
    if (binding.affordance) {
        const TdAffordance &affordance = *binding.affordance;
        const QString label = affordanceLabel(*binding.td, affordance);
        if (affordance.kind == TdAffordanceKind::Action)
            co_return Result::failure(ErrorKind::Unsupported, tr("%1 cannot be observed").arg(label));
        const QString op = affordance.kind == TdAffordanceKind::Event ? QStringLiteral("subscribeevent")
                                                                      : QStringLiteral("observeproperty");
        const TdForm *chosen = nullptr;
        auto pick = [&](auto predicate) -> const TdForm * {
            for (const TdForm &form : affordance.forms) {
                if (form.hasOp(op) && predicate(form))
                    return &form;
            }
            return nullptr;
        };
        // In order of preference: SSE, WebSocket, long polling, another protocol, plain HTTP.
        if ((chosen = pick([](const TdForm &f) {
                 return isHttpScheme(f.scheme())
                     && (f.subprotocol == QLatin1String("sse")
                         || mediaTypeOnly(f.contentType) == QLatin1String("text/event-stream"));
             }))) {
            mode = HttpWatchMode::Sse;
        } else if ((chosen = pick([](const TdForm &f) { return isWebSocketScheme(f.scheme()); }))) {
            mode = HttpWatchMode::WebSocket;
        } else if ((chosen = pick([](const TdForm &f) {
                        return isHttpScheme(f.scheme()) && f.subprotocol == QLatin1String("longpoll");
                    }))) {
            mode = HttpWatchMode::LongPoll;
        } else if ((chosen = pick([](const TdForm &f) {
                        return carriedSchemes().contains(f.scheme()) && !isHttpScheme(f.scheme());
                    }))) {
            Result invalid;
            const std::optional<ResourceId> target = formTarget(*chosen, &invalid);
            if (!target)
                co_return invalid;
            co_return co_await observeChild(id, *target);
        } else if ((chosen = pick([](const TdForm &f) { return isHttpScheme(f.scheme()); }))) {
            mode = HttpWatchMode::Auto;
        } else if (affordance.kind == TdAffordanceKind::Property
                   && (chosen = affordance.formFor(QStringLiteral("readproperty"), carriedSchemes()))) {
            if (!isHttpScheme(chosen->scheme())) {
                Result invalid;
                const std::optional<ResourceId> target = formTarget(*chosen, &invalid);
                if (!target)
                    co_return invalid;
                co_return co_await observeChild(id, *target);
            }
            mode = HttpWatchMode::Poll;
            if (!affordance.observable)
                notice = tr("not observable: polling every %1 s").arg(interval / 1000.0);
        } else {
            co_return Result::failure(ErrorKind::Unsupported, tr("%1 has no form to observe it with").arg(label));
        }
        url = QUrl(chosen->href);
        options.auth = authFor(binding, *chosen);
        if (mode != HttpWatchMode::Sse && mode != HttpWatchMode::WebSocket)
            options.accept = chosen->contentType;
    }
    auto *watch = new HttpWatch(m_client, id, url, mode, options, interval, this);
    connect(watch, &HttpWatch::received, this, [this](const Update &update) {
        post(update);
        refreshNamedBy(update);
    });
    m_watches.insert(id, watch);
    watch->start();
    if (!watch->startResult()) {
        QPointer<HttpWatch> guard(watch);
        Wakeup wakeup;
        connect(watch, &HttpWatch::started, &wakeup, &Wakeup::notify);
        const QDeadlineTimer deadline(config().requestTimeoutMs + 1000);
        while (self && guard && !guard->startResult() && !deadline.hasExpired())
            co_await wakeup.wait(std::chrono::milliseconds(std::max<qint64>(1, deadline.remainingTime())));
        if (!self || !guard)
            co_return Result::failure(ErrorKind::Connection, tr("stopped observing %1").arg(id.toString()));
    }
    const Result started = watch->startResult().value_or(Result::failure(
        ErrorKind::Timeout, tr("no answer from %1 within %2 ms").arg(id.hostPort()).arg(config().requestTimeoutMs)));
    if (!started.ok()) {
        m_watches.remove(id);
        watch->deleteLater();
        co_return started;
    }
    Result result;
    result.notice = notice;
    if (notice.isEmpty() && (watch->mode() == HttpWatchMode::Poll || watch->mode() == HttpWatchMode::Auto))
        result.notice = tr("polling every %1 s").arg(interval / 1000.0);
    co_return result;
}

void HttpConnector::refreshNamedBy(const Update &event)
{
    const Binding binding = m_bindings.value(event.id);
    if (!binding.affordance || binding.affordance->kind != TdAffordanceKind::Event || !event.value
        || event.value->isOversize() || event.value->raw.size() > codecs::kEagerDecodeBytes)
        return;
    // An event names what changed by a key ({"brightness": 40}), as its data ("brightness") or
    // in its own name ("brightnessChanged").
    const QCborValue data = event.value->decoded.get();
    const QString eventName = binding.affordance->name.toLower();
    QList<ResourceId> named;
    for (auto it = m_bindings.cbegin(); it != m_bindings.cend(); ++it) {
        const Binding &other = it.value();
        if (other.td != binding.td || !other.affordance || other.affordance->kind != TdAffordanceKind::Property)
            continue;
        const QString name = other.affordance->name;
        const bool byKey = data.isMap() && data.toMap().contains(name);
        const bool byData = data.isString() && data.toString() == name;
        const bool byEventName = name.size() > 2 && eventName.contains(name.toLower());
        if (byKey || byData || byEventName)
            named << it.key();
    }
    if (named.isEmpty())
        return;
    // Not awaited: the event is delivered already; the values follow when they come.
    for (const ResourceId &id : readableOverHttp(named))
        refresh(id);
}

QCoro::Task<> HttpConnector::refresh(ResourceId id)
{
    if (m_refreshing.contains(id)) {
        m_refreshAgain.insert(id);
        co_return;
    }
    m_refreshing.insert(id);
    QPointer<HttpConnector> self(this);
    do {
        m_refreshAgain.remove(id);
        const std::chrono::milliseconds timeout(config().requestTimeoutMs);
        co_await read(id, timeout); // a failed read leaves the value as it was
        if (!self)
            co_return;
    } while (m_refreshAgain.contains(id) && m_bindings.contains(id));
    m_refreshing.remove(id);
    m_refreshAgain.remove(id);
}

void HttpConnector::unobserve(const ResourceId &id)
{
    if (HttpWatch *watch = m_watches.take(id))
        delete watch;
    const ResourceId childId = m_childObserved.take(id);
    if (childId.isValid()) {
        auto it = m_children.find(childId.endpointUri());
        if (it != m_children.end())
            it->second->unobserve(childId);
        else if (Connector *lent = m_lent.value(childId.endpointUri()))
            lent->unobserve(childId);
    }
}

Capabilities HttpConnector::capabilities() const
{
    return Capability::Observe | Capability::RawRequest;
}

QCoro::Task<RawResponse> HttpConnector::request(const RawRequest &requestArg)
{
    const RawRequest raw = requestArg;
    QPointer<HttpConnector> self(this);
    RawResponse response;
    if (!isHttpScheme(raw.target.scheme())) {
        response.result = Result::failure(ErrorKind::Usage, tr("%1: not an HTTP URL").arg(raw.target.toString()));
        co_return response;
    }
    if (const QString error = m_client->configError(); !error.isEmpty()) {
        response.result = Result::failure(ErrorKind::Tls, error);
        co_return response;
    }
    HttpRequestOptions options;
    options.verb = raw.method.toLatin1();
    options.body = raw.payload;
    options.headers = raw.headers;
    options.timeoutMs = int(raw.timeout.count());
    QElapsedTimer clock;
    clock.start();
    ReplyPtr reply = m_client->start(QUrl(raw.target.toString()), options);
    QPointer<QNetworkReply> guard(reply.get());
    bool finished = reply->isFinished();
    if (!finished) {
        const std::chrono::milliseconds wait = raw.timeout + std::chrono::milliseconds(250);
        finished = co_await waitForReply(reply.get(), wait);
    }
    if (!self || !guard) {
        (void)reply.release();
        response.result = Result::failure(ErrorKind::Connection, tr("the connection was closed"));
        co_return response;
    }
    response.roundTrip = std::chrono::milliseconds(clock.elapsed());
    if (!finished) {
        reply->disconnect();
        reply->abort();
    }
    for (const auto &header : reply->rawHeaderPairs())
        response.headers.append(header);
    const HttpResponse evaluated = m_client->evaluate(reply.get(), !finished);
    response.status = evaluated.status;
    response.statusText = evaluated.status > 0 ? QStringLiteral("%1 %2").arg(evaluated.status).arg(evaluated.reason)
                                               : QString();
    response.payload = evaluated.body;
    // A 4xx or 5xx is an answer, shown as such; no answer (or a broken one) is a failure.
    const int error = reply->error();
    const bool statusError = (error >= QNetworkReply::ContentAccessDenied && error <= QNetworkReply::UnknownContentError)
        || (error >= QNetworkReply::InternalServerError && error <= QNetworkReply::UnknownServerError);
    response.result = evaluated.status > 0 && (evaluated.result.ok() || statusError) ? Result::success()
                                                                                      : evaluated.result;
    co_return response;
}

} // namespace thingscape
