// The errors of Conv1DTranspose, DepthwiseConv1D and SeparableConv1D: each recorded Keras case
// (tests/data/keras/wave2/*_errors.json) raises at the stage Keras raises it, or is accepted with
// Keras's output shape; and the messages name the layer, the argument and the value.
#include "../support/golden.hpp"

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;

namespace {

// Keras's constructor arguments as a config: the keys are the same, and an argument the class
// does not take is refused as Keras refuses an unknown keyword.
std::unique_ptr<layers::Layer> layer_from_arguments(const std::string& class_name, const nlohmann::json& arguments) {
  return layers::deserialize({{"class_name", class_name}, {"config", arguments}});
}

void check_recorded_errors(const std::string& file, const std::string& class_name) {
  const auto golden = load_test_data("keras/wave2/" + file);
  int checked = 0;
  for (const auto& item : golden.at("cases")) {
    CAPTURE(item.at("tag").get<std::string>());
    ++checked;
    const std::string stage = item.at("raises") ? item.at("stage").get<std::string>() : "none";
    if (stage == "constructor") {
      CHECK_THROWS_AS(layer_from_arguments(class_name, item.at("args")), InvalidArgument);
      continue;
    }
    std::unique_ptr<layers::Layer> layer;
    REQUIRE_NOTHROW(layer = layer_from_arguments(class_name, item.at("args")));
    const Tensor x = Tensor::rand(item.at("input_shape").get<Shape>());
    if (stage == "build/call") {
      CHECK_THROWS_AS((*layer)(x), InvalidArgument);
      continue;
    }
    REQUIRE(stage == "none");
    CHECK((*layer)(x).shape() == item.at("output_shape").at(0).get<Shape>());
  }
  CHECK(checked == golden.at("meta").at("count").get<int>());
}

}  // namespace

TEST_CASE("Conv1DTranspose raises where Keras raises, at the same stage") {
  check_recorded_errors("conv1d_transpose_errors.json", "Conv1DTranspose");
}

TEST_CASE("Conv1DTranspose errors name the layer, the argument and the value") {
  using layers::Conv1DTranspose;
  CHECK_THROWS_WITH_AS(Conv1DTranspose({.filters = 3, .kernel_size = 3, .padding = "causal", .name = "t"}),
                       "Conv1DTranspose 't': invalid argument `padding`: expected one of \"valid\", \"same\", received "
                       "padding=\"causal\"",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Conv1DTranspose({.filters = 3, .kernel_size = 3, .strides = 2, .output_padding = 2, .name = "t"}),
                       "Conv1DTranspose 't': invalid argument `output_padding`: expected less than strides=2, received "
                       "output_padding=2",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Conv1DTranspose({.filters = 3, .kernel_size = 3, .output_padding = -1, .name = "t"}),
                       "Conv1DTranspose 't': invalid argument `output_padding`: expected a non-negative integer, received "
                       "output_padding=-1",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Conv1DTranspose({.filters = 0, .kernel_size = 3, .name = "t"}),
                       "Conv1DTranspose 't': invalid argument `filters`: expected a strictly positive integer, received "
                       "filters=0",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Conv1DTranspose({.filters = 3, .kernel_size = 3, .strides = 2, .dilation_rate = 2, .name = "t"}),
                       "Conv1DTranspose 't': invalid argument `strides`: strides > 1 is not supported together with "
                       "dilation_rate > 1, received strides=2 and dilation_rate=2",
                       InvalidArgument);

  Conv1DTranspose layer({.filters = 3, .kernel_size = 3, .name = "t"});
  CHECK_THROWS_WITH_AS(layer(Tensor::rand({2, 0, 4})),
                       "Conv1DTranspose 't': expected an input with at least one step, received shape (2, 0, 4)", ShapeError);
  CHECK_THROWS_WITH_AS(layer(Tensor::rand({5, 4})),
                       "Conv1DTranspose 't': expected an input of rank 3 (batch, steps, channels), received shape (5, 4) "
                       "of rank 2",
                       ShapeError);
  layer(Tensor::rand({2, 5, 4}));
  CHECK_THROWS_WITH_AS(layer(Tensor::rand({2, 5, 6})),
                       "Conv1DTranspose 't': expected axis -1 of the input shape to have value 4 (the layer was built for "
                       "it), received an input of shape (2, 5, 6)",
                       ShapeError);
  Conv1DTranspose wide({.filters = 1, .kernel_size = 1, .strides = std::int64_t{1} << 30, .name = "w"});
  CHECK_THROWS_WITH_AS(wide.compute_output_shape({1, std::int64_t{1} << 20, 1}),
                       "Conv1DTranspose 'w': expected at most 2^40 output steps, received an input of shape (1, 1048576, 1) "
                       "with strides=1073741824",
                       ShapeError);
}

