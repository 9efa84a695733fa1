// compile / fit / evaluate of a model of two outputs against real Keras 3.15.1
// (keras/functional.json, "training"): per-output losses, loss weights and metrics, given by
// name or position, logged under Keras's names, train to Keras's weights.
#include "../support/golden.hpp"

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;
using nlohmann::json;

namespace {

std::vector<Tensor> weight_values(const json& weights) {
  std::vector<Tensor> values;
  for (const auto& weight : weights) values.push_back(tensor_from_json(weight));
  return values;
}

// The compile() of each recorded run, written as a minidl user writes it.
std::optional<models::CompileOptions> compile_options(const std::string& id) {
  using Metrics = std::vector<std::vector<std::string>>;
  if (id == "dict_loss_list_weights")
    return models::CompileOptions{.loss = {{"level", "mse"}, {"sequence", "mae"}},
                                  .loss_weights = {1.0, 0.5},
                                  .metrics = {{"level", {"mae"}}, {"sequence", {"mse"}}}};
  if (id == "list_loss_list_weights")
    return models::CompileOptions{.loss = {"mse", "mae"}, .loss_weights = {1.0, 0.5}, .metrics = Metrics{{"mae"}, {"mse"}}};
  if (id == "dict_loss_dict_weights")
    return models::CompileOptions{.loss = {{"level", "mse"}, {"sequence", "mae"}},
                                  .loss_weights = {{"level", 1.0}, {"sequence", 0.5}},
                                  .metrics = {{"level", {"mae"}}, {"sequence", {"mse"}}}};
  if (id == "single_mse") return models::CompileOptions{.loss = "mse"};
  if (id == "single_mse_metrics_per_output") return models::CompileOptions{.loss = "mse", .metrics = Metrics{{"mae"}, {"mae"}}};
  if (id == "dict_loss_sequence_none")
    return models::CompileOptions{.loss = {{"level", "mse"}, {"sequence", std::nullopt}}, .metrics = {{"level", {"mae"}}}};
  if (id == "list_loss_level_none") return models::CompileOptions{.loss = {std::nullopt, "mae"}, .loss_weights = {1.0, 0.5}};
  return std::nullopt;
}

std::unique_ptr<models::Functional> recorded_model(const json& training) {
  auto model = models::Functional::from_config(training.at("model_get_config"));
  model->set_weights(weight_values(training.at("initial_weights")));
  return model;
}

// Keras computes its metrics in float32 even in a float64 model; losses and weights are float64.
double tolerance_for(const std::string& key) { return key.ends_with("loss") ? 1e-10 : 1e-6; }

}  // namespace

TEST_CASE("a model of two outputs trains as Keras does: per-output losses, weights, metrics and their names") {
  const json golden = load_test_data("keras/functional.json");
  const json& training = golden.at("training");
  const auto x = tensor_from_json(training.at("x"));
  const auto y = tensors_from_json(training.at("y"));
  const auto validation_x = tensor_from_json(training.at("validation_x"));
  const auto validation_y = tensors_from_json(training.at("validation_y"));
  int compared = 0;
  for (const auto& run : training.at("runs")) {
    const std::string id = run.at("id");
    CAPTURE(id);
    const auto options = compile_options(id);
    if (!options) continue;
    auto model = recorded_model(training);
    model->compile(std::make_unique<optim::SGD>(optim::SGDOptions{.learning_rate = 0.05}), *options);
    const auto history = model->fit(x, y, {.batch_size = 4, .epochs = 3, .verbose = 0, .validation_data = std::pair{validation_x, validation_y},
                                           .shuffle = false});
    std::vector<std::string> keys, keras_keys;
    for (const auto& [key, values] : history.history) keys.push_back(key);
    for (const auto& [key, values] : run.at("history").items()) keras_keys.push_back(key);
    REQUIRE(keys == keras_keys);
    for (const auto& [key, values] : run.at("history").items())
      for (int epoch = 0; epoch < 3; ++epoch) {
        const std::string name = key;  // (clang cannot capture a structured binding)
        CAPTURE(name);
        CHECK(history.history.at(name)[epoch] == doctest::Approx(values[epoch].get<double>()).epsilon(tolerance_for(name)));
      }
    const auto final_weights = weight_values(run.at("final_weights"));
    const auto weights = model->get_weights();
    for (std::size_t i = 0; i < weights.size(); ++i) CHECK_CLOSE(weights[i], final_weights[i], 1e-10, 1e-13);
    const auto evaluated = model->evaluate(validation_x, validation_y, 4);
    for (const auto& [key, value] : run.at("evaluate").items()) {
      const std::string name = key;
      CAPTURE(name);
      REQUIRE(evaluated.count(name) == 1);
      CHECK(evaluated.at(name) == doctest::Approx(value.get<double>()).epsilon(tolerance_for(name)));
    }
    CHECK(evaluated.size() == run.at("evaluate").size());
    ++compared;
  }
  CHECK(compared == 7);
}

