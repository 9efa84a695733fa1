#pragma once
// Keras's FBetaScore and F1Score (keras/src/metrics/f_score_metrics.py) over (samples, classes):
// per class, (1 + β²) · precision · recall / (β² · precision + recall), from true and false
// positives and false negatives summed over every batch, weighted by sample_weight (samples,).
//   metrics::F1Score f1({.average = "macro", .threshold = 0.5});
#include <minidl/metrics/metric.hpp>

#include <optional>
#include <string>
#include <vector>

namespace minidl::metrics {

struct FBetaScoreOptions {
  // Unset: one score per class (results()). "micro": one score from the counts of every class
  // together; "macro": the mean of the classes' scores; "weighted": their mean weighted by each
  // class's (weighted) count of true labels.
  std::optional<std::string> average = std::nullopt;
  // How much more recall weighs than precision; positive.
  double beta = 1.0;
  // In (0, 1]: a prediction above it is positive. Unset: the largest of each row is (unless 0).
  std::optional<double> threshold = std::nullopt;
  std::string name = "fbeta_score";
};

class FBetaScore : public Metric {
 public:
  explicit FBetaScore(FBetaScoreOptions options = {});
  std::vector<double> results() const override;
  std::string class_name() const override { return "FBetaScore"; }
  nlohmann::json get_config() const override;

 protected:
  FBetaScore(FBetaScoreOptions options, const char* class_name);
  void accumulate(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) override;
  // Not yet sized: four counts per class (or four in all for "micro").
  void size_state(std::size_t size) override;
  FBetaScoreOptions options_;
};

struct F1ScoreOptions {
  std::optional<std::string> average = std::nullopt;
  std::optional<double> threshold = std::nullopt;
  std::string name = "f1_score";
};

// FBetaScore with β = 1: the harmonic mean of precision and recall.
class F1Score : public FBetaScore {
 public:
  explicit F1Score(F1ScoreOptions options = {});
  std::string class_name() const override { return "F1Score"; }
  nlohmann::json get_config() const override;
};

}  // namespace minidl::metrics
