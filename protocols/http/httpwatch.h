#pragma once

#include "httpclient.h"
#include "sseparser.h"

#include "model/resourceid.h"
#include "model/update.h"
#include "protocols/connector.h"

#include <QObject>
#include <QTimer>
#include <QUrl>

#include <memory>
#include <optional>

class QWebSocket;

namespace thingscape {

enum class HttpWatchMode {
    Auto,      // poll, switching to SSE when the answer turns out to be an event stream
    Poll,      // GET every interval, with If-None-Match / If-Modified-Since
    Sse,       // text/event-stream, reconnecting with Last-Event-ID
    LongPoll,  // the next GET as soon as the previous one is answered
    WebSocket, // every message is a value
};

QString httpWatchModeName(HttpWatchMode mode);

// Keeps one resource observed over HTTP: delivers its values as updates until destroyed.
class HttpWatch : public QObject
{
    Q_OBJECT

public:
    HttpWatch(HttpClient *client, const ResourceId &id, const QUrl &url, HttpWatchMode mode,
              const HttpRequestOptions &options, int intervalMs, QObject *parent = nullptr);
    ~HttpWatch() override;

    void start();
    HttpWatchMode mode() const { return m_mode; }
    const ResourceId &id() const { return m_id; }
    // The outcome of the first attempt, once known.
    const std::optional<Result> &startResult() const { return m_startResult; }
    int intervalMs() const { return m_intervalMs; }
    // A waiting poll is rescheduled at once with the new interval.
    void setIntervalMs(int ms);

Q_SIGNALS:
    void started(const thingscape::Result &result);
    void received(const thingscape::Update &update);

private:
    // The next request, stream or socket for the mode.
    void next();
    void poll();
    void onPollFinished();
    void onMetaData();
    void onSseData();
    void deliverSse(const QList<SseEvent> &events);
    void onSseFinished();
    void openSse();
    void openWebSocket();
    void scheduleNext(int ms);
    void reportStart(const Result &result);
    void reportFailure(const Result &result);
    // Emits received(), without a state that did not change since the last update.
    void postUpdate(Update update);
    void stopReply();

    HttpClient *m_client; // Not owned.
    ResourceId m_id;
    QUrl m_url;
    HttpWatchMode m_mode;
    HttpRequestOptions m_options;
    int m_intervalMs;
    QTimer m_timer;
    QTimer m_startGrace;
    ReplyPtr m_reply;
    bool m_replyIsStream = false;
    std::unique_ptr<QWebSocket> m_socket;
    SseParser m_sse;
    QByteArray m_etag;
    QByteArray m_lastModified;
    std::optional<Result> m_startResult;
    bool m_failing = false;
    std::optional<ResourceState> m_postedState; // of the last update emitted
};

} // namespace thingscape
