#include "composehistory.h"

#include <QJsonArray>

namespace thingscape {

ComposeHistory::ComposeHistory(QObject *parent)
    : QObject(parent)
{
}

void ComposeHistory::add(const ComposeRequest &request, const QDateTime &time)
{
    m_entries.prepend(Entry{time, request});
    if (m_entries.size() > kMaxEntries)
        m_entries.resize(kMaxEntries);
    Q_EMIT changed();
}

void ComposeHistory::clear()
{
    m_entries.clear();
    Q_EMIT changed();
}

QList<int> ComposeHistory::search(const QString &text) const
{
    QList<int> found;
    const QString needle = text.trimmed();
    for (int i = 0; i < m_entries.size(); ++i) {
        const ComposeRequest &r = m_entries.at(i).request;
        bool match = needle.isEmpty() || r.uri.contains(needle, Qt::CaseInsensitive)
            || r.method.contains(needle, Qt::CaseInsensitive) || r.payloadText.contains(needle, Qt::CaseInsensitive)
            || r.responseTopic.contains(needle, Qt::CaseInsensitive)
            || r.contentType.contains(needle, Qt::CaseInsensitive);
        for (int h = 0; !match && h < r.headers.size(); ++h) {
            match = QString::fromLatin1(r.headers.at(h).first).contains(needle, Qt::CaseInsensitive)
                || QString::fromLatin1(r.headers.at(h).second).contains(needle, Qt::CaseInsensitive);
        }
        for (int p = 0; !match && p < r.userProperties.size(); ++p) {
            match = r.userProperties.at(p).first.contains(needle, Qt::CaseInsensitive)
                || r.userProperties.at(p).second.contains(needle, Qt::CaseInsensitive);
        }
        if (match)
            found.append(i);
    }
    return found;
}

void ComposeHistory::saveTemplate(const QString &name, const ComposeRequest &request)
{
    for (Template &t : m_templates) {
        if (t.name == name) {
            t.request = request;
            Q_EMIT changed();
            return;
        }
    }
    m_templates.append(Template{name, request});
    Q_EMIT changed();
}

bool ComposeHistory::removeTemplate(const QString &name)
{
    for (qsizetype i = 0; i < m_templates.size(); ++i) {
        if (m_templates.at(i).name == name) {
            m_templates.removeAt(i);
            Q_EMIT changed();
            return true;
        }
    }
    return false;
}

std::optional<ComposeRequest> ComposeHistory::findTemplate(const QString &name) const
{
    for (const Template &t : m_templates) {
        if (t.name == name)
            return t.request;
    }
    return std::nullopt;
}

QJsonObject ComposeHistory::toJson() const
{
    QJsonArray history;
    for (const Entry &e : m_entries) {
        history.append(QJsonObject{{QStringLiteral("time"), e.time.toString(Qt::ISODateWithMs)},
                                   {QStringLiteral("request"), e.request.toJson()}});
    }
    QJsonArray templates;
    for (const Template &t : m_templates)
        templates.append(QJsonObject{{QStringLiteral("name"), t.name}, {QStringLiteral("request"), t.request.toJson()}});
    return QJsonObject{{QStringLiteral("history"), history}, {QStringLiteral("templates"), templates}};
}

bool ComposeHistory::load(const QJsonObject &json, QString *error)
{
    QList<Entry> entries;
    QList<Template> templates;
    const QJsonArray history = json.value(QStringLiteral("history")).toArray();
    for (qsizetype i = 0; i < history.size() && i < kMaxEntries; ++i) {
        const QJsonObject item = history.at(i).toObject();
        QString problem;
        ComposeRequest request = ComposeRequest::fromJson(item.value(QStringLiteral("request")).toObject(), &problem);
        if (!problem.isEmpty()) {
            if (error)
                *error = tr("/compose/history/%1: %2").arg(i).arg(problem);
            return false;
        }
        entries.append(Entry{QDateTime::fromString(item.value(QStringLiteral("time")).toString(), Qt::ISODateWithMs),
                             request});
    }
    const QJsonArray list = json.value(QStringLiteral("templates")).toArray();
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QJsonObject item = list.at(i).toObject();
        QString problem;
        ComposeRequest request = ComposeRequest::fromJson(item.value(QStringLiteral("request")).toObject(), &problem);
        if (!problem.isEmpty()) {
            if (error)
                *error = tr("/compose/templates/%1: %2").arg(i).arg(problem);
            return false;
        }
        templates.append(Template{item.value(QStringLiteral("name")).toString(), request});
    }
    m_entries = entries;
    m_templates = templates;
    Q_EMIT changed();
    return true;
}

} // namespace thingscape
