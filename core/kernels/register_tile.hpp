#pragma once
// The register tile every float32 Conv1D pass is built of (conv1d_tiles.cpp,
// input_gradient_columns.cpp): one template of sums held in vector registers, compiled for each
// kernel ISA, and the table of its shapes. Internal to the kernels; only the sources that run tiles
// include it.
#include <minidl/core/errors.hpp>
#include <minidl/core/kernel_isa.hpp>

#include <array>
#include <cstdint>
#include <utility>

namespace minidl::kernels::register_tiles {

using detail::KernelIsa;

// One tile: `Rows` × `Vectors` vectors of sums, each over taps × depth products of a broadcast
// scalar and a vector:
//   out[i] (+)= bias + Σ_tap Σ_k scalars[i·row_stride + tap·tap_stride + k·depth_stride]
//                                · vectors[(tap·depth + k)·vector_stride …+Vectors vectors]
// The forward pass: rows are output steps, scalars the input windows, vectors the kernel's rows.
// The kernel gradient: rows are kernel rows (tap, channel), k the output steps, scalars the
// input, vectors the output gradient's rows.
struct RegisterTile {
  const float* scalars;
  std::int64_t row_stride;
  std::int64_t taps;
  std::int64_t tap_stride;
  std::int64_t depth;
  std::int64_t depth_stride;
  const float* vectors;
  std::int64_t vector_stride;
  const float* bias;  // or null
  bool accumulate;    // add to out rather than overwrite it
  float* out;
  std::int64_t out_stride;
  bool relu = false;  // store max(0, sum), as relu_forward computes it
};

// The one tile code of every ISA, in GCC's vector extensions: inlined into each ISA's entry
// (Isa::tile), compiled for the ISA's target or, for the portable tiles, the build's. Vectors are
// read and written through `Vector` pointers (may_alias), not memcpy: GCC does not turn a 32-byte
// memcpy into a register move, and the sums would then live on the stack.
template <class Isa, int Rows, int Vectors>
[[gnu::always_inline]] inline void compute_tile(const RegisterTile& tile) {
  using Vector = typename Isa::Vector;
  constexpr std::int64_t floats = Isa::floats;
  Vector sums[Rows][Vectors];
#pragma GCC unroll 4
  for (int v = 0; v < Vectors; ++v) {
    const Vector start = tile.bias ? *reinterpret_cast<const Vector*>(tile.bias + v * floats) : Vector{};
#pragma GCC unroll 16
    for (int row = 0; row < Rows; ++row)
      sums[row][v] =
          tile.accumulate ? *reinterpret_cast<const Vector*>(tile.out + row * tile.out_stride + v * floats) : start;
  }
  for (std::int64_t tap = 0; tap < tile.taps; ++tap) {
    const float* scalars = tile.scalars + tap * tile.tap_stride;
    const float* vectors = tile.vectors + tap * tile.depth * tile.vector_stride;
    for (std::int64_t k = 0; k < tile.depth; ++k) {
      Vector factors[Vectors];
#pragma GCC unroll 4
      for (int v = 0; v < Vectors; ++v) factors[v] = *reinterpret_cast<const Vector*>(vectors + k * tile.vector_stride + v * floats);
#pragma GCC unroll 16
      for (int row = 0; row < Rows; ++row) {
        // All lanes the scalar: one vbroadcastss (a vector initializer is built lane by lane;
        // x − 0 is x, −0 included, and folds away where 0 + x would cost an add).
        const Vector scalar = scalars[k * tile.depth_stride + row * tile.row_stride] - Vector{};
#pragma GCC unroll 4
        for (int v = 0; v < Vectors; ++v) sums[row][v] += scalar * factors[v];
      }
    }
  }
  if (tile.relu) {
    // A NaN and −0 come through, as from relu_forward's max(0, x).
#pragma GCC unroll 16
    for (int row = 0; row < Rows; ++row)
#pragma GCC unroll 4
      for (int v = 0; v < Vectors; ++v) sums[row][v] = sums[row][v] < Vector{} ? Vector{} : sums[row][v];
  }
#pragma GCC unroll 16
  for (int row = 0; row < Rows; ++row)
#pragma GCC unroll 4
    for (int v = 0; v < Vectors; ++v) *reinterpret_cast<Vector*>(tile.out + row * tile.out_stride + v * floats) = sums[row][v];
}

// An ISA's vector, its tile shapes and its compiled tiles. A tile of R rows × V vectors holds
// R·V sums, V factors and a broadcast in registers; per depth step it loads V factors and R
// broadcasts for R·V multiply-adds.

// Shapes for 16 vector registers: 6 rows × 2 vectors is 12 sums + 2 factors + a broadcast, 8
// loads per 12 multiply-adds (BLIS's Haswell sgemm shape); 8 rows × 1 vector keeps the 8 sums in
// flight that two 4-cycle FMA units need. On AVX2, 4 × 3 (all 16 registers, 7 loads) measured no
// faster: on B1 forward within 3% and the kernel gradient 5% slower, on B4 and B5 10% slower or
// more. Without FMA (SSE2) each product takes the 16th register on its way to its sum.
struct SixteenRegisterShapes {
  static constexpr int widest_tile = 2, tallest_tile = 8;
  static constexpr std::int64_t rows_per_tile(std::int64_t widest_vectors) { return widest_vectors == widest_tile ? 6 : 8; }
};

#if defined(__x86_64__) || defined(__i386__)
// AVX-512, 32 registers of 16 floats: 8 rows × 1 vector, 14 × 2 (28 sums, 2 factors and a
// broadcast: 31 registers), 8 × 3, or 6 × 4 (64 filters). On 64 filters 6 × 4 measured 7–10%
// faster than 8 × 2, and more rows no faster; on 32 filters 14 × 2 measured 3–5% faster than 8 × 2
// (B3, B4, the TCN step). aligned(4): rows of y and of the kernel are float-aligned only.
struct Avx512 {
  using Vector = float __attribute__((vector_size(64), aligned(4), may_alias));
  static constexpr std::int64_t floats = 16;
  static constexpr int widest_tile = 4, tallest_tile = 14;
  static constexpr std::int64_t rows_per_tile(std::int64_t widest_vectors) {
    constexpr std::int64_t rows[widest_tile] = {8, 14, 8, 6};
    return rows[widest_vectors - 1];
  }
  template <int Rows, int Vectors>
  __attribute__((target("avx512f,fma"))) static void tile(const RegisterTile& tile) {
    compute_tile<Avx512, Rows, Vectors>(tile);
  }
};

// AVX2, 16 registers of 8 floats.
struct Avx2 : SixteenRegisterShapes {
  using Vector = float __attribute__((vector_size(32), aligned(4), may_alias));
  static constexpr std::int64_t floats = 8;
  template <int Rows, int Vectors>
  __attribute__((target("avx2,fma"))) static void tile(const RegisterTile& tile) {
    compute_tile<Avx2, Rows, Vectors>(tile);
  }
};
#endif

// 4-float vectors for the instructions the build targets, on any CPU it runs on: SSE2 on x86-64
// (16 registers, a multiply and an add where FMA is missing), NEON on AArch64 (fused). GCC lowers
// its vector extensions to every target, so these tiles are the AVX tiles' own code
// (docs/performance.md says why not xsimd's batches).
struct Portable : SixteenRegisterShapes {
  using Vector = float __attribute__((vector_size(16), aligned(4), may_alias));
  static constexpr std::int64_t floats = 4;
  template <int Rows, int Vectors>
  static void tile(const RegisterTile& tile) {
    compute_tile<Portable, Rows, Vectors>(tile);
  }
};

using TileFunction = void (*)(const RegisterTile&);

template <class Isa>
using TileTable = std::array<std::array<TileFunction, Isa::tallest_tile>, Isa::widest_tile>;

template <class Isa, int Vectors, std::size_t... RowsLessOne>
constexpr std::array<TileFunction, Isa::tallest_tile> tiles_of_width(std::index_sequence<RowsLessOne...>) {
  return {&Isa::template tile<int(RowsLessOne) + 1, Vectors>...};
}

template <class Isa, std::size_t... VectorsLessOne>
constexpr TileTable<Isa> all_tiles(std::index_sequence<VectorsLessOne...>) {
  return {tiles_of_width<Isa, int(VectorsLessOne) + 1>(std::make_index_sequence<Isa::tallest_tile>{})...};
}

// tile_functions<Isa>[vectors − 1][rows − 1]
template <class Isa>
inline const TileTable<Isa> tile_functions = all_tiles<Isa>(std::make_index_sequence<Isa::widest_tile>{});

template <class Isa>
void run_tile(const RegisterTile& tile, std::int64_t rows, std::int64_t vectors) {
  tile_functions<Isa>[std::size_t(vectors - 1)][std::size_t(rows - 1)](tile);
}

// Calls visit(Isa{}) with the traits of `isa`.
template <class Visit>
auto with_isa(KernelIsa isa, Visit visit) {
  switch (isa) {
#if defined(__x86_64__) || defined(__i386__)
    case KernelIsa::avx512: return visit(Avx512{});
    case KernelIsa::avx2: return visit(Avx2{});
#endif
    case KernelIsa::portable: return visit(Portable{});
    default: throw StateError("Conv1D's register tiles: called without an ISA to run on");
  }
}

inline std::int64_t vector_floats(KernelIsa isa) {
  return with_isa(isa, []<class Isa>(Isa) { return Isa::floats; });
}

}  // namespace minidl::kernels::register_tiles
