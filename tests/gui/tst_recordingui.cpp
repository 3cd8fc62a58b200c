// The window's recording face: Recording menu and status-bar field, the history browser (query
// off the GUI thread) and its export with progress.

#include "testsupport.h"

#include "app/catalogue.h"
#include "model/codecs/codecs.h"
#include "model/recording/recordedmetadata.h"
#include "model/recording/recordingconfig.h"
#include "model/recording/recordingdatabase.h"
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
#include <QCborArray>
#include <QCborValue>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMenuBar>
#include <QSignalSpy>
#include <QScopeGuard>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>

using namespace thingscape;

namespace {

// The window on a fresh session at 1366x768, its tree model under a tester.
struct Window
{
    WindowModels session;
    MainWindow window{&session};
    QAbstractItemModelTester tester{session.treeModel(), QAbstractItemModelTester::FailureReportingMode::QtTest};

    Window()
    {
        window.resize(1366, 768);
        window.show();
    }
};

} // namespace

class TestRecordingUi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void recordPauseBrowseExportStop();
    void fullDiskPausesWithTheErrorOnTheStatusBar();
    void historyShowsMetadataAndExportsInTheChosenFormat();
};

void TestRecordingUi::recordPauseBrowseExportStop()
{
    QTemporaryDir dir;
    Window fixture;
    WindowModels &session = fixture.session;
    MainWindow &window = fixture.window;
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
        if (i == 0) {
            update.metadata.edit().title.set(QStringLiteral("Greenhouse temperature"), MetaSource::User);
            update.metadata.edit().unit.set(QStringLiteral("Cel"), MetaSource::SenML);
        }
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

    // The history browser shows the three values, queried off the GUI thread, and the
    // resource's metadata above them
    engine->recorder()->flush();
    recording->showHistory(id);
    HistoryDialog *history = window.findChild<HistoryDialog *>();
    QVERIFY(history);
    QSignalSpy loaded(history, &HistoryDialog::loaded);
    QTRY_VERIFY_WITH_TIMEOUT(history->table()->rowCount() == 3, 30000);
    QCOMPARE(history->table()->item(0, 4)->text(), QStringLiteral("20"));
    QCOMPARE(history->table()->item(2, 3)->text(), QStringLiteral("22"));
    QCOMPARE(history->metadataLabel()->text(), QStringLiteral("Metadata: Greenhouse temperature · unit °C · unitCode Cel"));
    QVERIFY(history->metadataLabel()->toolTip().contains(QLatin1String("&quot;senml&quot;")));
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

void TestRecordingUi::fullDiskPausesWithTheErrorOnTheStatusBar()
{
    // Given a window recording into a file that cannot grow past 40 pages (SQLite then answers
    // SQLITE_FULL, "database or disk is full", as on a full disk)
    qputenv("THINGSCAPE_RECORDING_MAX_PAGES", "40");
    auto unset = qScopeGuard([] { qunsetenv("THINGSCAPE_RECORDING_MAX_PAGES"); });
    Window fixture;
    Engine *engine = fixture.session.engine();
    RecordingController *recording = fixture.window.recording();
    QTemporaryDir dir;
    RecordingConfig config;
    config.enabled = true;
    config.database = dir.filePath(QStringLiteral("full.sqlite"));
    config.batchMs = 50;
    engine->setRecordingConfig(config);
    QTRY_COMPARE_WITH_TIMEOUT(engine->recorder()->state(), Recorder::State::Recording, 30000);

    // When 400 values of 1 KiB come in, more than the file can take
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    auto ingest = [&](const QString &topic, const QByteArray &payload) {
        Update update;
        update.id = *ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:1883/") + topic);
        update.value = codecs::decode(payload, ContentFormat::Text, {}, now);
        fixture.session.store()->ingest({update});
    };
    for (int i = 0; i < 400; ++i)
        ingest(QStringLiteral("bulk/%1").arg(i % 20), QByteArray(1024, 'a' + char(i % 26)));

    // Then recording pauses and the status bar says why
    QTRY_COMPARE_WITH_TIMEOUT(engine->recorder()->state(), Recorder::State::Paused, 30000);
    QVERIFY2(engine->recorder()->error().contains(QLatin1String("full")), qPrintable(engine->recorder()->error()));
    QTRY_VERIFY(recording->statusLabel()->text().startsWith(QLatin1String("Recording paused:")));
    QVERIFY2(recording->statusLabel()->text().contains(QLatin1String("database or disk is full")), qPrintable(recording->statusLabel()->text()));
    // The database's own "Recording <file>:" is not repeated after "Recording paused:"
    QVERIFY2(!recording->statusLabel()->text().contains(QLatin1String("Recording paused: Recording")), qPrintable(recording->statusLabel()->text()));
    QVERIFY2(recording->statusLabel()->text().startsWith(QStringLiteral("Recording paused: %1: ").arg(QDir::toNativeSeparators(config.database))),
             qPrintable(recording->statusLabel()->text()));
    QVERIFY(recording->statusLabel()->isVisible());
    QCOMPARE(recording->pauseAction()->text(), QStringLiteral("&Resume recording"));
    fixture.window.grab().save(qEnvironmentVariable("THINGSCAPE_SCREENSHOT_DIR", dir.path()) + QStringLiteral("/recording-full.png"));

    // And the window goes on taking values in: a new resource shows in the store and the tree
    ingest(QStringLiteral("after/full"), "still here");
    const ResourceId after = *ResourceId::parse(QStringLiteral("mqtt://127.0.0.1:1883/after/full"));
    QVERIFY(fixture.session.store()->find(after));
    QCOMPARE(fixture.session.store()->find(after)->value().raw, QByteArray("still here"));
    QTRY_VERIFY_WITH_TIMEOUT(fixture.session.treeModel()->indexForId(after).isValid(), 30000);
    QCOMPARE(engine->recorder()->state(), Recorder::State::Paused);
}

void TestRecordingUi::historyShowsMetadataAndExportsInTheChosenFormat()
{
    // Given a recording of two values of a resource with metadata, and one of a resource without
    QTemporaryDir dir;
    const QString database = dir.filePath(QStringLiteral("formats.sqlite"));
    const QString uri = QStringLiteral("coap://127.0.0.1:5683/time");
    const QString bare = QStringLiteral("coap://127.0.0.1:5683/bare");
    {
        RecordingDatabase db;
        QString error;
        QVERIFY2(db.open(database, {}, true, &error), qPrintable(error));
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QList<RecordedMessage> messages;
        for (int i = 0; i < 2; ++i) {
            RecordedMessage message;
            message.uri = uri;
            message.timeMs = now - 1000 + i;
            message.raw = QByteArray::number(7 + i);
            message.number = 7 + i;
            messages.append(message);
        }
        RecordedMessage other = messages.first();
        other.uri = bare;
        messages.append(other);
        Metadata metadata;
        metadata.resourceTypes.set({QStringLiteral("ticks")}, MetaSource::LinkFormat);
        metadata.observable.set(true, MetaSource::LinkFormat);
        QVERIFY2(db.write(messages, {{uri, RecordedMetadata::toText(metadata)}}, &error), qPrintable(error));
    }
    QTranslator catalogue; // as the window installs it (removed again when it goes)
    QVERIFY(installCatalogue(*QCoreApplication::instance(), catalogue));
    HistoryDialog history(database, uri);
    history.resize(1000, 500);
    history.show();
    QSignalSpy loaded(&history, &HistoryDialog::loaded);
    history.query();
    QTRY_COMPARE_WITH_TIMEOUT(loaded.size(), 1, 30000);
    QCOMPARE(loaded.at(0).at(0).toInt(), 2);
    QCOMPARE(history.metadataLabel()->text(), QStringLiteral("Metadata: observable · rt ticks"));
    // The count is an English plural from the catalogue the window installs, not "(s)"
    QCOMPARE(history.statusLabel()->text(), QStringLiteral("2 messages"));
    HistoryDialog bareHistory(database, bare);
    QSignalSpy bareLoaded(&bareHistory, &HistoryDialog::loaded);
    bareHistory.query();
    QTRY_COMPARE_WITH_TIMEOUT(bareLoaded.size(), 1, 30000);
    QCOMPARE(bareHistory.metadataLabel()->text(), QStringLiteral("Metadata: none recorded"));
    QCOMPARE(bareHistory.statusLabel()->text(), QStringLiteral("1 message"));

    QSignalSpy exported(&history, &HistoryDialog::exported);
    auto exportTo = [&](const QString &name) {
        const int before = int(exported.size());
        const QString path = dir.filePath(name);
        history.exportTo(path);
        [&] { QTRY_COMPARE_WITH_TIMEOUT(exported.size(), before + 1, 30000); }();
        QFile file(path);
        file.open(QIODevice::ReadOnly);
        return file.readAll();
    };
    // When the format is left to the file name, the suffix decides (anything else: CSV)
    QCOMPARE(history.formatBox()->currentIndex(), 0);
    QCOMPARE(history.formatFor(QStringLiteral("a.jsonl")), RecordingExportFormat::JsonLines);
    QCOMPARE(history.formatFor(QStringLiteral("a.json")), RecordingExportFormat::SenmlJson);
    QVERIFY(exportTo(QStringLiteral("auto.txt")).startsWith("time,resource,direction"));
    QCborParserError cborError;
    QCOMPARE(QCborValue::fromCbor(exportTo(QStringLiteral("auto.cbor")), &cborError).toArray().size(), 2);
    QCOMPARE(cborError.error, QCborError::NoError);

    // When a format is chosen, it is written whatever the file is called
    history.formatBox()->setCurrentIndex(history.formatBox()->findText(QStringLiteral("JSON Lines")));
    QCOMPARE(history.formatFor(QStringLiteral("a.csv")), RecordingExportFormat::JsonLines);
    const QList<QByteArray> lines = exportTo(QStringLiteral("chosen.csv")).trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    for (const QByteArray &line : lines)
        QCOMPARE(QJsonDocument::fromJson(line).object().value(QStringLiteral("resource")).toString(), uri);
    history.formatBox()->setCurrentIndex(history.formatBox()->findText(QStringLiteral("SenML JSON")));
    const QJsonArray senml = QJsonDocument::fromJson(exportTo(QStringLiteral("chosen.data"))).array();
    QCOMPARE(senml.size(), 2);
    QCOMPARE(senml.at(1).toObject().value(QStringLiteral("v")).toDouble(), 8.0);
    for (const QVariantList &outcome : exported)
        QVERIFY2(outcome.at(0).toBool(), qPrintable(outcome.at(1).toString()));
    history.grab().save(qEnvironmentVariable("THINGSCAPE_SCREENSHOT_DIR", dir.path()) + QStringLiteral("/history-metadata.png"));
}

QTEST_MAIN(TestRecordingUi)
#include "tst_recordingui.moc"
