// float64 gradcheck of Conv1DTranspose, DepthwiseConv1D and SeparableConv1D over a grid of their
// configurations: every padding × (strides, dilation) × data_format × use_bias, odd and even
// kernels, and each layer's own arguments (output_padding; depth_multiplier). Gradients for the
// input and every weight, through the layer (stateless_call).
#include <doctest/doctest.h>
#include <minidl/minidl.hpp>

#include <fmt/format.h>

using namespace minidl;

namespace {

void check_family_gradients(layers::Layer& layer, const Shape& input_shape, Generator& generator) {
  const Tensor x = Tensor::uniform(input_shape, -1.0, 1.0, DType::float64, &generator);
  layer.build(input_shape);
  std::vector<Tensor> inputs = {x};
  for (const auto& weight : layer.trainable_weights())
    inputs.push_back(Tensor::uniform(weight->shape(), -1.0, 1.0, DType::float64, &generator));
  const auto report = gradcheck(
      [&](const std::vector<Tensor>& in) {
        return layer.stateless_call(std::vector<Tensor>(in.begin() + 1, in.end()), in[0]);
      },
      inputs);
  CHECK_MESSAGE(report.passed, report.to_string());
}

Shape input_shape(const std::string& data_format, std::int64_t steps, std::int64_t channels) {
  return data_format == "channels_last" ? Shape{2, steps, channels} : Shape{2, channels, steps};
}

}  // namespace

TEST_CASE("Conv1DTranspose gradcheck over the configuration grid") {
  Generator generator(21);
  const std::vector<std::pair<std::int64_t, std::int64_t>> strides_dilation = {{1, 1}, {2, 1}, {3, 1}, {1, 2}};
  const std::vector<std::string> activations = {"linear", "tanh", "sigmoid"};
  int count = 0;
  for (const std::string padding : {"valid", "same"})
    for (auto [strides, dilation] : strides_dilation)
      for (std::int64_t kernel_size : {2, 3})
        for (bool default_output_padding : {true, false})
          for (const std::string data_format : {"channels_last", "channels_first"})
            for (bool use_bias : {true, false}) {
              const auto output_padding = default_output_padding ? std::nullopt : std::optional<std::int64_t>(strides - 1);
              const std::string activation = activations[count++ % activations.size()];
              const std::string description = fmt::format("padding={} strides={} dilation_rate={} kernel_size={} output_padding={} {} use_bias={} {}",
                                  padding, strides, dilation, kernel_size, output_padding ? *output_padding : -1, data_format,
                                  use_bias, activation);
              CAPTURE(description);
              layers::Conv1DTranspose layer({.filters = 3, .kernel_size = kernel_size, .strides = strides,
                                             .padding = padding, .output_padding = output_padding,
                                             .data_format = data_format, .dilation_rate = dilation,
                                             .activation = activation, .use_bias = use_bias, .dtype = "float64"});
              check_family_gradients(layer, input_shape(data_format, 4, 3), generator);
            }
  CHECK(count == 2 * 4 * 2 * 2 * 2 * 2);
}

TEST_CASE("Conv1DTranspose gradcheck at the edges: one step, 1x1, a kernel longer than the output, 40 channels") {
  Generator generator(22);
  const auto check = [&](layers::Conv1DTransposeOptions options, const Shape& shape) {
    options.dtype = "float64";
    layers::Conv1DTranspose layer(options);
    check_family_gradients(layer, shape, generator);
  };
  check({.filters = 2, .kernel_size = 3, .padding = "same"}, {2, 1, 3});
  check({.filters = 2, .kernel_size = 1, .strides = 2, .padding = "valid"}, {2, 5, 3});
  check({.filters = 2, .kernel_size = 5, .strides = 1, .padding = "same", .output_padding = 0}, {1, 2, 2});
  check({.filters = 2, .kernel_size = 1, .strides = 3, .padding = "same"}, {2, 3, 2});  // past the full output
  check({.filters = 40, .kernel_size = 3, .strides = 2, .padding = "same"}, {1, 6, 40});  // the per-tap gemm path
}

TEST_CASE("DepthwiseConv1D and SeparableConv1D gradcheck over the configuration grid") {
  Generator generator(23);
  const std::vector<std::pair<std::int64_t, std::int64_t>> strides_dilation = {{1, 1}, {2, 1}, {1, 2}, {2, 2}};
  const std::vector<std::string> activations = {"linear", "tanh", "sigmoid"};
  int count = 0;
  for (const std::string padding : {"valid", "same"})
    for (auto [strides, dilation] : strides_dilation)
      for (std::int64_t kernel_size : {2, 3})
        for (std::int64_t depth_multiplier : {1, 2})
          for (const std::string data_format : {"channels_last", "channels_first"})
            for (bool use_bias : {true, false}) {
              const std::string activation = activations[count++ % activations.size()];
              const std::string description = fmt::format("padding={} strides={} dilation_rate={} kernel_size={} depth_multiplier={} {} "
                                  "use_bias={} {}",
                                  padding, strides, dilation, kernel_size, depth_multiplier, data_format, use_bias,
                                  activation);
              CAPTURE(description);
              const Shape shape = input_shape(data_format, 8, 3);
              layers::DepthwiseConv1D depthwise({.kernel_size = kernel_size, .strides = strides, .padding = padding,
                                                 .depth_multiplier = depth_multiplier, .data_format = data_format,
                                                 .dilation_rate = dilation, .activation = activation,
                                                 .use_bias = use_bias, .dtype = "float64"});
              check_family_gradients(depthwise, shape, generator);
              layers::SeparableConv1D separable({.filters = 4, .kernel_size = kernel_size, .strides = strides,
                                                 .padding = padding, .data_format = data_format,
                                                 .dilation_rate = dilation, .depth_multiplier = depth_multiplier,
                                                 .activation = activation, .use_bias = use_bias, .dtype = "float64"});
              check_family_gradients(separable, shape, generator);
            }
  CHECK(count == 2 * 4 * 2 * 2 * 2 * 2);
}
