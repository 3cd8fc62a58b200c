#include "model/resourcefilterproxymodel.h"
#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"

#include <QAbstractItemModelTester>
#include <QCborValue>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QJsonDocument>
#include <QElapsedTimer>
#include <QSet>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>

using namespace thingscape;

namespace {

using Role = ResourceTreeModel::Role;

ResourceId rid(const QString &uri)
{
    return *ResourceId::parse(uri);
}

Update valueUpdate(const QString &uri, double v)
{
    Update u;
    u.id = rid(uri);
    Value value;
    value.timeMs = 1000;
    value.raw = QByteArray::number(v);
    value.decoded = QCborValue(v);
    u.value = value;
    return u;
}

UpdateBatch topics(const QStringList &names, const QString &endpoint = QStringLiteral("mqtt://h"))
{
    UpdateBatch batch;
    for (const QString &name : names)
        batch.append(valueUpdate(endpoint + QLatin1Char('/') + name, 1));
    return batch;
}

Update removal(const QString &uri)
{
    Update u;
    u.id = rid(uri);
    u.remove = true;
    return u;
}

// Every row's path (endpoints as "<endpoint uri>"), depth first.
QStringList allPaths(const QAbstractItemModel *model, const QModelIndex &parent = {})
{
    QStringList paths;
    for (int row = 0; row < model->rowCount(parent); ++row) {
        const QModelIndex index = model->index(row, 0, parent);
        if (index.data(Role::IsEndpointRole).toBool())
            paths << QLatin1Char('<') + index.data(Role::EndpointRole).toString() + QLatin1Char('>');
        else
            paths << index.data(Role::PathRole).toString();
        paths << allPaths(model, index);
    }
    return paths;
}

QString name(const QModelIndex &index)
{
    return index.data(Qt::DisplayRole).toString();
}

} // namespace

class TestResourceTreeModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void buildsTheTreeFromTopicsAndPaths();
    void startsFromWhatTheStoreHolds();
    void distinctUrisStayDistinctRows();
    void bulkInsertIsOneSignal();
    void aFloodGoesInInSlices();
    void bulkInsertIsOneSignalPerParent();
    void interleavedInsertsAreOneSignalPerRun();
    void updatesArePerRowUntilHalfChanged();
    void removalsPruneEmptyLevels();
    void intermediateResourceIsOneRow();
    void anOnlyChildGainsAndLosesSiblingsKeepingRowsAndSelection();
    void mixedBatch();
    void persistentIndexSurvivesInsertsBefore();
    void endpointsAndTheirState();
    void manyEndpointsAddedThenSomeRemovedInTheMiddle();
    void endpointBatchIsOneInsertPerRun();
    void columnsAndRoles();
    void senmlRecordsNamedRelativeToTheBaseName();
    void toolTipsAreEscapedPeerText();
    void filterSubstring();
    void filterMqttWildcard();
    void filterMqttWildcard_data();
    void filterInvalidWildcard();
    void filterRegex();
    void filterFollowsLiveUpdates();
    void filterWalkSeesWhatDataShows();
    void filterWalkInSlicesStartsOverAfterARemoval();
    void filterShowsARowOnceAMatchArrivesBelowIt();
    void filterWalkMarksThePathToEveryMatch();
    void topicMatching_data();
    void topicMatching();
};

void TestResourceTreeModel::buildsTheTreeFromTopicsAndPaths()
{
    // Given a model over an empty store
    ResourceStore store;
    ResourceTreeModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    // When MQTT topics and CoAP / HTTP paths arrive
    store.ingest(topics({QStringLiteral("home/kitchen/temp"), QStringLiteral("home/Hall/temp"),
                         QStringLiteral("home/hall/temp")}));
    store.ingest(topics({QStringLiteral("sensors/temp"), QStringLiteral("sensors/light")},
                        QStringLiteral("coap://dev")));
    store.ingest(topics({QStringLiteral("api/things")}, QStringLiteral("http://web:8080")));
    // Then each endpoint is a root row, sorted by URI, with levels sorted by name
    QCOMPARE(allPaths(&model),
             QStringList({"<coap://dev:5683>", "sensors", "sensors/light", "sensors/temp", "<http://web:8080>", "api",
                          "api/things", "<mqtt://h:1883>", "home", "home/Hall", "home/Hall/temp", "home/hall",
                          "home/hall/temp", "home/kitchen", "home/kitchen/temp"}));
    QCOMPARE(name(model.index(0, 0)), QStringLiteral("dev:5683"));
    const QModelIndex temp = model.indexForId(rid("coap://dev/sensors/temp"));
    QVERIFY(temp.isValid());
    QCOMPARE(name(temp), QStringLiteral("temp"));
    QCOMPARE(model.resourceAt(temp), store.find(rid("coap://dev/sensors/temp")));
    QCOMPARE(temp.parent(), model.indexForId(rid("coap://dev/sensors")));
    QVERIFY(!model.resourceAt(temp.parent()));
    QCOMPARE(temp.parent().data(Role::ResourceIdRole).toString(), QStringLiteral("coap://dev:5683/sensors"));
    QVERIFY(!model.indexForId(rid("coap://dev/nothing")).isValid());
}

void TestResourceTreeModel::startsFromWhatTheStoreHolds()
{
    // Given a store that already holds resources
    ResourceStore store;
    store.ingest(topics({QStringLiteral("b/x"), QStringLiteral("a")}));
    // When a model is made over it
    ResourceTreeModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    // Then it shows them
    QCOMPARE(allPaths(&model), QStringList({"<mqtt://h:1883>", "a", "b", "b/x"}));
}

void TestResourceTreeModel::distinctUrisStayDistinctRows()
{
    // Given HTTP resources that differ only by a trailing slash, a query, or the root path
    ResourceStore store;
    ResourceTreeModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QStringList uris = {"http://web/api", "http://web/api/", "http://web/api?page=2", "http://web/api/x",
                              "http://web", "http://web/"};
    UpdateBatch batch;
    for (const QString &uri : uris)
        batch.append(valueUpdate(uri, 1));
    store.ingest(batch);
    // Then each is its own row, found by its id
    QSet<const Resource *> seen;
    for (const QString &uri : uris) {
        const QModelIndex index = model.indexForId(rid(uri));
        QVERIFY2(index.isValid(), qPrintable(uri));
        QCOMPARE(model.resourceAt(index), store.find(rid(uri)));
        seen.insert(model.resourceAt(index));
    }
    QCOMPARE(seen.size(), uris.size());
    // And they go cleanly
    store.clear();
    QCOMPARE(model.rowCount(), 0);
}

void TestResourceTreeModel::bulkInsertIsOneSignal()
{
    // Given an empty model
    ResourceStore store;
    ResourceTreeModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    // When one batch brings 10,000 topics under 100 parents
    QStringList names;
    for (int i = 0; i < 10000; ++i)
        names << QStringLiteral("site/b%1/s%2").arg(i / 100, 2, 10, QLatin1Char('0')).arg(i % 100, 3, 10, QLatin1Char('0'));
    QElapsedTimer timer;
    timer.start();
    store.ingest(topics(names));
    qInfo() << "10,000 topics into an empty tree:" << timer.elapsed() << "ms";
    // Then the whole new subtree is one insert: the endpoint row
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.at(0).at(0).value<QModelIndex>(), QModelIndex());
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), 0);
    const QModelIndex site = model.indexForId(rid("mqtt://h/site"));
    QCOMPARE(model.rowCount(site), 100);
    QCOMPARE(model.rowCount(model.index(42, 0, site)), 100);
    QCOMPARE(name(model.index(7, 0, model.index(42, 0, site))), QStringLiteral("s007"));
}

