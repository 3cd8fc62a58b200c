#include "windowheap.h"

#if __has_include(<malloc.h>)
#include <malloc.h>
#endif

namespace thingscape {

void applyWindowHeapPolicy()
{
#ifdef M_ARENA_MAX // glibc's
    mallopt(M_ARENA_MAX, 1);
#endif
}

} // namespace thingscape
