#pragma once

#include <QByteArray>
#include <QHash>

namespace thingscape {

// Counts large payloads once however many holders share them (the store's history points, the
// message stream's entries: implicitly shared copies of one QByteArray). Small payloads are not
// tracked: each holder counts its own, which costs less than a ledger entry would.
class PayloadLedger
{
public:
    static constexpr qsizetype kTrackedBytes = 1024;

    static bool tracks(const QByteArray &raw) { return raw.size() >= kTrackedBytes; }

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
