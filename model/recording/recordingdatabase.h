#pragma once

#include "model/cause.h"
#include "model/update.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

class QSqlDatabase;
class QSqlQuery;
struct sqlite3;
struct sqlite3_stmt;

namespace thingscape {

// One recorded message, as written and as read back.
struct RecordedMessage
{
    qint64 id = 0; // the row's id: arrival order
    qint64 timeMs = 0;
    QString uri;
    Direction direction = Direction::In;
    Cause cause;
    int contentFormat = -1;
    std::optional<double> number; // the decoded number, where there is one
    QByteArray raw;
};

// A resource's metadata for the resources table: JSON text (RecordedMetadata), empty for none.
struct RecordedResourceMetadata
{
    QString uri;
    QByteArray json;
};

// One bucket of a decimated series (for charts).
struct RecordedBucket
{
    qint64 timeMs = 0; // the first message's time in the bucket
    double min = 0;
    double max = 0;
    double mean = 0;
    qint64 count = 0;
};

// A recording database, SQLite (a file) or PostgreSQL (a connection string), with one schema
// and one code path. Used on one thread only (Qt SQL connections are per thread): the
// recorder's, an export's, a history query's. Every failure comes back as a message naming
// the database and the cause; a file that is no database, or a database of something else,
// is refused untouched.
class RecordingDatabase
{
public:
    RecordingDatabase();
    ~RecordingDatabase();
    RecordingDatabase(const RecordingDatabase &) = delete;
    RecordingDatabase &operator=(const RecordingDatabase &) = delete;

    static int latestSchemaVersion();

    // database: a SQLite file path or a PostgreSQL URL ("postgresql://user@host:port/db") or
    // key=value string; password for PostgreSQL when the string has none. create: make the
    // schema in an empty database (a missing SQLite file is created); else refuse it.
    bool open(const QString &database, const QString &password, bool create, QString *error);
    void close();
    bool isOpen() const;
    bool isPostgres() const { return m_postgres; }
    QString name() const { return m_name; } // for messages: the file or the server, no password
    int schemaVersion() const { return m_version; }

    // Appends the messages in one transaction. On failure nothing of it is kept.
    bool write(const QList<RecordedMessage> &messages, QString *error);
    // The same, and in the same transaction sets the metadata of resources: those the messages
    // add get it with their row, those already there are updated; the metadata of a resource
    // that is in neither is left out (hasResource() says which were written).
    bool write(const QList<RecordedMessage> &messages, const QList<RecordedResourceMetadata> &metadata, QString *error);
    // Whether the resource has its row (as far as this connection knows).
    bool hasResource(const QString &uri) const { return m_resourceIds.contains(uri); }
    // The resource's recorded metadata (an empty object for none); nullopt and *error on a
    // failure, or when the resource is not in the recording.
    std::optional<QJsonObject> metadata(const QString &uri, QString *error);

    qint64 rowCount(QString *error = nullptr);
    // The bytes it takes: the file and its WAL (SQLite), the tables and indexes (PostgreSQL).
    qint64 sizeBytes();
    QStringList resources(QString *error = nullptr);

    // The messages of one resource in [fromMs, toMs], oldest first (limit < 0: all).
    std::optional<QList<RecordedMessage>> messages(const QString &uri, qint64 fromMs, qint64 toMs, int limit,
                                                   QString *error);
    // The numbers of each resource in [fromMs, toMs] in buckets buckets (min, max, mean).
    std::optional<QHash<QString, QList<RecordedBucket>>> decimated(const QStringList &uris, qint64 fromMs, qint64 toMs,
                                                                   int buckets, QString *error);
    // How many messages of the resources (all when empty) lie in [fromMs, toMs].
    std::optional<qint64> count(const QStringList &uris, qint64 fromMs, qint64 toMs, QString *error);
    // The order forEach() visits messages in.
    enum class Order {
        Arrival, // row id: pages on with afterId
        Time,    // time, then arrival for equal times (afterId must be 0)
    };
    // Every such message in the given order (after the row afterId); visit returns false to
    // stop. False on an error.
    bool forEach(const QStringList &uris, qint64 fromMs, qint64 toMs,
                 const std::function<bool(const RecordedMessage &)> &visit, QString *error, qint64 afterId = 0,
                 Order order = Order::Arrival);

    // Deletes the oldest messages: those older than olderThanMs (0: no age limit) and then as
    // many as needed for the data to fit maxBytes (0: no size limit). Returns the rows deleted.
    std::optional<qint64> enforceRetention(qint64 olderThanMs, qint64 maxBytes, QString *error);
    // The bytes the live rows take (what retention by size counts).
    qint64 usedBytes();

private:
    bool openConnection(const QString &database, const QString &password, bool create, QString *error);
    bool ensureSchema(bool create, QString *error);
    bool migrate(int from, QString *error);
    bool loadIds(QString *error);
    std::optional<qint64> resourceId(const QString &uri, QString *error);
    std::optional<qint64> causeId(const Cause &cause, QString *error);
    QString fail(const QString &what, const QString &why) const;
    QString resourceFilter(const QStringList &uris, QStringList *bound);
    bool deleteOldest(qint64 rows, QString *error);
    // The message's resource and cause ids, interned where new.
    bool internIds(const RecordedMessage &message, qint64 *resource, qint64 *cause, QString *why);
    bool insertRowsSqlite(const QList<RecordedMessage> &messages, QString *why);
    bool insertRowsSql(const QList<RecordedMessage> &messages, QString *why);
    bool updateMetadata(const QHash<QString, QByteArray> &metadata, QString *why);

    QString m_connection;
    QString m_name;
    QString m_path; // SQLite
    bool m_postgres = false;
    int m_version = 0;
    qint64 m_timeBase = 0; // stored times are ms since the epoch minus this
    QHash<QString, qint64> m_resourceIds;
    QHash<QString, qint64> m_causeIds; // "kind\nsource\ndepth"
    QHash<qint64, QString> m_resourceUris;
    QHash<qint64, Cause> m_causes;
    Cause m_lastCause;
    qint64 m_lastCauseId = -1;
    std::unique_ptr<QSqlQuery> m_insert;
    std::unique_ptr<QSqlQuery> m_insertMany;
    // SQLite: the Qt driver's own connection, written through its C API (Qt's bindValue
    // formats a placeholder name per value: most of what a row cost).
    sqlite3 *m_sqlite = nullptr; // Not owned: the Qt connection's.
    sqlite3_stmt *m_sqliteInsert = nullptr;
    sqlite3_stmt *m_sqliteResource = nullptr;
    // During write(): metadata for resources it adds, taken out as each one is added.
    QHash<QString, QByteArray> *m_newMetadata = nullptr;
    qint64 m_rows = -1; // known row count, -1 until counted
};

} // namespace thingscape
