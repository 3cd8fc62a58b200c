// The window: `thingscape` without a verb becomes this executable (see guilauncher.h), the
// only one that links Qt Widgets, Gui and Charts.
#include "appidentity.h"
#include "guiapp.h"

#include <QApplication>

int main(int argc, char *argv[])
{
    const QStringList args = thingscape::argumentList(argc, argv);
    thingscape::setApplicationIdentity();
    QApplication app(argc, argv);
    return thingscape::runGui(app, args);
}
