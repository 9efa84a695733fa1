#include <minidl/metrics/f_score.hpp>

#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::metrics {

namespace {

// The state: true positives, false positives, false negatives and true labels, each per class
// (one for "micro").
enum Count : std::size_t { true_positives = 0, false_positives = 1, false_negatives = 2, true_labels = 3, counts = 4 };

FBetaScoreOptions validated(FBetaScoreOptions options, const char* class_name) {
  const std::string where = fmt::format("{} '{}'", class_name, options.name);
  if (options.average && *options.average != "micro" && *options.average != "macro" && *options.average != "weighted")
    throw_invalid_argument(where, "average", "expected one of unset, \"micro\", \"macro\", \"weighted\"",
                           fmt::format("average=\"{}\"", *options.average));
  if (!(options.beta > 0)) throw_invalid_argument(where, "beta", "expected a value > 0", fmt::format("beta={}", options.beta));
  if (options.threshold && !(*options.threshold > 0 && *options.threshold <= 1))
    throw_invalid_argument(where, "threshold", "expected 0 < threshold <= 1", fmt::format("threshold={}", *options.threshold));
  return options;
}

}  // namespace

FBetaScore::FBetaScore(FBetaScoreOptions options) : FBetaScore(std::move(options), "FBetaScore") {}

FBetaScore::FBetaScore(FBetaScoreOptions options, const char* class_name)
    : Metric(options.name, 0), options_(validated(std::move(options), class_name)) {}

void FBetaScore::accumulate(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
  if (y_true.ndim() != 2 || y_pred.ndim() != 2 || y_true.shape() != y_pred.shape())
    throw ShapeError(fmt::format("{}: expected y_true and y_pred of one shape (samples, classes), received {} and {}", where(),
                                 shape_to_string(y_true.shape()), shape_to_string(y_pred.shape())));
  const std::size_t rows = std::size_t(y_pred.dim(0)), classes = std::size_t(y_pred.dim(1));
  const std::size_t kept = options_.average == "micro" ? 1 : classes;
  if (sums().empty()) sums().assign(counts * kept, 0.0);
  else if (sums().size() != counts * kept)
    throw ShapeError(fmt::format("{}: counted {} classes so far, received y_pred of shape {}", where(), sums().size() / counts,
                                 shape_to_string(y_pred.shape())));
  std::vector<double> weights(rows, 1.0);
  if (sample_weight.defined()) {
    // Keras multiplies each row by expand_dims(sample_weight, 1): one weight per sample.
    if (sample_weight.ndim() > 1 || (sample_weight.ndim() == 1 && std::size_t(sample_weight.dim(0)) != rows))
      throw ShapeError(fmt::format("{}: expected one sample weight per sample ({},), received shape {}", where(), rows,
                                   shape_to_string(sample_weight.shape())));
    weights = broadcast_to(sample_weight, {std::int64_t(rows)}).to_vector();
  }
  const auto truth = y_true.to_vector(), prediction = y_pred.to_vector();
  for (std::size_t row = 0; row < rows; ++row) {
    const double* scores = prediction.data() + row * classes;
    // Keras's max propagates NaN, so a row holding one has no positive.
    const bool has_nan = std::any_of(scores, scores + classes, [](double v) { return std::isnan(v); });
    const double largest = classes == 0 || has_nan ? std::nan("") : *std::max_element(scores, scores + classes);
    for (std::size_t c = 0; c < classes; ++c) {
      // Unthresholded: the row's largest is positive, unless it is 0 (so that [0, 0, 0] stays negative).
      const bool positive = options_.threshold ? scores[c] > *options_.threshold : scores[c] >= largest && std::abs(scores[c]) > 1e-9;
      const double label = truth[row * classes + c], w = weights[row], predicted = positive ? 1.0 : 0.0;
      const std::size_t at = kept == 1 ? 0 : c;
      sums()[true_positives * kept + at] += predicted * label * w;
      sums()[false_positives * kept + at] += predicted * (1 - label) * w;
      sums()[false_negatives * kept + at] += (1 - predicted) * label * w;
      sums()[true_labels * kept + at] += label * w;
    }
  }
}

void FBetaScore::size_state(std::size_t size) {
  if (size % counts != 0 || (options_.average == "micro" && size != counts))
    throw_invalid_argument(where(), "state",
                           options_.average == "micro" ? "expected 4 sums (four counts)" : "expected a multiple of 4 sums (four counts per class)",
                           fmt::format("{} sums", size));
  sums().assign(size, 0.0);
}

std::vector<double> FBetaScore::results() const {
  const std::size_t kept = sums().size() / counts;
  const double beta2 = options_.beta * options_.beta;
  std::vector<double> scores(kept);
  double true_label_total = 0;
  for (std::size_t c = 0; c < kept; ++c) {
    const double tp = sums()[true_positives * kept + c];
    const double precision = tp / (tp + sums()[false_positives * kept + c] + keras_epsilon);
    const double recall = tp / (tp + sums()[false_negatives * kept + c] + keras_epsilon);
    scores[c] = precision * recall / (beta2 * precision + recall + keras_epsilon) * (1 + beta2);
    true_label_total += sums()[true_labels * kept + c];
  }
  if (!options_.average) return scores;
  double combined = 0;
  for (std::size_t c = 0; c < kept; ++c)
    combined += *options_.average == "weighted" ? scores[c] * sums()[true_labels * kept + c] / (true_label_total + keras_epsilon)
                                                : scores[c] / double(kept);
  return {kept == 0 ? 0.0 : combined};
}

nlohmann::json FBetaScore::get_config() const {
  auto config = Metric::get_config();
  config["average"] = options_.average ? nlohmann::json(*options_.average) : nlohmann::json(nullptr);
  config["beta"] = options_.beta;
  config["threshold"] = options_.threshold ? nlohmann::json(*options_.threshold) : nlohmann::json(nullptr);
  return config;
}

F1Score::F1Score(F1ScoreOptions options)
    : FBetaScore({.average = std::move(options.average), .beta = 1.0, .threshold = options.threshold, .name = std::move(options.name)},
                 "F1Score") {}

nlohmann::json F1Score::get_config() const {
  auto config = FBetaScore::get_config();
  config.erase("beta");
  return config;
}

}  // namespace minidl::metrics
