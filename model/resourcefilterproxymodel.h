#pragma once

#include <QRegularExpression>
#include <QSortFilterProxyModel>
#include <QStringList>

namespace thingscape {

// Filters a ResourceTreeModel; a row stays when it or any row below it matches, so the path
// to every match stays visible. An invalid pattern matches nothing (an empty one everything).
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

    QString pattern() const { return m_pattern; }
    void setPattern(const QString &pattern);
    Mode mode() const { return m_mode; }
    void setMode(Mode mode);
    bool isValid() const { return m_error.isEmpty(); }
    QString errorString() const { return m_error; }

    // MQTT topic filter semantics (MQTT 3.1.1 section 4.7): "a/#" also matches "a", and
    // filters starting with a wildcard do not match topics starting with '$'.
    static bool topicMatches(const QStringList &filterLevels, const QString &topic);
    // Empty when the filter is well formed, else what is wrong with it.
    static QString checkTopicFilter(const QString &filter);

Q_SIGNALS:
    void validityChanged(bool valid);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    void rebuild();

    QString m_pattern;
    Mode m_mode = Mode::Substring;
    QRegularExpression m_regex;
    QStringList m_filterLevels;
    QString m_error;
};

} // namespace thingscape
