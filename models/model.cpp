#include <minidl/models/model.hpp>

#include <minidl/autograd/grad_mode.hpp>
#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/core/random.hpp>
#include <minidl/layers/serialization.hpp>
#include <minidl/models/distributed_fit.hpp>
#include <minidl/models/functional.hpp>
#include <minidl/models/progress.hpp>
#include <minidl/models/sequential.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <numeric>
#include <span>

namespace minidl::models {

namespace {

// Runs `step`; an error it raises about its arguments is raised again with what raised it in
// front (`context()`: the model, the call, the loss or metric), as a loss or metric knows
// neither. Returns what `step` returns.
template <class Step, class Context>
decltype(auto) naming_what_failed(Step&& step, Context&& context) {
  try {
    return step();
  } catch (const ShapeError& error) {
    throw ShapeError(fmt::format("{}: {}", context(), error.what()));
  } catch (const InvalidArgument& error) {
    throw InvalidArgument(fmt::format("{}: {}", context(), error.what()));
  }
}

// Rows `order[begin, end)` of x, copied into a new tensor.
Tensor rows(const Tensor& x, const std::vector<std::int64_t>& order, std::int64_t begin, std::int64_t end) {
  Shape shape = x.shape();
  shape[0] = end - begin;
  Tensor out = Tensor::empty(shape, x.dtype());
  const Tensor packed = x.contiguous();
  const std::int64_t row = x.shape()[0] == 0 ? 0 : x.size() / x.shape()[0];
  dispatch(x.dtype(), [&]<class T>() {
    for (std::int64_t i = begin; i < end; ++i)
      std::memcpy(out.data<T>() + (i - begin) * row, packed.data<T>() + order[i] * row, std::size_t(row) * sizeof(T));
  });
  return out;
}

// Batches of `batch_size` over `samples`, the last one short; without the overflow of rounding up.
std::int64_t batch_count(std::int64_t samples, std::int64_t batch_size) {
  return samples / batch_size + (samples % batch_size != 0);
}

std::vector<std::int64_t> identity_order(std::int64_t n) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  return order;
}

// Models are layers too: deserialize() builds them by class name (nested in a config, or a
// whole saved model).
const bool model_classes_registered = [] {
  layers::register_layer("Sequential", [](const nlohmann::json& config) -> std::unique_ptr<layers::Layer> {
    return Sequential::from_config(config);
  });
  layers::register_layer("Functional", [](const nlohmann::json& config) -> std::unique_ptr<layers::Layer> {
    return Functional::from_config(config);
  });
  return true;
}();

}  // namespace

int History::epochs() const { return history.empty() ? 0 : int(history.begin()->second.size()); }

std::vector<std::string> Model::input_names() const { return {"input_layer"}; }
std::vector<std::string> Model::output_names() const { return {name()}; }

std::vector<Tensor> Model::forward(const std::vector<Tensor>& inputs, bool training) {
  return call_node(inputs, inputs.size() != 1, training);
}

optim::Optimizer& Model::optimizer() {
  require_compiled("optimizer");
  return *optimizer_;
}

const optim::Optimizer& Model::optimizer() const {
  require_compiled("optimizer");
  return *optimizer_;
}

void Model::require_compiled(const char* call) const {
  if (!compiled())
    throw StateError(fmt::format("{}: {}() needs compile(optimizer, loss) first", where(), call));
}

Model::RunGuard::RunGuard(Model& model, const char* call, bool trains) : model_(model), trains_(trains) {
  Runs& runs = model.runs_;
  const auto self = std::this_thread::get_id();
  const std::lock_guard lock(runs.mutex);
  // Training changes the weights under any other thread's call, and its optimizer and metrics
  // are one model's; inference alone changes nothing.
  const char* running = nullptr;
  if (runs.training_depth > 0 && runs.trainer != self) running = runs.training;
  else if (trains) {
    const auto other = std::find_if(runs.inferences.begin(), runs.inferences.end(), [&](const auto& inference) { return inference.first != self; });
    if (other != runs.inferences.end()) running = other->second;
  }
  if (running)
    throw StateError(fmt::format("{}: {} is already running on another thread; {} cannot run until it ends (a model trains on one "
                                 "thread at a time, and no other thread uses it meanwhile: docs/training.md#threads)",
                                 model.where(), running, call));
  if (!trains) runs.inferences.emplace_back(self, call);
  else if (runs.training_depth++ == 0) {
    runs.trainer = self;
    runs.training = call;
  }
}

