#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>

namespace thingscape {

// Where a metadatum came from, shown next to it in the details view.
enum class MetaSource {
    None,
    LinkFormat,       // CoRE link-format (/.well-known/core, a resource directory)
    ThingDescription, // W3C WoT TD
    MqttConvention,   // Home Assistant discovery, Homie
    SenML,
    Protocol,         // seen on the wire (content format of a message, retained flag)
    User,             // typed by the user
};

QString metaSourceName(MetaSource source);

template<typename T>
struct Sourced
{
    std::optional<T> value;
    MetaSource source = MetaSource::None;

    bool isSet() const { return value.has_value(); }
    const T &operator*() const { return *value; }
    const T *operator->() const { return &*value; }
    T valueOr(const T &fallback) const { return value.value_or(fallback); }
    void set(const T &v, MetaSource s)
    {
        value = v;
        source = s;
    }
    friend bool operator==(const Sourced &, const Sourced &) = default;
};

// Everything discovery learns about a resource. merge() lets a later source override
// only the fields it sets.
struct Metadata
{
    Sourced<QString> title;
    Sourced<QString> description;
    Sourced<QStringList> resourceTypes; // rt
    Sourced<QStringList> interfaces;    // if
    Sourced<int> contentFormat;         // ct (the first, where link-format lists several)
    Sourced<QString> unit;              // as shown: a SenML code becomes its symbol ("Cel" -> "°C")
    Sourced<QString> unitCode;          // the SenML code it was written as, where that differs
    Sourced<bool> observable;
    Sourced<bool> writable;
    Sourced<bool> readable;
    Sourced<QString> device;            // the device / thing it belongs to, for grouping
    Sourced<QString> commandUri;        // where writes go when not the resource itself (MQTT command topic)
    Sourced<bool> retained;             // MQTT: last message was retained
    Sourced<qint64> size;               // sz
    // Anything else: datatype, min, max, enum, device class, link extension attributes...
    QJsonObject extra;
    MetaSource extraSource = MetaSource::None;

    // Also turns SenML unit codes into symbols, and takes a unit code out of a link-format
    // title ("Lab temperature (Cel)": title "Lab temperature", unit "°C", code "Cel").
    void merge(const Metadata &other);
    bool isEmpty() const;
    friend bool operator==(const Metadata &, const Metadata &) = default;
};

} // namespace thingscape
