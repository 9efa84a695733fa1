#pragma once
// Walking strided layouts in row-major order: the one loop every layout and broadcasting kernel shares.
#include <minidl/core/shape.hpp>

#include <array>
#include <cstdint>

namespace minidl::kernels {

// Calls visit(offsets) for every index of `shape` in row-major order, where offsets[k] is the
// element offset into operand k with strides[k] (a stride of 0 broadcasts that axis). The
// innermost axis runs as a tight loop.
template <std::size_t N, class Visit>
void for_each_offsets(const Shape& shape, const std::array<const Shape*, N>& strides, Visit&& visit) {
  const int rank = static_cast<int>(shape.size());
  if (element_count(shape) == 0) return;
  std::array<std::int64_t, N> offsets{};
  if (rank == 0) {
    visit(offsets);
    return;
  }
  std::array<std::int64_t, N> inner_strides{};
  for (std::size_t k = 0; k < N; ++k) inner_strides[k] = (*strides[k])[rank - 1];
  const std::int64_t inner = shape[rank - 1];
  Shape index(rank, 0);
  while (true) {
    std::array<std::int64_t, N> current = offsets;
    for (std::int64_t i = 0; i < inner; ++i) {
      visit(current);
      for (std::size_t k = 0; k < N; ++k) current[k] += inner_strides[k];
    }
    int axis = rank - 2;
    for (; axis >= 0; --axis) {
      for (std::size_t k = 0; k < N; ++k) offsets[k] += (*strides[k])[axis];
      if (++index[axis] < shape[axis]) break;
      for (std::size_t k = 0; k < N; ++k) offsets[k] -= (*strides[k])[axis] * shape[axis];
      index[axis] = 0;
    }
    if (axis < 0) return;
  }
}

// Two-operand form: visit(offset_a, offset_b).
template <class Visit>
void for_each_offset(const Shape& shape, const Shape& strides_a, const Shape& strides_b, Visit&& visit) {
  for_each_offsets<2>(shape, {&strides_a, &strides_b},
                      [&](const std::array<std::int64_t, 2>& offsets) { visit(offsets[0], offsets[1]); });
}

// Strides that read `source_shape` as if broadcast to `target_shape` (0 along broadcast axes).
inline Shape broadcast_strides(const Shape& source_shape, const Shape& source_strides, const Shape& target_shape) {
  Shape strides(target_shape.size(), 0);
  const std::size_t lead = target_shape.size() - source_shape.size();
  for (std::size_t i = 0; i < source_shape.size(); ++i)
    strides[lead + i] = source_shape[i] == 1 ? 0 : source_strides[i];
  return strides;
}

}  // namespace minidl::kernels
