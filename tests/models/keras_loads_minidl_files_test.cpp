// The other direction: .keras and .weights.h5 files minidl writes, loaded by real Keras 3.15.1.
// The models: each Keras case of keras/files after two more minidl steps, and models built in
// minidl with each optimizer Keras has (so that every optimizer's state layout is read by Keras).
// generator/keras_loads_minidl.py loaded the files in Keras, checked their HDF5 layout against
// Keras's own save of the same model, predicted, and took one more training step; this test
// holds minidl to what Keras found (keras/files/minidl_files_in_keras.json).
// To record anew: MINIDL_WRITE_KERAS_FILES=<folder> runs this test in writing mode, then the
// generator reads the folder.
#include "../support/golden.hpp"

#include <doctest/doctest.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace minidl;
using namespace minidl::testing;
using nlohmann::json;

namespace {

Tensor labels(std::int64_t count, std::int64_t classes, std::int64_t salt) {
  std::vector<float> values(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = float((std::int64_t(i) * 7 + salt) % classes);
  return Tensor(values, {count});
}

struct Written {
  std::string id;
  std::unique_ptr<models::Model> model;
  std::vector<Tensor> x, y;          // the two steps minidl takes before saving
  std::vector<Tensor> next_x, next_y;  // the step both take after the save
};

void set_pattern_weights(models::Model& model) {
  std::vector<Tensor> weights;
  std::int64_t salt = 10;
  for (const auto& weight : model.weights()) {
    Tensor value = float32_exact_pattern(weight->shape(), salt++);
    // A variance must be positive.
    if (weight->name() == "moving_variance") value = value + Tensor::scalar(1.0);
    weights.push_back(value);
  }
  model.set_weights(weights);
}

// A causal TCN for each optimizer minidl has, but Adam's (the Keras cases have Adam, AdamW,
// SGD with momentum and RMSprop). The convolution before BatchNormalization has no bias, as in
// Keras practice: the normalization cancels its gradient, leaving rounding noise that Adam's
// family would scale up to a step of noise.
std::vector<Written> tcn_per_optimizer() {
  std::vector<std::pair<std::string, std::unique_ptr<optim::Optimizer>>> optimizers;
  optimizers.emplace_back("nadam", std::make_unique<optim::Nadam>(optim::NadamOptions{.learning_rate = 0.01}));
  optimizers.emplace_back("adamax", std::make_unique<optim::Adamax>(optim::AdamaxOptions{.learning_rate = 0.01}));
  optimizers.emplace_back("adadelta", std::make_unique<optim::Adadelta>(optim::AdadeltaOptions{.learning_rate = 0.5}));
  optimizers.emplace_back("adagrad", std::make_unique<optim::Adagrad>(optim::AdagradOptions{.learning_rate = 0.05}));
  optimizers.emplace_back("sgd_nesterov", std::make_unique<optim::SGD>(optim::SGDOptions{.learning_rate = 0.05, .momentum = 0.8, .nesterov = true}));
  optimizers.emplace_back("rmsprop_centered", std::make_unique<optim::RMSprop>(optim::RMSpropOptions{.learning_rate = 0.01, .momentum = 0.5, .centered = true}));
  optimizers.emplace_back("adam_amsgrad_schedule",
                          std::make_unique<optim::Adam>(optim::AdamOptions{
                              .learning_rate = optim::ExponentialDecay({.initial_learning_rate = 0.01, .decay_steps = 2, .decay_rate = 0.5}),
                              .amsgrad = true}));
  std::vector<Written> written;
  for (auto& [id, optimizer] : optimizers) {
    auto model = std::make_unique<models::Sequential>(models::SequentialOptions{.name = "tcn_" + id});
    model->add<layers::Conv1D>({.filters = 4, .kernel_size = 3, .padding = "causal", .dilation_rate = 2, .activation = "relu", .use_bias = false, .name = "dilated"});
    model->add<layers::BatchNormalization>({.name = "norm"});
    model->add<layers::Conv1D>({.filters = 3, .kernel_size = 2, .padding = "causal", .name = "mix"});
    model->add<layers::GlobalAveragePooling1D>({.name = "pool"});
    model->add<layers::Dense>({.units = 1, .name = "next"});
    model->build({1, 12, 2});
    set_pattern_weights(*model);
    model->compile(std::move(optimizer), {.loss = "mse", .metrics = {"mae"}});
    written.push_back({"minidl_tcn_" + id, std::move(model), {float32_exact_pattern({8, 12, 2}, 1)}, {float32_exact_pattern({8, 1}, 2)},
                       {float32_exact_pattern({4, 12, 2}, 3)}, {float32_exact_pattern({4, 1}, 4)}});
  }
  return written;
}

// Two inputs, two outputs, a nested Sequential: the functional side of the writer.
Written two_heads() {
  using namespace layers;
  auto series = Input({.shape = {10, 2}, .name = "series"}), calendar = Input({.shape = {10, 1}, .name = "calendar"});
  auto trunk = make<models::Sequential>(models::SequentialOptions{.name = "trunk"});
  trunk->add<Conv1D>({.filters = 4, .kernel_size = 3, .padding = "causal", .activation = "relu", .name = "trunk_conv"});
  trunk->add<LayerNormalization>({.name = "trunk_norm"});
  auto features = trunk(make<Concatenate>({.name = "joined"})({series, calendar}));
  auto pooled = make<GlobalAveragePooling1D>({.name = "pool"})(features);
  auto level = make<Dense>({.units = 1, .name = "level"})(pooled);
  auto regime = make<Dense>({.units = 3, .activation = "softmax", .name = "regime"})(pooled);
  auto model = std::make_unique<models::Functional>(std::vector{series, calendar}, std::vector{level, regime},
                                                    models::FunctionalOptions{.name = "two_heads"});
  set_pattern_weights(*model);
  model->compile(std::make_unique<optim::Adam>(optim::AdamOptions{.learning_rate = 0.01}),
                 {.loss = {{"level", "mse"}, {"regime", "sparse_categorical_crossentropy"}},
                  .loss_weights = {{"level", 1.0}, {"regime", 0.5}},
                  .metrics = {{"level", {"mae"}}}});
  return {"minidl_two_heads", std::move(model), {float32_exact_pattern({8, 10, 2}, 1), float32_exact_pattern({8, 10, 1}, 2)},
          {float32_exact_pattern({8, 1}, 3), labels(8, 3, 1)}, {float32_exact_pattern({4, 10, 2}, 4), float32_exact_pattern({4, 10, 1}, 5)},
          {float32_exact_pattern({4, 1}, 6), labels(4, 3, 2)}};
}

// Conv1D's siblings in a file: each layer's config and weight layout as Keras reads them. The
// SpatialDropout1D drops nothing (rate 0), so that Keras's training step, with its own random
// masks, can still equal minidl's.
Written conv1d_family() {
  auto model = std::make_unique<models::Sequential>(models::SequentialOptions{.name = "conv1d_family"});
  model->add<layers::SeparableConv1D>({.filters = 4, .kernel_size = 3, .strides = 2, .padding = "same", .depth_multiplier = 2,
                                       .activation = "relu", .name = "separable"});
  model->add<layers::SpatialDropout1D>({.rate = 0.0, .name = "channel_dropout"});
  model->add<layers::DepthwiseConv1D>({.kernel_size = 3, .padding = "same", .depth_multiplier = 2, .name = "depthwise"});
  model->add<layers::Conv1DTranspose>({.filters = 3, .kernel_size = 4, .strides = 2, .padding = "same", .output_padding = 1,
                                       .activation = "tanh", .name = "upsample"});
  model->add<layers::GlobalAveragePooling1D>({.name = "pool"});
  model->add<layers::Dense>({.units = 1, .name = "next"});
  model->build({1, 12, 2});
  set_pattern_weights(*model);
  model->compile(std::make_unique<optim::Adam>(optim::AdamOptions{.learning_rate = 0.01}), {.loss = "mse"});
  return {"minidl_conv1d_family", std::move(model), {float32_exact_pattern({8, 12, 2}, 1)}, {float32_exact_pattern({8, 1}, 2)},
          {float32_exact_pattern({4, 12, 2}, 3)}, {float32_exact_pattern({4, 1}, 4)}};
}

// The recurrent layers in a file: each weight in its layer's cell (lstm/cell/vars), a
// Bidirectional's in its two layers', a TimeDistributed's in its layer's; the Masking layer's
// mask reaches the LSTM inside the Bidirectional.
Written recurrent_stack() {
  auto model = std::make_unique<models::Sequential>(models::SequentialOptions{.name = "recurrent_stack"});
  model->add<layers::Masking>({.name = "padding"});
  model->add(std::make_unique<layers::Bidirectional>(layers::LSTM({.units = 3, .return_sequences = true}),
                                                     layers::BidirectionalOptions{.name = "both_ways"}));
  model->add(std::make_unique<layers::TimeDistributed>(std::make_unique<layers::Dense>(layers::DenseOptions{.units = 2, .activation = "tanh"}),
                                                       layers::TimeDistributedOptions{.name = "per_step"}));
  model->add<layers::GRU>({.units = 3, .return_sequences = true, .reset_after = false, .name = "gru_before"});
  model->add<layers::SimpleRNN>({.units = 2, .go_backwards = true, .name = "last"});
  model->add<layers::Dense>({.units = 1, .name = "next"});
  model->build({1, 7, 2});
  set_pattern_weights(*model);
  model->compile(std::make_unique<optim::Adam>(optim::AdamOptions{.learning_rate = 0.01}), {.loss = "mse"});
  // The last two steps of every other sample are padding.
  const auto padded = [](Tensor x) {
    for (std::int64_t b = 0; b < x.dim(0); b += 2)
      for (std::int64_t s = 5; s < 7; ++s)
        for (std::int64_t f = 0; f < 2; ++f) x.data<float>()[(b * 7 + s) * 2 + f] = 0.0f;
    return x;
  };
  return {"minidl_recurrent_stack", std::move(model), {padded(float32_exact_pattern({8, 7, 2}, 1))}, {float32_exact_pattern({8, 1}, 2)},
          {padded(float32_exact_pattern({4, 7, 2}, 3))}, {float32_exact_pattern({4, 1}, 4)}};
}

json keras_case(const std::string& id) {
  static const json recorded = load_test_data("keras/files/cases.json");
  for (const auto& c : recorded.at("cases"))
    if (c.at("id") == id) return c;
  FAIL("no Keras case ", id);
  return nullptr;
}

std::vector<Written> written_models() {
  std::vector<Written> written = tcn_per_optimizer();
  written.push_back(two_heads());
  written.push_back(conv1d_family());
  written.push_back(recurrent_stack());
  // Keras's own fitted files, two minidl steps later: the state Keras wrote, gone on in minidl.
  for (const char* id : {"a_seq_conv_adam", "b_tcn_bn_sgdm", "c_two_in_two_out_rmsprop", "f_dense_seq_adamw", "h_recurrent_adam"}) {
    const json c = keras_case(id);
    std::vector<Tensor> x, y;
    for (const auto& t : c.at("resume").at("x")) x.push_back(tensor_from_json(t, DType::float32));
    for (const auto& t : c.at("resume").at("y")) y.push_back(tensor_from_json(t, DType::float32));
    auto model = models::load_keras_model(keras_files_dir() + c.at("files").at("keras").get<std::string>());
    std::vector<Tensor> next_x, next_y;
    for (const auto& t : x) next_x.push_back(slice(t, 0, 0, 4).contiguous());
    for (const auto& t : y) next_y.push_back(slice(t, 0, 0, 4).contiguous());
    written.push_back({std::string("resaved_") + id, std::move(model), x, y, next_x, next_y});
  }
  for (auto& item : written)
    item.model->fit(models::Arrays(item.x), models::Arrays(item.y), {.batch_size = 4, .epochs = 1, .verbose = 0, .shuffle = false});
  return written;
}

}  // namespace

TEST_CASE("Keras 3.15.1 loads the .keras and .weights.h5 files minidl writes, predicts and trains on as minidl does") {
  auto written = written_models();
  if (const char* folder = std::getenv("MINIDL_WRITE_KERAS_FILES")) {
    json cases = json::array();
    for (auto& item : written) {
      models::save_keras_model(*item.model, fmt::format("{}/{}.keras", folder, item.id));
      models::save_weights(*item.model, fmt::format("{}/{}.weights.h5", folder, item.id), &item.model->optimizer());
      json entry = {{"id", item.id}, {"iterations", item.model->optimizer().iterations()}};
      for (const auto& t : item.next_x) entry["x"].push_back(tensor_to_json(t));
      for (const auto& t : item.next_y) entry["y"].push_back(tensor_to_json(t));
      for (const auto& t : item.model->predict_outputs(models::Arrays(item.next_x))) entry["minidl_outputs"].push_back(tensor_to_json(t));
      for (const auto& weight : item.model->weights())
        entry["minidl_weights"].push_back({{"path", weight->path()}, {"shape", weight->shape()}});
      for (const auto& [name, value] : item.model->optimizer().keras_variables())
        entry["minidl_optimizer_variables"].push_back({{"name", name}, {"tensor", tensor_to_json(value)}});
      cases.push_back(entry);
    }
    std::ofstream(fmt::format("{}/minidl_files.json", folder)) << json{{"cases", cases}}.dump() << '\n';
    MESSAGE("wrote ", folder, "; now run tests/data/keras/generator/keras_loads_minidl.py on it");
    return;
  }
  const json golden = load_test_data("keras/files/minidl_files_in_keras.json");
  REQUIRE(golden.at("cases").size() == written.size());
  for (std::size_t i = 0; i < written.size(); ++i) {
    const json& item = golden.at("cases")[i];
    auto& model = *written[i].model;
    CAPTURE(written[i].id);
    REQUIRE(item.at("id") == written[i].id);
    // What Keras found in the file minidl wrote when this was recorded...
    CHECK(item.at("keras_layout_matches_its_own_save").get<bool>());
    CHECK(item.at("keras_optimizer_iterations").get<std::int64_t>() == model.optimizer().iterations());
    // ...predicts what this model predicts now...
    const auto outputs = model.predict_outputs(models::Arrays(written[i].next_x));
    REQUIRE(outputs.size() == item.at("keras_outputs").size());
    for (std::size_t o = 0; o < outputs.size(); ++o) {
      CHECK_CLOSE(cast(outputs[o], DType::float64), tensor_from_json(item.at("keras_outputs")[o]), 1e-6, 1e-7);
      CHECK_CLOSE(cast(outputs[o], DType::float64), tensor_from_json(item.at("keras_weights_h5_outputs")[o]), 1e-6, 1e-7);
    }
    // ...and one more step in Keras from the file's state equals one more step here.
    model.fit(models::Arrays(written[i].next_x), models::Arrays(written[i].next_y),
              {.batch_size = 4, .epochs = 1, .verbose = 0, .shuffle = false});
    const auto weights = model.weights();
    REQUIRE(weights.size() == item.at("keras_weights_after_step").size());
    for (std::size_t w = 0; w < weights.size(); ++w) {
      CAPTURE(weights[w]->path());
      CHECK_CLOSE(cast(weights[w]->value(), DType::float64), tensor_from_json(item.at("keras_weights_after_step")[w]), 1e-5, 1e-6);
    }
  }
}
