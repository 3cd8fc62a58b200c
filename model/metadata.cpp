#include "metadata.h"

#include <QCoreApplication>

namespace thingscape {

namespace {

template<typename T>
void mergeField(Sourced<T> &into, const Sourced<T> &from)
{
    if (from.isSet())
        into = from;
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
}

bool Metadata::isEmpty() const
{
    return *this == Metadata();
}

} // namespace thingscape
