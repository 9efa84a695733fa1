// The other direction: configs minidl writes, read back by real Keras 3.15.1. The recorded file
// (keras/minidl_configs_in_keras.json) holds, per model, minidl's config and weights, and what
// Keras predicted after Keras.Model.from_config on that config (generator/keras_reads_minidl.py).
// This test holds minidl's writer to the recorded config and its predictions to Keras's.
// To record anew: MINIDL_WRITE_KERAS_CHECK=<file> runs this test in writing mode, then the
// generator adds Keras's predictions to the file.
#include "../support/golden.hpp"

#include <doctest/doctest.h>
#include <cstdlib>
#include <fstream>

using namespace minidl;
using namespace minidl::testing;
using nlohmann::json;

namespace {

// Two inputs, two outputs, a nested functional model and a nested Sequential.
std::unique_ptr<models::Functional> forecaster() {
  using namespace layers;
  auto e_in = Input({.shape = {10, 3}, .name = "e_in"});
  auto encoder = make<models::Functional>(e_in, make<Conv1D>({.filters = 4, .kernel_size = 3, .padding = "causal", .name = "e_conv"})(e_in),
                                          models::FunctionalOptions{.name = "encoder"});
  auto block = make<models::Sequential>(models::SequentialOptions{.name = "block"});
  block->add<Conv1D>({.filters = 4, .kernel_size = 3, .padding = "same", .activation = "relu", .name = "b_conv"});
  block->add<LayerNormalization>({.name = "b_norm"});
  auto series = Input({.shape = {10, 3}, .name = "series"}), calendar = Input({.shape = {10, 2}, .name = "calendar"});
  auto features = make<Concatenate>({.name = "features"})({block(encoder(series)), calendar});
  auto level = make<Dense>({.units = 1, .name = "level"})(make<GlobalAveragePooling1D>({.name = "pool"})(features));
  auto sequence = make<Conv1D>({.filters = 1, .kernel_size = 1, .name = "sequence"})(features);
  return std::make_unique<models::Functional>(std::vector{series, calendar}, std::vector{level, sequence},
                                              models::FunctionalOptions{.name = "forecaster"});
}

// A residual TCN whose blocks share one Dense head over two taps.
std::unique_ptr<models::Functional> shared_head_tcn() {
  using namespace layers;
  auto x = Input({.shape = {16, 1}, .name = "x"});
  auto h = make<Conv1D>({.filters = 6, .kernel_size = 1, .name = "lift"})(x);
  for (std::int64_t dilation : {1, 2, 4})
    h = make<Add>({.name = fmt::format("sum{}", dilation)})(
        {h, make<Conv1D>({.filters = 6, .kernel_size = 3, .padding = "causal", .dilation_rate = dilation, .activation = "relu",
                          .name = fmt::format("block{}", dilation)})(h)});
  auto head = make<Dense>({.units = 2, .name = "head"});
  auto late = make<Flatten>({.name = "late"})(make<Cropping1D>({.cropping = {15, 0}, .name = "last"})(h));
  auto early = make<Flatten>({.name = "early"})(make<Cropping1D>({.cropping = {7, 8}, .name = "middle"})(h));
  auto out = make<Concatenate>({.name = "both"})({head(late), head(early), make<Dropout>({.rate = 0.1, .name = "drop"})(late)});
  return std::make_unique<models::Functional>(x, out, models::FunctionalOptions{.name = "shared_head_tcn"});
}

struct Recorded {
  std::string id;
  std::unique_ptr<models::Functional> model;
  std::vector<Tensor> inputs;
};

std::vector<Recorded> recorded_models() {
  std::vector<Recorded> models;
  models.push_back({"forecaster", forecaster(), {float32_exact_pattern({3, 10, 3}, 1), float32_exact_pattern({3, 10, 2}, 2)}});
  models.push_back({"shared_head_tcn", shared_head_tcn(), {float32_exact_pattern({3, 16, 1}, 3)}});
  for (auto& item : models) {
    std::vector<Tensor> weights;
    std::int64_t salt = 10;
    for (const auto& weight : item.model->weights()) weights.push_back(float32_exact_pattern(weight->shape(), salt++));
    item.model->set_weights(weights);
  }
  return models;
}

}  // namespace

TEST_CASE("Keras 3.15.1 reads the configs minidl writes and predicts what minidl predicts") {
  auto models = recorded_models();
  if (const char* target = std::getenv("MINIDL_WRITE_KERAS_CHECK")) {
    json cases = json::array();
    for (auto& item : models) {
      json entry = {{"id", item.id}, {"minidl_config", item.model->get_config()}, {"minidl_serialized", layers::serialize(*item.model)}};
      for (const auto& weight : item.model->weights()) entry["weights"].push_back({{"path", weight->path()}, {"tensor", tensor_to_json(weight->value())}});
      for (const auto& input : item.inputs) entry["inputs"].push_back(tensor_to_json(input));
      for (const auto& output : item.model->predict_outputs(item.inputs)) entry["minidl_outputs"].push_back(tensor_to_json(output));
      cases.push_back(entry);
    }
    std::ofstream(target) << json{{"cases", cases}}.dump() << '\n';
    MESSAGE("wrote ", target, "; now run tests/data/keras/generator/keras_reads_minidl.py on it");
    return;
  }
  const json golden = load_test_data("keras/minidl_configs_in_keras.json");
  REQUIRE(golden.at("cases").size() == models.size());
  for (std::size_t i = 0; i < models.size(); ++i) {
    const json& item = golden.at("cases")[i];
    CAPTURE(models[i].id);
    CHECK_MESSAGE(json::diff(models[i].model->get_config(), item.at("minidl_config")).empty(),
                  json::diff(models[i].model->get_config(), item.at("minidl_config")).dump());
    CHECK(json::diff(layers::serialize(*models[i].model), item.at("minidl_serialized")).empty());
    const auto outputs = models[i].model->predict_outputs(models[i].inputs);
    REQUIRE(outputs.size() == item.at("keras_outputs").size());
    for (std::size_t o = 0; o < outputs.size(); ++o)
      CHECK_CLOSE(cast(outputs[o], DType::float64), tensor_from_json(item.at("keras_outputs")[o]), 1e-5, 1e-6);
  }
}
