// compile / fit / evaluate / predict, History, callbacks and the progress display.
#include "../support/golden.hpp"

#include <doctest/doctest.h>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fcntl.h>
#include <fstream>
#include <sys/ioctl.h>
#include <unistd.h>

using namespace minidl;
using namespace minidl::testing;

namespace {

std::unique_ptr<models::Sequential> keras_model(const nlohmann::json& item) {
  auto model = std::make_unique<models::Sequential>(models::SequentialOptions{.dtype = "float64"});
  auto conv = item.at("model").at("layers")[0].at("config");
  conv["name"] = "conv";
  conv["dtype"] = "float64";
  model->add(layers::Conv1D::from_config(conv));
  model->add<layers::GlobalAveragePooling1D>({.dtype = "float64"});
  auto dense = item.at("model").at("layers")[2].at("config");
  dense["name"] = "dense";
  dense["dtype"] = "float64";
  model->add(layers::Dense::from_config(dense));
  return model;
}

}  // namespace

TEST_CASE("fit reproduces Keras's fit: logged loss per epoch and final weights") {
  const auto golden = load_test_data("keras/training_trajectories.json");
  for (const auto& item : golden.at("cases")) {
    const std::string id = item.at("id");
    if (id != "adam" && id != "regularized_sgd" && id != "maxnorm") continue;
    CAPTURE(id);
    auto model = keras_model(item);
    const Tensor x = tensor_from_json(item.at("x")), y = tensor_from_json(item.at("y"));
    model->build(x.shape());
    const auto& initial = item.at("initial_weights");
    model->set_weights({tensor_from_json(initial.at("conv/kernel")), tensor_from_json(initial.at("conv/bias")),
                        tensor_from_json(initial.at("dense/kernel")), tensor_from_json(initial.at("dense/bias"))});
    model->compile(optim::from_config({{"class_name", item.at("optimizer").at("class_name")},
                                       {"config", item.at("optimizer").at("keras_get_config")}}),
                   "mse");
    const auto history = model->fit(x, y, {.batch_size = 8, .epochs = 5, .verbose = 0, .shuffle = false});
    REQUIRE(history.epochs() == 5);
    for (int epoch = 0; epoch < 5; ++epoch)
      CHECK(history.history.at("loss")[epoch] ==
            doctest::Approx(item.at("steps")[epoch].at("keras_fit_logged_loss").get<double>()).epsilon(1e-9));
    CHECK_CLOSE(model->weights()[0]->value(), tensor_from_json(item.at("steps")[4].at("weights_after").at("conv/kernel")), 1e-9,
                1e-12);
  }
}

TEST_CASE("fit with mini-batches, shuffling, validation and metrics; evaluate and predict") {
  seed_global_generator(1);
  const Tensor x = Tensor::normal({64, 10, 2}, 0.0, 1.0, DType::float64);
  const Tensor y = sum(x, {1, 2}, false) * 0.1;
  models::Sequential model({.dtype = "float64"});
  model.add<layers::Conv1D>({.filters = 4, .kernel_size = 3, .padding = "causal", .dtype = "float64"});
  model.add<layers::Flatten>({.dtype = "float64"});
  model.add<layers::Dense>({.units = 1, .dtype = "float64"});
  model.compile(std::make_unique<optim::Adam>(optim::AdamOptions{.learning_rate = 0.01}), "mse", {"mae"});
  const auto history = model.fit(x, reshape(y, {64, 1}), {.batch_size = 16, .epochs = 30, .verbose = 0, .validation_split = 0.25});
  for (const char* key : {"loss", "mae", "val_loss", "val_mae"}) CHECK(history.history.count(key) == 1);
  CHECK(history.history.at("loss").back() < 0.2 * history.history.at("loss").front());
  const auto scores = model.evaluate(x, reshape(y, {64, 1}), 7);
  CHECK(scores.at("loss") < history.history.at("loss").front());
  const Tensor direct = model(x);
  CHECK_CLOSE(model.predict(x, 5), direct, 1e-12, 1e-12);
}