void TestResourceTreeModel::aFloodGoesInInSlices()
{
    // Given a tree that takes 100 new resources at once from a batch, then one chunk per turn
    ResourceStore store;
    ResourceTreeModel model(&store);
    model.setInsertAtOnce(100);
    model.setInsertSliceMs(0);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    // When one batch brings 5,000 topics
    QStringList names;
    for (int i = 0; i < 5000; ++i)
        names << QStringLiteral("f/%1/v").arg(i, 4, 10, QLatin1Char('0'));
    store.ingest(topics(names));
    // Then the first chunk is in at once, in the order they came, and the rest wait their turn
    QCOMPARE(ResourceTreeModel::kInsertChunk, 512);
    QVERIFY(model.indexForId(rid("mqtt://h/f/0000/v")).isValid());
    QVERIFY(model.indexForId(rid("mqtt://h/f/0511/v")).isValid());
    QVERIFY(!model.indexForId(rid("mqtt://h/f/0512/v")).isValid());
    QCOMPARE(model.waitingResources(), 5000 - 512);
    // When two go from the store before their turn
    store.remove({rid("mqtt://h/f/3000/v"), rid("mqtt://h/f/3001/v")});
    QVERIFY(model.waitingResources() > 0);
    // Then the rest arrive on the event loop, sorted, without the removed ones
    QTRY_COMPARE_WITH_TIMEOUT(model.waitingResources(), 0, 30000);
    QVERIFY(inserted.count() > 2);
    const QModelIndex f = model.indexForId(rid("mqtt://h/f"));
    QCOMPARE(model.rowCount(f), 4998);
    QCOMPARE(model.index(0, 0, f).data(Role::PathRole).toString(), QStringLiteral("f/0000"));
    QCOMPARE(model.index(4997, 0, f).data(Role::PathRole).toString(), QStringLiteral("f/4999"));
    QVERIFY(!model.indexForId(rid("mqtt://h/f/3000/v")).isValid());
    QVERIFY(model.indexForId(rid("mqtt://h/f/2999/v")).isValid());
    QCOMPARE(model.resourceAt(model.indexForId(rid("mqtt://h/f/4999/v"))), store.find(rid("mqtt://h/f/4999/v")));
    // And one that is in goes as before
    store.remove({rid("mqtt://h/f/0050/v")});
    QCOMPARE(model.rowCount(f), 4997);
}

void TestResourceTreeModel::bulkInsertIsOneSignalPerParent()
{
    // Given 10 parents with 200 children each
    ResourceStore store;
    QStringList first;
    QStringList second;
    for (int i = 0; i < 12000; ++i) {
        const QString topic =
            QStringLiteral("site/b%1/s%2").arg(i / 1200).arg(i % 1200, 4, 10, QLatin1Char('0'));
        (i % 1200 < 200 ? first : second) << topic;
    }
    ResourceTreeModel model(&store);
    // Made before the rows: it walks the whole tree when made (and on every insert, which is
    // why this test uses few parents).
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    store.ingest(topics(first));
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    // When one batch brings 10,000 new topics, 1,000 more under each parent, sorting after the old
    QCOMPARE(second.size(), 10000);
    store.ingest(topics(second));
    // Then there is exactly one insert per parent, of rows 200..1199
    QCOMPARE(inserted.count(), 10);
    QSet<QString> parents;
    for (const auto &args : inserted) {
        const QModelIndex parent = args.at(0).value<QModelIndex>();
        parents.insert(parent.data(Role::PathRole).toString());
        QCOMPARE(args.at(1).toInt(), 200);
        QCOMPARE(args.at(2).toInt(), 1199);
        QCOMPARE(model.rowCount(parent), 1200);
    }
    QCOMPARE(parents.size(), 10);
    QCOMPARE(changed.count(), 0);
}

void TestResourceTreeModel::interleavedInsertsAreOneSignalPerRun()
{
    // Given a level with children a, c, e
    ResourceStore store;
    store.ingest(topics({QStringLiteral("p/a"), QStringLiteral("p/c"), QStringLiteral("p/e")}));
    ResourceTreeModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    // When b1, b2, d and f arrive in one batch (in no particular order)
    store.ingest(topics({QStringLiteral("p/f"), QStringLiteral("p/b2"), QStringLiteral("p/d"), QStringLiteral("p/b1")}));
    // Then each contiguous run of new rows is one insert, at its final position
    QCOMPARE(inserted.count(), 3);
    QCOMPARE(inserted.at(0).at(1).toInt(), 1);
    QCOMPARE(inserted.at(0).at(2).toInt(), 2);
    QCOMPARE(inserted.at(1).at(1).toInt(), 4);
    QCOMPARE(inserted.at(1).at(2).toInt(), 4);
    QCOMPARE(inserted.at(2).at(1).toInt(), 6);
    QCOMPARE(inserted.at(2).at(2).toInt(), 6);
    QCOMPARE(allPaths(&model), QStringList({"<mqtt://h:1883>", "p", "p/a", "p/b1", "p/b2", "p/c", "p/d", "p/e", "p/f"}));
}

void TestResourceTreeModel::updatesArePerRowUntilHalfChanged()
{
    // Given ten values under one level
    ResourceStore store;
    QStringList names;
    for (int i = 0; i < 10; ++i)
        names << QStringLiteral("t/%1").arg(i);
    store.ingest(topics(names));
    ResourceTreeModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    const QModelIndex t = model.indexForId(rid("mqtt://h/t"));

    // When three of them change (one twice) in a batch
    store.ingest({valueUpdate("mqtt://h/t/7", 2), valueUpdate("mqtt://h/t/2", 2), valueUpdate("mqtt://h/t/5", 2),
                  valueUpdate("mqtt://h/t/2", 3)});
    // Then there is one dataChanged per changed row, spanning all columns
    QCOMPARE(changed.count(), 3);
    const QList<int> rows = {2, 5, 7};
    for (int i = 0; i < 3; ++i) {
        const QModelIndex topLeft = changed.at(i).at(0).value<QModelIndex>();
        const QModelIndex bottomRight = changed.at(i).at(1).value<QModelIndex>();
        QCOMPARE(topLeft.parent(), t);
        QCOMPARE(topLeft.row(), rows.at(i));
        QCOMPARE(bottomRight.row(), rows.at(i));
        QCOMPARE(topLeft.column(), 0);
        QCOMPARE(bottomRight.column(), int(ResourceTreeModel::ColumnCount) - 1);
    }
    QCOMPARE(model.index(2, ResourceTreeModel::ValueColumn, t).data().toString(), QStringLiteral("3"));

    // When six of the ten change
    changed.clear();
    store.ingest({valueUpdate("mqtt://h/t/0", 4), valueUpdate("mqtt://h/t/1", 4), valueUpdate("mqtt://h/t/3", 4),
                  valueUpdate("mqtt://h/t/4", 4), valueUpdate("mqtt://h/t/8", 4), valueUpdate("mqtt://h/t/9", 4)});
    // Then one dataChanged covers the whole level
    QCOMPARE(changed.count(), 1);
    const QModelIndex topLeft = changed.at(0).at(0).value<QModelIndex>();
    const QModelIndex bottomRight = changed.at(0).at(1).value<QModelIndex>();
    QCOMPARE(topLeft, model.index(0, 0, t));
    QCOMPARE(bottomRight, model.index(9, ResourceTreeModel::ColumnCount - 1, t));

    // When exactly half change, it is still per row
    changed.clear();
    store.ingest({valueUpdate("mqtt://h/t/0", 5), valueUpdate("mqtt://h/t/1", 5), valueUpdate("mqtt://h/t/2", 5),
                  valueUpdate("mqtt://h/t/3", 5), valueUpdate("mqtt://h/t/4", 5)});
    QCOMPARE(changed.count(), 5);
    QCOMPARE(inserted.count(), 0);
}

