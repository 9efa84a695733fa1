#pragma once
// Keras's metrics over a confusion matrix (keras/src/metrics/confusion_metrics.py): Precision,
// Recall and AUC count true and false positives and negatives at thresholds, weighted by
// sample_weight. A value is predicted positive when it is above the threshold; y_true is
// positive when non-zero.
//   model.compile(std::make_unique<optim::Adam>(), "binary_crossentropy",
//                 {metrics::Precision({.thresholds = {0.3}}), metrics::AUC({.curve = "PR"})});
#include <minidl/metrics/metric.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace minidl::metrics {

struct PrecisionOptions {
  // Values in [0, 1]; one result per threshold. Empty: 0.5, or none with top_k (the top k of
  // each row count as predicted positive).
  std::vector<double> thresholds = {};
  // Only the k largest predictions of each row (along the last axis) can be positive.
  std::optional<std::int64_t> top_k = std::nullopt;
  // Only this column of the last axis is counted.
  std::optional<std::int64_t> class_id = std::nullopt;
  std::string name = "precision";
};

// true positives / (true positives + false positives), 0 when nothing was predicted positive.
class Precision : public Metric {
 public:
  explicit Precision(PrecisionOptions options = {});
  std::vector<double> results() const override;
  std::string class_name() const override { return "Precision"; }
  nlohmann::json get_config() const override;

 protected:
  // Shared with Recall: errors name `class_name`.
  Precision(PrecisionOptions options, const char* class_name);
  void accumulate(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) override;
  static PrecisionOptions validated(PrecisionOptions options, const std::string& class_name);
  PrecisionOptions options_;
  // The thresholds counted at: the options' or the default.
  std::vector<double> thresholds_;
};

struct RecallOptions {
  std::vector<double> thresholds = {};
  std::optional<std::int64_t> top_k = std::nullopt;
  std::optional<std::int64_t> class_id = std::nullopt;
  std::string name = "recall";
};

// true positives / (true positives + false negatives), 0 when no label was positive.
class Recall : public Precision {
 public:
  explicit Recall(RecallOptions options = {});
  std::vector<double> results() const override;
  std::string class_name() const override { return "Recall"; }
};

struct AUCOptions {
  // Thresholds spread evenly over [0, 1] (both ends just outside it); at least 2.
  std::int64_t num_thresholds = 200;
  // "ROC", "PR" or "PRGAIN" (or lower case).
  std::string curve = "ROC";
  // "interpolation" (trapezoids; for PR, Davis and Goadrich's interpolation), "minoring" or
  // "majoring" (rectangles under or over the curve).
  std::string summation_method = "interpolation";
  std::string name = "auc";
  // In [0, 1], in place of num_thresholds' even spread (0 − ε and 1 + ε are added).
  std::vector<double> thresholds = {};
  // Each column of a (samples, labels) prediction has its own curve; the result is their mean,
  // weighted by label_weights when given.
  bool multi_label = false;
  std::optional<std::int64_t> num_labels = std::nullopt;
  // Weights of the labels (columns of the last axis), non-negative.
  std::vector<double> label_weights = {};
  // Predictions are logits (a sigmoid is applied first).
  bool from_logits = false;
};

// The area under the ROC curve (false positive rate, recall), the precision-recall curve, or the
// precision-recall-gain curve, from counts at the thresholds.
class AUC : public Metric {
 public:
  explicit AUC(AUCOptions options = {});
  std::vector<double> results() const override;
  std::string class_name() const override { return "AUC"; }
  nlohmann::json get_config() const override;

 protected:
  void accumulate(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) override;
  // A multi-label AUC not yet sized: the labels from the counts' length.
  void size_state(std::size_t size) override;

 private:
  double interpolated_pr_auc() const;
  // The labels' areas combined: their mean, or weighted by label_weights.
  double combined(const std::vector<double>& by_label) const;
  AUCOptions options_;
  std::vector<double> thresholds_;
  bool evenly_distributed_ = true;
  std::int64_t labels_ = 1;
};

}  // namespace minidl::metrics
