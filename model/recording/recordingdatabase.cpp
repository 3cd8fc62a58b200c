#include "recordingdatabase.h"

#include "recordingconfig.h"

#include <QAtomicInteger>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QUrl>
#include <QUrlQuery>
#include <QVariant>

#include <sqlite3.h>

#include <cmath>
#include <limits>

namespace thingscape {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("recording", text);
}

constexpr char kApplication[] = "thingscape-recording";

QAtomicInteger<quint64> nextConnection = 0;

// Schema DDL written once for both databases: {ID} a generated key, {BLOB} bytes, {REAL}
// a double, {BIGINT} 64 bits.
QString ddl(const QString &text, bool postgres)
{
    QString out = text;
    out.replace(QLatin1String("{ID}"), postgres ? QLatin1String("BIGSERIAL PRIMARY KEY") : QLatin1String("INTEGER PRIMARY KEY"));
    out.replace(QLatin1String("{BLOB}"), postgres ? QLatin1String("BYTEA") : QLatin1String("BLOB"));
    out.replace(QLatin1String("{REAL}"), postgres ? QLatin1String("DOUBLE PRECISION") : QLatin1String("REAL"));
    out.replace(QLatin1String("{BIGINT}"), postgres ? QLatin1String("BIGINT") : QLatin1String("INTEGER"));
    return out;
}

// migrations[i] takes a database from schema version i to i + 1 (0: an empty database).
const QList<QStringList> &migrations()
{
    static const QList<QStringList> steps{
        {
            QStringLiteral("CREATE TABLE schema_version (version INTEGER NOT NULL, application TEXT NOT NULL)"),
            QStringLiteral("CREATE TABLE resources (id {ID}, uri TEXT NOT NULL UNIQUE, metadata TEXT)"),
            QStringLiteral("CREATE TABLE causes (id {ID}, kind INTEGER NOT NULL, source TEXT NOT NULL, depth INTEGER NOT NULL)"),
            QStringLiteral("CREATE TABLE messages (id {ID}, time_ms {BIGINT} NOT NULL, resource {BIGINT} NOT NULL,"
                           " direction INTEGER NOT NULL, cause {BIGINT}, content_format INTEGER, number {REAL}, raw {BLOB})"),
            QStringLiteral("CREATE INDEX messages_resource_time ON messages (resource, time_ms)"),
            QStringLiteral("INSERT INTO schema_version (version, application) VALUES (0, '%1')").arg(QLatin1String(kApplication)),
        },
        // 2: the numbers in the index, so a decimated chart query never touches the table.
        {
            QStringLiteral("CREATE INDEX messages_resource_time_number ON messages (resource, time_ms, number)"),
            QStringLiteral("DROP INDEX messages_resource_time"),
        },
        // 3: times relative to the database's own base (see kBaseAhead), so that they take 4
        // bytes in the row and in the index instead of 6. An older database keeps base 0.
        {
            QStringLiteral("ALTER TABLE schema_version ADD COLUMN time_base {BIGINT} NOT NULL DEFAULT 0"),
        },
    };
    return steps;
}

// A new database's time base lies this far after its creation: SQLite stores integers within
// +-2^31 in 4 bytes, so times from a day before creation to about 48 days after it take 4
// bytes (then 6, as absolute times always did; PostgreSQL's BIGINT takes 8 either way).
constexpr qint64 kBaseAhead = (qint64(1) << 31) - 86400000;

// A time in ms since the epoch as stored (relative to base), saturated: queries pass the
// extremes of qint64 for "no bound".
qint64 stored(qint64 ms, qint64 base)
{
    if (ms < std::numeric_limits<qint64>::min() + std::max<qint64>(0, base))
        return std::numeric_limits<qint64>::min();
    return ms - base;
}

QString causeKey(const Cause &cause)
{
    return QStringLiteral("%1\n%2\n%3").arg(int(cause.kind)).arg(cause.source).arg(cause.depth);
}

QString sqlError(const QSqlError &error)
{
    QString text = error.databaseText().trimmed();
    if (text.isEmpty())
        text = error.text().trimmed();
    return text;
}

} // namespace

RecordingDatabase::RecordingDatabase()
    : m_connection(QStringLiteral("thingscape-recording-%1").arg(nextConnection.fetchAndAddRelaxed(1)))
{
}

RecordingDatabase::~RecordingDatabase()
{
    close();
}

int RecordingDatabase::latestSchemaVersion()
{
    return int(migrations().size());
}

QString RecordingDatabase::fail(const QString &what, const QString &why) const
{
    return tr("Recording %1: %2: %3").arg(m_name, what, why);
}

