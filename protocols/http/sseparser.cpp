#include "sseparser.h"

namespace thingscape {

void SseParser::reset()
{
    m_buffer.clear();
    m_data.clear();
    m_eventType.clear();
    m_hasData = false;
    m_started = false;
    m_pendingCr = false;
    m_skipped = 0;
    m_skippingLine = false;
    // The last event id survives a reconnect on purpose: it goes out as Last-Event-ID.
}

QList<SseEvent> SseParser::feed(const QByteArray &bytes)
{
    QList<SseEvent> out;
    for (const char c : bytes) {
        // A CR LF pair is one line end, but it may be split across chunks.
        if (m_pendingCr) {
            m_pendingCr = false;
            if (c == '\n')
                continue;
        }
        if (c == '\r' || c == '\n') {
            m_pendingCr = c == '\r';
            if (m_skippingLine) {
                // The rest of an oversize line is gone; its end may also end the event.
                m_skippingLine = false;
                continue;
            }
            QByteArray line;
            line.swap(m_buffer);
            processLine(line, &out);
            continue;
        }
        if (m_skippingLine) {
            ++m_skipped;
            continue;
        }
        if (m_buffer.size() + m_data.size() >= m_maxBytes) {
            // Over the limit: drop what the event holds and count the rest until it ends.
            m_skipped += m_buffer.size() + m_data.size() + 1;
            m_buffer = QByteArray();
            m_data = QByteArray();
            m_skippingLine = true;
            m_hasData = true;
            continue;
        }
        m_buffer.append(c);
    }
    return out;
}

void SseParser::processLine(const QByteArray &rawLine, QList<SseEvent> *out)
{
    QByteArray line = rawLine;
    if (!m_started) {
        m_started = true;
        if (line.startsWith("\xEF\xBB\xBF"))
            line.remove(0, 3);
    }
    if (line.isEmpty()) {
        if (m_hasData) {
            SseEvent event;
            if (!m_eventType.isEmpty())
                event.type = m_eventType;
            event.data = m_data;
            event.lastEventId = m_lastEventId;
            event.oversizeBytes = m_skipped;
            if (m_skipped > 0)
                event.data.clear();
            out->append(event);
        }
        m_skipped = 0;
        m_data.clear();
        m_eventType.clear();
        m_hasData = false;
        return;
    }
    if (line.startsWith(':'))
        return;
    QByteArray field = line;
    QByteArray value;
    const qsizetype colon = line.indexOf(':');
    if (colon >= 0) {
        field = line.left(colon);
        value = line.mid(colon + 1);
        if (value.startsWith(' '))
            value.remove(0, 1);
    }
    if (field == "data") {
        if (m_skipped > 0) {
            m_skipped += value.size() + 1;
            return;
        }
        if (m_hasData)
            m_data.append('\n');
        m_data.append(value);
        m_hasData = true;
    } else if (field == "event") {
        m_eventType = QString::fromUtf8(value);
    } else if (field == "id") {
        if (!value.contains('\0'))
            m_lastEventId = QString::fromUtf8(value);
    } else if (field == "retry") {
        bool ok = false;
        const int ms = value.toInt(&ok);
        if (ok && ms >= 0)
            m_retryMs = ms;
    }
}

} // namespace thingscape
