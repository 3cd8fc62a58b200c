#pragma once

#include <QStyledItemDelegate>

namespace thingscape {

// The resource tree's busy columns, short enough for a 1,366-pixel screen: counts and rates
// as 12.3k or 4.56M, bytes per second as 12 KB, the last update as its time of day (its date
// when it was not today), the unit beside the value. The models keep their exact figures:
// sorting, copying and the cell's tooltip use them.
class TreeCellDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    // The tree's Last update column, and the first of the four count / rate columns
    // (TreeStatsProxy's, in its order).
    TreeCellDelegate(int lastUpdateColumn, int statsFirstColumn, QObject *parent = nullptr);
    // While the Unit column is hidden, the Value column says the unit after the value ("42.3 %RH").
    void setUnitInValue(bool on) { m_unitInValue = on; }
    bool unitInValue() const { return m_unitInValue; }

    // What a cell shows (public for tests that check nothing is cut).
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override;
    bool helpEvent(QHelpEvent *event, QAbstractItemView *view, const QStyleOptionViewItem &option,
                   const QModelIndex &index) override;
    // The Value column may be narrower than a long value (a JSON document): its cells are elided
    // at the right and their tooltip holds the whole value, as this returns (rich text; empty
    // for another column or a cell without a value).
    QString valueToolTip(const QModelIndex &index) const;

    // 999 / 9,999 / 12.3k / 123k / 1.23M / 12.3M / 1.23G: at most five characters from 10,000 on.
    static QString compactCount(double value, const QLocale &locale);
    // 0.5 / 12.3 / 999 / 1,234 / 12.3k: a rate with a decimal while it is small.
    static QString compactRate(double value, const QLocale &locale);
    // 512 B / 1.5 KB / 12 KB / 3.4 MB (the column's title says per second).
    static QString compactBytes(double value, const QLocale &locale);
    // HH:mm:ss today, else "d MMM HH:mm" this year, else the date.
    static QString compactTime(qint64 ms, const QLocale &locale);

private:
    // The cell's own text, or a null string for a column left as the model shows it
    // (modelText: what the model shows there).
    QString cellText(const QModelIndex &index, const QString &modelText, const QLocale &locale) const;
    // The exact figure behind a cell, or a null string.
    QString exactText(const QModelIndex &index) const;

    int m_lastUpdateColumn;
    int m_statsFirstColumn;
    bool m_unitInValue = false;
};

} // namespace thingscape
