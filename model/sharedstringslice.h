#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringView>

#include <type_traits>
#include <utility>

namespace thingscape {

// A piece of text (or bytes) in 16 bytes and no heap buffer of its own: a slice of a QString or
// QByteArray whose buffer it shares by reference count. The resource tree's path levels share
// their resource's URI, so a million rows hold no string each (a QString is 24 bytes before the
// slice's offset and length); the stream's rows keep their URI, payload and summary so. Text
// without a shared buffer (literals, raw data) is copied once.
template<typename String>
class SharedSlice
{
public:
    using Unit = std::remove_pointer_t<decltype(std::declval<typename String::DataPointer &>().data())>;
    using View = std::conditional_t<std::is_same_v<String, QString>, QStringView, QByteArrayView>;

    SharedSlice() = default;
    explicit SharedSlice(const String &whole);
    SharedSlice(const String &source, qsizetype offset, qsizetype length);
    SharedSlice(const SharedSlice &other);
    SharedSlice(SharedSlice &&other) noexcept;
    SharedSlice &operator=(const SharedSlice &other);
    SharedSlice &operator=(SharedSlice &&other) noexcept;
    ~SharedSlice();

    View view() const;
    qsizetype size() const { return qsizetype(m_length & 0x7fffffffu); }
    bool isEmpty() const { return size() == 0; }
    // Shares the buffer when the slice is its string's tail (it ends at the string's NUL),
    // otherwise a copy.
    String toString() const;

private:
    void release();

    QArrayData *m_d = nullptr;
    quint32 m_offset = 0; // from m_d's address, in units (UTF-16 units, bytes)
    quint32 m_length = 0; // bit 31: the slice ends where its string ended
};

extern template class SharedSlice<QString>;
extern template class SharedSlice<QByteArray>;

using SharedStringSlice = SharedSlice<QString>;
using SharedByteSlice = SharedSlice<QByteArray>;

} // namespace thingscape
