#pragma once
// keras.Model: a layer that can be trained. compile() picks the optimizer, loss and metrics;
// fit() runs mini-batch training with a progress display and callbacks; evaluate() and predict()
// run batched inference. A model written as a class derives from Model and track()s its layers.
#include <minidl/layers/layer.hpp>
#include <minidl/losses/losses.hpp>
#include <minidl/metrics/metrics.hpp>
#include <minidl/models/callbacks.hpp>
#include <minidl/optim/optimizer.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace minidl::models {

struct FitOptions {
  std::int64_t batch_size = 32;
  int epochs = 1;
  // 0 silent, 1 a progress bar per epoch (one line per epoch when output is not a terminal), 2 one line per epoch.
  int verbose = 1;
  std::vector<Callback*> callbacks = {};
  // The last fraction of the samples (before shuffling), held out for validation.
  double validation_split = 0.0;
  std::optional<std::pair<Tensor, Tensor>> validation_data = std::nullopt;
  // Shuffle the training samples before each epoch (from the global generator).
  bool shuffle = true;
};

// Per epoch: "loss", each metric's name, and "val_" versions when validating.
struct History {
  std::map<std::string, std::vector<double>> history;
  int epochs() const;
};

class Model : public layers::Layer {
 public:
  // Takes ownership of the optimizer; metrics by Keras name.
  void compile(std::unique_ptr<optim::Optimizer> optimizer, losses::Loss loss, std::vector<std::string> metrics = {});
  History fit(const Tensor& x, const Tensor& y, const FitOptions& options = {});
  // The loss (with regularization, as Keras reports it) and metrics over x, y.
  std::map<std::string, double> evaluate(const Tensor& x, const Tensor& y, std::int64_t batch_size = 32);
  Tensor predict(const Tensor& x, std::int64_t batch_size = 32);

  // Set by callbacks to end fit after the current epoch (or batch, for TerminateOnNaN).
  bool stop_training = false;
  optim::Optimizer& optimizer();

 protected:
  using Layer::Layer;

 private:
  void require_compiled(const char* call) const;
  // One pass over batches; returns the mean loss and metrics (Keras's running means).
  std::map<std::string, double> run_epoch(const Tensor& x, const Tensor& y, std::int64_t batch_size, bool train,
                                          class ProgressBar* progress, const std::vector<Callback*>& callbacks);

  std::unique_ptr<optim::Optimizer> optimizer_;
  std::optional<losses::Loss> loss_;
  std::vector<std::unique_ptr<metrics::Metric>> metrics_;
  bool shuffle_ = true;
};

}  // namespace minidl::models
