#pragma once
// How many threads minidl's kernels use (OpenBLAS's, and minidl's own parallel loops). The
// default is OpenBLAS's: the machine's cores, or OPENBLAS_NUM_THREADS.
namespace minidl {

void set_num_threads(int threads);
int num_threads();

}  // namespace minidl
