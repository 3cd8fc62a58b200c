#pragma once

#include "composerequest.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QObject>

#include <optional>

namespace thingscape {

// Everything the compose panel sent (newest first, bounded) and its named templates, kept in
// the workspace under "compose": {"history": [{"time", "request"}], "templates": [{"name",
// "request"}]}.
class ComposeHistory : public QObject
{
    Q_OBJECT

public:
    static constexpr int kMaxEntries = 500;

    struct Entry
    {
        QDateTime time;
        ComposeRequest request;
    };
    struct Template
    {
        QString name;
        ComposeRequest request;
    };

    explicit ComposeHistory(QObject *parent = nullptr);

    const QList<Entry> &entries() const { return m_entries; }
    const QList<Template> &templates() const { return m_templates; }

    // Newest first; beyond kMaxEntries the oldest go.
    void add(const ComposeRequest &request, const QDateTime &time = QDateTime::currentDateTimeUtc());
    void clear();
    // Indexes into entries() whose URI, method, payload, topic, headers or options contain
    // text (case-insensitive); all of them for empty text.
    QList<int> search(const QString &text) const;

    // Replaces a template of the same name.
    void saveTemplate(const QString &name, const ComposeRequest &request);
    bool removeTemplate(const QString &name);
    std::optional<ComposeRequest> findTemplate(const QString &name) const;

    QJsonObject toJson() const;
    // Replaces everything; *error (with the entry that is wrong) and nothing changes on a
    // wrong type.
    bool load(const QJsonObject &json, QString *error = nullptr);

Q_SIGNALS:
    void changed();

private:
    QList<Entry> m_entries;
    QList<Template> m_templates;
};

} // namespace thingscape