void TestResourceTreeModel::removalsPruneEmptyLevels()
{
    // Given a/b/c, a/b/d and a/e
    ResourceStore store;
    store.ingest(topics({QStringLiteral("a/b/c"), QStringLiteral("a/b/d"), QStringLiteral("a/e")}));
    ResourceTreeModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    // When a/b/c goes, only its row goes
    store.remove({rid("mqtt://h/a/b/c")});
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.at(0).at(0).value<QModelIndex>(), model.indexForId(rid("mqtt://h/a/b")));
    QCOMPARE(removed.at(0).at(1).toInt(), 0);
    QCOMPARE(removed.at(0).at(2).toInt(), 0);
    QVERIFY(!model.indexForId(rid("mqtt://h/a/b/c")).isValid());

    // When a/b/d goes, the now empty level a/b goes with it, in one signal
    removed.clear();
    store.remove({rid("mqtt://h/a/b/d")});
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.at(0).at(0).value<QModelIndex>(), model.indexForId(rid("mqtt://h/a")));
    QCOMPARE(removed.at(0).at(1).toInt(), 0);
    QCOMPARE(allPaths(&model), QStringList({"<mqtt://h:1883>", "a", "a/e"}));

    // When the last resource goes, the endpoint (never added explicitly) goes too
    removed.clear();
    store.remove({rid("mqtt://h/a/e")});
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.at(0).at(0).value<QModelIndex>(), QModelIndex());
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(changed.count(), 0);

    // Given siblings x/0..x/5 under a pinned endpoint
    model.addEndpoint(rid("mqtt://h"), QStringLiteral("Broker"));
    store.ingest(topics({"x/0", "x/1", "x/2", "x/3", "x/4", "x/5"}));
    removed.clear();
    // When 0, 1, 3 and 4 go in one batch
    store.remove({rid("mqtt://h/x/4"), rid("mqtt://h/x/0"), rid("mqtt://h/x/3"), rid("mqtt://h/x/1")});
    // Then each contiguous run is one remove, the later run first
    QCOMPARE(removed.count(), 2);
    QCOMPARE(removed.at(0).at(1).toInt(), 3);
    QCOMPARE(removed.at(0).at(2).toInt(), 4);
    QCOMPARE(removed.at(1).at(1).toInt(), 0);
    QCOMPARE(removed.at(1).at(2).toInt(), 1);
    QCOMPARE(allPaths(&model), QStringList({"<mqtt://h:1883>", "x", "x/2", "x/5"}));

    // When everything goes, the pinned endpoint stays
    removed.clear();
    store.clear();
    QCOMPARE(removed.count(), 1);
    QCOMPARE(allPaths(&model), QStringList({"<mqtt://h:1883>"}));
    QCOMPARE(name(model.index(0, 0)), QStringLiteral("Broker"));
}

void TestResourceTreeModel::anOnlyChildGainsAndLosesSiblingsKeepingRowsAndSelection()
{
    // Given "x/y/z": x and y are path levels named from z's URI, y with z as its only child
    ResourceStore store;
    ResourceTreeModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QItemSelectionModel selection(&model);
    store.ingest(topics({QStringLiteral("x/y/z")}));
    const QPersistentModelIndex z = model.indexForId(rid("mqtt://h/x/y/z"));
    QVERIFY(z.isValid());
    QCOMPARE(z.row(), 0);
    selection.select(z, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);

    // When siblings arrive before and after it, in two batches
    store.ingest(topics({QStringLiteral("x/y/m"), QStringLiteral("x/y/a")}));
    store.ingest(topics({QStringLiteral("x/y/zz"), QStringLiteral("x/y/b")}));
    // Then every row sits where its name sorts, and z stays selected
    QCOMPARE(allPaths(&model), QStringList({"<mqtt://h:1883>", "x", "x/y", "x/y/a", "x/y/b", "x/y/m", "x/y/z", "x/y/zz"}));
    QCOMPARE(z.row(), 3);
    QCOMPARE(model.indexForId(rid("mqtt://h/x/y/zz")).row(), 4);
    QVERIFY(selection.isSelected(z));

    // When all but one go again, z is an only child at row 0, still selected
    store.remove({rid("mqtt://h/x/y/a"), rid("mqtt://h/x/y/b"), rid("mqtt://h/x/y/m"), rid("mqtt://h/x/y/zz")});
    QCOMPARE(allPaths(&model), QStringList({"<mqtt://h:1883>", "x", "x/y", "x/y/z"}));
    QCOMPARE(z.row(), 0);
    QVERIFY(selection.isSelected(z));

    // When z goes while a sibling came, the levels named from z's URI keep their names
    store.ingest(topics({QStringLiteral("x/y/q")}));
    store.remove({rid("mqtt://h/x/y/z")});
    QVERIFY(!z.isValid());
    QCOMPARE(allPaths(&model), QStringList({"<mqtt://h:1883>", "x", "x/y", "x/y/q"}));
    const QModelIndex y = model.indexForId(rid("mqtt://h/x/y"));
    QCOMPARE(name(y), QStringLiteral("y"));
    QCOMPARE(name(y.parent()), QStringLiteral("x"));
    QCOMPARE(y.data(Role::PathRole).toString(), QStringLiteral("x/y"));
}

void TestResourceTreeModel::intermediateResourceIsOneRow()
{
    // Given topics "a" and "a/b": both resources
    ResourceStore store;
    ResourceTreeModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    store.ingest(topics({QStringLiteral("a/b"), QStringLiteral("a")}));
    // Then "a" is one row carrying its resource, with "a/b" under it
    QCOMPARE(allPaths(&model), QStringList({"<mqtt://h:1883>", "a", "a/b"}));
    const QModelIndex a = model.indexForId(rid("mqtt://h/a"));
    QCOMPARE(model.resourceAt(a), store.find(rid("mqtt://h/a")));
    QVERIFY(a.data(Role::HasResourceRole).toBool());

    // When "a" goes, the row stays as a path level and says so with dataChanged
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    store.remove({rid("mqtt://h/a")});
    QCOMPARE(removed.count(), 0);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).value<QModelIndex>(), a);
    QVERIFY(!model.resourceAt(a));
    QVERIFY(!a.data(Role::HasResourceRole).toBool());
    QCOMPARE(a.data(Role::ResourceIdRole).toString(), QStringLiteral("mqtt://h:1883/a"));

    // When a path level becomes a resource, that is a change, not an insert
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    changed.clear();
    store.ingest(topics({QStringLiteral("a")}));
    QCOMPARE(inserted.count(), 0);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(model.resourceAt(a), store.find(rid("mqtt://h/a")));

    // Empty MQTT levels get a visible name
    store.ingest(topics({QStringLiteral("/lead")}));
    const QModelIndex empty = model.indexForId(rid("mqtt://h/%2Flead")).parent();
    QCOMPARE(name(empty), QStringLiteral("(empty)"));
}

