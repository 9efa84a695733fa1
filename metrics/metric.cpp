#include <minidl/metrics/metric.hpp>

#include <minidl/autograd/grad_mode.hpp>
#include <minidl/core/errors.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::metrics {

Metric::Metric(std::string name, std::size_t state_size) : name_(std::move(name)), sums_(state_size, 0.0) {}

std::string Metric::where() const { return fmt::format("{} '{}'", class_name(), name_); }

void Metric::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
  NoGradGuard no_grad;
  if (!y_true.defined() || !y_pred.defined())
    throw_invalid_argument(where(), y_true.defined() ? "y_pred" : "y_true", "expected a tensor", "an undefined tensor");
  Tensor prediction = y_pred.detach();
  prediction.set_keras_mask(y_pred.keras_mask());
  accumulate(y_true.detach(), prediction, sample_weight.defined() ? sample_weight.detach() : Tensor());
}

double Metric::result() const {
  const auto values = results();
  if (values.size() != 1)
    throw StateError(fmt::format("{}: result() gives one value, and this metric has {} (one per threshold or class): read results()",
                                 where(), values.size()));
  return values[0];
}

void Metric::reset_state() { std::fill(sums_.begin(), sums_.end(), 0.0); }

void Metric::set_state(State state) {
  if (sums_.empty() && !state.empty()) size_state(state.size());
  if (state.size() != sums_.size())
    throw_invalid_argument(where(), "state", fmt::format("expected {} sums", sums_.size()), fmt::format("{} sums", state.size()));
  sums_ = std::move(state);
}

void Metric::size_state(std::size_t size) {
  throw_invalid_argument(where(), "state", fmt::format("expected {} sums", sums_.size()), fmt::format("{} sums", size));
}

nlohmann::json Metric::get_config() const { return {{"name", name_}, {"dtype", "float32"}}; }

nlohmann::json Metric::serialize() const {
  return {{"module", "keras.metrics"}, {"class_name", class_name()}, {"config", get_config()}, {"registered_name", nullptr}};
}

}  // namespace minidl::metrics
