// Conv1D's errors: the conditions on which Keras raises, at the moment Keras raises them (the
// recorded Keras cases), and the exact message minidl gives for each.
#include "../support/golden.hpp"

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;
using layers::Conv1D;

namespace {

layers::Conv1DOptions options_from(const nlohmann::json& config) {
  layers::Conv1DOptions options{.filters = config.at("filters"), .kernel_size = config.at("kernel_size")};
  if (config.contains("strides")) options.strides = config.at("strides");
  if (config.contains("padding")) options.padding = config.at("padding");
  if (config.contains("data_format")) options.data_format = config.at("data_format").get<std::string>();
  if (config.contains("dilation_rate")) options.dilation_rate = config.at("dilation_rate");
  if (config.contains("groups")) options.groups = config.at("groups");
  if (config.contains("activation")) options.activation = config.at("activation").get<std::string>();
  return options;
}

}  // namespace

TEST_CASE("Conv1D raises where Keras raises, at the same stage") {
  const auto golden = load_test_data("keras/conv1d_errors.json");
  for (const auto& item : golden.at("cases")) {
    const std::string tag = item.at("tag");
    CAPTURE(tag);
    const bool raises = item.at("raises");
    const std::string stage = raises ? item.at("stage").get<std::string>() : "none";
    std::unique_ptr<Conv1D> conv;
    if (stage == "constructor") {
      CHECK_THROWS_AS(Conv1D(options_from(item.at("config"))), InvalidArgument);
      continue;
    }
    REQUIRE_NOTHROW(conv = std::make_unique<Conv1D>(options_from(item.at("config"))));
    const Tensor first = Tensor::rand(item.at("input_shape").get<Shape>());
    if (stage == "build/call") {
      CHECK_THROWS_AS((*conv)(first), InvalidArgument);
      continue;
    }
    REQUIRE_NOTHROW((*conv)(first));
    if (item.at("second_input_shape").is_null()) continue;
    const Tensor second = Tensor::rand(item.at("second_input_shape").get<Shape>());
    if (stage == "second_call") CHECK_THROWS_AS((*conv)(second), InvalidArgument);
    else CHECK_NOTHROW((*conv)(second));
  }
}

TEST_CASE("Conv1D constructor errors name the layer, the argument and the value") {
  CHECK_THROWS_WITH_AS(Conv1D({.filters = 0, .kernel_size = 3, .name = "c"}),
                       "Conv1D 'c': invalid argument `filters`: expected a strictly positive integer, received filters=0",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Conv1D({.filters = -4, .kernel_size = 3, .name = "c"}),
                       "Conv1D 'c': invalid argument `filters`: expected a strictly positive integer, received filters=-4",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Conv1D({.filters = 4, .kernel_size = 0, .name = "c"}),
                       "Conv1D 'c': invalid argument `kernel_size`: expected a positive integer, received kernel_size=0",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Conv1D({.filters = 4, .kernel_size = 3, .strides = 0, .name = "c"}),
                       "Conv1D 'c': invalid argument `strides`: expected a positive integer, received strides=0",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Conv1D({.filters = 4, .kernel_size = 3, .dilation_rate = -1, .name = "c"}),
                       "Conv1D 'c': invalid argument `dilation_rate`: expected a positive integer, received dilation_rate=-1",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Conv1D({.filters = 4, .kernel_size = 3, .strides = 2, .dilation_rate = 2, .name = "c"}),
                       "Conv1D 'c': invalid argument `strides`: strides > 1 is not supported together with dilation_rate > "
                       "1, received strides=2 and dilation_rate=2",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Conv1D({.filters = 5, .kernel_size = 3, .groups = 2, .name = "c"}),
                       "Conv1D 'c': invalid argument `filters`: expected a multiple of groups=2, received filters=5",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Conv1D({.filters = 4, .kernel_size = 3, .groups = 0, .name = "c"}),
                       "Conv1D 'c': invalid argument `groups`: expected a positive integer, received groups=0", InvalidArgument);
  CHECK_THROWS_WITH_AS(Conv1D({.filters = 4, .kernel_size = 3, .padding = "full", .name = "c"}),
                       "Conv1D 'c': invalid argument `padding`: expected one of \"valid\", \"same\", \"causal\", received "
                       "padding=\"full\"",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Conv1D({.filters = 4, .kernel_size = 3, .data_format = "NWC", .name = "c"}),
                       "Conv1D 'c': invalid argument `data_format`: expected one of \"channels_last\", \"channels_first\", "
                       "received data_format=\"nwc\"",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Conv1D({.filters = 4, .kernel_size = 3, .activation = "Relu", .name = "c"}),
                       doctest::Contains("Conv1D 'c': invalid argument `activation`: expected an activation name, one of "
                                         "celu, elu, exponential"),
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Conv1D({.filters = 4, .kernel_size = 3, .kernel_initializer = "glorot", .name = "c"}),
                       doctest::Contains("Conv1D 'c': invalid argument `kernel_initializer`: expected an initializer name"),
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Conv1D({.filters = 4, .kernel_size = 3, .bias_initializer = "nil", .name = "c"}),
                       doctest::Contains("received bias_initializer=\"nil\""), InvalidArgument);
  CHECK_THROWS_WITH_AS(Conv1D({.filters = 4, .kernel_size = 3, .kernel_regularizer = "l1_l2", .name = "c"}),
                       "Conv1D 'c': invalid argument `kernel_regularizer`: expected a regularizer name, one of L1, L1L2, L2, "
                       "OrthogonalRegularizer, l1, l1l2, l2, orthogonal_regularizer, received kernel_regularizer=\"l1_l2\"",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Conv1D({.filters = 4, .kernel_size = 3, .activity_regularizer = "l3", .name = "c"}),
                       doctest::Contains("Conv1D 'c': invalid argument `activity_regularizer`"), InvalidArgument);
  CHECK_THROWS_WITH_AS(Conv1D({.filters = 4, .kernel_size = 3, .bias_constraint = "maxnorm", .name = "c"}),
                       "Conv1D 'c': invalid argument `bias_constraint`: expected a constraint name, one of MaxNorm, "
                       "MinMaxNorm, NonNeg, UnitNorm, max_norm, min_max_norm, non_neg, unit_norm, received "
                       "bias_constraint=\"maxnorm\"",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Conv1D({.filters = 4, .kernel_size = 3, .kernel_regularizer = regularizers::L2{.l2 = -1}, .name = "c"}),
                       "Conv1D 'c': invalid argument `kernel_regularizer`: `l2` must be a non-negative finite float, received l2=-1",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Conv1D({.filters = 4, .kernel_size = 3, .kernel_initializer = initializers::VarianceScaling{.scale = 0},
                               .name = "c"}),
                       "Conv1D 'c': invalid argument `kernel_initializer`: VarianceScaling needs a positive `scale`, received scale=0",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Conv1D({.filters = 4, .kernel_size = 3, .dtype = "float16"}),
                       "Conv1D: invalid argument `dtype`: expected one of \"float32\", \"float64\", received dtype=\"float16\"",
                       InvalidArgument);
}

