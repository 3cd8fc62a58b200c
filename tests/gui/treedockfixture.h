#pragma once

#include "model/resourcestore.h"
#include "model/resourcetreemodel.h"
#include "model/talkerstats.h"
#include "model/treestatsproxy.h"
#include "protocols/endpointmanager.h"
#include "ui/resourcetreedock.h"

namespace testsupport {

// A resource tree dock on its own store, with who-talks-most counted, every row refreshed at
// each refresh however slow the machine.
struct TreeDockFixture
{
    thingscape::ResourceStore store;
    thingscape::ResourceTreeModel model{&store};
    thingscape::EndpointManager endpoints{&store};
    thingscape::TalkerStats stats{&store};
    thingscape::ResourceTreeDock dock{&store, &model, &endpoints};

    TreeDockFixture()
    {
        dock.statsModel()->setTalkerStats(&stats);
        dock.statsModel()->setRefreshBudgetMs(0);
    }
};

} // namespace testsupport
