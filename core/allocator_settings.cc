#include "core/allocator_settings.h"

#include <malloc.h>

#include <climits>

namespace fln {

bool KeepLargeAllocationsInHeap() {
  const bool no_mmap = mallopt(M_MMAP_MAX, 0) == 1;
  const bool no_trim = mallopt(M_TRIM_THRESHOLD, INT_MAX) == 1;
  return no_mmap && no_trim;
}

}  // namespace fln
