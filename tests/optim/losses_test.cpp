// Losses against real Keras 3.15.1 (keras/losses.json): value and gradient with respect to y_pred,
// in float64 and float32; gradchecks; reductions; names and errors. Metrics on hand-checked batches.
#include "../support/golden.hpp"

#include <doctest/doctest.h>
#include <cmath>

using namespace minidl;
using namespace minidl::testing;

namespace {

losses::Loss loss_of(const nlohmann::json& item) {
  const std::string class_name = item.at("class_name");
  const auto& kwargs = item.at("kwargs");
  if (class_name == "MeanSquaredError") return losses::MeanSquaredError{};
  if (class_name == "MeanAbsolutePercentageError") return losses::MeanAbsolutePercentageError{};
  if (class_name == "Huber") return losses::Huber{.delta = kwargs.at("delta")};
  if (class_name == "BinaryCrossentropy")
    return losses::BinaryCrossentropy{.from_logits = kwargs.at("from_logits"), .label_smoothing = kwargs.at("label_smoothing")};
  if (class_name == "CategoricalCrossentropy")
    return losses::CategoricalCrossentropy{.from_logits = kwargs.at("from_logits"),
                                           .label_smoothing = kwargs.at("label_smoothing")};
  if (class_name == "SparseCategoricalCrossentropy")
    return losses::SparseCategoricalCrossentropy{.from_logits = kwargs.at("from_logits")};
  throw std::runtime_error("no binding for " + class_name);
}

}  // namespace

TEST_CASE("losses match Keras: value, gradient and config") {
  const auto golden = load_test_data("keras/losses.json");
  for (const auto& item : golden.at("cases")) {
    CAPTURE(item.at("id").get<std::string>());
    const auto loss = loss_of(item);
    CHECK(loss.get_config() == item.at("keras_get_config"));
    for (DType dtype : {DType::float64, DType::float32}) {
      const double rtol = dtype == DType::float64 ? 1e-12 : 1e-5;
      const Tensor y_true = tensor_from_json(item.at("y_true"), dtype);
      const Tensor y_pred = tensor_from_json(item.at("y_pred"), dtype).set_requires_grad();
      const Tensor value = loss(y_true, y_pred);
      CHECK(value.item() == doctest::Approx(item.at("expected").at("loss").get<double>()).epsilon(rtol));
      value.backward();
      CHECK_CLOSE(y_pred.grad(), tensor_from_json(item.at("expected").at("dloss_dy_pred"), dtype), rtol, 1e-7);
    }
  }
}

TEST_CASE("losses gradcheck in float64") {
  const Tensor y_true(std::vector<double>{0.25, 0.75, 0.5, 0.125, 0.875, 0.375}, {2, 3});
  const Tensor y_pred(std::vector<double>{0.3, 0.6, 0.45, 0.2, 0.7, 0.55}, {2, 3});
  const Tensor labels(std::vector<double>{2, 0}, {2});
  const std::vector<std::pair<std::string, losses::Loss>> cases = {
      {"mse", "mse"}, {"mae", "mae"}, {"mape", "mape"}, {"huber", losses::Huber{.delta = 0.1}}, {"log_cosh", "log_cosh"},
      {"bce", losses::BinaryCrossentropy{.label_smoothing = 0.2}}, {"bce logits", losses::BinaryCrossentropy{.from_logits = true}},
      {"cce", losses::CategoricalCrossentropy{.label_smoothing = 0.1}},
      {"cce logits", losses::CategoricalCrossentropy{.from_logits = true}}};
  for (const auto& loss_case : cases) {
    const std::string& label = loss_case.first;
    const losses::Loss& loss = loss_case.second;
    CAPTURE(label);
    const auto report = gradcheck([&](const std::vector<Tensor>& in) { return loss(y_true, in[0]); }, {y_pred});
    CHECK_MESSAGE(report.passed, report.to_string());
  }
  for (bool from_logits : {false, true}) {
    const losses::Loss sparse = losses::SparseCategoricalCrossentropy{.from_logits = from_logits};
    const auto report = gradcheck([&](const std::vector<Tensor>& in) { return sparse(labels, in[0]); }, {y_pred});
    CHECK_MESSAGE(report.passed, report.to_string());
  }
}

