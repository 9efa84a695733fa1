#pragma once
// Keras's update_confusion_matrix_variables (keras/src/metrics/metrics_utils.py), for Precision,
// Recall and AUC: weighted counts of true and false positives and negatives at each threshold.
#include <minidl/core/tensor.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace minidl::metrics::confusion {

// The counts of `labels` columns at `thresholds` thresholds, each [threshold][label], one after
// another in a metric's sums: true positives, false positives, true negatives, false negatives.
enum Count : std::size_t { true_positives = 0, false_positives = 1, true_negatives = 2, false_negatives = 3 };
inline std::size_t state_size(std::size_t thresholds, std::size_t labels) { return 4 * thresholds * labels; }

// Where Keras's top_k metrics put the predictions outside a row's top k, and their threshold:
// below every kept prediction.
inline constexpr double below_kept_predictions = -1e10;

struct Settings {
  // In any order; the counts follow it.
  std::vector<double> thresholds;
  // Keras's thresholds_distributed_evenly: a prediction's bucket is computed, not searched, as
  // Keras does: from the prediction clipped to [0, 1] (so one at or below 0 counts as above a
  // lowest threshold below 0).
  bool evenly_distributed = false;
  std::optional<std::int64_t> top_k;
  std::optional<std::int64_t> class_id;
  // Multiplies the weight of each column of the last axis (not with multi_label).
  std::vector<double> label_weights;
  // Counts each column of a rank-2 prediction apart; otherwise every value is counted together.
  bool multi_label = false;
};

// Keras's is_evenly_distributed_thresholds: at least 3, each within 1e-7 of i / (n − 1).
bool evenly_distributed(const std::vector<double>& thresholds);

// The columns a batch is counted in: 1, or with multi_label the extent of y_pred's last axis
// (refused unless y_pred has rank 2). `where` names the metric in errors.
std::int64_t labels_of(const Tensor& y_pred, const Settings& settings, const std::string& where);

// Adds the batch's counts to `sums` (sized by state_size for settings.thresholds and `labels`).
void add(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight, const Settings& settings, std::int64_t labels,
         std::vector<double>& sums, const std::string& where);

// a / b, or 0 where b is 0 (Keras's divide_no_nan).
inline double divide_no_nan(double a, double b) { return b == 0 ? 0.0 : a / b; }

}  // namespace minidl::metrics::confusion
