#include <minidl/core/kernels/conv1d_tiles.hpp>

#include <minidl/core/kernels/parallel.hpp>
#include <minidl/core/kernels/register_tile.hpp>
#include <minidl/core/scratch.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>
#include <vector>

namespace minidl::kernels {

using namespace register_tiles;

namespace {

// The output steps whose whole window lies inside the input: [first, last).
struct Interior {
  std::int64_t first, last;
};

Interior interior_steps(const Conv1dGeometry& g) {
  const std::int64_t steps = g.output_length();
  const std::int64_t first = std::min((g.pad_left + g.stride - 1) / g.stride, steps);
  const std::int64_t reach = g.length - 1 + g.pad_left - (g.kernel_size - 1) * g.dilation;  // last step · stride ≤ reach
  const std::int64_t last = reach < 0 ? first : std::clamp(reach / g.stride + 1, first, steps);
  return {first, last};
}

// Input rows the windows of output steps [first, last) span.
std::int64_t span_rows(const Conv1dGeometry& g, std::int64_t first, std::int64_t last) {
  return last > first ? (last - 1 - first) * g.stride + (g.kernel_size - 1) * g.dilation + 1 : 0;
}

// A batch element's input as the windows of its output steps see it: x itself for the steps
// whose windows lie inside, zero-padded copies of its two ends for the steps at either end.
class PaddedWindows {
 public:
  explicit PaddedWindows(const Conv1dGeometry& g)
      : g_(g),
        interior_(interior_steps(g)),
        left_rows_(span_rows(g, 0, interior_.first)),
        ends_((left_rows_ + span_rows(g, interior_.last, g.output_length())) * g.channels, "Conv1D's zero-padded input ends") {}

  // Calls visit(window, first, last) on each range of output steps [first, last) that share an
  // addressing: `window` is where step first's window starts, the next step's s·C floats on.
  template <class Visit>
  void for_each_range(const float* x, Visit visit) {
    float* const right_end = ends_.data() + left_rows_ * g_.channels;
    copy_padded(x, -g_.pad_left, left_rows_, ends_.data());
    copy_padded(x, interior_.last * g_.stride - g_.pad_left, span_rows(g_, interior_.last, g_.output_length()), right_end);
    if (interior_.first > 0) visit(static_cast<const float*>(ends_.data()), std::int64_t{0}, interior_.first);
    if (interior_.first < interior_.last)
      visit(x + (interior_.first * g_.stride - g_.pad_left) * g_.channels, interior_.first, interior_.last);
    if (interior_.last < g_.output_length()) visit(static_cast<const float*>(right_end), interior_.last, g_.output_length());
  }

 private:
  // Input steps [first_input, first_input + rows), zeros outside [0, length).
  void copy_padded(const float* x, std::int64_t first_input, std::int64_t rows, float* target) const {
    for (std::int64_t row = 0; row < rows; ++row) {
      const std::int64_t position = first_input + row;
      float* destination = target + row * g_.channels;
      if (position < 0 || position >= g_.length) std::fill(destination, destination + g_.channels, 0.0f);
      else std::memcpy(destination, x + position * g_.channels, std::size_t(g_.channels) * sizeof(float));
    }
  }

