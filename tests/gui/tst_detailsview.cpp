// The details pane against real peers: what an endpoint, a folder and a WoT Thing row show
// (not "Resource removed"), Connect / Disconnect, a refused endpoint's reason in sight, the
// write box following live values, writing on Return, switches that write over MQTT and CoAP,
// Homie properties that are not settable, charts with steps, nice ticks and units, and
// decoded topics in the heading.
#include "simulator.h"
#include "testsupport.h"
#include "testwindow.h"

#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "protocols/endpointmanager.h"
#include "ui/detailsview.h"
#include "ui/historychart.h"
#include "ui/mainwindow.h"
#include "ui/nodedetails.h"
#include "ui/resourcetreedock.h"
#include "ui/windowmodels.h"
#include "ui/workspacecontroller.h"
#include "ui/writebox.h"

#include <QAbstractItemModelTester>
#include <QCategoryAxis>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeAxis>
#include <QDir>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineSeries>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>
#include <QTreeWidget>
#include <QValueAxis>

#include <cmath>
#include <memory>

using namespace thingscape;

namespace {

template<typename T>
T *child(QObject *parent, const char *name)
{
    T *found = parent->findChild<T *>(QLatin1String(name));
    if (!found)
        qWarning("no child named %s", name);
    return found;
}

bool runClient(const QString &program, const QStringList &args)
{
    QProcess process;
    process.start(testsupport::findProgram(program), args);
    return process.waitForFinished(10000) && process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
}

bool publish(quint16 port, const QString &topic, const QString &payload, bool retain = true)
{
    QStringList args{QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QString::number(port),
                     QStringLiteral("-t"), topic, QStringLiteral("-m"), payload, QStringLiteral("-q"), QStringLiteral("1")};
    if (retain)
        args << QStringLiteral("-r");
    return runClient(QStringLiteral("mosquitto_pub"), args);
}

// mosquitto_sub on a topic, known to be subscribed: it saw a message on a sync topic first.
class Subscriber
{
public:
    bool start(quint16 port, const QString &topic)
    {
        m_port = port;
        m_process.start(testsupport::findProgram(QStringLiteral("mosquitto_sub")),
                        {QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QString::number(port),
                         QStringLiteral("-t"), topic, QStringLiteral("-t"), QStringLiteral("sync/ready"),
                         QStringLiteral("-R"), QStringLiteral("-v")});
        return m_process.waitForStarted();
    }
    // Publishes to the sync topic until the subscriber shows it got it.
    bool ready()
    {
        if (!seen(QByteArrayLiteral("sync/ready")))
            publish(m_port, QStringLiteral("sync/ready"), QStringLiteral("1"), false);
        return seen(QByteArrayLiteral("sync/ready"));
    }
    bool seen(const QByteArray &line)
    {
        m_out += m_process.readAllStandardOutput();
        return m_out.split('\n').contains(line) || m_out.contains(line + ' ') || m_out.contains(line + '\n');
    }
    ~Subscriber()
    {
        m_process.kill();
        m_process.waitForFinished(2000);
    }

private:
    QProcess m_process;
    QByteArray m_out;
    quint16 m_port = 0;
};

// The text of the facts table row named name, or a null string.
QString fact(NodeDetails *node, const QString &name)
{
    auto *table = child<QTableWidget>(node, "nodeFacts");
    for (int row = 0; row < table->rowCount(); ++row) {
        if (table->item(row, 0) && table->item(row, 0)->text() == name)
            return table->item(row, 1) ? table->item(row, 1)->text() : QString();
    }
    return {};
}

QString metadataRow(DetailsView *details, const QString &name)
{
    auto *table = child<QTableWidget>(details, "metadataTable");
    for (int row = 0; row < table->rowCount(); ++row) {
        if (table->item(row, 0) && table->item(row, 0)->text() == name)
            return table->item(row, 1) ? table->item(row, 1)->text() : QString();
    }
    return {};
}

QStringList listColumn(NodeDetails *node, int column)
{
    QStringList texts;
    auto *list = child<QTreeWidget>(node, "nodeList");
    for (int i = 0; i < list->topLevelItemCount(); ++i)
        texts << list->topLevelItem(i)->text(column);
    return texts;
}

bool isNice(double step)
{
    const double base = std::pow(10.0, std::floor(std::log10(step) + 1e-9));
    const double f = step / base;
    return std::abs(f - 1) < 1e-9 || std::abs(f - 2) < 1e-9 || std::abs(f - 5) < 1e-9 || std::abs(f - 10) < 1e-9;
}

// The tick labels a value axis shows.
QStringList tickLabels(const QValueAxis *axis)
{
    QStringList labels;
    const double step = (axis->max() - axis->min()) / (axis->tickCount() - 1);
    for (int i = 0; i < axis->tickCount(); ++i)
        labels << QString::asprintf(axis->labelFormat().toLatin1().constData(), axis->min() + i * step);
    return labels;
}

// One window on a session, the way the user sees it.
struct Window : testsupport::TestWindow
{
    QString addEndpoint(const QString &name, const QString &url, bool connect = true)
    {
        return TestWindow::addEndpoint(name, url, connect, QStringLiteral("s3cret-never-shown"));
    }
    bool select(const ResourceId &id)
    {
        window->treeDock()->selectResource(id);
        return details()->resourceId() == id;
    }
    DetailsView *details() const { return window->details(); }
    NodeDetails *node() const { return window->details()->nodeDetails(); }
    WriteBox *box() const { return window->details()->writeBox(); }
};

} // namespace

