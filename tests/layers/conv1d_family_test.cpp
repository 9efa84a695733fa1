// The Conv1D family built with Keras's defaults, against what real Keras 3.15.1 records for the
// same constructor call (tests/data/keras/conv1d_family.json): get_config, the serialized form, the
// weights' names and shapes and the output shape. And SpatialDropout1D: its errors at Keras's
// stages, whole channels dropped in training, the identity in inference.
#include "../support/golden.hpp"

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;

namespace {

// The constructor calls of the recorded cases, in their order, with the names Keras gave them
// (other tests have taken minidl's automatic ones).
std::vector<std::unique_ptr<layers::Layer>> layers_as_recorded() {
  std::vector<std::unique_ptr<layers::Layer>> all;
  all.push_back(std::make_unique<layers::Conv1DTranspose>(layers::Conv1DTransposeOptions{.filters = 16, .kernel_size = 4, .name = "conv1d_transpose"}));
  all.push_back(std::make_unique<layers::Conv1DTranspose>(
      layers::Conv1DTransposeOptions{.filters = 16, .kernel_size = 4, .strides = 2, .padding = "same", .output_padding = 1, .name = "conv1d_transpose_1"}));
  all.push_back(std::make_unique<layers::DepthwiseConv1D>(layers::DepthwiseConv1DOptions{.kernel_size = 3, .name = "depthwise_conv1d"}));
  all.push_back(std::make_unique<layers::SeparableConv1D>(
      layers::SeparableConv1DOptions{.filters = 12, .kernel_size = 3, .depth_multiplier = 2, .name = "separable_conv1d"}));
  all.push_back(std::make_unique<layers::SpatialDropout1D>(layers::SpatialDropout1DOptions{.rate = 0.25, .name = "spatial_dropout1d"}));
  all.push_back(std::make_unique<layers::SpatialDropout1D>(layers::SpatialDropout1DOptions{.rate = 0.3, .seed = 5, .name = "spatial"}));
  return all;
}

}  // namespace

TEST_CASE("the Conv1D family with Keras's defaults: config, serialized form, weights and output shape as Keras's") {
  const auto golden = load_test_data("keras/conv1d_family.json");
  auto ours = layers_as_recorded();
  REQUIRE(ours.size() == golden.at("cases").size());
  for (std::size_t i = 0; i < ours.size(); ++i) {
    const auto& item = golden.at("cases")[i];
    layers::Layer& layer = *ours[i];
    CAPTURE(item.at("class_name").get<std::string>());
    const Shape input_shape = item.at("input_shape").get<Shape>();
    layer.build(input_shape);
    CHECK(layer.class_name() == item.at("class_name"));
    CHECK_MESSAGE(config_difference(layer.get_config(), item.at("get_config")).empty(),
                  config_difference(layer.get_config(), item.at("get_config")));
    // The generator built each layer on a shape, which Keras records with its batch (1); in a
    // model, as minidl writes it, the batch is None. A layer without a build of its own
    // (SpatialDropout1D) records no build_config in a model.
    nlohmann::json keras_serialized = item.at("serialized");
    if (layer.weights().empty()) keras_serialized.erase("build_config");
    else keras_serialized["build_config"]["input_shape"][0] = nullptr;
    CHECK_MESSAGE(config_difference(layers::serialize(layer), keras_serialized).empty(),
                  config_difference(layers::serialize(layer), keras_serialized));
    REQUIRE(layer.weights().size() == item.at("weights").size());
    for (std::size_t w = 0; w < layer.weights().size(); ++w) {
      CHECK(layer.weights()[w]->name() == item.at("weights")[w].at("name"));
      CHECK(layer.weights()[w]->shape() == item.at("weights")[w].at("shape").get<Shape>());
    }
    CHECK(layer.compute_output_shape(input_shape) == item.at("compute_output_shape").get<Shape>());
    // What minidl writes, minidl reads back to the same layer.
    const auto copy = layers::deserialize(layers::serialize(layer));
    CHECK(copy->get_config() == layer.get_config());
  }
}

TEST_CASE("SpatialDropout1D raises where Keras raises, at the same stage") {
  const auto golden = load_test_data("keras/conv1d_family.json");
  for (const auto& item : golden.at("spatial_dropout_errors")) {
    const std::string tag = item.at("tag");
    CAPTURE(tag);
    const Shape shape = item.at("input_shape").get<Shape>();
    const double rate = tag == "rate=1.0" ? 1.0 : tag == "rate=-0.1" ? -0.1 : 0.5;
    if (tag == "trainable argument") {
      // Keras refuses the keyword; minidl's options have no such field, and a config holding it
      // is read as Keras's Layer keys are (name, trainable, dtype), so only the stage is recorded.
      CHECK(item.at("raises") == true);
      continue;
    }
    const std::string stage = item.at("raises") ? item.at("stage").get<std::string>() : "none";
    if (stage == "constructor") {
      CHECK_THROWS_AS(layers::SpatialDropout1D({.rate = rate}), InvalidArgument);
      continue;
    }
    layers::SpatialDropout1D layer({.rate = rate});
    if (stage == "build/call") CHECK_THROWS_AS(layer(Tensor::ones(shape), true), ShapeError);
    else CHECK(layer(Tensor::ones(shape), true).shape() == item.at("output_shape").get<Shape>());
  }
  CHECK_THROWS_WITH_AS(layers::SpatialDropout1D({.rate = -0.1, .name = "s"}),
                       "SpatialDropout1D 's': invalid argument `rate`: expected a float in [0, 1], received rate=-0.1",
                       InvalidArgument);
  layers::SpatialDropout1D layer({.rate = 0.5, .name = "s"});
  CHECK_THROWS_WITH_AS(layer(Tensor::ones({5, 3})), "SpatialDropout1D 's': expected an input of rank 3, received shape (5, 3) of rank 2",
                       ShapeError);
}

