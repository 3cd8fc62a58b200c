#pragma once

#include "model/resourceid.h"
#include "model/system.h"
#include "model/workspace.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QPointer>

#include <memory>

namespace thingscape {

class EndpointManager;
class Recorder;
class ResourceStore;
struct RecordingConfig;
class RuleEngine;
class SecretProvider;

// One workspace, live and without a window: the resource store, the endpoints feeding it
// (and, as they come, rules, gateway and recorder), owned in the order they depend on each
// other. Loads, applies and saves workspace files; keeps what it does not use itself
// (systems, dashboards, rules, layout, unknown keys) so a save writes it back. The window,
// the command-line verbs and headless runs all drive one of these; it never touches a widget.
// Lives on one thread (the GUI thread where there is a window).
class Engine : public QObject
{
    Q_OBJECT

public:
    explicit Engine(QObject *parent = nullptr);
    ~Engine() override;

    ResourceStore *store() const { return m_store.get(); }
    EndpointManager *endpoints() const { return m_endpoints.get(); }
    // The workspace's rules and bridges, running on their own thread once a workspace with
    // rules is applied (unless autostart is off: then start() them yourself).
    RuleEngine *rules() const { return m_ruleEngine.get(); }
    void setRulesAutoStart(bool on) { m_rulesAutoStart = on; }
    // Why the applied workspace's rules could not be used (none run then), with the JSON
    // pointer of the problem; empty when they are fine.
    QString rulesProblem() const { return m_rulesProblem; }
    // Replaces the rules list (as the workspace keeps it) and the running rules.
    bool setRules(const QJsonArray &rules, QString *error = nullptr);
    // The user edited the rules: as setRules(), and the workspace has changed.
    bool editRules(const QJsonArray &rules, QString *error = nullptr);
    const QJsonArray &rulesJson() const { return m_rules; }
    // Enables or disables one rule (by id, else name) now and in the saved workspace; enabling
    // also resumes a suspended rule.
    void setRuleEnabled(const QString &ruleId, bool enabled);

    // Where endpoints that need secrets get them when connecting. Not owned. Without one
    // they connect with what their config holds.
    void setSecretProvider(SecretProvider *provider);
    SecretProvider *secretProvider() const { return m_secrets; }

    // The file the workspace came from or was last saved to; empty for a new one.
    QString path() const { return m_path; }
    // Loads and applies a workspace file. On failure *error names the file and the cause
    // (line and column for malformed JSON) and nothing changes.
    bool load(const QString &path, QString *error = nullptr);
    // Saves atomically; on failure the file on disk is as it was. On success path() is path.
    bool save(const QString &path, QString *error = nullptr);
    // Replaces the endpoints (connecting those marked autoConnect), systems and the rest.
    void apply(const Workspace &workspace, const QString &path = {});
    // The workspace as it is now (endpoints without their secrets).
    Workspace snapshot() const;

    const QList<System> &systems() const { return m_systems; }
    void setSystems(const QList<System> &systems);
    // The workspace's dashboards as the file keeps them (the window parses and edits them).
    const QJsonArray &dashboardsJson() const { return m_dashboards; }
    // Replaces them; a change counts as a change of the workspace (changed()).
    void setDashboards(const QJsonArray &dashboards);
    // The window's layout, kept as it is; changing it does not count as a change.
    const QJsonObject &layout() const { return m_layout; }
    void setLayout(const QJsonObject &layout) { m_layout = layout; }

    // A top-level workspace key the engine keeps but does not use itself (the gateway's
    // settings under "gateway", the compose history under "compose"); setting it to another
    // value counts as a change (unless asChange is false: kept for the next save, which it does
    // not ask for by itself, as for the compose history).
    QJsonValue extraValue(const QString &key) const { return m_extra.value(key); }
    void setExtraValue(const QString &key, const QJsonValue &value, bool asChange = true);
    // Recording (enginerecording.cpp): the recorder, made on first use, on its own thread.
    Recorder *recorder();
    // The workspace's "recording" settings; setting them starts or stops the recorder as
    // they say and counts as a change.
    RecordingConfig recordingConfig() const;
    void setRecordingConfig(const RecordingConfig &config);
    // Starts recording as config says (database empty: beside the workspace file), asking the
    // secret provider for a PostgreSQL password (endpoint id "recording"). False and *error
    // for a config that cannot work; a database that cannot be opened is told by the
    // recorder's errorOccurred(). For `run --record`, `serve --record` and the window.
    bool startRecording(const RecordingConfig &config, QString *error = nullptr);
    void stopRecording();

    // Connects one endpoint, asking the secret provider first where it may need secrets.
    void connectEndpoint(const QString &id);
    void connectAll();
    void disconnectAll();

Q_SIGNALS:
    // A workspace was applied (loaded, new, recovered); path may be empty.
    void loaded(const QString &path);
    void saved(const QString &path);
    // Something a workspace file keeps changed: endpoints added, removed or edited, systems.
    void changed();
    // An endpoint was removed or moved to another URL: emitted before its resources leave
    // the store, with the scheme://host:port it had.
    void endpointGone(const thingscape::ResourceId &endpoint);
    // An endpoint could not be connected because its secrets are missing.
    void connectFailed(const QString &endpointId, const QString &error);
    // The applied workspace's rules have a problem (see rulesProblem()).
    void rulesRejected(const QString &error);

private:
    void track(const QString &id);
    QList<System> systemsWithTitles() const;
    void forget(const QString &id);
    void applyRecording();

    std::unique_ptr<ResourceStore> m_store;
    std::unique_ptr<EndpointManager> m_endpoints;
    std::unique_ptr<RuleEngine> m_ruleEngine;
    bool m_rulesAutoStart = true;
    QString m_rulesProblem;
    QPointer<SecretProvider> m_secrets; // Not owned.
    QString m_path;
    QList<System> m_systems;
    // Titles of system members seen in loaded or saved workspaces: a member whose endpoint is
    // down when saving keeps the title it had.
    QMap<ResourceId, QString> m_knownTitles;
    QJsonArray m_dashboards;
    QJsonArray m_rules;
    QJsonObject m_layout;
    QJsonObject m_extra; // unknown top-level keys of the file, written back as they were
    // Endpoint id -> the scheme://host:port its resources live under (known after removal).
    QHash<QString, ResourceId> m_shown;
    bool m_fillingSecrets = false;
    // Declared last: destroyed first, writing its last batch while the store still exists.
    std::unique_ptr<Recorder> m_recorder;
};

} // namespace thingscape
