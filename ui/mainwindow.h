#pragma once

#include <QMainWindow>

namespace thingscape {

// The window frame: docks and views are assembled into it, it owns no logic of its own.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget *parent = nullptr);
};

} // namespace thingscape
