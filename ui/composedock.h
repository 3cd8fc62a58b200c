#pragma once

#include "model/composerequest.h"
#include "protocols/engine/composeresponse.h"

#include <QDockWidget>
#include <QElapsedTimer>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QStackedWidget;
class QStringListModel;
class QTableWidget;
class QTabWidget;

namespace thingscape {

class Composer;
class ResourceStore;

// The Compose dock: a request to any URI on any protocol (MQTT publish with QoS, retain and
// MQTT 5 properties, waiting for a reply; CoAP method, CON / NON and options; HTTP method and
// headers), a payload editor with its format (text, JSON checked and pretty-printed, CBOR from
// JSON or diagnostic notation, hex, a file), the response shown as a message (status, options /
// headers, payload as text and hex, round trip), the history (searchable; resend or edit) and
// named templates; repeat every N ms, N times. Ctrl+Return sends. The work is the Composer's.
class ComposeDock : public QDockWidget
{
    Q_OBJECT

public:
    ComposeDock(Composer *composer, ResourceStore *store, QWidget *parent = nullptr);

    // The request as the fields say (its payload may still be invalid: send() says so).
    ComposeRequest request() const;
    // Fills every field from a request (history, templates, "compose from the tree").
    void setRequest(const ComposeRequest &request);
    void send();
    void startRepeat();
    void stopRepeat();
    // Prefills the URI (from the tree) and focuses the payload.
    void composeFor(const QString &uri);

    const ComposeResponse &lastResponse() const { return m_lastResponse; }
    // The text the response pane shows (status line, fields, payload), for tests and copying.
    QString responseText() const;
    QString payloadProblem() const;
    // What is wrong in the option fields (a line without "name: value", a bad option number,
    // bad hex), or empty; send() refuses with it.
    QString fieldProblem() const;

Q_SIGNALS:
    void statusMessage(const QString &text);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QWidget *buildRequestPane();
    QWidget *buildResponsePane();
    QWidget *buildHistoryPane();
    void protocolChanged();
    void validatePayload();
    void prettyPrint();
    void chooseFile();
    void showResponse(const ComposeResponse &response);
    void refreshHistory();
    void refreshTemplates();
    void refreshCompletions();
    void saveTemplate();

    Composer *m_composer;   // Not owned.
    ResourceStore *m_store; // Not owned.
    QLineEdit *m_uri;
    QStringListModel *m_completions;
    QElapsedTimer m_completionsAge;
    QComboBox *m_method;
    QPushButton *m_send;
    QStackedWidget *m_options;
    // MQTT
    QComboBox *m_qos;
    QCheckBox *m_retain;
    QLineEdit *m_contentType;
    QLineEdit *m_responseTopic;
    QLineEdit *m_correlation;
    QSpinBox *m_expiry;
    QCheckBox *m_waitReply;
    QPlainTextEdit *m_userProperties;
    // CoAP
    QComboBox *m_confirmable;
    QComboBox *m_accept;
    QComboBox *m_contentFormat;
    QLineEdit *m_etag;
    QLineEdit *m_ifMatch;
    QComboBox *m_observe;
    QComboBox *m_block2;
    QPlainTextEdit *m_coapOptions;
    // HTTP
    QPlainTextEdit *m_headers;
    // Payload
    QComboBox *m_format;
    QPlainTextEdit *m_payload;
    QLabel *m_payloadProblem;
    QPushButton *m_pretty;
    QPushButton *m_file;
    QSpinBox *m_interval;
    QSpinBox *m_count;
    QPushButton *m_repeat;
    QLabel *m_repeatState;
    // Response
    QLabel *m_status;
    QTableWidget *m_fields;
    QTabWidget *m_responseTabs;
    QPlainTextEdit *m_responseText;
    QPlainTextEdit *m_responseHex;
    // History and templates
    QLineEdit *m_search;
    QListWidget *m_history;
    QListWidget *m_templates;
    QList<int> m_shownHistory; // rows of m_history -> ComposeHistory entries
    ComposeResponse m_lastResponse;
    quint64 m_repeatTicket = 0;
    int m_repeatAnswers = 0;
    int m_repeatFailures = 0;
    QString m_fieldProblem;
};

} // namespace thingscape