TEST_CASE("EarlyStopping stops after `patience` epochs without improvement and restores the best weights") {
  models::Sequential model({.dtype = "float64"});
  model.add<layers::Dense>({.units = 1, .dtype = "float64"});
  model.build({1, 1});
  models::EarlyStopping stopper({.monitor = "loss", .patience = 2, .restore_best_weights = true});
  stopper.on_train_begin(model);
  const std::vector<double> losses = {1.0, 0.5, 0.6, 0.7, 0.4};
  std::vector<double> kernel_at_epoch;
  for (int epoch = 0; epoch < 5 && !model.stop_training; ++epoch) {
    model.set_weights({Tensor(std::vector<double>{double(epoch)}, {1, 1}), Tensor::zeros({1}, DType::float64)});
    stopper.on_epoch_end(model, epoch, {{"loss", losses[epoch]}});
  }
  CHECK(model.stop_training);
  CHECK(stopper.stopped_epoch() == 3);
  CHECK(stopper.best_epoch() == 1);
  stopper.on_train_end(model);
  CHECK(model.weights()[0]->value().item() == 1.0);  // the weights of epoch 1
  models::EarlyStopping missing({.monitor = "val_loss"});
  missing.on_train_begin(model);
  CHECK_THROWS_WITH_AS(missing.on_epoch_end(model, 0, {{"loss", 1.0}}), doctest::Contains("`val_loss` is not in the logs"),
                       InvalidArgument);
}

TEST_CASE("TerminateOnNaN ends fit at the first non-finite loss") {
  models::Sequential model({.dtype = "float64"});
  model.add<layers::Dense>({.units = 1, .dtype = "float64"});
  model.compile(std::make_unique<optim::SGD>(), "mse");
  Tensor y = Tensor::zeros({8, 1}, DType::float64);
  y.data<double>()[0] = NAN;
  models::TerminateOnNaN terminate;
  const auto history = model.fit(Tensor::ones({8, 3}, DType::float64), y,
                                 {.batch_size = 4, .epochs = 10, .verbose = 0, .callbacks = {&terminate}, .shuffle = false});
  CHECK(history.epochs() == 1);
  CHECK(std::isnan(history.history.at("loss")[0]));
}

TEST_CASE("the progress display writes one line per epoch when the output is not a terminal") {
  std::FILE* file = std::tmpfile();
  models::ProgressBar progress(4, 1, file);
  for (int step = 1; step <= 4; ++step) progress.update(step, {{"loss", 0.5}});
  progress.finish({{"loss", 0.25}, {"val_loss", 0.5}});
  std::rewind(file);
  char buffer[256] = {};
  const std::size_t read = std::fread(buffer, 1, sizeof(buffer) - 1, file);
  std::fclose(file);
  const std::string text(buffer, read);
  CHECK(text.find("4/4 - ") == 0);
  CHECK(text.find(" - loss: 0.2500 - val_loss: 0.5000\n") != std::string::npos);
  CHECK(std::count(text.begin(), text.end(), '\n') == 1);
}

TEST_CASE("on a terminal the progress display redraws a bar per batch, with the ETA and the running loss") {
  const int controller = posix_openpt(O_RDWR | O_NOCTTY);
  REQUIRE(controller >= 0);
  REQUIRE(grantpt(controller) == 0);
  REQUIRE(unlockpt(controller) == 0);
  std::FILE* terminal = std::fopen(ptsname(controller), "w");
  REQUIRE(terminal);
  {
    models::ProgressBar progress(4, 1, terminal, /*interval_seconds=*/0.0);
    for (int step = 1; step <= 4; ++step) progress.update(step, {{"loss", 1.0 / step}});
    progress.finish({{"loss", 0.25}, {"val_loss", 0.5}});
  }
  std::fclose(terminal);
  // A pseudo-terminal hands its data over in pieces, so read until the closed side reports the end.
  std::string text;
  char piece[512];
  for (ssize_t got; (got = ::read(controller, piece, sizeof(piece))) > 0;) text.append(piece, std::size_t(got));
  ::close(controller);
  REQUIRE(!text.empty());
  CHECK(text.find("\r1/4 \x1b[32m━━━━━\x1b[0m\x1b[37m━━━━━━━━━━━━━━━\x1b[0m 0s ") != std::string::npos);
  CHECK(text.find("- loss: 0.5000") != std::string::npos);  // the running loss at step 2
  CHECK(text.find("\r4/4 ") != std::string::npos);
  CHECK(text.find("- loss: 0.2500 - val_loss: 0.5000") != std::string::npos);
}

