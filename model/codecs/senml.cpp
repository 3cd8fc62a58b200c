#include "senml.h"

#include "jsoncbor.h"
#include "model/value.h"

#include <QCborArray>
#include <QCborMap>
#include <QCoreApplication>
#include <QDateTime>

#include <cmath>

namespace thingscape::codecs {

namespace {

enum class Field {
    Unknown,
    MustUnderstand,
    Version,
    BaseName,
    BaseTime,
    BaseUnit,
    BaseValue,
    BaseSum,
    Name,
    Unit,
    Value,
    StringValue,
    BoolValue,
    DataValue,
    Sum,
    Time,
    UpdateTime,
};

constexpr int kSupportedVersion = 10;
// RFC 8428 4.5.3: smaller times are relative to now.
constexpr double kRelativeTimeLimit = 268435456.0; // 2^28

Field fieldForLabel(const QCborValue &label)
{
    if (label.isInteger()) {
        // RFC 8428 table 4.
        switch (label.toInteger()) {
        case -1: return Field::Version;
        case -2: return Field::BaseName;
        case -3: return Field::BaseTime;
        case -4: return Field::BaseUnit;
        case -5: return Field::BaseValue;
        case -6: return Field::BaseSum;
        case 0: return Field::Name;
        case 1: return Field::Unit;
        case 2: return Field::Value;
        case 3: return Field::StringValue;
        case 4: return Field::BoolValue;
        case 5: return Field::Sum;
        case 6: return Field::Time;
        case 7: return Field::UpdateTime;
        case 8: return Field::DataValue;
        default: return Field::Unknown;
        }
    }
    if (!label.isString())
        return Field::Unknown;
    const QString name = label.toString();
    static const struct
    {
        const char *label;
        Field field;
    } labels[] = {
        {"bver", Field::Version}, {"bn", Field::BaseName}, {"bt", Field::BaseTime}, {"bu", Field::BaseUnit},
        {"bv", Field::BaseValue}, {"bs", Field::BaseSum},  {"n", Field::Name},      {"u", Field::Unit},
        {"v", Field::Value},      {"vs", Field::StringValue}, {"vb", Field::BoolValue}, {"vd", Field::DataValue},
        {"s", Field::Sum},        {"t", Field::Time},     {"ut", Field::UpdateTime},
    };
    for (const auto &l : labels) {
        if (name == QLatin1String(l.label))
            return l.field;
    }
    // RFC 8428 4.4: unknown labels ending in '_' must be understood, or the pack refused.
    if (name.endsWith(QLatin1Char('_')))
        return Field::MustUnderstand;
    return Field::Unknown;
}

bool isBaseField(Field f)
{
    switch (f) {
    case Field::Version:
    case Field::BaseName:
    case Field::BaseTime:
    case Field::BaseUnit:
    case Field::BaseValue:
    case Field::BaseSum:
        return true;
    default:
        return false;
    }
}

QString labelText(const QCborValue &label)
{
    return label.isString() ? label.toString() : label.toDiagnosticNotation(QCborValue::Compact);
}

// RFC 8428 4.5.1.
bool isValidName(const QString &name)
{
    if (name.isEmpty())
        return false;
    const auto alnum = [](char16_t c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    };
    if (!alnum(name.front().unicode()))
        return false;
    for (const QChar ch : name) {
        const char16_t c = ch.unicode();
        if (!alnum(c) && c != '-' && c != ':' && c != '.' && c != '/' && c != '_')
            return false;
    }
    return true;
}

struct Base
{
    QString name;
    double time = 0;
    QString unit;
    std::optional<double> value;
    std::optional<double> sum;
};

class PackParser
{
public:
    PackParser(QString *error, double now)
        : m_error(error)
        , m_now(now)
    {
    }

    std::optional<QList<SenmlRecord>> parse(const QCborValue &pack);

private:
    bool fail(const QString &message)
    {
        if (m_error)
            *m_error = message;
        return false;
    }
    bool failField(qsizetype index, const QCborValue &label, const char *expected)
    {
        return fail(QCoreApplication::translate("codecs", "SenML record %1: field \"%2\" must be %3")
                        .arg(index + 1)
                        .arg(labelText(label))
                        .arg(QCoreApplication::translate("codecs", expected)));
    }
    bool record(qsizetype index, const QCborMap &map);

