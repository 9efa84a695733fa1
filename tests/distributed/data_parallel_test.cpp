// fit with distributed::DataParallel against fit on one process: the same global batches and seed
// must give the same weights and logs, to rounding, with any number of ranks, uneven shares and
// shares left empty; every rank must end with the same bytes.
#include <doctest/doctest.h>

#include <minidl/minidl.hpp>

#include "../support/compare.hpp"
#include "world.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>

using namespace minidl;
using minidl::testing::world;

namespace {

constexpr std::int64_t samples = 47, steps = 12;

// Noisy sine windows and the next value of each: a small forecasting task.
std::pair<Tensor, Tensor> windows(DType dtype) {
  Generator noise(11);
  std::vector<double> x, y;
  for (std::int64_t s = 0; s < samples; ++s)
    for (std::int64_t t = 0; t <= steps; ++t) (t < steps ? x : y).push_back(std::sin(0.37 * double(s * 3 + t)) + 0.1 * noise.normal());
  if (dtype == DType::float64) return {Tensor(x, {samples, steps, 1}), Tensor(y, {samples, 1})};
  return {Tensor(std::vector<float>(x.begin(), x.end()), {samples, steps, 1}), Tensor(std::vector<float>(y.begin(), y.end()), {samples, 1})};
}

struct ModelOptions {
  DType dtype = DType::float32;
  std::int64_t units = 4;
  bool batch_norm = false;
};

std::unique_ptr<models::Sequential> make_model(const ModelOptions& options) {
  seed_global_generator(77);
  const std::string dtype(dtype_name(options.dtype));
  auto model = std::make_unique<models::Sequential>(models::SequentialOptions{.dtype = dtype});
  model->add<layers::Conv1D>({.filters = 6, .kernel_size = 3, .padding = "causal", .activation = "tanh", .dtype = dtype});
  if (options.batch_norm) model->add<layers::BatchNormalization>({.dtype = dtype});
  model->add<layers::Conv1D>(
      {.filters = options.units, .kernel_size = 2, .padding = "causal", .dilation_rate = 2, .activation = "relu", .dtype = dtype});
  model->add<layers::GlobalAveragePooling1D>({.dtype = dtype});
  model->add<layers::Dense>({.units = 1, .kernel_regularizer = regularizers::L2{.l2 = 1e-3}, .dtype = dtype});
  model->build({samples, steps, 1});
  model->compile(std::make_unique<optim::Adam>(optim::AdamOptions{.learning_rate = 0.01}), losses::Loss("mse"), {"mae"});
  return model;
}

// The largest |a − b| over every weight, relative to the largest |b|.
double weight_difference(const models::Model& a, const models::Model& b) {
  const auto wa = a.get_weights(), wb = b.get_weights();
  double difference = 0, scale = 0;
  for (std::size_t i = 0; i < wa.size(); ++i) {
    const auto va = wa[i].to_vector(), vb = wb[i].to_vector();
    for (std::size_t e = 0; e < va.size(); ++e) {
      difference = std::max(difference, std::abs(va[e] - vb[e]));
      scale = std::max(scale, std::abs(vb[e]));
    }
  }
  return difference / scale;
}

double history_difference(const models::History& a, const models::History& b) {
  double difference = 0;
  for (const auto& [name, values] : b.history)
    for (std::size_t e = 0; e < values.size(); ++e)
      difference = std::max(difference, std::abs(a.history.at(name).at(e) - values[e]) / std::max(1e-12, std::abs(values[e])));
  return difference;
}

// Whether every rank holds the same bytes as rank 0 in every weight.
bool same_bytes_on_every_rank(const models::Model& model) {
  double differing = 0;
  for (const auto& weight : model.get_weights()) {
    auto mine = weight.to_vector();
    auto reference = mine;
    world().broadcast(std::as_writable_bytes(std::span(reference)));
    differing += std::memcmp(mine.data(), reference.data(), mine.size() * sizeof(double)) != 0;
  }
  world().sum(std::span(&differing, 1));
  return differing == 0;
}

}  // namespace

