// The header compiles as C++ (cpp_compat) and links.
#include "outpaint.h"
#include "outpaint.h"  // twice: guarded

int main() {
  outpaint_expansion e{};
  auto s = outpaint_expand(10, 10, outpaint_str_c("1:1"), outpaint_str{nullptr, 0}, &e);
  return s == OUTPAINT_STATUS_OK ? 0 : 1;
}
