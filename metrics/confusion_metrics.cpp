#include <minidl/metrics/confusion_metrics.hpp>

#include <minidl/autograd/activations/activations.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/metrics/confusion_counts.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

namespace minidl::metrics {

namespace {


void require_unit_interval(const std::vector<double>& thresholds, const std::string& where) {
  std::vector<double> outside;
  for (double threshold : thresholds)
    if (!(threshold >= 0 && threshold <= 1)) outside.push_back(threshold);
  if (!outside.empty())
    throw_invalid_argument(where, "thresholds", "expected values in [0, 1]", fmt::format("thresholds={}", outside));
}

// Keras's get_config keeps thresholds as given: a number for one, a list for several, null for none.
nlohmann::json thresholds_config(const std::vector<double>& thresholds) {
  if (thresholds.empty()) return nullptr;
  if (thresholds.size() == 1) return thresholds[0];
  return thresholds;
}

nlohmann::json optional_config(const std::optional<std::int64_t>& value) { return value ? nlohmann::json(*value) : nlohmann::json(nullptr); }

confusion::Settings precision_settings(const PrecisionOptions& options, const std::vector<double>& thresholds) {
  return {.thresholds = thresholds,
          .evenly_distributed = confusion::evenly_distributed(thresholds),
          .top_k = options.top_k,
          .class_id = options.class_id,
          .label_weights = {},
          .multi_label = false};
}

}  // namespace

PrecisionOptions Precision::validated(PrecisionOptions options, const std::string& class_name) {
  const std::string where = fmt::format("{} '{}'", class_name, options.name);
  require_unit_interval(options.thresholds, where);
  if (options.top_k && *options.top_k < 1)
    throw_invalid_argument(where, "top_k", "expected a positive integer", fmt::format("top_k={}", *options.top_k));
  if (options.class_id && *options.class_id < 0)
    throw_invalid_argument(where, "class_id", "expected a non-negative integer", fmt::format("class_id={}", *options.class_id));
  return options;
}

Precision::Precision(PrecisionOptions options) : Precision(std::move(options), "Precision") {}

Precision::Precision(PrecisionOptions options, const char* class_name)
    : Metric(options.name, 0), options_(validated(std::move(options), class_name)) {
  thresholds_ = !options_.thresholds.empty() ? options_.thresholds : std::vector<double>{options_.top_k ? confusion::below_kept_predictions : 0.5};
  sums().assign(confusion::state_size(thresholds_.size(), 1), 0.0);
}

void Precision::accumulate(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
  confusion::add(y_true, y_pred, sample_weight, precision_settings(options_, thresholds_), 1, sums(), where());
}

std::vector<double> Precision::results() const {
  const std::size_t n = thresholds_.size();
  std::vector<double> values(n);
  for (std::size_t t = 0; t < n; ++t) {
    const double tp = sums()[confusion::true_positives * n + t], fp = sums()[confusion::false_positives * n + t];
    values[t] = confusion::divide_no_nan(tp, tp + fp);
  }
  return values;
}

nlohmann::json Precision::get_config() const {
  auto config = Metric::get_config();
  config["thresholds"] = thresholds_config(options_.thresholds);
  config["top_k"] = optional_config(options_.top_k);
  config["class_id"] = optional_config(options_.class_id);
  return config;
}

Recall::Recall(RecallOptions options)
    : Precision({.thresholds = std::move(options.thresholds), .top_k = options.top_k, .class_id = options.class_id, .name = std::move(options.name)},
                "Recall") {}

std::vector<double> Recall::results() const {
  const std::size_t n = thresholds_.size();
  std::vector<double> values(n);
  for (std::size_t t = 0; t < n; ++t) {
    const double tp = sums()[confusion::true_positives * n + t], fn = sums()[confusion::false_negatives * n + t];
    values[t] = confusion::divide_no_nan(tp, tp + fn);
  }
  return values;
}

AUC::AUC(AUCOptions options) : Metric(options.name, 0), options_(std::move(options)) {
  const std::string here = where();
  if (options_.curve == "roc" || options_.curve == "pr" || options_.curve == "prgain")
    std::transform(options_.curve.begin(), options_.curve.end(), options_.curve.begin(), [](char c) { return char(std::toupper(c)); });
  if (options_.curve != "ROC" && options_.curve != "PR" && options_.curve != "PRGAIN")
    throw_invalid_argument(here, "curve", "expected one of \"ROC\", \"PR\", \"PRGAIN\"", fmt::format("curve=\"{}\"", options_.curve));
  auto& method = options_.summation_method;
  if (method == "Interpolation" || method == "Majoring" || method == "Minoring") method[0] = char(std::tolower(method[0]));
  if (method != "interpolation" && method != "majoring" && method != "minoring")
    throw_invalid_argument(here, "summation_method", "expected one of \"interpolation\", \"majoring\", \"minoring\"",
                           fmt::format("summation_method=\"{}\"", method));
  if (!options_.thresholds.empty()) {
    // (Unlike Precision and Recall, Keras's AUC takes thresholds outside [0, 1].)
    std::sort(options_.thresholds.begin(), options_.thresholds.end());
    options_.num_thresholds = std::int64_t(options_.thresholds.size()) + 2;
    std::vector<double> with_ends = {0.0};
    with_ends.insert(with_ends.end(), options_.thresholds.begin(), options_.thresholds.end());
    with_ends.push_back(1.0);
    evenly_distributed_ = confusion::evenly_distributed(with_ends);
    thresholds_ = options_.thresholds;
  } else {
    if (options_.num_thresholds <= 1)
      throw_invalid_argument(here, "num_thresholds", "expected an integer > 1", fmt::format("num_thresholds={}", options_.num_thresholds));
    for (std::int64_t i = 0; i < options_.num_thresholds - 2; ++i) thresholds_.push_back(double(i + 1) / double(options_.num_thresholds - 1));
  }
  thresholds_.insert(thresholds_.begin(), 0.0 - keras_epsilon);
  thresholds_.push_back(1.0 + keras_epsilon);
  for (double weight : options_.label_weights)
    if (!(weight >= 0))
      throw_invalid_argument(here, "label_weights", "expected non-negative weights", fmt::format("label_weights={}", options_.label_weights));
  if (options_.multi_label) {
    if (options_.num_labels && *options_.num_labels < 1)
      throw_invalid_argument(here, "num_labels", "expected a positive integer", fmt::format("num_labels={}", *options_.num_labels));
    if (options_.num_labels) labels_ = *options_.num_labels;
    else labels_ = 0;  // sized on the first batch
  } else if (options_.num_labels) {
    throw_invalid_argument(here, "num_labels", "expected it only when multi_label is true", fmt::format("num_labels={}", *options_.num_labels));
  }
  sums().assign(confusion::state_size(thresholds_.size(), std::size_t(labels_)), 0.0);
}

void AUC::accumulate(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
  const confusion::Settings settings = {.thresholds = thresholds_,
                                        .evenly_distributed = evenly_distributed_,
                                        .top_k = std::nullopt,
                                        .class_id = std::nullopt,
                                        .label_weights = options_.multi_label ? std::vector<double>() : options_.label_weights,
                                        .multi_label = options_.multi_label};
  const std::int64_t labels = confusion::labels_of(y_pred, settings, where());
  if (labels_ == 0) {
    labels_ = labels;
    sums().assign(confusion::state_size(thresholds_.size(), std::size_t(labels_)), 0.0);
  } else if (labels != labels_) {
    throw ShapeError(fmt::format("{}: built for {} labels, received y_pred of shape {}", where(), labels_, shape_to_string(y_pred.shape())));
  }
  if (options_.multi_label && !options_.label_weights.empty() && std::int64_t(options_.label_weights.size()) != labels_)
    throw_invalid_argument(where(), "label_weights", fmt::format("expected one weight per label ({})", labels_),
                           fmt::format("{} weights", options_.label_weights.size()));
  const Tensor prediction = options_.from_logits ? activations::sigmoid(y_pred) : y_pred;
  confusion::add(y_true, prediction, sample_weight, settings, labels, sums(), where());
}

void AUC::size_state(std::size_t size) {
  const std::size_t per_label = confusion::state_size(thresholds_.size(), 1);
  if (labels_ != 0 || size % per_label != 0)
    throw_invalid_argument(where(), "state", fmt::format("expected a multiple of {} sums (4 counts at {} thresholds per label)", per_label,
                                                         thresholds_.size()),
                           fmt::format("{} sums", size));
  labels_ = std::int64_t(size / per_label);
  sums().assign(size, 0.0);
}

double AUC::combined(const std::vector<double>& by_label) const {
  if (!options_.multi_label) return by_label[0];
  if (options_.label_weights.empty()) {
    double total = 0;
    for (double area : by_label) total += area;
    return total / double(by_label.size());
  }
  double weighted = 0, weights = 0;
  for (std::size_t label = 0; label < by_label.size(); ++label) {
    weighted += by_label[label] * options_.label_weights[label];
    weights += options_.label_weights[label];
  }
  return confusion::divide_no_nan(weighted, weights);
}

// Davis and Goadrich's interpolation between the counts of neighbouring thresholds, in Keras's
// closed form: precision varies as (TP_A + slope · (P − P_A)) / P over each interval.
double AUC::interpolated_pr_auc() const {
  const std::size_t n = thresholds_.size(), labels = std::size_t(labels_), block = n * labels;
  const auto count = [&](confusion::Count which, std::size_t t, std::size_t label) { return sums()[which * block + t * labels + label]; };
  std::vector<double> by_label(labels, 0.0);
  for (std::size_t label = 0; label < labels; ++label)
    for (std::size_t t = 0; t + 1 < n; ++t) {
      const double tp_a = count(confusion::true_positives, t, label), tp_b = count(confusion::true_positives, t + 1, label);
      const double p_a = tp_a + count(confusion::false_positives, t, label), p_b = tp_b + count(confusion::false_positives, t + 1, label);
      const double dtp = tp_a - tp_b, dp = p_a - p_b;
      const double slope = confusion::divide_no_nan(dtp, std::max(dp, 0.0));
      const double intercept = tp_b - slope * p_b;
      const double p_ratio = p_a > 0 && p_b > 0 ? confusion::divide_no_nan(p_a, std::max(p_b, 0.0)) : 1.0;
      by_label[label] += confusion::divide_no_nan(slope * (dtp + intercept * std::log(p_ratio)),
                                                  std::max(tp_b + count(confusion::false_negatives, t + 1, label), 0.0));
    }
  return combined(by_label);
}

std::vector<double> AUC::results() const {
  if (labels_ == 0) return {0.0};
  if (options_.curve == "PR" && options_.summation_method == "interpolation") return {interpolated_pr_auc()};
  const std::size_t n = thresholds_.size(), labels = std::size_t(labels_), block = n * labels;
  std::vector<double> by_label(labels, 0.0);
  for (std::size_t label = 0; label < labels; ++label) {
    // The curve's points (x, y) at each threshold.
    std::vector<double> x(n), y(n);
    for (std::size_t t = 0; t < n; ++t) {
      const auto at = t * labels + label;
      const double tp = sums()[confusion::true_positives * block + at], fp = sums()[confusion::false_positives * block + at];
      const double tn = sums()[confusion::true_negatives * block + at], fn = sums()[confusion::false_negatives * block + at];
      const double recall = confusion::divide_no_nan(tp, tp + fn);
      if (options_.curve == "ROC") {
        x[t] = confusion::divide_no_nan(fp, fp + tn);
        y[t] = recall;
      } else if (options_.curve == "PR") {
        x[t] = recall;
        y[t] = confusion::divide_no_nan(tp, tp + fp);
      } else {
        const double scaling = confusion::divide_no_nan(tp + fn, tn + fp);
        x[t] = tp == 0 ? 0.0 : std::max(1.0 - scaling * confusion::divide_no_nan(fn, tp), 0.0);
        y[t] = tp == 0 ? 1.0 : 1.0 - scaling * confusion::divide_no_nan(fp, tp);
      }
    }
    for (std::size_t t = 0; t + 1 < n; ++t) {
      const double height = options_.summation_method == "interpolation" ? (y[t] + y[t + 1]) / 2
                            : options_.summation_method == "minoring"    ? std::min(y[t], y[t + 1])
                                                                         : std::max(y[t], y[t + 1]);
      by_label[label] += (x[t] - x[t + 1]) * height;
    }
  }
  return {combined(by_label)};
}

nlohmann::json AUC::get_config() const {
  auto config = Metric::get_config();
  config["num_thresholds"] = options_.num_thresholds;
  config["curve"] = options_.curve;
  config["summation_method"] = options_.summation_method;
  config["multi_label"] = options_.multi_label;
  config["num_labels"] = optional_config(options_.num_labels);
  config["label_weights"] = options_.label_weights.empty() ? nlohmann::json(nullptr) : nlohmann::json(options_.label_weights);
  config["from_logits"] = options_.from_logits;
  if (!options_.thresholds.empty()) config["thresholds"] = options_.thresholds;
  return config;
}

}  // namespace minidl::metrics
