#include <minidl/core/kernels/parallel.hpp>

#include <minidl/core/threads.hpp>

#include <algorithm>
#include <cblas.h>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace minidl::kernels {

void parallel_for(std::int64_t count, int parts, const std::function<void(std::int64_t, std::int64_t, int)>& body) {
  parts = int(std::min<std::int64_t>(parts, count));
  if (parts <= 1) {
    body(0, count, 0);
    return;
  }
  // OpenBLAS's thread count is process-wide: one parallel region at a time sets and restores it.
  static std::mutex region;
  const std::lock_guard lock(region);
  struct BlasThreads {
    int saved = openblas_get_num_threads();
    BlasThreads() { openblas_set_num_threads(1); }
    ~BlasThreads() { openblas_set_num_threads(saved); }
  } single_threaded_blas;
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(parts));
  const auto slice = [&](int part) {
    try {
      body(count * part / parts, count * (part + 1) / parts, part);
    } catch (...) {
      errors[std::size_t(part)] = std::current_exception();
    }
  };
  {
    std::vector<std::jthread> workers;  // joined on every way out of this scope
    for (int part = 1; part < parts; ++part) workers.emplace_back(slice, part);
    slice(0);
  }
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
