#pragma once

#include <QMessageBox>

namespace thingscape {

// Message boxes whose text is always plain text: error messages quote file contents, payloads
// and peer output, which must never be rendered as markup.
void showPlainWarning(QWidget *parent, const QString &title, const QString &text);
QMessageBox::StandardButton askPlain(QWidget *parent, const QString &title, const QString &text,
                                     QMessageBox::StandardButtons buttons, QMessageBox::StandardButton defaultButton);

} // namespace thingscape
