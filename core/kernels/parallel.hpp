#pragma once
// Splitting a kernel's outer loop across threads. Internal to the kernels.
#include <minidl/core/scratch.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>

namespace minidl::kernels {

// Runs body(begin, end, chunk) on parallel_chunks(count, parts) contiguous chunks of [0, count), on
// up to `parts` threads (the caller's among them), and rethrows the first chunk's exception. The
// threads take chunks in turn as they finish one: a thread slowed by another process on its core
// takes fewer, and one that wakes after the others have taken every chunk is not waited for.
// OpenBLAS is held to one thread meanwhile, so that the cores are not oversubscribed. With one
// part, it is a plain call of body(0, count, 0).
void parallel_for(std::int64_t count, int parts, const std::function<void(std::int64_t, std::int64_t, int)>& body);

// How many chunks parallel_for splits [0, count) into for `parts` threads: a few per thread, so that
// a busy core can hand its share on, and a function of the two counts alone, so that sums over
// chunks are the same from run to run.
int parallel_chunks(std::int64_t count, int parts);

// parallel_for over `chunks` chunks (as parallel_chunks gave, or fewer, at least `parts`).
void parallel_for_chunks(std::int64_t count, int parts, int chunks, const std::function<void(std::int64_t, std::int64_t, int)>& body);

// How many parts work of `flops` over `count` items is worth splitting into: one per thread
// (minidl::num_threads()), or one when waking a worker would cost more than its share saves.
int worthwhile_parts(std::int64_t count, double flops);
// The same for a pass over `values` floats in memory (relu, a column sum), which pays for a second
// thread only from a few hundred thousand values on.
int memory_pass_parts(std::int64_t values);

// parallel_for for sums: body(begin, end, sums) adds its chunk's contribution into `size` sums of
// its own, zeroed (chunk 0's are `total` itself); `total` ends up holding all the chunks' sums,
// added in chunk order, so that the result does not depend on which thread took which chunk.
template <class T, class Body>
void parallel_sum(T* total, std::int64_t size, std::int64_t count, int parts, Body body) {
  int chunks = parallel_chunks(count, parts);
  // Large sums on many threads keep a sum per thread instead, as with fixed shares, rather than
  // four times as much memory.
  constexpr double most_partial_bytes = 64.0 * 1024 * 1024;
  if (chunks > parts && double(chunks - 1) * double(size) * sizeof(T) > most_partial_bytes) chunks = parts;
  std::fill(total, total + size, T(0));
  // The other chunks' sums in one block: as a block of many chunks it is large enough for the
  // allocator's cache, and reused warm from call to call; small blocks one per chunk came fresh
  // from the system each call, and their page faults cost a third as much as the sums (B1).
  const Scratch<T> partial((chunks - 1) * size, "a parallel sum's partial sums");
  parallel_for_chunks(count, parts, chunks, [&](std::int64_t first, std::int64_t last, int chunk) {
    body(first, last, chunk == 0 ? total : partial.data() + (chunk - 1) * size);
  });
  for (int chunk = 1; chunk < chunks; ++chunk) {
    const T* sums = partial.data() + (chunk - 1) * size;
    for (std::int64_t i = 0; i < size; ++i) total[i] += sums[i];
  }
}

}  // namespace minidl::kernels
