// The kernel ISA switch (core/kernel_isa.hpp): every ISA this CPU runs, forced in turn, gives the
// float64 results to float32 rounding for Conv1D's forward pass and its three gradients, and the
// ISAs agree with each other — to the bit wherever two FMA ISAs both compute a result with
// register tiles, since a tile sums each output's products in the same order whatever its vector
// width (the portable tiles, a multiply and an add on SSE2, round twice). And the switch's errors.
#include "../support/golden.hpp"

#include <doctest/doctest.h>
#include <minidl/core/kernels/conv1d_tiles.hpp>
#include <minidl/core/kernels/input_gradient_columns.hpp>
#include <minidl/minidl.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <fmt/format.h>
#include <string>
#include <vector>

using namespace minidl;

namespace {

// Puts back the ISA a test found, however it ends.
class RestoreKernelIsa {
 public:
  RestoreKernelIsa() : isa_(kernel_isa()) {}
  ~RestoreKernelIsa() { set_kernel_isa(isa_); }
  RestoreKernelIsa(const RestoreKernelIsa&) = delete;
  RestoreKernelIsa& operator=(const RestoreKernelIsa&) = delete;

 private:
  std::string isa_;
};

struct IsaCase {
  std::string padding;
  std::int64_t strides, dilation_rate, groups, group_filters, group_channels, batch, steps;
};

std::pair<std::int64_t, std::int64_t> keras_padding(const IsaCase& c, std::int64_t kernel_size) {
  const std::int64_t span = c.dilation_rate * (kernel_size - 1);
  if (c.padding == "causal") return {span, 0};
  if (c.padding == "valid") return {0, 0};
  const std::int64_t output = (c.steps + c.strides - 1) / c.strides;
  const std::int64_t total = std::max<std::int64_t>((output - 1) * c.strides + span + 1 - c.steps, 0);
  return {total / 2, total - total / 2};
}

// y, grad x, grad kernel, grad bias of conv1d in `dtype`, from float64 inputs.
std::vector<Tensor> conv1d_and_gradients(const std::vector<Tensor>& float64_inputs, const Tensor& float64_upstream,
                                         const Conv1dOptions& options, DType dtype) {
  std::vector<Tensor> inputs;
  for (const Tensor& input : float64_inputs) {
    Tensor leaf = cast(input, dtype).clone();  // a leaf of its own, not the float64 input itself
    inputs.push_back(leaf.set_requires_grad());
  }
  const Tensor y = conv1d(inputs[0], inputs[1], inputs[2], options);
  auto results = autograd::grad({y}, inputs, {cast(float64_upstream, dtype)});
  results.insert(results.begin(), y);
  return results;
}

double largest_abs_value(const Tensor& reference) { return max(abs(reference)).item(); }

}  // namespace

