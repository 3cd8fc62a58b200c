#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace thingscape {

struct SseEvent
{
    QString type = QStringLiteral("message"); // the event: field
    QByteArray data;                          // data: lines joined with '\n'
    QString lastEventId;                      // the id in force when the event was dispatched
};

// Incremental parser for text/event-stream (HTML Living Standard, "server-sent events"):
// feed it bytes as they arrive, in chunks split anywhere.
class SseParser
{
public:
    QList<SseEvent> feed(const QByteArray &bytes);
    void reset();

    QString lastEventId() const { return m_lastEventId; }
    // The reconnection delay the server asked for with retry:, if any.
    std::optional<int> retryMs() const { return m_retryMs; }

private:
    void processLine(const QByteArray &line, QList<SseEvent> *out);

    QByteArray m_buffer;
    QByteArray m_data;
    QString m_eventType;
    QString m_lastEventId;
    std::optional<int> m_retryMs;
    bool m_hasData = false;
    bool m_started = false;
    bool m_pendingCr = false;
};

} // namespace thingscape