void TestResourceTreeModel::mixedBatch()
{
    // Given a, k/v and z/old
    ResourceStore store;
    store.ingest(topics({QStringLiteral("a"), QStringLiteral("k/v"), QStringLiteral("z/old")}));
    ResourceTreeModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    // When one batch removes "a" and z/old, adds a/b, and changes k/v
    store.ingest({removal("mqtt://h/a"), valueUpdate("mqtt://h/a/b", 1), valueUpdate("mqtt://h/k/v", 2),
                  removal("mqtt://h/z/old")});
    // Then "a" stays as a path level with its new child, z goes, k/v changes
    QCOMPARE(allPaths(&model), QStringList({"<mqtt://h:1883>", "a", "a/b", "k", "k/v"}));
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(changed.count(), 2);
    QVERIFY(!model.resourceAt(model.indexForId(rid("mqtt://h/a"))));
    QCOMPARE(model.index(0, ResourceTreeModel::ValueColumn, model.indexForId(rid("mqtt://h/k"))).data().toString(),
             QStringLiteral("2"));
}

void TestResourceTreeModel::persistentIndexSurvivesInsertsBefore()
{
    // Given a selected row m/x
    ResourceStore store;
    store.ingest(topics({QStringLiteral("m/x")}));
    ResourceTreeModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QPersistentModelIndex selected(model.indexForId(rid("mqtt://h/m/x")));
    QCOMPARE(selected.row(), 0);
    const Resource *x = store.find(rid("mqtt://h/m/x"));
    // When siblings sorting before it arrive, and values keep changing
    store.ingest(topics({QStringLiteral("m/b"), QStringLiteral("m/a"), QStringLiteral("m/y")}));
    store.ingest({valueUpdate("mqtt://h/m/x", 9), valueUpdate("mqtt://h/m/a", 9)});
    store.ingest(topics({QStringLiteral("m/c"), QStringLiteral("other/z")}));
    // Then it moved down and still points at the same resource
    QVERIFY(selected.isValid());
    QCOMPARE(selected.row(), 3);
    QCOMPARE(model.resourceAt(selected), x);
    // When siblings before it go, it moves up
    store.remove({rid("mqtt://h/m/a"), rid("mqtt://h/m/b")});
    QVERIFY(selected.isValid());
    QCOMPARE(selected.row(), 1);
    QCOMPARE(model.resourceAt(selected), x);
    // When it goes itself, it becomes invalid
    store.remove({rid("mqtt://h/m/x")});
    QVERIFY(!selected.isValid());
}

void TestResourceTreeModel::endpointsAndTheirState()
{
    // Given an endpoint added before any resource
    ResourceStore store;
    ResourceTreeModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.addEndpoint(rid("mqtt://broker.local:1884"), QStringLiteral("Home broker"));
    model.addEndpoint(rid("coap://[fe80::1]"));
    QCOMPARE(inserted.count(), 2);
    const QModelIndex broker = model.indexForId(rid("mqtt://broker.local:1884"));
    QVERIFY(broker.isValid());
    QCOMPARE(name(broker), QStringLiteral("Home broker"));
    QVERIFY(broker.data(Role::IsEndpointRole).toBool());
    QCOMPARE(name(model.indexForId(rid("coap://[fe80::1]"))), QStringLiteral("[fe80::1]:5683"));

    // When its state changes
    model.setEndpointState(rid("mqtt://broker.local:1884"), QStringLiteral("connection refused"), false);
    // Then its row changes and shows the state
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).value<QModelIndex>(), broker);
    QCOMPARE(broker.data(Role::StateRole).toString(), QStringLiteral("connection refused"));
    QCOMPARE(broker.data(Role::StateOkRole).toBool(), false);
    QVERIFY(broker.data(Qt::ToolTipRole).toString().contains(QStringLiteral("connection refused")));
    QVERIFY(broker.data(Qt::ToolTipRole).toString().contains(QStringLiteral("mqtt://broker.local:1884")));

    // When resources arrive, they go under the existing row
    inserted.clear();
    store.ingest(topics({QStringLiteral("t")}, QStringLiteral("mqtt://broker.local:1884")));
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.at(0).at(0).value<QModelIndex>(), broker);
    QCOMPARE(name(broker), QStringLiteral("Home broker"));

    // A server discovery led to is no endpoint of the workspace, and its row says so (the
    // status bar counts the workspace's endpoints)
    store.ingest(topics({QStringLiteral("events")}, QStringLiteral("http://127.0.0.1:4242")));
    QCOMPARE(name(model.indexForId(rid("http://127.0.0.1:4242"))), QStringLiteral("127.0.0.1:4242 (found by discovery)"));

    // When it is removed while it has resources, it stays until they go
    model.removeEndpoint(rid("mqtt://broker.local:1884"));
    QCOMPARE(name(broker), QStringLiteral("broker.local:1884 (found by discovery)"));
    store.clear();
    QVERIFY(!model.indexForId(rid("mqtt://broker.local:1884")).isValid());
    QCOMPARE(model.rowCount(), 1);
    // Without any endpoint of the workspace (a tree of a store alone), rows are just host:port
    model.removeEndpoint(rid("coap://[fe80::1]"));
    store.ingest(topics({QStringLiteral("t")}, QStringLiteral("mqtt://broker.local:1884")));
    QCOMPARE(name(model.indexForId(rid("mqtt://broker.local:1884"))), QStringLiteral("broker.local:1884"));
}

