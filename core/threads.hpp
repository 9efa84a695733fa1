#pragma once
// How many threads minidl's kernels use (OpenBLAS's, and minidl's own parallel loops). The
// default is OpenBLAS's: the machine's cores, or OPENBLAS_NUM_THREADS. Any thread may set it; the
// latest call wins.
namespace minidl {

void set_num_threads(int threads);
int num_threads();

namespace detail {

// Held by a parallel region while it runs (core/kernels/parallel.cpp): OpenBLAS, whose thread
// count is process-wide, runs single-threaded inside the region's parts, then gets num_threads()
// back. A set_num_threads meanwhile takes effect when the region ends rather than being undone.
class SingleThreadedBlas {
 public:
  SingleThreadedBlas();
  ~SingleThreadedBlas();
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;
};

}  // namespace detail
}  // namespace minidl
