// fit and evaluate with sample_weight and class_weight, compile with weighted_metrics and metric
// objects, against Keras 3.15.1 (keras/metrics.json "weighted_fit", from
// generator/generate_metrics.py): the history, the weights after fit, evaluate's logs.
#include "../support/golden.hpp"

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;

namespace {

std::vector<models::MetricSpec> specs(const nlohmann::json& names) {
  std::vector<models::MetricSpec> list;
  for (const auto& name : names) list.emplace_back(name.get<std::string>());
  return list;
}

std::unique_ptr<optim::Optimizer> sgd() { return std::make_unique<optim::SGD>(optim::SGDOptions{.learning_rate = 0.1}); }

}  // namespace

TEST_CASE("fit and evaluate weigh the loss and the weighted metrics by sample_weight and class_weight as Keras") {
  const auto golden = load_test_data("keras/metrics.json");
  const auto& cases = golden.at("weighted_fit");
  REQUIRE(cases.size() == 6);
  for (const auto& golden_case : cases) {
    CAPTURE(golden_case.at("id").get<std::string>());
    const Tensor x = tensor_from_json(golden_case.at("x")), y = tensor_from_json(golden_case.at("y"));
    models::Sequential model({.dtype = "float64"});
    const std::string activation = golden_case.at("activation").is_null() ? "linear" : golden_case.at("activation").get<std::string>();
    model.add<layers::Dense>({.units = y.shape().back(), .activation = activation, .dtype = "float64"});
    model.build(x.shape());
    model.set_weights({tensor_from_json(golden_case.at("kernel")), tensor_from_json(golden_case.at("bias"))});
    model.compile(sgd(), {.loss = golden_case.at("loss").get<std::string>(),
                          .metrics = specs(golden_case.at("metrics")),
                          .weighted_metrics = specs(golden_case.at("weighted_metrics"))});
    const auto& fit_arguments = golden_case.at("fit_arguments");
    const auto& evaluate_arguments = golden_case.at("evaluate_arguments");
    models::FitOptions fit{.batch_size = 4, .epochs = 2, .verbose = 0, .shuffle = false};
    models::EvaluateOptions evaluate{.batch_size = 4};
    if (fit_arguments.contains("sample_weight")) fit.sample_weight = tensor_from_json(fit_arguments.at("sample_weight"));
    if (fit_arguments.contains("validation_split")) fit.validation_split = fit_arguments.at("validation_split").get<double>();
    if (fit_arguments.contains("class_weight"))
      for (const auto& [label, weight] : fit_arguments.at("class_weight").items()) fit.class_weight[std::stoll(label)] = weight.get<double>();
    if (evaluate_arguments.contains("sample_weight")) evaluate.sample_weight = tensor_from_json(evaluate_arguments.at("sample_weight"));

    const auto history = model.fit(x, y, fit);
    const auto& expected_history = golden_case.at("history");
    CHECK(history.history.size() == expected_history.size());
    for (const auto& item : expected_history.items()) {
      // (Named copies: clang 14 cannot capture structured bindings in CAPTURE.)
      const std::string name = item.key();
      const nlohmann::json& values = item.value();
      CAPTURE(name);
      REQUIRE(history.history.count(name) == 1);
      const auto expected = values.get<std::vector<double>>();
      REQUIRE(history.history.at(name).size() == expected.size());
      for (std::size_t epoch = 0; epoch < expected.size(); ++epoch)
        CHECK(history.history.at(name)[epoch] == doctest::Approx(expected[epoch]).epsilon(1e-11));
    }
    const auto weights_after = tensors_from_json(golden_case.at("weights_after"));
    CHECK_CLOSE(model.weights()[0]->value(), weights_after[0], 1e-11, 1e-13);
    CHECK_CLOSE(model.weights()[1]->value(), weights_after[1], 1e-11, 1e-13);

    const auto logs = model.evaluate(x, y, evaluate);
    CHECK(logs.size() == golden_case.at("evaluate").size());
    for (const auto& item : golden_case.at("evaluate").items()) {
      const std::string name = item.key();
      const nlohmann::json& value = item.value();
      CAPTURE(name);
      REQUIRE(logs.count(name) == 1);
      CHECK(logs.at(name) == doctest::Approx(value.get<double>()).epsilon(1e-11));
    }
  }
}

