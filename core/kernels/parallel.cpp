#include <minidl/core/kernels/parallel.hpp>

#include <minidl/core/threads.hpp>

#include <algorithm>
#include <cblas.h>
#include <exception>
#include <thread>
#include <vector>

namespace minidl::kernels {

void parallel_for(std::int64_t count, int parts, const std::function<void(std::int64_t, std::int64_t, int)>& body) {
  parts = int(std::min<std::int64_t>(parts, count));
  if (parts <= 1) {
    body(0, count, 0);
    return;
  }
  const int blas_threads = openblas_get_num_threads();
  openblas_set_num_threads(1);
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(parts));
  const auto slice = [&](int part) {
    try {
      body(count * part / parts, count * (part + 1) / parts, part);
    } catch (...) {
      errors[std::size_t(part)] = std::current_exception();
    }
  };
  std::vector<std::thread> workers;
  for (int part = 1; part < parts; ++part) workers.emplace_back(slice, part);
  slice(0);
  for (auto& worker : workers) worker.join();
  openblas_set_num_threads(blas_threads);
  for (const auto& error : errors)
    if (error) std::rethrow_exception(error);
}

int worthwhile_parts(std::int64_t count, double flops) {
  // A thread costs some tens of microseconds to start: below a few MFLOP it is not worth it.
  constexpr double smallest_parallel_flops = 4e6;
  if (count < 2 || flops < smallest_parallel_flops) return 1;
  return std::max(1, num_threads());
}

}  // namespace minidl::kernels