TEST_CASE("DataParallel: fit ends with the weights and logs of one process, every rank with the same bytes") {
  struct Case {
    DType dtype;
    std::int64_t batch_size;
    double tolerance;
  };
  // float64 holds the distributed sum to the one-process mean within summation-order rounding;
  // float32 within its own. Batch 10 splits unevenly between 3 ranks and ends short (47 = 4·10 + 7);
  // batch 1 and 2 leave some ranks without samples in every step.
  for (const Case& c : {Case{DType::float64, 10, 1e-12}, Case{DType::float32, 10, 2e-6}, Case{DType::float64, 1, 1e-12},
                        Case{DType::float64, 2, 1e-12}}) {
    CAPTURE(dtype_name(c.dtype));
    CAPTURE(c.batch_size);
    const auto data = windows(c.dtype);
    const models::FitOptions fit = {.batch_size = c.batch_size, .epochs = 3, .verbose = 0, .validation_split = 0.2};

    auto distributed_model = make_model({.dtype = c.dtype});
    auto distributed_fit = fit;
    distributed_fit.distribution = &world();
    const auto distributed_history = distributed_model->fit(data.first, data.second, distributed_fit);

    auto one_process_model = make_model({.dtype = c.dtype});
    const auto one_process_history = one_process_model->fit(data.first, data.second, fit);

    CHECK(weight_difference(*distributed_model, *one_process_model) <= c.tolerance);
    CHECK(history_difference(distributed_history, one_process_history) <= c.tolerance);
    CHECK(distributed_history.history.count("val_mae") == 1);
    CHECK(same_bytes_on_every_rank(*distributed_model));
    CHECK(distributed_model->distribution() == nullptr);
  }
}

TEST_CASE("DataParallel: metrics sized on their first batch, sample weights and weighted metrics match one process, shares empty or not") {
  // Three labels from the signs of three steps of each window; F1Score and a multi-label AUC size
  // their counts on their first batch, which a rank without rows has not seen.
  const auto data = windows(DType::float64);
  const Tensor x = reshape(data.first, {samples, steps});
  const auto values = x.to_vector();
  std::vector<double> labels, weights;
  for (std::int64_t s = 0; s < samples; ++s) {
    for (std::int64_t k : {1, 5, 9}) labels.push_back(values[std::size_t(s * steps + k)] > 0 ? 1.0 : 0.0);
    weights.push_back(0.25 * double(1 + s % 4));
  }
  const Tensor y(labels, {samples, 3}), sample_weight(weights, {samples});
  const auto make_classifier = [] {
    seed_global_generator(5);
    auto model = std::make_unique<models::Sequential>(models::SequentialOptions{.dtype = "float64"});
    model->add<layers::Dense>({.units = 3, .activation = "sigmoid", .dtype = "float64"});
    model->build({samples, steps});
    model->compile(std::make_unique<optim::SGD>(optim::SGDOptions{.learning_rate = 0.1}),
                   {.loss = "binary_crossentropy",
                    .metrics = {metrics::F1Score({.average = "macro", .threshold = 0.5}), metrics::AUC({.multi_label = true}),
                                metrics::F1Score()},
                    .weighted_metrics = {"binary_accuracy", metrics::Precision({.thresholds = {0.6, 0.3}})}});
    return model;
  };
  for (const std::int64_t batch_size : {1, 5}) {
    CAPTURE(batch_size);
    const models::FitOptions fit = {.batch_size = batch_size, .epochs = 2, .verbose = 0, .shuffle = false, .sample_weight = sample_weight};
    auto distributed_model = make_classifier();
    auto distributed_fit = fit;
    distributed_fit.distribution = &world();
    const auto distributed_history = distributed_model->fit(x, y, distributed_fit);
    auto one_process_model = make_classifier();
    const auto one_process_history = one_process_model->fit(x, y, fit);
    CHECK(distributed_history.history.size() == one_process_history.history.size());
    CHECK(distributed_history.history.count("f1_score_1[2]") == 1);  // the second F1Score, per class
    CHECK(weight_difference(*distributed_model, *one_process_model) <= 1e-12);
    CHECK(history_difference(distributed_history, one_process_history) <= 1e-12);
  }
}

