#include <minidl/core/kernels/input_gradient_columns.hpp>

#include <minidl/core/kernels/register_tile.hpp>

#include <algorithm>

namespace minidl::kernels {

using namespace register_tiles;

namespace {

std::int64_t padded_group_width(const Conv1dGeometry& g, KernelIsa isa) {
  const std::int64_t floats = vector_floats(isa);
  return (g.kernel_size * (g.channels / g.groups) + floats - 1) / floats * floats;
}

}  // namespace

InputGradientColumns::InputGradientColumns(const float* kernel, const Conv1dGeometry& g, KernelIsa isa)
    : isa_(isa),
      groups_(g.groups),
      group_filters_(g.filters / g.groups),
      filters_(g.filters),
      group_width_(padded_group_width(g, isa)),
      transposed_(g.filters * group_width_, "Conv1D's transposed kernel") {
  const std::int64_t kernel_rows = g.kernel_size * (g.channels / g.groups);
  for (std::int64_t group = 0; group < groups_; ++group)
    for (std::int64_t f = 0; f < group_filters_; ++f) {
      float* row = transposed_.data() + (group * group_filters_ + f) * group_width_;
      for (std::int64_t r = 0; r < kernel_rows; ++r) row[r] = kernel[r * filters_ + group * group_filters_ + f];
    }
}

void InputGradientColumns::compute(const float* grad, std::int64_t steps, float* columns) const {
  with_isa(isa_, [&]<class Isa>(Isa) {
    const std::int64_t widest = Isa::widest_tile * Isa::floats;
    const std::int64_t rows = Isa::rows_per_tile(std::min(group_width_, widest) / Isa::floats);
    RegisterTile tile{.scalars = nullptr,
                      .row_stride = filters_,
                      .taps = 1,
                      .tap_stride = 0,
                      .depth = group_filters_,
                      .depth_stride = 1,
                      .vectors = nullptr,
                      .vector_stride = group_width_,
                      .bias = nullptr,
                      .accumulate = false,
                      .out = nullptr,
                      .out_stride = row_width()};
    for (std::int64_t step = 0; step < steps; step += rows)
      for (std::int64_t group = 0; group < groups_; ++group)
        for (std::int64_t column = 0; column < group_width_; column += widest) {
          tile.scalars = grad + step * filters_ + group * group_filters_;
          tile.vectors = transposed_.data() + group * group_filters_ * group_width_ + column;
          tile.out = columns + step * row_width() + group * group_width_ + column;
          run_tile<Isa>(tile, std::min(rows, steps - step), std::min(widest, group_width_ - column) / Isa::floats);
        }
  });
}

}  // namespace minidl::kernels
