// fit, evaluate and predict on a datasets::Dataset: its elements are the batches.
#include <minidl/models/model.hpp>

#include <minidl/autograd/grad_mode.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>

#include <fmt/format.h>

namespace minidl::models {

namespace {

void require_steps(const std::optional<std::int64_t>& steps, const std::string& where, const char* argument) {
  if (steps && *steps < 1) throw_invalid_argument(where, argument, "expected a positive integer", std::to_string(*steps));
}

// An endless dataset read whole would never end.
void require_end(const datasets::Dataset& dataset, const std::optional<std::int64_t>& steps, const std::string& where, const char* call,
                 const char* argument) {
  if (!steps && dataset.cardinality() == datasets::infinite_cardinality)
    throw InvalidArgument(fmt::format("{}: {}: the dataset never ends (it repeats for ever); give {}", where, call, argument));
}

}  // namespace

Model::Batch Model::checked_batch(datasets::Element element, const char* call, bool targets_needed) const {
  const auto inputs = input_names().size(), outputs = output_names().size();
  if (element.x.size() != inputs)
    throw ShapeError(fmt::format("{}: {}: the dataset's elements hold {} x tensors, the model has {} inputs", where(), call, element.x.size(),
                                 inputs));
  if (targets_needed && element.y.size() != outputs)
    throw ShapeError(fmt::format("{}: {}: the dataset's elements hold {} y tensors, the model has {} outputs{}", where(), call,
                                 element.y.size(), outputs, element.y.empty() ? " (a dataset without targets cannot train or be evaluated)" : ""));
  for (const auto* tensors : {&element.x, &element.y})
    for (const auto& tensor : *tensors)
      if (tensor.ndim() == 0 || tensor.dim(0) != element.x[0].dim(0))
        throw ShapeError(fmt::format("{}: {}: every tensor of a batch needs the same first (batch) extent, received {} and {}", where(), call,
                                     shape_to_string(element.x[0].shape()), shape_to_string(tensor.shape())));
  return {std::move(element.x), std::move(element.y), std::vector<Tensor>(outputs)};
}

std::function<Model::BatchSource()> Model::dataset_batches(const datasets::Dataset& dataset, std::optional<std::int64_t> steps, const char* call,
                                                           bool targets_needed) const {
  return [this, dataset, steps, call, targets_needed]() -> BatchSource {
    auto pass = std::make_shared<datasets::Iterator>(dataset.iterate());
    return [this, pass, left = steps.value_or(-1), call, targets_needed]() mutable -> std::optional<Batch> {
      if (left == 0) return std::nullopt;
      auto element = pass->next();
      if (!element) return std::nullopt;
      if (left > 0) --left;
      return checked_batch(std::move(*element), call, targets_needed);
    };
  };
}

std::function<Model::BatchSource()> Model::batches_reading_on(const datasets::Dataset& dataset, std::int64_t steps, const char* call) const {
  struct Reading {
    std::optional<datasets::Iterator> pass;
    std::int64_t seen = 0;
    // Batches in a pass: the cardinality, or as found at the end of the first pass; −1 unknown.
    std::int64_t batches = -1;
  };
  auto reading = std::make_shared<Reading>();
  reading->batches = std::max<std::int64_t>(dataset.cardinality(), -1);
  return [this, dataset, reading, steps, call]() -> BatchSource {
    if (!reading->pass || (reading->batches >= 0 && reading->seen >= reading->batches)) {
      reading->pass = dataset.iterate();
      reading->seen = 0;
    }
    return [this, dataset, reading, steps, call, taken = std::int64_t{0}]() mutable -> std::optional<Batch> {
      if (taken == steps) return std::nullopt;
      const auto next = [&]() -> std::optional<datasets::Element> {
        if (reading->batches >= 0 && reading->seen >= reading->batches) return std::nullopt;
        return reading->pass->next();
      };
      auto element = next();
      if (!element && taken == 0 && reading->seen > 0) {
        // The pass ended with the last epoch (its length unknown until now): this epoch starts a new one.
        reading->batches = reading->seen;
        reading->pass = dataset.iterate();
        reading->seen = 0;
        element = next();
      }
      if (!element) {
        if (reading->batches < 0) reading->batches = reading->seen;
        if (on_rank_zero())
          fmt::print(stderr,
                     "{}: {}: the dataset ran out of data after {} of this epoch's {} batches; the next epoch starts a new pass "
                     "(make the dataset give at least steps × epochs batches, with repeat() for instance)\n",
                     where(), call, taken, steps);
        reading->seen = reading->batches;
        return std::nullopt;
      }
      ++reading->seen;
      ++taken;
      return checked_batch(std::move(*element), call, true);
    };
  };
}

bool Model::splits_validation(const FitOptions& options) {
  const bool dataset = options.validation_data && std::holds_alternative<datasets::Dataset>(*options.validation_data);
  return !dataset || !options.distribution || options.distribution->shards_datasets();
}

std::function<Model::BatchSource()> Model::validation_batches(const FitOptions& options) const {
  require_steps(options.validation_steps, where(), "validation_steps");
  if (const auto* validation = std::get_if<datasets::Dataset>(&*options.validation_data)) {
    require_end(*validation, options.validation_steps, where(), "fit's validation_data", "validation_steps");
    // Keras keeps one validation iterator for the whole fit: with validation_steps it reads on too.
    return options.validation_steps ? batches_reading_on(*validation, *options.validation_steps, "fit's validation_data")
                                    : dataset_batches(*validation, std::nullopt, "fit's validation_data");
  }
  const auto& arrays = std::get<std::pair<Arrays, Arrays>>(*options.validation_data);
  const auto validation_arrays = arrays_for("fit's validation_data", arrays.first, arrays.second);
  return [this, validation_arrays, batch_size = options.batch_size] { return array_batches(validation_arrays, batch_size, false); };
}

History Model::fit(const datasets::Dataset& dataset, const FitOptions& options) {
  require_compiled("fit");
  // Keras takes weights from a dataset's elements (x, y, sample_weight), which minidl's hold not yet.
  if (!options.sample_weight.empty() || !options.class_weight.empty())
    throw_invalid_argument(where(), options.sample_weight.empty() ? "class_weight" : "sample_weight",
                           "expected it only when fitting tensors (a dataset's elements carry no sample weights yet)", "a weight");
  if (options.validation_split != 0)
    throw_invalid_argument(where(), "validation_split", "expected 0 when fitting a dataset (split the dataset instead, as Keras asks)",
                           fmt::format("validation_split={}", options.validation_split));
  require_steps(options.steps_per_epoch, where(), "steps_per_epoch");
  require_steps(options.validation_steps, where(), "validation_steps");
  require_end(dataset, options.steps_per_epoch, where(), "fit", "steps_per_epoch");
  EpochSources sources;
  sources.training = options.steps_per_epoch ? batches_reading_on(dataset, *options.steps_per_epoch, "fit")
                                             : dataset_batches(dataset, std::nullopt, "fit");
  sources.training_steps = options.steps_per_epoch.value_or(std::max<std::int64_t>(dataset.cardinality(), 0));
  if (options.validation_data) sources.validation = validation_batches(options);
  if (options.distribution) sources.split_training = options.distribution->shards_datasets();
  sources.split_validation = splits_validation(options);
  sources.first_batch = [this, dataset] {
    auto element = dataset.take(1).iterate().next();
    if (!element) throw_invalid_argument(where(), "x", "expected at least one batch for fit", "an empty dataset");
    return checked_batch(std::move(*element), "fit", true).x;
  };
  return run_fit(sources, options);
}

std::map<std::string, double> Model::evaluate(const datasets::Dataset& dataset, std::optional<std::int64_t> steps) {
  require_compiled("evaluate");
  require_steps(steps, where(), "steps");
  require_end(dataset, steps, where(), "evaluate", "steps");
  const RunGuard run(*this, "evaluate", false);
  const std::lock_guard metrics(evaluating_);
  NoGradGuard no_grad;
  auto logs = run_epoch("evaluate", dataset_batches(dataset, steps, "evaluate")(), false, nullptr, {});
  // Keras refuses an empty dataset too.
  if (logs.empty()) throw_invalid_argument(where(), "x", "expected at least one batch for evaluate", "an empty dataset");
  return logs;
}

Tensor Model::predict(const datasets::Dataset& dataset, std::optional<std::int64_t> steps) {
  auto outputs = predict_outputs(dataset, steps);
  if (outputs.size() != 1)
    throw InvalidArgument(fmt::format("{}: predict() gives the output of a model of one output; this one has {}: use predict_outputs()",
                                      where(), outputs.size()));
  return outputs[0];
}

std::vector<Tensor> Model::predict_outputs(const datasets::Dataset& dataset, std::optional<std::int64_t> steps) {
  require_steps(steps, where(), "steps");
  require_end(dataset, steps, where(), "predict", "steps");
  const RunGuard run(*this, "predict", false);
  NoGradGuard no_grad;
  const auto next_batch = dataset_batches(dataset, steps, "predict", false)();
  std::vector<std::vector<Tensor>> parts;
  while (auto batch = next_batch()) {
    const auto outputs = forward(batch->x);
    parts.resize(outputs.size());
    for (std::size_t i = 0; i < outputs.size(); ++i) parts[i].push_back(outputs[i]);
  }
  if (parts.empty()) throw_invalid_argument(where(), "x", "expected at least one batch for predict", "an empty dataset");
  std::vector<Tensor> outputs;
  for (auto& output : parts) outputs.push_back(output.size() == 1 ? output[0] : concat(output, 0));
  return outputs;
}

}  // namespace minidl::models
