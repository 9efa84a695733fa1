#pragma once
// Splitting a kernel's outer loop across threads. Internal to the kernels.
#include <minidl/core/scratch.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

namespace minidl::kernels {

// Runs body(begin, end, worker) on `parts` contiguous slices of [0, count), one thread each (the
// caller runs slice 0), and rethrows the first exception. OpenBLAS is held to one thread meanwhile,
// so that the cores are not oversubscribed. With one part, it is a plain call.
void parallel_for(std::int64_t count, int parts, const std::function<void(std::int64_t, std::int64_t, int)>& body);

// How many parts work of `flops` over `count` items is worth splitting into: one per thread
// (minidl::num_threads()), or one when waking a worker would cost more than its share saves.
int worthwhile_parts(std::int64_t count, double flops);
// The same for a pass over `values` floats in memory (relu, a column sum), which pays for a second
// thread only from a few hundred thousand values on.
int memory_pass_parts(std::int64_t values);

// parallel_for for sums: body(begin, end, sums) adds its slice's contribution into `size` sums of
// its own, zeroed (part 0's are `total` itself); `total` ends up holding all the parts' sums.
template <class T, class Body>
void parallel_sum(T* total, std::int64_t size, std::int64_t count, int parts, Body body) {
  parts = int(std::clamp<std::int64_t>(parts, 1, std::max<std::int64_t>(count, 1)));
  std::fill(total, total + size, T(0));
  std::vector<Scratch<T>> partial;
  for (int part = 1; part < parts; ++part) partial.emplace_back(size, "a parallel sum's partial sums");
  parallel_for(count, parts, [&](std::int64_t first, std::int64_t last, int part) {
    body(first, last, part == 0 ? total : partial[std::size_t(part - 1)].data());
  });
  for (const auto& sums : partial)
    for (std::int64_t i = 0; i < size; ++i) total[i] += sums[std::size_t(i)];
}

}  // namespace minidl::kernels