TEST_CASE("Conv1D input errors at build and call") {
  CHECK_THROWS_AS(Conv1D({.filters = 4, .kernel_size = 3})(Tensor::zeros({2, 10, 0})), ShapeError);  // no channels
  Conv1D conv({.filters = 4, .kernel_size = 3, .dilation_rate = 2, .name = "c"});
  CHECK_THROWS_WITH_AS(conv(Tensor::rand({7, 4})),
                       "Conv1D 'c': expected an input of rank 3 (batch, steps, channels), received shape (7, 4) of rank 2",
                       ShapeError);
  CHECK_THROWS_WITH_AS(conv(Tensor::rand({2, 4, 4})),
                       "Conv1D 'c': the input is too short for the kernel: 4 steps with kernel_size=3, dilation_rate=2, "
                       "strides=1 and padding=\"valid\" leave 0 output steps",
                       ShapeError);
  CHECK_FALSE(conv.built());
  CHECK(conv(Tensor::rand({2, 5, 4})).shape() == Shape{2, 1, 4});
  CHECK_THROWS_WITH_AS(conv(Tensor::rand({2, 7, 5})),
                       "Conv1D 'c': expected axis -1 of the input shape to have value 4 (the layer was built for it), "
                       "received an input of shape (2, 7, 5)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(conv(Tensor::rand({2, 7, 4}, DType::float64)),
                       "Conv1D 'c': invalid argument `inputs`: expected dtype float32 (the layer's dtype), received float64; cast the input",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(conv(Tensor::rand({2, 7, 4, 1})), doctest::Contains("received shape (2, 7, 4, 1) of rank 4"), ShapeError);

  Conv1D grouped({.filters = 6, .kernel_size = 3, .data_format = "channels_first", .groups = 3, .name = "g"});
  CHECK_THROWS_WITH_AS(grouped(Tensor::rand({2, 4, 7})),
                       "Conv1D 'g': the number of input channels must be divisible by groups=3; the input has 4 channels "
                       "(shape (2, 4, 7))",
                       ShapeError);
}

TEST_CASE("Conv1D set_weights checks count and shapes before writing anything") {
  Conv1D conv({.filters = 4, .kernel_size = 3, .name = "c"});
  conv.build({2, 7, 5});
  const auto before = conv.get_weights();
  CHECK_THROWS_WITH_AS(conv.set_weights({Tensor::zeros({3, 5, 4})}),
                       "Conv1D 'c': invalid argument `weights`: expected 2 arrays (the layer's weights), received 1 arrays",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(conv.set_weights({Tensor::zeros({3, 5, 4}), Tensor::zeros({5})}),
                       "Conv1D 'c': set_weights: weight 1 ('c/bias') expects shape (4,) float32, received (5,) float32",
                       ShapeError);
  CHECK(conv.get_weights()[0].to_vector() == before[0].to_vector());
  CHECK_THROWS_WITH_AS(Conv1D({.filters = 4, .kernel_size = 3, .name = "n"}).kernel(),
                       "Conv1D 'n': the kernel does not exist until the layer is built (first call or build())", StateError);
}

TEST_CASE("sizes that would overflow the window span are refused") {
  CHECK_THROWS_AS(Conv1D({.filters = 1, .kernel_size = 5, .dilation_rate = std::int64_t{1} << 62}), InvalidArgument);
  CHECK_THROWS_AS(Conv1D({.filters = 1, .kernel_size = 2, .strides = std::int64_t{1} << 62, .padding = "same"}), InvalidArgument);
}

TEST_CASE("a weight owns contiguous storage whatever a custom initializer returns") {
  const Tensor shared = Tensor::arange(0, 6, 1, DType::float32);
  Conv1D first({.filters = 2, .kernel_size = 1,
                .kernel_initializer = [&](const Shape& shape, DType) { return reshape(transpose(reshape(shared, {2, 3})), shape); }});
  Conv1D second({.filters = 2, .kernel_size = 1,
                 .kernel_initializer = [&](const Shape& shape, DType) { return reshape(transpose(reshape(shared, {2, 3})), shape); }});
  first.build({1, 2, 3});
  second.build({1, 2, 3});
  CHECK(first.kernel().is_contiguous());
  first.set_weights({Tensor::zeros({1, 3, 2}), Tensor::zeros({2})});
  CHECK(max(second.kernel()).item() == 5.0);  // untouched by the first layer's write
  CHECK(max(shared).item() == 5.0);
}
