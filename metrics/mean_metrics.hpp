#pragma once
// Keras's metrics that are a running mean of per-sample values (keras/src/metrics/
// regression_metrics.py, accuracy_metrics.py): MeanMetricWrapper over a function, weighed by
// sample_weight and by a mask on the prediction (RootMeanSquaredError: the square root of that mean).
#include <minidl/metrics/metric.hpp>

#include <string>

namespace minidl::metrics {

class MeanMetric : public Metric {
 public:
  std::vector<double> results() const override;

 protected:
  explicit MeanMetric(std::string name) : Metric(std::move(name), 2) {}
  // One value per sample, or per value (the last axis reduced where Keras reduces it).
  virtual Tensor values(const Tensor& y_true, const Tensor& y_pred) const = 0;
  // Whether a mask on the prediction weighs the values (Keras's MeanMetricWrapper metrics).
  virtual bool honours_mask() const { return true; }
  double mean() const;

 private:
  void accumulate(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) final;
};

class MeanSquaredError : public MeanMetric {
 public:
  explicit MeanSquaredError(std::string name = "mean_squared_error") : MeanMetric(std::move(name)) {}
  std::string class_name() const override { return "MeanSquaredError"; }
 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

class MeanAbsoluteError : public MeanMetric {
 public:
  explicit MeanAbsoluteError(std::string name = "mean_absolute_error") : MeanMetric(std::move(name)) {}
  std::string class_name() const override { return "MeanAbsoluteError"; }
 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

class RootMeanSquaredError : public MeanMetric {
 public:
  explicit RootMeanSquaredError(std::string name = "root_mean_squared_error") : MeanMetric(std::move(name)) {}
  std::string class_name() const override { return "RootMeanSquaredError"; }
  std::vector<double> results() const override;
 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
  // Keras's RootMeanSquaredError is a plain Mean of squared errors, which leaves masks aside.
  bool honours_mask() const override { return false; }
};

// 1 where y_pred equals y_true exactly.
class Accuracy : public MeanMetric {
 public:
  explicit Accuracy(std::string name = "accuracy") : MeanMetric(std::move(name)) {}
  std::string class_name() const override { return "Accuracy"; }
 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

// 1 where (y_pred > threshold) equals y_true.
class BinaryAccuracy : public MeanMetric {
 public:
  explicit BinaryAccuracy(double threshold = 0.5, std::string name = "binary_accuracy")
      : MeanMetric(std::move(name)), threshold_(threshold) {}
  std::string class_name() const override { return "BinaryAccuracy"; }
  nlohmann::json get_config() const override;
 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
 private:
  double threshold_;
};

// 1 where argmax(y_pred) equals argmax(y_true) along the last axis.
class CategoricalAccuracy : public MeanMetric {
 public:
  explicit CategoricalAccuracy(std::string name = "categorical_accuracy") : MeanMetric(std::move(name)) {}
  std::string class_name() const override { return "CategoricalAccuracy"; }
 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

// 1 where argmax(y_pred) along the last axis equals the class id in y_true.
class SparseCategoricalAccuracy : public MeanMetric {
 public:
  explicit SparseCategoricalAccuracy(std::string name = "sparse_categorical_accuracy") : MeanMetric(std::move(name)) {}
  std::string class_name() const override { return "SparseCategoricalAccuracy"; }
 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

// What the name "accuracy" (or "acc") means in Keras's compile: BinaryAccuracy (threshold 0.5)
// when y_pred has one value per sample, SparseCategoricalAccuracy when y_true holds class labels
// (a rank less than y_pred, or a last extent of 1 against several classes), CategoricalAccuracy
// otherwise. (The class Accuracy, exact equality, is Keras's keras.metrics.Accuracy.) Not a Keras
// class: Keras resolves the name when compiled, so a compile config keeps the name.
class CompileAccuracy : public MeanMetric {
 public:
  explicit CompileAccuracy(std::string name = "accuracy") : MeanMetric(std::move(name)) {}
  std::string class_name() const override { return "CompileAccuracy"; }
 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

}  // namespace minidl::metrics
