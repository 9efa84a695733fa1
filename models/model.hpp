#pragma once
// keras.Model: a layer that can be trained. compile() picks the optimizer, loss and metrics;
// fit() runs mini-batch training with a progress display and callbacks; evaluate() and predict()
// run batched inference. A model written as a class derives from Model and track()s its layers.
#include <minidl/layers/layer.hpp>
#include <minidl/losses/losses.hpp>
#include <minidl/metrics/metrics.hpp>
#include <minidl/models/arrays.hpp>
#include <minidl/models/callbacks.hpp>
#include <minidl/models/compile_options.hpp>
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
  // Keras's validation_data: (x, y), each as fit's own x and y.
  std::optional<std::pair<Arrays, Arrays>> validation_data = std::nullopt;
  // Shuffle the training samples before each epoch (from the global generator).
  bool shuffle = true;
  // The epoch to start at (0-based), as Keras's initial_epoch: epochs before it are taken as done.
  int initial_epoch = 0;
};

// Per epoch: "loss", each metric's name, and "val_" versions when validating. A model of several
// outputs logs each output's loss as "<output>_loss" (when two or more outputs have a loss) and
// its metrics as "<output>_<metric>", as Keras.
struct History {
  std::map<std::string, std::vector<double>> history;
  int epochs() const;
};

class Model : public layers::Layer {
 public:
  // Takes ownership of the optimizer; metrics by Keras name.
  void compile(std::unique_ptr<optim::Optimizer> optimizer, losses::Loss loss, std::vector<std::string> metrics = {});
  // Per-output losses, loss weights and metrics (compile_options.hpp). Unlike Keras, which trains
  // only the first outputs of a too-short loss list (with a warning) and refuses a flat metrics
  // list only at fit, a list that does not fit the outputs is refused here.
  void compile(std::unique_ptr<optim::Optimizer> optimizer, CompileOptions options);
  History fit(const Arrays& x, const Arrays& y, const FitOptions& options = {});
  // The loss (with regularization, as Keras reports it) and metrics over x, y.
  std::map<std::string, double> evaluate(const Arrays& x, const Arrays& y, std::int64_t batch_size = 32);
  // The output of a model of one output.
  Tensor predict(const Arrays& x, std::int64_t batch_size = 32);
  // Every output, in output order.
  std::vector<Tensor> predict_outputs(const Arrays& x, std::int64_t batch_size = 32);

  // The names x and y may be keyed by: Keras's input names and output names (a functional
  // model's input and output layers). A model class has one of each: "input_layer" and its name.
  virtual std::vector<std::string> input_names() const;
  virtual std::vector<std::string> output_names() const;
  // The model on one tensor per input, every output: call() for one input, call_node() for more.
  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, bool training = false);

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
  bool compiled() const { return optimizer_ && !compiled_outputs_.empty(); }
  // Keras's compile_config: the optimizer and loss serialized, the metric names (and the loss
  // weights when given), each in the form compile() received; null before compile(). A loss given
  // as a function serializes as null.
  nlohmann::json compile_config() const;
  // The layer's serialized form and Keras's compile_config ({} before compile()).
  nlohmann::json serialized() const override;
  // compile()'s options read back from compile_config()'s "loss", "loss_weights" and "metrics".
  static CompileOptions compile_options_from_config(const nlohmann::json& config);

 protected:
  using Layer::Layer;
  struct SummaryRow {
    const layers::Layer* layer;
    std::optional<Shape> output_shape;
  };
  // The layers summary() lists: by default the tracked sublayers with the output shapes of their
  // latest calls.
  virtual std::vector<SummaryRow> summary_rows() const;
  // The table of summary(), between its title and its totals: by default summary_rows() in
  // Keras's three columns.
  virtual std::string summary_table() const;

 private:
  // What compile() set for one output.
  struct CompiledOutput {
    std::string name;
    std::optional<losses::Loss> loss;
    double loss_weight = 1.0;
    std::vector<std::unique_ptr<metrics::Metric>> metrics;
    // The names logs use: the metric's, prefixed with the output's where there are several.
    std::vector<std::string> metric_logs;
    bool needs_targets() const { return loss || !metrics.empty(); }
  };
  void require_compiled(const char* call) const;
  // x and y in input and output order, checked to hold the same number (at least one) of samples.
  std::pair<std::vector<Tensor>, std::vector<Tensor>> arrays_for(const char* call, const Arrays& x, const Arrays& y) const;
  // One pass over batches; returns the mean loss and metrics (Keras's running means).
  std::map<std::string, double> run_epoch(const std::vector<Tensor>& x, const std::vector<Tensor>& y,
                                          std::int64_t batch_size, bool train, class ProgressBar* progress,
                                          const std::vector<Callback*>& callbacks);

  std::unique_ptr<optim::Optimizer> optimizer_;
  std::vector<CompiledOutput> compiled_outputs_;
  CompileOptions compile_options_;
  bool shuffle_ = true;
};

}  // namespace minidl::models
