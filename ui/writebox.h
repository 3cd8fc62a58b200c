#pragma once

#include "model/resourceid.h"
#include "protocols/connector.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QStackedWidget;

namespace thingscape {

class Resource;

// Writes a value to one resource with an editor that fits its format: a number, an on/off
// switch, a choice from an enum, or text / JSON with live validation. Shows the result.
class WriteBox : public QWidget
{
    Q_OBJECT

public:
    enum class Editor {
        Number,
        Switch,
        Choice,
        Text,
        Json,
    };

    explicit WriteBox(QWidget *parent = nullptr);

    // Picks the editor from the metadata (type, enum, min/max) and the current value.
    void setResource(const Resource *resource);
    Editor editor() const { return m_editor; }
    // The payload the current editor would send; false (and *error) when it is not valid.
    bool payload(QByteArray *out, WriteOptions *options, QString *error) const;
    void showResult(const Result &result);
    void setBusy(bool busy);
    void submit();
    void focusEditor();

Q_SIGNALS:
    void writeRequested(const thingscape::ResourceId &id, const QByteArray &payload,
                        const thingscape::WriteOptions &options);

private:
    void setEditor(Editor editor);
    void validate();

    ResourceId m_id;
    Editor m_editor = Editor::Text;
    QStackedWidget *m_stack;
    QDoubleSpinBox *m_number;
    QCheckBox *m_switch;
    QComboBox *m_choice;
    QPlainTextEdit *m_text;
    QComboBox *m_format;
    QComboBox *m_qos;
    QCheckBox *m_retain;
    QPushButton *m_write;
    QLabel *m_status;
    bool m_showingValidationError = false;
};

} // namespace thingscape
