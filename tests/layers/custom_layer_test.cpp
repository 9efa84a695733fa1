// A layer of one's own in few lines: LayerOptions, add_weight's keywords and defaults, the default
// check_input, build_weights and compute_output_shape, and regularization_loss() for a custom loop.
#include "../support/golden.hpp"

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;

namespace {

struct ScaleOptions {
  double l2 = 0.0;
  std::string dtype = "float32";
  std::string name = "";
};

// y = x · w + b over the last axis, w and b of its extent; everything else is the base's default.
class Scale : public layers::Layer {
 public:
  explicit Scale(ScaleOptions options = {}) : Layer("Scale", {.dtype = options.dtype, .name = options.name}), options_(options) {}

 protected:
  void build_weights(const Shape& input_shape) override {
    scale_ = add_weight({.shape = {input_shape.back()}, .regularizer = regularizers::L2{.l2 = options_.l2}});
    offset_ = add_weight({.shape = {input_shape.back()}, .initializer = "ones"});
  }
  Tensor call(const Tensor& inputs) override { return inputs * scale_->value() + offset_->value(); }

 private:
  ScaleOptions options_;
  std::shared_ptr<layers::Variable> scale_, offset_;
};

// Sums the last axis: a shape the default compute_output_shape must find by calling.
class SumLast : public layers::Layer {
 public:
  SumLast() : Layer("SumLast", {.dtype = "float64"}) {}

 protected:
  Tensor call(const Tensor& inputs) override { return sum(inputs, {-1}); }
};

}  // namespace

TEST_CASE("a custom layer takes Keras's base arguments and add_weight's keywords with Keras's defaults") {
  Scale layer({.dtype = "float64", .name = "scale"});
  CHECK(layer.name() == "scale");
  CHECK(layer.class_name() == "Scale");
  CHECK(layer.dtype() == DType::float64);
  const Tensor x = Tensor::normal({4, 3}, 0.0, 1.0, DType::float64);
  const Tensor y = layer(x);
  CHECK(y.shape() == Shape{4, 3});
  const auto weights = layer.weights();
  REQUIRE(weights.size() == 2);
  // Unnamed weights are named as Keras names them, in the layer's path.
  CHECK(weights[0]->path() == "scale/variable");
  CHECK(weights[1]->path() == "scale/variable_1");
  CHECK(weights[0]->trainable());
  // glorot_uniform by default: within sqrt(6 / (fan_in + fan_out)) of 0, fans of a (3,) weight 3 and 3, and not all zero.
  const auto values = weights[0]->value().to_vector();
  CHECK(std::all_of(values.begin(), values.end(), [](double v) { return std::abs(v) <= 1.0 + 1e-12; }));
  CHECK(std::any_of(values.begin(), values.end(), [](double v) { return v != 0.0; }));
  CHECK(weights[1]->value().to_vector() == std::vector<double>{1.0, 1.0, 1.0});

  Scale automatic;
  CHECK(automatic.name().rfind("scale", 0) == 0);
  CHECK(automatic.dtype() == DType::float32);
  CHECK_THROWS_WITH_AS(Scale({.dtype = "float16"}), doctest::Contains("Scale"), InvalidArgument);
}

TEST_CASE("the default compute_output_shape runs the call, so a custom layer works in a functional model and its summary") {
  auto sum_last = std::make_shared<SumLast>();
  CHECK(sum_last->compute_output_shape({2, 5, 3}) == Shape{2, 5});
  const auto input = layers::Input({.shape = {5, 3}, .dtype = "float64"});
  const auto output = (*sum_last)(input);
  models::Functional model(input, output);
  const Tensor x = Tensor::normal({2, 5, 3}, 0.0, 1.0, DType::float64);
  CHECK_CLOSE(model(std::vector<Tensor>{x})[0], sum(x, {-1}), 0, 0);
  CHECK(model.summary().find("(None, 5)") != std::string::npos);
}

TEST_CASE("regularization_loss() is the sum of losses(), what a custom loop adds to its loss") {
  Scale layer({.l2 = 0.01, .dtype = "float64"});
  CHECK(layer.regularization_loss().item() == 0.0);  // not built: no weights, no losses
  layer(Tensor::ones({2, 4}, DType::float64));
  const auto scale = layer.weights()[0]->value().to_vector();
  double expected = 0;
  for (double v : scale) expected += 0.01 * v * v;
  CHECK(layer.regularization_loss().item() == doctest::Approx(expected).epsilon(1e-14));
  // Differentiable: d/dw of 0.01·Σw² is 0.02·w.
  layer.regularization_loss().backward();
  CHECK_CLOSE(layer.weights()[0]->value().grad(), layer.weights()[0]->value().detach() * 0.02, 1e-14, 0);
}
