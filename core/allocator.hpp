#pragma once
// Tensor storage. Large blocks are cached when freed and handed out again for the next request of
// the same size class, so that a training loop, which allocates the same activations and gradients
// every step, stops paying the page faults of fresh memory (glibc returns large blocks to the
// system on every free). Small blocks go straight to the heap.
#include <cstddef>
#include <memory>

namespace minidl {

// At least `bytes` (64-byte aligned, uninitialised).
std::shared_ptr<void> allocate_storage(std::size_t bytes);

// Frees every cached block; returns the bytes released.
std::size_t release_cached_memory();
// Bytes currently held in the cache (not in use by any tensor).
std::size_t cached_memory();

}  // namespace minidl