TEST_CASE("compile takes metric objects and weighted_metrics, and its config keeps them as Keras writes them") {
  models::Sequential model({.dtype = "float64"});
  model.add<layers::Dense>({.units = 3, .activation = "sigmoid", .dtype = "float64"});
  model.build({4, 2});
  model.compile(sgd(), {.loss = "binary_crossentropy",
                        .metrics = {"accuracy", metrics::AUC({.curve = "PR", .name = "pr_auc"}), metrics::F1Score()},
                        .weighted_metrics = {"accuracy", metrics::Precision({.thresholds = {0.4, 0.6}})}});
  const Tensor x = Tensor::normal({8, 2}, 0.0, 1.0, DType::float64);
  Tensor y = cast(greater(Tensor::rand({8, 3}, DType::float64), Tensor::scalar(0.5, DType::float64)), DType::float64);
  const auto logs = model.evaluate(x, y, {.sample_weight = Tensor::ones({8}, DType::float64)});
  // The F-score of each class and the precision at each threshold, each under its index.
  for (const char* name : {"loss", "accuracy", "pr_auc", "f1_score[0]", "f1_score[1]", "f1_score[2]", "weighted_accuracy", "precision[0]",
                           "precision[1]"})
    CHECK_MESSAGE(logs.count(name) == 1, name);
  CHECK(logs.size() == 9);
  CHECK(logs.at("weighted_accuracy") == doctest::Approx(logs.at("accuracy")));  // weights of 1

  const auto config = model.compile_config();
  CHECK(config.at("metrics").at(0) == "accuracy");
  CHECK(config.at("metrics").at(1).at("class_name") == "AUC");
  CHECK(config.at("metrics").at(1).at("config").at("name") == "pr_auc");
  CHECK(config.at("weighted_metrics").at(1).at("config").at("thresholds") == nlohmann::json({0.4, 0.6}));
  const auto options = models::Model::compile_options_from_config(config);
  models::Sequential copy({.dtype = "float64"});
  copy.add<layers::Dense>({.units = 3, .activation = "sigmoid", .dtype = "float64"});
  copy.build({4, 2});
  copy.compile(sgd(), options);
  for (const char* key : {"metrics", "weighted_metrics", "loss"}) CHECK(copy.compile_config().at(key) == config.at(key));
}

TEST_CASE("sample_weight and class_weight are refused where Keras refuses them, naming the argument") {
  models::Sequential model({.dtype = "float64"});
  model.add<layers::Dense>({.units = 2, .dtype = "float64"});
  model.compile(sgd(), {.loss = "mse"});
  const Tensor x = Tensor::zeros({6, 3}, DType::float64), y = Tensor::zeros({6, 2}, DType::float64);
  CHECK_THROWS_WITH_AS(model.fit(x, y, {.verbose = 0, .sample_weight = Tensor::ones({6}, DType::float64), .class_weight = {{0, 2.0}}}),
                       doctest::Contains("You cannot `class_weight` and `sample_weight` at the same time"), InvalidArgument);
  CHECK_THROWS_WITH_AS(model.fit(x, y, {.verbose = 0, .sample_weight = Tensor::ones({5}, DType::float64)}),
                       doctest::Contains("fit needs a sample_weight with a row per sample (6), received sample_weight (5,)"), ShapeError);
  CHECK_THROWS_WITH_AS(model.evaluate(x, y, {.sample_weight = Tensor::ones({6, 3}, DType::float64)}),
                       doctest::Contains("evaluate"), ShapeError);
  CHECK_THROWS_WITH_AS(model.fit(x, Tensor::zeros({6, 2, 2}, DType::float64), {.verbose = 0, .class_weight = {{0, 2.0}}}),
                       doctest::Contains("invalid argument `class_weight`"), InvalidArgument);
  CHECK_THROWS_WITH_AS(model.fit(datasets::Dataset::from_tensor_slices({x}, {y}).batch(2), {.verbose = 0, .class_weight = {{0, 2.0}}}),
                       doctest::Contains("invalid argument `class_weight`: expected it only when fitting tensors"), InvalidArgument);
}

