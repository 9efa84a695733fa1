// float64 gradcheck of Conv1D over a grid of configurations: every padding × (strides, dilation)
// × groups × data_format × use_bias, odd and even kernels, and output length 1; gradients for the
// input, the kernel and the bias, through the layer (stateless_call).
#include <doctest/doctest.h>
#include <minidl/minidl.hpp>

#include <fmt/format.h>

using namespace minidl;

namespace {

struct GridPoint {
  std::string padding;
  std::int64_t strides, dilation_rate, kernel_size, groups, steps;
  std::string data_format;
  bool use_bias;
  std::string activation;
  std::int64_t channels = 4;
};

std::string describe(const GridPoint& p) {
  return fmt::format("padding={} strides={} dilation_rate={} kernel_size={} groups={} steps={} {} use_bias={} {}", p.padding,
                     p.strides, p.dilation_rate, p.kernel_size, p.groups, p.steps, p.data_format, p.use_bias, p.activation);
}

void check_gradients(const GridPoint& p, Generator& generator) {
  CAPTURE(describe(p));
  constexpr std::int64_t batch = 2, filters = 4;
  const std::int64_t channels = p.channels;
  layers::Conv1D conv({.filters = filters, .kernel_size = p.kernel_size, .strides = p.strides, .padding = p.padding,
                       .data_format = p.data_format, .dilation_rate = p.dilation_rate, .groups = p.groups,
                       .activation = p.activation, .use_bias = p.use_bias, .dtype = "float64"});
  const Shape input_shape = p.data_format == "channels_last" ? Shape{batch, p.steps, channels} : Shape{batch, channels, p.steps};
  const Tensor x = Tensor::uniform(input_shape, -1.0, 1.0, DType::float64, &generator);
  conv.build(input_shape);
  std::vector<Tensor> inputs = {x};
  for (const auto& weight : conv.trainable_weights())
    inputs.push_back(Tensor::uniform(weight->shape(), -1.0, 1.0, DType::float64, &generator));
  const auto report = gradcheck(
      [&](const std::vector<Tensor>& in) {
        return conv.stateless_call(std::vector<Tensor>(in.begin() + 1, in.end()), in[0]);
      },
      inputs);
  CHECK_MESSAGE(report.passed, report.to_string());
}

}  // namespace

TEST_CASE("Conv1D gradcheck over the configuration grid") {
  Generator generator(11);
  const std::vector<std::pair<std::int64_t, std::int64_t>> strides_dilation = {{1, 1}, {2, 1}, {3, 1}, {1, 2}, {1, 3}};
  const std::vector<std::string> activations = {"linear", "tanh", "sigmoid"};
  int count = 0;
  for (const std::string padding : {"valid", "same", "causal"})
    for (auto [strides, dilation] : strides_dilation)
      for (std::int64_t kernel_size : {2, 3})
        for (std::int64_t groups : {1, 2})
          for (const std::string data_format : {"channels_last", "channels_first"})
            for (bool use_bias : {true, false}) {
              // 7 steps leave at least 1 output for every valid configuration here.
              check_gradients({padding, strides, dilation, kernel_size, groups, 7, data_format, use_bias,
                               activations[count++ % activations.size()]},
                              generator);
            }
  CHECK(count == 3 * 5 * 2 * 2 * 2 * 2);
}

TEST_CASE("Conv1D gradcheck at the edges: output length 1, kernel longer than the input, 1x1") {
  Generator generator(12);
  // valid, steps = dilated span exactly: one output step.
  check_gradients({"valid", 1, 2, 3, 1, 5, "channels_last", true, "tanh"}, generator);
  check_gradients({"valid", 3, 1, 4, 2, 4, "channels_first", true, "linear"}, generator);
  // same/causal with a kernel longer than the input: padding longer than the input itself.
  check_gradients({"same", 1, 1, 5, 1, 2, "channels_last", true, "linear"}, generator);
  check_gradients({"causal", 2, 1, 4, 2, 3, "channels_first", false, "sigmoid"}, generator);
  // A single step; 1x1 (the path with no im2col).
  check_gradients({"same", 1, 1, 3, 1, 1, "channels_last", true, "tanh"}, generator);
  check_gradients({"valid", 1, 1, 1, 1, 6, "channels_last", true, "tanh"}, generator);
  check_gradients({"valid", 1, 1, 1, 2, 6, "channels_last", false, "linear"}, generator);
}

TEST_CASE("Conv1D gradcheck with relu (the fused conv1d_relu op) and even kernels, inputs off the kink") {
  // relu's kink is at 0: with a fixed seed no pre-activation lands within the finite-difference step.
  Generator generator(13);
  for (const std::string padding : {"valid", "same", "causal"}) {
    check_gradients({padding, 1, 1, 4, 2, 8, "channels_last", true, "relu"}, generator);
    check_gradients({padding, 2, 1, 3, 1, 9, "channels_first", false, "relu"}, generator);
    check_gradients({padding, 1, 2, 2, 1, 8, "channels_last", true, "relu", 1}, generator);
  }
}

TEST_CASE("Conv1D gradcheck with 32 and 64 channels per group (per-tap gemms on the input)") {
  Generator generator(13);
  check_gradients({"same", 1, 1, 3, 1, 5, "channels_last", true, "tanh", 32}, generator);
  check_gradients({"causal", 1, 2, 3, 2, 6, "channels_last", true, "linear", 64}, generator);
  check_gradients({"valid", 2, 1, 3, 1, 7, "channels_first", false, "linear", 32}, generator);
  check_gradients({"same", 2, 1, 5, 1, 3, "channels_last", true, "linear", 32}, generator);  // taps wholly in padding
}