Model::RunGuard::~RunGuard() {
  Runs& runs = model_.runs_;
  const std::lock_guard lock(runs.mutex);
  if (trains_) {
    --runs.training_depth;
    return;
  }
  const auto self = std::this_thread::get_id();
  const auto mine = std::find_if(runs.inferences.rbegin(), runs.inferences.rend(), [&](const auto& inference) { return inference.first == self; });
  runs.inferences.erase(std::next(mine).base());
}

Model::BatchSource Model::array_batches(const Batch& arrays, std::int64_t batch_size, bool shuffle) const {
  const std::int64_t samples = arrays.x[0].shape()[0];
  auto order = std::make_shared<std::vector<std::int64_t>>(identity_order(samples));
  if (shuffle) {
    Generator& generator = global_generator();
    const auto held = generator.lock();
    for (std::int64_t i = samples - 1; i > 0; --i)
      std::swap((*order)[i], (*order)[static_cast<std::int64_t>(generator.next() % std::uint64_t(i + 1))]);
  }
  return [arrays, batch_size, samples, order, begin = std::int64_t{0}]() mutable -> std::optional<Batch> {
    if (begin >= samples) return std::nullopt;
    const std::int64_t end = begin + std::min(batch_size, samples - begin);
    const auto cut = [&](const std::vector<Tensor>& tensors) {
      std::vector<Tensor> parts;
      for (const auto& tensor : tensors) parts.push_back(tensor.defined() ? rows(tensor, *order, begin, end) : Tensor());
      return parts;
    };
    Batch batch{cut(arrays.x), cut(arrays.y), cut(arrays.sample_weight)};
    begin = end;
    return batch;
  };
}