void TestResourceTreeModel::manyEndpointsAddedThenSomeRemovedInTheMiddle()
{
    // Given many endpoints added one by one, in an order that is neither sorted nor reversed
    ResourceStore store;
    ResourceTreeModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const int count = 300;
    auto uri = [](int i) {
        static const char *const schemes[] = {"mqtt", "coap", "http"};
        return rid(QStringLiteral("%1://host-%2.invalid:%3").arg(QLatin1String(schemes[i % 3])).arg(i % 7).arg(1000 + i));
    };
    for (int i = 0; i < count; ++i)
        model.addEndpoint(uri(i), QStringLiteral("Endpoint %1").arg(i));
    QCOMPARE(model.rowCount(), count);
    // Then every row is where indexForId says, and the rows are sorted
    QStringList keys;
    for (int i = 0; i < count; ++i) {
        const QModelIndex index = model.indexForId(uri(i));
        QVERIFY(index.isValid());
        QCOMPARE(model.index(index.row(), 0), index);
        QCOMPARE(name(index), QStringLiteral("Endpoint %1").arg(i));
    }
    for (int row = 0; row < count; ++row)
        keys << model.index(row, 0).data(Role::EndpointRole).toString();
    QStringList sorted = keys;
    std::sort(sorted.begin(), sorted.end(), [](const QString &a, const QString &b) {
        const int folded = QString::compare(a, b, Qt::CaseInsensitive);
        return folded != 0 ? folded < 0 : a < b;
    });
    QCOMPARE(keys, sorted);

    // When some in the middle go (one carries a resource: its subtree goes with it)
    store.ingest(topics({QStringLiteral("a/b")}, uri(150).toString()));
    const QPersistentModelIndex last = model.indexForId(uri(count - 1));
    const QString lastKey = last.data(Role::EndpointRole).toString();
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSet<int> gone;
    for (int i = 102; i < 200; i += 3) {
        model.removeEndpoint(uri(i));
        gone.insert(i);
    }
    QVERIFY(gone.contains(150));
    // Then one removal each, the rest keep their rows and names, and indexForId still agrees
    QCOMPARE(removed.count(), gone.size() - 1); // 150 stays while it has resources
    store.clear();
    QCOMPARE(removed.count(), gone.size());
    QCOMPARE(model.rowCount(), count - int(gone.size()));
    QVERIFY(last.isValid());
    QCOMPARE(last.data(Role::EndpointRole).toString(), lastKey);
    for (int i = 0; i < count; ++i) {
        const QModelIndex index = model.indexForId(uri(i));
        QCOMPARE(index.isValid(), !gone.contains(i));
        if (!index.isValid())
            continue;
        QCOMPARE(model.index(index.row(), 0), index);
        QCOMPARE(model.parent(index), QModelIndex());
        QCOMPARE(name(index), QStringLiteral("Endpoint %1").arg(i));
    }
    // And new ones still go into their sorted place
    model.addEndpoint(uri(105), QStringLiteral("Back"));
    const QModelIndex back = model.indexForId(uri(105));
    QVERIFY(back.row() > 0);
    QVERIFY(model.index(back.row() - 1, 0).data(Role::EndpointRole).toString() < back.data(Role::EndpointRole).toString());
}

void TestResourceTreeModel::endpointBatchIsOneInsertPerRun()
{
    // Given a tree with two endpoints and a resource
    ResourceStore store;
    ResourceTreeModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.addEndpoint(rid("mqtt://b.invalid:1"), QStringLiteral("B"));
    model.addEndpoint(rid("mqtt://d.invalid:1"), QStringLiteral("D"));
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    {
        // When endpoints are added in a batch: a, c1..c50 and e1..e50 (three runs around b and d)
        ResourceTreeModel::EndpointBatch batch(&model);
        for (int i = 50; i >= 1; --i) {
            model.addEndpoint(rid(QStringLiteral("mqtt://e%1.invalid:1").arg(i, 2, 10, QLatin1Char('0'))));
            model.addEndpoint(rid(QStringLiteral("mqtt://c%1.invalid:1").arg(i, 2, 10, QLatin1Char('0'))));
        }
        model.addEndpoint(rid("mqtt://a.invalid:1"), QStringLiteral("A"));
        model.addEndpoint(rid("mqtt://a.invalid:1"), QStringLiteral("A again")); // the same one
        model.setEndpointState(rid("mqtt://a.invalid:1"), QStringLiteral("connection refused"), false);
        // Then nothing shows before the batch ends
        QCOMPARE(inserted.count(), 0);
        QCOMPARE(model.rowCount(), 2);
    }
    // Then one insert per contiguous run, in sorted place, with the name and state given meanwhile
    QCOMPARE(inserted.count(), 3);
    QCOMPARE(model.rowCount(), 103);
    const QModelIndex a = model.indexForId(rid("mqtt://a.invalid:1"));
    QCOMPARE(a.row(), 0);
    QCOMPARE(name(a), QStringLiteral("A again"));
    QCOMPARE(a.data(Role::StateRole).toString(), QStringLiteral("connection refused"));
    QCOMPARE(model.indexForId(rid("mqtt://b.invalid:1")).row(), 1);
    QCOMPARE(model.indexForId(rid("mqtt://c01.invalid:1")).row(), 2);
    QCOMPARE(model.indexForId(rid("mqtt://d.invalid:1")).row(), 52);
    QCOMPARE(model.indexForId(rid("mqtt://e50.invalid:1")).row(), 102);

    // When a store batch or a removal comes during a batch, what waits goes in first
    inserted.clear();
    {
        ResourceTreeModel::EndpointBatch batch(&model);
        model.addEndpoint(rid("mqtt://f.invalid:1"), QStringLiteral("F"));
        model.addEndpoint(rid("mqtt://g.invalid:1"), QStringLiteral("G"));
        store.ingest(topics({QStringLiteral("t")}, QStringLiteral("mqtt://f.invalid:1")));
        // Then the resource is under the one row of its endpoint
        QCOMPARE(model.rowCount(), 105);
        const QModelIndex f = model.indexForId(rid("mqtt://f.invalid:1"));
        QCOMPARE(name(f), QStringLiteral("F"));
        QCOMPARE(model.rowCount(f), 1);
        model.addEndpoint(rid("mqtt://h.invalid:1"), QStringLiteral("H"));
        model.removeEndpoint(rid("mqtt://h.invalid:1"));
        QVERIFY(!model.indexForId(rid("mqtt://h.invalid:1")).isValid());
        // A child endpoint waiting with its parent goes under it
        model.addEndpoint(rid("http://parent.invalid:1"), QStringLiteral("Parent"));
        model.setEndpointParent(rid("http://child.invalid:2"), rid("http://parent.invalid:1"));
        model.addEndpoint(rid("http://child.invalid:2"), QStringLiteral("Child"));
    }
    const QModelIndex child = model.indexForId(rid("http://child.invalid:2"));
    QVERIFY(child.isValid());
    QCOMPARE(model.parent(child), model.indexForId(rid("http://parent.invalid:1")));
    QCOMPARE(model.rowCount(), 106);
}

void TestResourceTreeModel::columnsAndRoles()
{
    ResourceStore store;
    ResourceTreeModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    Update u = valueUpdate("coap://dev/temp", 21.5);
    u.metadata.edit().unit.set(QStringLiteral("Cel"), MetaSource::SenML);
    u.metadata.edit().title.set(QStringLiteral("Kitchen temperature"), MetaSource::LinkFormat);
    store.ingest({u});
    const QModelIndex temp = model.indexForId(u.id);
    auto cell = [&](int column) { return model.index(temp.row(), column, temp.parent()).data().toString(); };
    QCOMPARE(cell(ResourceTreeModel::NameColumn), QStringLiteral("temp"));
    QCOMPARE(cell(ResourceTreeModel::ValueColumn), QStringLiteral("21.5"));
    QCOMPARE(cell(ResourceTreeModel::UnitColumn), QStringLiteral("°C"));
    QVERIFY(!cell(ResourceTreeModel::LastUpdateColumn).isEmpty());
    QCOMPARE(cell(ResourceTreeModel::ProtocolColumn), QStringLiteral("COAP"));
    QCOMPARE(temp.data(Role::ResourceIdRole).toString(), QStringLiteral("coap://dev:5683/temp"));
    QCOMPARE(temp.data(Role::ProtocolRole).toString(), QStringLiteral("coap"));
    QCOMPARE(temp.data(Role::StateRole).toString(), QStringLiteral("online"));
    QCOMPARE(temp.data(Role::LastUpdateRole).toLongLong(), qint64(1000));
    QCOMPARE(temp.data(Role::EndpointRole).toString(), QStringLiteral("coap://dev:5683"));
    QCOMPARE(temp.data(Role::IsEndpointRole).toBool(), false);
    const QString tip = temp.data(Qt::ToolTipRole).toString();
    QVERIFY(tip.contains(QStringLiteral("coap://dev:5683/temp")));
    QVERIFY(tip.contains(QStringLiteral("online")));
    QVERIFY(tip.contains(QStringLiteral("Kitchen temperature")));
    QCOMPARE(model.headerData(ResourceTreeModel::LastUpdateColumn, Qt::Horizontal).toString(),
             QStringLiteral("Last update"));
    QCOMPARE(model.columnCount(), 5);
}