TEST_CASE("every kernel ISA this CPU runs gives Conv1D's float64 results to float32 rounding, and the ISAs agree") {
  const RestoreKernelIsa restore;
  const std::vector<std::string> isas = supported_kernel_isas();
  CAPTURE(fmt::format("{}", fmt::join(isas, ", ")));
  constexpr std::int64_t kernel_size = 3;
  Generator generator(21);
  int count = 0;
  for (const std::string padding : {"valid", "same", "causal"})
    for (std::int64_t strides : {1, 2, 3})
      for (std::int64_t dilation_rate : {1, 2})
        for (std::int64_t groups : {1, 2})
          for (std::int64_t group_filters : {8, 12, 16, 24, 64, 72})
            for (std::int64_t group_channels : {1, 3, 16})
              // Inputs so short that every window reaches into the padding, and long enough for the
              // tiles to take the kernel gradient and, where batch × output steps reach 256, the
              // input gradient; batches of 1 to 3.
              for (std::int64_t steps : {dilation_rate * 2 + 1, std::int64_t{260}}) {
                const std::int64_t batch = 1 + count % 3;
                const IsaCase c{padding, strides, dilation_rate, groups, group_filters, group_channels, batch, steps};
                CAPTURE(fmt::format("padding={} strides={} dilation_rate={} groups={} filters/group={} channels/group={} "
                                    "batch={} steps={}",
                                    padding, strides, dilation_rate, groups, group_filters, group_channels, batch, steps));
                const auto [pad_left, pad_right] = keras_padding(c, kernel_size);
                const Conv1dOptions options{.strides = strides, .dilation_rate = dilation_rate, .pad_left = pad_left,
                                            .pad_right = pad_right, .groups = groups};
                const std::int64_t channels = groups * group_channels, filters = groups * group_filters;
                const std::vector<Tensor> inputs = {
                    Tensor::uniform({batch, c.steps, channels}, -1, 1, DType::float64, &generator),
                    Tensor::uniform({kernel_size, group_channels, filters}, -1, 1, DType::float64, &generator),
                    Tensor::uniform({filters}, -1, 1, DType::float64, &generator)};
                const Tensor y = conv1d(inputs[0], inputs[1], inputs[2], options);
                const Tensor upstream = Tensor::uniform(y.shape(), -1, 1, DType::float64, &generator);
                const auto expected = conv1d_and_gradients(inputs, upstream, options, DType::float64);
                std::vector<std::vector<Tensor>> by_isa;
                for (const std::string& isa : isas) {
                  set_kernel_isa(isa);
                  by_isa.push_back(conv1d_and_gradients(inputs, upstream, options, DType::float32));
                }
                const char* names[] = {"y", "grad x", "grad kernel", "grad bias"};
                for (std::size_t i = 0; i < expected.size(); ++i) {
                  INFO(names[i]);
                  // The kernel gradient sums up to 3 × 260 products, the others a few hundred: float32
                  // drifts by about 1e-7·√n of the largest value; one misplaced term is off by far more.
                  const double tolerance = 1e-5 * largest_abs_value(expected[i]);
                  for (std::size_t k = 0; k < isas.size(); ++k) {
                    INFO("isa ", isas[k]);
                    CHECK_CLOSE(cast(by_isa[k][i], DType::float64), expected[i], 0.0, tolerance);
                    // y and the kernel and bias gradients take the tiles on both AVX ISAs where the
                    // filters fill AVX-512's 16-float vectors; the input gradient where the channels
                    // do (16) and, as im2col columns, where they are too few for per-tap gemms (1, 3
                    // and 16 unless the tiles took it). Elsewhere one ISA tiles and the other goes
                    // through BLAS (or, for the bias, a sum of its own).
                    const bool same_path = i != 1 ? group_filters % 16 == 0 : true;
                    const auto fused = [](const std::string& isa) { return isa == "avx512" || isa == "avx2"; };
                    if (k > 0 && fused(isas[k]) && fused(isas[0]) && same_path) {
                      INFO("bit for bit against ", isas[0]);
                      CHECK_CLOSE(by_isa[k][i], by_isa[0][i], 0.0, 0.0);
                    } else if (k > 0) {
                      CHECK_CLOSE(cast(by_isa[k][i], DType::float64), cast(by_isa[0][i], DType::float64), 0.0, tolerance);
                    }
                  }
                }
                ++count;
              }
  CHECK(count == 3 * 3 * 2 * 2 * 6 * 3 * 2);
}

TEST_CASE("the tiles follow the kernel ISA: 16-float vectors with avx512, 8 with avx2, 4 with portable, none with blas") {
  const RestoreKernelIsa restore;
  const auto geometry = [](std::int64_t filters) {
    return kernels::Conv1dGeometry{.batch = 1, .length = 64, .channels = 4, .filters = filters, .kernel_size = 3};
  };
  for (const std::string& isa : supported_kernel_isas()) {
    CAPTURE(isa);
    set_kernel_isa(isa);
    CHECK(kernel_isa() == isa);
    const kernels::KernelIsa selected = kernels::selected_kernel_isa();
    const kernels::KernelIsa for_16 = kernels::conv1d_tiles_isa(geometry(16), DType::float32);
    const kernels::KernelIsa for_24 = kernels::conv1d_tiles_isa(geometry(24), DType::float32);
    CHECK(for_16 == selected);
    const bool portable = isa == "portable";
    CHECK(for_24 == (isa == "avx2" || portable ? selected : kernels::KernelIsa::blas));
    CHECK(kernels::conv1d_tiles_isa(geometry(12), DType::float32) == (portable ? selected : kernels::KernelIsa::blas));
    CHECK(kernels::conv1d_tiles_isa(geometry(6), DType::float32) == kernels::KernelIsa::blas);
    // Depthwise (one input channel per group, 16 filters each): the AVX tiles take it, the
    // portable ones leave it to the depthwise kernel.
    const kernels::Conv1dGeometry depthwise{.batch = 1, .length = 64, .channels = 2, .filters = 32, .kernel_size = 3, .groups = 2};
    CHECK(kernels::conv1d_tiles_isa(depthwise, DType::float32) == (portable ? kernels::KernelIsa::blas : selected));
    CHECK(kernels::conv1d_tiles_isa(geometry(16), DType::float64) == kernels::KernelIsa::blas);
    CHECK(kernels::conv1d_tiles_apply(geometry(16), DType::float32) == (isa != "blas"));
  }
}