std::map<std::string, double> Model::run_epoch(std::string_view call, const BatchSource& next_batch, bool train, ProgressBar* progress,
                                               const std::vector<Callback*>& callbacks, Distribution* distribution, bool split_batches) {
  std::size_t loss_count = 0;
  for (auto& output : compiled_outputs_) {
    for (auto& compiled : output.metrics) compiled.metric->reset_state();
    loss_count += output.loss.has_value();
  }
  // Keras logs each output's loss when more than one output has one.
  const bool log_output_losses = loss_count > 1;
  std::vector<double> output_loss_totals(compiled_outputs_.size(), 0.0);
  double loss_total = 0.0, seen = 0.0;
  std::map<std::string, double> logs;
  // Under a distribution a rank whose batches ran out goes on without samples while others have
  // some; its source is not asked again (a dataset read on would warn again, or start a new pass).
  bool exhausted = false;
  bool metric_sizes_agreed = false;
  for (std::int64_t step = 0;; ++step) {
    std::optional<Batch> batch;
    if (!exhausted) batch = next_batch();
    exhausted = !batch;
    if (batch && distribution && split_batches) {
      const std::int64_t rows = batch->x[0].dim(0);
      batch = Batch{distributed_fit::shard(batch->x, rows, *distribution), distributed_fit::shard(batch->y, rows, *distribution),
                    distributed_fit::shard(batch->sample_weight, rows, *distribution)};
    }
    const double samples = batch ? double(batch->x[0].dim(0)) : 0.0;
    // Under a distribution the epoch goes on while any process has samples; one without any this
    // step still takes part in every reduction.
    double all_samples = samples;
    if (distribution) distribution->sum(std::span(&all_samples, 1));
    if (distribution ? all_samples == 0 : !batch) break;
    if (samples == 0 && distribution) batch.reset();
    if (train)
      for (auto* callback : callbacks) callback->on_train_batch_begin(*this, int(step));
    std::optional<NoGradGuard> inference;
    if (!train) inference.emplace();
    std::vector<Tensor> predictions;
    Tensor loss;
    // This step's sums, in order: samples, loss × samples, each output's loss × samples, each
    // metric's state increments; summed over the processes under a distribution.
    std::vector<double> sums(2 + compiled_outputs_.size(), 0.0);
    sums[0] = samples;
    if (batch) {
      predictions = forward(batch->x, train);
      if (predictions.size() != compiled_outputs_.size())
        throw StateError(fmt::format("{}: the model gave {} outputs for {} compiled ones", where(), predictions.size(),
                                     compiled_outputs_.size()));
    }
    // A masked loss is a mean over each shard's kept values, which the shares of samples the
    // processes weigh their gradients by do not average. Every process asks, so that all refuse.
    if (distribution) {
      bool masked = false;
      for (const auto& prediction : predictions) masked = masked || prediction.keras_mask().defined();
      if (distributed_fit::any(*distribution, masked))
        throw InvalidArgument(fmt::format("{}: an output carries a mask (a Masking layer upstream); data-parallel training does not "
                                          "support masked losses yet",
                                          where()));
    }
    if (batch) {
      for (std::size_t i = 0; i < compiled_outputs_.size(); ++i) {
        const auto& output = compiled_outputs_[i];
        if (!output.loss) continue;
        const Tensor value = naming_what_failed([&] { return (*output.loss)(batch->y[i], predictions[i], batch->sample_weight[i]); },
                                                [&] { return fmt::format("{} {}: the loss of output '{}'", where(), call, output.name); });
        sums[2 + i] = value.item() * samples;
        const Tensor weighted = output.loss_weight == 1.0 ? value : value * output.loss_weight;
        loss = loss.defined() ? loss + weighted : weighted;
      }
      for (const auto& penalty : losses()) loss = loss + penalty;
    }
    if (train) {
      const auto weights = trainable_weights();
      if (distribution) distribution->backward(loss, weights, samples / all_samples);
      else loss.backward();
      optimizer_->step(weights);
      for (const auto& weight : weights) weight->value().zero_grad();
      if (distribution) distributed_fit::share_statistics(*distribution, *this);
    }
    const double local_loss = batch ? loss.item() : 0.0;
    sums[1] = local_loss * samples;
    std::vector<metrics::Metric*> metrics;
    std::vector<metrics::Metric::State> metric_states;
    for (std::size_t i = 0; i < compiled_outputs_.size(); ++i)
      for (auto& compiled : compiled_outputs_[i].metrics) {
        auto& metric = *compiled.metric;
        metrics.push_back(&metric);
        metric_states.push_back(metric.state());
        if (batch)
          naming_what_failed(
              [&] { metric.update_state(batch->y[i], predictions[i], compiled.weighted ? batch->sample_weight[i] : Tensor()); },
              [&] { return fmt::format("{} {}: metric '{}' of output '{}'", where(), call, metric.name(), compiled_outputs_[i].name); });
      }
    // A metric that sizes its state on its first batch (FBetaScore) is still unsized on a process
    // that has had no rows; every process must send sums of the same length.
    if (distribution && !metric_sizes_agreed) metric_sizes_agreed = distributed_fit::agree_state_sizes(*distribution, metrics);
    for (std::size_t m = 0; m < metrics.size(); ++m) {
      const auto& before = metric_states[m];
      const auto& after = metrics[m]->state();
      for (std::size_t k = 0; k < after.size(); ++k) sums.push_back(after[k] - (k < before.size() ? before[k] : 0.0));
    }
    if (distribution) distributed_fit::sum_step(*distribution, sums, metrics, metric_states, 2 + compiled_outputs_.size());
    // Keras's running loss is the sample-weighted mean of the batch losses.
    const double batch_loss = distribution ? sums[1] / sums[0] : local_loss;
    loss_total += sums[1];
    seen += sums[0];
    logs = {{"loss", loss_total / seen}};
    for (std::size_t i = 0; i < compiled_outputs_.size(); ++i) {
      auto& output = compiled_outputs_[i];
      output_loss_totals[i] += sums[2 + i];
      if (log_output_losses && output.loss) logs[output.name + "_loss"] = output_loss_totals[i] / seen;
      for (const auto& compiled : output.metrics) {
        const auto values = compiled.metric->results();
        if (values.size() == 1) logs[compiled.log] = values[0];
        else
          for (std::size_t k = 0; k < values.size(); ++k) logs[fmt::format("{}[{}]", compiled.log, k)] = values[k];
      }
    }
    if (progress) progress->update(step + 1, logs);
    if (train) {
      for (auto* callback : callbacks) callback->on_train_batch_end(*this, int(step), {{"loss", batch_loss}});
      // batch_loss is the same on every process; whether one of them was asked to stop is shared.
      if (!std::isfinite(batch_loss) && (distribution ? distributed_fit::any(*distribution, stop_training) : stop_training)) {
        stop_training = true;
        break;
      }
    }
  }
  return logs;
}

