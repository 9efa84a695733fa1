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
  // The epoch to start at (0-based), as Keras's initial_epoch: epochs before it are taken as done.
  int initial_epoch = 0;
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

  // Keras's summary table (as Keras prints it 76 columns wide): each layer's name and class, output
  // shape and parameter count, then the totals with their size in memory. The model must be built
  // (for a model class: called once).
  std::string summary() const;

  // Set by callbacks to end fit after the current epoch (or batch, for TerminateOnNaN).
  bool stop_training = false;
  // Set by BackupAndRestore when fit begins: the epoch the restored run goes on from, in place of
  // FitOptions::initial_epoch (Keras's model._initial_epoch).
  std::optional<int> restored_epoch;
  optim::Optimizer& optimizer();
  const optim::Optimizer& optimizer() const;
  bool compiled() const { return optimizer_ && loss_; }
  // Keras's compile_config: the optimizer and loss serialized, the metric names; null before
  // compile(). A loss given as a function serializes as null.
  nlohmann::json compile_config() const;

 protected:
  using Layer::Layer;
  struct SummaryRow {
    const layers::Layer* layer;
    std::optional<Shape> output_shape;
  };
  // The layers summary() lists: by default the tracked sublayers with the output shapes of their
  // latest calls.
  virtual std::vector<SummaryRow> summary_rows() const;

 private:
  void require_compiled(const char* call) const;
  // Throws unless x and y hold the same number (at least one) of samples.
  void require_samples(const char* call, const Tensor& x, const Tensor& y) const;
  // One pass over batches; returns the mean loss and metrics (Keras's running means).
  std::map<std::string, double> run_epoch(const Tensor& x, const Tensor& y, std::int64_t batch_size, bool train,
                                          class ProgressBar* progress, const std::vector<Callback*>& callbacks);

  std::unique_ptr<optim::Optimizer> optimizer_;
  std::optional<losses::Loss> loss_;
  std::vector<std::unique_ptr<metrics::Metric>> metrics_;
  std::vector<std::string> metric_names_;
  bool shuffle_ = true;
};

}  // namespace minidl::models
