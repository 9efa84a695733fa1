// Threads (docs/training.md#threads): inference on one model from several threads gives the serial
// results, the global generator hands out whole draws, training one model from two threads is
// refused, and set_num_threads is never undone. Also built with ThreadSanitizer
// (scripts/run-thread-sanitized-tests.sh), where any data race fails the test.
#include <doctest/doctest.h>
#include <minidl/minidl.hpp>

#include <algorithm>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

extern "C" int openblas_get_num_threads();

using namespace minidl;

namespace {

// Runs body(index) on `count` threads at once; returns once every one has ended.
template <class Body>
void on_threads(int count, Body body) {
  std::vector<std::jthread> threads;
  for (int index = 0; index < count; ++index) threads.emplace_back([&body, index] { body(index); });
}

// Conv1D, BatchNormalization with moving statistics away from their start, Dropout, Dense.
std::unique_ptr<models::Sequential> trained_model() {
  seed_global_generator(5);
  auto model = std::make_unique<models::Sequential>(models::SequentialOptions{.name = "m"});
  model->add<layers::Conv1D>({.filters = 4, .kernel_size = 3, .padding = "causal"});
  model->add<layers::BatchNormalization>({});
  model->add<layers::Dropout>({.rate = 0.5});
  model->add<layers::GlobalAveragePooling1D>({});
  model->add<layers::Dense>({.units = 1});
  model->compile(std::make_unique<optim::SGD>(), "mse", {"mae"});
  const Tensor x = Tensor::normal({16, 8, 2}), y = Tensor::normal({16, 1});
  model->fit(x, y, {.batch_size = 8, .epochs = 1, .verbose = 0});
  return model;
}

// A callback that, when fit begins, lets `started` know and waits for `resume`.
struct PauseAtStart : models::Callback {
  std::promise<void> started;
  std::shared_future<void> resume;
  void on_train_begin(models::Model&) override {
    started.set_value();
    resume.wait();
  }
};

// A callback that predicts and evaluates at the end of each epoch, on fit's thread, and counts
// the calls that gave what they should.
struct InferAtEpochEnd : models::Callback {
  Tensor x, y;
  int right = 0;
  void on_epoch_end(models::Model& model, int, const models::Logs&) override {
    right += model.predict(x).dim(0) == x.dim(0);
    right += int(model.evaluate(x, y).count("loss"));
  }
};

// What a call on another thread threw: its message, or "" when it returned.
template <class Call>
std::string error_of(Call call) {
  try {
    call();
  } catch (const StateError& error) {
    return error.what();
  }
  return "";
}

}  // namespace

TEST_CASE("predict and evaluate on one model from four threads give exactly the serial results") {
  const auto model = trained_model();
  const Tensor x = Tensor::normal({12, 8, 2}), y = Tensor::normal({12, 1});
  const std::vector<float> expected = model->predict(x, 5).to_vector<float>();
  const auto expected_logs = model->evaluate(x, y, 5);
  std::vector<int> matching(4, 0);
  std::vector<std::map<std::string, double>> logs(4);
  on_threads(4, [&](int thread) {
    for (int call = 0; call < 20; ++call) matching[std::size_t(thread)] += model->predict(x, 5).to_vector<float>() == expected;
    logs[std::size_t(thread)] = model->evaluate(x, y, 5);
  });
  CHECK(matching == std::vector<int>(4, 20));
  for (const auto& thread_logs : logs) CHECK(thread_logs == expected_logs);
}

TEST_CASE("predict on one Bidirectional LSTM from four threads gives exactly the serial results") {
  seed_global_generator(9);
  models::Sequential model;
  model.add(std::make_unique<layers::Bidirectional>(layers::LSTM({.units = 3, .return_sequences = true})));
  model.add(std::make_unique<layers::Bidirectional>(layers::GRU({.units = 2}), layers::BidirectionalOptions{.merge_mode = "sum"}));
  const Tensor x = Tensor::normal({5, 7, 2});
  model.build(x.shape());
  const std::vector<float> expected = model.predict(x).to_vector<float>();
  std::vector<int> matching(4, 0);
  on_threads(4, [&](int thread) {
    for (int call = 0; call < 20; ++call) matching[std::size_t(thread)] += model.predict(x).to_vector<float>() == expected;
  });
  CHECK(matching == std::vector<int>(4, 20));
}