TEST_CASE("class_weight weighs a sample by its class: ids, (samples, 1) ids and one-hot rows alike") {
  // One step of SGD on a model whose output is its bias: the gradient is the weighted mean of the
  // residuals, so the step shows the weights used.
  for (const auto& y : {Tensor(std::vector<double>{0, 1, 1, 2}, {4}), Tensor(std::vector<double>{0, 1, 1, 2}, {4, 1})}) {
    models::Sequential model({.dtype = "float64"});
    model.add<layers::Dense>({.units = 1, .kernel_initializer = "zeros", .dtype = "float64"});
    model.compile(sgd(), {.loss = "mse"});
    model.fit(Tensor::zeros({4, 1}, DType::float64), y, {.batch_size = 4, .verbose = 0, .shuffle = false, .class_weight = {{1, 3.0}, {2, 0.5}}});
    // mse with weights (1, 3, 3, 0.5) over 4 samples: d/db = -2 (0·1 + 1·3 + 1·3 + 2·0.5) / 4 = -3.5; b = 0.35 after a step of 0.1.
    CHECK(model.weights()[1]->value().item() == doctest::Approx(0.35).epsilon(1e-12));
  }
  // One-hot rows of classes 0, 1, 1, 2: a zero model's mse per sample is 1/3, weighed 1, 3, 3, 0.5.
  models::Sequential model({.dtype = "float64"});
  model.add<layers::Dense>({.units = 3, .kernel_initializer = "zeros", .dtype = "float64"});
  model.compile(sgd(), {.loss = "mse"});
  const Tensor one_hot(std::vector<double>{1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1}, {4, 3});
  const auto logs = model.train_on_batch(Tensor::zeros({4, 2}, DType::float64), one_hot, {.class_weight = {{1, 3.0}, {2, 0.5}}});
  CHECK(logs.at("loss") == doctest::Approx((1 + 3 + 3 + 0.5) / 3.0 / 4).epsilon(1e-12));
  // A label that is no number weighs 1: the loss is NaN, and no undefined conversion happens.
  models::Sequential ids({.dtype = "float64"});
  ids.add<layers::Dense>({.units = 1, .kernel_initializer = "zeros", .dtype = "float64"});
  ids.compile(sgd(), {.loss = "mae"});
  const auto nan_logs = ids.test_on_batch(Tensor::zeros({2, 1}, DType::float64), Tensor(std::vector<double>{std::nan(""), 1.0}, {2}));
  CHECK(std::isnan(nan_logs.at("loss")));
  CHECK_NOTHROW(ids.train_on_batch(Tensor::zeros({2, 1}, DType::float64), Tensor(std::vector<double>{std::nan(""), 1.0}, {2}),
                                   {.class_weight = {{1, 2.0}}}));
}

TEST_CASE("validation_data overrides validation_split, as Keras documents: every sample trains") {
  models::Sequential model({.dtype = "float64"});
  model.add<layers::Dense>({.units = 1, .kernel_initializer = "zeros", .dtype = "float64"});
  model.compile(sgd(), {.loss = "mse"});
  // Targets 1, 1, 1, 5 from zero inputs: one full-batch step moves the bias by 0.1 · 2 · mean(y).
  const Tensor y(std::vector<double>{1, 1, 1, 5}, {4, 1});
  const auto history = model.fit(Tensor::zeros({4, 1}, DType::float64), y,
                                 {.batch_size = 4, .verbose = 0, .validation_split = 0.25,
                                  .validation_data = models::ValidationData(std::pair{models::Arrays(Tensor::zeros({1, 1}, DType::float64)),
                                                                                      models::Arrays(Tensor::ones({1, 1}, DType::float64))})});
  CHECK(model.weights()[1]->value().item() == doctest::Approx(0.1 * 2 * 2.0).epsilon(1e-12));  // mean of all four targets: 2
  CHECK(history.history.at("val_loss").size() == 1);
}

TEST_CASE("validation_split leaves training and validation samples or is refused, as Keras") {
  models::Sequential model({.dtype = "float64"});
  model.add<layers::Dense>({.units = 1, .dtype = "float64"});
  model.compile(sgd(), {.loss = "mse"});
  const Tensor x = Tensor::zeros({3, 2}, DType::float64), y = Tensor::zeros({3, 1}, DType::float64);
  // 3 samples at 0.2: floor(3 · 0.8) = 2 train, 1 validates.
  CHECK(model.fit(x, y, {.verbose = 0, .validation_split = 0.2}).history.count("val_loss") == 1);
  // At 0.1 floor(2.7) = 2 too; at 0.01, floor(2.97) = 2; a single sample cannot be split.
  CHECK_THROWS_WITH_AS(model.fit(Tensor::zeros({1, 2}, DType::float64), Tensor::zeros({1, 1}, DType::float64),
                                 {.verbose = 0, .validation_split = 0.5}),
                       doctest::Contains("invalid argument `validation_split`"), InvalidArgument);
}
