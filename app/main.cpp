#include "appidentity.h"
#include "catalogue.h"
#include "cli.h"
#include "guilauncher.h"

#include <QCoreApplication>
#include <QTranslator>

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
            // The verbs' plurals ("1 update", "5 updates") come from the catalogue too.
            QTranslator catalogue;
            thingscape::installCatalogue(core, catalogue);
            headless = thingscape::runHeadless(args, &exitCode);
        }
        if (headless)
            return exitCode;
    }

    return thingscape::execWindow(argv);
}