TEST_CASE("DataParallel: gradients in many small buckets, started while backward runs, sum to the same step") {
  const auto data = windows(DType::float64);
  distributed::DataParallel small_buckets({.bucket_bytes = 256});
  // Batches of 1 leave all ranks but one without samples: they send their buckets after an empty
  // backward, in the same order as the rank that starts them during its own.
  for (const std::int64_t batch_size : {10, 1}) {
    CAPTURE(batch_size);
    const models::FitOptions fit = {.batch_size = batch_size, .epochs = 2, .verbose = 0};
    auto distributed_model = make_model({.dtype = DType::float64});
    auto distributed_fit = fit;
    distributed_fit.distribution = &small_buckets;
    distributed_model->fit(data.first, data.second, distributed_fit);
    auto one_process_model = make_model({.dtype = DType::float64});
    one_process_model->fit(data.first, data.second, fit);
    CHECK(weight_difference(*distributed_model, *one_process_model) <= 1e-12);
    CHECK(same_bytes_on_every_rank(*distributed_model));
  }
  // From the last weight back: the Dense's kernel and bias with the second convolution's bias
  // (72 bytes), that convolution's kernel alone (384 bytes, more than a bucket), the first
  // convolution's kernel and bias (192 bytes). The last step of batch 1 had its sample on the
  // last rank, which started every bucket during backward; the others, none.
  const auto traffic = small_buckets.last_step();
  CHECK(traffic.buckets == 3);
  CHECK(traffic.started_during_backward == (small_buckets.rank() == small_buckets.size() - 1 ? 3 : 0));
}

TEST_CASE("DataParallel: a dataset split by fit, or sharded by each rank before batching, trains as on one process") {
  const auto data = windows(DType::float64);
  distributed::DataParallel pre_sharded({.shard_datasets = false});
  struct Case {
    std::int64_t samples, global_batch;
  };
  // 12 splits evenly between 2 and 3 ranks, as a sharded dataset needs. 13 samples in global batches
  // of 2 per rank: the shards' last batches differ, and one rank runs out a step before another.
  for (const Case& c : {Case{samples, 12}, Case{13, 2 * std::int64_t(world().size())}}) {
    CAPTURE(c.samples);
    // A fresh one per fit: each pass of a shuffle draws its own order, from its seed and the pass's number.
    const auto shuffled = [&] {
      return datasets::Dataset::from_tensor_slices({data.first}, {data.second}).take(c.samples).shuffle(64, 5);
    };
    auto one_process_model = make_model({.dtype = DType::float64});
    one_process_model->fit(shuffled().batch(c.global_batch), {.epochs = 3, .verbose = 0});

    auto split_model = make_model({.dtype = DType::float64});
    split_model->fit(shuffled().batch(c.global_batch), {.epochs = 3, .verbose = 0, .distribution = &world()});
    CHECK(weight_difference(*split_model, *one_process_model) <= 1e-12);

    auto sharded_model = make_model({.dtype = DType::float64});
    const auto mine = shuffled().shard(pre_sharded.size(), pre_sharded.rank()).batch(c.global_batch / pre_sharded.size());
    sharded_model->fit(mine, {.epochs = 3, .verbose = 0, .distribution = &pre_sharded});
    CHECK(weight_difference(*sharded_model, *one_process_model) <= 1e-12);
    CHECK(same_bytes_on_every_rank(*sharded_model));
  }
}

TEST_CASE("DataParallel: moving statistics follow rank 0's, so every rank ends the same") {
  const auto data = windows(DType::float32);
  auto model = make_model({.batch_norm = true});
  model->fit(data.first, data.second, {.batch_size = 10, .epochs = 2, .verbose = 0, .distribution = &world()});
  CHECK(same_bytes_on_every_rank(*model));
}

