#include <minidl/metrics/metrics.hpp>

#include <minidl/autograd/grad_mode.hpp>
#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/autograd/ops/comparison.hpp>
#include <minidl/autograd/ops/math.hpp>
#include <minidl/autograd/ops/reduction.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/losses/losses.hpp>

#include <cmath>
#include <fmt/format.h>

namespace minidl::metrics {

namespace {

// argmax along the last axis, as a tensor of indices in y's dtype.
Tensor argmax_last(const Tensor& y) {
  const auto values = y.to_vector();
  const std::int64_t classes = y.shape().back(), rows = classes == 0 ? 0 : y.size() / classes;
  std::vector<double> indices(rows);
  for (std::int64_t r = 0; r < rows; ++r) {
    const auto begin = values.begin() + r * classes;
    indices[r] = double(std::max_element(begin, begin + classes) - begin);
  }
  return cast(Tensor(indices, Shape(y.shape().begin(), y.shape().end() - 1)), y.dtype());
}

Tensor binary_accuracy(const Tensor& y_true, const Tensor& y_pred, double threshold) {
  const auto [y, p] = losses::squeeze_or_expand_to_same_rank(y_true, y_pred);
  return minidl::mean(equal(y, greater(p, Tensor::scalar(threshold, p.dtype()))), {-1});
}

Tensor categorical_accuracy(const Tensor& y_true, const Tensor& y_pred) {
  return equal(argmax_last(y_true), argmax_last(y_pred));
}

Tensor sparse_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred) {
  Tensor labels = y_true;
  if (labels.ndim() == y_pred.ndim() && labels.shape().back() == 1) labels = squeeze(labels, {-1});
  return equal(labels, argmax_last(y_pred));
}

}  // namespace

void Metric::update_state(const Tensor& y_true, const Tensor& y_pred) {
  NoGradGuard no_grad;
  const Tensor batch = values(y_true.detach(), y_pred.detach());
  if (batch.dtype() != y_pred.dtype()) throw StateError("metrics: a metric returned values of another dtype");
  const Tensor mask = y_pred.keras_mask();
  if (!mask.defined() || !honours_mask() || batch.size() == 0) {
    total_ += sum(batch).item();
    count_ += double(batch.size());
    return;
  }
  // Keras's MeanMetricWrapper with a mask: the mask weighs each value; Keras sums each sample's
  // mean, so both sums are divided by the values per sample.
  auto [kept_values, kept] = losses::squeeze_or_expand_to_same_rank(batch, cast(mask, batch.dtype()));
  if (kept_values.shape() != kept.shape())
    throw ShapeError(fmt::format("metrics: {}: the prediction's mask has shape {}, which does not match the values' {}", name_,
                                 shape_to_string(mask.shape()), shape_to_string(batch.shape())));
  const double per_sample = kept.ndim() > 1 ? double(kept.size() / kept.dim(0)) : 1.0;
  total_ += sum(kept_values * kept).item() / per_sample;
  count_ += sum(kept).item() / per_sample;
}

double Metric::result() const { return mean(); }

void Metric::reset_state() { total_ = count_ = 0.0; }

Tensor MeanSquaredError::values(const Tensor& y_true, const Tensor& y_pred) const {
  return losses::mean_squared_error(y_true, y_pred);
}

Tensor MeanAbsoluteError::values(const Tensor& y_true, const Tensor& y_pred) const {
  return losses::mean_absolute_error(y_true, y_pred);
}

// Keras averages the squared errors of every element, then takes the root.
Tensor RootMeanSquaredError::values(const Tensor& y_true, const Tensor& y_pred) const {
  const auto [y, p] = losses::squeeze_or_expand_to_same_rank(y_true, y_pred);
  return square(p - y);
}
double RootMeanSquaredError::result() const { return std::sqrt(mean()); }

Tensor Accuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  const auto [y, p] = losses::squeeze_or_expand_to_same_rank(y_true, y_pred);
  return equal(y, p);
}

Tensor BinaryAccuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  return binary_accuracy(y_true, y_pred, threshold_);
}

Tensor CategoricalAccuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  return categorical_accuracy(y_true, y_pred);
}

Tensor SparseCategoricalAccuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  return sparse_categorical_accuracy(y_true, y_pred);
}

Tensor CompileAccuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  // Keras's compile_utils.is_binary_or_sparse_categorical.
  const std::int64_t true_last = y_true.ndim() == 0 ? 1 : y_true.shape().back();
  const std::int64_t pred_last = y_pred.ndim() == 0 ? 1 : y_pred.shape().back();
  if (pred_last == 1) return binary_accuracy(y_true, y_pred, 0.5);
  if (y_true.ndim() < y_pred.ndim() || true_last == 1) return sparse_categorical_accuracy(y_true, y_pred);
  return categorical_accuracy(y_true, y_pred);
}

std::unique_ptr<Metric> get(std::string_view name) {
  // Named as asked for ("mae" logs as "mae"), as Keras's compile does.
  const std::string given(name);
  if (name == "mse" || name == "mean_squared_error") return std::make_unique<MeanSquaredError>(given);
  if (name == "mae" || name == "mean_absolute_error") return std::make_unique<MeanAbsoluteError>(given);
  if (name == "rmse" || name == "root_mean_squared_error") return std::make_unique<RootMeanSquaredError>(given);
  if (name == "accuracy" || name == "acc") return std::make_unique<CompileAccuracy>(given);
  if (name == "binary_accuracy") return std::make_unique<BinaryAccuracy>(0.5, given);
  if (name == "categorical_accuracy") return std::make_unique<CategoricalAccuracy>(given);
  if (name == "sparse_categorical_accuracy") return std::make_unique<SparseCategoricalAccuracy>(given);
  throw_invalid_argument("metrics::get", "metric",
                         "expected one of mse, mae, rmse, accuracy, binary_accuracy, categorical_accuracy, "
                         "sparse_categorical_accuracy",
                         fmt::format("metric=\"{}\"", name));
}

}  // namespace minidl::metrics