  const Conv1dGeometry& g_;
  Interior interior_;
  std::int64_t left_rows_;
  Scratch<float> ends_;
};

// A tile's filters: up to a widest tile's of one group.
struct FilterBlock {
  std::int64_t group, column, vectors;
};

template <class Isa>
std::vector<FilterBlock> filter_blocks(const Conv1dGeometry& g) {
  const std::int64_t group_filters = g.filters / g.groups, widest = Isa::widest_tile * Isa::floats;
  std::vector<FilterBlock> blocks;
  for (std::int64_t group = 0; group < g.groups; ++group)
    for (std::int64_t filter = 0; filter < group_filters; filter += widest)
      blocks.push_back({group, group * group_filters + filter, std::min(widest, group_filters - filter) / Isa::floats});
  return blocks;
}

// The rows of every tile of a pass: one count for all its blocks.
template <class Isa>
std::int64_t tile_rows_for(const std::vector<FilterBlock>& blocks) {
  std::int64_t widest = 1;
  for (const FilterBlock& block : blocks) widest = std::max(widest, block.vectors);
  return Isa::rows_per_tile(widest);
}

// Whether `isa`'s tiles compute a float32 convolution of this geometry.
bool tiles_fit(const Conv1dGeometry& g, KernelIsa isa) {
  if (isa == KernelIsa::blas) return false;
  // A depthwise convolution (one input channel per group) whose multiplier fills 4-float vectors
  // would make one tile per channel; it keeps the depthwise kernel, as before the portable tiles,
  // since no measurement has shown those tiles faster.
  if (isa == KernelIsa::portable && g.groups > 1 && g.channels == g.groups) return false;
  // The padded copies of the ends stay within about twice the input when the receptive field and
  // the padding (Keras's never exceeds the receptive field) do.
  const std::int64_t span = (g.kernel_size - 1) * g.dilation;
  return (g.filters / g.groups) % vector_floats(isa) == 0 && span <= g.length && g.pad_left >= 0 &&
         g.pad_right >= 0 && g.pad_left <= span && g.pad_right <= span;
}

// Where x's batch elements and y's rows lie: dense for a forward pass; for a phase of a strided
// input gradient, y's rows are every stride-th input step.
struct TileLayout {
  std::int64_t x_batch_stride, y_row_stride, y_batch_stride;
};

template <class Isa>
void forward_tiles(const float* x, const float* kernel, const float* bias, const Conv1dGeometry& g, int parts, float* y,
                   const TileLayout& layout, bool relu) {
  const std::int64_t group_channels = g.channels / g.groups;
  const std::int64_t kernel_rows = g.kernel_size * group_channels;
  const auto blocks = filter_blocks<Isa>(g);
  const std::int64_t rows = tile_rows_for<Isa>(blocks);
  // With more than one block, a block's columns of the kernel lie 4·filters bytes apart, on few
  // cache sets: each block is then copied out whole, so that a tile reads its kernel in order.
  const bool pack = blocks.size() > 1;
  const Scratch<float> packed_kernel(pack ? kernel_rows * g.filters : 0, "Conv1D's packed kernel");
  std::vector<const float*> block_kernels;
  for (std::int64_t offset = 0; const FilterBlock& block : blocks) {
    const std::int64_t width = block.vectors * Isa::floats;
    if (pack)
      for (std::int64_t row = 0; row < kernel_rows; ++row)
        std::memcpy(packed_kernel.data() + offset + row * width, kernel + row * g.filters + block.column,
                    std::size_t(width) * sizeof(float));
    block_kernels.push_back(pack ? packed_kernel.data() + offset : kernel + block.column);
    offset += kernel_rows * width;
  }
  // With dilation 1 and one group, a window's taps are consecutive in x: one long tap.
  const bool one_tap = g.dilation == 1 && g.groups == 1;
  parallel_for(g.batch, parts, [&](std::int64_t first, std::int64_t last, int) {
    PaddedWindows windows(g);
    RegisterTile tile{.scalars = nullptr,
                      .row_stride = g.stride * g.channels,
                      .taps = one_tap ? 1 : g.kernel_size,
                      .tap_stride = g.dilation * g.channels,
                      .depth = one_tap ? kernel_rows : group_channels,
                      .depth_stride = 1,
                      .vectors = nullptr,
                      .vector_stride = g.filters,
                      .bias = nullptr,
                      .accumulate = false,
                      .out = nullptr,
                      .out_stride = layout.y_row_stride,
                      .relu = relu};
    for (std::int64_t b = first; b < last; ++b) {
      float* yb = y + b * layout.y_batch_stride;
      // Tile by tile, every block of filters while the tile's input rows are in cache.
      windows.for_each_range(x + b * layout.x_batch_stride, [&](const float* window, std::int64_t from, std::int64_t to) {
        for (std::int64_t step = from; step < to; step += rows)
          for (std::size_t i = 0; i < blocks.size(); ++i) {
            tile.scalars = window + (step - from) * tile.row_stride + blocks[i].group * group_channels;
            tile.vectors = block_kernels[i];
            if (pack) tile.vector_stride = blocks[i].vectors * Isa::floats;
            tile.bias = bias ? bias + blocks[i].column : nullptr;
            tile.out = yb + step * layout.y_row_stride + blocks[i].column;
            run_tile<Isa>(tile, std::min(rows, to - step), blocks[i].vectors);
          }
      });
    }
  });
}

// The kernel gradient and, where bias_grad is given, the bias gradient: a tile whose one scalar is
// 1 sums the output gradient's rows while the kernel gradient's tiles have them in cache, where a
// pass of its own would read them from memory again.
template <class Isa>
void backward_kernel_tiles(const float* grad, const float* x, const Conv1dGeometry& g, int parts, float* kernel_grad,
                           float* bias_grad) {
  const std::int64_t steps = g.output_length();
  const std::int64_t group_channels = g.channels / g.groups;
  const std::int64_t kernel_rows = g.kernel_size * group_channels;
  const auto blocks = filter_blocks<Isa>(g);
  const std::int64_t rows = tile_rows_for<Isa>(blocks);
  // The kernel's rows, as runs of consecutive channels in a window: all of them at once with
  // dilation 1 and one group, else a tap's channels of one group.
  const bool one_tap = g.dilation == 1 && g.groups == 1;
  const std::int64_t run_rows = one_tap ? kernel_rows : group_channels;
  // With the bias, the sums are the kernel's rows and then the bias, copied out at the end.
  const std::int64_t kernel_sums = kernel_rows * g.filters;
  const Scratch<float> both(bias_grad ? kernel_sums + g.filters : 0, "Conv1D's kernel and bias gradients");
  float* const total = bias_grad ? both.data() : kernel_grad;
  static constexpr float one = 1.0f;
  const std::int64_t sum_count = kernel_sums + (bias_grad ? g.filters : 0);
  parallel_sum(total, sum_count, g.batch, parts, [&](std::int64_t first, std::int64_t last, float* sums) {
    PaddedWindows windows(g);
    RegisterTile tile{.scalars = nullptr,
                      .row_stride = 1,
                      .taps = 1,
                      .tap_stride = 0,
                      .depth = 0,
                      .depth_stride = g.stride * g.channels,
                      .vectors = nullptr,
                      .vector_stride = g.filters,
                      .bias = nullptr,
                      .accumulate = true,
                      .out = nullptr,
                      .out_stride = g.filters};
    RegisterTile bias_tile = tile;
    bias_tile.scalars = &one;
    bias_tile.depth_stride = 0;
    for (std::int64_t b = first; b < last; ++b) {
      const float* gb = grad + b * steps * g.filters;
      windows.for_each_range(x + b * g.length * g.channels, [&](const float* window, std::int64_t from, std::int64_t to) {
        tile.depth = to - from;
        for (const FilterBlock& block : blocks) {
          tile.vectors = gb + from * g.filters + block.column;
          for (std::int64_t tap = 0; tap < (one_tap ? 1 : g.kernel_size); ++tap)
            for (std::int64_t row = 0; row < run_rows; row += rows) {
              tile.scalars = window + tap * g.dilation * g.channels + block.group * group_channels + row;
              tile.out = sums + (tap * group_channels + row) * g.filters + block.column;
              run_tile<Isa>(tile, std::min(rows, run_rows - row), block.vectors);
            }
          if (bias_grad) {
            bias_tile.depth = to - from;
            bias_tile.vectors = tile.vectors;
            bias_tile.out = sums + kernel_sums + block.column;
            run_tile<Isa>(bias_tile, 1, block.vectors);
          }
        }
      });
    }
  });
  if (bias_grad) {
    std::memcpy(kernel_grad, total, std::size_t(kernel_sums) * sizeof(float));
    std::memcpy(bias_grad, total + kernel_sums, std::size_t(g.filters) * sizeof(float));
  }
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return -floor_div(-a, b); }

}  // namespace

KernelIsa conv1d_tiles_isa(const Conv1dGeometry& g, DType dtype) {
  const KernelIsa isa = selected_kernel_isa();
  return dtype == DType::float32 && tiles_fit(g, isa) ? isa : KernelIsa::blas;
}

bool conv1d_tiles_apply(const Conv1dGeometry& g, DType dtype) { return conv1d_tiles_isa(g, dtype) != KernelIsa::blas; }

void conv1d_forward_tiles(const float* x, const float* kernel, const float* bias, const Conv1dGeometry& g, int parts, float* y,
                          bool relu, KernelIsa isa) {
  with_isa(isa, [&]<class Isa>(Isa) {
    forward_tiles<Isa>(x, kernel, bias, g, parts, y, {g.length * g.channels, g.filters, g.output_length() * g.filters}, relu);
  });
}

void conv1d_backward_kernel_tiles(const float* grad, const float* x, const Conv1dGeometry& g, int parts, float* kernel_grad,
                                  float* bias_grad, KernelIsa isa) {
  with_isa(isa, [&]<class Isa>(Isa) { backward_kernel_tiles<Isa>(grad, x, g, parts, kernel_grad, bias_grad); });
}

bool conv1d_backward_input_tiles(const float* grad, const float* kernel, const Conv1dGeometry& g, int parts, float* grad_x,
                                 KernelIsa isa) {
  // Input step p receives from output step t through tap j when p + pad_left = t·s + j·d. Split
  // the input steps by phase r = (p + pad_left) mod s: phase r hears only taps j = r, r + s, …,
  // and, written m = (p + pad_left − r) / s, step m of the phase is a stride-1 convolution of
  // grad over those n taps (dilation d), flipped, and transposed within each group. With stride
  // 1 that is one phase. Keras never combines strides with dilation, and the phases need one of
  // them to be 1.
  if (isa == KernelIsa::blas || (g.stride != 1 && g.dilation != 1)) return false;
  const std::int64_t steps = g.output_length();
  const std::int64_t group_channels = g.channels / g.groups, group_filters = g.filters / g.groups;
  struct Phase {
    std::int64_t first_tap, first_grad_step, first_input_step;
    Conv1dGeometry geometry;
  };
  std::vector<Phase> phases;
  bool unreached_steps = false;  // a phase no tap reaches: its input steps get zeros
  for (std::int64_t phase = 0; phase < g.stride; ++phase) {
    const std::int64_t first = ceil_div(g.pad_left - phase, g.stride);
    const std::int64_t last = floor_div(g.length - 1 + g.pad_left - phase, g.stride);
    if (last < first) continue;
    const std::int64_t taps = phase < g.kernel_size ? (g.kernel_size - phase + g.stride - 1) / g.stride : 0;
    if (taps == 0) {
      unreached_steps = true;
      continue;
    }
    // Step m's window over grad starts at m − (taps − 1)·d; grad steps before 0 or past its end
    // are padding, and padding the window never reaches is cut off.
    const std::int64_t span = (taps - 1) * g.dilation;
    std::int64_t pad_left = span - first, first_grad_step = 0, length = steps;
    if (pad_left < 0) {
      first_grad_step = -pad_left;
      length -= first_grad_step;
      pad_left = 0;
    }
    std::int64_t pad_right = (last - first + 1) - length - pad_left + span;
    if (pad_right < 0) {
      length += pad_right;
      pad_right = 0;
    }
    const Conv1dGeometry geometry{.batch = g.batch, .length = length, .channels = g.filters, .filters = g.channels,
                                  .kernel_size = taps, .stride = 1, .dilation = g.dilation, .pad_left = pad_left,
                                  .pad_right = pad_right, .groups = g.groups};
    if (length < 1 || geometry.output_length() != last - first + 1 || !tiles_fit(geometry, isa)) return false;
    phases.push_back({phase, first_grad_step, first * g.stride + phase - g.pad_left, geometry});
  }
  if (unreached_steps) std::fill(grad_x, grad_x + g.batch * g.length * g.channels, 0.0f);
  for (const Phase& phase : phases) {
    const std::int64_t taps = phase.geometry.kernel_size;
    const Scratch<float> flipped_kernel(taps * group_filters * g.channels, "Conv1D's flipped kernel");
    for (std::int64_t i = 0; i < taps; ++i) {
      const std::int64_t tap = phase.first_tap + (taps - 1 - i) * g.stride;
      for (std::int64_t group = 0; group < g.groups; ++group)
        for (std::int64_t f = 0; f < group_filters; ++f) {
          const float* source = kernel + tap * group_channels * g.filters + group * group_filters + f;
          float* row = flipped_kernel.data() + (i * group_filters + f) * g.channels + group * group_channels;
          for (std::int64_t c = 0; c < group_channels; ++c) row[c] = source[c * g.filters];
        }
    }
    with_isa(isa, [&]<class Isa>(Isa) {
      forward_tiles<Isa>(grad + phase.first_grad_step * g.filters, flipped_kernel.data(), nullptr, phase.geometry, parts,
                         grad_x + phase.first_input_step * g.channels,
                         {steps * g.filters, g.stride * g.channels, g.length * g.channels}, false);
    });
  }
  return true;
}

}  // namespace minidl::kernels
