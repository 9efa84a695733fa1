// Activations against real Keras 3.15.1 (tests/data/keras_activations.json), and the name lookup.
#include "../support/golden.hpp"

#include <doctest/doctest.h>

#include <limits>
#include <cmath>

using namespace minidl;
using namespace minidl::testing;

namespace {

// The case's function: by Keras name when the case used the string, else with its keyword arguments.
activations::Activation activation_of(const nlohmann::json& item) {
  const std::string name = item.at("name");
  const auto& kwargs = item.at("kwargs");
  if (item.at("by_string").get<bool>()) return activations::get(name);
  if (name == "relu") {
    activations::ReluOptions options;
    if (kwargs.contains("negative_slope")) options.negative_slope = kwargs.at("negative_slope");
    if (kwargs.contains("max_value")) options.max_value = kwargs.at("max_value").get<double>();
    if (kwargs.contains("threshold")) options.threshold = kwargs.at("threshold");
    return [options](const Tensor& x) { return activations::relu(x, options); };
  }
  if (name == "gelu") {
    const bool approximate = kwargs.at("approximate");
    return [approximate](const Tensor& x) { return activations::gelu(x, approximate); };
  }
  if (name == "celu") {
    const double alpha = kwargs.at("alpha");
    return [alpha](const Tensor& x) { return activations::celu(x, alpha); };
  }
  throw std::runtime_error("no test binding for activation " + name);
}

void check_keras_cases(DType dtype) {
  const auto golden = load_test_data("keras/activations.json");
  const double rtol = dtype == DType::float64 ? 1e-12 : 1e-5;
  const double atol = dtype == DType::float64 ? 1e-12 : 1e-6;
  for (const auto& item : golden.at("cases")) {
    const std::string id = item.at("id");
    CAPTURE(id);
    const Tensor x = tensor_from_json(item.at("x"), dtype).set_requires_grad();
    const Tensor y = activation_of(item)(x);
    CHECK_CLOSE(y, tensor_from_json(item.at("expected").at("y"), dtype), rtol, atol);
    const Tensor dx = autograd::grad({y}, {x}, {tensor_from_json(item.at("g"), dtype)})[0];
    // Keras's hard_sigmoid gradient carries torch 1.13's float slope (1/6 to ~3e-8 relative; see the case's note).
    const double gradient_rtol = id.find("hard_s") != std::string::npos ? std::max(rtol, 1e-7) : rtol;
    CHECK_CLOSE(dx, tensor_from_json(item.at("expected").at("dx"), dtype), gradient_rtol, atol);
  }
}

}  // namespace

TEST_CASE("activations match Keras 3 values and gradients") {
  SUBCASE("float64") { check_keras_cases(DType::float64); }
  SUBCASE("float32") { check_keras_cases(DType::float32); }
}

