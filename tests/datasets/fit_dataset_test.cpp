// fit, evaluate and predict on datasets: the same numbers as on tensors, steps_per_epoch reading
// on across epochs, a dataset that runs out, and the errors.
#include <doctest/doctest.h>
#include <minidl/datasets/timeseries.hpp>
#include <minidl/minidl.hpp>

using namespace minidl;

namespace {

std::unique_ptr<models::Sequential> regressor() {
  seed_global_generator(11);
  auto model = std::make_unique<models::Sequential>(models::SequentialOptions{.name = "regressor", .dtype = "float64"});
  model->add<layers::Conv1D>({.filters = 3, .kernel_size = 2, .padding = "causal", .activation = "tanh", .dtype = "float64"});
  model->add<layers::GlobalAveragePooling1D>(layers::GlobalPooling1DOptions{.dtype = "float64"});
  model->add<layers::Dense>({.units = 1, .dtype = "float64"});
  model->compile(std::make_unique<optim::SGD>(optim::SGDOptions{.learning_rate = 0.1}), "mse", {"mae"});
  return model;
}

std::vector<double> weights_of(const models::Model& model) {
  std::vector<double> values;
  for (const auto& weight : model.get_weights()) {
    const auto part = weight.to_vector<double>();
    values.insert(values.end(), part.begin(), part.end());
  }
  return values;
}

}  // namespace

TEST_CASE("fit on a dataset of batches trains exactly as fit on the same tensors") {
  const Tensor x = Tensor::normal({20, 6, 2}, 0.0, 1.0, DType::float64), y = Tensor::normal({20, 1}, 0.0, 1.0, DType::float64);
  auto on_tensors = regressor();
  const auto tensors_history = on_tensors->fit(x, y, {.batch_size = 8, .epochs = 3, .verbose = 0, .shuffle = false});
  auto on_dataset = regressor();
  const auto dataset = datasets::Dataset::from_tensor_slices(x, y).batch(8).prefetch(2);
  const auto dataset_history = on_dataset->fit(dataset, {.epochs = 3, .verbose = 0});
  CHECK(weights_of(*on_dataset) == weights_of(*on_tensors));
  CHECK(dataset_history.history.at("loss") == tensors_history.history.at("loss"));
  CHECK(on_dataset->evaluate(dataset) == on_tensors->evaluate(x, y, 8));
  CHECK(on_dataset->predict(dataset).to_vector<double>() == on_tensors->predict(x, 8).to_vector<double>());
  CHECK(on_dataset->predict(dataset, 1).shape() == Shape{8, 1});
}

TEST_CASE("fit on timeseries windows equals fit on the same windows cut by hand; a validation dataset logs val_ values") {
  const Tensor series = Tensor::normal({60, 2}, 0.0, 1.0, DType::float64);
  const Tensor targets = Tensor::normal({60, 1}, 0.0, 1.0, DType::float64);
  const datasets::TimeseriesOptions options{.sequence_length = 6, .sequence_stride = 2, .batch_size = 5, .end_index = 40};
  const auto windows = datasets::timeseries_dataset_from_array(datasets::Array::from_tensor(series), datasets::Array::from_tensor(targets), options);
  std::vector<Tensor> cut, cut_targets;
  for (const auto start : datasets::timeseries_window_starts(60, 60, options)) {
    cut.push_back(slice(series, 0, start, start + 6));
    cut_targets.push_back(slice(targets, 0, start, start + 1));
  }
  const Tensor x = stack(cut, 0), y = concat(cut_targets, 0);
  CHECK(x.shape() == Shape{18, 6, 2});
  const auto validation = datasets::timeseries_dataset_from_array(datasets::Array::from_tensor(series), datasets::Array::from_tensor(targets),
                                                              {.sequence_length = 6, .batch_size = 5, .start_index = 40});
  auto by_hand = regressor();
  by_hand->fit(x, y, {.batch_size = 5, .epochs = 2, .verbose = 0, .shuffle = false});
  auto from_windows = regressor();
  const auto history = from_windows->fit(windows, {.epochs = 2, .verbose = 0, .validation_data = validation});
  CHECK(weights_of(*from_windows) == weights_of(*by_hand));
  REQUIRE(history.history.contains("val_loss"));
  CHECK(history.history.at("val_loss").back() == from_windows->evaluate(validation).at("loss"));
}

