#include <minidl/metrics/confusion_counts.hpp>

#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/losses/losses.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <numeric>

namespace minidl::metrics::confusion {

namespace {

// Keeps the k largest values of each row of the last axis (the first of equal ones), the rest
// below every threshold.
void keep_top_k(std::vector<double>& values, std::int64_t columns, std::int64_t k) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(columns));
  for (std::size_t begin = 0; begin < values.size(); begin += std::size_t(columns)) {
    std::iota(order.begin(), order.end(), 0);
    // NaN ranks highest, as in torch.topk.
    const auto before = [&](std::int64_t a, std::int64_t b) {
      const double x = values[begin + a], y = values[begin + b];
      return std::isnan(x) ? !std::isnan(y) : x > y;
    };
    std::stable_sort(order.begin(), order.end(), before);
    for (std::size_t rank = std::size_t(k); rank < order.size(); ++rank) values[begin + order[rank]] = below_kept_predictions;
  }
}

// How many of the ascending thresholds `value` is above.
std::size_t thresholds_below(double value, const std::vector<double>& thresholds, bool evenly_distributed) {
  if (std::isnan(value)) return 0;
  if (!evenly_distributed) return std::size_t(std::lower_bound(thresholds.begin(), thresholds.end(), value) - thresholds.begin());
  // Keras's bucket of the prediction clipped to [0, 1]: ceil(value · (n − 1)) − 1, raised to 0
  // when the thresholds reach outside [0, 1].
  value = std::clamp(value, 0.0, 1.0);
  const double last = double(thresholds.size() - 1);
  double bucket = std::ceil(value * last) - 1;
  if (thresholds.front() < 0 || thresholds.back() > 1) bucket = std::max(bucket, 0.0);
  return std::size_t(std::clamp(bucket + 1, 0.0, last + 1));
}

}  // namespace

bool evenly_distributed(const std::vector<double>& thresholds) {
  const std::size_t n = thresholds.size();
  if (n < 3) return false;
  for (std::size_t i = 0; i < n; ++i) {
    // numpy.allclose(thresholds, arange(n, float32) / (n − 1), atol=1e-7): rtol 1e-5 too.
    const double even = double(float(i) / float(n - 1));
    if (!(std::abs(thresholds[i] - even) <= 1e-7 + 1e-5 * std::abs(even))) return false;
  }
  return true;
}

std::int64_t labels_of(const Tensor& y_pred, const Settings& settings, const std::string& where) {
  if (!settings.multi_label) return 1;
  if (y_pred.ndim() != 2)
    throw ShapeError(fmt::format("{}: with multi_label, y_pred must have rank 2 (samples, labels), received shape {}", where,
                                 shape_to_string(y_pred.shape())));
  return y_pred.dim(1);
}

void add(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight, const Settings& settings, std::int64_t labels,
         std::vector<double>& sums, const std::string& where) {
  auto [prediction, truth] = losses::squeeze_or_expand_to_same_rank(cast(y_pred, DType::float64), cast(y_true, DType::float64));
  Tensor weight;
  if (sample_weight.defined())
    weight = losses::squeeze_or_expand_to_same_rank(truth, unsqueeze(cast(sample_weight, DType::float64), -1), false).second;
  const std::int64_t columns = prediction.ndim() == 0 ? 1 : prediction.shape().back();
  if (settings.top_k && *settings.top_k > columns)
    throw_invalid_argument(where, "top_k", fmt::format("expected at most the {} columns of y_pred's last axis", columns),
                           fmt::format("top_k={}", *settings.top_k));
  if (settings.class_id) {
    if (prediction.ndim() < 2)
      throw ShapeError(fmt::format("{}: with class_id, y_pred must be (samples, classes), received shape {}", where,
                                   shape_to_string(prediction.shape())));
    if (*settings.class_id >= columns)
      throw_invalid_argument(where, "class_id", fmt::format("expected a column of y_pred's last axis, in [0, {})", columns),
                             fmt::format("class_id={}", *settings.class_id));
  }
  if (truth.shape() != prediction.shape())
    throw ShapeError(fmt::format("{}: y_true and y_pred must have the same shape, received {} and {}", where,
                                 shape_to_string(y_true.shape()), shape_to_string(y_pred.shape())));
  std::vector<double> predictions = prediction.to_vector();
  if (settings.top_k) keep_top_k(predictions, columns, *settings.top_k);
  std::vector<double> truths = truth.to_vector();
  Shape counted_shape = prediction.shape();
  if (settings.class_id) {
    // Keras's y[..., class_id, None].
    std::vector<double> kept_predictions, kept_truths;
    for (std::size_t i = std::size_t(*settings.class_id); i < predictions.size(); i += std::size_t(columns)) {
      kept_predictions.push_back(predictions[i]);
      kept_truths.push_back(truths[i]);
    }
    predictions = std::move(kept_predictions);
    truths = std::move(kept_truths);
    counted_shape.back() = 1;
  }
  std::vector<double> weights(predictions.size(), 1.0);
  try {
    if (weight.defined()) weights = broadcast_to(weight, counted_shape).to_vector();
    if (!settings.label_weights.empty()) {
      const auto label_weights = broadcast_to(Tensor(settings.label_weights, {std::int64_t(settings.label_weights.size())}), counted_shape)
                                     .to_vector();
      for (std::size_t i = 0; i < weights.size(); ++i) weights[i] *= label_weights[i];
    }
  } catch (const ShapeError& error) {
    throw ShapeError(fmt::format("{}: the {} do not fit y_pred {}: {}", where, weight.defined() ? "sample weights" : "label weights",
                                 shape_to_string(counted_shape), error.what()));
  }
  const std::size_t thresholds = settings.thresholds.size(), columns_counted = std::size_t(labels);
  // Counted against the thresholds in ascending order; sums keep the order given.
  std::vector<std::size_t> ascending(thresholds);
  std::iota(ascending.begin(), ascending.end(), std::size_t{0});
  std::stable_sort(ascending.begin(), ascending.end(), [&](auto a, auto b) { return settings.thresholds[a] < settings.thresholds[b]; });
  std::vector<double> sorted;
  for (const auto index : ascending) sorted.push_back(settings.thresholds[index]);
  // Per label, the weight of positive and negative values above exactly k thresholds.
  std::vector<double> positive((thresholds + 1) * columns_counted), negative((thresholds + 1) * columns_counted);
  for (std::size_t i = 0; i < predictions.size(); ++i) {
    const std::size_t label = i % columns_counted, above = thresholds_below(predictions[i], sorted, settings.evenly_distributed);
    (truths[i] != 0 ? positive : negative)[above * columns_counted + label] += weights[i];
  }
  const std::size_t block = thresholds * columns_counted;
  for (std::size_t label = 0; label < columns_counted; ++label) {
    double positive_above = 0, negative_above = 0, positive_total = 0, negative_total = 0;
    for (std::size_t k = 0; k <= thresholds; ++k) {
      positive_total += positive[k * columns_counted + label];
      negative_total += negative[k * columns_counted + label];
    }
    // A value above k thresholds is above thresholds 0 … k − 1: sums from the top down.
    for (std::size_t t = thresholds; t-- > 0;) {
      positive_above += positive[(t + 1) * columns_counted + label];
      negative_above += negative[(t + 1) * columns_counted + label];
      const std::size_t at = ascending[t] * columns_counted + label;
      sums[true_positives * block + at] += positive_above;
      sums[false_positives * block + at] += negative_above;
      sums[true_negatives * block + at] += negative_total - negative_above;
      sums[false_negatives * block + at] += positive_total - positive_above;
    }
  }
}

}  // namespace minidl::metrics::confusion
