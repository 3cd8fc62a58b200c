#include "guilauncher.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>

namespace thingscape {

namespace {

// Where this executable lives (symbolic links resolved), with its trailing '/'.
std::string ownDirectory(const char *argv0)
{
    char path[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    std::string self = n > 0 ? std::string(path, size_t(n)) : std::string(argv0 ? argv0 : "");
    const size_t slash = self.rfind('/');
    return slash == std::string::npos ? std::string("./") : self.substr(0, slash + 1);
}

} // namespace

int execWindow(char *argv[])
{
    const std::string dir = ownDirectory(argv[0]);
    // The build tree keeps both side by side; an installation puts the window under libexec.
    const std::string candidates[] = {
        dir + "thingscape-gui",
        dir + THINGSCAPE_GUI_FROM_BINDIR "/thingscape-gui",
    };
    int error = ENOENT;
    for (const std::string &candidate : candidates) {
        if (access(candidate.c_str(), X_OK) != 0)
            continue;
        execv(candidate.c_str(), argv);
        error = errno;
    }
    std::fprintf(stderr, "thingscape: cannot open the window: thingscape-gui (beside %s or in %s%s): %s\n",
                 candidates[0].c_str(), dir.c_str(), THINGSCAPE_GUI_FROM_BINDIR, std::strerror(error));
    return 3;
}

} // namespace thingscape