namespace {

std::vector<Tensor> slices(const std::vector<Tensor>& arrays, std::int64_t begin, std::int64_t end) {
  std::vector<Tensor> parts;
  for (const auto& array : arrays) parts.push_back(array.defined() ? slice(array, 0, begin, end) : Tensor());
  return parts;
}

}  // namespace

History Model::fit(const Arrays& x, const Arrays& y, const FitOptions& options) {
  require_compiled("fit");
  Batch training = arrays_for("fit", x, y, options.sample_weight, options.class_weight);
  if (options.steps_per_epoch)
    throw_invalid_argument(where(), "steps_per_epoch",
                           "expected it only when fitting a dataset (fit on tensors takes every batch each epoch; to take some, fit "
                           "datasets::Dataset::from_tensor_slices(x, y).batch(batch_size))",
                           std::to_string(*options.steps_per_epoch));
  std::optional<Batch> validation;
  if (options.batch_size <= 0 || options.epochs < 0)
    throw_invalid_argument(where(), "batch_size", "expected a positive batch_size and non-negative epochs",
                           fmt::format("batch_size={}, epochs={}", options.batch_size, options.epochs));
  if (!(options.validation_split >= 0 && options.validation_split < 1))
    throw_invalid_argument(where(), "validation_split", "expected a float in [0, 1)",
                           fmt::format("validation_split={}", options.validation_split));
  // Keras: validation_data, when given, overrides validation_split (nothing is held out).
  if (options.validation_split > 0 && !options.validation_data) {
    // Keras holds out the last samples (and their weights), before any shuffling; weights that
    // came from class_weight stay with the training samples, as Keras applies class_weight after
    // the split.
    const std::int64_t samples = training.x[0].shape()[0];
    const auto split_at = static_cast<std::int64_t>(std::floor(double(samples) * (1.0 - options.validation_split)));
    if (split_at == 0 || split_at == samples)
      throw_invalid_argument(where(), "validation_split",
                             fmt::format("a split that leaves both training and validation samples; the training data contains {} "
                                         "samples, not enough to split as asked",
                                         samples),
                             fmt::format("validation_split={}", options.validation_split));
    validation = Batch{slices(training.x, split_at, samples), slices(training.y, split_at, samples),
                       options.class_weight.empty() ? slices(training.sample_weight, split_at, samples)
                                                    : std::vector<Tensor>(training.sample_weight.size())};
    training = Batch{slices(training.x, 0, split_at), slices(training.y, 0, split_at), slices(training.sample_weight, 0, split_at)};
  }
  EpochSources sources;
  sources.training = [&] { return array_batches(training, options.batch_size, options.shuffle); };
  sources.training_steps = batch_count(training.x[0].shape()[0], options.batch_size);
  if (validation)
    sources.validation = [&] { return array_batches(*validation, options.batch_size, false); };
  else if (options.validation_data)
    sources.validation = validation_batches(options);
  sources.split_validation = splits_validation(options);
  sources.first_batch = [&] { return slices(training.x, 0, std::min(options.batch_size, training.x[0].shape()[0])); };
  return run_fit(sources, options);
}