void TestResourceTreeModel::senmlRecordsNamedRelativeToTheBaseName()
{
    // Given a SenML pack whose records share a base name, posted as the CoAP connector does:
    // the pack on its resource, each record a child named by its full name (bn + n)
    ResourceStore store;
    ResourceTreeModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QByteArray pack = R"([{"bn":"urn:dev:energy-meter:1:","n":"voltage","u":"V","v":230.1},
                                {"n":"current","u":"A","v":1.5},
                                {"bn":"urn:dev:other:","n":"power","u":"W","v":345},
                                {"n":"","v":7}])";
    Update parent;
    parent.id = rid("coap://dev/meters/energy");
    Value packValue;
    packValue.raw = pack;
    packValue.contentFormat = ContentFormat::SenmlJson;
    packValue.decoded = QCborValue::fromJsonValue(QJsonDocument::fromJson(pack).array());
    parent.value = packValue;
    UpdateBatch batch{parent};
    for (const QString &full : {QStringLiteral("urn:dev:energy-meter:1:voltage"), QStringLiteral("urn:dev:energy-meter:1:current"),
                                QStringLiteral("urn:dev:other:power"), QStringLiteral("urn:dev:other:")}) {
        Update child = valueUpdate(QStringLiteral("coap://dev/meters/energy/") + full, 1);
        child.value->contentFormat = ContentFormat::SenmlJson;
        child.derived = true;
        batch.append(child);
    }
    // When the batch arrives
    store.ingest(batch);
    // Then each record is named by its own name, the one without a name by its full name
    const QModelIndex energy = model.indexForId(parent.id);
    QVERIFY(energy.isValid());
    QStringList names;
    for (int row = 0; row < model.rowCount(energy); ++row)
        names << name(model.index(row, 0, energy));
    names.sort();
    QCOMPARE(names, QStringList({"current", "power", "urn:dev:other:", "voltage"}));
    // and the URI still says where it comes from
    const QModelIndex voltage = model.indexForId(rid("coap://dev/meters/energy/urn:dev:energy-meter:1:voltage"));
    QCOMPARE(name(voltage), QStringLiteral("voltage"));
    QVERIFY(voltage.data(Role::ResourceIdRole).toString().endsWith(QStringLiteral("urn:dev:energy-meter:1:voltage")));
}

void TestResourceTreeModel::toolTipsAreEscapedPeerText()
{
    // Given an endpoint name, a topic and a title that look like HTML
    ResourceStore store;
    ResourceTreeModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QString hostile = QStringLiteral("<b>x</b><img src=\"file:///etc/passwd\">");
    model.addEndpoint(rid("mqtt://h"), hostile);
    UpdateBatch titled = topics({"a/<b>y</b>"});
    titled.first().metadata.edit().title.set(QStringLiteral("<i>title</i>"), MetaSource::MqttConvention);
    store.ingest(titled);
    // When their tooltips are asked for
    const QString endpointTip = model.indexForId(rid("mqtt://h")).data(Qt::ToolTipRole).toString();
    const QString topicTip = model.indexForId(titled.first().id).data(Qt::ToolTipRole).toString();
    // Then the peer text is escaped inside a rich-text wrapper, never markup of its own
    for (const QString &tip : {endpointTip, topicTip}) {
        QVERIFY2(tip.startsWith(QStringLiteral("<qt>")), qPrintable(tip));
        QVERIFY2(!tip.contains(QStringLiteral("<b>")) && !tip.contains(QStringLiteral("<img")), qPrintable(tip));
    }
    QVERIFY(endpointTip.contains(QStringLiteral("&lt;b&gt;x&lt;/b&gt;&lt;img src=&quot;file:///etc/passwd&quot;&gt;")));
    QVERIFY2(topicTip.contains(QStringLiteral("&lt;i&gt;title&lt;/i&gt;")), qPrintable(topicTip));
    // Lines stay lines
    QVERIFY(endpointTip.contains(QStringLiteral("<br/>")));
}

namespace {

// A tree with MQTT topics on one broker and CoAP paths on one device.
void fillForFiltering(ResourceStore &store)
{
    store.ingest(topics({"home/kitchen/temp", "home/hall/temp", "home/hall/humidity", "sensors", "sensors/a/b",
                         "$SYS/broker/uptime", "a/b"}));
    store.ingest(topics({"sensors/light"}, QStringLiteral("coap://dev")));
}

} // namespace

void TestResourceTreeModel::filterSubstring()
{
    // Given the filter over the tree
    ResourceStore store;
    fillForFiltering(store);
    ResourceTreeModel model(&store);
    ResourceFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    // When a substring is set, in another case
    proxy.setPattern(QStringLiteral("KITCHEN"));
    // Then matches and the path to them stay
    QCOMPARE(allPaths(&proxy), QStringList({"<mqtt://h:1883>", "home", "home/kitchen", "home/kitchen/temp"}));
    // A substring of the URI matches too
    proxy.setPattern(QStringLiteral("coap://"));
    QCOMPARE(allPaths(&proxy), QStringList({"<coap://dev:5683>", "sensors", "sensors/light"}));
    proxy.setPattern(QString());
    QCOMPARE(allPaths(&proxy), allPaths(&model));
}

void TestResourceTreeModel::filterMqttWildcard_data()
{
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QStringList>("paths");
    QTest::newRow("+ in the middle") << "home/+/temp"
                                     << QStringList({"<mqtt://h:1883>", "home", "home/hall", "home/hall/temp",
                                                     "home/kitchen", "home/kitchen/temp"});
    QTest::newRow("# alone: all but $ topics")
        << "#"
        << QStringList({"<coap://dev:5683>", "sensors", "sensors/light", "<mqtt://h:1883>", "a", "a/b", "home",
                        "home/hall", "home/hall/humidity", "home/hall/temp", "home/kitchen", "home/kitchen/temp",
                        "sensors", "sensors/a", "sensors/a/b"});
    QTest::newRow("a/# matches a itself")
        << "sensors/#"
        << QStringList({"<coap://dev:5683>", "sensors", "sensors/light", "<mqtt://h:1883>", "sensors", "sensors/a",
                        "sensors/a/b"});
    QTest::newRow("+/+") << "+/+"
                         << QStringList({"<coap://dev:5683>", "sensors", "sensors/light", "<mqtt://h:1883>", "a",
                                         "a/b", "home", "home/hall", "home/kitchen", "sensors", "sensors/a"});
    QTest::newRow("$SYS explicitly") << "$SYS/#"
                                     << QStringList({"<mqtt://h:1883>", "$SYS", "$SYS/broker", "$SYS/broker/uptime"});
    QTest::newRow("no match") << "nothing/+" << QStringList();
}

