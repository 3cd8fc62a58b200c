#include "catalogue.h"

#include <QCoreApplication>
#include <QLocale>
#include <QTranslator>

namespace thingscape {

bool installCatalogue(QCoreApplication &app, QTranslator &translator)
{
    const QString directory = QStringLiteral(":/i18n");
    if (!translator.load(QLocale(), QStringLiteral("thingscape"), QStringLiteral("_"), directory)
        && !translator.load(QStringLiteral("thingscape_en"), directory))
        return false;
    return app.installTranslator(&translator);
}

} // namespace thingscape
