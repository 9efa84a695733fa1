#include <minidl/core/threads.hpp>

#include <minidl/core/errors.hpp>

#include <atomic>
#include <cblas.h>
#include <fmt/format.h>
#include <mutex>

namespace minidl {

namespace {

// minidl's own count, so that reading it never sees a region's temporary 1. Read from OpenBLAS
// once, before any region can have changed OpenBLAS's.
std::atomic<int>& count() {
  static std::atomic<int> threads{openblas_get_num_threads()};
  return threads;
}

// Orders set_num_threads's writes to OpenBLAS with the regions' changes to it.
std::mutex blas_count_mutex;
int regions_running = 0;

}  // namespace

void set_num_threads(int threads) {
  if (threads < 1) throw_invalid_argument("set_num_threads", "threads", "expected a positive count", std::to_string(threads));
  const std::lock_guard lock(blas_count_mutex);
  count().store(threads, std::memory_order_relaxed);
  if (regions_running == 0) openblas_set_num_threads(threads);
}

int num_threads() { return count().load(std::memory_order_relaxed); }

namespace detail {

SingleThreadedBlas::SingleThreadedBlas() {
  count();  // reads OpenBLAS's default before the region changes it
  const std::lock_guard lock(blas_count_mutex);
  if (regions_running++ == 0) openblas_set_num_threads(1);
}

SingleThreadedBlas::~SingleThreadedBlas() {
  const std::lock_guard lock(blas_count_mutex);
  if (--regions_running == 0) openblas_set_num_threads(num_threads());
}

}  // namespace detail
}  // namespace minidl
