// Add and Concatenate against real Keras 3.15.1 (keras/models.json): outputs and the gradient of
// every input, in float64 and float32; float64 gradchecks; the inputs Keras rejects.
#include "../support/golden.hpp"

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;

namespace {

std::unique_ptr<layers::Merge> merge_layer(const nlohmann::json& item, DType dtype) {
  auto config = item.at("config");
  config["dtype"] = std::string(dtype_name(dtype));
  auto layer = layers::deserialize({{"class_name", item.at("class_name")}, {"config", config}});
  return std::unique_ptr<layers::Merge>(dynamic_cast<layers::Merge*>(layer.release()));
}

}  // namespace

TEST_CASE("Add and Concatenate match Keras, values and gradients") {
  const auto data = load_test_data("keras/models.json");
  for (const auto& item : data.at("merges")) {
    for (const auto dtype : {DType::float64, DType::float32}) {
      CAPTURE(item.at("id").get<std::string>());
      CAPTURE(dtype_name(dtype));
      const double rtol = dtype == DType::float64 ? 1e-12 : 1e-6;
      auto layer = merge_layer(item, dtype);
      REQUIRE(layer);
      std::vector<Tensor> inputs;
      for (const auto& input : item.at("inputs")) inputs.push_back(tensor_from_json(input, dtype).set_requires_grad());
      const Tensor y = (*layer)(inputs);
      CHECK_CLOSE(y, tensor_from_json(item.at("expected").at("y"), dtype), rtol, 0.0);
      std::vector<Shape> shapes;
      for (const auto& input : inputs) shapes.push_back(input.shape());
      CHECK(layer->compute_output_shape(shapes) == y.shape());
      sum(y * tensor_from_json(item.at("g"), dtype)).backward();
      for (std::size_t i = 0; i < inputs.size(); ++i)
        CHECK_CLOSE(inputs[i].grad(), tensor_from_json(item.at("expected").at("dinputs")[i], dtype), rtol, 0.0);
    }
  }
}

TEST_CASE("Add and Concatenate gradcheck in float64") {
  const auto data = load_test_data("keras/models.json");
  for (const auto& item : data.at("merges")) {
    CAPTURE(item.at("id").get<std::string>());
    auto layer = merge_layer(item, DType::float64);
    std::vector<Tensor> inputs;
    for (const auto& input : item.at("inputs")) inputs.push_back(tensor_from_json(input));
    const auto report = gradcheck([&](const std::vector<Tensor>& in) { return (*layer)(in); }, inputs);
    CHECK_MESSAGE(report.passed, report.to_string());
  }
}

TEST_CASE("merge layers reject what Keras rejects, naming the layer and the shapes") {
  const auto data = load_test_data("keras/models.json");
  for (const auto& item : data.at("merge_errors")) {
    const std::string id = item.at("id");
    CAPTURE(id);
    REQUIRE(item.at("raises").get<bool>());
    std::vector<Tensor> inputs;
    for (const auto& shape : item.at("shapes")) inputs.push_back(Tensor::zeros(shape.get<Shape>()));
    std::unique_ptr<layers::Merge> layer;
    if (id.rfind("add/", 0) == 0) layer = std::make_unique<layers::Add>(layers::AddOptions{.name = "skip"});
    else layer = std::make_unique<layers::Concatenate>(layers::ConcatenateOptions{.name = "skip"});
    CHECK_THROWS_WITH_AS((*layer)(inputs), doctest::Contains("'skip'"), ShapeError);
  }
  layers::Add add({.name = "sum"});
  CHECK_THROWS_WITH_AS(add(std::vector<Tensor>{}), doctest::Contains("Add 'sum': a merge layer should be called on a list of at least 1 input"),
                       InvalidArgument);
  layers::Layer& as_layer = add;
  CHECK_THROWS_WITH_AS(as_layer(Tensor::zeros({2, 3})), doctest::Contains("called on a list of inputs, received a single tensor"),
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(add({Tensor::zeros({2, 3}), Tensor::zeros({2, 3}, DType::float64)}),
                       doctest::Contains("expected dtype float32"), InvalidArgument);
  layers::Concatenate concatenate({.axis = 3, .name = "join"});
  CHECK_THROWS_WITH_AS(concatenate({Tensor::zeros({2, 3, 1}), Tensor::zeros({2, 3, 1})}),
                       doctest::Contains("Concatenate 'join': invalid argument `axis`"), InvalidArgument);
}

TEST_CASE("every built-in layer is rebuilt from Keras's own config, with the same config") {
  const auto data = load_test_data("keras/models.json");
  for (const auto& item : data.at("layer_configs")) {
    CAPTURE(item.at("class_name").get<std::string>());
    const auto layer = layers::deserialize(item);
    CHECK(layer->class_name() == item.at("class_name"));
    CHECK(layer->get_config() == item.at("config"));
  }
  CHECK_THROWS_WITH_AS(layers::deserialize({{"class_name", "ConvLSTM1D"}, {"config", nlohmann::json::object()}}),
                       doctest::Contains("unknown layer class 'ConvLSTM1D'"), InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::deserialize({{"class_name", "Dense"}, {"config", {{"units", "three"}}}}),
                       doctest::Contains("the config of Dense is malformed"), InvalidArgument);
}
