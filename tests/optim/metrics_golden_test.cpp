// Precision, Recall, AUC, FBetaScore, F1Score and the sample weights of every metric against Keras
// 3.15.1 (keras/metrics.json, from generator/generate_metrics.py): the running result after each
// batch and get_config().
#include "../support/golden.hpp"

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;

namespace {

// The metric a golden case describes, made as Keras made it: from its class and arguments.
std::unique_ptr<metrics::Metric> metric_for(const nlohmann::json& golden_case) {
  return metrics::deserialize({{"class_name", golden_case.at("class")}, {"config", golden_case.at("kwargs")}});
}

}  // namespace

TEST_CASE("metrics match Keras batch by batch, with sample weights and masks") {
  const auto golden = load_test_data("keras/metrics.json");
  const auto& cases = golden.at("metrics");
  REQUIRE(cases.size() >= 45);
  for (const auto& golden_case : cases) {
    CAPTURE(golden_case.at("id").get<std::string>());
    auto metric = metric_for(golden_case);
    const auto& batches = golden_case.at("batches");
    for (std::size_t b = 0; b < batches.size(); ++b) {
      const auto& batch = batches[b];
      const Tensor y_pred = tensor_from_json(batch.at("y_pred"));
      if (batch.contains("mask")) y_pred.set_keras_mask(tensor_from_json(batch.at("mask")));
      metric->update_state(tensor_from_json(batch.at("y_true")), y_pred,
                           batch.contains("sample_weight") ? tensor_from_json(batch.at("sample_weight")) : Tensor());
      const auto expected = golden_case.at("results")[b].get<std::vector<double>>();
      const auto results = metric->results();
      REQUIRE(results.size() == expected.size());
      for (std::size_t i = 0; i < results.size(); ++i) CHECK(results[i] == doctest::Approx(expected[i]).epsilon(1e-12));
    }
    auto config = metric->get_config();
    config.erase("dtype");
    auto keras_config = golden_case.at("config");
    // Keras numbers default names of metrics made in one session (precision_1, ...).
    if (!golden_case.at("kwargs").contains("name")) keras_config["name"] = config.at("name");
    CHECK_MESSAGE(config_difference(config, keras_config).empty(), config_difference(config, keras_config));
  }
}

TEST_CASE("a metric's result() is its one value; several values are read with results()") {
  metrics::Precision precision({.thresholds = {0.3, 0.7}});
  precision.update_state(Tensor(std::vector<double>{1.0, 0.0, 1.0}, {3}), Tensor(std::vector<double>{0.5, 0.9, 0.8}, {3}));
  CHECK(precision.results() == std::vector<double>{2.0 / 3.0, 0.5});
  CHECK_THROWS_WITH_AS(precision.result(), doctest::Contains("Precision 'precision': result() gives one value, and this metric has 2"),
                       StateError);
  metrics::Recall recall;
  recall.update_state(Tensor(std::vector<double>{1.0, 0.0, 1.0}, {3}), Tensor(std::vector<double>{0.6, 0.9, 0.4}, {3}));
  CHECK(recall.result() == 0.5);
  recall.reset_state();
  CHECK(recall.result() == 0.0);
}

