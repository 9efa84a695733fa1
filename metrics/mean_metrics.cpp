#include <minidl/metrics/mean_metrics.hpp>

#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/autograd/ops/comparison.hpp>
#include <minidl/autograd/ops/math.hpp>
#include <minidl/autograd/ops/reduction.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/losses/losses.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <numeric>

namespace minidl::metrics {

namespace {

// The axes [first, rank).
std::vector<std::int64_t> axes_from(std::int64_t first, std::int64_t rank) {
  std::vector<std::int64_t> axes(static_cast<std::size_t>(std::max<std::int64_t>(rank - first, 0)));
  std::iota(axes.begin(), axes.end(), first);
  return axes;
}

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
  return equal(y, greater(p, Tensor::scalar(threshold, p.dtype())));
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

// Keras's MeanMetricWrapper.update_state, reduce_to_samplewise_values and Mean.update_state: a
// mask multiplies the sample weights; values are averaged down to the weights' rank, weighed,
// then averaged to one per sample; the count is the sum of the weights (or the samples).
void MeanMetric::accumulate(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
  Tensor batch = values(y_true, y_pred);
  if (batch.dtype() != y_pred.dtype()) throw StateError(fmt::format("{}: its values came in another dtype than y_pred's", where()));
  Tensor weight = sample_weight.defined() ? cast(sample_weight, batch.dtype()) : Tensor();
  const Tensor mask = honours_mask() ? y_pred.keras_mask() : Tensor();
  try {
    if (mask.defined()) {
      const Tensor float_mask = cast(mask, batch.dtype());
      if (weight.defined()) {
        const auto [kept, weights] = losses::squeeze_or_expand_to_same_rank(float_mask, weight);
        weight = weights * kept;
      } else {
        weight = float_mask;
      }
    }
    if (weight.defined()) {
      auto [samplewise, weights] = losses::squeeze_or_expand_to_same_rank(batch, weight);
      const std::int64_t weight_rank = weights.ndim();
      if (samplewise.ndim() > weight_rank) samplewise = minidl::mean(samplewise, axes_from(weight_rank, samplewise.ndim()));
      weights = broadcast_to(weights, samplewise.shape());
      batch = samplewise * weights;
      weight = weight_rank > 1 ? minidl::mean(weights, axes_from(1, weight_rank)) : weights;
    }
  } catch (const ShapeError& error) {
    throw ShapeError(fmt::format("{}: the sample weights{} do not fit its values {}: {}", where(), mask.defined() ? " (with the mask)" : "",
                                 shape_to_string(batch.shape()), error.what()));
  }
  if (batch.ndim() > 1) batch = minidl::mean(batch, axes_from(1, batch.ndim()));
  sums()[0] += sum(batch).item();
  sums()[1] += weight.defined() ? sum(weight).item() : batch.ndim() == 0 ? 1.0 : double(batch.dim(0));
}

double MeanMetric::mean() const { return sums()[1] == 0 ? 0.0 : sums()[0] / sums()[1]; }

std::vector<double> MeanMetric::results() const { return {mean()}; }

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
std::vector<double> RootMeanSquaredError::results() const { return {std::sqrt(mean())}; }

Tensor Accuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  const auto [y, p] = losses::squeeze_or_expand_to_same_rank(y_true, y_pred);
  return equal(y, p);
}

nlohmann::json BinaryAccuracy::get_config() const {
  auto config = MeanMetric::get_config();
  config["threshold"] = threshold_;
  return config;
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

}  // namespace minidl::metrics
