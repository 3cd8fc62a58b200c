#include "resourcefilterproxymodel.h"

#include "resourcetreemodel.h"

#include <QCoreApplication>

namespace thingscape {

ResourceFilterProxyModel::ResourceFilterProxyModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setRecursiveFilteringEnabled(true);
}

void ResourceFilterProxyModel::setPattern(const QString &pattern)
{
    if (pattern == m_pattern)
        return;
    m_pattern = pattern;
    rebuild();
}

void ResourceFilterProxyModel::setMode(Mode mode)
{
    if (mode == m_mode)
        return;
    m_mode = mode;
    rebuild();
}

void ResourceFilterProxyModel::rebuild()
{
    const bool wasValid = isValid();
    m_error.clear();
    m_filterLevels.clear();
    m_regex = QRegularExpression();
    switch (m_mode) {
    case Mode::Substring:
        break;
    case Mode::MqttWildcard:
        m_error = checkTopicFilter(m_pattern);
        if (m_error.isEmpty() && !m_pattern.isEmpty())
            m_filterLevels = m_pattern.split(QLatin1Char('/'));
        break;
    case Mode::Regex:
        m_regex = QRegularExpression(m_pattern, QRegularExpression::CaseInsensitiveOption);
        if (!m_regex.isValid()) {
            m_error = QCoreApplication::translate("ResourceFilterProxyModel",
                                                  "invalid regular expression at position %1: %2")
                          .arg(m_regex.patternErrorOffset())
                          .arg(m_regex.errorString());
        }
        break;
    }
    invalidateFilter();
    if (wasValid != isValid())
        Q_EMIT validityChanged(isValid());
}

QString ResourceFilterProxyModel::checkTopicFilter(const QString &filter)
{
    const QStringList levels = filter.split(QLatin1Char('/'));
    for (qsizetype i = 0; i < levels.size(); ++i) {
        const QString &level = levels.at(i);
        if (level.contains(QLatin1Char('#')) && (level.size() != 1 || i != levels.size() - 1)) {
            return QCoreApplication::translate("ResourceFilterProxyModel",
                                               "'#' must be a whole level and the last one, as in \"sensors/#\"");
        }
        if (level.contains(QLatin1Char('+')) && level.size() != 1) {
            return QCoreApplication::translate("ResourceFilterProxyModel",
                                               "'+' must be a whole level, as in \"home/+/temp\"");
        }
    }
    return {};
}

bool ResourceFilterProxyModel::topicMatches(const QStringList &filterLevels, const QString &topic)
{
    const QStringList topicLevels = topic.split(QLatin1Char('/'));
    if (topic.startsWith(QLatin1Char('$')) && !filterLevels.isEmpty()
        && (filterLevels.first() == QLatin1String("+") || filterLevels.first() == QLatin1String("#")))
        return false;
    for (qsizetype i = 0; i < filterLevels.size(); ++i) {
        const QString &level = filterLevels.at(i);
        if (level == QLatin1String("#"))
            return true;
        if (i >= topicLevels.size())
            return false;
        if (level != QLatin1String("+") && level != topicLevels.at(i))
            return false;
    }
    return filterLevels.size() == topicLevels.size();
}

bool ResourceFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (m_pattern.isEmpty())
        return true;
    if (!isValid())
        return false;
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    switch (m_mode) {
    case Mode::Substring:
        return index.data(Qt::DisplayRole).toString().contains(m_pattern, Qt::CaseInsensitive)
            || index.data(ResourceTreeModel::PathRole).toString().contains(m_pattern, Qt::CaseInsensitive)
            || index.data(ResourceTreeModel::ResourceIdRole).toString().contains(m_pattern, Qt::CaseInsensitive);
    case Mode::MqttWildcard:
        // An endpoint is no topic; it shows when something below it matches.
        if (index.data(ResourceTreeModel::IsEndpointRole).toBool())
            return false;
        return topicMatches(m_filterLevels, index.data(ResourceTreeModel::PathRole).toString());
    case Mode::Regex:
        return m_regex.match(index.data(ResourceTreeModel::ResourceIdRole).toString()).hasMatch();
    }
    return false;
}

} // namespace thingscape
