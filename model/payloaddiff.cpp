#include "payloaddiff.h"

#include "codecs/jsoncbor.h"

#include <QCborArray>
#include <QCborMap>
#include <QCoreApplication>

#include <algorithm>
#include <map>
#include <vector>

namespace thingscape {

namespace {

// lupdate does not see plural (%n) strings through this: those call translate() themselves.
QString tr(const char *text, int n = -1)
{
    return QCoreApplication::translate("PayloadDiff", text, nullptr, n);
}

QString compact(const QCborValue &value)
{
    return codecs::detail::toJsonText(value, -1);
}

QString escapeKey(const QString &key)
{
    QString out = key;
    out.replace(QLatin1Char('~'), QLatin1String("~0"));
    out.replace(QLatin1Char('/'), QLatin1String("~1"));
    return out;
}

QString keyText(const QCborValue &key)
{
    return key.isString() ? key.toString() : compact(key);
}

void diffInto(const QCborValue &a, const QCborValue &b, const QString &pointer, int depth, int maxDepth,
              QList<PayloadDiff::JsonEntry> *out)
{
    using Change = PayloadDiff::Change;
    if (depth < maxDepth && a.isMap() && b.isMap()) {
        const QCborMap ma = a.toMap();
        const QCborMap mb = b.toMap();
        // By key text, so that the report reads in a stable order.
        struct Sides
        {
            QCborValue a;
            QCborValue b;
            bool inA = false;
            bool inB = false;
        };
        std::map<QString, Sides> keys;
        for (auto it = ma.constBegin(); it != ma.constEnd(); ++it) {
            Sides &sides = keys[keyText(it.key())];
            sides.a = it.value();
            sides.inA = true;
        }
        for (auto it = mb.constBegin(); it != mb.constEnd(); ++it) {
            Sides &sides = keys[keyText(it.key())];
            sides.b = it.value();
            sides.inB = true;
        }
        for (const auto &[key, sides] : keys) {
            const QString path = pointer + QLatin1Char('/') + escapeKey(key);
            if (sides.inA && !sides.inB)
                out->append({Change::Removed, path, compact(sides.a), {}});
            else if (!sides.inA && sides.inB)
                out->append({Change::Added, path, {}, compact(sides.b)});
            else
                diffInto(sides.a, sides.b, path, depth + 1, maxDepth, out);
        }
        return;
    }
    if (depth < maxDepth && a.isArray() && b.isArray()) {
        const QCborArray aa = a.toArray();
        const QCborArray ab = b.toArray();
        const qsizetype common = std::min(aa.size(), ab.size());
        for (qsizetype i = 0; i < common; ++i)
            diffInto(aa.at(i), ab.at(i), pointer + QLatin1Char('/') + QString::number(i), depth + 1, maxDepth, out);
        for (qsizetype i = common; i < aa.size(); ++i)
            out->append({Change::Removed, pointer + QLatin1Char('/') + QString::number(i), compact(aa.at(i)), {}});
        for (qsizetype i = common; i < ab.size(); ++i)
            out->append({Change::Added, pointer + QLatin1Char('/') + QString::number(i), {}, compact(ab.at(i))});
        return;
    }
    const QString ta = compact(a);
    const QString tb = compact(b);
    if (a.type() != b.type() || ta != tb)
        out->append({Change::Changed, pointer, ta, tb});
}

std::optional<QCborValue> structure(const QByteArray &bytes, int contentFormat)
{
    QString error;
    const bool cbor = contentFormat == 60 || contentFormat == 112 || contentFormat == 113;
    std::optional<QCborValue> value = cbor ? codecs::detail::parseCbor(bytes, &error)
                                           : codecs::detail::parseJson(bytes, &error);
    if (!value && contentFormat < 0)
        value = codecs::detail::parseCbor(bytes, &error);
    if (value && (value->isMap() || value->isArray()))
        return value;
    return std::nullopt;
}

bool isText(const QByteArray &bytes)
{
    bool control = false;
    return codecs::detail::findInvalidUtf8(bytes.constData(), bytes.size(), &control) < 0 && !control;
}

QStringList splitLines(const QByteArray &bytes)
{
    QStringList lines = QString::fromUtf8(bytes).split(QLatin1Char('\n'));
    for (QString &line : lines) {
        if (line.endsWith(QLatin1Char('\r')))
            line.chop(1);
    }
    if (lines.size() > 1 && lines.constLast().isEmpty())
        lines.removeLast();
    return lines;
}

} // namespace

QList<PayloadDiff::JsonEntry> PayloadDiff::jsonDiff(const QCborValue &before, const QCborValue &after, int maxDepth)
{
    QList<JsonEntry> out;
    diffInto(before, after, QString(), 0, maxDepth, &out);
    return out;
}

QList<PayloadDiff::LineEntry> PayloadDiff::lineDiff(const QStringList &a, const QStringList &b, qint64 maxCells)
{
    QList<LineEntry> out;
    qsizetype head = 0;
    while (head < a.size() && head < b.size() && a.at(head) == b.at(head))
        ++head;
    qsizetype tail = 0;
    while (tail < a.size() - head && tail < b.size() - head && a.at(a.size() - 1 - tail) == b.at(b.size() - 1 - tail))
        ++tail;
    for (qsizetype i = 0; i < head; ++i)
        out.append({Change::Same, a.at(i), int(i + 1), int(i + 1)});
    const qsizetype n = a.size() - head - tail;
    const qsizetype m = b.size() - head - tail;
    if (qint64(n) * qint64(m) > maxCells) {
        for (qsizetype i = 0; i < n; ++i)
            out.append({Change::Removed, a.at(head + i), int(head + i + 1), 0});
        for (qsizetype j = 0; j < m; ++j)
            out.append({Change::Added, b.at(head + j), 0, int(head + j + 1)});
    } else {
        // lcs[i][j]: the longest common subsequence of a[head+i..] and b[head+j..].
        std::vector<quint32> lcs(size_t((n + 1) * (m + 1)), 0);
        auto at = [m, &lcs](qsizetype i, qsizetype j) -> quint32 & { return lcs[size_t(i * (m + 1) + j)]; };
        for (qsizetype i = n - 1; i >= 0; --i) {
            for (qsizetype j = m - 1; j >= 0; --j)
                at(i, j) = a.at(head + i) == b.at(head + j) ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
        }
        qsizetype i = 0;
        qsizetype j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && a.at(head + i) == b.at(head + j)) {
                out.append({Change::Same, a.at(head + i), int(head + i + 1), int(head + j + 1)});
                ++i;
                ++j;
            } else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) {
                // Removed lines first where either order keeps the common lines, as diff does.
                out.append({Change::Removed, a.at(head + i), int(head + i + 1), 0});
                ++i;
            } else {
                out.append({Change::Added, b.at(head + j), 0, int(head + j + 1)});
                ++j;
            }
        }
    }
    for (qsizetype k = 0; k < tail; ++k) {
        const qsizetype ia = a.size() - tail + k;
        const qsizetype ib = b.size() - tail + k;
        out.append({Change::Same, a.at(ia), int(ia + 1), int(ib + 1)});
    }
    return out;
}

