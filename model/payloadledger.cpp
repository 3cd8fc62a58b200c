#include "payloadledger.h"

namespace thingscape {

qsizetype PayloadLedger::acquire(const QByteArray &raw)
{
    Entry &entry = m_entries[raw.constData()];
    if (entry.holders++ > 0)
        return 0;
    entry.bytes = payloadBytes(raw);
    m_bytes += entry.bytes;
    return entry.bytes;
}

qsizetype PayloadLedger::release(const QByteArray &raw)
{
    auto it = m_entries.find(raw.constData());
    if (it == m_entries.end())
        return 0;
    if (--it->holders > 0)
        return 0;
    const qsizetype bytes = it->bytes;
    m_bytes -= bytes;
    m_entries.erase(it);
    return bytes;
}

qint64 PayloadLedger::overheadBytes() const
{
    return qint64(m_entries.capacity()) * qint64(sizeof(const void *) + sizeof(Entry) + 2);
}

} // namespace thingscape
