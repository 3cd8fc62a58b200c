#include "mainwindow.h"

#include <QLabel>

namespace thingscape {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
{
    setWindowTitle(tr("Thingscape"));
    auto *placeholder = new QLabel(tr("Thingscape"), this);
    placeholder->setAlignment(Qt::AlignCenter);
    setCentralWidget(placeholder);
    resize(1200, 800);
}

} // namespace thingscape
