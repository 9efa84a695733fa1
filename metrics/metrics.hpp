#pragma once
// Keras 3's metrics (keras/src/metrics/), by class or by the names compile() takes.
#include <minidl/metrics/confusion_metrics.hpp>
#include <minidl/metrics/f_score.hpp>
#include <minidl/metrics/mean_metrics.hpp>
#include <minidl/metrics/metric.hpp>

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string_view>

namespace minidl::metrics {

// By Keras name: "mse", "mae", "rmse", "accuracy"/"acc", "binary_accuracy", "categorical_accuracy",
// "sparse_categorical_accuracy", "precision", "recall", "auc", "f1_score", "f_beta_score" (and the
// long forms), each with its defaults; an unknown name throws listing the known ones.
std::unique_ptr<Metric> get(std::string_view name);

// A metric from Metric::serialize()'s output (as Keras writes a metric object in a compile config).
std::unique_ptr<Metric> deserialize(const nlohmann::json& serialized);

}  // namespace minidl::metrics
