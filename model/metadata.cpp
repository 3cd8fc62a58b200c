#include "metadata.h"

#include "codecs/senml.h"

#include <QCoreApplication>

namespace thingscape {

namespace {

template<typename T>
void mergeField(Sourced<T> &into, const Sourced<T> &from)
{
    if (from.isSet())
        into = from;
}

// A CoRE link has no unit attribute, so servers write the SenML code into the title.
// Returns the code and sets *stripped to the title without it, or returns nullptr.
const codecs::SenmlUnit *unitInTitle(const QString &title, QString *stripped)
{
    if (!title.endsWith(QLatin1Char(')')))
        return nullptr;
    const qsizetype open = title.lastIndexOf(QLatin1String(" ("));
    if (open <= 0)
        return nullptr;
    const codecs::SenmlUnit *unit = codecs::senmlUnit(QStringView(title).mid(open + 2, title.size() - open - 3));
    if (unit)
        *stripped = title.left(open).trimmed();
    return unit;
}

void setUnit(Metadata &m, const QString &written, MetaSource source)
{
    const codecs::SenmlUnit *known = codecs::senmlUnit(written);
    const QString symbol = known ? QString::fromUtf8(known->symbol) : written;
    m.unit.set(symbol, source);
    if (symbol != written)
        m.unitCode.set(written, source);
    else
        m.unitCode = {};
}

} // namespace

QString metaSourceName(MetaSource source)
{
    switch (source) {
    case MetaSource::None:
        return {};
    case MetaSource::LinkFormat:
        return QCoreApplication::translate("Metadata", "link-format");
    case MetaSource::ThingDescription:
        return QCoreApplication::translate("Metadata", "Thing Description");
    case MetaSource::MqttConvention:
        return QCoreApplication::translate("Metadata", "MQTT convention");
    case MetaSource::SenML:
        return QCoreApplication::translate("Metadata", "SenML");
    case MetaSource::Protocol:
        return QCoreApplication::translate("Metadata", "protocol");
    case MetaSource::User:
        return QCoreApplication::translate("Metadata", "user");
    }
    return {};
}

void Metadata::merge(const Metadata &other)
{
    mergeField(title, other.title);
    mergeField(description, other.description);
    mergeField(resourceTypes, other.resourceTypes);
    mergeField(interfaces, other.interfaces);
    mergeField(contentFormat, other.contentFormat);
    mergeField(unit, other.unit);
    mergeField(unitCode, other.unitCode);
    mergeField(observable, other.observable);
    mergeField(writable, other.writable);
    mergeField(readable, other.readable);
    mergeField(device, other.device);
    mergeField(commandUri, other.commandUri);
    mergeField(retained, other.retained);
    mergeField(size, other.size);
    for (auto it = other.extra.begin(); it != other.extra.end(); ++it)
        extra.insert(it.key(), it.value());
    if (!other.extra.isEmpty())
        extraSource = other.extraSource;

    // A code people would not read ("Cel") is shown as its symbol, the code kept beside it.
    if (other.unit.isSet() && !other.unitCode.isSet())
        setUnit(*this, *other.unit, other.unit.source);
    if (other.title.isSet() && other.title.source == MetaSource::LinkFormat) {
        QString stripped;
        if (const codecs::SenmlUnit *code = unitInTitle(*other.title, &stripped); code && !stripped.isEmpty()) {
            title.value = stripped;
            // A unit said outright (SenML, a Thing Description) wins over one read from a title.
            if (!unit.isSet() || unit.source == MetaSource::LinkFormat)
                setUnit(*this, QString::fromLatin1(code->code), MetaSource::LinkFormat);
        }
    }
}

bool Metadata::isEmpty() const
{
    return *this == Metadata();
}

} // namespace thingscape
