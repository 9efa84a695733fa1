#pragma once
// keras.Model: a layer that can be trained. compile() picks the optimizer, loss and metrics;
// fit() runs mini-batch training with a progress display and callbacks; evaluate() and predict()
// run batched inference. A model written as a class derives from Model and track()s its layers.
#include <minidl/datasets/dataset.hpp>
#include <minidl/layers/layer.hpp>
#include <minidl/losses/losses.hpp>
#include <minidl/metrics/metrics.hpp>
#include <minidl/models/arrays.hpp>
#include <minidl/models/callbacks.hpp>
#include <minidl/models/compile_options.hpp>
#include <minidl/models/distribution.hpp>
#include <minidl/optim/optimizer.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

namespace minidl::models {

// Keras's validation_data: (x, y), each as fit's own x and y, or a dataset of (x, y) batches.
using ValidationData = std::variant<std::pair<Arrays, Arrays>, datasets::Dataset>;

struct FitOptions {
  std::int64_t batch_size = 32;
  int epochs = 1;
  // 0 silent, 1 a progress bar per epoch (one line per epoch when output is not a terminal), 2 one line per epoch.
  int verbose = 1;
  std::vector<Callback*> callbacks = {};
  // The last fraction of the samples (before shuffling), held out for validation; ignored when
  // validation_data is given, as in Keras.
  double validation_split = 0.0;
  // Keras's validation_data: (x, y) tensors, or a dataset of (x, y) batches.
  std::optional<ValidationData> validation_data = std::nullopt;
  // Shuffle the training samples before each epoch (from the global generator).
  bool shuffle = true;
  // The epoch to start at (0-based), as Keras's initial_epoch: epochs before it are taken as done.
  int initial_epoch = 0;
  // Fitting a dataset: batches per epoch, read on from where the last epoch stopped (a dataset
  // that never ends needs it); unset: one whole pass of the dataset per epoch. As Keras 3, a pass
  // that runs out ends its epoch short, with a warning, and the next epoch starts a new one.
  std::optional<std::int64_t> steps_per_epoch = std::nullopt;
  // Batches of a validation dataset per epoch; unset: one whole pass.
  std::optional<std::int64_t> validation_steps = std::nullopt;
  // Keras's sample_weight: a weight per sample ((samples,)) or per value of a temporal output
  // ((samples, steps)) that multiplies its loss and its weighted_metrics; one tensor (for every
  // output when one weight per sample), or one per output by position or name. Split by
  // validation_split as x and y are.
  Arrays sample_weight = {};
  // Keras's class_weight: the weight of each class id (other classes weigh 1), turned into a
  // sample_weight from y (its class ids, or the argmax of one-hot rows). One output only; not
  // with sample_weight.
  std::map<std::int64_t, double> class_weight = {};
  // Trains on several processes at once (distributed::DataParallel, docs/distributed.md): each
  // takes its share of every batch and the gradients are summed between them, so that the same
  // global batches and seed give the weights one process would. Not owned.
  Distribution* distribution = nullptr;
};

struct EvaluateOptions {
  std::int64_t batch_size = 32;
  // As fit's: weighs the loss and the weighted_metrics.
  Arrays sample_weight = {};
};

struct TrainOnBatchOptions {
  Arrays sample_weight = {};
  std::map<std::int64_t, double> class_weight = {};
};

struct TestOnBatchOptions {
  Arrays sample_weight = {};
};

// Per epoch: "loss", each metric's name, and "val_" versions when validating. A model of several
// outputs logs each output's loss as "<output>_loss" (when two or more outputs have a loss) and
// its metrics as "<output>_<metric>", as Keras. A metric of several values (results(): F1Score
// without average, Precision at several thresholds) logs each as "<metric>[<index>]".
struct History {
  std::map<std::string, std::vector<double>> history;
  int epochs() const;
};

// Threads (docs/training.md#threads): predict and evaluate may run on one model from several
// threads at once. fit and train_on_batch train from one thread at a time; while they run, the
// model refuses (StateError) to be trained or used for inference by another thread, as it refuses
// to start training while another thread runs inference on it. The training thread itself, a
// callback calling predict or evaluate, is never refused.
class Model : public layers::Layer {
 public:
  // Takes ownership of the optimizer; metrics by Keras name.
  void compile(std::unique_ptr<optim::Optimizer> optimizer, losses::Loss loss, std::vector<MetricSpec> metrics = {});
  // Per-output losses, loss weights and metrics (compile_options.hpp). Unlike Keras, which trains
  // only the first outputs of a too-short loss list (with a warning) and refuses a flat metrics
  // list only at fit, a list that does not fit the outputs is refused here.
  void compile(std::unique_ptr<optim::Optimizer> optimizer, CompileOptions options);
  History fit(const Arrays& x, const Arrays& y, const FitOptions& options = {});
  // On a dataset of (x, y) batches (datasets/dataset.hpp), each element's x and y in input and output
  // order. The dataset batches and shuffles, so batch_size and shuffle do not apply, and
  // validation_split is refused, as in Keras.
  History fit(const datasets::Dataset& dataset, const FitOptions& options = {});
  // The loss (with regularization, as Keras reports it) and metrics over x, y.
  std::map<std::string, double> evaluate(const Arrays& x, const Arrays& y, const EvaluateOptions& options = {});
  std::map<std::string, double> evaluate(const Arrays& x, const Arrays& y, std::int64_t batch_size);
  // Over `steps` batches of a dataset, or a whole pass.
  std::map<std::string, double> evaluate(const datasets::Dataset& dataset, std::optional<std::int64_t> steps = std::nullopt);
  // Keras's train_on_batch, test_on_batch and predict_on_batch: one step on the whole of x (and
  // y), the metrics reset first; the logs as Keras's return_dict=True gives them.
  std::map<std::string, double> train_on_batch(const Arrays& x, const Arrays& y, const TrainOnBatchOptions& options = {});
  std::map<std::string, double> test_on_batch(const Arrays& x, const Arrays& y, const TestOnBatchOptions& options = {});
  // Every output, in output order.
  std::vector<Tensor> predict_on_batch(const Arrays& x);
  // The output of a model of one output.
  Tensor predict(const Arrays& x, std::int64_t batch_size = 32);
  // Every output, in output order.
  std::vector<Tensor> predict_outputs(const Arrays& x, std::int64_t batch_size = 32);
  // Over `steps` batches of a dataset (their x; any y is not read), or a whole pass.
  Tensor predict(const datasets::Dataset& dataset, std::optional<std::int64_t> steps = std::nullopt);
  std::vector<Tensor> predict_outputs(const datasets::Dataset& dataset, std::optional<std::int64_t> steps = std::nullopt);

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
  // The distribution the running fit trains with, or null: callbacks that write files write them
  // on rank 0 only.
  const Distribution* distribution() const { return distribution_; }
  // Whether this process is rank 0 of the running fit's distribution, or fit runs on one process.
  bool on_rank_zero() const { return !distribution_ || distribution_->rank() == 0; }
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
  struct CompiledMetric {
    std::unique_ptr<metrics::Metric> metric;
    // One of weighted_metrics: given the sample weights.
    bool weighted = false;
    // The name logs use (see compile()).
    std::string log;
  };
  // What compile() set for one output.
  struct CompiledOutput {
    std::string name;
    std::optional<losses::Loss> loss;
    double loss_weight = 1.0;
    std::vector<CompiledMetric> metrics;
    bool needs_targets() const { return loss || !metrics.empty(); }
  };
  void require_compiled(const char* call) const;
  // Held by each fit, train_on_batch, evaluate and predict for its duration: throws StateError
  // when `call` may not run now on this thread (see the class's comment).
  class RunGuard {
   public:
    RunGuard(Model& model, const char* call, bool trains);
    ~RunGuard();
    RunGuard(const RunGuard&) = delete;
    RunGuard& operator=(const RunGuard&) = delete;