    QString *m_error;
    double m_now;
    Base m_base;
    int m_version = -1;
    QList<SenmlRecord> m_records;
};

bool PackParser::record(qsizetype index, const QCborMap &map)
{
    std::optional<QString> name;
    std::optional<QString> unit;
    std::optional<double> time;
    std::optional<double> sum;
    std::optional<double> updateTime;
    QCborValue value;
    bool numericValue = false;
    int valueFields = 0;
    bool regularFields = false;
    std::optional<int> version;

    for (auto it = map.constBegin(); it != map.constEnd(); ++it) {
        const QCborValue label = it.key();
        const QCborValue v = it.value();
        const Field field = fieldForLabel(label);
        if (field != Field::Unknown && field != Field::MustUnderstand && !isBaseField(field))
            regularFields = true;
        switch (field) {
        case Field::Unknown:
            break;
        case Field::MustUnderstand:
            return fail(QCoreApplication::translate("codecs", "SenML record %1: unsupported must-understand field \"%2\"")
                            .arg(index + 1)
                            .arg(labelText(label)));
        case Field::Version:
            if (!v.isInteger() || v.toInteger() <= 0)
                return failField(index, label, QT_TRANSLATE_NOOP("codecs", "a positive integer"));
            if (v.toInteger() > kSupportedVersion)
                return fail(QCoreApplication::translate("codecs", "SenML record %1: version %2 is newer than the supported version %3")
                                .arg(index + 1)
                                .arg(v.toInteger())
                                .arg(kSupportedVersion));
            version = int(v.toInteger());
            break;
        case Field::BaseName:
        case Field::Name:
        case Field::BaseUnit:
        case Field::Unit:
            if (!v.isString())
                return failField(index, label, QT_TRANSLATE_NOOP("codecs", "a string"));
            if (field == Field::BaseName)
                m_base.name = v.toString();
            else if (field == Field::Name)
                name = v.toString();
            else if (field == Field::BaseUnit)
                m_base.unit = v.toString();
            else
                unit = v.toString();
            break;
        case Field::BaseTime:
        case Field::BaseValue:
        case Field::BaseSum:
        case Field::Sum:
        case Field::Time:
        case Field::UpdateTime:
            if (!v.isInteger() && !v.isDouble())
                return failField(index, label, QT_TRANSLATE_NOOP("codecs", "a number"));
            if (field == Field::BaseTime)
                m_base.time = v.toDouble();
            else if (field == Field::BaseValue)
                m_base.value = v.toDouble();
            else if (field == Field::BaseSum)
                m_base.sum = v.toDouble();
            else if (field == Field::Sum)
                sum = v.toDouble();
            else if (field == Field::Time)
                time = v.toDouble();
            else
                updateTime = v.toDouble();
            break;
        case Field::Value:
            if (!v.isInteger() && !v.isDouble())
                return failField(index, label, QT_TRANSLATE_NOOP("codecs", "a number"));
            value = v;
            numericValue = true;
            ++valueFields;
            break;
        case Field::StringValue:
            if (!v.isString())
                return failField(index, label, QT_TRANSLATE_NOOP("codecs", "a string"));
            value = v;
            ++valueFields;
            break;
        case Field::BoolValue:
            if (!v.isBool())
                return failField(index, label, QT_TRANSLATE_NOOP("codecs", "a boolean"));
            value = v;
            ++valueFields;
            break;
        case Field::DataValue:
            if (v.isByteArray()) {
                value = v;
            } else if (v.isString()) {
                // JSON carries it as base64url without padding (RFC 8428 section 5).
                const auto decoded = QByteArray::fromBase64Encoding(
                    v.toString().toLatin1(), QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
                if (!decoded)
                    return failField(index, label, QT_TRANSLATE_NOOP("codecs", "base64url data"));
                value = QCborValue(*decoded);
            } else {
                return failField(index, label, QT_TRANSLATE_NOOP("codecs", "a byte string or base64url text"));
            }
            ++valueFields;
            break;
        }
    }

    // RFC 8428 4.4: one version for the whole pack, set by its first record (10 by default).
    if (m_version < 0)
        m_version = version.value_or(kSupportedVersion);
    else if (version && *version != m_version)
        return fail(QCoreApplication::translate("codecs", "SenML record %1: version %2 differs from the pack's version %3")
                        .arg(index + 1)
                        .arg(*version)
                        .arg(m_version));

    if (valueFields > 1)
        return fail(QCoreApplication::translate("codecs", "SenML record %1: more than one value field").arg(index + 1));

    SenmlRecord r;
    if (numericValue) {
        // Base value and value add up (4.5.4); an integer stays one when nothing is added.
        if (m_base.value)
            r.value = QCborValue(*m_base.value + value.toDouble());
        else
            r.value = value;
    } else if (valueFields == 1) {
        r.value = value;
    } else if (m_base.value) {
        r.value = QCborValue(*m_base.value);
    } else if (!sum && !m_base.sum) {
        // A record of base fields only (RFC 8428 5.1.7) sets up what follows; anything else needs a value.
        if (!regularFields)
            return true;
        return fail(QCoreApplication::translate("codecs", "SenML record %1: no value and no sum").arg(index + 1));
    }
    if (sum || m_base.sum)
        r.sum = m_base.sum.value_or(0) + sum.value_or(0);

    r.name = m_base.name + name.value_or(QString());
    if (!isValidName(r.name))
        return fail(r.name.isEmpty()
                        ? QCoreApplication::translate("codecs", "SenML record %1: no name (neither bn nor n)").arg(index + 1)
                        : QCoreApplication::translate("codecs", "SenML record %1: \"%2\" is not a valid SenML name")
                              .arg(index + 1)
                              .arg(r.name));
    r.unit = unit.value_or(m_base.unit);
    const double t = m_base.time + time.value_or(0);
    r.time = t < kRelativeTimeLimit ? m_now + t : t;
    r.updateTime = updateTime.value_or(0);
    m_records.append(std::move(r));
    return true;
}

std::optional<QList<SenmlRecord>> PackParser::parse(const QCborValue &pack)
{
    if (!pack.isArray()) {
        fail(QCoreApplication::translate("codecs", "A SenML pack must be an array of records"));
        return std::nullopt;
    }
    const QCborArray records = pack.toArray();
    m_records.reserve(records.size());
    for (qsizetype i = 0; i < records.size(); ++i) {
        const QCborValue item = records.at(i);
        if (!item.isMap()) {
            fail(QCoreApplication::translate("codecs", "SenML record %1 is not a map / object").arg(i + 1));
            return std::nullopt;
        }
        if (!record(i, item.toMap()))
            return std::nullopt;
    }
    return std::move(m_records);
}

} // namespace

std::optional<QList<SenmlRecord>> parseSenml(const QCborValue &pack, QString *error, double nowSeconds)
{
    if (nowSeconds < 0)
        nowSeconds = double(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
    PackParser parser(error, nowSeconds);
    return parser.parse(pack);
}

std::optional<QList<SenmlRecord>> parseSenml(const QByteArray &raw, int contentFormat, QString *error, double nowSeconds)
{
    bool json;
    switch (contentFormat) {
    case ContentFormat::SenmlJson:
    case ContentFormat::SensmlJson:
    case ContentFormat::Json:
        json = true;
        break;
    case ContentFormat::SenmlCbor:
    case ContentFormat::SensmlCbor:
    case ContentFormat::Cbor:
        json = false;
        break;
    default: {
        // Unknown: a JSON pack starts with '[' (after blanks); a CBOR one with 0x80..0x9f.
        qsizetype i = 0;
        while (i < raw.size() && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\r' || raw[i] == '\n'))
            ++i;
        json = i < raw.size() && raw[i] == '[';
    }
    }
    QString problem;
    const auto pack = json ? detail::parseJson(raw, &problem) : detail::parseCbor(raw, &problem);
    if (!pack) {
        if (error)
            *error = problem;
        return std::nullopt;
    }
    return parseSenml(*pack, error, nowSeconds);
}

namespace {

// RFC 8428 section 12.1, then the secondary units of RFC 8798. Symbols are what a person
// reads; where the code already is the usual symbol they are the same.
constexpr SenmlUnit kUnits[] = {
    {"m", "m", "metre"},
    {"kg", "kg", "kilogram"},
    {"g", "g", "gram"},
    {"s", "s", "second"},
    {"A", "A", "ampere"},
    {"K", "K", "kelvin"},
    {"cd", "cd", "candela"},
    {"mol", "mol", "mole"},
    {"Hz", "Hz", "hertz"},
    {"rad", "rad", "radian"},
    {"sr", "sr", "steradian"},
    {"N", "N", "newton"},
    {"Pa", "Pa", "pascal"},
    {"J", "J", "joule"},
    {"W", "W", "watt"},
    {"C", "C", "coulomb"},
    {"V", "V", "volt"},
    {"F", "F", "farad"},
    {"Ohm", "\u03a9", "ohm"},
    {"S", "S", "siemens"},
    {"Wb", "Wb", "weber"},
    {"T", "T", "tesla"},
    {"H", "H", "henry"},
    {"Cel", "\u00b0C", "degrees Celsius"},
    {"lm", "lm", "lumen"},
    {"lx", "lx", "lux"},
    {"Bq", "Bq", "becquerel"},
    {"Gy", "Gy", "gray"},
    {"Sv", "Sv", "sievert"},
    {"kat", "kat", "katal"},
    {"m2", "m\u00b2", "square metre"},
    {"m3", "m\u00b3", "cubic metre"},
    {"l", "l", "litre"},
    {"m/s", "m/s", "metre per second"},
    {"m/s2", "m/s\u00b2", "metre per second squared"},
    {"m3/s", "m\u00b3/s", "cubic metre per second"},
    {"l/s", "l/s", "litre per second"},
    {"W/m2", "W/m\u00b2", "watt per square metre"},
    {"cd/m2", "cd/m\u00b2", "candela per square metre"},
    {"bit", "bit", "bit"},
    {"bit/s", "bit/s", "bit per second"},
    {"lat", "\u00b0 lat", "degrees latitude"},
    {"lon", "\u00b0 lon", "degrees longitude"},
    {"pH", "pH", "pH value"},
    {"dB", "dB", "decibel"},
    {"dBW", "dBW", "decibel relative to 1 W"},
    {"Bspl", "B SPL", "bel (sound pressure level)"},
    {"count", "count", "counter value"},
    {"/", "ratio", "ratio"},
    {"%", "%", "percent"},
    {"%RH", "%RH", "percent relative humidity"},
    {"%EL", "% battery", "percent of battery energy left"},
    {"EL", "s battery", "seconds of battery energy left"},
    {"1/s", "/s", "events per second"},
    {"1/min", "/min", "events per minute"},
    {"beat/min", "bpm", "heart beats per minute"},
    {"beats", "beats", "heart beats"},
    {"S/m", "S/m", "siemens per metre"},
    {"B", "B", "byte"},
    {"VA", "VA", "volt-ampere"},
    {"VAs", "VAs", "volt-ampere second"},
    {"var", "var", "volt-ampere reactive"},
    {"vars", "vars", "volt-ampere reactive second"},
    {"J/m", "J/m", "joule per metre"},
    {"kg/m3", "kg/m\u00b3", "kilogram per cubic metre"},
    {"deg", "\u00b0", "degree"},
    // RFC 8798
    {"ms", "ms", "millisecond"},
    {"min", "min", "minute"},
    {"h", "h", "hour"},
    {"MHz", "MHz", "megahertz"},
    {"kW", "kW", "kilowatt"},
    {"kVA", "kVA", "kilovolt-ampere"},
    {"kvar", "kvar", "kilovar"},
    {"Ah", "Ah", "ampere-hour"},
    {"Wh", "Wh", "watt-hour"},
    {"kWh", "kWh", "kilowatt-hour"},
    {"varh", "varh", "var-hour"},
    {"kvarh", "kvarh", "kilovar-hour"},
    {"kVAh", "kVAh", "kilovolt-ampere-hour"},
    {"Wh/km", "Wh/km", "watt-hour per kilometre"},
    {"KiB", "KiB", "kibibyte"},
    {"GB", "GB", "gigabyte"},
    {"Mbit/s", "Mbit/s", "megabit per second"},
    {"B/s", "B/s", "byte per second"},
    {"MB/s", "MB/s", "megabyte per second"},
    {"mV", "mV", "millivolt"},
    {"mA", "mA", "milliampere"},
    {"dBm", "dBm", "decibel relative to 1 mW"},
    {"ug/m3", "\u00b5g/m\u00b3", "microgram per cubic metre"},
    {"mm/h", "mm/h", "millimetre per hour"},
    {"m/h", "m/h", "metre per hour"},
    {"ppm", "ppm", "parts per million"},
    {"/100", "%", "percent"},
    {"/1000", "\u2030", "per mille"},
    {"hPa", "hPa", "hectopascal"},
    {"mm", "mm", "millimetre"},
    {"cm", "cm", "centimetre"},
    {"km", "km", "kilometre"},
    {"km/h", "km/h", "kilometre per hour"},
};

} // namespace

const SenmlUnit *senmlUnit(QStringView code)
{
    if (code.isEmpty() || code.size() > 12)
        return nullptr;
    for (const SenmlUnit &unit : kUnits) {
        if (code == QLatin1String(unit.code))
            return &unit;
    }
    return nullptr;
}

QString unitSymbol(const QString &unit)
{
    if (const SenmlUnit *known = senmlUnit(unit))
        return QString::fromUtf8(known->symbol);
    return unit;
}

} // namespace thingscape::codecs
