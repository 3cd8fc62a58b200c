#pragma once

#include <QByteArray>
#include <QCborValue>
#include <QList>
#include <QString>
#include <QStringList>

namespace thingscape {

// Differences between two payloads of one resource, GUI-free: JSON / CBOR structures key by
// key, text line by line, anything else byte by byte (hex). The views only colour them.
class PayloadDiff
{
public:
    enum class Mode {
        Json, // both decode as JSON or CBOR maps / arrays
        Text, // both are UTF-8 text
        Hex,  // anything else
    };

    enum class Change {
        Same,
        Added,
        Removed,
        Changed,
    };

    // One key or element that differs, by JSON pointer ("/a/b/0"). Values as compact JSON.
    struct JsonEntry
    {
        Change change = Change::Changed;
        QString pointer;
        QString before; // empty for Added
        QString after;  // empty for Removed
    };

    // One line of a line diff, in the order to show it. Line numbers from 1; 0 where the line
    // is not on that side.
    struct LineEntry
    {
        Change change = Change::Same;
        QString text;
        int beforeLine = 0;
        int afterLine = 0;
    };

    // One row of bytesPerRow bytes at offset: the bytes on each side and, per position, whether
    // they differ (a byte only on one side differs).
    struct HexRow
    {
        qint64 offset = 0;
        QByteArray before;
        QByteArray after;
        QList<bool> differs;
    };

    struct Result
    {
        Mode mode = Mode::Text;
        QList<JsonEntry> json;
        QList<LineEntry> lines;
        QList<HexRow> hex;
        // Whether anything differs, and a one-line summary ("2 keys changed, 1 added").
        bool identical = true;
        QString summary;
    };

    // Structural: maps key by key (in both orders' union, sorted), arrays index by index;
    // a value whose type changed is Changed as a whole. Nesting beyond maxDepth is compared whole.
    static QList<JsonEntry> jsonDiff(const QCborValue &before, const QCborValue &after, int maxDepth = 64);
    // Longest common subsequence after trimming the common head and tail; when the middle is
    // larger than maxCells (lines before x lines after), it is shown as removed then added.
    static QList<LineEntry> lineDiff(const QStringList &before, const QStringList &after,
                                     qint64 maxCells = 4'000'000);
    static QList<HexRow> hexDiff(const QByteArray &before, const QByteArray &after, int bytesPerRow = 16);

    // Picks the mode from the bytes (JSON / CBOR by contentFormat where given, else sniffed),
    // and diffs. Payloads over maxBytes are diffed as their first maxBytes bytes (said in summary).
    static Result diff(const QByteArray &before, const QByteArray &after, int contentFormat = -1,
                       qsizetype maxBytes = 1024 * 1024);
};

} // namespace thingscape