bool RecordingDatabase::open(const QString &database, const QString &password, bool create, QString *error)
{
    close();
    // The connection's handles are gone before close() removes it.
    if (!openConnection(database, password, create, error)) {
        close();
        return false;
    }
    return true;
}

bool RecordingDatabase::openConnection(const QString &database, const QString &password, bool create, QString *error)
{
    m_postgres = RecordingConfig::isPostgresTarget(database);
    const QString driver = m_postgres ? QStringLiteral("QPSQL") : QStringLiteral("QSQLITE");
    if (!QSqlDatabase::isDriverAvailable(driver)) {
        *error = tr("Cannot record into %1: the Qt SQL driver %2 is not installed (Debian: %3)")
                     .arg(database, driver, m_postgres ? QStringLiteral("libqt6sql6-psql") : QStringLiteral("libqt6sql6-sqlite"));
        return false;
    }
    QSqlDatabase db = QSqlDatabase::addDatabase(driver, m_connection);
    if (m_postgres) {
        QStringList options;
        QString user;
        QString pass = password;
        if (database.contains(QLatin1String("://"))) {
            const QUrl url(database);
            db.setHostName(url.host());
            if (url.port() > 0)
                db.setPort(url.port());
            db.setDatabaseName(url.path().mid(1));
            user = url.userName();
            if (!url.password().isEmpty())
                pass = url.password();
            const QUrlQuery query(url);
            for (const auto &item : query.queryItems())
                options.append(item.first + QLatin1Char('=') + item.second);
            m_name = QStringLiteral("postgresql://%1%2:%3/%4")
                         .arg(user.isEmpty() ? QString() : user + QLatin1Char('@'), url.host())
                         .arg(url.port(5432))
                         .arg(url.path().mid(1));
        } else {
            for (const QString &item : database.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
                const QString key = item.section(QLatin1Char('='), 0, 0);
                const QString value = item.section(QLatin1Char('='), 1);
                if (key == QLatin1String("host"))
                    db.setHostName(value);
                else if (key == QLatin1String("port"))
                    db.setPort(value.toInt());
                else if (key == QLatin1String("dbname"))
                    db.setDatabaseName(value);
                else if (key == QLatin1String("user"))
                    user = value;
                else if (key == QLatin1String("password"))
                    pass = value;
                else
                    options.append(item);
            }
            m_name = QStringLiteral("postgresql://%1%2:%3/%4")
                         .arg(user.isEmpty() ? QString() : user + QLatin1Char('@'), db.hostName())
                         .arg(db.port() > 0 ? db.port() : 5432)
                         .arg(db.databaseName());
        }
        db.setUserName(user);
        db.setPassword(pass);
        if (!options.isEmpty())
            db.setConnectOptions(options.join(QLatin1Char(';')));
    } else {
        m_path = database;
        m_name = QDir::toNativeSeparators(database);
        const QFileInfo info(database);
        if (!info.exists() && !create) {
            *error = fail(tr("cannot open"), tr("no such file"));
            return false;
        }
        if (info.exists() && !info.isFile()) {
            *error = fail(tr("cannot open"), tr("not a file"));
            return false;
        }
        if (!info.exists() && !QDir().mkpath(info.absolutePath())) {
            *error = fail(tr("cannot create"), tr("cannot make the folder %1").arg(info.absolutePath()));
            return false;
        }
        db.setDatabaseName(database);
        // Never wait long for a lock: another process writing keeps us out with a message.
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=2000"));
    }
    if (!db.open()) {
        *error = fail(tr("cannot open"), sqlError(db.lastError()));
        return false;
    }
    if (!ensureSchema(create, error) || !loadIds(error)) {
        return false;
    }
    if (!m_postgres) {
        const QVariant handle = db.driver()->handle();
        if (handle.isValid() && qstrcmp(handle.typeName(), "sqlite3*") == 0)
            m_sqlite = *static_cast<sqlite3 *const *>(handle.constData());
    }
    // For tests: a file that cannot grow past this many pages, so a write meets SQLite's real
    // "database or disk is full" (SQLITE_FULL) as on a full disk.
    if (!m_postgres && qEnvironmentVariableIsSet("THINGSCAPE_RECORDING_MAX_PAGES")) {
        QSqlQuery(db).exec(QStringLiteral("PRAGMA max_page_count = %1").arg(qEnvironmentVariableIntValue("THINGSCAPE_RECORDING_MAX_PAGES")));
    }
    return true;
}

