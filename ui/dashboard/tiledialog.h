#pragma once

#include "model/dashboard/dashboard.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace thingscape {

// Edits one tile: title, kind, sources (one a line: "URI", "URI /json/pointer", or
// "URI record=NAME" for a SenML record) and the kind's options as JSON. A mistake is named
// and OK stays off until it is fixed.
class TileDialog : public QDialog
{
    Q_OBJECT

public:
    TileDialog(const Tile &tile, int columns, QWidget *parent = nullptr);

    // The edited tile; valid only while problem() is empty.
    Tile tile() const { return m_result; }
    QString problem() const { return m_problem; }
    QLineEdit *titleEdit() const { return m_title; }
    QComboBox *kindBox() const { return m_kind; }
    QPlainTextEdit *sourcesEdit() const { return m_sources; }
    QPlainTextEdit *optionsEdit() const { return m_options; }

    static QString sourcesText(const QList<TileSource> &sources);

private:
    void validate();

    Tile m_original;
    Tile m_result;
    int m_columns;
    QString m_problem;
    QLineEdit *m_title;
    QComboBox *m_kind;
    QPlainTextEdit *m_sources;
    QPlainTextEdit *m_options;
    QLabel *m_message;
    QPushButton *m_ok;
};

} // namespace thingscape
