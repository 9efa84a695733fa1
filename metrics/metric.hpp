#pragma once
// keras.metrics.Metric: update_state() adds a batch, result() reads the running value,
// reset_state() starts over. A metric's whole state is a list of running sums, so that the states
// of several processes add up (distributed::DataParallel).
#include <minidl/core/tensor.hpp>

#include <cstddef>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace minidl::metrics {

class Metric {
 public:
  virtual ~Metric() = default;
  // Adds a batch; nothing is differentiated. sample_weight (optional) weighs the samples, or each
  // value, broadcast as Keras broadcasts it; a mask on y_pred weighs them too where Keras's metric
  // honours masks.
  void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor());
  // The running value. A metric of several values (see results()) refuses, naming itself.
  double result() const;
  // Every value of the result: one, or one per threshold (Precision and Recall given several) or
  // per class (FBetaScore and F1Score without `average`).
  virtual std::vector<double> results() const = 0;
  void reset_state();
  const std::string& name() const { return name_; }

  // Keras's class name ("Precision") and get_config() ({"name", "dtype", ...}).
  virtual std::string class_name() const = 0;
  virtual nlohmann::json get_config() const;
  // As Keras serializes a metric object: {"module", "class_name", "config", "registered_name"}.
  nlohmann::json serialize() const;

  // The running sums the result is read from.
  using State = std::vector<double>;
  const State& state() const { return sums_; }
  // Sums of the same length as state(), or while state() is empty (a metric that sizes its state
  // on its first batch, as FBetaScore on the classes) of a length that fits some input.
  void set_state(State state);

 protected:
  // Keras's backend.epsilon(), which its metric formulas add to denominators.
  static constexpr double keras_epsilon = 1e-7;
  Metric(std::string name, std::size_t state_size);
  // Adds a batch to sums(): the tensors are detached, y_pred keeps its mask, sample_weight may be
  // undefined.
  virtual void accumulate(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) = 0;
  // Sizes an empty state for set_state(): refuses a size no input would give. By default every
  // size is refused (a metric sized from its construction is never empty).
  virtual void size_state(std::size_t size);
  std::vector<double>& sums() { return sums_; }
  const std::vector<double>& sums() const { return sums_; }
  // Where the metric's messages start: "Precision 'precision'".
  std::string where() const;

 private:
  std::string name_;
  State sums_;
};

}  // namespace minidl::metrics