void RecordingDatabase::close()
{
    m_insert.reset();
    m_insertMany.reset();
    sqlite3_finalize(m_sqliteInsert);
    sqlite3_finalize(m_sqliteResource);
    m_sqliteInsert = nullptr;
    m_sqliteResource = nullptr;
    m_sqlite = nullptr;
    m_resourceIds.clear();
    m_resourceUris.clear();
    m_causeIds.clear();
    m_causes.clear();
    m_lastCauseId = -1;
    m_version = 0;
    m_timeBase = 0;
    m_rows = -1;
    if (QSqlDatabase::contains(m_connection)) {
        {
            QSqlDatabase db = QSqlDatabase::database(m_connection, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_connection);
    }
}

bool RecordingDatabase::isOpen() const
{
    return QSqlDatabase::contains(m_connection) && QSqlDatabase::database(m_connection, false).isOpen();
}

bool RecordingDatabase::ensureSchema(bool create, QString *error)
{
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    // Read before anything writes: a foreign file or database is left exactly as it was.
    QSqlQuery query(db);
    const QString tables = m_postgres
        ? QStringLiteral("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")
        : QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table'");
    if (!query.exec(tables)) {
        const QString why = sqlError(query.lastError());
        *error = m_postgres ? fail(tr("cannot read"), why)
                            : fail(tr("refused"), tr("the file is not a SQLite database or is damaged (%1)").arg(why));
        return false;
    }
    QStringList names;
    while (query.next())
        names.append(query.value(0).toString());
    query.finish();
    if (names.contains(QLatin1String("schema_version"))) {
        if (!query.exec(QStringLiteral("SELECT version, application FROM schema_version")) || !query.next()) {
            *error = fail(tr("refused"), tr("its schema version cannot be read (%1)").arg(sqlError(query.lastError())));
            return false;
        }
        m_version = query.value(0).toInt();
        const QString application = query.value(1).toString();
        query.finish();
        if (application != QLatin1String(kApplication)) {
            *error = fail(tr("refused"), tr("it belongs to another application (\"%1\")").arg(application));
            return false;
        }
        if (m_version > latestSchemaVersion()) {
            *error = fail(tr("refused"), tr("it was written by a newer Thingscape (schema %1; this one knows up to %2)")
                                             .arg(m_version)
                                             .arg(latestSchemaVersion()));
            return false;
        }
    } else {
        const QStringList own{QStringLiteral("resources"), QStringLiteral("causes"), QStringLiteral("messages")};
        QStringList foreign;
        for (const QString &name : std::as_const(names)) {
            if (!name.startsWith(QLatin1String("sqlite_")))
                foreign.append(name);
        }
        if (!foreign.isEmpty()) {
            *error = fail(tr("refused"), tr("it is not a Thingscape recording (it holds the tables %1)").arg(foreign.join(QStringLiteral(", "))));
            return false;
        }
        if (!create) {
            *error = fail(tr("refused"), tr("it holds no recording"));
            return false;
        }
        m_version = 0;
    }
    if (!m_postgres) {
        // WAL: readers (an export, the history browser) never block the recorder; NORMAL sync
        // keeps every committed batch through a killed process.
        if (!query.exec(QStringLiteral("PRAGMA journal_mode=WAL")) || !query.exec(QStringLiteral("PRAGMA synchronous=NORMAL"))) {
            *error = fail(tr("cannot open"), sqlError(query.lastError()));
            return false;
        }
        query.finish();
    }
    if (m_version < latestSchemaVersion() && !migrate(m_version, error))
        return false;
    if (!query.exec(QStringLiteral("SELECT time_base FROM schema_version")) || !query.next()) {
        *error = fail(tr("cannot read"), sqlError(query.lastError()));
        return false;
    }
    m_timeBase = query.value(0).toLongLong();
    return true;
}

bool RecordingDatabase::migrate(int from, QString *error)
{
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    if (!db.transaction()) {
        *error = fail(tr("cannot update the schema"), sqlError(db.lastError()));
        return false;
    }
    QSqlQuery query(db);
    for (int version = from; version < latestSchemaVersion(); ++version) {
        for (const QString &statement : migrations().at(version)) {
            if (!query.exec(ddl(statement, m_postgres))) {
                *error = fail(tr("cannot update the schema to version %1").arg(version + 1), sqlError(query.lastError()));
                db.rollback();
                return false;
            }
        }
    }
    if (from < 3) {
        // Only a database without messages gets a base: the rows of an older one stay as they are.
        query.prepare(QStringLiteral("UPDATE schema_version SET time_base = ? WHERE NOT EXISTS (SELECT 1 FROM messages)"));
        query.addBindValue(QDateTime::currentMSecsSinceEpoch() + kBaseAhead);
        if (!query.exec()) {
            *error = fail(tr("cannot update the schema to version %1").arg(3), sqlError(query.lastError()));
            db.rollback();
            return false;
        }
    }
    if (!query.exec(QStringLiteral("UPDATE schema_version SET version = %1").arg(latestSchemaVersion())) || !db.commit()) {
        *error = fail(tr("cannot update the schema"), sqlError(query.lastError()));
        db.rollback();
        return false;
    }
    m_version = latestSchemaVersion();
    return true;
}

bool RecordingDatabase::loadIds(QString *error)
{
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    query.setForwardOnly(true);
    if (!query.exec(QStringLiteral("SELECT id, uri FROM resources"))) {
        *error = fail(tr("cannot read"), sqlError(query.lastError()));
        return false;
    }
    while (query.next()) {
        m_resourceIds.insert(query.value(1).toString(), query.value(0).toLongLong());
        m_resourceUris.insert(query.value(0).toLongLong(), query.value(1).toString());
    }
    if (!query.exec(QStringLiteral("SELECT id, kind, source, depth FROM causes"))) {
        *error = fail(tr("cannot read"), sqlError(query.lastError()));
        return false;
    }
    while (query.next()) {
        const Cause cause{CauseKind(query.value(1).toInt()), query.value(2).toString(), query.value(3).toInt()};
        m_causeIds.insert(causeKey(cause), query.value(0).toLongLong());
        m_causes.insert(query.value(0).toLongLong(), cause);
    }
    return true;
}

std::optional<qint64> RecordingDatabase::resourceId(const QString &uri, QString *error)
{
    const auto found = m_resourceIds.constFind(uri);
    if (found != m_resourceIds.constEnd())
        return *found;
    // A new resource whose metadata came with the batch takes it into its row.
    QByteArray metadata;
    if (m_newMetadata) {
        const auto known = m_newMetadata->find(uri);
        if (known != m_newMetadata->end()) {
            metadata = *known;
            m_newMetadata->erase(known);
        }
    }
    if (m_sqlite) {
        // Prepared once: a new resource costs an insert, not a parse.
        if (!m_sqliteResource
            && sqlite3_prepare_v3(m_sqlite, "INSERT INTO resources (uri, metadata) VALUES (?, ?)", -1, SQLITE_PREPARE_PERSISTENT,
                                  &m_sqliteResource, nullptr)
                != SQLITE_OK) {
            *error = QString::fromUtf8(sqlite3_errmsg(m_sqlite));
            return std::nullopt;
        }
        const QByteArray utf8 = uri.toUtf8();
        sqlite3_bind_text(m_sqliteResource, 1, utf8.constData(), int(utf8.size()), SQLITE_STATIC);
        if (!metadata.isEmpty())
            sqlite3_bind_text(m_sqliteResource, 2, metadata.constData(), int(metadata.size()), SQLITE_STATIC);
        const int rc = sqlite3_step(m_sqliteResource);
        sqlite3_reset(m_sqliteResource);
        sqlite3_clear_bindings(m_sqliteResource);
        if (rc != SQLITE_DONE) {
            *error = QString::fromUtf8(sqlite3_errmsg(m_sqlite));
            return std::nullopt;
        }
        const qint64 id = sqlite3_last_insert_rowid(m_sqlite);
        m_resourceIds.insert(uri, id);
        m_resourceUris.insert(id, uri);
        return id;
    }
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    query.prepare(QStringLiteral("INSERT INTO resources (uri, metadata) VALUES (?, ?) RETURNING id"));
    query.addBindValue(uri);
    query.addBindValue(metadata.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(QString::fromUtf8(metadata)));
    if (!query.exec() || !query.next()) {
        *error = sqlError(query.lastError());
        return std::nullopt;
    }
    const qint64 id = query.value(0).toLongLong();
    m_resourceIds.insert(uri, id);
    m_resourceUris.insert(id, uri);
    return id;
}

std::optional<qint64> RecordingDatabase::causeId(const Cause &cause, QString *error)
{
    // Nearly every message of a batch has the cause of the one before.
    if (m_lastCauseId >= 0 && cause == m_lastCause)
        return m_lastCauseId;
    const QString key = causeKey(cause);
    const auto found = m_causeIds.constFind(key);
    if (found != m_causeIds.constEnd())
        return *found;
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    query.prepare(QStringLiteral("INSERT INTO causes (kind, source, depth) VALUES (?, ?, ?) RETURNING id"));
    query.addBindValue(int(cause.kind));
    query.addBindValue(cause.source.isNull() ? QStringLiteral("") : cause.source);
    query.addBindValue(cause.depth);
    if (!query.exec() || !query.next()) {
        *error = sqlError(query.lastError());
        return std::nullopt;
    }
    const qint64 id = query.value(0).toLongLong();
    m_causeIds.insert(key, id);
    m_causes.insert(id, cause);
    return id;
}

bool RecordingDatabase::write(const QList<RecordedMessage> &messages, QString *error)
{
    return write(messages, {}, error);
}

bool RecordingDatabase::write(const QList<RecordedMessage> &messages, const QList<RecordedResourceMetadata> &metadata,
                              QString *error)
{
    if (messages.isEmpty() && metadata.isEmpty())
        return true;
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    if (!db.transaction()) {
        *error = fail(tr("cannot write"), sqlError(db.lastError()));
        return false;
    }
    // Ids interned in a batch that is rolled back are forgotten with it.
    const auto resourceIds = m_resourceIds;
    const auto resourceUris = m_resourceUris;
    const auto causeIds = m_causeIds;
    const auto causes = m_causes;
    auto rollback = [&](const QString &why) {
        db.rollback();
        m_lastCauseId = -1;
        m_resourceIds = resourceIds;
        m_resourceUris = resourceUris;
        m_causeIds = causeIds;
        m_causes = causes;
        m_insert.reset();
        m_insertMany.reset();
        *error = fail(tr("cannot write"), why);
        return false;
    };
    QString why;
    QHash<QString, QByteArray> newMetadata;
    for (const RecordedResourceMetadata &item : metadata)
        newMetadata.insert(item.uri, item.json);
    m_newMetadata = newMetadata.isEmpty() ? nullptr : &newMetadata;
    const bool inserted = m_sqlite ? insertRowsSqlite(messages, &why) : insertRowsSql(messages, &why);
    m_newMetadata = nullptr;
    // What the rows did not take is for resources already there (or not recorded at all).
    if (!inserted || !updateMetadata(newMetadata, &why))
        return rollback(why);
    if (!db.commit())
        return rollback(sqlError(db.lastError()));
    if (m_rows >= 0)
        m_rows += messages.size();
    return true;
}

bool RecordingDatabase::updateMetadata(const QHash<QString, QByteArray> &metadata, QString *why)
{
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    for (auto it = metadata.begin(); it != metadata.end(); ++it) {
        const auto id = m_resourceIds.constFind(it.key());
        if (id == m_resourceIds.constEnd())
            continue;
        query.prepare(QStringLiteral("UPDATE resources SET metadata = ? WHERE id = ?"));
        query.addBindValue(it->isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(QString::fromUtf8(*it)));
        query.addBindValue(*id);
        if (!query.exec()) {
            *why = sqlError(query.lastError());
            return false;
        }
    }
    return true;
}

std::optional<QJsonObject> RecordingDatabase::metadata(const QString &uri, QString *error)
{
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    query.prepare(QStringLiteral("SELECT metadata FROM resources WHERE uri = ?"));
    query.addBindValue(uri);
    if (!query.exec()) {
        *error = fail(tr("cannot read"), sqlError(query.lastError()));
        return std::nullopt;
    }
    if (!query.next()) {
        *error = fail(tr("cannot read"), tr("%1 is not in the recording").arg(uri));
        return std::nullopt;
    }
    if (query.isNull(0))
        return QJsonObject();
    QJsonParseError parse;
    const QJsonDocument document = QJsonDocument::fromJson(query.value(0).toString().toUtf8(), &parse);
    if (!document.isObject()) {
        *error = fail(tr("cannot read the metadata of %1").arg(uri), parse.error != QJsonParseError::NoError
                                                                         ? parse.errorString()
                                                                         : tr("not a JSON object"));
        return std::nullopt;
    }
    return document.object();
}

bool RecordingDatabase::internIds(const RecordedMessage &message, qint64 *resource, qint64 *cause, QString *why)
{
    const std::optional<qint64> resourceFound = resourceId(message.uri, why);
    if (!resourceFound)
        return false;
    const std::optional<qint64> causeFound = causeId(message.cause, why);
    if (!causeFound)
        return false;
    m_lastCause = message.cause;
    m_lastCauseId = *causeFound;
    *resource = *resourceFound;
    *cause = *causeFound;
    return true;
}

bool RecordingDatabase::insertRowsSqlite(const QList<RecordedMessage> &messages, QString *why)
{
    if (!m_sqliteInsert
        && sqlite3_prepare_v3(m_sqlite,
                              "INSERT INTO messages (time_ms, resource, direction, cause, content_format, number, raw)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?)",
                              -1, SQLITE_PREPARE_PERSISTENT, &m_sqliteInsert, nullptr)
            != SQLITE_OK) {
        *why = QString::fromUtf8(sqlite3_errmsg(m_sqlite));
        return false;
    }
    sqlite3_stmt *insert = m_sqliteInsert;
    for (const RecordedMessage &message : messages) {
        qint64 resource = 0;
        qint64 cause = 0;
        if (!internIds(message, &resource, &cause, why))
            return false;
        sqlite3_bind_int64(insert, 1, stored(message.timeMs, m_timeBase));
        sqlite3_bind_int64(insert, 2, resource);
        sqlite3_bind_int(insert, 3, message.direction == Direction::Out ? 1 : 0);
        sqlite3_bind_int64(insert, 4, cause);
        if (message.contentFormat >= 0)
            sqlite3_bind_int(insert, 5, message.contentFormat);
        else
            sqlite3_bind_null(insert, 5);
        if (message.number)
            sqlite3_bind_double(insert, 6, *message.number);
        else
            sqlite3_bind_null(insert, 6);
        // The bytes live until the step below; an empty payload is an empty blob, not NULL.
        if (message.raw.isEmpty())
            sqlite3_bind_zeroblob(insert, 7, 0);
        else
            sqlite3_bind_blob(insert, 7, message.raw.constData(), int(message.raw.size()), SQLITE_STATIC);
        const int rc = sqlite3_step(insert);
        sqlite3_reset(insert);
        if (rc != SQLITE_DONE) {
            *why = QString::fromUtf8(sqlite3_errmsg(m_sqlite));
            sqlite3_clear_bindings(insert);
            return false;
        }
    }
    sqlite3_clear_bindings(insert);
    return true;
}

bool RecordingDatabase::insertRowsSql(const QList<RecordedMessage> &messages, QString *why)
{
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    // Rows go kRowsPerStatement to a statement: one exec per row costs more than the insert.
    constexpr int kRowsPerStatement = 32;
    const QString insert = QStringLiteral("INSERT INTO messages (time_ms, resource, direction, cause, content_format, number, raw) VALUES ");
    const QString row = QStringLiteral("(?, ?, ?, ?, ?, ?, ?)");
    if (!m_insert) {
        m_insert = std::make_unique<QSqlQuery>(db);
        if (!m_insert->prepare(insert + row)) {
            *why = sqlError(m_insert->lastError());
            return false;
        }
        QStringList rows;
        for (int i = 0; i < kRowsPerStatement; ++i)
            rows.append(row);
        m_insertMany = std::make_unique<QSqlQuery>(db);
        if (!m_insertMany->prepare(insert + rows.join(QStringLiteral(", ")))) {
            *why = sqlError(m_insertMany->lastError());
            return false;
        }
    }
    auto bind = [&](QSqlQuery *query, int base, const RecordedMessage &message) {
        qint64 resource = 0;
        qint64 cause = 0;
        if (!internIds(message, &resource, &cause, why))
            return false;
        query->bindValue(base, stored(message.timeMs, m_timeBase));
        query->bindValue(base + 1, resource);
        query->bindValue(base + 2, message.direction == Direction::Out ? 1 : 0);
        query->bindValue(base + 3, cause);
        query->bindValue(base + 4, message.contentFormat >= 0 ? QVariant(message.contentFormat) : QVariant(QMetaType::fromType<int>()));
        query->bindValue(base + 5, message.number ? QVariant(*message.number) : QVariant(QMetaType::fromType<double>()));
        query->bindValue(base + 6, message.raw.isNull() ? QByteArray("") : message.raw);
        return true;
    };
    qsizetype at = 0;
    while (at < messages.size()) {
        const bool many = messages.size() - at >= kRowsPerStatement;
        QSqlQuery *query = many ? m_insertMany.get() : m_insert.get();
        const int n = many ? kRowsPerStatement : 1;
        for (int i = 0; i < n; ++i) {
            if (!bind(query, i * 7, messages.at(at + i)))
                return false;
        }
        if (!query->exec()) {
            *why = sqlError(query->lastError());
            return false;
        }
        at += n;
    }
    return true;
}

qint64 RecordingDatabase::rowCount(QString *error)
{
    if (m_rows >= 0)
        return m_rows;
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    if (!query.exec(QStringLiteral("SELECT count(*) FROM messages")) || !query.next()) {
        if (error)
            *error = fail(tr("cannot read"), sqlError(query.lastError()));
        return -1;
    }
    m_rows = query.value(0).toLongLong();
    return m_rows;
}

qint64 RecordingDatabase::sizeBytes()
{
    if (!m_postgres) {
        return QFileInfo(m_path).size() + QFileInfo(m_path + QStringLiteral("-wal")).size();
    }
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    if (!query.exec(QStringLiteral("SELECT pg_total_relation_size('messages') + pg_total_relation_size('resources')"
                                   " + pg_total_relation_size('causes')"))
        || !query.next())
        return -1;
    return query.value(0).toLongLong();
}

qint64 RecordingDatabase::usedBytes()
{
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    if (!m_postgres) {
        qint64 values[3] = {0, 0, 0};
        const char *pragmas[3] = {"PRAGMA page_count", "PRAGMA freelist_count", "PRAGMA page_size"};
        for (int i = 0; i < 3; ++i) {
            if (!query.exec(QLatin1String(pragmas[i])) || !query.next())
                return -1;
            values[i] = query.value(0).toLongLong();
        }
        return (values[0] - values[1]) * values[2];
    }
    // Deleted rows keep their space until a vacuum reuses it: count the live share.
    if (!query.exec(QStringLiteral("SELECT pg_total_relation_size('messages'), n_live_tup, n_dead_tup"
                                   " FROM pg_stat_user_tables WHERE relname = 'messages'"))
        || !query.next())
        return -1;
    const double total = query.value(0).toDouble();
    const double live = query.value(1).toDouble();
    const double dead = query.value(2).toDouble();
    return live + dead > 0 ? qint64(total * live / (live + dead)) : qint64(total);
}

QStringList RecordingDatabase::resources(QString *error)
{
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    if (!query.exec(QStringLiteral("SELECT uri FROM resources ORDER BY uri"))) {
        if (error)
            *error = fail(tr("cannot read"), sqlError(query.lastError()));
        return {};
    }
    QStringList uris;
    while (query.next())
        uris.append(query.value(0).toString());
    return uris;
}

QString RecordingDatabase::resourceFilter(const QStringList &uris, QStringList *bound)
{
    Q_UNUSED(bound);
    if (uris.isEmpty())
        return {};
    QStringList ids;
    for (const QString &uri : uris) {
        const auto found = m_resourceIds.constFind(uri);
        ids.append(found == m_resourceIds.constEnd() ? QStringLiteral("-1") : QString::number(*found));
    }
    return QStringLiteral(" AND resource IN (%1)").arg(ids.join(QLatin1Char(',')));
}

std::optional<QList<RecordedMessage>> RecordingDatabase::messages(const QString &uri, qint64 fromMs, qint64 toMs, int limit,
                                                                  QString *error)
{
    QList<RecordedMessage> found;
    const bool ok = forEach({uri}, fromMs, toMs,
                            [&](const RecordedMessage &message) {
                                found.append(message);
                                return limit < 0 || found.size() < limit;
                            },
                            error);
    if (!ok)
        return std::nullopt;
    return found;
}

std::optional<qint64> RecordingDatabase::count(const QStringList &uris, qint64 fromMs, qint64 toMs, QString *error)
{
    if (!loadIds(error))
        return std::nullopt;
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    query.prepare(QStringLiteral("SELECT count(*) FROM messages WHERE time_ms >= ? AND time_ms <= ?") + resourceFilter(uris, nullptr));
    query.addBindValue(stored(fromMs, m_timeBase));
    query.addBindValue(stored(toMs, m_timeBase));
    if (!query.exec() || !query.next()) {
        *error = fail(tr("cannot read"), sqlError(query.lastError()));
        return std::nullopt;
    }
    return query.value(0).toLongLong();
}

bool RecordingDatabase::forEach(const QStringList &uris, qint64 fromMs, qint64 toMs,
                                const std::function<bool(const RecordedMessage &)> &visit, QString *error, qint64 afterId,
                                Order order)
{
    Q_ASSERT(order == Order::Arrival || afterId == 0);
    // Another process (the recorder) may have added resources since we looked.
    if (!uris.isEmpty()) {
        bool missing = false;
        for (const QString &uri : uris)
            missing = missing || !m_resourceIds.contains(uri);
        if (missing && !loadIds(error))
            return false;
    }
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT id, time_ms, resource, direction, cause, content_format, number, raw FROM messages"
                                 " WHERE time_ms >= ? AND time_ms <= ? AND id > ?")
                  + resourceFilter(uris, nullptr)
                  + (order == Order::Time ? QStringLiteral(" ORDER BY time_ms, id") : QStringLiteral(" ORDER BY id")));
    query.addBindValue(stored(fromMs, m_timeBase));
    query.addBindValue(stored(toMs, m_timeBase));
    query.addBindValue(afterId);
    if (!query.exec()) {
        *error = fail(tr("cannot read"), sqlError(query.lastError()));
        return false;
    }
    while (query.next()) {
        RecordedMessage message;
        message.id = query.value(0).toLongLong();
        message.timeMs = query.value(1).toLongLong() + m_timeBase;
        const qint64 resource = query.value(2).toLongLong();
        const qint64 cause = query.value(4).toLongLong();
        if ((!m_resourceUris.contains(resource) || (!query.isNull(4) && !m_causes.contains(cause))) && !loadIds(error))
            return false;
        message.uri = m_resourceUris.value(resource);
        message.direction = query.value(3).toInt() == 1 ? Direction::Out : Direction::In;
        message.cause = m_causes.value(cause);
        message.contentFormat = query.isNull(5) ? -1 : query.value(5).toInt();
        if (!query.isNull(6))
            message.number = query.value(6).toDouble();
        message.raw = query.value(7).toByteArray();
        if (!visit(message))
            return true;
    }
    if (query.lastError().isValid()) {
        *error = fail(tr("cannot read"), sqlError(query.lastError()));
        return false;
    }
    return true;
}