void TestResourceTreeModel::filterMqttWildcard()
{
    QFETCH(QString, pattern);
    QFETCH(QStringList, paths);
    ResourceStore store;
    fillForFiltering(store);
    ResourceTreeModel model(&store);
    ResourceFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setMode(ResourceFilterProxyModel::Mode::MqttWildcard);
    proxy.setPattern(pattern);
    QVERIFY(proxy.isValid());
    QCOMPARE(allPaths(&proxy), paths);
}

void TestResourceTreeModel::filterInvalidWildcard()
{
    ResourceStore store;
    fillForFiltering(store);
    ResourceTreeModel model(&store);
    ResourceFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy validity(&proxy, &ResourceFilterProxyModel::validityChanged);
    proxy.setMode(ResourceFilterProxyModel::Mode::MqttWildcard);
    for (const QString &bad : {QStringLiteral("sensors/#/a"), QStringLiteral("home/k+"), QStringLiteral("home#")}) {
        proxy.setPattern(bad);
        QVERIFY2(!proxy.isValid(), qPrintable(bad));
        QVERIFY(!proxy.errorString().isEmpty());
        QCOMPARE(proxy.rowCount(), 0);
    }
    QCOMPARE(validity.count(), 1);
    proxy.setPattern(QStringLiteral("a/+"));
    QVERIFY(proxy.isValid());
    QCOMPARE(validity.count(), 2);
    QCOMPARE(allPaths(&proxy), QStringList({"<mqtt://h:1883>", "a", "a/b"}));
}

void TestResourceTreeModel::filterRegex()
{
    ResourceStore store;
    fillForFiltering(store);
    ResourceTreeModel model(&store);
    ResourceFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setMode(ResourceFilterProxyModel::Mode::Regex);
    // A regular expression on the URI
    proxy.setPattern(QStringLiteral("^mqtt://[^/]+/home/.*/TEMP$"));
    QVERIFY(proxy.isValid());
    QCOMPARE(allPaths(&proxy), QStringList({"<mqtt://h:1883>", "home", "home/hall", "home/hall/temp", "home/kitchen",
                                            "home/kitchen/temp"}));
    // An invalid one matches nothing and says why
    proxy.setPattern(QStringLiteral("home/(temp"));
    QVERIFY(!proxy.isValid());
    QVERIFY(proxy.errorString().contains(QStringLiteral("position")));
    QCOMPARE(proxy.rowCount(), 0);
    // Switching mode re-checks the same pattern
    proxy.setMode(ResourceFilterProxyModel::Mode::Substring);
    QVERIFY(proxy.isValid());
    QCOMPARE(proxy.rowCount(), 0);
}

void TestResourceTreeModel::filterFollowsLiveUpdates()
{
    // Given a wildcard filter
    ResourceStore store;
    fillForFiltering(store);
    ResourceTreeModel model(&store);
    ResourceFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setMode(ResourceFilterProxyModel::Mode::MqttWildcard);
    proxy.setPattern(QStringLiteral("home/+/temp"));
    // When matching and non-matching resources arrive and go
    store.ingest(topics({"home/attic/temp", "home/attic/door", "garden/temp"}));
    store.remove({rid("mqtt://h/home/kitchen/temp")});
    // Then the filter follows
    QCOMPARE(allPaths(&proxy), QStringList({"<mqtt://h:1883>", "home", "home/attic", "home/attic/temp", "home/hall",
                                            "home/hall/temp"}));
}

namespace {

// Every row of the tree model (depth first).
QModelIndexList allRows(const QAbstractItemModel *model, const QModelIndex &parent = {})
{
    QModelIndexList rows;
    for (int row = 0; row < model->rowCount(parent); ++row) {
        const QModelIndex index = model->index(row, 0, parent);
        rows.append(index);
        rows.append(allRows(model, index));
    }
    return rows;
}

} // namespace

void TestResourceTreeModel::filterWalkSeesWhatDataShows()
{
    // Given rows whose text takes every way through the walk: plain MQTT levels, levels that
    // are percent-encoded in the URI, empty levels, a SenML-free CoAP tree with a trailing '/'
    // and a query, and two URIs on one path
    ResourceStore store;
    store.ingest(topics({"site/Dev4/temp", "site/dev40/a%20b", "site/100%25/x", "lead//empty", "/top", "trail/",
                         "$SYS/broker/dev4", "caf%C3%A9/dev4"}));
    store.ingest(topics({"sensors/dev4/", "sensors/light?unit=lx"}, QStringLiteral("coap://dev")));
    store.ingest(topics({""}, QStringLiteral("http://web")));
    store.ingest({valueUpdate("http://web", 2)});
    ResourceTreeModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    for (const QString &needle : {QStringLiteral("dev4"), QStringLiteral("DEV4/"), QStringLiteral("a b"),
                                  QStringLiteral("a%20b"), QStringLiteral("100%"), QStringLiteral("(empty)"),
                                  QStringLiteral("h:1883/site"), QStringLiteral("?unit"), QStringLiteral("é")}) {
        // When the walk checks a URI substring
        const auto substring = [&needle](const ResourceTreeModel::RowText &row) {
            return row.name.contains(needle, Qt::CaseInsensitive) || row.path.contains(needle, Qt::CaseInsensitive)
                || row.uri.contains(needle, Qt::CaseInsensitive);
        };
        const quint32 stamp = model.markMatchingRows(substring, needle);
        // Then every row answers as its Name, PathRole and ResourceIdRole say
        for (const QModelIndex &index : allRows(&model)) {
            const bool expected = index.data().toString().contains(needle, Qt::CaseInsensitive)
                || index.data(ResourceTreeModel::PathRole).toString().contains(needle, Qt::CaseInsensitive)
                || index.data(ResourceTreeModel::ResourceIdRole).toString().contains(needle, Qt::CaseInsensitive);
            const std::optional<bool> marked = model.matchedInWalk(index, stamp);
            QVERIFY(marked.has_value());
            QVERIFY2(*marked == expected, qPrintable(needle + QLatin1String(" on ")
                                                     + index.data(ResourceTreeModel::ResourceIdRole).toString()));
        }
    }
}

