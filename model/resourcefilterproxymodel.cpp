#include "resourcefilterproxymodel.h"

#include "resourcetreemodel.h"

#include <QAbstractProxyModel>
#include <QCoreApplication>
#include <QTimer>

#include <algorithm>

namespace thingscape {

ResourceFilterProxyModel::ResourceFilterProxyModel(QObject *parent)
    : QSortFilterProxyModel(parent)
    , m_walkTimer(new QTimer(this))
    , m_recheckTimer(new QTimer(this))
{
    // Not Qt's recursive filtering: it walks every row below each row that does not match
    // (all of a million on a narrowing keystroke). The walk's marks say whether a row or any row
    // below it matches, so each row is answered on its own.
    setRecursiveFilteringEnabled(false);
    m_walkTimer->setInterval(0);
    connect(m_walkTimer, &QTimer::timeout, this, &ResourceFilterProxyModel::continueWalk);
    m_recheckTimer->setSingleShot(true);
    m_recheckTimer->setInterval(0);
    connect(m_recheckTimer, &QTimer::timeout, this, [this] {
        if (!m_pattern.isEmpty())
            invalidateRowsFilter();
    });
}

ResourceFilterProxyModel::~ResourceFilterProxyModel()
{
    endWalks();
}

void ResourceFilterProxyModel::endWalks()
{
    if (!m_tree)
        return;
    m_tree->endMatchWalk(m_walk);
    m_tree->endMatchWalk(m_pendingWalk);
}

void ResourceFilterProxyModel::setFilter(Mode mode, const QString &pattern)
{
    if (mode == m_mode && pattern == m_pattern)
        return;
    m_mode = mode;
    m_pattern = pattern;
    rebuild();
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
    if (wasValid != isValid())
        Q_EMIT validityChanged(isValid());
    startWalk();
}

quint32 ResourceFilterProxyModel::narrowedWalk() const
{
    // A substring that contains the last applied one can only match rows that matched it
    // (ASCII only: case folding beyond it need not keep substrings).
    const auto ascii = [](const QString &text) {
        return std::all_of(text.cbegin(), text.cend(), [](QChar c) { return c.unicode() < 128; });
    };
    if (!m_tree || m_walk == 0 || m_pendingWalk != 0 || m_mode != Mode::Substring || m_walkMode != Mode::Substring
        || m_walkPattern.isEmpty() || !ascii(m_pattern) || !ascii(m_walkPattern)
        || !m_pattern.contains(m_walkPattern, Qt::CaseInsensitive))
        return 0;
    return m_walk;
}

void ResourceFilterProxyModel::startWalk()
{
    const quint32 narrows = isValid() ? narrowedWalk() : 0;
    ++m_walkSerial;
    m_walkTimer->stop();
    m_recheckTimer->stop();
    m_partialShown = -1;
    if (narrows != 0 && m_tree)
        m_tree->endMatchWalk(m_pendingWalk); // the applied walk's marks guide the new one
    else
        endWalks();
    m_pendingWalk = 0;
    if (!m_tree || m_pattern.isEmpty() || !isValid()) {
        m_walk = 0;
        apply();
        return;
    }
    // A substring in the URI is checked by the walk itself, on what each row adds to its parent.
    m_pendingWalk = m_tree->startMatchWalk([this](const ResourceTreeModel::RowText &row) { return rowMatches(row); },
                                           m_mode == Mode::Substring ? m_pattern : QString(), narrows);
    // A small tree is done at once (as if there were no slices); a large one goes on later.
    continueWalk();
}

void ResourceFilterProxyModel::continueWalk()
{
    if (!m_tree || m_pendingWalk == 0) {
        m_walkTimer->stop();
        return;
    }
    if (!m_tree->hasMatchWalk(m_pendingWalk)) {
        // Another filter on the same tree walks now: match row by row instead.
        m_walkTimer->stop();
        m_pendingWalk = 0;
        m_walk = 0;
        apply();
        return;
    }
    if (!m_tree->continueMatchWalk(m_pendingWalk, m_sliceMs)) {
        // The first matches show at once (the rows the walk has not reached yet wait for it),
        // the rest with the whole result: shown after the first slice (so nothing of an earlier
        // pattern stays) and again when the first matches come after it.
        const qint64 matched = m_tree->rowsMatchedSoFar(m_pendingWalk);
        if (m_partialShown < 0 || (m_partialShown == 0 && matched > 0)) {
            m_partialShown = matched;
            apply();
        }
        if (!m_walkTimer->isActive())
            m_walkTimer->start();
        return;
    }
    m_walkTimer->stop();
    m_walk = m_pendingWalk;
    m_walkPattern = m_pattern;
    m_walkMode = m_mode;
    m_pendingWalk = 0;
    apply();
}

void ResourceFilterProxyModel::apply()
{
    Q_EMIT aboutToApply();
    // One layout change: rows that go are not removed one run at a time.
    invalidate();
    Q_EMIT applied();
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

bool ResourceFilterProxyModel::topicMatches(const QStringList &filterLevels, QStringView topic)
{
    if (topic.startsWith(QLatin1Char('$')) && !filterLevels.isEmpty()
        && (filterLevels.first() == QLatin1String("+") || filterLevels.first() == QLatin1String("#")))
        return false;
    // Level by level without splitting the topic (no allocation per row).
    qsizetype at = 0;
    bool topicLeft = true; // a topic has at least one level, possibly empty
    for (const QString &level : filterLevels) {
        if (level == QLatin1String("#"))
            return true;
        if (!topicLeft)
            return false;
        const qsizetype slash = topic.indexOf(QLatin1Char('/'), at);
        const QStringView topicLevel = topic.mid(at, slash < 0 ? topic.size() - at : slash - at);
        if (level != QLatin1String("+") && topicLevel != level)
            return false;
        if (slash < 0)
            topicLeft = false;
        else
            at = slash + 1;
    }
    return !topicLeft;
}

void ResourceFilterProxyModel::setSourceModel(QAbstractItemModel *sourceModel)
{
    // The tree under any identity-like proxies (the window's decoration proxy).
    endWalks();
    disconnect(m_grewConnection);
    m_tree = nullptr;
    for (QAbstractItemModel *model = sourceModel; model;) {
        if (auto *tree = qobject_cast<ResourceTreeModel *>(model)) {
            m_tree = tree;
            break;
        }
        auto *proxy = qobject_cast<QAbstractProxyModel *>(model);
        model = proxy ? proxy->sourceModel() : nullptr;
    }
    if (m_tree) {
        // A match arrived below a row the walk found empty: that row shows now.
        m_grewConnection = connect(m_tree, &ResourceTreeModel::matchWalkGrew, this, [this](quint32 stamp) {
            if (stamp == m_walk && !m_recheckTimer->isActive())
                m_recheckTimer->start();
        });
    }
    m_walk = 0;
    m_pendingWalk = 0;
    m_walkTimer->stop();
    m_recheckTimer->stop();
    QSortFilterProxyModel::setSourceModel(sourceModel);
    if (!m_pattern.isEmpty())
        startWalk();
}

QModelIndex ResourceFilterProxyModel::treeIndex(const QModelIndex &sourceIndex) const
{
    QModelIndex index = sourceIndex;
    while (index.isValid() && index.model() != m_tree.data()) {
        const auto *proxy = qobject_cast<const QAbstractProxyModel *>(index.model());
        if (!proxy)
            return {};
        index = proxy->mapToSource(index);
    }
    return index;
}

bool ResourceFilterProxyModel::rowMatches(const ResourceTreeModel::RowText &row) const
{
    switch (m_mode) {
    case Mode::Substring:
        return row.name.contains(m_pattern, Qt::CaseInsensitive) || row.path.contains(m_pattern, Qt::CaseInsensitive)
            || row.uri.contains(m_pattern, Qt::CaseInsensitive);
    case Mode::MqttWildcard:
        // An endpoint is no topic; it shows when something below it matches.
        return !row.isEndpoint && topicMatches(m_filterLevels, row.path);
    case Mode::Regex:
        return m_regex.match(row.uri).hasMatch();
    }
    return false;
}

bool ResourceFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (m_pattern.isEmpty())
        return true;
    if (!isValid())
        return false;
    const QModelIndex index = treeIndex(sourceModel()->index(sourceRow, 0, sourceParent));
    if (!index.isValid())
        return false;
    return acceptsTreeRow(index);
}

qint64 ResourceFilterProxyModel::matchCount() const
{
    if (!m_tree || m_pattern.isEmpty() || !isValid() || m_pendingWalk != 0)
        return -1;
    return m_tree->matchesInWalk(m_walk);
}

quint32 ResourceFilterProxyModel::shownWalk() const
{
    return m_pendingWalk != 0 ? m_pendingWalk : m_walk;
}

int ResourceFilterProxyModel::shownChildrenUpTo(const QModelIndex &treeIndex, int limit) const
{
    if (!m_tree || m_pattern.isEmpty() || !isValid())
        return -1;
    return m_tree->subtreeMatchedChildren(treeIndex, shownWalk(), limit);
}

bool ResourceFilterProxyModel::hasChildren(const QModelIndex &parent) const
{
    // A view asks this of every row it lays out, folded ones too, and Qt's answer maps the row:
    // it filters every child. At 1,000,000 that filtered a floor's 100,000 children on each
    // layout change. A marked child says yes at once; no marked child is not trusted (rows just
    // inserted are marked after their insertion, a walk that starts over drops its marks), so
    // Qt answers that.
    if (parent.isValid() && parent.column() == 0 && parent.model() == this) {
        const QModelIndex tree = treeIndex(mapToSource(parent));
        if (tree.isValid() && shownChildrenUpTo(tree, 1) > 0)
            return true;
    }
    return QSortFilterProxyModel::hasChildren(parent);
}

bool ResourceFilterProxyModel::acceptsTreeRow(const QModelIndex &index) const
{
    // Rows of the walk answer from its marks (the row or one below it matched; while it is
    // under way, rows it has not reached yet do not show); rows made since, and all rows while
    // another filter walks the same tree, are matched now.
    if (const std::optional<bool> marked = m_tree->subtreeMatchedInWalk(index, shownWalk()))
        return *marked;
    if (m_tree->rowMatches(index, [this](const ResourceTreeModel::RowText &row) { return rowMatches(row); }))
        return true;
    const int rows = m_tree->rowCount(index);
    for (int row = 0; row < rows; ++row) {
        if (acceptsTreeRow(m_tree->index(row, 0, index)))
            return true;
    }
    return false;
}

} // namespace thingscape
