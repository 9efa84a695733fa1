#include <minidl/models/model.hpp>

#include <minidl/autograd/grad_mode.hpp>
#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/core/random.hpp>
#include <minidl/models/progress.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <numeric>

namespace minidl::models {

namespace {

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

}  // namespace

int History::epochs() const { return history.empty() ? 0 : int(history.begin()->second.size()); }

void Model::compile(std::unique_ptr<optim::Optimizer> optimizer, losses::Loss loss, std::vector<std::string> metrics) {
  if (!optimizer) throw_invalid_argument(where(), "optimizer", "expected an optimizer", "a null pointer");
  optimizer_ = std::move(optimizer);
  loss_ = loss.validated(where(), "loss");
  metrics_.clear();
  for (const auto& name : metrics) metrics_.push_back(metrics::get(name));
  metric_names_ = std::move(metrics);
}

nlohmann::json Model::compile_config() const {
  if (!compiled()) return nullptr;
  return {{"optimizer", {{"module", "keras.optimizers"},
                         {"class_name", optimizer_->class_name()},
                         {"config", optimizer_->get_config()},
                         {"registered_name", nullptr}}},
          {"loss", loss_->serialize()},
          {"metrics", metric_names_}};
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

std::map<std::string, double> Model::run_epoch(const Tensor& x, const Tensor& y, std::int64_t batch_size, bool train,
                                               ProgressBar* progress, const std::vector<Callback*>& callbacks) {
  const std::int64_t samples = x.shape()[0];
  std::vector<std::int64_t> order = identity_order(samples);
  if (train && shuffle_) {
    Generator& generator = global_generator();
    for (std::int64_t i = samples - 1; i > 0; --i)
      std::swap(order[i], order[static_cast<std::int64_t>(generator.next() % std::uint64_t(i + 1))]);
  }
  const std::int64_t steps = batch_count(samples, batch_size);
  for (auto& metric : metrics_) metric->reset_state();
  double loss_total = 0.0, seen = 0.0;
  std::map<std::string, double> logs;
  for (std::int64_t step = 0; step < steps; ++step) {
    const std::int64_t begin = step * batch_size, end = begin + std::min(batch_size, samples - begin);
    const Tensor x_batch = rows(x, order, begin, end), y_batch = rows(y, order, begin, end);
    if (train)
      for (auto* callback : callbacks) callback->on_train_batch_begin(*this, int(step));
    std::optional<NoGradGuard> inference;
    if (!train) inference.emplace();
    const Tensor prediction = (*this)(x_batch, train);
    Tensor loss = (*loss_)(y_batch, prediction);
    for (const auto& penalty : losses()) loss = loss + penalty;
    if (train) {
      loss.backward();
      const auto weights = trainable_weights();
      optimizer_->step(weights);
      for (const auto& weight : weights) weight->value().zero_grad();
    }
    // Keras's running loss is the sample-weighted mean of the batch losses.
    const double batch_loss = loss.item();
    loss_total += batch_loss * double(end - begin);
    seen += double(end - begin);
    for (auto& metric : metrics_) metric->update_state(y_batch, prediction);
    logs = {{"loss", loss_total / seen}};
    for (const auto& metric : metrics_) logs[metric->name()] = metric->result();
    if (progress) progress->update(step + 1, logs);
    if (train) {
      for (auto* callback : callbacks) callback->on_train_batch_end(*this, int(step), {{"loss", batch_loss}});
      if (stop_training && !std::isfinite(batch_loss)) break;
    }
  }
  return logs;
}

void Model::require_samples(const char* call, const Tensor& x, const Tensor& y) const {
  if (x.ndim() == 0 || y.ndim() == 0 || x.shape()[0] != y.shape()[0])
    throw ShapeError(fmt::format("{}: {} needs x and y with the same number of samples, received x {} and y {}", where(), call,
                                 shape_to_string(x.shape()), shape_to_string(y.shape())));
  // Keras refuses an empty dataset too (num_samples should be a positive integer).
  if (x.shape()[0] == 0)
    throw_invalid_argument(where(), "x", fmt::format("expected at least one sample for {}", call),
                           fmt::format("x {}", shape_to_string(x.shape())));
}

History Model::fit(const Tensor& x, const Tensor& y, const FitOptions& options) {
  require_compiled("fit");
  require_samples("fit", x, y);
  if (options.validation_data) require_samples("fit's validation_data", options.validation_data->first, options.validation_data->second);
  for (const auto* callback : options.callbacks)
    if (!callback) throw_invalid_argument(where(), "callbacks", "expected callbacks", "a null pointer");
  if (options.batch_size <= 0 || options.epochs < 0)
    throw_invalid_argument(where(), "batch_size", "expected a positive batch_size and non-negative epochs",
                           fmt::format("batch_size={}, epochs={}", options.batch_size, options.epochs));
  if (options.initial_epoch < 0)
    throw_invalid_argument(where(), "initial_epoch", "expected a non-negative integer",
                           fmt::format("initial_epoch={}", options.initial_epoch));
  if (!(options.validation_split >= 0 && options.validation_split < 1))
    throw_invalid_argument(where(), "validation_split", "expected a float in [0, 1)",
                           fmt::format("validation_split={}", options.validation_split));
  Tensor x_train = x, y_train = y;
  std::optional<std::pair<Tensor, Tensor>> validation = options.validation_data;
  if (options.validation_split > 0) {
    // Keras holds out the last samples, before any shuffling.
    const std::int64_t samples = x.shape()[0];
    const auto held = static_cast<std::int64_t>(std::floor(double(samples) * options.validation_split));
    x_train = slice(x, 0, 0, samples - held);
    y_train = slice(y, 0, 0, samples - held);
    validation = std::pair{slice(x, 0, samples - held, samples), slice(y, 0, samples - held, samples)};
  }
  History history;
  stop_training = false;
  shuffle_ = options.shuffle;
  restored_epoch.reset();
  // Built before the callbacks begin, as Keras's fit does, so that BackupAndRestore can restore
  // into a model the first run built lazily. A model class creates its sublayers' weights only
  // when called, hence a call on one sample rather than build().
  if (!built()) {
    NoGradGuard no_grad;
    (*this)(slice(x_train, 0, 0, 1));
  }
  for (auto* callback : options.callbacks) callback->on_train_begin(*this);
  const int first_epoch = restored_epoch.value_or(options.initial_epoch);
  for (int epoch = first_epoch; epoch < options.epochs && !stop_training; ++epoch) {
    for (auto* callback : options.callbacks) callback->on_epoch_begin(*this, epoch);
    if (options.verbose > 0) fmt::print("Epoch {}/{}\n", epoch + 1, options.epochs);
    ProgressBar progress(batch_count(x_train.shape()[0], options.batch_size), options.verbose);
    auto logs = run_epoch(x_train, y_train, options.batch_size, true, &progress, options.callbacks);
    if (validation) {
      NoGradGuard no_grad;
      const auto val = run_epoch(validation->first, validation->second, options.batch_size, false, nullptr, {});
      for (const auto& [name, value] : val) logs["val_" + name] = value;
    }
    progress.finish(logs);
    for (const auto& [name, value] : logs) history.history[name].push_back(value);
    for (auto* callback : options.callbacks) callback->on_epoch_end(*this, epoch, logs);
  }
  for (auto* callback : options.callbacks) callback->on_train_end(*this);
  return history;
}

std::map<std::string, double> Model::evaluate(const Tensor& x, const Tensor& y, std::int64_t batch_size) {
  require_compiled("evaluate");
  require_samples("evaluate", x, y);
  NoGradGuard no_grad;
  if (batch_size <= 0) throw_invalid_argument(where(), "batch_size", "expected a positive integer", fmt::format("batch_size={}", batch_size));
  return run_epoch(x, y, batch_size, false, nullptr, {});
}

Tensor Model::predict(const Tensor& x, std::int64_t batch_size) {
  if (batch_size <= 0) throw_invalid_argument(where(), "batch_size", "expected a positive integer", fmt::format("batch_size={}", batch_size));
  NoGradGuard no_grad;
  const std::int64_t samples = x.ndim() == 0 ? 0 : x.shape()[0];
  const auto order = identity_order(samples);
  std::vector<Tensor> outputs;
  for (std::int64_t begin = 0; begin < samples; begin += batch_size)
    outputs.push_back((*this)(rows(x, order, begin, std::min(samples, begin + batch_size))));
  if (outputs.empty()) return (*this)(x);
  return outputs.size() == 1 ? outputs[0] : concat(outputs, 0);
}

}  // namespace minidl::models