QList<PayloadDiff::HexRow> PayloadDiff::hexDiff(const QByteArray &before, const QByteArray &after, int bytesPerRow)
{
    QList<HexRow> rows;
    bytesPerRow = std::max(1, bytesPerRow);
    const qsizetype size = std::max(before.size(), after.size());
    for (qsizetype offset = 0; offset < size; offset += bytesPerRow) {
        HexRow row;
        row.offset = offset;
        row.before = before.mid(offset, bytesPerRow);
        row.after = after.mid(offset, bytesPerRow);
        const qsizetype width = std::max(row.before.size(), row.after.size());
        for (qsizetype i = 0; i < width; ++i)
            row.differs.append(i >= row.before.size() || i >= row.after.size() || row.before.at(i) != row.after.at(i));
        rows.append(row);
    }
    return rows;
}

PayloadDiff::Result PayloadDiff::diff(const QByteArray &beforeIn, const QByteArray &afterIn, int contentFormat,
                                      qsizetype maxBytes)
{
    Result result;
    const QByteArray before = beforeIn.left(maxBytes);
    const QByteArray after = afterIn.left(maxBytes);
    const bool cut = beforeIn.size() > maxBytes || afterIn.size() > maxBytes;
    const auto sa = structure(before, contentFormat);
    const auto sb = sa ? structure(after, contentFormat) : std::nullopt;
    if (sa && sb) {
        result.mode = Mode::Json;
        result.json = jsonDiff(*sa, *sb);
        result.identical = result.json.isEmpty();
        int added = 0, removed = 0, changed = 0;
        for (const JsonEntry &e : std::as_const(result.json)) {
            added += e.change == Change::Added;
            removed += e.change == Change::Removed;
            changed += e.change == Change::Changed;
        }
        QStringList parts;
        if (changed)
            parts << QCoreApplication::translate("PayloadDiff", "%n changed", nullptr, changed);
        if (added)
            parts << QCoreApplication::translate("PayloadDiff", "%n added", nullptr, added);
        if (removed)
            parts << QCoreApplication::translate("PayloadDiff", "%n removed", nullptr, removed);
        result.summary = parts.isEmpty() ? tr("same structure and values") : parts.join(QStringLiteral(", "));
    } else if (isText(before) && isText(after)) {
        result.mode = Mode::Text;
        result.lines = lineDiff(splitLines(before), splitLines(after));
        int added = 0, removed = 0;
        for (const LineEntry &e : std::as_const(result.lines)) {
            added += e.change == Change::Added;
            removed += e.change == Change::Removed;
        }
        result.identical = added == 0 && removed == 0;
        result.summary = result.identical ? tr("same text") : tr("%1 lines added, %2 removed").arg(added).arg(removed);
    } else {
        result.mode = Mode::Hex;
        result.hex = hexDiff(before, after);
        int differing = 0;
        for (const HexRow &row : std::as_const(result.hex))
            differing += int(std::count(row.differs.cbegin(), row.differs.cend(), true));
        result.identical = differing == 0;
        result.summary = result.identical ? tr("same bytes")
                                          : QCoreApplication::translate("PayloadDiff", "%n bytes differ", nullptr, differing);
    }
    if (cut)
        result.summary += tr(" (first %1 bytes compared)").arg(maxBytes);
    return result;
}

} // namespace thingscape
