#include <minidl/core/threads.hpp>

#include <minidl/core/errors.hpp>

#include <cblas.h>
#include <fmt/format.h>

namespace minidl {

void set_num_threads(int threads) {
  if (threads < 1) throw_invalid_argument("set_num_threads", "threads", "expected a positive count", std::to_string(threads));
  openblas_set_num_threads(threads);
}

int num_threads() { return openblas_get_num_threads(); }

}  // namespace minidl