class TestDetailsView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void niceScales_data();
    void niceScales();
    void endpointShowsStateAndConnects();
    void refusedEndpointShowsWhy();
    void folderShowsChildren();
    void headingDecodesTopics();
    void writeBoxFollowsLiveValue();
    void nothingWritableLeavesNoEditor();
    void homieNotSettable();
    void chartStepsTicksAndUnit();
    void simulatorSite();
};

void TestDetailsView::niceScales_data()
{
    QTest::addColumn<double>("lo");
    QTest::addColumn<double>("hi");

    QTest::newRow("one sample") << 20.072 << 20.072;
    QTest::newRow("zero") << 0.0 << 0.0;
    QTest::newRow("negative") << -3.5 << -3.5;
    QTest::newRow("room temperatures") << 20.072 << 21.9;
    QTest::newRow("percent") << 0.0 << 100.0;
    QTest::newRow("tiny") << 0.00012 << 0.00019;
    QTest::newRow("large") << 1234567.0 << 9876543.0;
    QTest::newRow("step 20 to 22") << 20.0 << 22.0;
}

void TestDetailsView::niceScales()
{
    QFETCH(double, lo);
    QFETCH(double, hi);
    const HistoryChart::Scale scale = HistoryChart::niceScale(lo, hi, 6);
    QVERIFY2(isNice(scale.step), qPrintable(QString::number(scale.step)));
    QVERIFY(scale.min <= lo && scale.max >= hi);
    QVERIFY(scale.max > scale.min);
    QVERIFY(scale.ticks >= 2 && scale.ticks <= 6);
    // Ticks sit on whole multiples of the step...
    const double k = scale.min / scale.step;
    QVERIFY2(std::abs(k - std::round(k)) < 1e-6, qPrintable(QString::number(scale.min)));
    // ...and no two carry the same label.
    QStringList labels;
    for (int i = 0; i < scale.ticks; ++i)
        labels << QString::number(scale.min + i * scale.step, 'f', scale.decimals);
    labels.removeDuplicates();
    QCOMPARE(labels.size(), scale.ticks);

    // Time: one sample still gets distinct labels on whole seconds.
    QString format;
    const qint64 t = 1700000000123;
    const HistoryChart::Scale time = HistoryChart::niceTimeScale(t, t, 6, &format);
    QVERIFY(time.min < double(t) && time.max > double(t));
    QVERIFY(time.ticks >= 2 && time.ticks <= 6);
    QCOMPARE(qint64(time.step) % 1000, 0);
    QStringList timeLabels;
    for (int i = 0; i < time.ticks; ++i)
        timeLabels << QDateTime::fromMSecsSinceEpoch(qint64(time.min + i * time.step)).toString(format);
    timeLabels.removeDuplicates();
    QCOMPARE(timeLabels.size(), time.ticks);
}

