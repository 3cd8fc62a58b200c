#pragma once

#include <QString>
#include <QStringView>

namespace thingscape {

// A piece of text in 16 bytes and no heap string of its own: a slice of a string whose buffer it
// shares by reference count. The resource tree's path levels share their resource's URI, so a
// million rows hold no string each (a QString is 24 bytes before the slice's offset and length);
// the stream's rows keep their summaries so. Text without a shared buffer (literals, raw data)
// is copied once.
class SharedStringSlice
{
public:
    SharedStringSlice() = default;
    explicit SharedStringSlice(const QString &whole);
    SharedStringSlice(const QString &source, qsizetype offset, qsizetype length);
    SharedStringSlice(const SharedStringSlice &other);
    SharedStringSlice(SharedStringSlice &&other) noexcept;
    SharedStringSlice &operator=(const SharedStringSlice &other);
    SharedStringSlice &operator=(SharedStringSlice &&other) noexcept;
    ~SharedStringSlice();

    QStringView view() const;
    qsizetype size() const { return qsizetype(m_length & 0x7fffffffu); }
    bool isEmpty() const { return size() == 0; }
    // Shares the buffer when the slice is its string's tail (it ends at the string's NUL),
    // otherwise a copy.
    QString toString() const;

private:
    void release();

    QArrayData *m_d = nullptr;
    quint32 m_offset = 0;   // from m_d's address, in UTF-16 units
    quint32 m_length = 0;   // bit 31: the slice ends where its string ended
};

} // namespace thingscape
