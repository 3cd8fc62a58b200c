#include "guiapp.h"

#include "catalogue.h"
#include "demolauncher.h"
#include "sim/signalwatcher.h"

#include "ui/mainwindow.h"
#include "ui/plainmessagebox.h"
#include "ui/windowmodels.h"
#include "ui/uiresources.h"
#include "ui/workspacecontroller.h"

#include <QApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>
#include <QMessageBox>
#include <QStatusBar>

namespace thingscape {

int runGui(QApplication &app, const QStringList &args)
{
    initUiResources();
    // Thingscape's own strings (compiled in under :/i18n) and Qt's, in the user's language.
    QTranslator qtTranslator;
    if (qtTranslator.load(QLocale(), QStringLiteral("qtbase"), QStringLiteral("_"),
                          QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        app.installTranslator(&qtTranslator);
    QTranslator translator;
    installCatalogue(app, translator);
    app.setApplicationDisplayName(QStringLiteral("Thingscape"));
    app.setWindowIcon(appIcon());
    app.setDesktopFileName(QStringLiteral("org.thingscape.Thingscape"));

    const bool demo = args.contains(QStringLiteral("--demo"));
    QString workspacePath;
    for (qsizetype i = 1; i < args.size(); ++i) {
        if (!args.at(i).startsWith(QLatin1Char('-')))
            workspacePath = args.at(i);
    }

    WindowModels session;
    MainWindow window(&session);
    window.restoreWindowState();
    window.show();

    // SIGTERM / SIGINT end the app as quitting does: the simulator and connectors stop cleanly.
    // Watched before anything can open a dialog ("Cannot open workspace", recovery): a signal
    // during its nested loop must still release running.lock.
    sim::SignalWatcher watcher;
    bool terminated = false;
    QObject::connect(&watcher, &sim::SignalWatcher::terminationRequested, &app, [&window, &terminated] {
        if (terminated)
            return;
        terminated = true;
        window.workspace()->shutDownKeepingWork();
        // exit(), not quit(): quit() first asks the windows to close, which a modal dialog
        // refuses; exit() ends every running loop, a dialog's nested one too. The work is kept.
        QCoreApplication::exit(0);
    });

    DemoLauncher launcher;
    // A saved demo workspace starts the simulator again when it is opened.
    launcher.attach(window.workspace());
    if (demo) {
        QObject::connect(&launcher, &DemoLauncher::ready, &window, [&window](const Workspace &workspace) {
            window.workspace()->apply(workspace, QString());
            window.statusBar()->showMessage(QObject::tr("Demo site running: three endpoints on loopback"), 8000);
        });
        QObject::connect(&launcher, &DemoLauncher::failed, &window, [&window](const QString &error) {
            showPlainWarning(&window, QObject::tr("Demo"), error);
        });
        window.statusBar()->showMessage(QObject::tr("Starting the demo site…"));
        launcher.start();
    } else if (!workspacePath.isEmpty()) {
        window.workspace()->open(workspacePath);
    } else {
        window.workspace()->offerRecovery();
    }
    // Ended during start-up (from inside a dialog's loop): do not start the main loop.
    if (terminated) {
        launcher.stop();
        return 0;
    }
    const int code = app.exec();
    launcher.stop();
    return code;
}

} // namespace thingscape