TEST_CASE("compile refuses per-output settings that do not fit the outputs, naming them") {
  const json golden = load_test_data("keras/functional.json");
  auto model = recorded_model(golden.at("training"));
  const auto sgd = [] { return std::make_unique<optim::SGD>(); };
  // Keras refuses these at fit: a flat metrics list of another length than the outputs, a loss
  // dict whose keys are not the output names.
  CHECK_THROWS_WITH_AS(model->compile(sgd(), {.loss = "mse", .metrics = {"mae"}}),
                       "Functional 'two_outputs': invalid argument `metrics`: expected one list of metrics per output for a "
                       "model of 2 outputs (level, sequence), by name or position, or a flat list of one metric per output, "
                       "received the flat list [mae]",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(model->compile(sgd(), {.loss = {{"level", "mse"}, {"seq", "mae"}}}),
                       "Functional 'two_outputs': invalid argument `loss`: Expected keys ['level', 'sequence'] in loss dict, "
                       "but found loss.keys()=['level', 'seq']",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(model->compile(sgd(), {.loss = {{"level", "mse"}}}),
                       "Functional 'two_outputs': invalid argument `loss`: Expected keys ['level', 'sequence'] in loss dict, "
                       "but found loss.keys()=['level']",
                       InvalidArgument);
  // Keras trains only the first output of a too-short list (with a warning), and fails at fit on
  // a too-long one; minidl refuses both.
  CHECK_THROWS_WITH_AS(model->compile(sgd(), {.loss = {"mse"}}),
                       "Functional 'two_outputs': invalid argument `loss`: expected a list of 2 (one per output: level, "
                       "sequence), received a list of 1",
                       InvalidArgument);
  CHECK_THROWS_AS(model->compile(sgd(), {.loss = {"mse", "mse", "mae"}}), InvalidArgument);
  CHECK_THROWS_WITH_AS(model->compile(sgd(), {.loss = {"mse", "mae"}, .loss_weights = {1.0, 0.5, 2.0}}),
                       "Functional 'two_outputs': invalid argument `loss_weights`: expected a list of 2 (one per output: "
                       "level, sequence), received a list of 3",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(model->compile(sgd(), {.loss = "mse", .metrics = {{"lvl", {"mae"}}}}),
                       "Functional 'two_outputs': invalid argument `metrics`: expected output names among ['level', "
                       "'sequence'], received a dict with the key 'lvl'",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(model->compile(sgd(), {.loss = {std::nullopt, std::nullopt}}),
                       "Functional 'two_outputs': invalid argument `loss`: expected a loss for at least one output, received "
                       "none for every output",
                       InvalidArgument);
  // A flat list of one metric per output is Keras's too.
  model->compile(sgd(), {.loss = "mse", .metrics = {"mae", "mse"}});
  const json& training = golden.at("training");
  const auto logs = model->evaluate(tensor_from_json(training.at("x")), tensors_from_json(training.at("y")));
  CHECK(logs.count("level_mae") == 1);
  CHECK(logs.count("sequence_mse") == 1);
}

TEST_CASE("x and y by name, and targets left out for an output without a loss") {
  const json golden = load_test_data("keras/functional.json");
  const json& training = golden.at("training");
  const auto x = tensor_from_json(training.at("x"));
  const auto y = tensors_from_json(training.at("y"));
  auto by_position = recorded_model(training), by_name = recorded_model(training);
  for (auto* model : {by_position.get(), by_name.get()})
    model->compile(std::make_unique<optim::SGD>(optim::SGDOptions{.learning_rate = 0.05}), {.loss = {{"level", "mse"}, {"sequence", std::nullopt}}});
  by_position->fit(x, y, {.batch_size = 4, .epochs = 2, .verbose = 0, .shuffle = false});
  // y holds only the output that has a loss; x is keyed by the input's name.
  by_name->fit({{"x", x}}, {{"level", y[0]}}, {.batch_size = 4, .epochs = 2, .verbose = 0, .shuffle = false});
  const auto a = by_position->get_weights(), b = by_name->get_weights();
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].to_vector() == b[i].to_vector());
  CHECK_THROWS_WITH_AS(by_name->fit({{"x", x}}, {{"sequence", y[1]}}, {.verbose = 0}),
                       "Functional 'two_outputs': invalid argument `y`: expected keys [level, sequence], received a dict with "
                       "keys [sequence]",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(by_name->fit({{"series", x}}, y, {.verbose = 0}),
                       "Functional 'two_outputs': invalid argument `x`: expected keys among [x], received a dict with keys "
                       "[series]",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(by_name->fit(x, y[0], {.verbose = 0}),
                       "Functional 'two_outputs': invalid argument `y`: expected 2 array(s), one for each of level, sequence, "
                       "received 1 array",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(by_name->predict(x),
                       "Functional 'two_outputs': predict() gives the output of a model of one output; this one has 2 (level, "
                       "sequence): use predict_outputs()",
                       InvalidArgument);
  CHECK(by_name->predict_outputs(x, 5).size() == 2);
}