TEST_CASE("a training call of a layer on one thread does not switch on Dropout in another thread's inference") {
  models::Sequential model;
  model.add<layers::Dense>({.units = 16});
  model.add<layers::Dropout>({.rate = 0.5});
  const Tensor x = Tensor::normal({4, 8});
  model.build(x.shape());
  const std::vector<float> expected = model.predict(x).to_vector<float>();
  std::vector<int> matching(2, 0);
  on_threads(4, [&](int thread) {
    for (int call = 0; call < 50; ++call) {
      if (thread % 2) matching[std::size_t(thread / 2)] += model.predict(x).to_vector<float>() == expected;
      else model(x, true);  // draws Dropout masks from the global generator
    }
  });
  CHECK(matching == std::vector<int>{50, 50});
}

TEST_CASE("first calls on several threads build a model once") {
  models::Sequential model;
  model.add<layers::Conv1D>({.filters = 3, .kernel_size = 2});
  model.add<layers::Dense>({.units = 2});
  const Tensor x = Tensor::normal({2, 5, 4});
  std::vector<std::vector<float>> outputs(4);
  on_threads(4, [&](int thread) { outputs[std::size_t(thread)] = model.predict(x).to_vector<float>(); });
  CHECK(model.weights().size() == 4);
  for (const auto& output : outputs) CHECK(output == model.predict(x).to_vector<float>());
}

TEST_CASE("activity losses are each thread's own call's") {
  layers::Dense dense({.units = 2, .kernel_initializer = "ones", .activity_regularizer = regularizers::L1{.l1 = 1.0}});
  const Tensor small = Tensor::ones({1, 3}), large = Tensor::full({1, 3}, 10.0);
  std::vector<int> right(2, 0);
  on_threads(2, [&](int thread) {
    const Tensor& x = thread == 0 ? small : large;
    const double expected = thread == 0 ? 6.0 : 60.0;  // |3| + |3|, |30| + |30|
    for (int call = 0; call < 50; ++call) {
      dense(x);
      const auto losses = dense.losses();
      right[std::size_t(thread)] += losses.size() == 1 && losses[0].item() == expected;
    }
  });
  CHECK(right == std::vector<int>{50, 50});
}

TEST_CASE("the global generator hands every thread whole draws, and a seeded thread alone its usual sequence") {
  constexpr int draws = 2000;
  seed_global_generator(11);
  std::vector<std::vector<std::uint64_t>> drawn(4);
  on_threads(4, [&](int thread) {
    for (int i = 0; i < draws; ++i) drawn[std::size_t(thread)].push_back(global_generator().next());
  });
  std::vector<std::uint64_t> all, expected;
  for (const auto& values : drawn) all.insert(all.end(), values.begin(), values.end());
  Generator reference(11);
  for (int i = 0; i < 4 * draws; ++i) expected.push_back(reference.next());
  std::sort(all.begin(), all.end());
  std::sort(expected.begin(), expected.end());
  CHECK(all == expected);  // none lost, none twice

  // Layers built on four threads at once from the unseeded initializers: no crash, no race.
  on_threads(4, [](int) {
    for (int i = 0; i < 10; ++i) {
      layers::Conv1D conv({.filters = 8, .kernel_size = 3, .kernel_initializer = "glorot_normal"});
      conv.build({1, 16, 4});
    }
  });
  seed_global_generator(3);
  const Tensor drawn_after = Tensor::normal({5}, 0.0, 1.0, DType::float64);
  Generator seeded(3);
  CHECK(drawn_after.to_vector() == Tensor::normal({5}, 0.0, 1.0, DType::float64, &seeded).to_vector());
}

TEST_CASE("unseeded random tensors drawn on two threads at once are each a whole block of the global stream") {
  constexpr std::int64_t n = 100000;
  seed_global_generator(21);
  const auto serial = Tensor::uniform({2 * n}, 0.0, 1.0, DType::float64).to_vector<double>();
  seed_global_generator(21);
  std::vector<std::vector<double>> drawn(2);
  on_threads(2, [&](int thread) { drawn[std::size_t(thread)] = Tensor::uniform({n}, 0.0, 1.0, DType::float64).to_vector<double>(); });
  const std::vector<double> first(serial.begin(), serial.begin() + n), second(serial.begin() + n, serial.end());
  // Whichever thread drew first took the first block whole, and the other the second.
  const bool in_order = drawn[0] == first && drawn[1] == second, reversed = drawn[1] == first && drawn[0] == second;
  CHECK((in_order || reversed));
}