TEST_CASE("reductions, sample weights, temporal outputs and ignore_class") {
  const Tensor y_true(std::vector<double>{0, 0, 0, 0}, {2, 2});
  const Tensor y_pred(std::vector<double>{1, 3, 2, 4}, {2, 2});  // per-sample MSE: 5, 10
  CHECK(losses::Loss("mse")(y_true, y_pred).item() == 7.5);
  CHECK(losses::Loss(losses::MeanSquaredError{.reduction = "sum"})(y_true, y_pred).item() == 15.0);
  CHECK(losses::Loss(losses::MeanSquaredError{.reduction = "none"})(y_true, y_pred).to_vector() == std::vector<double>{5, 10});
  const Tensor weights(std::vector<double>{1, 3}, {2});
  CHECK(losses::Loss("mse")(y_true, y_pred, weights).item() == 17.5);  // (5 + 30) / 2: divided by the count
  CHECK(losses::Loss(losses::MeanSquaredError{.reduction = "mean_with_sample_weight"})(y_true, y_pred, weights).item() ==
        35.0 / 4);
  // A temporal output (batch, steps, features): the mean over every step, as Keras.
  const Tensor temporal = Tensor::full({2, 3, 1}, 2.0, DType::float64);
  CHECK(losses::Loss("mse")(Tensor::zeros({2, 3, 1}, DType::float64), temporal).item() == 4.0);
  // y_true of rank one less is expanded (Keras squeezes or expands by one axis).
  CHECK(losses::Loss("mae")(Tensor::zeros({2}, DType::float64), Tensor::full({2, 1}, 3.0, DType::float64)).item() == 3.0);
  // ignore_class: the ignored sample (row 0, label 1) counts neither in the sum nor in the divisor;
  // row 1 (label 0, logits 10 and 0) leaves log(1 + e^−10), weighted total / kept = 2 / 1 and divided
  // by the count 2 (Keras 3.15's apply_mask, whose divide_no_nan replaced an earlier + 1e-7).
  const Tensor logits(std::vector<double>{0, 0, 10, 0}, {2, 2});
  const Tensor labels(std::vector<double>{1, 0}, {2});
  const double kept = losses::Loss(losses::SparseCategoricalCrossentropy{.from_logits = true, .ignore_class = 1})(labels, logits).item();
  CHECK(kept == doctest::Approx(std::log1p(std::exp(-10.0))).epsilon(1e-12));
  const double summed = losses::Loss(losses::SparseCategoricalCrossentropy{.from_logits = true, .ignore_class = 1, .reduction = "sum"})(
                            labels, logits).item();
  CHECK(summed == doctest::Approx(std::log1p(std::exp(-10.0))).epsilon(1e-12));  // no rescaling for "sum"
}

TEST_CASE("ranks are aligned as Keras's squeeze_or_expand_to_same_rank aligns them") {
  // y_true (4, 1) with y_pred (4,): y_pred is expanded to (4, 1), four per-sample losses.
  const Tensor column(std::vector<double>{1, 2, 3, 4}, {4, 1});
  const Tensor flat = Tensor::zeros({4}, DType::float64);
  CHECK(losses::Loss(losses::MeanSquaredError{.reduction = "sum"})(column, flat).item() == 30.0);
  CHECK(losses::Loss(losses::MeanSquaredError{.reduction = "none"})(column, flat).shape() == Shape{4});
  // y_pred (B, T, 1) with y_true (B, T): y_pred is squeezed; one value per sample.
  const Tensor target = Tensor::ones({2, 3}, DType::float64);
  const Tensor forecast = Tensor::zeros({2, 3, 1}, DType::float64);
  CHECK(losses::Loss(losses::MeanSquaredError{.reduction = "sum"})(target, forecast).item() == 2.0);
  CHECK(losses::Loss(losses::MeanSquaredError{.reduction = "none"})(target, forecast).shape() == Shape{2});
  // A (B, 1) sample weight on (B,) values is aligned, not broadcast to (B, B).
  const Tensor y_true(std::vector<double>{0, 0}, {2, 1}), y_pred(std::vector<double>{1, 0}, {2, 1});
  CHECK(losses::Loss("mse")(y_true, y_pred, Tensor(std::vector<double>{1, 0}, {2, 1})).item() == 0.5);
  // Metrics align the same way.
  auto rmse = metrics::get("rmse");
  rmse->update_state(Tensor(std::vector<double>{1, 1, 1, 1}, {4, 1}), Tensor(std::vector<double>{1.5, 0.5, 1.5, 0.5}, {4}));
  CHECK(rmse->result() == 0.5);
  auto accuracy = metrics::get("binary_accuracy");
  accuracy->update_state(Tensor(std::vector<double>{1, 0, 1, 0}, {4, 1}), Tensor(std::vector<double>{0.9, 0.1, 0.8, 0.2}, {4}));
  CHECK(accuracy->result() == 1.0);
}