TEST_CASE("on a terminal the bar is redrawn at most every 0.05 s and cut to the terminal's width") {
  const int controller = posix_openpt(O_RDWR | O_NOCTTY);
  REQUIRE(controller >= 0);
  REQUIRE(grantpt(controller) == 0);
  REQUIRE(unlockpt(controller) == 0);
  winsize size{};
  size.ws_col = 60;
  size.ws_row = 20;
  REQUIRE(ioctl(controller, TIOCSWINSZ, &size) == 0);
  std::FILE* terminal = std::fopen(ptsname(controller), "w");
  REQUIRE(terminal);
  const std::map<std::string, double> long_names{{"a_metric_with_a_very_long_name_indeed", 0.5},
                                                 {"another_metric_with_a_longer_name_still", 0.25}};
  {
    models::ProgressBar progress(1000, 1, terminal);
    // A thousand batches in far less than 0.05 s: the first draws, the rest wait for the interval.
    for (int step = 1; step <= 1000; ++step) progress.update(step, long_names);
    progress.finish(long_names);
  }
  std::fclose(terminal);
  std::string text;
  char piece[512];
  for (ssize_t got; (got = ::read(controller, piece, sizeof(piece))) > 0;) text.append(piece, std::size_t(got));
  ::close(controller);
  // Each redraw begins with \r; the finish line is the last one. (The terminal writes its \n as
  // \r\n, which starts no redraw.)
  std::vector<std::string> draws;
  for (std::size_t at = text.find('\r'); at != std::string::npos;) {
    const std::size_t next = text.find('\r', at + 1);
    const std::string draw = text.substr(at + 1, next == std::string::npos ? std::string::npos : next - at - 1);
    if (draw != "\n") draws.push_back(draw);
    at = next;
  }
  REQUIRE(draws.size() >= 2);
  CHECK(draws.size() <= 4);  // unthrottled: 1001
  const auto columns_of = [](const std::string& line) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '\x1b') {
        while (i < line.size() && line[i] != 'm' && line[i] != 'K') ++i;
        continue;
      }
      width += (static_cast<unsigned char>(line[i]) & 0xC0) != 0x80 && line[i] != '\n' && line[i] != '\r';
    }
    return width;
  };
  for (std::size_t i = 0; i + 1 < draws.size(); ++i) {
    CAPTURE(draws[i]);
    CHECK(columns_of(draws[i]) <= 59);
  }
  // The epoch's last line keeps every value.
  CHECK(draws.back().find("another_metric_with_a_longer_name_still: 0.2500") != std::string::npos);
}

TEST_CASE("fit's errors") {
  models::Sequential model({.name = "m", .dtype = "float64"});
  model.add<layers::Dense>({.units = 1, .dtype = "float64"});
  CHECK_THROWS_WITH_AS(model.fit(Tensor::ones({2, 1}, DType::float64), Tensor::ones({2, 1}, DType::float64)),
                       "Sequential 'm': fit() needs compile(optimizer, loss) first", StateError);
  model.compile(std::make_unique<optim::SGD>(), "mse");
  CHECK_THROWS_WITH_AS(model.fit(Tensor::ones({2, 1}, DType::float64), Tensor::ones({3, 1}, DType::float64)),
                       "Sequential 'm': fit needs x and y with the same number of samples, received x (2, 1) and y (3, 1)",
                       ShapeError);
  CHECK_THROWS_AS(model.fit(Tensor::ones({2, 1}, DType::float64), Tensor::ones({2, 1}, DType::float64), {.batch_size = 0}),
                  InvalidArgument);
  CHECK_THROWS_AS(model.compile(std::make_unique<optim::SGD>(), "l2"), InvalidArgument);
}