TEST_CASE("training one model from two threads: the second is refused, the first completes") {
  const auto model = trained_model();
  const Tensor x = Tensor::normal({16, 8, 2}), y = Tensor::normal({16, 1});
  std::promise<void> resume;
  PauseAtStart pause;
  pause.resume = resume.get_future().share();
  std::future<void> started = pause.started.get_future();
  std::string refused_fit, refused_train_on_batch, refused_predict, refused_evaluate;
  std::jthread trainer([&] { model->fit(x, y, {.batch_size = 8, .epochs = 2, .verbose = 0, .callbacks = {&pause}}); });
  started.wait();
  refused_fit = error_of([&] { model->fit(x, y, {.verbose = 0}); });
  refused_train_on_batch = error_of([&] { model->train_on_batch(x, y); });
  refused_predict = error_of([&] { model->predict(x); });
  refused_evaluate = error_of([&] { model->evaluate(x, y); });
  resume.set_value();
  trainer.join();
  CHECK(refused_fit ==
        "Sequential 'm': fit is already running on another thread; fit cannot run until it ends (a model trains on one thread at a time, "
        "and no other thread uses it meanwhile: docs/training.md#threads)");
  CHECK(refused_train_on_batch.starts_with("Sequential 'm': fit is already running on another thread; train_on_batch cannot run"));
  CHECK(refused_predict.starts_with("Sequential 'm': fit is already running on another thread; predict cannot run"));
  CHECK(refused_evaluate.starts_with("Sequential 'm': fit is already running on another thread; evaluate cannot run"));
  // Once it has ended, any thread trains it.
  CHECK(error_of([&] { model->fit(x, y, {.verbose = 0}); }).empty());
}

TEST_CASE("two threads fitting one model at once: exactly one gets the StateError") {
  const auto model = trained_model();
  const Tensor x = Tensor::normal({16, 8, 2}), y = Tensor::normal({16, 1});
  std::promise<void> resume;
  const std::shared_future<void> resumed = resume.get_future().share();
  std::vector<PauseAtStart> pauses(2);
  std::vector<std::string> errors(2);
  std::mutex started_mutex;
  int started = 0, refused = 0;
  on_threads(2, [&](int thread) {
    auto& pause = pauses[std::size_t(thread)];
    pause.resume = resumed;
    errors[std::size_t(thread)] = error_of([&] { model->fit(x, y, {.batch_size = 8, .verbose = 0, .callbacks = {&pause}}); });
    // The refused one ends first; the one that started may go on once the other has been refused.
    const std::lock_guard lock(started_mutex);
    if (!errors[std::size_t(thread)].empty() && ++refused == 1) resume.set_value();
    started += errors[std::size_t(thread)].empty();
  });
  CHECK(refused == 1);
  CHECK(started == 1);
}

TEST_CASE("fit is refused while another thread predicts, and a callback in fit predicts and evaluates") {
  const auto model = trained_model();
  const Tensor x = Tensor::normal({16, 8, 2}), y = Tensor::normal({16, 1});
  std::promise<void> reading, resume;
  const std::shared_future<void> resumed = resume.get_future().share();
  // A dataset whose first batch waits, so that predict is running when fit is tried.
  bool done = false;
  const auto dataset = datasets::Dataset::from_generator([&]() -> std::function<std::optional<datasets::Element>()> {
    return [&]() -> std::optional<datasets::Element> {
      if (done) return std::nullopt;
      done = true;
      reading.set_value();
      resumed.wait();
      return datasets::Element{{x}, {}};
    };
  });
  std::jthread predictor([&] { model->predict(dataset); });
  reading.get_future().wait();
  const std::string refused = error_of([&] { model->fit(x, y, {.verbose = 0}); });
  resume.set_value();
  predictor.join();
  CHECK(refused.starts_with("Sequential 'm': predict is already running on another thread; fit cannot run until it ends"));

  InferAtEpochEnd inside;
  inside.x = x;
  inside.y = y;
  model->fit(x, y, {.epochs = 2, .verbose = 0, .callbacks = {&inside}});
  CHECK(inside.right == 4);
}

TEST_CASE("set_num_threads from several threads while parallel regions run: the latest call wins") {
  const int threads = num_threads();
  const Tensor x = Tensor::uniform({std::int64_t{1} << 20}, -1.0, 1.0);
  std::mutex order;
  int latest = 0;
  on_threads(4, [&](int thread) {
    for (int i = 0; i < 40; ++i) {
      if (thread < 2) {
        activations::relu(x);  // a parallel region, when two threads are set
        continue;
      }
      const std::lock_guard lock(order);
      latest = 1 + (i + thread) % 2;
      set_num_threads(latest);
    }
  });
  CHECK(num_threads() == latest);
  CHECK(openblas_get_num_threads() == latest);
  set_num_threads(threads);
}