TEST_CASE("SpatialDropout1D drops whole channels in training, as Keras, and is the identity otherwise") {
  const auto recorded = load_test_data("keras/conv1d_family.json").at("spatial_dropout_training_on_ones");
  // Keras's own output has this structure: each (sample, channel) column constant, 0 or 2.
  REQUIRE(recorded.at("columns_constant") == true);
  REQUIRE(recorded.at("values") == nlohmann::json::array({0.0, 2.0}));

  layers::SpatialDropout1D dropout({.rate = 0.5, .seed = 3, .dtype = "float64"});
  const Tensor x = Tensor::uniform({40, 30, 50}, 0.5, 1.5, DType::float64).set_requires_grad();
  CHECK(dropout(x).to_vector() == x.to_vector());
  const Tensor y = dropout(x, true);
  y.backward(Tensor::ones(y.shape(), DType::float64));
  const auto values = y.to_vector(), inputs = x.to_vector(), gradient = x.grad().to_vector();
  std::size_t dropped = 0;
  for (std::int64_t b = 0; b < 40; ++b)
    for (std::int64_t c = 0; c < 50; ++c) {
      const bool kept = values[std::size_t(b * 30 * 50 + c)] != 0.0;
      dropped += !kept;
      for (std::int64_t t = 0; t < 30; ++t) {
        const auto i = std::size_t((b * 30 + t) * 50 + c);
        CHECK(values[i] == (kept ? 2.0 * inputs[i] : 0.0));
        CHECK(gradient[i] == (kept ? 2.0 : 0.0));
      }
    }
  // 2000 (sample, channel) draws at p = 0.5: the dropped count's standard deviation is ~22.
  CHECK(dropped > 1000 - 110);
  CHECK(dropped < 1000 + 110);

  // Seeded: the same masks again from a layer with the same seed.
  layers::SpatialDropout1D again({.rate = 0.5, .seed = 3, .dtype = "float64"});
  again(x);
  CHECK(again(x, true).to_vector() == values);
}

TEST_CASE("the family's regularizers give their losses and its constraints hold after an optimizer step") {
  const auto squares = [](const Tensor& t) {
    double total = 0;
    for (double v : t.to_vector()) total += v * v;
    return total;
  };
  // Positive inputs: sum(y)'s gradient is positive for every kernel of a linear layer, so the
  // step below drives each of them below zero, where non_neg must catch it.
  const Tensor x = Tensor::uniform({2, 9, 3}, 0.5, 1.5, DType::float64);

  layers::DepthwiseConv1D depthwise({.kernel_size = 3, .depth_multiplier = 2, .bias_initializer = initializers::Constant{.value = -1.0},
                                     .depthwise_regularizer = regularizers::L2{.l2 = 0.5},
                                     .bias_regularizer = regularizers::L1{.l1 = 0.25}, .depthwise_constraint = "non_neg",
                                     .dtype = "float64"});
  depthwise.build(x.shape());
  const auto depthwise_losses = depthwise.losses();
  REQUIRE(depthwise_losses.size() == 2);
  CHECK(depthwise_losses[0].item() == doctest::Approx(0.5 * squares(depthwise.kernel())).epsilon(1e-12));
  CHECK(depthwise_losses[1].item() == doctest::Approx(0.25 * 6).epsilon(1e-12));  // |−1| over 6 biases

  layers::SeparableConv1D separable({.filters = 4, .kernel_size = 3, .pointwise_regularizer = regularizers::L2{.l2 = 0.1},
                                     .depthwise_constraint = "non_neg", .pointwise_constraint = constraints::MaxNorm{.max_value = 0.1},
                                     .dtype = "float64"});
  separable.build(x.shape());
  const auto separable_losses = separable.losses();
  REQUIRE(separable_losses.size() == 1);
  CHECK(separable_losses[0].item() == doctest::Approx(0.1 * squares(separable.pointwise_kernel())).epsilon(1e-12));

  layers::Conv1DTranspose transpose({.filters = 2, .kernel_size = 3, .kernel_constraint = "non_neg", .dtype = "float64"});
  transpose.build(x.shape());

  // One SGD step on a loss that pushes every weight down: the constraints must pull them back.
  for (layers::Layer* layer : std::vector<layers::Layer*>{&depthwise, &separable, &transpose}) {
    optim::SGD sgd({.learning_rate = 10.0});
    sum((*layer)(x)).backward();
    sgd.step(layer->trainable_weights());
  }
  CHECK(min(depthwise.kernel()).item() >= 0.0);
  CHECK(min(separable.depthwise_kernel()).item() >= 0.0);
  CHECK(min(transpose.kernel()).item() >= 0.0);
  // MaxNorm over axis 0 of (1, in, filters): each (channel, filter) weight at most 0.1 in size.
  CHECK(max(abs(separable.pointwise_kernel())).item() <= 0.1 + 1e-12);
}