   private:
    Model& model_;
    bool trains_;
  };
  // Who runs what on this model, under `mutex`.
  struct Runs {
    std::mutex mutex;
    std::thread::id trainer;
    const char* training = nullptr;  // the trainer's call ("fit"), while training_depth > 0
    int training_depth = 0;
    std::vector<std::pair<std::thread::id, const char*>> inferences;
  };
  Runs runs_;
  // evaluate and test_on_batch on several threads take turns: they share the compiled metrics.
  std::mutex evaluating_;
  // A batch: x in input order, y and the sample weights in output order (undefined where none).
  struct Batch {
    std::vector<Tensor> x, y, sample_weight;
  };
  // x, y and sample weights (from sample_weight or class_weight) in input and output order, checked
  // to hold the same number (at least one) of samples.
  Batch arrays_for(const char* call, const Arrays& x, const Arrays& y, const Arrays& sample_weight = {},
                   const std::map<std::int64_t, double>& class_weight = {}) const;
  // One per output (undefined for none), as Keras's data adapters make them.
  std::vector<Tensor> sample_weights_for(const char* call, const Arrays& sample_weight, const std::map<std::int64_t, double>& class_weight,
                                         const std::vector<Tensor>& ys) const;
  Tensor class_weights_as_sample_weights(const Tensor& y, const std::map<std::int64_t, double>& class_weight) const;
  // An epoch's batches, one per call, then nothing.
  using BatchSource = std::function<std::optional<Batch>()>;
  // What fit trains and validates on: a fresh source per epoch (the validation one may be empty).
  struct EpochSources {
    std::function<BatchSource()> training;
    // Batches per epoch, for the progress bar; 0 when unknown.
    std::int64_t training_steps = 0;
    std::function<BatchSource()> validation;
    // The first batch's x, to build the model on before the callbacks begin (so that an input the
    // model refuses is named by the shape fit calls it with).
    std::function<std::vector<Tensor>()> first_batch;
    // With a distribution: whether each process takes its share of the batches (see
    // Distribution::shards_datasets), or the batches are its share already.
    bool split_training = true;
    bool split_validation = true;
  };
  // The epochs of fit, over arrays or a dataset.
  History run_fit(const EpochSources& sources, const FitOptions& options);
  // One pass over batches; returns the mean loss and metrics (Keras's running means).
  // Under a distribution (fit's, never evaluate's) each process takes its share of the batches
  // when split_batches, and the gradients and logs are summed between the processes.
  // `call` names the step in errors a loss or metric raises ("fit", "fit's validation", ...).
  std::map<std::string, double> run_epoch(std::string_view call, const BatchSource& next_batch, bool train, class ProgressBar* progress,
                                          const std::vector<Callback*>& callbacks, Distribution* distribution = nullptr,
                                          bool split_batches = true);
  // What must be the same on every process of a distributed fit, a line each: the weights'
  // shapes and dtypes, the compile settings, fit's options and the distribution's settings.
  std::vector<std::string> fit_signature(const FitOptions& options) const;
  // Batches of the arrays in order (or shuffled when training with shuffle on).
  BatchSource array_batches(const Batch& arrays, std::int64_t batch_size, bool shuffle) const;
  // An element of a dataset as a batch for `call`, checked against the model's inputs and outputs.
  Batch checked_batch(datasets::Element element, const char* call, bool targets_needed) const;
  // A fresh pass of `dataset` per call, at most `steps` batches of it, each checked for `call`.
  std::function<BatchSource()> dataset_batches(const datasets::Dataset& dataset, std::optional<std::int64_t> steps, const char* call,
                                               bool targets_needed = true) const;
  // `steps` batches per call, reading on where the last call stopped, as Keras's epoch iterator
  // does with steps_per_epoch: a pass that ends within a call ends that call short, with a
  // warning, and the next call starts a new pass, as does a call after a pass read to its end.
  std::function<BatchSource()> batches_reading_on(const datasets::Dataset& dataset, std::int64_t steps, const char* call) const;
  // Whether fit splits the validation batches between processes (see EpochSources).
  static bool splits_validation(const FitOptions& options);
  // fit's validation batches from options.validation_data (tensors or a dataset), checked.
  std::function<BatchSource()> validation_batches(const FitOptions& options) const;

  std::unique_ptr<optim::Optimizer> optimizer_;
  Distribution* distribution_ = nullptr;
  std::vector<CompiledOutput> compiled_outputs_;
  CompileOptions compile_options_;
};

}  // namespace minidl::models