TEST_CASE("summary prints Keras's table, character for character") {
  // The same model printed by real Keras 3.15.1 (keras/models.json, "summary").
  models::Sequential model({.name = "forecaster"});
  model.add<layers::Conv1D>({.filters = 8, .kernel_size = 3, .padding = "causal", .name = "conv"});
  model.add<layers::BatchNormalization>({.name = "norm"});
  model.add<layers::GlobalAveragePooling1D>({.name = "pool"});
  model.add<layers::Dense>({.units = 1, .name = "head"});
  CHECK_THROWS_AS(model.summary(), StateError);
  model.build({4, 16, 2});
  std::string expected = load_test_data("keras/models.json").at("summary").at("text");
  while (!expected.empty() && expected.back() == '\n') expected.pop_back();
  std::string text = model.summary();
  while (!text.empty() && text.back() == '\n') text.pop_back();
  CHECK(text == expected);
}

TEST_CASE("sliding windows over a series, and a split by time") {
  const Tensor series(std::vector<double>{0, 10, 1, 11, 2, 12, 3, 13, 4, 14, 5, 15}, {6, 2});
  const auto [x, y] = models::sliding_windows(series, {.window = 3, .horizon = 2, .target_columns = {1}});
  CHECK(x.shape() == Shape{2, 3, 2});
  CHECK(y.shape() == Shape{2, 2});
  CHECK(x.to_vector() == std::vector<double>{0, 10, 1, 11, 2, 12, 1, 11, 2, 12, 3, 13});
  CHECK(y.to_vector() == std::vector<double>{13, 14, 14, 15});
  const auto strided = models::sliding_windows(series, {.window = 2, .stride = 2});
  CHECK(strided.first.shape() == Shape{2, 2, 2});
  CHECK(strided.second.to_vector() == std::vector<double>{2, 12, 4, 14});
  CHECK_THROWS_AS(models::sliding_windows(series, {.window = 6}), ShapeError);
  CHECK_THROWS_AS(models::sliding_windows(series, {.window = 2, .target_columns = {2}}), InvalidArgument);
  const auto parts = models::split_by_time(Tensor::arange(0, 10, 1, DType::float64), {0.7, 0.2, 0.1});
  CHECK(parts[0].to_vector() == std::vector<double>{0, 1, 2, 3, 4, 5, 6});
  CHECK(parts[1].to_vector() == std::vector<double>{7, 8});
  CHECK(parts[2].to_vector() == std::vector<double>{9});
  CHECK_THROWS_AS(models::split_by_time(series, {0.5, 0.4}), InvalidArgument);
}