TEST_CASE("loss names and errors") {
  for (const char* name : {"mse", "MSE", "mean_squared_error", "MeanSquaredError", "mae", "mape", "huber", "log_cosh",
                           "bce", "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"})
    CHECK_NOTHROW(losses::Loss(name).validated());
  CHECK_THROWS_WITH_AS(losses::Loss("l2").validated("compile", "loss"),
                       doctest::Contains("compile: invalid argument `loss`: expected a loss name, one of"), InvalidArgument);
  CHECK_THROWS_WITH_AS(losses::Loss(losses::MeanSquaredError{.reduction = "avg"}).validated(),
                       doctest::Contains("invalid argument `reduction`"), InvalidArgument);
  CHECK_THROWS_AS(losses::Loss(losses::BinaryCrossentropy{.label_smoothing = 1.5}).validated(), InvalidArgument);
  CHECK_THROWS_WITH_AS(losses::Loss("mse")(Tensor::zeros({2, 3}), Tensor::zeros({2, 4})),
                       "mean_squared_error: incompatible shapes for broadcasting: (2, 3) and (2, 4)", ShapeError);
  CHECK_THROWS_WITH_AS(losses::Loss("sparse_categorical_crossentropy")(Tensor(std::vector<float>{0, 5}, {2}), Tensor::ones({2, 3})),
                       "sparse_categorical_crossentropy: invalid argument `y_true`: expected class ids in [0, 3), received 5 at index 1",
                       InvalidArgument);
  CHECK_THROWS_AS(losses::Loss("mse")(Tensor::zeros({2}), Tensor::zeros({2}, DType::float64)), InvalidArgument);
}

TEST_CASE("metrics accumulate over batches") {
  auto mae = metrics::get("mae");
  mae->update_state(Tensor(std::vector<double>{0, 0}, {2, 1}), Tensor(std::vector<double>{1, -3}, {2, 1}));
  mae->update_state(Tensor(std::vector<double>{0}, {1, 1}), Tensor(std::vector<double>{2}, {1, 1}));
  CHECK(mae->result() == 2.0);  // (1 + 3 + 2) / 3
  auto rmse = metrics::get("rmse");
  rmse->update_state(Tensor(std::vector<double>{0, 0}, {1, 2}), Tensor(std::vector<double>{3, 4}, {1, 2}));
  CHECK(rmse->result() == doctest::Approx(std::sqrt(12.5)));
  auto mse = metrics::get("mse");
  mse->update_state(Tensor(std::vector<double>{0, 0}, {1, 2}), Tensor(std::vector<double>{3, 4}, {1, 2}));
  CHECK(mse->result() == 12.5);
  mse->reset_state();
  CHECK(mse->result() == 0.0);
  auto binary = metrics::get("binary_accuracy");
  binary->update_state(Tensor(std::vector<double>{1, 0, 1, 0}, {4, 1}), Tensor(std::vector<double>{0.9, 0.4, 0.3, 0.6}, {4, 1}));
  CHECK(binary->result() == 0.5);
  auto categorical = metrics::get("categorical_accuracy");
  categorical->update_state(Tensor(std::vector<double>{0, 1, 1, 0}, {2, 2}), Tensor(std::vector<double>{0.2, 0.8, 0.3, 0.7}, {2, 2}));
  CHECK(categorical->result() == 0.5);
  auto sparse = metrics::get("sparse_categorical_accuracy");
  sparse->update_state(Tensor(std::vector<double>{1, 1, 2}, {3}), Tensor(std::vector<double>{0, 1, 0, 1, 0, 0, 0, 0, 1}, {3, 3}));
  CHECK(sparse->result() == doctest::Approx(2.0 / 3));
  auto exact = metrics::Accuracy();
  exact.update_state(Tensor(std::vector<double>{1, 2, 3}, {3}), Tensor(std::vector<double>{1, 0, 3}, {3}));
  CHECK(exact.result() == doctest::Approx(2.0 / 3));
  CHECK_THROWS_AS(metrics::get("f1"), InvalidArgument);
}

TEST_CASE("The metric name \"accuracy\" picks binary, sparse or categorical accuracy from the shapes, as Keras's compile") {
  // Held by name: a range-for over .at() of a temporary document reads it after it is freed.
  const auto data = testing::load_test_data("keras/accuracy_resolution.json");
  for (const auto& item : data.at("cases")) {
    CAPTURE(item.at("what").get<std::string>());
    auto accuracy = metrics::get("accuracy");
    accuracy->update_state(testing::tensor_from_json(item.at("y_true"), DType::float32),
                           testing::tensor_from_json(item.at("y_pred"), DType::float32));
    CHECK(accuracy->result() == doctest::Approx(item.at("result").get<double>()).epsilon(1e-7));
    CHECK(accuracy->name() == "accuracy");
  }
}

TEST_CASE("losses serialize under Keras's class names and read back") {
  const auto serialized = losses::Loss(losses::Huber{.delta = 2.5}).serialize();
  CHECK(serialized.at("class_name") == "Huber");
  CHECK(serialized.at("config").at("delta") == 2.5);
  CHECK(losses::Loss("mse").serialize().at("class_name") == "MeanSquaredError");
  CHECK(losses::Loss::deserialize(serialized).serialize() == serialized);
  CHECK_THROWS_AS(losses::Loss::deserialize({{"class_name", "MSE"}, {"config", nlohmann::json::object()}}), InvalidArgument);
  CHECK(losses::Loss([](const Tensor& a, const Tensor&) { return a; }).serialize().is_null());
}
