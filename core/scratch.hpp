#pragma once
// A kernel's working memory, zeroed, taken through minidl's allocator: a request past the
// allocation limit or the thread's AllocationBudget is then a MemoryError naming what it was for,
// as a tensor's is, rather than std::bad_alloc from the heap (or an overcommitted kill).
//   Scratch<float> packed(kernel_rows * filters, "Conv1D's packed kernel");
#include <minidl/core/allocator.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string_view>

namespace minidl {

template <class T>
class Scratch {
 public:
  Scratch() = default;
  Scratch(std::int64_t count, std::string_view what)
      : size_(std::size_t(std::max<std::int64_t>(count, 0))),
        storage_(size_ > 0 ? allocate_storage(bytes_of(size_), what) : nullptr) {
    std::fill(begin(), end(), T(0));
  }

  T* data() const { return static_cast<T*>(storage_.get()); }
  std::size_t size() const { return size_; }
  T* begin() const { return data(); }
  T* end() const { return data() + size_; }
  T& operator[](std::size_t i) const { return data()[i]; }

 private:
  // A count whose bytes do not fit a size_t asks for more than any limit: the limit's error, not a
  // wrapped small request.
  static std::size_t bytes_of(std::size_t count) { return count > SIZE_MAX / sizeof(T) ? SIZE_MAX : count * sizeof(T); }

  std::size_t size_ = 0;
  std::shared_ptr<void> storage_;
};

}  // namespace minidl
