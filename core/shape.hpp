#pragma once
// Shapes, strides and the rules that relate them: element counts, axis normalisation, broadcasting.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace minidl {

using Shape = std::vector<std::int64_t>;

// "(4, 10, 128)", "(3,)", "()": NumPy's way of printing a shape.
std::string shape_to_string(const Shape& shape);

// The most elements a tensor, a window or a padded length may have: 2^40, 4 TiB of float32. No
// machine this runs on holds more, so a larger size is a mistake (or a hostile file).
constexpr std::int64_t largest_element_count = std::int64_t{1} << 40;

// The number of elements; throws InvalidArgument naming `where` for a negative dimension or a
// count beyond what memory could ever hold (so a typo never becomes an out-of-memory kill).
std::int64_t checked_element_count(const Shape& shape, std::string_view where);

// Throws InvalidArgument naming `where` unless every extent of `input_shape` is a size in
// [0, largest_element_count] (the batch's, axis 0, may also be -1: unknown). Layers check the
// shapes they compute from, which may come from a file or a config; then sums of a few extents
// and options of that bound cannot overflow.
void check_extents(const Shape& input_shape, std::string_view where);

inline std::int64_t element_count(const Shape& shape) {
  std::int64_t count = 1;
  for (auto extent : shape) count *= extent;
  return count;
}

// Row-major strides, in elements.
Shape contiguous_strides(const Shape& shape);

// Maps a possibly negative axis into [0, rank); throws InvalidArgument naming `where` and `argument`.
int normalize_axis(std::int64_t axis, int rank, std::string_view where, std::string_view argument = "axis");

// Normalised, sorted, duplicate-free axes; an empty list means every axis.
std::vector<int> normalize_axes(const std::vector<std::int64_t>& axes, int rank, std::string_view where);

// NumPy broadcasting of two shapes; throws ShapeError naming `where` and both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, std::string_view where);

}  // namespace minidl