TEST_CASE("conv1d_relu gives relu(conv1d) and its gradients bit for bit on every kernel ISA, a NaN included") {
  const RestoreKernelIsa restore;
  Generator generator(8);
  const auto same_bits = [](const Tensor& actual, const Tensor& expected) {
    const Tensor a = actual.contiguous(), b = expected.contiguous();
    if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
    const std::size_t bytes = std::size_t(a.size()) * (a.dtype() == DType::float32 ? sizeof(float) : sizeof(double));
    return a.dtype() == DType::float32 ? std::memcmp(a.data<float>(), b.data<float>(), bytes) == 0
                                       : std::memcmp(a.data<double>(), b.data<double>(), bytes) == 0;
  };
  struct Case {
    std::int64_t groups, group_channels, group_filters, strides, dilation_rate, pad_left, pad_right;
  };
  // Tiled on every ISA (32, 16 and 64 filters), on some (12), on none (5); input gradients as
  // columns (1 and 3 channels) and as tiles (16).
  const Case cases[] = {{1, 1, 32, 1, 2, 4, 0}, {1, 16, 16, 1, 1, 1, 1}, {1, 3, 64, 2, 1, 1, 1}, {2, 8, 12, 1, 1, 2, 0},
                        {1, 4, 5, 1, 1, 0, 0}};
  for (const std::string& isa : supported_kernel_isas()) {
    set_kernel_isa(isa);
    for (const DType dtype : {DType::float32, DType::float64})
      for (const Case& c : cases) {
        CAPTURE(isa);
        const std::string_view dtype_label = dtype_name(dtype);
        CAPTURE(dtype_label);
        CAPTURE(c.group_filters);
        const Conv1dOptions options{.strides = c.strides, .dilation_rate = c.dilation_rate, .pad_left = c.pad_left,
                                    .pad_right = c.pad_right, .groups = c.groups};
        const Tensor x = Tensor::uniform({2, 300, c.groups * c.group_channels}, -1, 1, dtype, &generator);
        if (dtype == DType::float32) x.data<float>()[7 * x.shape()[2]] = std::numeric_limits<float>::quiet_NaN();
        else x.data<double>()[7 * x.shape()[2]] = std::numeric_limits<double>::quiet_NaN();
        const Tensor kernel = Tensor::uniform({3, c.group_channels, c.groups * c.group_filters}, -1, 1, dtype, &generator);
        const Tensor bias = Tensor::uniform({c.groups * c.group_filters}, -1, 1, dtype, &generator);
        const auto run = [&](bool fused) {
          std::vector<Tensor> inputs = {x.clone(), kernel.clone(), bias.clone()};
          for (Tensor& input : inputs) input.set_requires_grad();
          const Tensor y = fused ? conv1d_relu(inputs[0], inputs[1], inputs[2], options)
                                 : activations::relu(conv1d(inputs[0], inputs[1], inputs[2], options));
          Generator upstream_generator(9);
          auto results = autograd::grad({y}, inputs, {Tensor::uniform(y.shape(), -1, 1, dtype, &upstream_generator)});
          results.insert(results.begin(), y);
          return results;
        };
        const auto fused = run(true), separate = run(false);
        REQUIRE(std::isnan(double(sum(fused[0]).item())));  // the NaN reached y
        const char* names[] = {"y", "grad x", "grad kernel", "grad bias"};
        for (std::size_t i = 0; i < fused.size(); ++i) {
          INFO(names[i]);
          CHECK(same_bits(fused[i], separate[i]));
        }
      }
  }
}

