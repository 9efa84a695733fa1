#pragma once
// Keras 3's stateful metrics (keras/src/metrics/): update_state() accumulates over batches,
// result() reads the running value, reset_state() starts over. Each is the mean of its per-sample
// values over every sample seen (RootMeanSquaredError: the square root of that mean).
#include <minidl/core/tensor.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace minidl::metrics {

class Metric {
 public:
  virtual ~Metric() = default;
  // Adds a batch. y_pred and y_true are not differentiated.
  void update_state(const Tensor& y_true, const Tensor& y_pred);
  virtual double result() const;
  void reset_state();
  const std::string& name() const { return name_; }
  // The running sums the result is read from, for adding up the states of several processes
  // (distributed::DataParallel).
  struct State {
    double total = 0.0;
    double count = 0.0;
  };
  State state() const { return {total_, count_}; }
  void set_state(State state) {
    total_ = state.total;
    count_ = state.count;
  }

 protected:
  explicit Metric(std::string name) : name_(std::move(name)) {}
  // One value per sample (the last axis reduced where Keras reduces it).
  virtual Tensor values(const Tensor& y_true, const Tensor& y_pred) const = 0;
  // Whether a mask on the prediction weighs the values (Keras's MeanMetricWrapper metrics).
  virtual bool honours_mask() const { return true; }
  double mean() const { return count_ == 0 ? 0.0 : total_ / count_; }

 private:
  std::string name_;
  double total_ = 0.0;
  double count_ = 0.0;
};

class MeanSquaredError : public Metric {
 public:
  explicit MeanSquaredError(std::string name = "mean_squared_error") : Metric(std::move(name)) {}
 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

class MeanAbsoluteError : public Metric {
 public:
  explicit MeanAbsoluteError(std::string name = "mean_absolute_error") : Metric(std::move(name)) {}
 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

class RootMeanSquaredError : public Metric {
 public:
  explicit RootMeanSquaredError(std::string name = "root_mean_squared_error") : Metric(std::move(name)) {}
  double result() const override;
 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
  // Keras's RootMeanSquaredError is a plain Mean of squared errors, which leaves masks aside.
  bool honours_mask() const override { return false; }
};

// 1 where y_pred equals y_true exactly.
class Accuracy : public Metric {
 public:
  explicit Accuracy(std::string name = "accuracy") : Metric(std::move(name)) {}
 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

// 1 where (y_pred > threshold) equals y_true.
class BinaryAccuracy : public Metric {
 public:
  explicit BinaryAccuracy(double threshold = 0.5, std::string name = "binary_accuracy")
      : Metric(std::move(name)), threshold_(threshold) {}
 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
 private:
  double threshold_;
};

// 1 where argmax(y_pred) equals argmax(y_true) along the last axis.
class CategoricalAccuracy : public Metric {
 public:
  explicit CategoricalAccuracy(std::string name = "categorical_accuracy") : Metric(std::move(name)) {}
 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

// 1 where argmax(y_pred) along the last axis equals the class id in y_true.
class SparseCategoricalAccuracy : public Metric {
 public:
  explicit SparseCategoricalAccuracy(std::string name = "sparse_categorical_accuracy") : Metric(std::move(name)) {}
 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

// What the name "accuracy" (or "acc") means in Keras's compile: BinaryAccuracy (threshold 0.5)
// when y_pred has one value per sample, SparseCategoricalAccuracy when y_true holds class labels
// (a rank less than y_pred, or a last extent of 1 against several classes), CategoricalAccuracy
// otherwise. (The class Accuracy, exact equality, is Keras's keras.metrics.Accuracy.)
class CompileAccuracy : public Metric {
 public:
  explicit CompileAccuracy(std::string name = "accuracy") : Metric(std::move(name)) {}
 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

// By Keras name: "mse", "mae", "rmse", "accuracy"/"acc", "binary_accuracy", "categorical_accuracy",
// "sparse_categorical_accuracy" (and the long forms); an unknown name throws listing the known ones.
std::unique_ptr<Metric> get(std::string_view name);

}  // namespace minidl::metrics