std::optional<QHash<QString, QList<RecordedBucket>>> RecordingDatabase::decimated(const QStringList &uris, qint64 fromMs,
                                                                                  qint64 toMs, int buckets, QString *error)
{
    if (!loadIds(error))
        return std::nullopt;
    const qint64 width = std::max<qint64>(1, (toMs - fromMs + 1 + buckets - 1) / std::max(1, buckets));
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT resource, (time_ms - ?) / ? AS bucket, min(time_ms), min(number), max(number),"
                                 " avg(number), count(number) FROM messages WHERE time_ms >= ? AND time_ms <= ?"
                                 " AND number IS NOT NULL")
                  + resourceFilter(uris, nullptr) + QStringLiteral(" GROUP BY resource, bucket ORDER BY resource, bucket"));
    query.addBindValue(stored(fromMs, m_timeBase));
    query.addBindValue(width);
    query.addBindValue(stored(fromMs, m_timeBase));
    query.addBindValue(stored(toMs, m_timeBase));
    if (!query.exec()) {
        *error = fail(tr("cannot read"), sqlError(query.lastError()));
        return std::nullopt;
    }
    QHash<QString, QList<RecordedBucket>> series;
    while (query.next()) {
        RecordedBucket bucket;
        bucket.timeMs = query.value(2).toLongLong() + m_timeBase;
        bucket.min = query.value(3).toDouble();
        bucket.max = query.value(4).toDouble();
        bucket.mean = query.value(5).toDouble();
        bucket.count = query.value(6).toLongLong();
        series[m_resourceUris.value(query.value(0).toLongLong())].append(bucket);
    }
    return series;
}

