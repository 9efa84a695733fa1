// Conv1DTranspose, DepthwiseConv1D and SeparableConv1D against real Keras 3.15.1: every recorded
// case (tests/data/keras/wave2/) rebuilt from Keras's own get_config(), its weights set, then the
// output, the input gradient and every weight gradient compared, in float64 (1e-9 relative) and
// float32; the config minidl writes back must equal Keras's key for key.
#include "../support/golden.hpp"

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;

namespace {

std::unique_ptr<layers::Layer> layer_from_keras_config(const std::string& class_name, nlohmann::json config, DType dtype) {
  config["dtype"] = std::string(dtype_name(dtype));
  return layers::deserialize({{"class_name", class_name}, {"config", config}});
}

void check_family_case(const nlohmann::json& item, DType dtype) {
  CAPTURE(item.at("id").get<std::string>());
  const double rtol = dtype == DType::float64 ? 1e-9 : 1e-4;
  const double atol = dtype == DType::float64 ? 1e-12 : 1e-4;
  const auto layer = layer_from_keras_config(item.at("class"), item.at("config"), dtype);
  if (dtype == DType::float64) CHECK_MESSAGE(config_difference(layer->get_config(), item.at("config")).empty(),
                                             config_difference(layer->get_config(), item.at("config")));
  const Tensor x = tensor_from_json(item.at("x"), dtype).set_requires_grad();
  layer->build(x.shape());
  std::vector<Tensor> weights;
  for (const auto& weight : item.at("weights")) weights.push_back(tensor_from_json(weight, dtype));
  REQUIRE(layer->weights().size() == weights.size());
  for (std::size_t i = 0; i < weights.size(); ++i) CHECK(layer->weights()[i]->name() == item.at("weights")[i].at("name"));
  layer->set_weights(weights);

  const Tensor y = (*layer)(x);
  const auto& expected = item.at("expected");
  CHECK_CLOSE(y, tensor_from_json(expected.at("y"), dtype), rtol, atol);
  CHECK(layer->compute_output_shape(x.shape()) == item.at("info").at("compute_output_shape").get<Shape>());

  y.backward(tensor_from_json(item.at("g"), dtype));
  CHECK_CLOSE(x.grad(), tensor_from_json(expected.at("dx"), dtype), rtol, atol);
  for (std::size_t i = 0; i < weights.size(); ++i)
    CHECK_CLOSE(layer->weights()[i]->value().grad(), tensor_from_json(expected.at("dweights")[i], dtype), rtol, atol);
}

void check_family_cases(const std::string& file, DType dtype) {
  const auto golden = load_test_data("keras/wave2/" + file);
  int checked = 0;
  for (const auto& item : golden.at("cases")) {
    check_family_case(item, dtype);
    ++checked;
  }
  CHECK(checked == golden.at("meta").at("count").get<int>());
}

}  // namespace

TEST_CASE("Conv1DTranspose matches Keras: 88 recorded configurations") {
  SUBCASE("float64") { check_family_cases("conv1d_transpose.json", DType::float64); }
  SUBCASE("float32") { check_family_cases("conv1d_transpose.json", DType::float32); }
}

TEST_CASE("DepthwiseConv1D matches Keras: 48 recorded configurations") {
  SUBCASE("float64") { check_family_cases("depthwise_conv1d.json", DType::float64); }
  SUBCASE("float32") { check_family_cases("depthwise_conv1d.json", DType::float32); }
}

TEST_CASE("SeparableConv1D matches Keras: 48 recorded configurations") {
  SUBCASE("float64") { check_family_cases("separable_conv1d.json", DType::float64); }
  SUBCASE("float32") { check_family_cases("separable_conv1d.json", DType::float32); }
}
