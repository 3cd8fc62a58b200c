// The English catalogue: every plural (%n) string in the sources is in
// translations/thingscape_en.ts with both English forms ("1 child", "2 children"), and the .qm
// the build makes from it gives those forms back.

#include <QCoreApplication>
#include <QDirIterator>
#include <QFile>
#include <QRegularExpression>
#include <QTest>
#include <QTranslator>
#include <QXmlStreamReader>

namespace {

struct Entry
{
    QString context;
    QString source;
    QStringList forms;
};

QString sourceDir()
{
    return qEnvironmentVariable("THINGSCAPE_SOURCE_DIR");
}

QString binaryDir()
{
    return qEnvironmentVariable("THINGSCAPE_BINARY_DIR");
}

QList<Entry> pluralEntries(const QString &tsPath, QString *error)
{
    QFile file(tsPath);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = file.errorString();
        return {};
    }
    QList<Entry> entries;
    QXmlStreamReader xml(&file);
    QString context;
    Entry entry;
    bool numerus = false;
    while (!xml.atEnd()) {
        if (xml.readNext() != QXmlStreamReader::StartElement)
            continue;
        if (xml.name() == QLatin1String("name")) {
            context = xml.readElementText();
        } else if (xml.name() == QLatin1String("message")) {
            numerus = xml.attributes().value(QLatin1String("numerus")) == QLatin1String("yes");
            entry = Entry{context, {}, {}};
        } else if (xml.name() == QLatin1String("source")) {
            entry.source = xml.readElementText();
        } else if (xml.name() == QLatin1String("numerusform")) {
            entry.forms.append(xml.readElementText());
            if (numerus && entry.forms.size() == 2)
                entries.append(entry);
        }
    }
    if (xml.hasError())
        *error = xml.errorString();
    return entries;
}

// A C string literal's text, escapes resolved as the compiler would for the ones we use.
QString unescape(const QString &literal)
{
    QString text;
    for (qsizetype i = 0; i < literal.size(); ++i) {
        if (literal.at(i) != QLatin1Char('\\') || i + 1 == literal.size()) {
            text.append(literal.at(i));
            continue;
        }
        const QChar next = literal.at(++i);
        text.append(next == QLatin1Char('n') ? QChar(QLatin1Char('\n')) : next == QLatin1Char('t') ? QChar(QLatin1Char('\t')) : next);
    }
    return text;
}

// Every "...%n..." literal that is the text of a tr() / translate() call in the app's sources
// (a context literal may come first), with where it stands.
QHash<QString, QString> pluralSourcesInCode()
{
    // tr( or translate(, a context literal perhaps, then a literal holding %n.
    static const QRegularExpression call(QStringLiteral(
        "\\b(?:tr|translate)\\(\\s*(?:\"(?:[^\"\\\\]|\\\\.)*\"\\s*,\\s*)?\"((?:[^\"\\\\]|\\\\.)*%n(?:[^\"\\\\]|\\\\.)*)\""));
    QHash<QString, QString> found;
    for (const char *folder : {"app", "model", "protocols", "ui"}) {
        QDirIterator it(sourceDir() + QLatin1Char('/') + QLatin1String(folder), {QStringLiteral("*.cpp"), QStringLiteral("*.h")},
                        QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            QFile file(path);
            if (!file.open(QIODevice::ReadOnly))
                continue;
            const QString code = QString::fromUtf8(file.readAll());
            for (QRegularExpressionMatchIterator m = call.globalMatch(code); m.hasNext();) {
                const QRegularExpressionMatch match = m.next();
                const qsizetype line = code.left(match.capturedStart()).count(QLatin1Char('\n')) + 1;
                found.insert(unescape(match.captured(1)), QStringLiteral("%1:%2").arg(path.mid(sourceDir().size() + 1)).arg(line));
            }
        }
    }
    return found;
}

} // namespace

class TestTranslations : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void everyPluralStringHasItsEnglishForms();
    void theBuildsCatalogueGivesThemBack();

private:
    QList<Entry> m_entries;
};

void TestTranslations::initTestCase()
{
    QVERIFY2(!sourceDir().isEmpty() && !binaryDir().isEmpty(), "run under ctest (THINGSCAPE_SOURCE_DIR / _BINARY_DIR)");
    QString error;
    m_entries = pluralEntries(sourceDir() + QStringLiteral("/translations/thingscape_en.ts"), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(m_entries.size() >= 40);
}

void TestTranslations::everyPluralStringHasItsEnglishForms()
{
    // Given every plural string the code asks to translate
    const QHash<QString, QString> inCode = pluralSourcesInCode();
    QVERIFY(inCode.size() >= 40);

    // Then each is in the catalogue, with a singular and a plural that say no "(s)"
    QHash<QString, Entry> bySource;
    for (const Entry &entry : std::as_const(m_entries))
        bySource.insert(entry.source, entry);
    QStringList problems;
    for (auto it = inCode.cbegin(); it != inCode.cend(); ++it) {
        const auto entry = bySource.constFind(it.key());
        if (entry == bySource.cend()) {
            problems << QStringLiteral("%1: \"%2\" is not in thingscape_en.ts").arg(it.value(), it.key());
            continue;
        }
        for (const QString &form : entry->forms) {
            if (!form.contains(QLatin1String("%n")) || form.contains(QLatin1String("(s)")) || form.contains(QLatin1String("(ren)")))
                problems << QStringLiteral("%1: \"%2\" has the form \"%3\"").arg(it.value(), it.key(), form);
        }
    }
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
}

void TestTranslations::theBuildsCatalogueGivesThemBack()
{
    // Given the catalogue the build compiled (and the app embeds under :/i18n)
    const QString qm = binaryDir() + QStringLiteral("/translations/thingscape_en.qm");
    QTranslator translator;
    QVERIFY2(translator.load(qm), qPrintable(qm));

    // Then it has both forms of every plural entry
    for (const Entry &entry : std::as_const(m_entries)) {
        const QByteArray context = entry.context.toUtf8();
        const QByteArray source = entry.source.toUtf8();
        QCOMPARE(translator.translate(context.constData(), source.constData(), nullptr, 1), entry.forms.at(0));
        QCOMPARE(translator.translate(context.constData(), source.constData(), nullptr, 2), entry.forms.at(1));
    }

    // And installed, it is what the app's own calls see
    QVERIFY(QCoreApplication::installTranslator(&translator));
    QCOMPARE(QCoreApplication::translate("thingscape::NodeDetails", "Folder with %n child(ren), ", nullptr, 1),
             QStringLiteral("Folder with 1 child, "));
    QCOMPARE(QCoreApplication::translate("thingscape::NodeDetails", "Folder with %n child(ren), ", nullptr, 12),
             QStringLiteral("Folder with 12 children, "));
    QCOMPARE(QCoreApplication::translate("PayloadDiff", "%n bytes differ", nullptr, 1), QStringLiteral("1 byte differs"));
    QCOMPARE(QCoreApplication::translate("thingscape::ResourceTreeDock", "Clearing %n retained topic(s)…", nullptr, 3),
             QStringLiteral("Clearing 3 retained topics…"));
    QCoreApplication::removeTranslator(&translator);
}

QTEST_GUILESS_MAIN(TestTranslations)
#include "tst_translations.moc"