TEST_CASE("steps_per_epoch reads on across epochs; a pass that runs out ends its epoch short and the next epoch starts anew, as Keras 3") {
  int batches_read = 0;
  const auto counted = datasets::Dataset::from_generator([&batches_read] {
    return [&batches_read, left = 10]() mutable -> std::optional<datasets::Element> {
      if (left-- == 0) return std::nullopt;
      ++batches_read;
      return datasets::Element{.x = {Tensor::normal({4, 6, 2}, 0.0, 1.0, DType::float64)}, .y = {Tensor::zeros({4, 1}, DType::float64)}};
    };
  });
  auto model = regressor();
  model->fit(counted, {.epochs = 2, .verbose = 0, .steps_per_epoch = 4});
  CHECK(batches_read == 1 + 8);  // one batch to build the model on, then 4 per epoch from one pass
  // Keras 3's epoch iterator on 10 batches, 4 per epoch: 4, 4, 2 (the pass runs out: a warning), then
  // a new pass: 4, 4.
  batches_read = 0;
  const auto history = model->fit(counted, {.epochs = 5, .verbose = 0, .steps_per_epoch = 4});
  CHECK(batches_read == 18);
  CHECK(history.epochs() == 5);
  // Its length known, a pass read to its end with an epoch starts anew: 4 + 4 + 2, then 4 + 4.
  const auto known = datasets::Dataset::from_generator(
      [&batches_read] {
        return [&batches_read, left = 10]() mutable -> std::optional<datasets::Element> {
          if (left-- == 0) return std::nullopt;
          ++batches_read;
          return datasets::Element{.x = {Tensor::normal({4, 6, 2}, 0.0, 1.0, DType::float64)}, .y = {Tensor::zeros({4, 1}, DType::float64)}};
        };
      },
      10);
  batches_read = 0;
  CHECK(model->fit(known, {.epochs = 5, .verbose = 0, .steps_per_epoch = 4}).epochs() == 5);
  CHECK(batches_read == 18);
  batches_read = 0;
  model->fit(known, {.epochs = 4, .verbose = 0, .steps_per_epoch = 5});
  CHECK(batches_read == 20);
  const auto endless = counted.repeat();
  CHECK(model->fit(endless, {.epochs = 2, .verbose = 0, .steps_per_epoch = 3}).epochs() == 2);
}

TEST_CASE("fit on a dataset: the errors") {
  auto model = regressor();
  const auto samples = datasets::Dataset::from_tensor_slices(Tensor::zeros({4, 6, 2}, DType::float64), Tensor::zeros({4, 1}, DType::float64)).batch(2);
  CHECK_THROWS_WITH_AS(model->fit(samples, {.verbose = 0, .validation_split = 0.2}),
                       "Sequential 'regressor': invalid argument `validation_split`: expected 0 when fitting a dataset (split the dataset "
                       "instead, as Keras asks), received validation_split=0.2",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(model->fit(samples.repeat(), {.verbose = 0}),
                       "Sequential 'regressor': fit: the dataset never ends (it repeats for ever); give steps_per_epoch", InvalidArgument);
  const auto unlabeled = datasets::Dataset::from_tensor_slices({Tensor::zeros({4, 6, 2}, DType::float64)}).batch(2);
  CHECK_THROWS_WITH_AS(model->fit(unlabeled, {.verbose = 0}),
                       "Sequential 'regressor': fit: the dataset's elements hold 0 y tensors, the model has 1 outputs (a dataset without "
                       "targets cannot train or be evaluated)",
                       ShapeError);
  CHECK(model->predict(unlabeled).shape() == Shape{4, 1});
  CHECK_THROWS_WITH_AS(model->fit(Tensor::zeros({4, 6, 2}, DType::float64), Tensor::zeros({4, 1}, DType::float64),
                                  {.verbose = 0, .steps_per_epoch = 2}),
                       "Sequential 'regressor': invalid argument `steps_per_epoch`: expected it only when fitting a dataset (fit on tensors "
                       "takes every batch each epoch; to take some, fit datasets::Dataset::from_tensor_slices(x, y).batch(batch_size)), "
                       "received 2",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(model->fit(samples, {.verbose = 0, .validation_data = samples, .validation_steps = 0}),
                       "Sequential 'regressor': invalid argument `validation_steps`: expected a positive integer, received 0", InvalidArgument);
  CHECK_THROWS_WITH_AS(model->evaluate(samples.take(0)),
                       "Sequential 'regressor': invalid argument `x`: expected at least one batch for evaluate, received an empty dataset",
                       InvalidArgument);
}
