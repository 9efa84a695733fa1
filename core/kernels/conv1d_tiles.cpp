#include <minidl/core/kernels/conv1d_tiles.hpp>

#include <minidl/core/kernels/parallel.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <immintrin.h>
#include <utility>
#include <vector>

namespace minidl::kernels {

namespace {

// 16 floats: one AVX-512 register. aligned(4): rows of y and of the kernel are float-aligned only.
using Vector = float __attribute__((vector_size(64), aligned(4)));
constexpr std::int64_t vector_floats = 16;
// 8 rows × 2 vectors of sums, with the kernel's 2 vectors and a broadcast, fit the 32 registers
// with room to spare; more rows measured no faster.
constexpr int tile_rows = 8;

// All 16 lanes `value`: one vbroadcastss (GCC builds a vector initializer lane by lane, and
// 0 + value costs an add, for −0's sake).
__attribute__((target("avx512f"))) inline Vector broadcast(float value) { return Vector(_mm512_set1_ps(value)); }

// One tile: `Rows` output steps × 16·`Vectors` filters.
struct Tile {
  const float* window;        // the first row's window, at its first tap and its group's first channel
  std::int64_t row_stride;    // floats between consecutive rows' windows: stride · channels
  std::int64_t taps;
  std::int64_t tap_stride;    // floats between a window's taps: dilation · channels
  std::int64_t depth;         // channels read per tap
  const float* kernel;        // its row for tap j, channel c at kernel + (j · depth + c) · kernel_stride
  std::int64_t kernel_stride;
  const float* bias;          // or null
  float* y;
  std::int64_t y_stride;
};

template <int Rows, int Vectors>
__attribute__((target("avx512f,fma"))) void compute_tile(const Tile& tile) {
  Vector sums[Rows][Vectors];
#pragma GCC unroll 4
  for (int v = 0; v < Vectors; ++v) {
    Vector start{};
    if (tile.bias) std::memcpy(&start, tile.bias + v * vector_floats, sizeof(Vector));
#pragma GCC unroll 16
    for (int row = 0; row < Rows; ++row) sums[row][v] = start;
  }
  for (std::int64_t tap = 0; tap < tile.taps; ++tap) {
    const float* window = tile.window + tap * tile.tap_stride;
    const float* kernel = tile.kernel + tap * tile.depth * tile.kernel_stride;
    for (std::int64_t channel = 0; channel < tile.depth; ++channel) {
      Vector weights[Vectors];
#pragma GCC unroll 4
      for (int v = 0; v < Vectors; ++v)
        std::memcpy(&weights[v], kernel + channel * tile.kernel_stride + v * vector_floats, sizeof(Vector));
#pragma GCC unroll 16
      for (int row = 0; row < Rows; ++row) {
        const Vector input = broadcast(window[row * tile.row_stride + channel]);
#pragma GCC unroll 4
        for (int v = 0; v < Vectors; ++v) sums[row][v] += input * weights[v];
      }
    }
  }
#pragma GCC unroll 16
  for (int row = 0; row < Rows; ++row)
#pragma GCC unroll 4
    for (int v = 0; v < Vectors; ++v) std::memcpy(tile.y + row * tile.y_stride + v * vector_floats, &sums[row][v], sizeof(Vector));
}

using TileFunction = void (*)(const Tile&);

template <int Vectors, std::size_t... RowsLessOne>
constexpr std::array<TileFunction, tile_rows> tiles_of_width(std::index_sequence<RowsLessOne...>) {
  return {&compute_tile<int(RowsLessOne) + 1, Vectors>...};
}

// tile_functions[vectors − 1][rows − 1]
const std::array<std::array<TileFunction, tile_rows>, 2> tile_functions = {
    tiles_of_width<1>(std::make_index_sequence<tile_rows>{}), tiles_of_width<2>(std::make_index_sequence<tile_rows>{})};

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

// Input steps [first_input, first_input + rows) of one batch element, zeros outside [0, length).
void copy_padded(const float* x, const Conv1dGeometry& g, std::int64_t first_input, std::int64_t rows, float* target) {
  for (std::int64_t row = 0; row < rows; ++row) {
    const std::int64_t position = first_input + row;
    float* destination = target + row * g.channels;
    if (position < 0 || position >= g.length) std::fill(destination, destination + g.channels, 0.0f);
    else std::memcpy(destination, x + position * g.channels, std::size_t(g.channels) * sizeof(float));
  }
}

// Input rows the windows of output steps [first, last) span.
std::int64_t span_rows(const Conv1dGeometry& g, std::int64_t first, std::int64_t last) {
  return last > first ? (last - 1 - first) * g.stride + (g.kernel_size - 1) * g.dilation + 1 : 0;
}

}  // namespace

bool conv1d_tiles_apply(const Conv1dGeometry& g, DType dtype) {
  static const bool cpu_has_avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
  // The padded copies of the ends stay within about twice the input when the receptive field and
  // the padding (Keras's never exceeds the receptive field) do.
  const std::int64_t span = (g.kernel_size - 1) * g.dilation;
  return cpu_has_avx512 && dtype == DType::float32 && (g.filters / g.groups) % vector_floats == 0 && span <= g.length &&
         g.pad_left >= 0 && g.pad_right >= 0 && g.pad_left <= span && g.pad_right <= span;
}

void conv1d_forward_tiles(const float* x, const float* kernel, const float* bias, const Conv1dGeometry& g, int parts,
                          float* y) {
  const std::int64_t steps = g.output_length();
  const std::int64_t group_channels = g.channels / g.groups, group_filters = g.filters / g.groups;
  const std::int64_t kernel_rows = g.kernel_size * group_channels;
  // A tile's filters: 32 (or 16) of one group. With more than one such block, the kernel's
  // columns for one block lie 4·filters bytes apart, on few cache sets: each block is then
  // copied out whole, so that a tile reads its kernel in order.
  struct Block {
    std::int64_t channel, column, vectors;
    const float* kernel;
  };
  std::vector<Block> blocks;
  const bool pack = g.filters > 2 * vector_floats;
  std::vector<float> packed_kernel(pack ? std::size_t(kernel_rows * g.filters) : 0);
  for (std::int64_t group = 0, offset = 0; group < g.groups; ++group)
    for (std::int64_t filter = 0; filter < group_filters; filter += 2 * vector_floats) {
      const std::int64_t width = std::min(2 * vector_floats, group_filters - filter);
      const std::int64_t column = group * group_filters + filter;
      if (pack)
        for (std::int64_t row = 0; row < kernel_rows; ++row)
          std::memcpy(packed_kernel.data() + offset + row * width, kernel + row * g.filters + column,
                      std::size_t(width) * sizeof(float));
      blocks.push_back({group * group_channels, column, width / vector_floats, pack ? packed_kernel.data() + offset : kernel + column});
      offset += kernel_rows * width;
    }
  const Interior interior = interior_steps(g);
  const std::int64_t left_rows = span_rows(g, 0, interior.first), right_rows = span_rows(g, interior.last, steps);
  // With dilation 1 and one group, a window's taps are consecutive in x: one long tap.
  const bool one_tap = g.dilation == 1 && g.groups == 1;
  parallel_for(g.batch, parts, [&](std::int64_t first, std::int64_t last, int) {
    std::vector<float> ends(std::size_t((left_rows + right_rows) * g.channels));
    float* const left_end = ends.data();
    float* const right_end = ends.data() + left_rows * g.channels;
    Tile tile{.window = nullptr,
              .row_stride = g.stride * g.channels,
              .taps = one_tap ? 1 : g.kernel_size,
              .tap_stride = g.dilation * g.channels,
              .depth = one_tap ? g.kernel_size * g.channels : group_channels,
              .kernel = nullptr,
              .kernel_stride = pack ? 2 * vector_floats : g.filters,
              .bias = nullptr,
              .y = nullptr,
              .y_stride = g.filters};
    for (std::int64_t b = first; b < last; ++b) {
      const float* xb = x + b * g.length * g.channels;
      float* yb = y + b * steps * g.filters;
      copy_padded(xb, g, -g.pad_left, left_rows, left_end);
      copy_padded(xb, g, interior.last * g.stride - g.pad_left, right_rows, right_end);
      // Output steps [from, to), whose windows start at `window` (step `from`'s): tile by tile,
      // every block of filters while the tile's input rows are in cache.
      const auto compute_steps = [&](const float* window, std::int64_t from, std::int64_t to) {
        for (std::int64_t step = from; step < to; step += tile_rows, window += tile_rows * tile.row_stride) {
          const auto rows = std::min<std::int64_t>(tile_rows, to - step);
          for (const Block& block : blocks) {
            tile.window = window + block.channel;
            tile.kernel = block.kernel;
            if (pack) tile.kernel_stride = block.vectors * vector_floats;
            tile.bias = bias ? bias + block.column : nullptr;
            tile.y = yb + step * g.filters + block.column;
            tile_functions[std::size_t(block.vectors - 1)][std::size_t(rows - 1)](tile);
          }
        }
      };
      compute_steps(left_end, 0, interior.first);
      if (interior.first < interior.last)
        compute_steps(xb + (interior.first * g.stride - g.pad_left) * g.channels, interior.first, interior.last);
      compute_steps(right_end, interior.last, steps);
    }
  });
}

}  // namespace minidl::kernels
