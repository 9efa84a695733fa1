// Functional models against real Keras 3.15.1 (keras/functional.json and the conformance run's
// keras/wave2/functional_models.json): Keras's configs rebuild the same graph, predict what Keras
// predicted, give back Keras's config key for key, and print Keras's summary.
#include "../support/golden.hpp"

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;
using nlohmann::json;

namespace {

std::string without_trailing_newlines(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// Keras's model.weights order and shapes; paths compared without a nested Sequential's prefix,
// which Keras itself drops when it reloads a model.
void set_keras_weights(models::Model& model, const json& weights, DType dtype) {
  const auto ours = model.weights();
  REQUIRE(ours.size() == weights.size());
  std::vector<Tensor> values;
  for (std::size_t i = 0; i < ours.size(); ++i) {
    const std::string path = weights[i].at("path");
    CAPTURE(path);
    CHECK(path.ends_with(ours[i]->path()));
    values.push_back(tensor_from_json(weights[i], dtype));
  }
  model.set_weights(values);
}

void check_predictions(models::Functional& model, const json& item, DType dtype, double rtol) {
  std::vector<Tensor> inputs;
  for (const auto& input : item.at("inputs")) inputs.push_back(tensor_from_json(input, dtype));
  const auto outputs = model.predict_outputs(inputs);
  const json expected = item.contains("expected_outputs") ? item.at("expected_outputs") : json::array({item.at("expected").at("predict")});
  REQUIRE(outputs.size() == expected.size());
  for (std::size_t i = 0; i < outputs.size(); ++i) CHECK_CLOSE(cast(outputs[i], DType::float64), tensor_from_json(expected[i]), rtol, 1e-12);
}

}  // namespace

TEST_CASE("Keras's functional configs rebuild the graph, predict what Keras did and come back key for key") {
  const json golden = load_test_data("keras/functional.json");
  for (const auto& item : golden.at("cases")) {
    const std::string id = item.at("id");
    CAPTURE(id);
    const DType dtype = item.at("dtype") == "float32" ? DType::float32 : DType::float64;
    auto model = models::Functional::from_config(item.at("model_get_config"));
    std::vector<std::string> names;
    for (const auto& layer : model->layers()) names.push_back(layer->name());
    CHECK(names == item.at("layer_names").get<std::vector<std::string>>());
    CHECK(model->input_names() == item.at("input_names").get<std::vector<std::string>>());
    set_keras_weights(*model, item.at("weights"), dtype);
    check_predictions(*model, item, dtype, dtype == DType::float64 ? 1e-12 : 1e-6);
    CHECK_MESSAGE(config_difference(model->get_config(), item.at("model_get_config")).empty(),
                  config_difference(model->get_config(), item.at("model_get_config")));
    CHECK(without_trailing_newlines(model->summary()) == without_trailing_newlines(item.at("summary")));
    // The config.json of Keras's .keras file reads as well.
    auto saved = layers::deserialize(item.at("saved_config_json"));
    REQUIRE(dynamic_cast<models::Functional*>(saved.get()));
    CHECK(config_difference(saved->get_config(), item.at("model_get_config")).empty());
  }
}

TEST_CASE("the conformance run's residual TCN: Keras's config and its .keras config.json predict what Keras stored") {
  // ../shared/conformance/wave2/functional_models.json (public half), copied unchanged.
  const json golden = load_test_data("keras/wave2/functional_models.json");
  for (const auto& item : golden.at("cases")) {
    for (const char* key : {"model_get_config", "saved_config_json"}) {
      CAPTURE(key);
      const json& config = std::string(key) == "saved_config_json" ? item.at(key).at("config") : item.at(key);
      auto model = models::Functional::from_config(config);
      set_keras_weights(*model, item.at("weights"), DType::float32);
      check_predictions(*model, item, DType::float32, 1e-6);
      CHECK_MESSAGE(config_difference(model->get_config(), item.at("model_get_config")).empty(),
                    config_difference(model->get_config(), item.at("model_get_config")));
    }
  }
}
