// argmax, argmin, take and one_hot against real Keras 3.15.1 (keras/parity.json), take's gradient
// by gradcheck, and the indices they refuse.
#include "../support/golden.hpp"

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;

namespace {

std::optional<std::int64_t> axis_of(const nlohmann::json& item) {
  return item.at("axis").is_null() ? std::nullopt : std::optional<std::int64_t>(item.at("axis").get<std::int64_t>());
}

}  // namespace

TEST_CASE("argmax and argmin match Keras: first of ties, NaN as the extreme, every axis and keepdims") {
  const auto golden = load_test_data("keras/parity.json");
  for (const auto& item : golden.at("arg")) {
    const std::string label = fmt::format("{}(axis={}, keepdims={})", item.at("op").get<std::string>(), item.at("axis").dump(),
                                          item.at("keepdims").get<bool>());
    CAPTURE(label);
    for (const DType dtype : {DType::float64, DType::float32}) {
      auto values = item.at("x");
      values.at("data").at(item.at("nan_at").get<std::size_t>()) = std::nan("");
      const Tensor x = tensor_from_json(values, dtype);
      const Tensor y = item.at("op") == "argmax" ? argmax(x, axis_of(item), item.at("keepdims"))
                                                 : argmin(x, axis_of(item), item.at("keepdims"));
      CHECK(y.dtype() == dtype);
      CHECK_CLOSE(y, tensor_from_json(item.at("expected"), dtype), 0, 0);
    }
  }
}

TEST_CASE("take matches Keras's values and gradients, negative and repeated indices included") {
  const auto golden = load_test_data("keras/parity.json");
  for (const auto& item : golden.at("take")) {
    const std::string label = fmt::format("take(axis={})", item.at("axis").dump());
    CAPTURE(label);
    for (const DType dtype : {DType::float64, DType::float32}) {
      const Tensor x = tensor_from_json(item.at("x"), dtype).set_requires_grad();
      const Tensor y = take(x, tensor_from_json(item.at("indices"), DType::float64), axis_of(item));
      CHECK_CLOSE(y, tensor_from_json(item.at("expected").at("y"), dtype), 0, 0);
      const Tensor dx = autograd::grad({y}, {x}, {tensor_from_json(item.at("g"), dtype)})[0];
      CHECK_CLOSE(dx, tensor_from_json(item.at("expected").at("dx"), dtype), 0, 0);
    }
  }
}

TEST_CASE("one_hot matches Keras at every axis; an index of -1 is a row of zeros") {
  const auto golden = load_test_data("keras/parity.json");
  for (const auto& item : golden.at("one_hot")) {
    const std::string label = fmt::format("one_hot(axis={})", item.at("axis").get<int>());
    CAPTURE(label);
    const Tensor y = one_hot(tensor_from_json(item.at("x"), DType::float32), item.at("num_classes"), item.at("axis"));
    CHECK_CLOSE(y, tensor_from_json(item.at("expected"), DType::float32), 0, 0);
  }
  // Past the end: zeros, as Keras on TensorFlow and JAX.
  CHECK(one_hot(Tensor(std::vector<float>{5.0f, 1.0f}, {2}), 3).to_vector<float>() == std::vector<float>{0, 0, 0, 0, 1, 0});
}

TEST_CASE("gradcheck: take along every axis and flattened, with repeated indices") {
  const Tensor x = Tensor::uniform({3, 4, 2}, -1.0, 1.0, DType::float64);
  for (const auto axis : {std::optional<std::int64_t>(), std::optional<std::int64_t>(0), std::optional<std::int64_t>(1),
                          std::optional<std::int64_t>(-1)}) {
    const std::string label = axis ? fmt::format("axis={}", *axis) : "flattened";
    CAPTURE(label);
    const std::vector<std::int64_t> indices{1, -1, 1, 0};
    const auto report = gradcheck([&](const std::vector<Tensor>& in) { return square(take(in[0], indices, axis)); }, {x});
    CHECK_MESSAGE(report.passed, report.to_string());
  }
}

TEST_CASE("take shuffles a batch as a custom loop does, and its indices may be a vector") {
  const Tensor x(std::vector<float>{0, 1, 2, 3, 4, 5}, {3, 2});
  CHECK(take(x, std::vector<std::int64_t>{2, 0, 1}, 0).to_vector<float>() == std::vector<float>{4, 5, 0, 1, 2, 3});
  // Flattened, a negative index counts from the end of the flattened tensor (Keras on TensorFlow,
  // JAX and NumPy; Keras on torch counts from the end of axis 0).
  CHECK(take(x, std::vector<std::int64_t>{-1, -6}).to_vector<float>() == std::vector<float>{5, 0});
}

TEST_CASE("indexing ops refuse what is not an index, naming the op, the argument and the value") {
  const Tensor x = Tensor::zeros({2, 3});
  CHECK_THROWS_WITH_AS(take(x, std::vector<std::int64_t>{3}, 1),
                       "take: invalid argument `indices`: expected indices in [-3, 3) for axis 1 of extent 3, received 3 at flat position 0",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(take(x, std::vector<std::int64_t>{0, -7}),
                       doctest::Contains("expected indices in [-6, 6) for axis None (flattened) of extent 6, received -7 at flat position 1"),
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(take(x, Tensor(std::vector<float>{1.5f}, {1}), 0),
                       "take: invalid argument `indices`: expected whole numbers (indices), received 1.5 at flat position 0", InvalidArgument);
  CHECK_THROWS_WITH_AS(take(x, Tensor(std::vector<double>{std::nan("")}, {1}), 0), doctest::Contains("received nan"), InvalidArgument);
  CHECK_THROWS_WITH_AS(one_hot(x, 0), "one_hot: invalid argument `num_classes`: expected a positive integer, received num_classes=0",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(argmax(Tensor::zeros({2, 0}), 1), "argmax: the axis searched has no elements (x has shape (2, 0))", ShapeError);
  CHECK_THROWS_AS(argmin(x, 2), InvalidArgument);
}