bool RecordingDatabase::deleteOldest(qint64 rows, QString *error)
{
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    query.prepare(QStringLiteral("DELETE FROM messages WHERE id IN (SELECT id FROM messages ORDER BY id LIMIT ?)"));
    query.addBindValue(rows);
    if (!query.exec()) {
        *error = fail(tr("cannot apply retention"), sqlError(query.lastError()));
        return false;
    }
    if (m_rows >= 0)
        m_rows = std::max<qint64>(0, m_rows - query.numRowsAffected());
    return true;
}

std::optional<qint64> RecordingDatabase::enforceRetention(qint64 olderThanMs, qint64 maxBytes, QString *error)
{
    constexpr qint64 kChunk = 20000; // short transactions: the recorder's batches go between them
    qint64 deleted = 0;
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    if (olderThanMs > 0) {
        // Rows arrive in time order (near enough): delete from the oldest id while it is too old.
        for (;;) {
            QSqlQuery query(db);
            query.prepare(QStringLiteral("DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE time_ms < ?"
                                         " ORDER BY id LIMIT ?)"));
            query.addBindValue(stored(olderThanMs, m_timeBase));
            query.addBindValue(kChunk);
            QSqlQuery oldest(db);
            if (!oldest.exec(QStringLiteral("SELECT time_ms FROM messages ORDER BY id LIMIT 1"))) {
                *error = fail(tr("cannot apply retention"), sqlError(oldest.lastError()));
                return std::nullopt;
            }
            if (!oldest.next() || oldest.value(0).toLongLong() >= stored(olderThanMs, m_timeBase))
                break;
            oldest.finish();
            if (!query.exec()) {
                *error = fail(tr("cannot apply retention"), sqlError(query.lastError()));
                return std::nullopt;
            }
            const qint64 n = query.numRowsAffected();
            deleted += n;
            if (m_rows >= 0)
                m_rows = std::max<qint64>(0, m_rows - n);
            if (n < kChunk)
                break;
        }
    }
    if (maxBytes > 0) {
        // PostgreSQL's live-row statistics lag: one round per call there, the next call goes on.
        for (int round = 0; round < (m_postgres ? 1 : 1000); ++round) {
            const qint64 used = usedBytes();
            if (used <= maxBytes)
                break;
            const qint64 rows = rowCount(error);
            if (rows <= 0)
                break;
            // Down to 90% of the limit, so it is not enforced again with every batch.
            const double share = double(used - maxBytes * 9 / 10) / double(used);
            const qint64 n = std::clamp<qint64>(qint64(std::ceil(share * double(rows))), 1, std::min(rows, kChunk));
            if (!deleteOldest(n, error))
                return std::nullopt;
            deleted += n;
            if (m_postgres) {
                QSqlQuery vacuum(db);
                vacuum.exec(QStringLiteral("ANALYZE messages"));
            }
        }
    }
    return deleted;
}

} // namespace thingscape
