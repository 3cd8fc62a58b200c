// The window's recording face: Recording menu and status-bar field, the history browser (query
// off the GUI thread) and its export with progress.

#include "testsupport.h"

#include "model/codecs/codecs.h"
#include "model/recording/recordingconfig.h"
#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "protocols/engine/engine.h"
#include "protocols/engine/recorder.h"
#include "protocols/engine/secretprovider.h"
#include "ui/historydialog.h"
#include "ui/mainwindow.h"
#include "ui/recordingcontroller.h"
#include "ui/windowmodels.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QDateTime>
#include <QFile>
#include <QLabel>
#include <QMenuBar>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace thingscape;

class TestRecordingUi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void recordPauseBrowseExportStop();
};

void TestRecordingUi::recordPauseBrowseExportStop()
{
    QTemporaryDir dir;
    WindowModels session;
    MainWindow window(&session);
    QAbstractItemModelTester tester(session.treeModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    window.resize(1366, 768);
    window.show();
    Engine *engine = session.engine();
    RecordingController *recording = window.recording();
    QVERIFY(recording);
    QVERIFY(window.menuBar()->actions().contains(recording->menu()->menuAction()));
    RecordingConfig config;
    config.database = dir.filePath(QStringLiteral("window.sqlite"));
    config.batchMs = 50;
    engine->setRecordingConfig(config);
    QCOMPARE(engine->recorder()->state(), Recorder::State::Off);
    QVERIFY(recording->startAction()->isEnabled());
    QVERIFY(!recording->statusLabel()->isVisible());

    // When recording is started from the menu and values come in
    recording->startAction()->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(engine->recorder()->state(), Recorder::State::Recording, 30000);
    QVERIFY(engine->recordingConfig().enabled);
    const ResourceId id = *ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:1883/greenhouse/temp"));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (int i = 0; i < 3; ++i) {
        Update update;
        update.id = id;
        Value value = codecs::decode(QByteArray::number(20 + i), ContentFormat::Text);
        value.timeMs = now - 1000 + i;
        update.value = value;
        session.store()->ingest({update});
    }
    // Then the status bar shows the rows
    QTRY_VERIFY_WITH_TIMEOUT(recording->statusLabel()->text().contains(QLatin1String("3 rows")), 30000);
    QVERIFY(recording->statusLabel()->isVisible());
    QVERIFY(recording->statusLabel()->text().contains(QLatin1String("REC")));
    QVERIFY(!recording->startAction()->isEnabled());

    // Paused and resumed from the menu
    recording->pauseAction()->trigger();
    QCOMPARE(engine->recorder()->state(), Recorder::State::Paused);
    QTRY_VERIFY(recording->statusLabel()->text().contains(QLatin1String("paused")));
    QCOMPARE(recording->pauseAction()->text(), QStringLiteral("&Resume recording"));
    recording->pauseAction()->trigger();
    QCOMPARE(engine->recorder()->state(), Recorder::State::Recording);

    // The history browser shows the three values, queried off the GUI thread
    recording->showHistory(id);
    HistoryDialog *history = window.findChild<HistoryDialog *>();
    QVERIFY(history);
    QSignalSpy loaded(history, &HistoryDialog::loaded);
    QTRY_VERIFY_WITH_TIMEOUT(history->table()->rowCount() == 3, 30000);
    QCOMPARE(history->table()->item(0, 4)->text(), QStringLiteral("20"));
    QCOMPARE(history->table()->item(2, 3)->text(), QStringLiteral("22"));
    window.grab().save(dir.filePath(QStringLiteral("window.png")));
    history->grab().save(qEnvironmentVariable("THINGSCAPE_SCREENSHOT_DIR", dir.path()) + QStringLiteral("/history.png"));
    window.grab().save(qEnvironmentVariable("THINGSCAPE_SCREENSHOT_DIR", dir.path()) + QStringLiteral("/recording-window.png"));

    // And exports the range as CSV
    QSignalSpy exported(history, &HistoryDialog::exported);
    const QString csv = dir.filePath(QStringLiteral("history.csv"));
    history->exportTo(csv);
    QTRY_COMPARE_WITH_TIMEOUT(exported.size(), 1, 30000);
    QVERIFY2(exported.at(0).at(0).toBool(), qPrintable(exported.at(0).at(1).toString()));
    QFile file(csv);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 4);
    QVERIFY(lines.at(3).endsWith(",22,text,22"));
    history->close();

    // Stopped from the menu: off, and the workspace says so
    recording->stopAction()->trigger();
    QCOMPARE(engine->recorder()->state(), Recorder::State::Off);
    QVERIFY(!engine->recordingConfig().enabled);
    QVERIFY(!recording->statusLabel()->isVisible());
}

QTEST_MAIN(TestRecordingUi)
#include "tst_recordingui.moc"
