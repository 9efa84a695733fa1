#include <minidl/core/shape.hpp>

#include <minidl/core/errors.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace minidl {

std::string shape_to_string(const Shape& shape) {
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

std::int64_t checked_element_count(const Shape& shape, std::string_view where) {
  // The non-zero extents must multiply within bounds even when another extent is 0: strides are
  // products of them.
  std::int64_t count = 1;
  bool overflows = false, empty = false;
  for (auto extent : shape) {
    if (extent < 0)
      throw_invalid_argument(where, "shape", "expected non-negative dimensions", shape_to_string(shape));
    if (extent == 0) empty = true;
    else if (count > largest_element_count / extent) overflows = true;
    else count *= extent;
  }
  if (overflows) {
    // The product may not fit an int64; a double names it closely enough to see the mistake.
    double requested = 1.0;
    for (auto extent : shape) requested *= double(std::max<std::int64_t>(extent, 1));
    throw_invalid_argument(where, "shape", fmt::format("expected at most {} elements", largest_element_count),
                           fmt::format("{} ({:.3g} elements)", shape_to_string(shape), requested));
  }
  return empty ? 0 : count;
}

namespace {

bool is_size(std::int64_t value) { return value >= 0 && value <= largest_element_count; }

}  // namespace

void check_extents(const Shape& input_shape, std::string_view where) {
  for (std::size_t axis = 0; axis < input_shape.size(); ++axis)
    if (!is_size(input_shape[axis]) && !(axis == 0 && input_shape[axis] == -1))
      throw_invalid_argument(where, "input_shape", "expected extents within [0, 2^40] (the batch's may be -1, unknown)",
                             shape_to_string(input_shape));
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  std::int64_t stride = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= std::max<std::int64_t>(shape[i], 1);
  }
  return strides;
}

int normalize_axis(std::int64_t axis, int rank, std::string_view where, std::string_view argument) {
  if (axis < -rank || axis >= rank)
    throw_invalid_argument(where, argument, fmt::format("expected an axis in [{}, {}) for a tensor of rank {}", -rank, rank, rank),
                           fmt::format("{}={}", argument, axis));
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

std::vector<int> normalize_axes(const std::vector<std::int64_t>& axes, int rank, std::string_view where) {
  std::vector<int> normalized;
  if (axes.empty()) {
    for (int axis = 0; axis < rank; ++axis) normalized.push_back(axis);
    return normalized;
  }
  for (auto axis : axes) {
    int positive = normalize_axis(axis, rank, where, "axis");
    if (std::find(normalized.begin(), normalized.end(), positive) != normalized.end())
      throw_invalid_argument(where, "axis", "expected distinct axes", fmt::format("axis=[{}]", fmt::join(axes, ", ")));
    normalized.push_back(positive);
  }
  std::sort(normalized.begin(), normalized.end());
  return normalized;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, std::string_view where) {
  const std::size_t rank = std::max(a.size(), b.size());
  Shape result(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    std::int64_t from_a = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    std::int64_t from_b = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (from_a != from_b && from_a != 1 && from_b != 1)
      throw ShapeError(fmt::format("{}: incompatible shapes for broadcasting: {} and {}", where, shape_to_string(a),
                                   shape_to_string(b)));
    result[i] = from_a == 1 ? from_b : from_a;
  }
  return result;
}

}  // namespace minidl
