#pragma once

#include "endpointconfig.h"
#include "system.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QList>

#include <optional>

namespace thingscape {

// A workspace file: endpoints, systems, dashboards, rules and the window layout, as JSON
// versioned by "thingscape". Dashboards, rules and the layout are kept as they are until their
// owners parse them; unknown top-level keys survive a load / save round trip.
// Saving is atomic (QSaveFile); loading never writes; secrets are never written.
class Workspace
{
public:
    static constexpr int kFormatVersion = 1;

    const QList<EndpointConfig> &endpoints() const { return m_endpoints; }
    void setEndpoints(const QList<EndpointConfig> &endpoints) { m_endpoints = endpoints; }
    const QList<System> &systems() const { return m_systems; }
    void setSystems(const QList<System> &systems) { m_systems = systems; }
    const QJsonArray &dashboards() const { return m_dashboards; }
    void setDashboards(const QJsonArray &dashboards) { m_dashboards = dashboards; }
    const QJsonArray &rules() const { return m_rules; }
    void setRules(const QJsonArray &rules) { m_rules = rules; }
    const QJsonObject &layout() const { return m_layout; }
    void setLayout(const QJsonObject &layout) { m_layout = layout; }
    // Top-level keys this version does not know; carry them into a rebuilt workspace so
    // a save keeps them.
    const QJsonObject &extra() const { return m_extra; }
    void setExtra(const QJsonObject &extra) { m_extra = extra; }

    QJsonObject toJson() const;
    // nullopt and *error (without a file name) on a wrong version or wrong types.
    static std::optional<Workspace> fromJson(const QJsonObject &json, QString *error = nullptr);

    // *error names the file, and for malformed JSON the line and column.
    static std::optional<Workspace> load(const QString &path, QString *error = nullptr);
    // Where a JSON pointer's value is in the file at path, as people look for it:
    // "line 12, column 20 (/rules/0/triggers/0/above)", or just the pointer.
    static QString locate(const QString &path, const QStringList &where);
    // The same in JSON text held in memory.
    static QString locateIn(const QByteArray &data, const QStringList &where);
    // A JSON value's type as messages name it ("a number", "an array"; "missing" when absent),
    // for the workspace's and the rules' errors alike.
    static QString typeName(const QJsonValue &value);
    // On failure the file on disk is as it was.
    bool save(const QString &path, QString *error = nullptr) const;

private:
    // fromJson, and where the problem is: a JSON pointer's segments ("endpoints", "3", "keepAlive").
    static std::optional<Workspace> parse(const QJsonObject &json, QString *error, QStringList *where);

    QList<EndpointConfig> m_endpoints;
    QList<System> m_systems;
    QJsonArray m_dashboards;
    QJsonArray m_rules;
    QJsonObject m_layout;
    QJsonObject m_extra;
};

} // namespace thingscape
