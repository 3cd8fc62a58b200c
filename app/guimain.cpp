// The window: `thingscape` without a verb becomes this executable (see guilauncher.h), the
// only one that links Qt Widgets, Gui and Charts.
#include "appidentity.h"
#include "guiapp.h"
#include "ui/windowheap.h"

#include <QApplication>

int main(int argc, char *argv[])
{
    thingscape::applyWindowHeapPolicy(); // before any thread allocates
    const QStringList args = thingscape::argumentList(argc, argv);
    thingscape::setApplicationIdentity();
    QApplication app(argc, argv);
    return thingscape::runGui(app, args);
}
