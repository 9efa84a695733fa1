#pragma once
// Splitting a kernel's outer loop across threads. Internal to the kernels.
#include <cstdint>
#include <functional>

namespace minidl::kernels {

// Runs body(begin, end, worker) on `parts` contiguous slices of [0, count), one thread each (the
// caller runs slice 0), and rethrows the first exception. OpenBLAS is held to one thread meanwhile,
// so that the cores are not oversubscribed. With one part, it is a plain call.
void parallel_for(std::int64_t count, int parts, const std::function<void(std::int64_t, std::int64_t, int)>& body);

// How many parts work of `flops` over `count` items is worth splitting into: one per thread
// (minidl::num_threads()), or one when a thread's start-up would cost more than its share saves.
int worthwhile_parts(std::int64_t count, double flops);

}  // namespace minidl::kernels