TEST_CASE("DataParallel: a model or fit options that differ between ranks are refused on every rank, naming the ranks") {
  const auto data = windows(DType::float32);
  const auto refusal = [&](models::Model& model, const models::FitOptions& options) {
    std::string message;
    try {
      model.fit(data.first, data.second, options);
    } catch (const InvalidArgument& error) {
      message = error.what();
    }
    CHECK(model.distribution() == nullptr);
    return message;
  };
  const bool one = world().rank() == 1;
  // Rank 1's last convolution has one filter more.
  auto wider = make_model({.units = one ? 5 : 4});
  std::string message = refusal(*wider, {.batch_size = 10, .verbose = 0, .distribution = &world()});
  CAPTURE(message);
  CHECK(message.find("rank 1 does not run the same fit as rank 0") != std::string::npos);
  if (one) CHECK(message.find("(on this rank, 1: weight 2 is (2, 6, 5) float32 here, (2, 6, 4) float32 on rank 0)") != std::string::npos);

  // Rank 1 was told to train for 4 epochs.
  auto model = make_model({});
  message = refusal(*model, {.batch_size = 10, .epochs = one ? 4 : 3, .verbose = 0, .distribution = &world()});
  CHECK(message.find("rank 1 does not run the same fit as rank 0") != std::string::npos);
  if (one) CHECK(message.find("fit's batch_size is 10, epochs 4, initial_epoch 0, shuffle true, validation_split 0 here") != std::string::npos);
}

TEST_CASE("DataParallel: a loss that is not a mean over samples is refused, naming the output and the loss") {
  const auto data = windows(DType::float32);
  auto model = make_model({});
  model->compile(std::make_unique<optim::Adam>(), losses::Loss(losses::MeanSquaredError{.reduction = "sum"}));
  CHECK_THROWS_WITH_AS(model->fit(data.first, data.second, {.batch_size = 10, .verbose = 0, .distribution = &world()}),
                       doctest::Contains("is not the mean of its per-sample values, so it cannot be split between processes"),
                       InvalidArgument);
}

TEST_CASE("DataParallel: callbacks see the global logs; steps_per_epoch, EarlyStopping and ReduceLROnPlateau decide as on one process") {
  const auto data = windows(DType::float64);
  // An evaluation on rank 0 alone inside fit runs on that process only, and agrees with one process's.
  class EvaluateOnRankZero : public models::Callback {
   public:
    explicit EvaluateOnRankZero(const std::pair<Tensor, Tensor>& data) : data_(data) {}
    void on_epoch_end(models::Model& model, int, const models::Logs& logs) override {
      losses.push_back(logs.at("loss"));
      if (model.on_rank_zero()) evaluated.push_back(model.evaluate(data_.first, data_.second, 16).at("loss"));
    }
    std::vector<double> losses, evaluated;

   private:
    const std::pair<Tensor, Tensor>& data_;
  };
  struct Run {
    std::unique_ptr<models::Sequential> model;
    int stopped_epoch;
    std::vector<double> losses, evaluated;
  };
  const auto train = [&](models::Distribution* distribution) {
    auto model = make_model({.dtype = DType::float64});
    models::EarlyStopping early_stopping({.monitor = "loss", .min_delta = 1e-3, .patience = 1, .restore_best_weights = true});
    models::ReduceLROnPlateau plateau({.monitor = "loss", .factor = 0.5, .patience = 1, .min_delta = 1e-2});
    EvaluateOnRankZero evaluate(data);
    const auto batches = datasets::Dataset::from_tensor_slices(data.first, data.second).batch(6).repeat();
    model->fit(batches, {.epochs = 30, .verbose = 0, .callbacks = {&early_stopping, &plateau, &evaluate}, .steps_per_epoch = 5,
                         .distribution = distribution});
    return Run{std::move(model), early_stopping.stopped_epoch(), evaluate.losses, evaluate.evaluated};
  };
  // (Named results, not structured bindings: clang 14 cannot capture those in doctest's macros.)
  const Run distributed = train(&world());
  const Run one_process = train(nullptr);
  const auto& distributed_model = distributed.model;
  const auto& one_process_model = one_process.model;
  CHECK(one_process.stopped_epoch > 0);
  CHECK(distributed.stopped_epoch == one_process.stopped_epoch);
  CHECK(distributed_model->optimizer().learning_rate() == one_process_model->optimizer().learning_rate());
  CHECK(distributed_model->optimizer().learning_rate() < 0.01);
  CHECK(weight_difference(*distributed_model, *one_process_model) <= 1e-12);
  CHECK(distributed.losses.size() == one_process.losses.size());
  for (std::size_t e = 0; e < std::min(distributed.losses.size(), one_process.losses.size()); ++e)
    CHECK(std::abs(distributed.losses[e] - one_process.losses[e]) <= 1e-12 * std::abs(one_process.losses[e]));
  if (world().rank() == 0) {
    CHECK(distributed.evaluated.size() == one_process.evaluated.size());
    for (std::size_t e = 0; e < std::min(distributed.evaluated.size(), one_process.evaluated.size()); ++e)
      CHECK(std::abs(distributed.evaluated[e] - one_process.evaluated[e]) <= 1e-12 * std::abs(one_process.evaluated[e]));
  }
  CHECK(same_bytes_on_every_rank(*distributed_model));
}

