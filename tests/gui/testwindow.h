#pragma once

#include "testsupport.h"

#include <QString>
#include <QTemporaryDir>

#include <memory>

class QAbstractItemModelTester;
class QWidget;

namespace thingscape {
class MainWindow;
class WindowModels;
} // namespace thingscape

namespace testsupport {

class Simulator;

// A peer the test needs is not installed: a failure under CI, where it must be there.
#define REQUIRE_PROGRAM(name, package)                                                                       \
    do {                                                                                                     \
        if (testsupport::findProgram(QStringLiteral(name)).isEmpty()) {                                      \
            if (qEnvironmentVariable("CI") == QLatin1String("true"))                                         \
                QFAIL(name " is not installed (Debian package " package "), and CI=true needs it");          \
            QSKIP(name " is not installed (Debian package " package ")");                                    \
        }                                                                                                    \
    } while (false)

// Grabs a widget into $THINGSCAPE_SCREENSHOT_DIR/name.png when that is set (to look at).
void saveShot(QWidget *widget, const QString &name);

// One main window on its own session and state directory, the way the user sees it, at
// 1366 x 768, with a QAbstractItemModelTester on its tree model for as long as it lives.
struct TestWindow
{
    TestWindow();
    ~TestWindow();

    // An endpoint added (not saved for autoconnect) and, unless told otherwise, connected.
    QString addEndpoint(const QString &name, const QString &url, bool connect = true, const QString &password = {});
    // The simulator's MQTT, CoAP and HTTP endpoints, connected ("Sim MQTT", "Sim CoAP", "Sim HTTP").
    void addSimulator(const Simulator &sim);

    QTemporaryDir state;
    std::unique_ptr<thingscape::WindowModels> session;
    std::unique_ptr<thingscape::MainWindow> window;
    std::unique_ptr<QAbstractItemModelTester> tester;
};

} // namespace testsupport