TEST_CASE("activations::get knows Keras's names and rejects others") {
  for (const char* name : {"relu", "swish", "hard_swish", "gelu", "softmax", "log_softmax", "linear", "mish",
                           "exponential", "hard_sigmoid", "selu", "relu6", "leaky_relu"})
    CHECK_NOTHROW(activations::get(name));
  CHECK_THROWS_WITH_AS(activations::get("Relu"),
                       doctest::Contains("activations::get: invalid argument `activation`: expected one of celu, elu"),
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(activations::get("reLU"), doctest::Contains("received activation=\"reLU\""), InvalidArgument);
}

TEST_CASE("activation formulas at hand-checkable points") {
  const Tensor x(std::vector<double>{-1.0, 0.5, 4.0}, {3});
  // Keras 3: hard_sigmoid(x) = relu6(x + 3) / 6.
  CHECK_CLOSE(activations::hard_sigmoid(x), Tensor(std::vector<double>{2.0 / 6, 3.5 / 6, 1.0}, {3}), 1e-15, 0);
  // leaky_relu's Keras default slope is 0.2.
  CHECK_CLOSE(activations::leaky_relu(x), Tensor(std::vector<double>{-0.2, 0.5, 4.0}, {3}), 1e-15, 0);
  CHECK_CLOSE(activations::relu6(Tensor(std::vector<double>{-1.0, 3.0, 7.0}, {3})),
              Tensor(std::vector<double>{0.0, 3.0, 6.0}, {3}), 0, 0);
  // softmax of a row with a huge entry stays finite (the maximum is subtracted first).
  const Tensor big(std::vector<double>{1000.0, 0.0}, {1, 2});
  CHECK_CLOSE(activations::softmax(big), Tensor(std::vector<double>{1.0, 0.0}, {1, 2}), 1e-15, 1e-300);
  CHECK_CLOSE(activations::log_softmax(big), Tensor(std::vector<double>{0.0, -1000.0}, {1, 2}), 1e-15, 0);
}

TEST_CASE("relu6 and a clipped relu take infinities as Keras: relu6(-inf) = 0, relu6(inf) = 6") {
  for (const DType dtype : {DType::float32, DType::float64}) {
    const double inf = std::numeric_limits<double>::infinity();
    const Tensor x = cast(Tensor(std::vector<double>{-inf, inf, -1.0, 7.0}, {4}), dtype);
    CHECK(activations::relu6(x).to_vector() == std::vector<double>{0.0, 6.0, 0.0, 6.0});
    CHECK(activations::relu(x, {.max_value = 2.0}).to_vector() == std::vector<double>{0.0, 2.0, 0.0, 2.0});
    // With a slope the negative side is kept: -inf stays -inf.
    CHECK(activations::relu(x, {.negative_slope = 0.5}).to_vector()[0] == -inf);
  }
}

TEST_CASE("relu's SIMD loops: NaN comes through, the tail past the last full vector, relu'(0) = 0") {
  std::vector<float> values(19, -1.0f);
  values[3] = std::nanf("");
  values[17] = std::nanf("");  // in the scalar tail
  values[5] = 2.0f;
  values[18] = 0.0f;
  const Tensor x = Tensor(values, {19}).set_requires_grad();
  const Tensor y = activations::relu(x);
  const auto out = y.to_vector<float>();
  CHECK(std::isnan(out[3]));
  CHECK(std::isnan(out[17]));
  CHECK(out[5] == 2.0f);
  CHECK(out[0] == 0.0f);
  y.backward(Tensor::ones({19}));
  const auto grad = x.grad().to_vector<float>();
  CHECK(grad[5] == 1.0f);
  CHECK(grad[0] == 0.0f);
  CHECK(grad[18] == 0.0f);
}

TEST_CASE("relu split across threads: every element of a large tensor, forward and backward, in every part") {
  // Past the size from which the loops split over threads, with an odd length so that the last
  // part has a scalar tail of its own.
  const std::int64_t n = (std::int64_t{1} << 19) + 7;
  Generator generator(3);
  const Tensor x = Tensor::uniform({n}, -1.0, 1.0, DType::float32, &generator).set_requires_grad();
  const Tensor upstream = Tensor::uniform({n}, -1.0, 1.0, DType::float32, &generator);
  const Tensor y = activations::relu(x);
  y.backward(upstream);
  const auto in = x.to_vector<float>(), out = y.to_vector<float>(), g = upstream.to_vector<float>();
  const auto grad = x.grad().to_vector<float>();
  std::int64_t wrong_values = 0, wrong_gradients = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    wrong_values += out[std::size_t(i)] != std::max(in[std::size_t(i)], 0.0f);
    wrong_gradients += grad[std::size_t(i)] != (in[std::size_t(i)] > 0 ? g[std::size_t(i)] : 0.0f);
  }
  CHECK(wrong_values == 0);
  CHECK(wrong_gradients == 0);
}

TEST_CASE("threshold matches Keras 3, on the threshold included; a NaN takes the default value") {
  const auto golden = load_test_data("keras/parity.json");
  for (const auto& item : golden.at("threshold")) {
    const std::string id = item.at("id");
    CAPTURE(id);
    for (const DType dtype : {DType::float64, DType::float32}) {
      const Tensor x = tensor_from_json(item.at("x"), dtype).set_requires_grad();
      const Tensor y = activations::threshold(x, item.at("threshold"), item.at("default_value"));
      CHECK_CLOSE(y, tensor_from_json(item.at("expected").at("y"), dtype), 0, 0);
      const Tensor dx = autograd::grad({y}, {x}, {tensor_from_json(item.at("g"), dtype)})[0];
      CHECK_CLOSE(dx, tensor_from_json(item.at("expected").at("dx"), dtype), 0, 0);
    }
  }
  const Tensor nan_input(std::vector<double>{std::nan(""), 2.0}, {2});
  CHECK(activations::threshold(nan_input, 1.0, -3.0).to_vector<double>() == std::vector<double>{-3.0, 2.0});
}
