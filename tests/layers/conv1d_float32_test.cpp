// float32 convolutions take their own paths (register tiles for the kernel ISA), while gradcheck and
// the Keras goldens run in float64 through BLAS. So every float32 result here, forward and the
// three gradients, must agree with the float64 one over a sweep of configurations: strides,
// dilations, paddings, groups, channel and filter counts that fill whole vector tiles or not, and
// inputs short enough that every window reaches into the padding, and long enough for the
// kernel gradient and the stride-1 input gradient to take the tiles too.
#include "../support/golden.hpp"

#include <doctest/doctest.h>
#include <minidl/minidl.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

using namespace minidl;

namespace {

struct Float32Case {
  std::int64_t kernel_size, strides, dilation_rate, groups, group_channels, group_filters, steps;
  std::string padding;
  std::int64_t batch = 2;
};

std::pair<std::int64_t, std::int64_t> keras_padding(const Float32Case& c) {
  const std::int64_t span = c.dilation_rate * (c.kernel_size - 1);
  if (c.padding == "causal") return {span, 0};
  if (c.padding == "valid") return {0, 0};
  const std::int64_t output = (c.steps + c.strides - 1) / c.strides;
  const std::int64_t total = std::max<std::int64_t>((output - 1) * c.strides + span + 1 - c.steps, 0);
  return {total / 2, total - total / 2};
}

// The largest |value| of a float64 tensor: what tolerances here are relative to.
double largest_magnitude(const Tensor& reference) { return max(abs(reference)).item(); }

// tolerance: on the largest |float32 − float64| over the largest |float64|, per result. float32
// sums of n products drift by about 1e-7·√n of that; one misplaced term is off by far more.
void check_against_float64(const Float32Case& c, Generator& generator, double tolerance) {
  const auto [pad_left, pad_right] = keras_padding(c);
  const std::int64_t channels = c.groups * c.group_channels, filters = c.groups * c.group_filters;
  const Conv1dOptions options{.strides = c.strides, .dilation_rate = c.dilation_rate, .pad_left = pad_left,
                              .pad_right = pad_right, .groups = c.groups};
  const Tensor x = Tensor::uniform({c.batch, c.steps, channels}, -1, 1, DType::float64, &generator);
  const Tensor kernel = Tensor::uniform({c.kernel_size, c.group_channels, filters}, -1, 1, DType::float64, &generator);
  const Tensor bias = Tensor::uniform({filters}, -1, 1, DType::float64, &generator);
  const auto run = [&](DType dtype) {
    std::vector<Tensor> inputs = {cast(x, dtype), cast(kernel, dtype), cast(bias, dtype)};
    for (auto& input : inputs) input.set_requires_grad();
    const Tensor y = conv1d(inputs[0], inputs[1], inputs[2], options);
    const Tensor upstream = cast(Tensor::uniform(y.shape(), -1, 1, DType::float64, &generator), dtype);
    auto results = autograd::grad({y}, inputs, {upstream});
    results.insert(results.begin(), y);
    return results;
  };
  const Generator start = generator;
  const auto expected = run(DType::float64);
  generator = start;  // the same upstream gradient
  const auto single = run(DType::float32);
  const char* names[] = {"y", "grad x", "grad kernel", "grad bias"};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO(names[i]);
    CHECK_CLOSE(cast(single[i], DType::float64), expected[i], 0.0, tolerance * largest_magnitude(expected[i]));
  }
}

}  // namespace

TEST_CASE("float32 Conv1D agrees with float64, forward and backward, over a sweep of configurations") {
  Generator generator(5);
  int count = 0;
  for (const std::string padding : {"valid", "same", "causal"})
    for (std::int64_t kernel_size : {1, 3, 5})
      for (std::int64_t strides : {1, 2, 3})
        for (std::int64_t dilation_rate : {1, 2})
          for (std::int64_t groups : {1, 2})
            for (auto [group_channels, group_filters] : {std::pair<std::int64_t, std::int64_t>{1, 16}, {3, 48}, {17, 32}, {2, 64}, {5, 96}, {4, 5}})
              for (std::int64_t steps : {dilation_rate * (kernel_size - 1) + 1, std::int64_t{29}}) {
                const Float32Case c{kernel_size, strides, dilation_rate, groups, group_channels, group_filters, steps, padding};
                const std::string description = fmt::format(
                    "padding={} kernel_size={} strides={} dilation_rate={} groups={} channels/group={} filters/group={} steps={}",
                    padding, kernel_size, strides, dilation_rate, groups, group_channels, group_filters, steps);
                CAPTURE(description);
                check_against_float64(c, generator, 2e-6);  // sums of at most a few hundred products
                ++count;
              }
  CHECK(count == 3 * 3 * 3 * 2 * 2 * 6 * 2);
}

TEST_CASE("float32 Conv1D agrees with float64 on long inputs, where the kernel gradient and the stride-1 input "
          "gradient take tiles too") {
  Generator generator(6);
  int count = 0;
  for (const std::string padding : {"valid", "same", "causal"})
    for (std::int64_t kernel_size : {1, 2, 5})
      for (std::int64_t strides : {1, 3})
        for (std::int64_t dilation_rate : {1, 3})
          for (std::int64_t groups : {1, 2})
            for (auto [group_channels, group_filters] : {std::pair<std::int64_t, std::int64_t>{16, 16}, {32, 48}, {3, 16}, {64, 96}}) {
              const Float32Case c{kernel_size, strides, dilation_rate, groups, group_channels, group_filters, 531, padding, 2};
              const std::string description = fmt::format(
                  "padding={} kernel_size={} strides={} dilation_rate={} groups={} channels/group={} filters/group={}", padding,
                  kernel_size, strides, dilation_rate, groups, group_channels, group_filters);
              CAPTURE(description);
              check_against_float64(c, generator, 1e-5);  // the kernel gradient sums a thousand
              ++count;
            }
  CHECK(count == 3 * 3 * 2 * 2 * 2 * 4);
}

TEST_CASE("float32 Conv1D agrees with float64 on a batch large enough to split every pass across threads") {
  Generator generator(7);
  for (const std::string padding : {"causal", "same"}) {
    CAPTURE(padding);
    // 4 × 4096 steps × 32 filters: the bias gradient, too, sums in parts.
    check_against_float64({3, 1, 2, 1, 16, 32, 4096, padding, 4}, generator, 1e-5);
  }
  // Both dtypes share the bias gradient's code: here it meets a sum computed apart from it.
  const Tensor x = Tensor::uniform({4, 4096, 16}, -1, 1, DType::float64, &generator);
  const Tensor kernel = Tensor::uniform({3, 16, 32}, -1, 1, DType::float64, &generator);
  const Tensor bias = Tensor::zeros({32}, DType::float64).set_requires_grad();
  const Tensor upstream = Tensor::uniform({4, 4096, 32}, -1, 1, DType::float64, &generator);
  const Tensor bias_grad = autograd::grad({conv1d(x, kernel, bias, {.pad_left = 2})}, {bias}, {upstream})[0];
  const Tensor expected = sum(upstream, {0, 1});
  CHECK_CLOSE(bias_grad, expected, 0.0, 1e-12 * largest_magnitude(expected));
}