TEST_CASE("metrics refuse the arguments Keras refuses, naming the metric, the argument and the value") {
  const auto golden = load_test_data("keras/metrics.json");
  const auto& errors = golden.at("errors");
  REQUIRE(errors.size() >= 10);
  for (const auto& error : errors) {
    CAPTURE(error.dump());
    const nlohmann::json serialized = {{"class_name", error.at("class")}, {"config", error.at("kwargs")}};
    if (error.at("keras_error").is_null()) {
      CHECK_NOTHROW(metrics::deserialize(serialized));
      continue;
    }
    CHECK_THROWS_AS(metrics::deserialize(serialized), InvalidArgument);
  }
  CHECK_THROWS_WITH_AS(metrics::AUC({.curve = "LIFT"}), "AUC 'auc': invalid argument `curve`: expected one of \"ROC\", \"PR\", \"PRGAIN\", received curve=\"LIFT\"",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(metrics::F1Score({.threshold = 0.0}), doctest::Contains("F1Score 'f1_score': invalid argument `threshold`"), InvalidArgument);
  CHECK_THROWS_WITH_AS(metrics::Precision({.thresholds = {0.5, 1.5}}),
                       doctest::Contains("Precision 'precision': invalid argument `thresholds`: expected values in [0, 1], received thresholds=[1.5]"),
                       InvalidArgument);
}

TEST_CASE("metrics by Keras name resolve to Keras's classes") {
  const auto golden = load_test_data("keras/metrics.json");
  const auto names = golden.at("names");
  for (const auto& item : names.items()) {
    // (Named copies: clang 14 cannot capture structured bindings in CAPTURE.)
    const std::string name = item.key();
    const nlohmann::json class_name = item.value();
    CAPTURE(name);
    if (class_name.is_null()) {
      CHECK_THROWS_AS(metrics::get(name), InvalidArgument);
      continue;
    }
    const auto metric = metrics::get(name);
    CHECK(metric->class_name() == class_name.get<std::string>());
    CHECK(metric->name() == name);  // named as asked for, as Keras's compile names it
  }
}

TEST_CASE("metrics refuse inputs they cannot count, naming themselves") {
  metrics::Precision top_three({.top_k = 3});
  CHECK_THROWS_WITH_AS(top_three.update_state(Tensor::zeros({4, 2}), Tensor::zeros({4, 2})),
                       doctest::Contains("Precision 'precision': invalid argument `top_k`: expected at most the 2 columns"), InvalidArgument);
  metrics::Recall column({.class_id = 5});
  CHECK_THROWS_WITH_AS(column.update_state(Tensor::zeros({4, 2}), Tensor::zeros({4, 2})),
                       doctest::Contains("Recall 'recall': invalid argument `class_id`"), InvalidArgument);
  metrics::AUC auc;
  CHECK_THROWS_WITH_AS(auc.update_state(Tensor::zeros({4, 2}), Tensor::zeros({4, 3})),
                       doctest::Contains("AUC 'auc': y_true and y_pred must have the same shape"), ShapeError);
  CHECK_THROWS_WITH_AS(auc.update_state(Tensor::zeros({4}), Tensor::zeros({4}), Tensor::ones({3})),
                       doctest::Contains("AUC 'auc': the sample weights do not fit"), ShapeError);
  metrics::AUC multi({.multi_label = true});
  CHECK_THROWS_WITH_AS(multi.update_state(Tensor::zeros({4}), Tensor::zeros({4})), doctest::Contains("with multi_label, y_pred must have rank 2"),
                       ShapeError);
  metrics::F1Score f1;
  CHECK_THROWS_WITH_AS(f1.update_state(Tensor::zeros({4}), Tensor::zeros({4})),
                       doctest::Contains("F1Score 'f1_score': expected y_true and y_pred of one shape (samples, classes)"), ShapeError);
  metrics::MeanAbsoluteError mae;
  CHECK_THROWS_WITH_AS(mae.update_state(Tensor::zeros({4, 3}), Tensor::zeros({4, 3}), Tensor::ones({3})),
                       doctest::Contains("MeanAbsoluteError 'mean_absolute_error': the sample weights"), ShapeError);
}

TEST_CASE("a metric serializes as Keras does and comes back the same") {
  const metrics::AUC auc({.curve = "pr", .thresholds = {0.8, 0.1}, .multi_label = true, .label_weights = {1.0, 2.0}});
  const auto serialized = auc.serialize();
  CHECK(serialized.at("module") == "keras.metrics");
  CHECK(serialized.at("class_name") == "AUC");
  CHECK(serialized.at("config").at("curve") == "PR");
  CHECK(serialized.at("config").at("thresholds") == nlohmann::json({0.1, 0.8}));
  CHECK(serialized.at("config").at("num_thresholds") == 4);
  const auto back = metrics::deserialize(serialized);
  CHECK(back->serialize() == serialized);
}

TEST_CASE("a NaN prediction is never positive: FBetaScore's row without threshold, Precision's top k") {
  // Keras's max over a row holding NaN is NaN, so no class of that row is predicted.
  metrics::F1Score f1;
  f1.update_state(Tensor(std::vector<double>{0, 1, 0, 1, 0, 0}, {2, 3}), Tensor(std::vector<double>{0.1, 0.8, std::nan(""), 0.9, 0.2, 0.1}, {2, 3}));
  // Row 0 predicts nothing (class 1 missed); row 1 predicts class 0 correctly.
  CHECK(f1.results()[1] == 0.0);
  CHECK(f1.results()[0] == doctest::Approx(1.0).epsilon(1e-6));
  metrics::Precision top({.top_k = 1});
  top.update_state(Tensor(std::vector<double>{1, 0, 0}, {1, 3}), Tensor(std::vector<double>{0.9, std::nan(""), 0.1}, {1, 3}));
  CHECK(top.result() == 0.0);  // NaN ranks first, as in torch.topk, and is not above the threshold: nothing predicted
}