TEST_CASE("DataParallel: rank 0 alone writes logs and checkpoints") {
  const auto data = windows(DType::float32);
  // Each rank names its own files: only rank 0's may appear.
  const auto folder = std::filesystem::temp_directory_path() / fmt::format("minidl-data-parallel-{}", ::getppid());
  std::filesystem::create_directories(folder);
  const auto log = folder / fmt::format("log-{}.csv", world().rank());
  const auto checkpoint = folder / fmt::format("weights-{}.minidl", world().rank());
  models::CSVLogger logger(log.string());
  models::ModelCheckpoint saver(checkpoint.string());
  auto model = make_model({});
  model->fit(data.first, data.second, {.batch_size = 10, .epochs = 2, .verbose = 0, .callbacks = {&logger, &saver}, .distribution = &world()});
  CHECK(std::filesystem::exists(log) == (world().rank() == 0));
  CHECK(std::filesystem::exists(checkpoint) == (world().rank() == 0));
  world().barrier();
  std::filesystem::remove(log);
  std::filesystem::remove(checkpoint);
  world().barrier();
  std::error_code ignored;
  std::filesystem::remove(folder, ignored);
}

TEST_CASE("Dataset::shard takes every num_shards-th element from index, and says how many") {
  const auto elements = datasets::Dataset::from_tensor_slices({Tensor(std::vector<double>{0, 1, 2, 3, 4, 5, 6}, {7})});
  std::vector<double> seen;
  const auto shard = elements.shard(3, 1);
  for (auto pass = shard.iterate(); auto element = pass.next();) seen.push_back(element->x[0].item());
  CHECK(seen == std::vector<double>{1, 4});
  CHECK(shard.cardinality() == 2);
  CHECK(elements.shard(3, 0).cardinality() == 3);
  CHECK_THROWS_WITH_AS(elements.shard(3, 3), doctest::Contains("Dataset.shard: invalid argument `index`"), InvalidArgument);
  CHECK_THROWS_WITH_AS(elements.shard(0, 0), doctest::Contains("num_shards"), InvalidArgument);
}

TEST_CASE("DataParallel: bucket_bytes below 1 is refused, naming the argument") {
  CHECK_THROWS_WITH_AS(distributed::DataParallel({.bucket_bytes = 0}), doctest::Contains("DataParallel: invalid argument `bucket_bytes`"),
                       InvalidArgument);
}