void TestResourceTreeModel::filterWalkInSlicesStartsOverAfterARemoval()
{
    // Given a tree larger than one slice (a slice checks its time every 512 rows)
    ResourceStore store;
    QStringList names;
    for (int i = 0; i < 3000; ++i)
        names.append(QStringLiteral("a/%1").arg(i));
    store.ingest(topics(names));
    ResourceTreeModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const auto sevens = [](const ResourceTreeModel::RowText &row) { return row.path.contains(u'7'); };
    // When a walk has done one slice with no time to spare
    const quint32 stamp = model.startMatchWalk(sevens);
    QVERIFY(!model.continueMatchWalk(stamp, 0));
    // Then nothing is answered from it yet
    const QModelIndex a = model.indexForId(rid("mqtt://h/a"));
    QVERIFY(!model.matchedInWalk(model.index(0, 0, a), stamp).has_value());
    // But a filter reads what it has marked so far: a row it matched says so, one it has not
    // reached yet says no
    QCOMPARE(model.subtreeMatchedInWalk(model.indexForId(rid("mqtt://h/a/7")), stamp), std::optional<bool>(true));
    QCOMPARE(model.subtreeMatchedInWalk(model.indexForId(rid("mqtt://h/a/2997")), stamp), std::optional<bool>(false));
    QCOMPARE(model.subtreeMatchedInWalk(a, stamp), std::optional<bool>(true));
    // When rows go while it walks, and it goes on to the end
    store.remove({rid("mqtt://h/a/7"), rid("mqtt://h/a/17"), rid("mqtt://h/a/2999")});
    int slices = 1;
    while (!model.continueMatchWalk(stamp, 0))
        ++slices;
    QVERIFY(slices > 2);
    // Then every row that is left answers right
    const QModelIndexList rows = allRows(&model);
    QCOMPARE(rows.size(), 2 + 3000 - 3); // the endpoint, "a" and the leaves
    for (const QModelIndex &index : rows) {
        const std::optional<bool> marked = model.matchedInWalk(index, stamp);
        QVERIFY(marked.has_value());
        QCOMPARE(*marked, index.data(ResourceTreeModel::PathRole).toString().contains(QLatin1Char('7')));
    }
    // A row made after the walk is not answered from it
    store.ingest(topics({"a/77777"}));
    QVERIFY(!model.matchedInWalk(model.indexForId(rid("mqtt://h/a/77777")), stamp).has_value());
    // And a new walk takes the place of the old one
    const quint32 next = model.markMatchingRows(sevens);
    QVERIFY(next != stamp);
    QVERIFY(!model.matchedInWalk(model.indexForId(rid("mqtt://h/a/70")), stamp).has_value());
    QCOMPARE(model.matchedInWalk(model.indexForId(rid("mqtt://h/a/77777")), next), std::optional<bool>(true));
}

void TestResourceTreeModel::filterShowsARowOnceAMatchArrivesBelowIt()
{
    // Given a substring filter that nothing matches yet
    ResourceStore store;
    store.ingest(topics({"a/x", "b/y"}));
    ResourceTreeModel model(&store);
    ResourceFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setPattern(QStringLiteral("zz"));
    QCOMPARE(proxy.rowCount(), 0);
    // When a match arrives below rows the walk found empty
    store.ingest(topics({"a/zz"}));
    // Then those rows show, with the match
    QTRY_COMPARE(allPaths(&proxy), QStringList({"<mqtt://h:1883>", "a", "a/zz"}));
    // And a second match below a shown row shows at once
    store.ingest(topics({"a/zz2", "c/zz"}));
    QTRY_COMPARE(allPaths(&proxy), QStringList({"<mqtt://h:1883>", "a", "a/zz", "a/zz2", "c", "c/zz"}));
    // When the matches go, rows that showed only for them go too (a/x keeps "a" in the tree)
    store.remove({rid("mqtt://h/a/zz"), rid("mqtt://h/a/zz2")});
    QCOMPARE(allPaths(&proxy), QStringList({"<mqtt://h:1883>", "c", "c/zz"}));
    store.remove({rid("mqtt://h/c/zz")});
    QCOMPARE(proxy.rowCount(), 0);
    QCOMPARE(allPaths(&model), QStringList({"<mqtt://h:1883>", "a", "a/x", "b", "b/y"}));
}

void TestResourceTreeModel::filterWalkMarksThePathToEveryMatch()
{
    // Given 10 folders of 200 leaves each
    ResourceStore store;
    QStringList names;
    for (int folder = 0; folder < 10; ++folder) {
        for (int leaf = 0; leaf < 200; ++leaf)
            names.append(QStringLiteral("f%1/dev%2").arg(folder).arg(folder * 200 + leaf));
    }
    store.ingest(topics(names));
    ResourceTreeModel model(&store);
    QAbstractItemModelTester modelTester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    // When a walk matches one leaf's topic
    int asked = 0;
    const auto one = [&asked](const ResourceTreeModel::RowText &row) {
        ++asked;
        return row.path == QLatin1String("f3/dev777");
    };
    const quint32 stamp = model.markMatchingRows(one);
    // Then each row was asked once, and every row knows whether it or a row below it matched
    const QModelIndexList rows = allRows(&model);
    QCOMPARE(rows.size(), 1 + 10 + 2000);
    QCOMPARE(asked, rows.size());
    for (const QModelIndex &index : rows) {
        const QString path = index.data(ResourceTreeModel::PathRole).toString();
        const bool onThePath = index.data(ResourceTreeModel::IsEndpointRole).toBool() || path == QLatin1String("f3")
            || path == QLatin1String("f3/dev777");
        QCOMPARE(model.subtreeMatchedInWalk(index, stamp), std::optional<bool>(onThePath));
        QCOMPARE(model.matchedInWalk(index, stamp), std::optional<bool>(path == QLatin1String("f3/dev777")));
    }
    // And the filter shows just that path, in either mode
    ResourceFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setFilter(ResourceFilterProxyModel::Mode::MqttWildcard, QStringLiteral("f3/dev777"));
    QCOMPARE(allPaths(&proxy), QStringList({"<mqtt://h:1883>", "f3", "f3/dev777"}));
    proxy.setFilter(ResourceFilterProxyModel::Mode::Substring, QStringLiteral("DEV777"));
    QCOMPARE(allPaths(&proxy), QStringList({"<mqtt://h:1883>", "f3", "f3/dev777"}));
    // A folder that matches shows all below it
    proxy.setPattern(QStringLiteral("f3"));
    QCOMPARE(allPaths(&proxy).size(), 2 + 200);
}

void TestResourceTreeModel::topicMatching_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QString>("topic");
    QTest::addColumn<bool>("matches");
    QTest::newRow("exact") << "a/b" << "a/b" << true;
    QTest::newRow("case") << "a/B" << "a/b" << false;
    QTest::newRow("# all") << "#" << "a/b/c" << true;
    QTest::newRow("# parent") << "a/#" << "a" << true;
    QTest::newRow("# not sibling") << "a/#" << "ab" << false;
    QTest::newRow("+ one level") << "+" << "a" << true;
    QTest::newRow("+ not two") << "+" << "a/b" << false;
    QTest::newRow("+ empty level") << "+/+" << "/b" << true;
    QTest::newRow("+/+ not one") << "+/+" << "a" << false;
    QTest::newRow("+/# parent") << "+/#" << "a" << true;
    QTest::newRow("$ not by #") << "#" << "$SYS/x" << false;
    QTest::newRow("$ not by +") << "+/x" << "$SYS/x" << false;
    QTest::newRow("$ explicit") << "$SYS/+" << "$SYS/x" << true;
    QTest::newRow("trailing slash") << "a/+" << "a/" << true;
}

void TestResourceTreeModel::topicMatching()
{
    QFETCH(QString, filter);
    QFETCH(QString, topic);
    QFETCH(bool, matches);
    QVERIFY(ResourceFilterProxyModel::checkTopicFilter(filter).isEmpty());
    QCOMPARE(ResourceFilterProxyModel::topicMatches(filter.split(QLatin1Char('/')), topic), matches);
}

QTEST_GUILESS_MAIN(TestResourceTreeModel)
#include "tst_resourcetreemodel.moc"
