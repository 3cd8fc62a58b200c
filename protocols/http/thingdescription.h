#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace thingscape {

// One form of an interaction affordance: where and how to do an operation.
struct TdForm
{
    QString href;           // resolved against the TD's base (or the URL it came from)
    QStringList ops;        // readproperty, writeproperty, observeproperty, invokeaction, subscribeevent...
    QString contentType;    // defaults to application/json
    QString subprotocol;    // sse, longpoll, websocket
    QString method;         // htv:methodName, empty when not given
    QStringList security;   // overrides the TD's security when not empty
    QJsonObject json;       // as written, with href resolved

    bool hasOp(const QString &op) const { return ops.contains(op); }
    QString scheme() const;
};

enum class TdAffordanceKind {
    Property,
    Action,
    Event,
};

QString tdAffordanceKindName(TdAffordanceKind kind);

struct TdAffordance
{
    TdAffordanceKind kind = TdAffordanceKind::Property;
    QString name;
    QString title;
    QString description;
    QString type;           // JSON schema type of the value (property), input (action) or data (event)
    QString unit;
    bool readOnly = false;
    bool writeOnly = false;
    bool observable = false;
    std::optional<double> minimum;
    std::optional<double> maximum;
    QJsonArray enumValues;
    QJsonObject input;      // action
    QJsonObject output;     // action
    QJsonObject data;       // event
    QList<TdForm> forms;

    // The first form doing op whose href has one of the schemes (any scheme when empty).
    const TdForm *formFor(const QString &op, const QStringList &schemes = {}) const;
};

struct TdSecurityScheme
{
    QString name;
    QString scheme; // nosec, basic, bearer, digest, apikey, oauth2, psk, combo...
    QString in;
    QJsonObject json;
};

// A W3C WoT Thing Description (1.0 / 1.1), reduced to what the connector needs.
struct ThingDescription
{
    QString id;
    QString title;
    QString description;
    QString base;
    QString sourceUrl;
    QList<TdSecurityScheme> securityDefinitions;
    QStringList security;
    QList<TdAffordance> properties;
    QList<TdAffordance> actions;
    QList<TdAffordance> events;
    QStringList warnings; // what was skipped or is not supported, ready to show
    QJsonObject json;

    // "TD 'title'" (or the id, or the URL) for messages.
    QString displayName() const;
    const TdSecurityScheme *securityScheme(const QString &name) const;
    // The scheme names that apply to a form: the form's own, else the TD's.
    QStringList securityFor(const TdForm &form) const;
    QList<const TdAffordance *> affordances() const;

    // True when the object declares the WoT TD context (1.0 or 1.1).
    static bool hasTdContext(const QJsonObject &object);
    // Parses one TD; on failure returns nullopt and sets *error, naming the TD and the problem.
    // fallbackName names the TD in messages when it has no title ("entry 3 of /things").
    static std::optional<ThingDescription> fromJson(const QJsonObject &object, const QString &sourceUrl,
                                                    QString *error, const QString &fallbackName = {});
    static std::optional<ThingDescription> fromBytes(const QByteArray &raw, const QString &sourceUrl,
                                                     QString *error);
};

// "not JSON at line 3, column 7: unterminated object" for a QJsonParseError offset.
QString describeJsonError(const QByteArray &raw, int offset, const QString &why);

} // namespace thingscape
