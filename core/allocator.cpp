#include <minidl/core/allocator.hpp>

#include <bit>
#include <map>
#include <mutex>
#include <new>
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

}  // namespace

std::shared_ptr<void> allocate_storage(std::size_t bytes) {
  if (bytes < smallest_cached) {
    void* memory = ::operator new(std::max<std::size_t>(bytes, 1), alignment);
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
  if (!memory) memory = ::operator new(rounded, alignment);
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
