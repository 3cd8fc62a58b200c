// The window's gateway switch: Endpoints → Gateway… turns it on for the current workspace
// (checked addresses), the status bar shows its address and clients, the settings are saved in
// the workspace under "gateway" (never the token), and opening a workspace with the gateway
// enabled starts it; switched off it stops serving.
#include "testsupport.h"

#include "protocols/engine/engine.h"
#include "protocols/engine/secretprovider.h"
#include "protocols/gateway/gateway.h"
#include "ui/gatewaycontroller.h"
#include "ui/gatewaydialog.h"
#include "ui/mainwindow.h"
#include "ui/windowmodels.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPushButton>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>

using namespace thingscape;

namespace {

int httpStatus(const QString &url)
{
    QNetworkAccessManager network;
    std::unique_ptr<QNetworkReply> reply(network.get(QNetworkRequest(QUrl(url))));
    QDeadlineTimer deadline(20000);
    while (!reply->isFinished() && !deadline.hasExpired())
        QTest::qWait(10);
    return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

} // namespace

class TestGatewayWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void dialogSwitchesItOnAndTheWorkspaceKeepsIt();
    void openingAWorkspaceWithItEnabledStartsIt();
};

void TestGatewayWindow::dialogSwitchesItOnAndTheWorkspaceKeepsIt()
{
    WindowModels session;
    MainWindow window(&session);
    window.resize(1366, 768);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QLabel *label = window.statusBar()->findChild<QLabel *>(QStringLiteral("statusGateway"));
    QVERIFY(label);
    QVERIFY(!label->isVisible());

    window.gateway()->openDialog();
    GatewayDialog *dialog = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((dialog = window.findChild<GatewayDialog *>()) && dialog->isVisible(), 10000);
    QPushButton *ok = dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
    // A malformed address is said and cannot be applied.
    dialog->httpField()->setText(QStringLiteral("here:80"));
    QVERIFY(!ok->isEnabled());
    QVERIFY(dialog->findChild<QLabel *>(QStringLiteral("gatewayProblem"))->text().contains(QLatin1String("not an IP address")));
    const quint16 port = testsupport::freeTcpPort();
    dialog->httpField()->setText(QStringLiteral("127.0.0.1:%1").arg(port));
    dialog->enabledBox()->setChecked(true);
    QVERIFY(ok->isEnabled());
    dialog->grab().save(QDir::temp().filePath(QStringLiteral("tst_gatewaywindow-dialog.png")));
    ok->click();

    QTRY_VERIFY_WITH_TIMEOUT(window.gateway()->gateway()->isRunning(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(label->isVisible(), 10000);
    QVERIFY2(label->text().contains(QStringLiteral("127.0.0.1:%1").arg(port)), qPrintable(label->text()));
    QCOMPARE(httpStatus(QStringLiteral("http://127.0.0.1:%1/resources").arg(port)), 200);
    window.grab().save(QDir::temp().filePath(QStringLiteral("tst_gatewaywindow.png")));

    // Kept in the workspace, and saved with it.
    const QJsonObject saved = session.engine()->extraValue(QStringLiteral("gateway")).toObject();
    QCOMPARE(saved.value(QLatin1String("enabled")).toBool(), true);
    QCOMPARE(saved.value(QLatin1String("http")).toString(), QStringLiteral("127.0.0.1:%1").arg(port));
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("gw.thingscape"));
    QString error;
    QVERIFY2(session.engine()->save(path, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject json = QJsonDocument::fromJson(file.readAll()).object();
    QCOMPARE(json.value(QLatin1String("gateway")).toObject(), saved);
    QVERIFY(!json.value(QLatin1String("gateway")).toObject().contains(QLatin1String("token")));

    // Switched off: the status bar says nothing and nothing serves there.
    GatewayOptions off = window.gateway()->gateway()->options();
    off.enabled = false;
    window.gateway()->apply(off);
    QVERIFY(!window.gateway()->gateway()->isRunning());
    QVERIFY(!label->isVisible());
    QCOMPARE(httpStatus(QStringLiteral("http://127.0.0.1:%1/resources").arg(port)), 0);
}

void TestGatewayWindow::openingAWorkspaceWithItEnabledStartsIt()
{
    QTemporaryDir dir;
    const quint16 port = testsupport::freeTcpPort();
    const QString path = dir.filePath(QStringLiteral("on.thingscape"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QStringLiteral(R"({"thingscape": 1, "endpoints": [], "gateway": {"enabled": true, "http": "127.0.0.1:%1", "readOnly": true}})")
                   .arg(port)
                   .toUtf8());
    file.close();
    WindowModels session;
    MainWindow window(&session);
    QString error;
    QVERIFY2(session.engine()->load(path, &error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(window.gateway()->gateway()->isRunning(), 10000);
    QVERIFY(window.gateway()->gateway()->options().readOnly);
    QCOMPARE(httpStatus(QStringLiteral("http://127.0.0.1:%1/").arg(port)), 200);

    // A workspace without it stops it.
    const QString other = dir.filePath(QStringLiteral("off.thingscape"));
    QFile offFile(other);
    QVERIFY(offFile.open(QIODevice::WriteOnly));
    offFile.write(R"({"thingscape": 1, "endpoints": []})");
    offFile.close();
    QVERIFY2(session.engine()->load(other, &error), qPrintable(error));
    QVERIFY(!window.gateway()->gateway()->isRunning());
}

QTEST_MAIN(TestGatewayWindow)
#include "tst_gatewaywindow.moc"
