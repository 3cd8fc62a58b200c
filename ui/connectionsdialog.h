#pragma once

#include "model/endpointconfig.h"

#include <QDialog>
#include <QPointer>
#include <QTimer>

class QAction;
class QDialogButtonBox;
class QItemSelection;
class QLabel;
class QListView;
class QMenu;
class QProgressBar;
class QPushButton;
class QToolButton;

namespace thingscape {

class EndpointEditor;
class EndpointListModel;
class EndpointManager;
class SecretStore;
struct Result;

// Adds, edits, removes, connects and disconnects the workspace's endpoints. The list shows
// each endpoint's state, last error and reconnect countdown; the editor on the right edits
// the selected one, and Apply / OK hand the edit to the EndpointManager and its secrets to
// the SecretStore (never to the workspace file). "Test connection" tries the edited config
// with a throw-away connector on this thread, without touching the workspace.
class ConnectionsDialog : public QDialog
{
    Q_OBJECT

public:
    ConnectionsDialog(EndpointManager *manager, SecretStore *secrets, QWidget *parent = nullptr);
    // Uses the manager's SecretStore (SecretStore::sharedFor), so secrets typed while no
    // keyring answers last as long as the manager, not just this dialog.
    explicit ConnectionsDialog(EndpointManager *manager, QWidget *parent = nullptr);
    ~ConnectionsDialog() override;

    EndpointEditor *editor() const { return m_editor; }
    EndpointListModel *model() const { return m_model; }
    // The endpoint in the editor; empty while nothing is selected or a new one is drafted.
    QString currentId() const { return m_currentId; }
    bool isDraft() const { return m_draft; }
    bool isTesting() const { return m_testing; }

    void selectEndpoint(const QString &id);
    // Starts a new endpoint with the scheme's usual URL (mqtt, mqtts, coap, coaps, http, https).
    void addEndpoint(const QString &scheme);
    // Hands the edited endpoint to the manager and its secrets to the store; false (and the
    // reason shown) if the edit is not valid.
    bool apply();
    // Asks, then removes the selected endpoint and its secrets (a draft is just dropped).
    void removeSelected();
    void connectSelected();
    void disconnectSelected();
    void testConnection();
    void cancelTest();

    void accept() override;

Q_SIGNALS:
    void applied(const QString &id);
    void secretsSaved(const QString &id, bool ok, const QString &error);
    void testFinished(bool ok, const QString &message);

private:
    void buildUi();
    void onCurrentRowChanged(int row, int previousRow);
    void loadIntoEditor(const QString &id);
    void showEditorFor(bool editing);
    void startTest(const EndpointConfig &config);
    void onTestResult(quint64 generation, const QString &target, const Result &result);
    void finishTest(bool ok, const QString &message);
    void updateKeyringWarning();
    void updateActions();
    void updateEndpointStatus();
    void showStatus(const QString &text, bool error);

    QPointer<EndpointManager> m_manager; // Not owned.
    QPointer<SecretStore> m_secrets; // Not owned.
    EndpointListModel *m_model;
    QString m_currentId;
    bool m_draft = false;
    bool m_restoringSelection = false;

    // The manager runs the test on its I/O thread (connectors are not thread-safe).
    bool m_testing = false;
    quint64 m_testTicket = 0;
    quint64 m_testGeneration = 0;
    QString m_testTarget;

    // Children, owned through the Qt object tree.
    QLabel *m_keyringWarning;
    QListView *m_list;
    QToolButton *m_addButton;
    QMenu *m_addMenu;
    QPushButton *m_removeButton;
    QPushButton *m_connectButton;
    QPushButton *m_disconnectButton;
    EndpointEditor *m_editor;
    QLabel *m_editorHint;
    QLabel *m_endpointStatus;
    QPushButton *m_testButton;
    QPushButton *m_cancelTestButton;
    QProgressBar *m_testBusy;
    QLabel *m_testResult;
    QLabel *m_status;
    QDialogButtonBox *m_buttons;
};

} // namespace thingscape
