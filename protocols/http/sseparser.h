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
    // > 0: the event was over the size limit: its data (at least this many bytes) was dropped.
    qint64 oversizeBytes = 0;
};

// Incremental parser for text/event-stream (HTML Living Standard, "server-sent events"):
// feed it bytes as they arrive, in chunks split anywhere. An event whose lines outgrow the
// size limit is not buffered further: it comes out with oversizeBytes set and no data.
class SseParser
{
public:
    QList<SseEvent> feed(const QByteArray &bytes);
    void reset();
    void setMaxBytes(qint64 bytes) { m_maxBytes = bytes; }
    qint64 maxBytes() const { return m_maxBytes; }

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
    qint64 m_maxBytes = 16 * 1024 * 1024;
    qint64 m_skipped = 0;       // bytes of the current event dropped for its size
    bool m_skippingLine = false; // the current line is being dropped
};

} // namespace thingscape
