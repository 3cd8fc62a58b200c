#pragma once

#include "resourcetreemodel.h"

#include <QPointer>
#include <QRegularExpression>
#include <QSortFilterProxyModel>
#include <QStringList>

#include <algorithm>

class QTimer;

namespace thingscape {

// Filters a ResourceTreeModel (directly or through identity-like proxies); a row stays when it
// or any row below it matches, so the path to every match stays visible (answered per row from
// the walk's marks, not by Qt's recursive filtering). An invalid pattern matches nothing (an
// empty one everything).
//
// A new pattern is matched against the whole tree in one walk (ResourceTreeModel::markMatchingRows)
// and applied with one layout change (invalidate()), never row by row: removing rows one run at
// a time walks every persistent index per run, which froze the window for minutes at 100,000
// rows. Rows that arrive later are matched as they come. On a large tree the walk goes in
// slices of kSliceMs on the event loop: the window never freezes. The first matches show as
// soon as a slice finds some (rows the walk has not reached yet stay hidden until it is done),
// the whole result when the walk is done; a new pattern drops the walk under way.
class ResourceFilterProxyModel : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    enum class Mode {
        Substring,    // case-insensitive, on the name, the topic / path and the full URI
        MqttWildcard, // an MQTT topic filter ('+' one level, '#' the rest) on the topic / path
        Regex,        // a case-insensitive regular expression on the full URI
    };
    Q_ENUM(Mode)

    explicit ResourceFilterProxyModel(QObject *parent = nullptr);
    ~ResourceFilterProxyModel() override;

    QString pattern() const { return m_pattern; }
    void setPattern(const QString &pattern);
    Mode mode() const { return m_mode; }
    void setMode(Mode mode);
    // Both at once: one walk instead of two.
    void setFilter(Mode mode, const QString &pattern);
    // A new pattern is being matched; applied() comes when it is shown (and once before that,
    // with isApplying() still true, when the walk's first matches show).
    bool isApplying() const { return m_pendingWalk != 0; }
    // Which walk the shown rows come from: a new number for each new pattern (or source), the
    // same for a walk's first matches and its whole result.
    quint64 walkSerial() const { return m_walkSerial; }
    static constexpr int kSliceMs = 12;
    // The walk's slice (0: a few hundred rows a slice, as tests use to see rows arrive mid-walk).
    void setSliceMs(int sliceMs) { m_sliceMs = std::max(0, sliceMs); }
    // How many of the tree row's children show, counting no further than limit, from the last
    // walk's marks (no row is mapped); -1 when they cannot say (use rowCount() then).
    int shownChildrenUpTo(const QModelIndex &treeIndex, int limit) const;
    // Resources that match by themselves (the rows above them show too), as of the last walk
    // and what arrived since; -1 while there is no applied pattern.
    qint64 matchCount() const;
    bool isValid() const { return m_error.isEmpty(); }
    QString errorString() const { return m_error; }

    // MQTT topic filter semantics (MQTT 3.1.1 section 4.7): "a/#" also matches "a", and
    // filters starting with a wildcard do not match topics starting with '$'.
    static bool topicMatches(const QStringList &filterLevels, QStringView topic);
    // Empty when the filter is well formed, else what is wrong with it.
    static QString checkTopicFilter(const QString &filter);

    void setSourceModel(QAbstractItemModel *sourceModel) override;
    // Yes from the walk's marks where a child is marked (see shownChildrenUpTo()), without
    // mapping the row.
    bool hasChildren(const QModelIndex &parent = {}) const override;

Q_SIGNALS:
    void validityChanged(bool valid);
    // Around the one layout change that shows a new pattern's result (its first matches while
    // isApplying(), then all of it).
    void aboutToApply();
    void applied();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    void rebuild();
    void startWalk();
    // The walk whose marks the rows answer from: the one under way, else the applied one.
    quint32 shownWalk() const;
    // The applied walk the new pattern narrows (see ResourceTreeModel::startMatchWalk), or 0.
    quint32 narrowedWalk() const;
    void continueWalk();
    void apply();
    bool rowMatches(const ResourceTreeModel::RowText &row) const;
    // The row (of the tree model) or a row below it matches.
    bool acceptsTreeRow(const QModelIndex &index) const;
    void endWalks();
    QModelIndex treeIndex(const QModelIndex &sourceIndex) const;

    QPointer<ResourceTreeModel> m_tree; // Not owned: the tree below the source proxies.
    quint32 m_walk = 0;                  // the tree's stamp for the rows that match by themselves
    quint32 m_pendingWalk = 0;           // the walk in progress for the current pattern
    quint64 m_walkSerial = 0;            // counts startWalk()s
    QString m_walkPattern;               // what m_walk matched
    Mode m_walkMode = Mode::Substring;
    int m_sliceMs = kSliceMs;
    qint64 m_partialShown = -1; // rows of the walk under way that matched when last shown (-1: none shown)
    QTimer *m_walkTimer;
    QTimer *m_recheckTimer; // coalesces re-checks when matches arrive below hidden rows
    QMetaObject::Connection m_grewConnection;

    QString m_pattern;
    Mode m_mode = Mode::Substring;
    QRegularExpression m_regex;
    QStringList m_filterLevels;
    QString m_error;
};

} // namespace thingscape
