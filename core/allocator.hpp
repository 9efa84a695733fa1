#pragma once
// Tensor storage. Large blocks are cached when freed and handed out again for the next request of
// the same size class, so that a training loop, which allocates the same activations and gradients
// every step, stops paying the page faults of fresh memory (glibc returns large blocks to the
// system on every free). Small blocks go straight to the heap.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace minidl {

// At least `bytes` (64-byte aligned, uninitialised). Throws MemoryError naming `what` and the
// size when the request is over the allocation limit or the thread's budget, or the system
// refuses it.
std::shared_ptr<void> allocate_storage(std::size_t bytes, std::string_view what = "Tensor");

// The largest single allocation minidl attempts; larger requests throw MemoryError instead of
// reaching the system, where an overcommitted request would end in an out-of-memory kill rather
// than an error. Defaults to the machine's physical memory.
void set_allocation_limit(std::size_t bytes);
std::size_t allocation_limit();

// While alive, the storage this thread allocates may total at most `bytes` (freed storage is not
// given back); past that, allocations throw MemoryError naming `purpose`. load_model holds one so
// that a file's config cannot make it allocate more than the file's own weights justify. Budgets
// nest, each allocation counting against all of them; only the thread that made a budget is
// bound by it.
class AllocationBudget {
 public:
  AllocationBudget(std::size_t bytes, std::string purpose);
  ~AllocationBudget();
  AllocationBudget(const AllocationBudget&) = delete;
  AllocationBudget& operator=(const AllocationBudget&) = delete;
  std::size_t remaining() const { return remaining_; }

 private:
  friend std::shared_ptr<void> allocate_storage(std::size_t, std::string_view);
  std::size_t remaining_;
  std::string purpose_;
  AllocationBudget* enclosing_;
};

// Frees every cached block; returns the bytes released.
std::size_t release_cached_memory();
// Bytes currently held in the cache (not in use by any tensor).
std::size_t cached_memory();

}  // namespace minidl
