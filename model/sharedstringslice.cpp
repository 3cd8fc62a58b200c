#include "sharedstringslice.h"

#include <utility>

namespace thingscape {

namespace {

constexpr quint32 kTail = 0x80000000u;

const char16_t *unitsOf(const QArrayData *d)
{
    return reinterpret_cast<const char16_t *>(d);
}

} // namespace

SharedStringSlice::SharedStringSlice(const QString &whole)
    : SharedStringSlice(whole, 0, whole.size())
{
}

SharedStringSlice::SharedStringSlice(const QString &source, qsizetype offset, qsizetype length)
{
    if (length <= 0)
        return;
    QString owner = source;
    if (!owner.data_ptr().d_ptr()) {
        // Static or raw text: the slice gets a buffer of its own.
        owner = QStringView(source).mid(offset, length).toString();
        offset = 0;
    }
    QString::DataPointer &data = owner.data_ptr();
    m_d = data.d_ptr();
    m_d->ref();
    m_offset = quint32(reinterpret_cast<const char16_t *>(owner.constData()) + offset - unitsOf(m_d));
    m_length = quint32(length) | (offset + length == owner.size() ? kTail : 0);
}

SharedStringSlice::SharedStringSlice(const SharedStringSlice &other)
    : m_d(other.m_d)
    , m_offset(other.m_offset)
    , m_length(other.m_length)
{
    if (m_d)
        m_d->ref();
}

SharedStringSlice::SharedStringSlice(SharedStringSlice &&other) noexcept
    : m_d(std::exchange(other.m_d, nullptr))
    , m_offset(std::exchange(other.m_offset, 0))
    , m_length(std::exchange(other.m_length, 0))
{
}

SharedStringSlice &SharedStringSlice::operator=(const SharedStringSlice &other)
{
    if (this != &other) {
        SharedStringSlice copy(other);
        *this = std::move(copy);
    }
    return *this;
}

SharedStringSlice &SharedStringSlice::operator=(SharedStringSlice &&other) noexcept
{
    if (this != &other) {
        release();
        m_d = std::exchange(other.m_d, nullptr);
        m_offset = std::exchange(other.m_offset, 0);
        m_length = std::exchange(other.m_length, 0);
    }
    return *this;
}

SharedStringSlice::~SharedStringSlice()
{
    release();
}

void SharedStringSlice::release()
{
    if (!m_d)
        return;
    // Hands the reference back to a string, whose destructor frees the buffer if it was the last.
    QString::DataPointer adopted(static_cast<QTypedArrayData<char16_t> *>(m_d),
                                 const_cast<char16_t *>(unitsOf(m_d) + m_offset), 0);
    m_d = nullptr;
}

QStringView SharedStringSlice::view() const
{
    return m_d ? QStringView(unitsOf(m_d) + m_offset, qsizetype(m_length & ~kTail)) : QStringView();
}

QString SharedStringSlice::toString() const
{
    if (!m_d)
        return {};
    if (!(m_length & kTail))
        return view().toString();
    m_d->ref();
    return QString(QString::DataPointer(static_cast<QTypedArrayData<char16_t> *>(m_d), const_cast<char16_t *>(unitsOf(m_d) + m_offset),
                                        qsizetype(m_length & ~kTail)));
}

} // namespace thingscape
