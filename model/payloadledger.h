#pragma once

#include <QByteArray>
#include <QHash>

#include <algorithm>

namespace thingscape {

// Counts large payloads once however many holders share them (the store's history points, the
// message stream's entries: implicitly shared copies of one QByteArray). Small payloads are not
// tracked: each holder counts its own, which costs less than a ledger entry would.
class PayloadLedger
{
public:
    static constexpr qsizetype kTrackedBytes = 1024;

    static bool tracks(const QByteArray &raw) { return raw.size() >= kTrackedBytes; }
    // A heap block as glibc malloc hands it out: the request plus its header, 16-byte aligned.
    static qint64 heapBlock(qint64 bytes) { return bytes <= 0 ? 0 : std::max<qint64>(32, (bytes + 8 + 15) & ~qint64(15)); }
    // What a payload's bytes cost on the heap (its QArrayData header, the bytes, the NUL).
    static qint64 payloadBytes(const QByteArray &raw) { return raw.isEmpty() ? 0 : heapBlock(16 + raw.capacity() + 1); }

    // A holder takes / lets go of raw; returns the bytes this added to / removed from bytes().
    qsizetype acquire(const QByteArray &raw);
    qsizetype release(const QByteArray &raw);

    qint64 bytes() const { return m_bytes; }
    qsizetype distinct() const { return m_entries.size(); }
    // What the ledger itself costs.
    qint64 overheadBytes() const;

private:
    struct Entry
    {
        qsizetype bytes = 0;
        qsizetype holders = 0;
    };
    QHash<const void *, Entry> m_entries; // by the shared buffer's address
    qint64 m_bytes = 0;
};

} // namespace thingscape