History Model::run_fit(const EpochSources& sources, const FitOptions& options) {
  const RunGuard run(*this, "fit", true);
  for (const auto* callback : options.callbacks)
    if (!callback) throw_invalid_argument(where(), "callbacks", "expected callbacks", "a null pointer");
  if (options.epochs < 0) throw_invalid_argument(where(), "epochs", "expected a non-negative integer", fmt::format("epochs={}", options.epochs));
  if (options.initial_epoch < 0)
    throw_invalid_argument(where(), "initial_epoch", "expected a non-negative integer",
                           fmt::format("initial_epoch={}", options.initial_epoch));
  History history;
  stop_training = false;
  restored_epoch.reset();
  // Built before the callbacks begin, as Keras's fit does, so that BackupAndRestore can restore
  // into a model the first run built lazily. A model class creates its sublayers' weights only
  // when called, hence a call on the first batch rather than build().
  if (!built()) {
    NoGradGuard no_grad;
    forward(sources.first_batch());
    // Keras's build holds no states: training starts from zeros, not from this call's.
    reset_states();
  }
  Distribution* const distribution = options.distribution;
  if (distribution) {
    distributed_fit::require_same_fit(*distribution, where(), fit_signature(options));
    for (const auto& output : compiled_outputs_)
      if (output.loss && !output.loss->averages_samples())
        throw InvalidArgument(fmt::format("{}: fit with a distribution: the loss of output '{}' ({}) is not the mean of its per-sample "
                                          "values, so it cannot be split between processes; use reduction \"sum_over_batch_size\" "
                                          "without ignore_class",
                                          where(), output.name, output.loss->get_config().dump()));
  }
  // Set only now, so that a refused fit leaves no distribution behind.
  struct Active {
    Model& model;
    ~Active() { model.distribution_ = nullptr; }
  } active{*this};
  distribution_ = distribution;
  try {
    for (auto* callback : options.callbacks) callback->on_train_begin(*this);
    int first_epoch = restored_epoch.value_or(options.initial_epoch);
    if (distribution) first_epoch = distributed_fit::share_start(*distribution, *this, first_epoch);
    const int verbose = distribution && distribution->rank() != 0 ? 0 : options.verbose;
    std::vector<Generator*> run_generators = {&global_generator()};
    for (auto* generator : generators()) run_generators.push_back(generator);
    for (int epoch = first_epoch; epoch < options.epochs && !stop_training; ++epoch) {
      for (auto* callback : options.callbacks) callback->on_epoch_begin(*this, epoch);
      if (verbose > 0) fmt::print("Epoch {}/{}\n", epoch + 1, options.epochs);
      ProgressBar progress(sources.training_steps, verbose);
      if (distribution) distributed_fit::share_generators(*distribution, run_generators);
      const BatchSource training = sources.training();
      if (distribution) distributed_fit::diverge_generators(*distribution, run_generators);
      auto logs = run_epoch("fit", training, true, &progress, options.callbacks, distribution, sources.split_training);
      if (sources.validation) {
        NoGradGuard no_grad;
        const auto val = run_epoch("fit's validation", sources.validation(), false, nullptr, {}, distribution, sources.split_validation);
        for (const auto& [name, value] : val) logs["val_" + name] = value;
      }
      progress.finish(logs);
      for (const auto& [name, value] : logs) history.history[name].push_back(value);
      for (auto* callback : options.callbacks) callback->on_epoch_end(*this, epoch, logs);
      if (distribution) stop_training = distributed_fit::any(*distribution, stop_training);
    }
    // Every process leaves with rank 0's generators, so that what it draws next (a dataset's
    // shuffle seed) is drawn alike everywhere.
    if (distribution) distributed_fit::share_generators(*distribution, run_generators);
    for (auto* callback : options.callbacks) callback->on_train_end(*this);
  } catch (const std::exception& error) {
    // The other processes would wait for this one in their next sum for ever.
    if (distribution && distribution->size() > 1)
      distribution->abort(fmt::format("{}: fit failed on rank {} of {}: {}", where(), distribution->rank(), distribution->size(), error.what()));
    throw;
  }
  return history;
}

