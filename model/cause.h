#pragma once

#include <QMetaType>
#include <QString>

#include <utility>

namespace thingscape {

enum class CauseKind {
    Unknown,
    Endpoint, // a peer sent it: source is the endpoint id
    User,     // someone at the window or the command line
    Rule,     // a rule run: source is the rule id, depth how many rules led to it
    Gateway,  // a client of the gateway: source names it
};

// What caused a value change. Rules need it to detect loops (a rule run triggered by its own
// writes), the stream to show who wrote what.
// 32 bytes: the string first and the two small fields after it share one word (kind first made it
// 40, in every update and value event). Built as before, kind first.
struct Cause
{
    Cause() = default;
    Cause(CauseKind causeKind, QString causeSource, int causeDepth)
        : source(std::move(causeSource))
        , kind(causeKind)
        , depth(causeDepth)
    {
    }

    QString source;
    CauseKind kind = CauseKind::Unknown;
    int depth = 0; // Rule: 1 for a rule triggered by a peer or user, n+1 for one triggered by a depth-n rule

    static Cause endpoint(const QString &endpointId) { return {CauseKind::Endpoint, endpointId, 0}; }
    static Cause user() { return {CauseKind::User, {}, 0}; }
    static Cause rule(const QString &ruleId, int depth) { return {CauseKind::Rule, ruleId, depth}; }
    static Cause gateway(const QString &client) { return {CauseKind::Gateway, client, 0}; }

    bool isKnown() const { return kind != CauseKind::Unknown; }
    // "endpoint broker-1", "user", "rule r7 (depth 2)": plain text for the stream and logs.
    QString toString() const;
    friend bool operator==(const Cause &, const Cause &) = default;
};

} // namespace thingscape

Q_DECLARE_METATYPE(thingscape::Cause)