TEST_CASE("Conv1DTranspose: 'same' with an even kernel on one step gives Keras's empty output, and its gradients") {
  layers::Conv1DTranspose layer({.filters = 3, .kernel_size = 2, .padding = "same", .output_padding = 0, .dtype = "float64"});
  const Tensor x = Tensor::rand({2, 1, 4}, DType::float64).set_requires_grad();
  const Tensor y = layer(x);
  CHECK(y.shape() == Shape{2, 0, 3});
  sum(y).backward();
  CHECK(x.grad().shape() == x.shape());
  CHECK(max(abs(x.grad())).item() == 0.0);
  CHECK(max(abs(layer.kernel().grad())).item() == 0.0);
}

TEST_CASE("DepthwiseConv1D and SeparableConv1D raise where Keras raises, at the same stage") {
  check_recorded_errors("depthwise_conv1d_errors.json", "DepthwiseConv1D");
  check_recorded_errors("separable_conv1d_errors.json", "SeparableConv1D");
}

TEST_CASE("DepthwiseConv1D and SeparableConv1D errors name the layer, the argument and the value") {
  using layers::DepthwiseConv1D, layers::SeparableConv1D;
  CHECK_THROWS_WITH_AS(DepthwiseConv1D({.kernel_size = 3, .depth_multiplier = 0, .name = "d"}),
                       "DepthwiseConv1D 'd': invalid argument `depth_multiplier`: expected a strictly positive integer, "
                       "received depth_multiplier=0",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(DepthwiseConv1D({.kernel_size = 3, .padding = "causal", .name = "d"}),
                       "DepthwiseConv1D 'd': invalid argument `padding`: expected one of \"valid\", \"same\", received "
                       "padding=\"causal\"",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(SeparableConv1D({.filters = 0, .kernel_size = 3, .name = "s"}),
                       "SeparableConv1D 's': invalid argument `filters`: expected a strictly positive integer, received "
                       "filters=0",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(SeparableConv1D({.filters = 4, .kernel_size = 3, .data_format = "ncw", .name = "s"}),
                       "SeparableConv1D 's': invalid argument `data_format`: expected one of \"channels_last\", "
                       "\"channels_first\", received data_format=\"ncw\"",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::deserialize({{"class_name", "SeparableConv1D"},
                                            {"config", {{"filters", 4}, {"kernel_size", 3}, {"groups", 3}}}}),
                       "layers::deserialize: SeparableConv1D: SeparableConv1D.from_config: unrecognized argument `groups` (received "
                       "groups=3); Keras's layer does not take it",
                       InvalidArgument);

  DepthwiseConv1D depthwise({.kernel_size = 5, .name = "d"});
  CHECK_THROWS_WITH_AS(depthwise(Tensor::rand({2, 3, 4})),
                       "DepthwiseConv1D 'd': the input is too short for the kernel: 3 steps with kernel_size=5, "
                       "dilation_rate=1, strides=1 and padding=\"valid\" leave -1 output steps",
                       ShapeError);
  depthwise(Tensor::rand({2, 8, 4}));
  CHECK_THROWS_WITH_AS(depthwise(Tensor::rand({2, 8, 3})),
                       "DepthwiseConv1D 'd': expected axis -1 of the input shape to have value 4 (the layer was built for "
                       "it), received an input of shape (2, 8, 3)",
                       ShapeError);
  DepthwiseConv1D huge({.kernel_size = 1, .depth_multiplier = std::int64_t{1} << 40, .name = "h"});
  CHECK_THROWS_WITH_AS(huge.compute_output_shape({1, 4, 2}),
                       "DepthwiseConv1D 'h': expected at most 2^40 output channels, received an input of shape (1, 4, 2) "
                       "with depth_multiplier=1099511627776",
                       ShapeError);
}