TEST_CASE("the input gradient's columns in tiles: grad's rows times the kernel transposed, each group padded to "
          "whole vectors") {
  // 2 groups of 1 channel and 5 filters, 3 taps: 3 columns per group, padded to one vector.
  const kernels::Conv1dGeometry geometry{.batch = 1, .length = 9, .channels = 2, .filters = 10, .kernel_size = 3, .groups = 2};
  constexpr std::int64_t steps = 7, group_filters = 5;
  Generator generator(3);
  const Tensor grad = Tensor::uniform({steps, geometry.filters}, -1, 1, DType::float32, &generator);
  const Tensor kernel = Tensor::uniform({3, 1, geometry.filters}, -1, 1, DType::float32, &generator);
  for (const kernels::KernelIsa isa : {kernels::KernelIsa::avx512, kernels::KernelIsa::avx2, kernels::KernelIsa::portable}) {
    const auto names = supported_kernel_isas();
    const std::string name = isa == kernels::KernelIsa::avx512 ? "avx512" : isa == kernels::KernelIsa::avx2 ? "avx2" : "portable";
    if (std::find(names.begin(), names.end(), name) == names.end()) continue;
    CAPTURE(name);
    const kernels::InputGradientColumns columns(kernel.data<float>(), geometry, isa);
    const std::int64_t vector = name == "avx512" ? 16 : name == "avx2" ? 8 : 4;
    CHECK(columns.group_width() == vector);
    CHECK(columns.row_width() == 2 * vector);
    std::vector<float> computed(std::size_t(steps * columns.row_width()), 99.0f);
    columns.compute(grad.data<float>(), steps, computed.data());
    for (std::int64_t t = 0; t < steps; ++t)
      for (std::int64_t group = 0; group < 2; ++group)
        for (std::int64_t column = 0; column < vector; ++column) {
          double expected = 0;
          for (std::int64_t f = 0; column < 3 && f < group_filters; ++f)
            expected += double(grad.data<float>()[t * geometry.filters + group * group_filters + f]) *
                        double(kernel.data<float>()[column * geometry.filters + group * group_filters + f]);
          CAPTURE(t);
          CAPTURE(group);
          CAPTURE(column);
          CHECK(computed[std::size_t(t * columns.row_width() + group * vector + column)] == doctest::Approx(expected).epsilon(1e-6));
        }
  }
}

TEST_CASE("the kernel ISAs: the best this CPU runs first, portable and blas always") {
  const std::vector<std::string> isas = supported_kernel_isas();
  REQUIRE(isas.size() >= 2);
  CHECK(isas[isas.size() - 2] == "portable");
  CHECK(isas.back() == "blas");
  const detail::CpuFeatures cpu = detail::cpu_features();
  CHECK(isas.front() == (cpu.avx512_fma ? "avx512" : cpu.avx2_fma ? "avx2" : "portable"));
  CHECK(isas.size() == 2 + std::size_t(cpu.avx512_fma) + std::size_t(cpu.avx2_fma));
}

TEST_CASE("set_kernel_isa refuses an unknown name and an ISA the CPU lacks, naming what it accepts") {
  const RestoreKernelIsa restore;
  const std::string before = kernel_isa();
  CHECK_THROWS_WITH_AS(set_kernel_isa("sse4"),
                       "set_kernel_isa: invalid argument `isa`: expected one of \"avx512\", \"avx2\", \"portable\", \"blas\", "
                       "received isa=\"sse4\"",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(set_kernel_isa("AVX2"),
                       "set_kernel_isa: invalid argument `isa`: expected one of \"avx512\", \"avx2\", \"portable\", \"blas\", "
                       "received isa=\"AVX2\"",
                       InvalidArgument);
  CHECK(kernel_isa() == before);  // a refused name changes nothing
  // A CPU with AVX2 only, and one with neither.
  CHECK_THROWS_WITH_AS(detail::kernel_isa_named("set_kernel_isa", "avx512", {.avx2_fma = true, .avx512_fma = false}),
                       "set_kernel_isa: invalid argument `isa`: expected one of the ISAs this CPU runs (\"avx2\", \"portable\", "
                       "\"blas\"), "
                       "received isa=\"avx512\"",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(detail::kernel_isa_named("the environment variable MINIDL_KERNEL_ISA", "avx2", {}),
                       "the environment variable MINIDL_KERNEL_ISA: invalid argument `isa`: expected one of the ISAs this "
                       "CPU runs (\"portable\", \"blas\"), received isa=\"avx2\"",
                       InvalidArgument);
  CHECK(detail::kernel_isa_named("set_kernel_isa", "avx2", {.avx2_fma = true, .avx512_fma = false}) == kernels::KernelIsa::avx2);
  CHECK(detail::kernel_isa_named("set_kernel_isa", "portable", {}) == kernels::KernelIsa::portable);
  // On this CPU: each ISA it lacks is refused by name.
  const detail::CpuFeatures cpu = detail::cpu_features();
  if (!cpu.avx512_fma)
    CHECK_THROWS_WITH_AS(set_kernel_isa("avx512"), doctest::Contains("expected one of the ISAs this CPU runs"), InvalidArgument);
  if (!cpu.avx2_fma)
    CHECK_THROWS_WITH_AS(set_kernel_isa("avx2"), doctest::Contains("expected one of the ISAs this CPU runs"), InvalidArgument);
}
