#include "testwindow.h"

#include "simulator.h"

#include "model/resourcetreemodel.h"
#include "protocols/endpointmanager.h"
#include "ui/mainwindow.h"
#include "ui/windowmodels.h"
#include "ui/workspacecontroller.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QStandardPaths>

using namespace thingscape;

namespace testsupport {

void saveShot(QWidget *widget, const QString &name)
{
    const QString dir = qEnvironmentVariable("THINGSCAPE_SCREENSHOT_DIR");
    if (dir.isEmpty())
        return;
    const QString path = QDir(dir).filePath(name + QStringLiteral(".png"));
    widget->grab().save(path);
    qInfo("screenshot: %s", qPrintable(path));
}

TestWindow::TestWindow()
{
    qputenv("THINGSCAPE_STATE_DIR", state.path().toUtf8());
    QStandardPaths::setTestModeEnabled(true);
    session = std::make_unique<WindowModels>();
    window = std::make_unique<MainWindow>(session.get());
    tester = std::make_unique<QAbstractItemModelTester>(session->treeModel(),
                                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
    window->resize(1366, 768);
    window->show();
}

TestWindow::~TestWindow()
{
    window->workspace()->shutDownCleanly();
}

QString TestWindow::addEndpoint(const QString &name, const QString &url, bool connect, const QString &password)
{
    EndpointConfig config;
    config.name = name;
    config.url = *ResourceId::parse(url);
    config.autoConnect = false;
    config.password = password;
    const QString id = session->endpoints()->add(config);
    if (connect)
        session->endpoints()->connectEndpoint(id);
    return id;
}

void TestWindow::addSimulator(const Simulator &sim)
{
    addEndpoint(QStringLiteral("Sim MQTT"), sim.mqtt);
    addEndpoint(QStringLiteral("Sim CoAP"), sim.coap);
    addEndpoint(QStringLiteral("Sim HTTP"), sim.http);
}

} // namespace testsupport
