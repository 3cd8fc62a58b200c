#pragma once

#include "httpclient.h"
#include "thingdescription.h"

#include "protocols/connector.h"

#include <QHash>
#include <QPointer>
#include <QSet>
#include <QUrl>

#include <map>
#include <memory>

namespace thingscape {

class HttpWatch;

// HTTP(S) and W3C Web of Things. Discovery tries a Thing Description at the URL, then (at an
// endpoint root) /.well-known/wot, a TD directory at /things and CoRE link-format at
// /.well-known/core, else takes the URL itself as one resource. Affordances whose forms name
// mqtt:// or coap:// are carried by a child connector for that endpoint.
class HttpConnector : public Connector
{
    Q_OBJECT

public:
    explicit HttpConnector(const EndpointConfig &config, QObject *parent = nullptr);
    ~HttpConnector() override;

    QCoro::Task<Result> connectToEndpoint() override;
    void disconnectFromEndpoint() override;
    QCoro::Task<Result> discover(const ResourceId &root, std::chrono::milliseconds window) override;
    QCoro::Task<ReadResult> read(const ResourceId &id, std::chrono::milliseconds timeout) override;
    QCoro::Task<Result> write(const ResourceId &id, const QByteArray &payload, const WriteOptions &options) override;
    QCoro::Task<Result> observe(const ResourceId &id) override;
    void unobserve(const ResourceId &id) override;
    Capabilities capabilities() const override;
    QCoro::Task<RawResponse> request(const RawRequest &request) override;

    // What the last discovery rejected or could not use (broken TDs, unsupported security).
    QStringList discoveryProblems() const { return m_problems; }
    // How a resource is being observed ("server-sent events", "polling", "mqtt"...), or empty.
    QString observationMode(const ResourceId &id) const;

protected:
    void pollIntervalChanged(const ResourceId &id) override;

private:
    struct Binding
    {
        std::shared_ptr<const ThingDescription> td;
        const TdAffordance *affordance = nullptr; // Not owned: points into td.
    };

    // Loads a TD, a TD list or link-format; -1 when body is none of them.
    int loadDocument(const QUrl &url, const HttpResponse &response, QSet<QString> *seenThings);
    int loadThing(const ThingDescription &td, QSet<QString> *seenThings);
    int loadLinks(const QUrl &url, const QByteArray &body);
    HttpAuth authFor(const Binding &binding, const TdForm &form) const;
    // Adds why credentials could not help, when the TD asks for a scheme we cannot do.
    void explainAuthFailure(Result *result, const Binding &binding) const;
    // The connector for another protocol's endpoint, made and connected on first use.
    QCoro::Task<std::pair<Connector *, Result>> child(ResourceId id);
    QCoro::Task<Result> observeChild(ResourceId id, ResourceId childId);
    // Those of ids that are Thing properties readable over HTTP.
    QList<ResourceId> readableOverHttp(const QList<ResourceId> &ids) const;
    // Reads properties once (after discovery, or when an event says they changed).
    QCoro::Task<> readInitialValues(QList<ResourceId> ids, std::chrono::milliseconds timeout);
    // An event of a Thing that names some of its properties: read those again.
    void refreshNamedBy(const Update &event);
    // Reads a property again, one read at a time: events naming it meanwhile ask for one more
    // read after this one, however many they are (an event stream at 1000/s is not 1000 GETs).
    QCoro::Task<> refresh(ResourceId id);

    HttpClient *m_client; // Owned (child).
    QHash<ResourceId, Binding> m_bindings;
    QHash<ResourceId, HttpWatch *> m_watches; // Owned (children).
    QSet<ResourceId> m_readOnline; // resources whose read has said they are online
    std::map<QString, std::unique_ptr<Connector>> m_children; // without an EndpointBroker only
    QHash<QString, QPointer<Connector>> m_lent;  // endpoint URI -> the broker's connector
    QHash<ResourceId, ResourceId> m_childAliases;  // child's id -> our resource id
    QHash<ResourceId, ResourceId> m_childObserved; // our resource id -> child's id
    QStringList m_problems;
    QSet<ResourceId> m_refreshing;   // a refresh read is on its way
    QSet<ResourceId> m_refreshAgain; // and an event named the property again since it started
};

} // namespace thingscape
