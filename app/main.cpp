#include "appidentity.h"
#include "cli.h"
#include "guilauncher.h"

#include <QCoreApplication>

#include <memory>

int main(int argc, char *argv[])
{
    const QStringList args = thingscape::argumentList(argc, argv);
    thingscape::setApplicationIdentity();

    // Verbs, --help and --version run without a display.
    {
        int exitCode = 0;
        bool headless = false;
        {
            QCoreApplication core(argc, argv);
            headless = thingscape::runHeadless(args, &exitCode);
        }
        if (headless)
            return exitCode;
    }

    return thingscape::execWindow(argv);
}
