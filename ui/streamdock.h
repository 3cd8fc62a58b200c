#pragma once

#include <QDockWidget>

class QTableView;

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QTimer;
class QToolButton;

namespace thingscape {

class EndpointManager;
class StreamFilterProxyModel;
class StreamModel;
class StreamTableView;

// The live message log: every message in and out with filters, pause / resume, follow
// (auto-scroll on a timer, never per message), clear, export, and the full payload of the
// selected row.
class StreamDock : public QDockWidget
{
    Q_OBJECT

public:
    StreamDock(StreamModel *model, EndpointManager *endpoints, QWidget *parent = nullptr);
    // Messages of a store batch the stream makes rows of at once; the rest follow in slices.
    static constexpr qsizetype kAppendAtOnce = 2000;

    QTableView *view() const;
    StreamFilterProxyModel *filterModel() const { return m_filter; }
    QLineEdit *filterField() const { return m_text; }
    QPlainTextEdit *payloadView() const { return m_payload; }
    bool isFollowing() const;
    void setFollowing(bool follow);
    // Writes the shown rows; format "jsonl" or "csv". Returns false with *error.
    bool exportTo(const QString &path, const QString &format, QString *error);

Q_SIGNALS:
    void statusMessage(const QString &message);

private:
    void refreshEndpoints();
    // Once per event-loop turn: opening a workspace adds thousands of endpoints one by one,
    // and rebuilding the combo box for each was quadratic.
    void scheduleRefreshEndpoints();
    void applyFilter();
    void showSelected();
    void exportDialog();

    StreamModel *m_model;           // Not owned.
    EndpointManager *m_endpoints;   // Not owned.
    StreamFilterProxyModel *m_filter;
    QLineEdit *m_text;
    QComboBox *m_protocol;
    QComboBox *m_direction;
    QComboBox *m_endpoint;
    QToolButton *m_pause;
    QToolButton *m_follow;
    QToolButton *m_clear;
    QToolButton *m_export;
    QLabel *m_counter;
    StreamTableView *m_view;
    QPlainTextEdit *m_payload;
    QTimer *m_followTimer;
    bool m_rowsArrived = false;
    bool m_endpointsRefreshPending = false;
};

} // namespace thingscape
