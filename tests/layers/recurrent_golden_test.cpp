// SimpleRNN, LSTM and GRU against real Keras 3.15.1 (tests/data/keras/wave2/rnn.json): each
// recorded case rebuilt from Keras's own get_config(), Keras's weights set, then the output (and
// the final states with return_state), the input gradient and every weight gradient compared, in
// float64 (1e-9 relative) and float32; the config minidl writes back must equal Keras's. The file's
// masked cases put a Masking layer first, as Keras's recording did.
#include "../support/golden.hpp"

#include <minidl/autograd/engine.hpp>

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;

namespace {

// The expected outputs and upstream gradients: one tensor, or a list with return_state.
std::vector<Tensor> one_or_listed(const nlohmann::json& value, DType dtype) {
  return value.is_array() ? tensors_from_json(value, dtype) : std::vector<Tensor>{tensor_from_json(value, dtype)};
}

void check_recurrent_case(const nlohmann::json& item, DType dtype) {
  CAPTURE(item.at("id").get<std::string>());
  const double rtol = dtype == DType::float64 ? 1e-9 : 1e-4;
  const double atol = dtype == DType::float64 ? 1e-12 : 1e-5;
  nlohmann::json config = item.at("config");
  config["dtype"] = std::string(dtype_name(dtype));
  for (const char* wrapped : {"layer", "backward_layer"})
    if (config.contains(wrapped)) config[wrapped]["config"]["dtype"] = std::string(dtype_name(dtype));
  auto layer = layers::deserialize({{"class_name", item.at("class")}, {"config", config}});
  auto* recurrent = dynamic_cast<layers::Recurrent*>(layer.get());
  auto* bidirectional = dynamic_cast<layers::Bidirectional*>(layer.get());
  REQUIRE((recurrent != nullptr || bidirectional != nullptr));
  const Tensor x = tensor_from_json(item.at("x"), dtype).set_requires_grad();
  layer->build(x.shape());
  // Built, as Keras's was when it wrote the config: a Bidirectional's layers keep a build_config,
  // whose batch axis minidl always writes as None (Keras keeps the batch of the first call).
  nlohmann::json keras_config = item.at("config");
  for (const char* wrapped : {"layer", "backward_layer"})
    if (keras_config.contains(wrapped)) keras_config[wrapped]["build_config"]["input_shape"][0] = nullptr;
  if (dtype == DType::float64)
    CHECK_MESSAGE(config_difference(layer->get_config(), keras_config).empty(), config_difference(layer->get_config(), keras_config));
  std::vector<Tensor> weights;
  for (const auto& weight : item.at("weights")) weights.push_back(tensor_from_json(weight, dtype));
  REQUIRE(layer->weights().size() == weights.size());
  for (std::size_t i = 0; i < weights.size(); ++i) CHECK(layer->weights()[i]->name() == item.at("weights")[i].at("name"));
  layer->set_weights(weights);

  // The masked cases put Keras's Masking(mask_value=0) before the layer.
  layers::Masking masking({.dtype = std::string(dtype_name(dtype))});
  const Tensor input = item.at("info").contains("masking") ? masking(x) : x;
  std::vector<Tensor> outputs;
  if (recurrent && recurrent->return_state()) outputs = recurrent->call_with_state(input);
  else if (bidirectional && !bidirectional->merge_mode()) outputs = bidirectional->call_with_state(input);
  else outputs = {(*layer)(input)};
  if (bidirectional && !bidirectional->return_state()) outputs.resize(bidirectional->merge_mode() ? 1 : 2);
  const auto& expected = item.at("expected");
  const auto expected_outputs = one_or_listed(expected.at("y"), dtype);
  REQUIRE(outputs.size() == expected_outputs.size());
  for (std::size_t i = 0; i < outputs.size(); ++i) CHECK_CLOSE(outputs[i], expected_outputs[i], rtol, atol);
  // Keras's compute_output_shape lists the states' shapes too with return_state.
  const auto& keras_shapes = item.at("info").at("compute_output_shape");
  CHECK(layer->compute_output_shape(x.shape()) == (keras_shapes.at(0).is_array() ? keras_shapes.at(0) : keras_shapes).get<Shape>());
  for (std::size_t i = 1; keras_shapes.at(0).is_array() && i < keras_shapes.size(); ++i)
    CHECK(outputs.at(i).shape() == keras_shapes.at(i).get<Shape>());

  autograd::backward(outputs, one_or_listed(item.at("g"), dtype), false);
  CHECK_CLOSE(x.grad(), tensor_from_json(expected.at("dx"), dtype), rtol, atol);
  for (std::size_t i = 0; i < weights.size(); ++i)
    CHECK_CLOSE(layer->weights()[i]->value().grad(), tensor_from_json(expected.at("dweights")[i], dtype), rtol, atol);
}

void check_recurrent_cases(DType dtype) {
  const auto golden = load_test_data("keras/wave2/rnn.json");
  int checked = 0;
  for (const auto& item : golden.at("cases")) {
    check_recurrent_case(item, dtype);
    ++checked;
  }
  CHECK(checked == golden.at("meta").at("count").get<int>());
}

}  // namespace

TEST_CASE("SimpleRNN, LSTM, GRU and Bidirectional match Keras: 42 recorded configurations, 4 of them masked") {
  SUBCASE("float64") { check_recurrent_cases(DType::float64); }
  SUBCASE("float32") { check_recurrent_cases(DType::float32); }
}