std::vector<std::string> Model::fit_signature(const FitOptions& options) const {
  std::vector<std::string> lines;
  const auto all = weights();
  for (std::size_t i = 0; i < all.size(); ++i)
    lines.push_back(fmt::format("weight {} is {} {}{}", i, shape_to_string(all[i]->shape()), dtype_name(all[i]->value().dtype()),
                                all[i]->trainable() ? "" : " (non-trainable)"));
  lines.push_back(fmt::format("compile is {}", compile_config().dump()));
  lines.push_back(fmt::format("fit's batch_size is {}, epochs {}, initial_epoch {}, shuffle {}, validation_split {}", options.batch_size,
                              options.epochs, options.initial_epoch, options.shuffle, options.validation_split));
  lines.push_back(fmt::format("fit's steps_per_epoch is {}, validation_steps {}, validation_data {}",
                              options.steps_per_epoch ? std::to_string(*options.steps_per_epoch) : "unset",
                              options.validation_steps ? std::to_string(*options.validation_steps) : "unset",
                              !options.validation_data                                              ? "none"
                              : std::holds_alternative<datasets::Dataset>(*options.validation_data) ? "a dataset"
                                                                                                     : "tensors"));
  lines.push_back(fmt::format("fit's sample_weight is {}, class_weight {}", options.sample_weight.empty() ? "unset" : "set",
                              fmt::join(options.class_weight, ", ")));
  lines.push_back(fmt::format("the distribution's settings are {}", options.distribution->settings()));
  return lines;
}

std::map<std::string, double> Model::evaluate(const Arrays& x, const Arrays& y, const EvaluateOptions& options) {
  require_compiled("evaluate");
  const Batch arrays = arrays_for("evaluate", x, y, options.sample_weight);
  const RunGuard run(*this, "evaluate", false);
  const std::lock_guard metrics(evaluating_);
  NoGradGuard no_grad;
  if (options.batch_size <= 0)
    throw_invalid_argument(where(), "batch_size", "expected a positive integer", fmt::format("batch_size={}", options.batch_size));
  return run_epoch("evaluate", array_batches(arrays, options.batch_size, false), false, nullptr, {});
}

std::map<std::string, double> Model::evaluate(const Arrays& x, const Arrays& y, std::int64_t batch_size) {
  return evaluate(x, y, EvaluateOptions{.batch_size = batch_size});
}

Tensor Model::predict(const Arrays& x, std::int64_t batch_size) {
  auto outputs = predict_outputs(x, batch_size);
  if (outputs.size() != 1)
    throw InvalidArgument(fmt::format("{}: predict() gives the output of a model of one output; this one has {} ({}): use "
                                      "predict_outputs()",
                                      where(), outputs.size(), fmt::join(output_names(), ", ")));
  return outputs[0];
}

std::vector<Tensor> Model::predict_outputs(const Arrays& x, std::int64_t batch_size) {
  if (batch_size <= 0) throw_invalid_argument(where(), "batch_size", "expected a positive integer", fmt::format("batch_size={}", batch_size));
  const auto xs = x.in_order(input_names(), where(), "x");
  for (const auto& array : xs)
    if (array.ndim() == 0 || array.shape()[0] != xs[0].shape()[0])
      throw ShapeError(fmt::format("{}: predict needs inputs with the same number of samples", where()));
  const RunGuard run(*this, "predict", false);
  NoGradGuard no_grad;
  const std::int64_t samples = xs[0].shape()[0];
  const auto order = identity_order(samples);
  std::vector<std::vector<Tensor>> batches;
  std::vector<Tensor> batch(xs.size());
  for (std::int64_t begin = 0; begin < samples; begin += batch_size) {
    for (std::size_t i = 0; i < xs.size(); ++i) batch[i] = rows(xs[i], order, begin, std::min(samples, begin + batch_size));
    batches.push_back(forward(batch));
  }
  if (batches.empty()) return forward(xs);
  std::vector<Tensor> outputs;
  for (std::size_t output = 0; output < batches[0].size(); ++output) {
    std::vector<Tensor> parts;
    for (const auto& results : batches) parts.push_back(results[output]);
    outputs.push_back(parts.size() == 1 ? parts[0] : concat(parts, 0));
  }
  return outputs;
}

}  // namespace minidl::models
