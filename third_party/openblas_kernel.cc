#include "third_party/openblas_kernel.h"

extern "C" char* openblas_get_corename(void);

namespace fln {

std::string OpenBlasCoreName() {
  const char* name = openblas_get_corename();
  return name != nullptr ? name : "unknown";
}

}  // namespace fln
