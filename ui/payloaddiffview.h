#pragma once

#include "model/payloaddiff.h"
#include "model/value.h"

#include <QList>
#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QTableWidget;
class QTextDocument;

namespace thingscape {

// The last payloads of one resource (time, size, a preview) and the difference between two of
// them: the selected one and the one before it, or any two selected. JSON / CBOR as a
// structural diff (changed keys with both values), text line by line, binary as hex; added in
// green, removed in red, changed in amber. Everything is inserted as plain text.
class PayloadDiffView : public QWidget
{
    Q_OBJECT

public:
    static constexpr int kMaxPayloads = 50;

    explicit PayloadDiffView(QWidget *parent = nullptr);

    // Newest first; at most kMaxPayloads are kept. Rendered when shown.
    void setValues(const QList<Value> &newestFirst);
    // Compares two of the values (indexes into the list, newest first); the newer is "after".
    void compare(int first, int second);
    // The current diff as text ("~ /a: 1 → 2", "+ line", "- line", hex rows), for tests.
    QString diffText() const;
    QString summary() const;
    int rowCount() const;

    // Writes a diff into a document with its colours (shared with the stream's diff dialog).
    static void render(const PayloadDiff::Result &result, QTextDocument *document);

protected:
    void showEvent(QShowEvent *event) override;

private:
    void rebuild();
    void selectionChanged();

    QList<Value> m_values;
    bool m_stale = false;
    QTableWidget *m_table;
    QLabel *m_summary;
    QPlainTextEdit *m_diff;
};

} // namespace thingscape
