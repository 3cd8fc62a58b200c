#pragma once

#include "writespec.h"

#include "model/resourceid.h"
#include "model/value.h"
#include "protocols/connector.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QStackedWidget;

namespace thingscape {

class Resource;

// Writes a value to one resource with an editor that fits it (WriteSpec): a number, an on/off
// switch that writes when flipped, a choice, or text / JSON with live validation. The editor
// follows the live value until the user edits it; then it keeps the edit and says when the
// value changed meanwhile. Return writes. Shows the result.
class WriteBox : public QWidget
{
    Q_OBJECT

public:
    using Editor = WriteSpec::Editor;

    explicit WriteBox(QWidget *parent = nullptr);

    // Picks the editor from the metadata and fills it from the current value; nullptr (or a
    // read-only resource) leaves nothing to write and says why.
    void setResource(const Resource *resource);
    // The same resource changed (value, metadata): follow it unless the user is editing.
    void updateFrom(const Resource *resource);
    Editor editor() const { return m_spec.editor; }
    const WriteSpec &spec() const { return m_spec; }
    bool isEdited() const { return m_edited; }
    // The payload the current editor would send; false (and *error) when it is not valid.
    bool payload(QByteArray *out, WriteOptions *options, QString *error) const;
    void showResult(const Result &result);
    void setBusy(bool busy);
    void submit();
    void focusEditor();

Q_SIGNALS:
    void writeRequested(const thingscape::ResourceId &id, const QByteArray &payload,
                        const thingscape::WriteOptions &options);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void clear(const QString &why);
    void applySpec(const WriteSpec &spec, bool mqtt);
    void fill(const Value &value);
    void followLive();
    void markEdited();
    void validate();

    ResourceId m_id;
    WriteSpec m_spec;
    int m_contentFormat = ContentFormat::Unknown; // what the resource says it speaks
    Value m_live;                                 // the latest value seen
    bool m_hasLive = false;
    quint64 m_liveCount = ~0ull;                   // updateCount of m_live
    QString m_editedFrom;                         // the live value when the user began editing
    bool m_edited = false;
    bool m_filling = false;
    bool m_busy = false;
    QStackedWidget *m_stack;
    QDoubleSpinBox *m_number;
    QCheckBox *m_switch;
    QComboBox *m_choice;
    QPlainTextEdit *m_text;
    QWidget *m_options;
    QComboBox *m_format;
    QComboBox *m_qos;
    QCheckBox *m_retain;
    QPushButton *m_write;
    QLabel *m_changed;
    QPushButton *m_takeLive;
    QLabel *m_status;
    bool m_showingValidationError = false;
};

} // namespace thingscape
