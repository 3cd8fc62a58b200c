#include "sharedstringslice.h"

namespace thingscape {

namespace {

constexpr quint32 kTail = 0x80000000u;

template<typename Unit>
const Unit *unitsOf(const QArrayData *d)
{
    return reinterpret_cast<const Unit *>(d);
}

} // namespace

template<typename String>
SharedSlice<String>::SharedSlice(const String &whole)
    : SharedSlice(whole, 0, whole.size())
{
}

template<typename String>
SharedSlice<String>::SharedSlice(const String &source, qsizetype offset, qsizetype length)
{
    if (length <= 0)
        return;
    String owner = source;
    if (!owner.data_ptr().d_ptr()) {
        // Static or raw text: the slice gets a buffer of its own.
        owner = String(source.constData() + offset, length);
        offset = 0;
    }
    typename String::DataPointer &data = owner.data_ptr();
    m_d = data.d_ptr();
    m_d->ref();
    m_offset = quint32(reinterpret_cast<const Unit *>(owner.constData()) + offset - unitsOf<Unit>(m_d));
    m_length = quint32(length) | (offset + length == owner.size() ? kTail : 0);
}

template<typename String>
SharedSlice<String>::SharedSlice(const SharedSlice &other)
    : m_d(other.m_d)
    , m_offset(other.m_offset)
    , m_length(other.m_length)
{
    if (m_d)
        m_d->ref();
}

template<typename String>
SharedSlice<String>::SharedSlice(SharedSlice &&other) noexcept
    : m_d(std::exchange(other.m_d, nullptr))
    , m_offset(std::exchange(other.m_offset, 0))
    , m_length(std::exchange(other.m_length, 0))
{
}

template<typename String>
SharedSlice<String> &SharedSlice<String>::operator=(const SharedSlice &other)
{
    if (this != &other) {
        SharedSlice copy(other);
        *this = std::move(copy);
    }
    return *this;
}

template<typename String>
SharedSlice<String> &SharedSlice<String>::operator=(SharedSlice &&other) noexcept
{
    if (this != &other) {
        release();
        m_d = std::exchange(other.m_d, nullptr);
        m_offset = std::exchange(other.m_offset, 0);
        m_length = std::exchange(other.m_length, 0);
    }
    return *this;
}

template<typename String>
SharedSlice<String>::~SharedSlice()
{
    release();
}

template<typename String>
void SharedSlice<String>::release()
{
    if (!m_d)
        return;
    // Hands the reference back to a string, whose destructor frees the buffer if it was the last.
    typename String::DataPointer adopted(static_cast<QTypedArrayData<Unit> *>(m_d),
                                         const_cast<Unit *>(unitsOf<Unit>(m_d) + m_offset), 0);
    m_d = nullptr;
}

template<typename String>
typename SharedSlice<String>::View SharedSlice<String>::view() const
{
    return m_d ? View(unitsOf<Unit>(m_d) + m_offset, qsizetype(m_length & ~kTail)) : View();
}

template<typename String>
String SharedSlice<String>::toString() const
{
    if (!m_d)
        return {};
    if (!(m_length & kTail))
        return String(reinterpret_cast<const typename String::value_type *>(unitsOf<Unit>(m_d) + m_offset), size());
    m_d->ref();
    return String(typename String::DataPointer(static_cast<QTypedArrayData<Unit> *>(m_d),
                                               const_cast<Unit *>(unitsOf<Unit>(m_d) + m_offset), qsizetype(m_length & ~kTail)));
}

template class SharedSlice<QString>;
template class SharedSlice<QByteArray>;

} // namespace thingscape
