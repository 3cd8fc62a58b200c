#include "cli.h"
#include "guiapp.h"

#include <QApplication>
#include <QCoreApplication>

#include <memory>

int main(int argc, char *argv[])
{
    QStringList args;
    for (int i = 0; i < argc; ++i)
        args << QString::fromLocal8Bit(argv[i]);
    QCoreApplication::setOrganizationName(QStringLiteral("Thingscape"));
    QCoreApplication::setApplicationName(QStringLiteral("thingscape"));
    QCoreApplication::setApplicationVersion(QStringLiteral(THINGSCAPE_VERSION));

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

    QApplication app(argc, argv);
    return thingscape::runGui(app, args);
}
