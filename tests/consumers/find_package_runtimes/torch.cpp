// Links libtorch's c10 through weft::torch (g++ only: clang++ 14 cannot compile libtorch 1.13's
// headers in C++20).
#include <c10/core/Device.h>

bool torch_links() { return c10::Device("cpu").is_cpu(); }
