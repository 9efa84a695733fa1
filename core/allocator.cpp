#include <minidl/core/allocator.hpp>

#include <minidl/core/errors.hpp>

#include <atomic>
#include <bit>
#include <exception>
#include <fmt/format.h>
#include <limits>
#include <map>
#include <mutex>
#include <new>
#include <unistd.h>
#include <vector>

namespace minidl {

namespace {

constexpr std::align_val_t alignment{64};
// Below this, glibc's heap serves blocks without page faults.
constexpr std::size_t smallest_cached = std::size_t{1} << 16;
// The cache never holds more than this, so that it cannot grow without bound.
constexpr std::size_t cache_limit = std::size_t{1} << 30;

// Size classes an eighth of a power of two apart: a request reuses a block at most 12.5% larger.
std::size_t size_class(std::size_t bytes) {
  const std::size_t power = std::bit_floor(bytes);
  const std::size_t step = std::max<std::size_t>(power / 8, 64);
  return (bytes + step - 1) / step * step;
}

struct Cache {
  std::mutex mutex;
  std::map<std::size_t, std::vector<void*>> free_blocks;
  std::size_t held = 0;

  std::size_t release() {
    std::lock_guard lock(mutex);
    const std::size_t released = held;
    for (auto& [bytes, blocks] : free_blocks)
      for (void* block : blocks) ::operator delete(block, alignment);
    free_blocks.clear();
    held = 0;
    return released;
  }
};

Cache& cache() {
  // Never destroyed: tensors in static storage may be freed after this would be.
  static Cache* instance = new Cache;
  return *instance;
}

std::size_t physical_memory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page_size = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && page_size > 0 ? std::size_t(pages) * std::size_t(page_size) : std::numeric_limits<std::size_t>::max();
}

std::atomic<std::size_t>& limit() {
  static std::atomic<std::size_t> bytes{physical_memory()};
  return bytes;
}

thread_local AllocationBudget* innermost_budget = nullptr;

std::string describe_bytes(std::size_t bytes) {
  return fmt::format("{} bytes ({:.3g} GiB)", bytes, double(bytes) / double(std::size_t{1} << 30));
}

void* allocate_new(std::size_t bytes, std::string_view what) {
  try {
    return ::operator new(bytes, alignment);
  } catch (const std::bad_alloc&) {
    throw MemoryError(fmt::format("{}: the system refused {} of memory", what, describe_bytes(bytes)));
  }
}

}  // namespace

void set_allocation_limit(std::size_t bytes) { limit() = bytes; }
std::size_t allocation_limit() { return limit(); }

AllocationBudget::AllocationBudget(std::size_t bytes, std::string purpose)
    : remaining_(bytes), purpose_(std::move(purpose)), enclosing_(innermost_budget) {
  innermost_budget = this;
}

AllocationBudget::~AllocationBudget() {
  // Budgets are scoped objects: destroyed on their own thread, innermost first.
  if (innermost_budget != this) std::terminate();
  innermost_budget = enclosing_;
}

std::shared_ptr<void> allocate_storage(std::size_t bytes, std::string_view what) {
  if (bytes > allocation_limit())
    throw MemoryError(fmt::format("{}: cannot allocate {}: over the allocation limit of {} (set_allocation_limit)", what,
                                  describe_bytes(bytes), describe_bytes(allocation_limit())));
  // Every enclosing budget pays too, so an inner one cannot lift an outer one's bound.
  for (auto* budget = innermost_budget; budget; budget = budget->enclosing_)
    if (bytes > budget->remaining_)
      throw MemoryError(fmt::format("{}: cannot allocate {}: {} allows only {} more", what, describe_bytes(bytes),
                                    budget->purpose_, describe_bytes(budget->remaining_)));
  for (auto* budget = innermost_budget; budget; budget = budget->enclosing_) budget->remaining_ -= bytes;
  if (bytes < smallest_cached) {
    void* memory = allocate_new(std::max<std::size_t>(bytes, 1), what);
    return std::shared_ptr<void>(memory, [](void* pointer) { ::operator delete(pointer, alignment); });
  }
  const std::size_t rounded = size_class(bytes);
  void* memory = nullptr;
  {
    auto& shared = cache();
    std::lock_guard lock(shared.mutex);
    auto found = shared.free_blocks.find(rounded);
    if (found != shared.free_blocks.end() && !found->second.empty()) {
      memory = found->second.back();
      found->second.pop_back();
      shared.held -= rounded;
    }
  }
  if (!memory) memory = allocate_new(rounded, what);
  return std::shared_ptr<void>(memory, [rounded](void* pointer) {
    auto& shared = cache();
    {
      std::lock_guard lock(shared.mutex);
      if (shared.held + rounded <= cache_limit) {
        shared.free_blocks[rounded].push_back(pointer);
        shared.held += rounded;
        return;
      }
    }
    ::operator delete(pointer, alignment);
  });
}

std::size_t release_cached_memory() { return cache().release(); }

std::size_t cached_memory() {
  auto& shared = cache();
  std::lock_guard lock(shared.mutex);
  return shared.held;
}

}  // namespace minidl
