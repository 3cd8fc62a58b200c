#include "appidentity.h"

#include <QCoreApplication>

namespace thingscape {

void setApplicationIdentity()
{
    QCoreApplication::setOrganizationName(QStringLiteral("Thingscape"));
    QCoreApplication::setApplicationName(QStringLiteral("thingscape"));
    QCoreApplication::setApplicationVersion(QStringLiteral(THINGSCAPE_VERSION));
}

QStringList argumentList(int argc, char *argv[])
{
    QStringList args;
    args.reserve(argc);
    for (int i = 0; i < argc; ++i)
        args << QString::fromLocal8Bit(argv[i]);
    return args;
}

} // namespace thingscape
