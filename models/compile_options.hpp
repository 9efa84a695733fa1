#pragma once
// What compile() takes for a model of one or several outputs, as Keras's compile(loss=...,
// loss_weights=..., metrics=...): one setting for every output, one per output in output order,
// or a dict by output name.
//   model.compile(std::make_unique<optim::Adam>(), {.loss = {{"level", "mse"}, {"sequence", "mae"}},
//                                                    .loss_weights = {{"level", 1.0}, {"sequence", 0.5}},
//                                                    .metrics = {{"level", {"mae"}}, {"sequence", {"mse"}}}});
//   model.compile(std::make_unique<optim::Adam>(), {.loss = "binary_crossentropy",
//                                                    .metrics = {"accuracy", metrics::AUC({.curve = "PR"})}});
#include <minidl/losses/losses.hpp>
#include <minidl/metrics/metric.hpp>

#include <concepts>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace minidl::models {

template <class T>
class PerOutput {
 public:
  PerOutput() = default;
  // The same for every output.
  template <class U>
    requires std::constructible_from<T, U&&> && (!std::same_as<std::remove_cvref_t<U>, PerOutput>)
  PerOutput(U&& every) : every_(T(std::forward<U>(every))) {}
  // One per output, in output order.
  PerOutput(std::initializer_list<T> by_position) : by_position_(std::vector<T>(by_position)) {}
  PerOutput(std::vector<T> by_position) : by_position_(std::move(by_position)) {}
  // By output name; every output must be named.
  PerOutput(std::initializer_list<std::pair<const std::string, T>> by_name) : by_name_(std::map<std::string, T>(by_name)) {}
  PerOutput(std::map<std::string, T> by_name) : by_name_(std::move(by_name)) {}

  bool given() const { return every_ || by_position_ || by_name_; }
  const std::optional<T>& every() const { return every_; }
  const std::optional<std::vector<T>>& by_position() const { return by_position_; }
  const std::optional<std::map<std::string, T>>& by_name() const { return by_name_; }

 private:
  std::optional<T> every_;
  std::optional<std::vector<T>> by_position_;
  std::optional<std::map<std::string, T>> by_name_;
};

// A metric for compile(): a Keras name ("mae", "accuracy", "auc"), or a metric object
// (metrics::Precision({.thresholds = {0.3}})), of which compile() makes a fresh copy.
class MetricSpec {
 public:
  MetricSpec(const char* name) : name_(name) {}
  MetricSpec(std::string name) : name_(std::move(name)) {}
  template <std::derived_from<metrics::Metric> SomeMetric>
  MetricSpec(const SomeMetric& metric)
      : object_(std::make_shared<SomeMetric>(metric)), fresh_copy_([metric] {
          auto copy = std::make_unique<SomeMetric>(metric);
          copy->reset_state();
          return std::unique_ptr<metrics::Metric>(std::move(copy));
        }) {}

  // A fresh metric: by name, or a copy of the object with its state reset.
  std::unique_ptr<metrics::Metric> make() const;
  // As Keras's compile_config keeps it: the name, or the object serialized.
  nlohmann::json config() const;
  static MetricSpec from_config(const nlohmann::json& config);

 private:
  MetricSpec() = default;
  std::string name_;
  std::shared_ptr<const metrics::Metric> object_;
  std::function<std::unique_ptr<metrics::Metric>()> fresh_copy_;
};

// Metrics: a flat list for a model of one output, or a list per output (by position or name).
class OutputMetrics {
 public:
  OutputMetrics() = default;
  OutputMetrics(std::initializer_list<MetricSpec> every) : every_(every) {}
  OutputMetrics(std::vector<MetricSpec> every) : every_(std::move(every)) {}
  OutputMetrics(const std::vector<std::string>& every) : every_(every.begin(), every.end()) {}
  // Write a list of lists with its type, `std::vector<std::vector<std::string>>{{"mae"}, {"mse"}}`:
  // a bare `{{"mae"}, {"mse"}}` is the flat list {"mae", "mse"}.
  OutputMetrics(std::vector<std::vector<MetricSpec>> by_position) : by_position_(std::move(by_position)) {}
  OutputMetrics(const std::vector<std::vector<std::string>>& by_position) : by_position_(std::vector<std::vector<MetricSpec>>()) {
    for (const auto& list : by_position) by_position_->emplace_back(list.begin(), list.end());
  }
  OutputMetrics(std::initializer_list<std::pair<const std::string, std::vector<MetricSpec>>> by_name)
      : by_name_(std::map<std::string, std::vector<MetricSpec>>(by_name)) {}
  OutputMetrics(std::map<std::string, std::vector<MetricSpec>> by_name) : by_name_(std::move(by_name)) {}

  bool empty() const { return every_.empty() && !by_position_ && !by_name_; }
  const std::vector<MetricSpec>& every() const { return every_; }
  const std::optional<std::vector<std::vector<MetricSpec>>>& by_position() const { return by_position_; }
  const std::optional<std::map<std::string, std::vector<MetricSpec>>>& by_name() const { return by_name_; }

 private:
  std::vector<MetricSpec> every_;
  std::optional<std::vector<std::vector<MetricSpec>>> by_position_;
  std::optional<std::map<std::string, std::vector<MetricSpec>>> by_name_;
};

struct CompileOptions {
  // The loss of each output; an empty optional (std::nullopt) leaves an output out of training,
  // as Keras's None. One loss alone applies to every output.
  PerOutput<std::optional<losses::Loss>> loss = {};
  // Each output's loss is multiplied by its weight in the total; unset: 1.
  PerOutput<double> loss_weights = {};
  OutputMetrics metrics = {};
  // Metrics weighted by fit's and evaluate's sample_weight (or class_weight); logged under their
  // names, or "weighted_<name>" where a metric of `metrics` has that name, as Keras.
  OutputMetrics weighted_metrics = {};
};

}  // namespace minidl::models