void TestDetailsView::endpointShowsStateAndConnects()
{
    REQUIRE_PROGRAM("mosquitto", "mosquitto");
    testsupport::Mosquitto broker;
    QVERIFY(broker.start());
    QVERIFY(publish(broker.port(), QStringLiteral("plant/line1/speed"), QStringLiteral("12")));
    QVERIFY(publish(broker.port(), QStringLiteral("plant/line2/speed"), QStringLiteral("7")));
    const QString url = QStringLiteral("mqtt://127.0.0.1:%1").arg(broker.port());

    // Given an endpoint that is not connected
    Window w;
    const QString id = w.addEndpoint(QStringLiteral("Plant broker"), url, false);
    const ResourceId endpoint = *ResourceId::parse(url);
    QTRY_VERIFY(w.session->treeModel()->indexForId(endpoint).isValid());
    // When the user selects its row
    QVERIFY(w.select(endpoint));
    // Then the pane shows the endpoint, not "Resource removed"
    QCOMPARE(w.node()->kind(), NodeDetails::Kind::Endpoint);
    QVERIFY(w.node()->isVisible());
    QCOMPARE(w.details()->heading(), QStringLiteral("Plant broker"));
    QVERIFY2(child<QLabel>(w.node(), "nodeSummary")->text().contains(QStringLiteral("disconnected")),
             qPrintable(child<QLabel>(w.node(), "nodeSummary")->text()));
    QCOMPARE(fact(w.node(), QStringLiteral("URL")), url);
    QCOMPARE(fact(w.node(), QStringLiteral("Client id")), QStringLiteral("(generated)"));
    QCOMPARE(fact(w.node(), QStringLiteral("Subscriptions")), QStringLiteral("#, $SYS/#"));
    auto *connectButton = child<QPushButton>(w.node(), "connectButton");
    auto *disconnectButton = child<QPushButton>(w.node(), "disconnectButton");
    QVERIFY(connectButton->isVisible() && connectButton->isEnabled());
    QVERIFY(!disconnectButton->isEnabled());
    // And no secret is shown anywhere in it
    for (const QLabel *label : w.details()->findChildren<QLabel *>())
        QVERIFY(!label->text().contains(QStringLiteral("s3cret")));
    auto *facts = child<QTableWidget>(w.node(), "nodeFacts");
    for (int row = 0; row < facts->rowCount(); ++row)
        QVERIFY(!facts->item(row, 1)->text().contains(QStringLiteral("s3cret")));

    // When the user presses Connect
    QTest::mouseClick(connectButton, Qt::LeftButton);
    // Then it connects, and the counts follow its resources
    QTRY_COMPARE_WITH_TIMEOUT(w.session->endpoints()->status(id).state, ConnectorState::Connected, 10000);
    QTRY_VERIFY(child<QLabel>(w.node(), "nodeSummary")->text().endsWith(QStringLiteral("connected")));
    QTRY_VERIFY(disconnectButton->isEnabled());
    QVERIFY(!connectButton->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(fact(w.node(), QStringLiteral("Resources")).toInt() >= 2, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(listColumn(w.node(), 0).contains(QStringLiteral("plant")), 10000);
    QVERIFY(fact(w.node(), QStringLiteral("Messages received")).toInt() >= 2);
    testsupport::saveShot(w.window.get(), QStringLiteral("details-endpoint"));

    // When the user presses Disconnect
    QTest::mouseClick(disconnectButton, Qt::LeftButton);
    // Then it is disconnected, and Connect is offered again
    QTRY_COMPARE_WITH_TIMEOUT(w.session->endpoints()->status(id).state, ConnectorState::Disconnected, 10000);
    QTRY_VERIFY(connectButton->isEnabled());
    QVERIFY(child<QLabel>(w.node(), "nodeSummary")->text().contains(QStringLiteral("disconnected")));
}

void TestDetailsView::refusedEndpointShowsWhy()
{
    // Given an endpoint where nothing listens
    const quint16 port = testsupport::freeTcpPort();
    const QString url = QStringLiteral("mqtt://127.0.0.1:%1").arg(port);
    Window w;
    const QString id = w.addEndpoint(QStringLiteral("Nobody home"), url, false);
    const ResourceId endpoint = *ResourceId::parse(url);
    QTRY_VERIFY(w.session->treeModel()->indexForId(endpoint).isValid());
    QVERIFY(w.select(endpoint));
    auto *error = child<QLabel>(w.node(), "nodeError");
    QVERIFY(!error->isVisible());
    // When it is connected and refused
    QTest::mouseClick(child<QPushButton>(w.node(), "connectButton"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!w.session->endpoints()->status(id).lastError.isEmpty(), 15000);
    // Then the reason is in the pane, in sight (not only in a tooltip)
    const QString reason = w.session->endpoints()->status(id).lastError;
    QTRY_VERIFY(error->isVisible());
    QVERIFY2(error->text().contains(reason), qPrintable(error->text() + QStringLiteral(" / ") + reason));
    QCOMPARE(fact(w.node(), QStringLiteral("Last error")), reason);
    QVERIFY(error->textFormat() == Qt::PlainText);
    testsupport::saveShot(w.window.get(), QStringLiteral("details-refused"));
}

void TestDetailsView::folderShowsChildren()
{
    REQUIRE_PROGRAM("mosquitto", "mosquitto");
    testsupport::Mosquitto broker;
    QVERIFY(broker.start());
    const quint16 port = broker.port();
    QVERIFY(publish(port, QStringLiteral("home/kitchen/temp"), QStringLiteral("21.5")));
    QVERIFY(publish(port, QStringLiteral("home/kitchen/light"), QStringLiteral("on")));
    QVERIFY(publish(port, QStringLiteral("home/hall/temp"), QStringLiteral("19")));
    QVERIFY(publish(port, QStringLiteral("home/garage"), QStringLiteral("closed")));
    const QString base = QStringLiteral("mqtt://127.0.0.1:%1").arg(port);

    Window w;
    w.addEndpoint(QStringLiteral("Home"), base);
    const ResourceId home = ResourceId::fromTopic(*ResourceId::parse(base), QStringLiteral("home"));
    const ResourceId kitchen = ResourceId::fromTopic(*ResourceId::parse(base), QStringLiteral("home/kitchen"));
    const ResourceId endpoint = *ResourceId::parse(base);
    QTRY_VERIFY_WITH_TIMEOUT(w.session->store()->find(ResourceId::fromTopic(endpoint, QStringLiteral("home/garage"))), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(w.session->store()->find(ResourceId::fromTopic(endpoint, QStringLiteral("home/hall/temp"))),
                             10000);

    // When the user selects a folder
    QVERIFY(w.select(home));
    // Then it shows as a folder with its children, not as a removed resource
    QCOMPARE(w.node()->kind(), NodeDetails::Kind::Folder);
    QCOMPARE(w.details()->heading(), QStringLiteral("home"));
    QCOMPARE(fact(w.node(), QStringLiteral("Children")), QStringLiteral("3"));
    QCOMPARE(fact(w.node(), QStringLiteral("Resources")), QStringLiteral("4"));
    QVERIFY(fact(w.node(), QStringLiteral("Message rate")).contains(QStringLiteral("messages/s")));
    QCOMPARE(listColumn(w.node(), 0), (QStringList{QStringLiteral("garage"), QStringLiteral("hall"), QStringLiteral("kitchen")}));
    QCOMPARE(listColumn(w.node(), 1).first(), QStringLiteral("closed"));
    QVERIFY(child<QLabel>(w.node(), "nodeSummary")->text().contains(QStringLiteral("3 child")));
    QVERIFY(!child<QPushButton>(w.node(), "connectButton")->isVisible());
    testsupport::saveShot(w.window.get(), QStringLiteral("details-folder"));

    // And a deeper folder counts its own
    QVERIFY(w.select(kitchen));
    QCOMPARE(w.details()->heading(), QStringLiteral("kitchen"));
    QCOMPARE(fact(w.node(), QStringLiteral("Children")), QStringLiteral("2"));

    // When a child arrives, the count follows
    QVERIFY(publish(port, QStringLiteral("home/kitchen/humidity"), QStringLiteral("40")));
    QTRY_COMPARE_WITH_TIMEOUT(fact(w.node(), QStringLiteral("Children")), QStringLiteral("3"), 10000);

    // And a resource row still shows the resource
    const ResourceId temp = ResourceId::fromTopic(endpoint, QStringLiteral("home/kitchen/temp"));
    QVERIFY(w.select(temp));
    QVERIFY(!w.node()->isVisible());
    QCOMPARE(w.details()->heading(), QStringLiteral("temp"));
}

void TestDetailsView::headingDecodesTopics()
{
    REQUIRE_PROGRAM("mosquitto", "mosquitto");
    testsupport::Mosquitto broker;
    QVERIFY(broker.start());
    const quint16 port = broker.port();
    const QString topic = QStringLiteral("caf\u00e9 room/100%/temp");
    QVERIFY(publish(port, topic, QStringLiteral("20.5")));
    const QString base = QStringLiteral("mqtt://127.0.0.1:%1").arg(port);
    Window w;
    w.addEndpoint(QStringLiteral("Broker"), base);
    const ResourceId id = ResourceId::fromTopic(*ResourceId::parse(base), topic);
    QVERIFY(id.toString().contains(QLatin1Char('%'))); // the URI itself is encoded
    QTRY_VERIFY_WITH_TIMEOUT(w.session->store()->find(id), 10000);
    QVERIFY(w.select(id));
    // The heading shows the topic as published, not percent-encoded
    QCOMPARE(w.details()->shownUri(), base + QLatin1Char('/') + topic);
    // And an MQTT payload is not labelled with a CoAP content-format
    const QString contentType = metadataRow(w.details(), QStringLiteral("Content type"));
    QCOMPARE(contentType, QStringLiteral("none sent"));
    QVERIFY(metadataRow(w.details(), QStringLiteral("Content format (ct)")).isNull());
    auto *table = child<QTableWidget>(w.details(), "metadataTable");
    for (int row = 0; row < table->rowCount(); ++row)
        QVERIFY2(!table->item(row, 1)->text().contains(QStringLiteral("(0)")), qPrintable(table->item(row, 1)->text()));
}

void TestDetailsView::writeBoxFollowsLiveValue()
{
    REQUIRE_PROGRAM("mosquitto", "mosquitto");
    REQUIRE_PROGRAM("mosquitto_sub", "mosquitto-clients");
    testsupport::Mosquitto broker;
    QVERIFY(broker.start());
    const quint16 port = broker.port();
    QVERIFY(publish(port, QStringLiteral("lab/setpoint"), QStringLiteral("20")));
    const QString base = QStringLiteral("mqtt://127.0.0.1:%1").arg(port);
    Window w;
    w.addEndpoint(QStringLiteral("Lab"), base);
    const ResourceId id = ResourceId::fromTopic(*ResourceId::parse(base), QStringLiteral("lab/setpoint"));
    QTRY_VERIFY_WITH_TIMEOUT(w.session->store()->find(id), 10000);

    // Given the write box on a number
    QVERIFY(w.select(id));
    auto *number = child<QDoubleSpinBox>(w.details(), "writeNumber");
    QCOMPARE(w.box()->editor(), WriteBox::Editor::Number);
    QVERIFY(number->isVisible());
    QCOMPARE(number->value(), 20.0);

    // When a new value arrives, Then the editor follows it
    QVERIFY(publish(port, QStringLiteral("lab/setpoint"), QStringLiteral("21")));
    QTRY_COMPARE_WITH_TIMEOUT(number->value(), 21.0, 10000);
    QVERIFY(!w.box()->isEdited());

    // When the user types a value
    number->setFocus();
    number->selectAll();
    QTest::keyClicks(number, QStringLiteral("25"));
    QCOMPARE(number->value(), 25.0);
    QVERIFY(w.box()->isEdited());
    // And a new value arrives meanwhile
    QVERIFY(publish(port, QStringLiteral("lab/setpoint"), QStringLiteral("22")));
    auto *changed = child<QLabel>(w.details(), "writeValueChanged");
    // Then the edit stays and the change is shown
    QTRY_VERIFY_WITH_TIMEOUT(changed->isVisible(), 10000);
    QVERIFY2(changed->text().contains(QStringLiteral("22")), qPrintable(changed->text()));
    QCOMPARE(number->value(), 25.0);

    // When the user presses Return
    Subscriber subscriber;
    QVERIFY(subscriber.start(port, QStringLiteral("lab/setpoint")));
    QTRY_VERIFY_WITH_TIMEOUT(subscriber.ready(), 15000);
    QCOMPARE(number->value(), 25.0);
    QTest::keyClick(number, Qt::Key_Return);
    // Then it writes, and the subscriber gets the edit, not the live value
    auto *status = child<QLabel>(w.details(), "writeStatus");
    QTRY_COMPARE_WITH_TIMEOUT(status->text(), QStringLiteral("Written."), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(subscriber.seen(QByteArrayLiteral("lab/setpoint 25")), 10000);
    QVERIFY(!subscriber.seen(QByteArrayLiteral("lab/setpoint 22")));
    QVERIFY(!w.box()->isEdited());
    // And the editor follows the live value again
    QVERIFY(publish(port, QStringLiteral("lab/setpoint"), QStringLiteral("23")));
    QTRY_COMPARE_WITH_TIMEOUT(number->value(), 23.0, 10000);
    QVERIFY(!changed->isVisible());
}

void TestDetailsView::nothingWritableLeavesNoEditor()
{
    REQUIRE_PROGRAM("mosquitto", "mosquitto");
    testsupport::Mosquitto broker;
    QVERIFY(broker.start());
    const quint16 port = broker.port();
    QVERIFY(publish(port, QStringLiteral("lab/level"), QStringLiteral("73.25")));
    const QString base = QStringLiteral("mqtt://127.0.0.1:%1").arg(port);
    Window w;
    w.addEndpoint(QStringLiteral("Lab"), base);
    const ResourceId endpoint = *ResourceId::parse(base);
    const ResourceId level = ResourceId::fromTopic(endpoint, QStringLiteral("lab/level"));
    QTRY_VERIFY_WITH_TIMEOUT(w.session->store()->find(level), 10000);
    QVERIFY(w.select(level));
    auto *number = child<QDoubleSpinBox>(w.details(), "writeNumber");
    QCOMPARE(number->value(), 73.25);
    QVERIFY(number->isVisible());

    // When nothing is selected, no number is left behind
    w.details()->showResource(ResourceId());
    QVERIFY(!number->isVisible());
    QVERIFY(!child<QPushButton>(w.details(), "writeButton")->isVisible());
    QCOMPARE(number->value(), 0.0);
    QCOMPARE(child<QLabel>(w.details(), "writeStatus")->text(), QStringLiteral("Select a resource to write to it."));
}

void TestDetailsView::homieNotSettable()
{
    REQUIRE_PROGRAM("mosquitto", "mosquitto");
    testsupport::Mosquitto broker;
    QVERIFY(broker.start());
    const quint16 port = broker.port();
    const QString dev = QStringLiteral("homie/boiler");
    for (const auto &[topic, payload] : QList<std::pair<QString, QString>>{
             {QStringLiteral("/$homie"), QStringLiteral("4.0")},
             {QStringLiteral("/$name"), QStringLiteral("Boiler")},
             {QStringLiteral("/$nodes"), QStringLiteral("water")},
             {QStringLiteral("/water/$name"), QStringLiteral("Water")},
             {QStringLiteral("/water/$properties"), QStringLiteral("temperature,target,mode,heating")},
             {QStringLiteral("/water/temperature/$datatype"), QStringLiteral("float")},
             {QStringLiteral("/water/temperature/$unit"), QStringLiteral("\u00b0C")},
             {QStringLiteral("/water/temperature"), QStringLiteral("55.5")},
             {QStringLiteral("/water/target/$datatype"), QStringLiteral("float")},
             {QStringLiteral("/water/target/$format"), QStringLiteral("30:70")},
             {QStringLiteral("/water/target/$settable"), QStringLiteral("true")},
             {QStringLiteral("/water/target"), QStringLiteral("60")},
             {QStringLiteral("/water/mode/$datatype"), QStringLiteral("enum")},
             {QStringLiteral("/water/mode/$format"), QStringLiteral("eco,comfort,boost")},
             {QStringLiteral("/water/mode/$settable"), QStringLiteral("true")},
             {QStringLiteral("/water/mode"), QStringLiteral("comfort")},
             {QStringLiteral("/water/heating/$datatype"), QStringLiteral("boolean")},
             {QStringLiteral("/water/heating/$settable"), QStringLiteral("true")},
             {QStringLiteral("/water/heating"), QStringLiteral("false")},
             {QStringLiteral("/$state"), QStringLiteral("ready")},
         })
        QVERIFY(publish(port, dev + topic, payload));
    const QString base = QStringLiteral("mqtt://127.0.0.1:%1").arg(port);
    Window w;
    w.addEndpoint(QStringLiteral("Boiler broker"), base);
    const ResourceId endpoint = *ResourceId::parse(base);
    const ResourceId temperature = ResourceId::fromTopic(endpoint, dev + QStringLiteral("/water/temperature"));
    const ResourceId target = ResourceId::fromTopic(endpoint, dev + QStringLiteral("/water/target"));
    const ResourceId mode = ResourceId::fromTopic(endpoint, dev + QStringLiteral("/water/mode"));
    const ResourceId heating = ResourceId::fromTopic(endpoint, dev + QStringLiteral("/water/heating"));
    QTRY_VERIFY_WITH_TIMEOUT(w.session->store()->find(heating) && w.session->store()->find(heating)->hasValue()
                                 && w.session->store()->find(heating)->metadata().writable.isSet(),
                             10000);
    QTRY_VERIFY_WITH_TIMEOUT(w.session->store()->find(temperature) && w.session->store()->find(temperature)->hasValue(),
                             10000);

    // A property without $settable is not offered for writing
    QVERIFY(w.select(temperature));
    auto *write = child<QPushButton>(w.details(), "writeButton");
    auto *status = child<QLabel>(w.details(), "writeStatus");
    QVERIFY(!write->isVisible() || !write->isEnabled());
    QVERIFY(!child<QDoubleSpinBox>(w.details(), "writeNumber")->isVisible());
    QVERIFY2(status->text().contains(QStringLiteral("not settable")), qPrintable(status->text()));
    // And Return there writes nothing
    w.box()->submit();
    QVERIFY(status->text().contains(QStringLiteral("not settable")));

    // A settable one is, with its $format range
    QVERIFY(w.select(target));
    auto *number = child<QDoubleSpinBox>(w.details(), "writeNumber");
    QVERIFY(number->isVisible());
    QVERIFY(write->isVisible() && write->isEnabled());
    QCOMPARE(number->minimum(), 30.0);
    QCOMPARE(number->maximum(), 70.0);
    QCOMPARE(number->value(), 60.0);

    // An enum gets a choice of its $format values
    QVERIFY(w.select(mode));
    QCOMPARE(w.box()->editor(), WriteBox::Editor::Choice);
    auto *choice = child<QComboBox>(w.details(), "writeChoice");
    QVERIFY(choice->isVisible());
    QCOMPARE(choice->count(), 3);
    QCOMPARE(choice->currentText(), QStringLiteral("comfort"));

    // A boolean gets a switch that writes true / false to the /set topic
    QVERIFY(w.select(heating));
    QCOMPARE(w.box()->editor(), WriteBox::Editor::Switch);
    auto *toggle = child<QCheckBox>(w.details(), "writeSwitch");
    QVERIFY(toggle->isVisible());
    QVERIFY(!toggle->isChecked());
    Subscriber subscriber;
    QVERIFY(subscriber.start(port, dev + QStringLiteral("/water/heating/set")));
    QTRY_VERIFY_WITH_TIMEOUT(subscriber.ready(), 15000);
    QTest::mouseClick(toggle, Qt::LeftButton, {}, QPoint(8, toggle->height() / 2));
    QTRY_COMPARE_WITH_TIMEOUT(status->text(), QStringLiteral("Written."), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(subscriber.seen((dev + QStringLiteral("/water/heating/set true")).toUtf8()), 10000);
}

void TestDetailsView::chartStepsTicksAndUnit()
{
    REQUIRE_PROGRAM("mosquitto", "mosquitto");
    testsupport::Mosquitto broker;
    QVERIFY(broker.start());
    const quint16 port = broker.port();
    // A Home Assistant number: a setpoint, written, holding until the next value.
    QVERIFY(publish(port, QStringLiteral("homeassistant/number/oven/config"),
                    QStringLiteral(R"({"name":"Oven setpoint","stat_t":"oven/setpoint","cmd_t":"oven/setpoint/set",)"
                                   R"("min":0,"max":300,"step":0.5,"unit_of_meas":"°C"})")));
    QVERIFY(publish(port, QStringLiteral("oven/setpoint"), QStringLiteral("20.072")));
    QVERIFY(publish(port, QStringLiteral("oven/probe"), QStringLiteral("19.5")));
    const QString base = QStringLiteral("mqtt://127.0.0.1:%1").arg(port);
    Window w;
    w.addEndpoint(QStringLiteral("Kitchen"), base);
    const ResourceId endpoint = *ResourceId::parse(base);
    const ResourceId setpoint = ResourceId::fromTopic(endpoint, QStringLiteral("oven/setpoint"));
    const ResourceId probe = ResourceId::fromTopic(endpoint, QStringLiteral("oven/probe"));
    QTRY_VERIFY_WITH_TIMEOUT(w.session->store()->find(setpoint) && w.session->store()->find(setpoint)->hasValue()
                                 && w.session->store()->find(setpoint)->metadata().unit.isSet(),
                             10000);
    QTRY_VERIFY_WITH_TIMEOUT(w.session->store()->find(probe), 10000);

    // One sample: a range around it, nice ticks, no repeated labels, the unit on the axis
    QVERIFY(w.select(setpoint));
    HistoryChart *chart = w.details()->chart();
    chart->redrawNow();
    QValueAxis *axis = chart->valueAxis();
    QVERIFY(axis->isVisible());
    QCOMPARE(axis->titleText(), QStringLiteral("°C"));
    const auto tickStep = [](const QValueAxis *a) { return (a->max() - a->min()) / (a->tickCount() - 1); };
    QVERIFY2(isNice(tickStep(axis)), qPrintable(QString::number(tickStep(axis))));
    QVERIFY(axis->min() < 20.072 && axis->max() > 20.072);
    QStringList labels = tickLabels(axis);
    QVERIFY(labels.size() >= 2);
    QCOMPARE(labels.size(), QSet<QString>(labels.begin(), labels.end()).size());
    for (const QString &label : std::as_const(labels))
        QVERIFY2(!label.contains(QStringLiteral("072")), qPrintable(label)); // ticks on nice values

    // A second value: drawn as a step, not a ramp
    QVERIFY(publish(port, QStringLiteral("oven/setpoint"), QStringLiteral("180")));
    QTRY_COMPARE_WITH_TIMEOUT(w.session->store()->find(setpoint)->value().toDouble(), 180.0, 10000);
    chart->redrawNow();
    QVERIFY(chart->isStepped());
    const QList<QPointF> points = chart->series()->points();
    bool vertical = false;
    for (qsizetype i = 1; i < points.size(); ++i) {
        if (points.at(i).x() == points.at(i - 1).x() && points.at(i).y() != points.at(i - 1).y())
            vertical = true;
        QVERIFY(points.at(i).x() >= points.at(i - 1).x());
    }
    if (!vertical) {
        for (const QPointF &p : points)
            qWarning("point %f %f", p.x(), p.y());
    }
    QVERIFY(vertical);
    // The step holds 20.072 until 180 arrives: no point in between
    for (const QPointF &p : points)
        QVERIFY(std::abs(p.y() - 20.072) < 1e-9 || std::abs(p.y() - 180) < 1e-9);
    labels = tickLabels(chart->valueAxis());
    QCOMPARE(labels.size(), QSet<QString>(labels.begin(), labels.end()).size());
    QVERIFY(isNice(tickStep(chart->valueAxis())));
    testsupport::saveShot(w.window.get(), QStringLiteral("details-chart"));

    // A measurement without metadata is a line
    QVERIFY(w.select(probe));
    chart->redrawNow();
    QVERIFY(!chart->isStepped());
    QVERIFY(chart->valueAxis()->titleText().isEmpty());
}

void TestDetailsView::simulatorSite()
{
    REQUIRE_PROGRAM("mosquitto", "mosquitto");
    testsupport::Simulator sim;
    QVERIFY(sim.start({QStringLiteral("--seed"), QStringLiteral("3")}));
    Window w;
    w.addSimulator(sim);
    QTRY_COMPARE_WITH_TIMEOUT(w.session->endpoints()->connectedCount(), 3, 20000);
    ResourceStore *store = w.session->store();

    // The CoAP light: a switch that writes on / off with a PUT
    const ResourceId light = *ResourceId::parse(sim.coap + QStringLiteral("/actuators/light"));
    QTRY_VERIFY_WITH_TIMEOUT(store->find(light) && store->find(light)->hasValue(), 20000);
    QVERIFY(w.select(light));
    QCOMPARE(w.box()->editor(), WriteBox::Editor::Switch);
    auto *toggle = child<QCheckBox>(w.details(), "writeSwitch");
    auto *status = child<QLabel>(w.details(), "writeStatus");
    QVERIFY(toggle->isVisible());
    const QString before = store->find(light)->value().decoded.toString();
    QVERIFY(before == QLatin1String("on") || before == QLatin1String("off"));
    QCOMPARE(toggle->isChecked(), before == QLatin1String("on"));
    const QString after = before == QLatin1String("on") ? QStringLiteral("off") : QStringLiteral("on");
    QTest::mouseClick(toggle, Qt::LeftButton, {}, QPoint(8, toggle->height() / 2));
    QTRY_COMPARE_WITH_TIMEOUT(status->text(), QStringLiteral("Written."), 10000);
    // The device itself says so (observed, or read back)
    w.session->endpoints()->read(light, {});
    QTRY_COMPARE_WITH_TIMEOUT(store->find(light)->value().decoded.toString(), after, 15000);
    QTRY_COMPARE(toggle->isChecked(), after == QLatin1String("on"));
    w.details()->chart()->redrawNow();
    QVERIFY(w.details()->chart()->isStepped());
    QVERIFY(w.details()->chart()->isCategorical());
    testsupport::saveShot(w.window.get(), QStringLiteral("details-coap-light"));

    // The CoAP temperature: its unit code became the unit, out of the title
    const ResourceId temperature = *ResourceId::parse(sim.coap + QStringLiteral("/sensors/temperature"));
    QTRY_VERIFY_WITH_TIMEOUT(store->find(temperature) && store->find(temperature)->metadata().unit.isSet(), 20000);
    QCOMPARE(*store->find(temperature)->metadata().unit, QStringLiteral("°C"));
    QCOMPARE(store->find(temperature)->title(), QStringLiteral("Lab temperature"));
    const QModelIndex row = w.session->treeModel()->indexForId(temperature);
    QCOMPARE(row.siblingAtColumn(ResourceTreeModel::UnitColumn).data().toString(), QStringLiteral("°C"));
    QVERIFY(w.select(temperature));
    QVERIFY(metadataRow(w.details(), QStringLiteral("Unit")).contains(QStringLiteral("Cel")));
    // A sensor is not offered for writing
    QVERIFY(!child<QPushButton>(w.details(), "writeButton")->isVisible());

    // The Home Assistant plug: a switch that writes ON / OFF to its command topic
    const ResourceId plug = *ResourceId::parse(sim.mqtt + QStringLiteral("/thingscape/plug/state"));
    QTRY_VERIFY_WITH_TIMEOUT(store->find(plug) && store->find(plug)->hasValue()
                                 && store->find(plug)->metadata().commandUri.isSet(),
                             20000);
    QVERIFY(w.select(plug));
    QCOMPARE(w.box()->editor(), WriteBox::Editor::Switch);
    QCOMPARE(w.box()->spec().onPayload, QByteArray("ON"));
    const QString plugBefore = store->find(plug)->value().decoded.toString();
    QCOMPARE(toggle->isChecked(), plugBefore == QLatin1String("ON"));
    const QString plugAfter = plugBefore == QLatin1String("ON") ? QStringLiteral("OFF") : QStringLiteral("ON");
    QTest::mouseClick(toggle, Qt::LeftButton, {}, QPoint(8, toggle->height() / 2));
    QTRY_COMPARE_WITH_TIMEOUT(status->text(), QStringLiteral("Written."), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(store->find(plug)->value().decoded.toString(), plugAfter, 15000);
    QTRY_COMPARE(toggle->isChecked(), plugAfter == QLatin1String("ON"));

    // Homie: the station's temperature is not settable, its update interval is
    const ResourceId homieTemperature =
        *ResourceId::parse(sim.mqtt + QStringLiteral("/homie/weather-station/outdoor/temperature"));
    QTRY_VERIFY_WITH_TIMEOUT(store->find(homieTemperature), 20000);
    QVERIFY(w.select(homieTemperature));
    QVERIFY(!child<QPushButton>(w.details(), "writeButton")->isVisible());
    QVERIFY(status->text().contains(QStringLiteral("not settable")));

    // A WoT Thing's folder shows the Thing
    const ResourceId lamp = *ResourceId::parse(sim.http + QStringLiteral("/things/smart-lamp"));
    QTRY_VERIFY_WITH_TIMEOUT(store->find(*ResourceId::parse(sim.http + QStringLiteral("/things/smart-lamp/properties/on"))),
                             20000);
    QVERIFY(w.select(lamp));
    QCOMPARE(w.node()->kind(), NodeDetails::Kind::Thing);
    QCOMPARE(w.details()->heading(), QStringLiteral("Smart Lamp"));
    QCOMPARE(child<QLabel>(w.node(), "thingDescription")->text(), QStringLiteral("A dimmable colour lamp (simulated)."));
    const QStringList names = listColumn(w.node(), 0);
    for (const char *name : {"On", "Brightness", "Colour", "Power", "Toggle"})
        QVERIFY2(names.contains(QLatin1String(name)), qPrintable(names.join(QLatin1Char(','))));
    testsupport::saveShot(w.window.get(), QStringLiteral("details-thing"));

    // The WoT lamp's "on" is a JSON boolean: a switch too
    QVERIFY(w.select(*ResourceId::parse(sim.http + QStringLiteral("/things/smart-lamp/properties/on"))));
    QCOMPARE(w.box()->editor(), WriteBox::Editor::Switch);
    QCOMPARE(w.box()->spec().onPayload, QByteArray("true"));
}

QTEST_MAIN(TestDetailsView)
#include "tst_detailsview.moc"