TEST_CASE("ReduceLROnPlateau, LearningRateScheduler and CSVLogger") {
  models::Sequential model({.dtype = "float64"});
  model.add<layers::Dense>({.units = 1, .dtype = "float64"});
  model.compile(std::make_unique<optim::SGD>(optim::SGDOptions{.learning_rate = 0.1}), "mse");
  model.build({1, 1});
  // Flat losses, patience 2, cooldown 1, following Keras's counters: epoch 0 sets the best, epoch 1
  // waits, epoch 2 reduces (and starts the cooldown); epoch 3 ends the cooldown and counts one
  // wait in the same epoch, so epoch 4 reduces again.
  models::ReduceLROnPlateau plateau({.monitor = "loss", .factor = 0.5, .patience = 2, .cooldown = 1, .min_lr = 0.02});
  plateau.on_train_begin(model);
  std::vector<double> rates;
  for (int epoch = 0; epoch < 6; ++epoch) {
    plateau.on_epoch_end(model, epoch, {{"loss", 1.0}});
    rates.push_back(model.optimizer().learning_rate());
  }
  CHECK(rates == std::vector<double>{0.1, 0.1, 0.05, 0.05, 0.025, 0.025});
  for (int epoch = 6; epoch < 12; ++epoch) plateau.on_epoch_end(model, epoch, {{"loss", 1.0}});
  CHECK(model.optimizer().learning_rate() == 0.02);  // floored at min_lr

  models::LearningRateScheduler halve([](int epoch, double rate) { return epoch == 0 ? 0.4 : rate / 2; });
  models::Sequential fitted({.dtype = "float64"});
  fitted.add<layers::Dense>({.units = 1, .dtype = "float64"});
  fitted.compile(std::make_unique<optim::SGD>(), "mse");
  const auto path = std::filesystem::temp_directory_path() / "minidl_csv_logger_test.csv";
  models::CSVLogger logger(path.string());
  fitted.fit(Tensor::ones({4, 2}, DType::float64), Tensor::zeros({4, 1}, DType::float64),
             {.batch_size = 4, .epochs = 3, .verbose = 0, .callbacks = {&halve, &logger}});
  CHECK(fitted.optimizer().learning_rate() == 0.1);  // 0.4, 0.2, 0.1
  std::ifstream csv(path);
  std::string header, line;
  std::getline(csv, header);
  CHECK(header == "epoch,loss");
  int rows = 0;
  while (std::getline(csv, line)) ++rows;
  CHECK(rows == 3);
  std::filesystem::remove(path);

  optim::SGD scheduled({.learning_rate = optim::ExponentialDecay{.initial_learning_rate = 0.1, .decay_steps = 1, .decay_rate = 0.5}});
  CHECK_THROWS_AS(scheduled.set_learning_rate(0.01), StateError);
}

TEST_CASE("CSVLogger on a full disk stops fit with the error instead of a log that silently ends") {
  models::Sequential model({.dtype = "float64"});
  model.add<layers::Dense>({.units = 1, .dtype = "float64"});
  model.compile(std::make_unique<optim::SGD>(), "mse");
  // Every write to /dev/full fails with ENOSPC, as on a disk with no space left.
  models::CSVLogger logger("/dev/full");
  CHECK_THROWS_WITH_AS(model.fit(Tensor::ones({4, 2}, DType::float64), Tensor::zeros({4, 1}, DType::float64),
                                 {.batch_size = 4, .epochs = 2, .verbose = 0, .callbacks = {&logger}}),
                       "CSVLogger: cannot write epoch 0 to /dev/full: No space left on device", InvalidArgument);
}

TEST_CASE("fit's errors name the user's shapes and the metric") {
  SUBCASE("an input of the wrong rank is reported with fit's batch, not one sample") {
    models::Sequential model;
    model.add<layers::Conv1D>({.filters = 4, .kernel_size = 3, .name = "conv"});
    model.compile(std::make_unique<optim::Adam>(), "mse");
    CHECK_THROWS_WITH_AS(model.fit(Tensor::zeros({16, 32}), Tensor::zeros({16, 4}), {.verbose = 0}),
                         "Conv1D 'conv': expected an input of rank 3 (batch, steps, channels), received shape (16, 32) of rank 2",
                         ShapeError);
  }
  SUBCASE("a metric whose shapes do not fit the targets") {
    models::Sequential model({.name = "classifier"});
    model.add<layers::Dense>({.units = 4, .name = "scores"});
    model.compile(std::make_unique<optim::Adam>(), "sparse_categorical_crossentropy", {"binary_accuracy"});
    CHECK_THROWS_WITH_AS(model.fit(Tensor::zeros({16, 8}), Tensor::zeros({16}), {.verbose = 0}),
                         "Sequential 'classifier' fit: metric 'binary_accuracy' of output 'scores': equal: incompatible shapes for "
                         "broadcasting: (16,) and (16, 4)",
                         ShapeError);
    CHECK_THROWS_WITH_AS(model.evaluate(Tensor::zeros({16, 8}), Tensor::zeros({16})), doctest::Contains("'classifier' evaluate: metric"),
                         ShapeError);
  }
}
