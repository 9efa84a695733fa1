// Replays 5-step training runs recorded from real Keras 3.15.1 in a custom loop — forward, data
// loss plus losses(), backward, optimizer step (which applies the constraints), zero the
// gradients — and matches the loss before every step, the learning rate, the weights after every
// step and the optimizer's final state: float64 within 1e-9 relative, float32 within 1e-5.
#include "../support/golden.hpp"

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;
using Json = nlohmann::json;

namespace {

struct Model {
  std::unique_ptr<layers::Conv1D> conv;
  std::unique_ptr<layers::Layer> pooling;
  std::unique_ptr<layers::Dense> dense;

  Tensor operator()(const Tensor& x) { return (*dense)((*pooling)((*conv)(x))); }
  optim::Variables trainable_weights() const {
    auto weights = conv->trainable_weights();
    for (const auto& weight : dense->trainable_weights()) weights.push_back(weight);
    return weights;
  }
  std::vector<Tensor> losses() const {
    auto all = conv->losses();
    for (const auto& loss : dense->losses()) all.push_back(loss);
    return all;
  }
};

Json with_name_and_dtype(Json config, const char* name, DType dtype) {
  config["name"] = name;
  config["dtype"] = std::string(dtype_name(dtype));
  return config;
}

Model build_model(const Json& item, DType dtype) {
  const auto& layer_configs = item.at("model").at("layers");
  Model model;
  model.conv = layers::Conv1D::from_config(with_name_and_dtype(layer_configs[0].at("config"), "conv", dtype));
  if (layer_configs[1].at("class_name") == "Flatten")
    model.pooling = std::make_unique<layers::Flatten>(layers::FlattenOptions{.dtype = std::string(dtype_name(dtype))});
  else
    model.pooling = std::make_unique<layers::GlobalAveragePooling1D>(
        layers::GlobalPooling1DOptions{.dtype = std::string(dtype_name(dtype))});
  model.dense = layers::Dense::from_config(with_name_and_dtype(layer_configs[2].at("config"), "dense", dtype));
  const Tensor x = tensor_from_json(item.at("x"), dtype);
  model.conv->build(x.shape());
  model.dense->build(model.pooling->compute_output_shape(model.conv->compute_output_shape(x.shape())));
  const auto& initial = item.at("initial_weights");
  model.conv->set_weights({tensor_from_json(initial.at("conv/kernel"), dtype), tensor_from_json(initial.at("conv/bias"), dtype)});
  model.dense->set_weights({tensor_from_json(initial.at("dense/kernel"), dtype), tensor_from_json(initial.at("dense/bias"), dtype)});
  return model;
}

void replay(const Json& item, DType dtype) {
  const double rtol = dtype == DType::float64 ? 1e-9 : 1e-5;
  const double atol = dtype == DType::float64 ? 1e-12 : 1e-6;
  Model model = build_model(item, dtype);
  auto optimizer = optim::from_config(
      {{"class_name", item.at("optimizer").at("class_name")}, {"config", item.at("optimizer").at("keras_get_config")}});
  const Tensor x = tensor_from_json(item.at("x"), dtype), y = tensor_from_json(item.at("y"), dtype);
  const losses::Loss mse = "mse";
  const auto& steps = dtype == DType::float64 ? item.at("steps") : item.at("keras_float32").at("steps");
  const auto weights = model.trainable_weights();
  for (const auto& step : steps) {
    CAPTURE(step.at("step").get<int>());
    // The float32 run records its learning rate rounded to float32.
    if (step.contains("learning_rate"))
      CHECK(optimizer->learning_rate() ==
            doctest::Approx(step.at("learning_rate").get<double>()).epsilon(dtype == DType::float64 ? 1e-12 : 1e-7));
    Tensor loss = mse(y, model(x));
    for (const auto& penalty : model.losses()) loss = loss + penalty;
    CHECK(loss.item() == doctest::Approx(step.at("loss_total").get<double>()).epsilon(rtol));
    loss.backward();
    optimizer->step(weights);
    for (const auto& weight : weights) weight->value().zero_grad();
    for (const auto& weight : weights) {
      CAPTURE(weight->path());
      CHECK_CLOSE(weight->value(), tensor_from_json(step.at("weights_after").at(weight->path()), dtype), rtol, atol);
    }
  }
  if (dtype == DType::float64 && item.contains("optimizer_state_after")) {
    // Keras names state "<optimizer>/<variable path with _>_<slot>"; ours drops the optimizer prefix.
    const auto state = optimizer->variables();
    for (const auto& recorded : item.at("optimizer_state_after")) {
      const std::string path = recorded.at("path");
      const std::string name = path.substr(path.find('/') + 1);
      if (name == "learning_rate") continue;  // Keras keeps a constant learning rate as a variable
      CAPTURE(path);
      const auto found = std::find_if(state.begin(), state.end(), [&](const auto& entry) { return entry.first == name; });
      REQUIRE(found != state.end());
      CHECK_CLOSE(found->second, Tensor(recorded.at("data").get<std::vector<double>>(), recorded.at("shape").get<Shape>()),
                  1e-9, 1e-12);
    }
    CHECK(state.size() == item.at("optimizer_state_after").size() - (item.at("optimizer").contains("keras_get_config") &&
                                                                         item.at("optimizer").at("keras_get_config").at("learning_rate").is_number()
                                                                     ? 1
                                                                     : 0));
  }
}

void replay_file(const std::string& file) {
  const auto golden = load_test_data(file);
  for (const auto& item : golden.at("cases")) {
    CAPTURE(item.at("id").get<std::string>());
    replay(item, DType::float64);
    replay(item, DType::float32);
  }
}

}  // namespace

TEST_CASE("training steps match Keras: SGD, Adam, RMSprop, Flatten, regularizers, MaxNorm, NonNeg") {
  replay_file("keras/training_trajectories.json");
}

TEST_CASE("training steps match Keras: AdamW, RMSprop momentum, Adadelta, Nadam, global_clipnorm, weight_decay, warmup") {
  replay_file("keras/optimizers_more.json");
}

TEST_CASE("training steps match Keras: momentum, Nesterov, AMSGrad, Adamax, Adagrad, centered RMSprop, clipping, "
          "schedules, UnitNorm, MinMaxNorm, and the optimizer state") {
  replay_file("keras/optimizers_extra.json");
}

TEST_CASE("every schedule gives Keras's values at iterations 0..9") {
  const auto golden = load_test_data("keras/optimizers_extra.json");
  int checked = 0;
  for (const auto& item : golden.at("cases")) {
    if (!item.contains("schedule")) continue;
    const auto& schedule = item.at("schedule");
    CAPTURE(schedule.at("class_name").get<std::string>());
    const auto rate = optim::LearningRate::from_config(
        {{"class_name", schedule.at("class_name")}, {"config", schedule.at("keras_get_config")}});
    CHECK(rate.get_config().at("config") == schedule.at("keras_get_config"));
    const auto values = schedule.at("schedule_values").get<std::vector<double>>();
    for (std::size_t step = 0; step < values.size(); ++step)
      CHECK(rate.at(std::int64_t(step)) == doctest::Approx(values[step]).epsilon(1e-12));
    ++checked;
  }
  CHECK(checked == 8);
}
