// train_on_batch, test_on_batch and predict_on_batch against Keras 3.15.1 (keras/parity.json), and
// LambdaCallback's hooks in fit.
#include "../support/golden.hpp"

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;

TEST_CASE("train_on_batch, test_on_batch and predict_on_batch match Keras, the L2 penalty in the loss") {
  const auto golden = load_test_data("keras/parity.json").at("on_batch");
  models::Sequential model({.dtype = "float64"});
  model.add<layers::Dense>({.units = 3, .kernel_regularizer = regularizers::L2{.l2 = golden.at("l2").get<double>()}, .dtype = "float64"});
  const Tensor x = tensor_from_json(golden.at("x")), y = tensor_from_json(golden.at("y"));
  model.build(x.shape());
  model.set_weights({tensor_from_json(golden.at("kernel")), tensor_from_json(golden.at("bias"))});
  model.compile(std::make_unique<optim::SGD>(optim::SGDOptions{.learning_rate = golden.at("learning_rate").get<double>()}), "mse", {"mae"});

  const auto train_logs = model.train_on_batch(x, y);
  CHECK(train_logs.size() == 2);
  CHECK(train_logs.at("loss") == doctest::Approx(golden.at("train_logs").at("loss").get<double>()).epsilon(1e-12));
  CHECK(train_logs.at("mae") == doctest::Approx(golden.at("train_logs").at("mae").get<double>()).epsilon(1e-12));
  CHECK_CLOSE(model.weights()[0]->value(), tensor_from_json(golden.at("weights_after")[0]), 1e-12, 1e-14);
  CHECK_CLOSE(model.weights()[1]->value(), tensor_from_json(golden.at("weights_after")[1]), 1e-12, 1e-14);

  const auto test_logs = model.test_on_batch(x, y);
  CHECK(test_logs.at("loss") == doctest::Approx(golden.at("test_logs").at("loss").get<double>()).epsilon(1e-12));
  CHECK(test_logs.at("mae") == doctest::Approx(golden.at("test_logs").at("mae").get<double>()).epsilon(1e-12));
  CHECK_CLOSE(model.predict_on_batch(x).at(0), tensor_from_json(golden.at("predict")), 1e-12, 1e-14);
}

TEST_CASE("train_on_batch builds an unbuilt model and refuses what fit refuses") {
  models::Sequential model({.name = "m"});
  model.add<layers::Dense>({.units = 2});
  CHECK_THROWS_AS(model.train_on_batch(Tensor::zeros({4, 3}), Tensor::zeros({4, 2})), StateError);  // not compiled
  model.compile(std::make_unique<optim::SGD>(), "mse");
  CHECK(std::isfinite(model.train_on_batch(Tensor::ones({4, 3}), Tensor::zeros({4, 2})).at("loss")));
  CHECK_THROWS_WITH_AS(model.test_on_batch(Tensor::zeros({4, 3}), Tensor::zeros({3, 2})),
                       doctest::Contains("test_on_batch needs x and y with the same number of samples"), ShapeError);
}

TEST_CASE("LambdaCallback calls each hook it was given, in fit's order") {
  models::Sequential model;
  model.add<layers::Dense>({.units = 1});
  model.compile(std::make_unique<optim::SGD>(), "mse");
  std::vector<std::string> calls;
  models::LambdaCallback callback({
      .on_epoch_begin = [&](models::Model&, int epoch) { calls.push_back(fmt::format("epoch_begin {}", epoch)); },
      .on_epoch_end = [&](models::Model&, int epoch, const models::Logs& logs) {
        calls.push_back(fmt::format("epoch_end {} {}", epoch, logs.contains("loss")));
      },
      .on_train_begin = [&](models::Model&) { calls.push_back("train_begin"); },
      .on_train_batch_end = [&](models::Model&, int batch, const models::Logs&) { calls.push_back(fmt::format("batch_end {}", batch)); },
  });
  model.fit(Tensor::ones({4, 2}), Tensor::zeros({4, 1}), {.batch_size = 2, .epochs = 2, .verbose = 0, .callbacks = {&callback}});
  CHECK(calls == std::vector<std::string>{"train_begin", "epoch_begin 0", "batch_end 0", "batch_end 1", "epoch_end 0 true",
                                          "epoch_begin 1", "batch_end 0", "batch_end 1", "epoch_end 1 true"});
}
